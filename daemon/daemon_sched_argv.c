/*
 * The argument vector of a schedule's child (see daemon_sched.h): a
 * command with {job} replaced (gembench's by default), or for a lab
 * schedule `bouncelab lab ...` writing into a new campaign folder; the
 * program looked up in $PATH, then beside bouncelabd.
 */
#include "daemon_sched.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_campaign.h"
#include "daemon_config.h"
#include "paths.h"

char *bld_resolve_program(const char *prog)
{
	char self[PATH_MAX], cand[PATH_MAX];
	const char *path = getenv("PATH");

	if (strchr(prog, '/'))
		return strdup(prog);
	while (path && *path) {
		const char *colon = strchrnul(path, ':');
		int len = (int)(colon - path);

		if (snprintf(cand, sizeof(cand), "%.*s/%s", len ? len : 1, len ? path : ".", prog) < (int)sizeof(cand) &&
		    access(cand, X_OK) == 0)
			return strdup(cand);
		path = *colon ? colon + 1 : colon;
	}
	if (bl_self_dir(self, sizeof(self)) == 0) {
		if (snprintf(cand, sizeof(cand), "%s/%s", self, prog) < (int)sizeof(cand) &&
		    access(cand, X_OK) == 0)
			return strdup(cand);
	}
	return NULL;
}

void bld_free_vec(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/*
 * A lab schedule's vector: `bouncelab lab ... --out DIR` with DIR a new
 * folder of this campaign (in *@outdir); @kernels the new-kernel series
 * when the lab names no kernels.
 */
char **bld_build_lab_argv(const struct bld_config *cfg, const struct bld_schedule *sc, const char *kernels,
			     time_t now, char **outdir, char *why, size_t whylen)
{
	char base[PATH_MAX], dir[PATH_MAX];
	char *prog = bld_resolve_program(cfg->bouncelab);
	char **v;
	int ret;

	if (!prog) {
		snprintf(why, whylen, "%s: not found in PATH nor beside bouncelabd", cfg->bouncelab);
		return NULL;
	}
	bld_campaign_base(cfg->campaigns, cfg->db_path, base, sizeof(base));
	ret = bld_campaign_outdir(base, sc->name, now, dir, sizeof(dir));
	if (ret < 0) {
		snprintf(why, whylen, "campaign folder under %.180s: %s", base, strerror(-ret));
		free(prog);
		return NULL;
	}
	v = bld_lab_argv(prog, sc->lab, kernels, dir);
	free(prog);
	*outdir = v ? strdup(dir) : NULL;
	if (!v || !*outdir) {
		bld_free_vec(v);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	return v;
}

/* The argument vector of schedule @sc with {job} replaced; argv[0] resolved. */
char **bld_build_argv(const struct bld_config *cfg, const struct bld_schedule *sc, char *why, size_t whylen)
{
	const char *def[] = { cfg->gembench, "--job", "{job}", "--json", "-", NULL };
	const char *const *src = sc->argv ? (const char *const *)sc->argv : def;
	size_t n = 0;
	char **v;

	while (src[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		const char *at = strstr(src[i], "{job}");

		if (i == 0) {
			v[0] = bld_resolve_program(src[0]);
			if (!v[0]) {
				snprintf(why, whylen, "%s: not found in PATH nor beside bouncelabd", src[0]);
				bld_free_vec(v);
				return NULL;
			}
			continue;
		}
		if (at && !sc->job) {
			snprintf(why, whylen, "command uses {job} but the schedule has no 'job'");
			bld_free_vec(v);
			return NULL;
		}
		if (at) {
			if (asprintf(&v[i], "%.*s%s%s", (int)(at - src[i]), src[i], sc->job, at + 5) < 0)
				v[i] = NULL;
		} else {
			v[i] = strdup(src[i]);
		}
		if (!v[i])
			goto nomem;
	}
	return v;
nomem:
	bld_free_vec(v);
	snprintf(why, whylen, "out of memory");
	return NULL;
}
