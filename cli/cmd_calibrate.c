/*
 * `bouncelab calibrate`: measures the noise floor compare judges times
 * against. Boots one configuration (kernel, DMA mode, guest clock, job)
 * several times in the testbed (an A/A experiment: nothing differs but the
 * boot), stores the documents, and stores per job, workload, variant, size,
 * metric and clock how far apart the boots put the metric
 * (analysis/calibrate.h). `--from DIR` takes documents of such boots that
 * already exist (a `bouncelab lab --boots N` folder) instead of booting.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "calibrate.h"
#include "commands.h"
#include "fsutil.h"
#include "judge.h"
#include "lab_config.h"
#include "log.h"
#include "paths.h"
#include "resultdoc.h"
#include "subprocess.h"

struct calibrate_opts {
	const char *kernel, *mode, *job, *clock, *boots, *out, *timeout, *from, *db;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab calibrate [--kernel SERIES] [--mode MODE] [--job FILE]\n"
		"                           [--clock icount|wall] [--boots N] [--out DIR]\n"
		"                           [--timeout S] [--db PATH]\n"
		"       bouncelab calibrate --from DIR [--db PATH]\n\n"
		"Measures the noise floor of comparisons: boots one configuration N times in\n"
		"the testbed (A/A: nothing differs but the boot), stores the documents, and\n"
		"stores per job, workload, size, metric and guest clock how far apart the boots\n"
		"put the metric: for times the relative spread of the boots' means (max/min - 1),\n"
		"for counts the absolute spread (max - min; 0 for exact counts). compare then\n"
		"asks a change to exceed max(--noise, k x floor) and says 'uncalibrated' where\n"
		"no floor exists. A new calibration replaces the floors of the same rows.\n\n"
		"  --kernel SERIES  kernel series or version to boot (default 6.12)\n"
		"  --mode MODE      DMA mode (default %s)\n"
		"  --job FILE       job file (default %s)\n"
		"  --clock CLOCK    guest clock: icount (default) or wall; floors are per clock\n"
		"  --boots N        boots, 2 to %d (default 2); more boots, a truer floor\n"
		"  --out DIR        where the lab writes (default var/calibrate/<UTC time>)\n"
		"  --timeout S      per boot, passed to the lab\n"
		"  --from DIR       no boots: use the documents in DIR and DIR/*/ (a lab folder)\n"
		"  --db PATH        database (default $BOUNCELAB_DB, else var/bouncelab.db)\n\n"
		"Exit: 0 floors stored, 1 the boots or the store failed, 2 bad usage or the\n"
		"documents are not A/A boots of one configuration (the reason is printed).\n",
		BL_MODE_BASELINE, LAB_DEFAULT_JOB, LAB_BOOTS_MAX);
}

static int parse_opts(int argc, char **argv, struct calibrate_opts *o)
{
	enum { O_KERNEL = 256, O_MODE, O_JOB, O_CLOCK, O_BOOTS, O_OUT, O_TIMEOUT, O_FROM, O_DB,
	       O_HELP };
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "mode", required_argument, NULL, O_MODE },
		{ "job", required_argument, NULL, O_JOB },
		{ "clock", required_argument, NULL, O_CLOCK },
		{ "boots", required_argument, NULL, O_BOOTS },
		{ "out", required_argument, NULL, O_OUT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "from", required_argument, NULL, O_FROM },
		{ "db", required_argument, NULL, O_DB },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct calibrate_opts){ .kernel = "6.12", .mode = BL_MODE_BASELINE,
				      .clock = "icount", .boots = "2" };
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_KERNEL: o->kernel = optarg; break;
		case O_MODE: o->mode = optarg; break;
		case O_JOB: o->job = optarg; break;
		case O_CLOCK: o->clock = optarg; break;
		case O_BOOTS: o->boots = optarg; break;
		case O_OUT: o->out = optarg; break;
		case O_TIMEOUT: o->timeout = optarg; break;
		case O_FROM: o->from = optarg; break;
		case O_DB: o->db = optarg; break;
		case O_HELP: usage(stdout); return 1;
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		bl_err("calibrate: unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	/* what the lab would refuse only after starting, refused here, naming the value */
	{
		char *end;
		long n = strtol(o->boots, &end, 10);

		if (*end || end == o->boots || n < 2 || n > LAB_BOOTS_MAX) {
			bl_err("calibrate: --boots '%s': expected 2 to %d boots (one boot has no "
			       "spread)", o->boots, LAB_BOOTS_MAX);
			return -EINVAL;
		}
	}
	if (strcmp(o->clock, "icount") && strcmp(o->clock, "wall")) {
		bl_err("calibrate: --clock '%s': expected icount or wall", o->clock);
		return -EINVAL;
	}
	if (!bl_mode_find(o->mode)) {
		char names[128];

		bl_mode_names(names, sizeof(names));
		bl_err("calibrate: --mode '%s': not a mode (known: %s)", o->mode, names);
		return -EINVAL;
	}
	return 0;
}

/* Boots the A/A experiment with `bouncelab lab` (this same program). */
static int boot(const struct calibrate_opts *o, const char *out)
{
	char dir[PATH_MAX], exe[PATH_MAX + 16];
	char *argv[24];
	struct bl_spawn_result res;
	int a = 0, ret;

	if ((ret = bl_self_dir(dir, sizeof(dir))) < 0)
		return ret;
	snprintf(exe, sizeof(exe), "%s/bouncelab", dir);
	argv[a++] = exe;
	argv[a++] = "lab";
	argv[a++] = "--kernels";
	argv[a++] = (char *)o->kernel;
	argv[a++] = "--modes";
	argv[a++] = (char *)o->mode;
	argv[a++] = "--clock";
	argv[a++] = (char *)o->clock;
	argv[a++] = "--boots";
	argv[a++] = (char *)o->boots;
	argv[a++] = "--out";
	argv[a++] = (char *)out;
	if (o->job) {
		argv[a++] = "--job";
		argv[a++] = (char *)o->job;
	}
	if (o->timeout) {
		argv[a++] = "--timeout";
		argv[a++] = (char *)o->timeout;
	}
	argv[a] = NULL;
	fprintf(stderr, "calibrate: $ bouncelab lab --kernels %s --modes %s --clock %s --boots %s "
			"--out %s%s%s\n",
		o->kernel, o->mode, o->clock, o->boots, out, o->job ? " --job " : "",
		o->job ? o->job : "");
	ret = bl_spawn_run(argv, &(struct bl_spawn_opts){ .in = BL_SPAWN_NULL, .no_path_search = true },
			   &res);
	if (ret < 0)
		return ret;
	ret = bl_spawn_code(&res);
	bl_spawn_result_free(&res);
	return ret;
}

struct uuids {
	char **v;
	size_t n, cap;
};

/* Stores every document of @dir and @dir/STAR/ and keeps their UUIDs. */
static int store_docs(struct bl_store *s, const char *dir, struct uuids *u)
{
	static const char *const patterns[] = { "/*.json", "/*/*.json" };
	int ret = 0;

	for (size_t p = 0; p < 2 && !ret; p++) {
		char pat[PATH_MAX];
		glob_t g;

		snprintf(pat, sizeof(pat), "%s%s", dir, patterns[p]);
		if (glob(pat, 0, NULL, &g))
			continue; /* no match */
		for (size_t i = 0; i < g.gl_pathc && !ret; i++) {
			struct bl_resultdoc *d = NULL;
			enum bl_put_outcome outcome;
			char *text = NULL, err[256];
			size_t len;

			if ((ret = bl_read_file(g.gl_pathv[i], 64ul << 20, &text, &len))) {
				bl_err("calibrate: %s: read: %s", g.gl_pathv[i], strerror(-ret));
				break;
			}
			if (bl_resultdoc_parse(text, len, &d, err, sizeof(err))) {
				/* not a document of ours (or a broken one): say so, go on */
				bl_warn("calibrate: %s: not used: %s", g.gl_pathv[i], err);
				free(text);
				continue;
			}
			free(text);
			if ((ret = bl_store_put_run(s, d, &outcome)) < 0) {
				bl_err("calibrate: %s: store: %s", g.gl_pathv[i], bl_store_errmsg(s));
			} else if (u->n == u->cap) {
				size_t cap = u->cap ? 2 * u->cap : 32;
				char **v = realloc(u->v, cap * sizeof(*v));

				if (!v)
					ret = -ENOMEM;
				else
					u->v = v, u->cap = cap;
			}
			if (ret >= 0 && !(u->v[u->n] = strdup(d->run_id)))
				ret = -ENOMEM;
			else if (ret >= 0)
				u->n++;
			bl_resultdoc_free(d);
		}
		globfree(&g);
	}
	return ret < 0 ? ret : 0;
}

/* One line on what was measured: how noisy times are, which counts move at all. */
static void summary(const struct an_floors *fl)
{
	double *t = malloc((fl->n ? fl->n : 1) * sizeof(*t));
	size_t nt = 0, moving = 0, counts = 0;

	if (!t)
		return;
	for (size_t i = 0; i < fl->n; i++) {
		if (!strcmp(fl->f[i].metric, "ops_per_sec"))
			t[nt++] = fl->f[i].floor;
		if (bl_metric_is_count(fl->f[i].metric)) {
			counts++;
			moving += fl->f[i].floor > 0;
		}
	}
	printf("calibrate: %s %s, clock %s: %zu boots, %zu runs -> %zu floors stored\n",
	       fl->kernel, fl->mode, *fl->clock ? fl->clock : "none", fl->boots, fl->runs, fl->n);
	if (nt) {
		qsort(t, nt, sizeof(*t), bl_cmp_double);
		printf("calibrate: throughput floors over %zu rows: median %.2f %%, 90th %.2f %%, "
		       "max %.2f %%\n",
		       nt, 100 * bl_quantile_sorted(t, nt, 0.5), 100 * bl_quantile_sorted(t, nt, 0.9),
		       100 * t[nt - 1]);
	}
	printf("calibrate: counts: %zu of %zu differ between the boots (the rest are exact)\n",
	       moving, counts);
	free(t);
}

int cmd_calibrate(int argc, char **argv)
{
	struct calibrate_opts o;
	struct bl_store *s = NULL;
	struct an_floors fl = { 0 };
	struct uuids u = { 0 };
	char out[PATH_MAX], why[512];
	int ret = parse_opts(argc, argv, &o), rc = 1;

	if (ret)
		return ret > 0 ? 0 : 2;
	if (!o.from) {
		if (o.out) {
			snprintf(out, sizeof(out), "%s", o.out);
		} else {
			bl_default_out_dir("calibrate", out, sizeof(out));
		}
		ret = boot(&o, out);
		/* 1: some boot failed; its documents say why, the others still count */
		if (ret < 0 || ret >= 2) {
			bl_err("calibrate: the lab could not run (%s)",
			       ret < 0 ? strerror(-ret) : "exit code 2 or more");
			return 1;
		}
		o.from = out;
	}
	if (an_open_store_rw(o.db, &s) < 0)
		return 1;
	if ((ret = store_docs(s, o.from, &u)))
		goto out;
	if (!u.n) {
		bl_err("calibrate: %s: no result documents", o.from);
		rc = 2;
		goto out;
	}
	ret = an_calibrate(s, NULL, u.v, u.n, &fl, why, sizeof(why));
	if (ret) {
		bl_err("calibrate: %s: %s", o.from, why);
		rc = ret == -EINVAL || ret == -ENOENT ? 2 : 1;
		goto out;
	}
	if (bl_store_put_floors(s, time(NULL), fl.f, fl.n)) {
		bl_err("calibrate: %s", bl_store_errmsg(s));
		goto out;
	}
	summary(&fl);
	rc = 0;
out:
	an_floors_free(&fl);
	for (size_t i = 0; i < u.n; i++)
		free(u.v[i]);
	free(u.v);
	bl_store_close(s);
	return rc;
}
