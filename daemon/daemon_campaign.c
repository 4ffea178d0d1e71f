/*
 * The `lab =` value of a schedule, the `bouncelab lab` argument vector it
 * becomes, and the folder a campaign writes into (see daemon_campaign.h).
 *
 * The value is checked when the configuration is read, so a typo is a
 * start-up (or SIGHUP) error naming the key and value, not a failed night
 * hours later. Kernel lists, mode specs and the clock go through the
 * testbed's own parsers (testbed/lab_config.h), which check form only:
 * whether apt's index knows a kernel the child finds out, and refuses with
 * exit 2, which the scheduler stores as a failed run with the lab's reason.
 */
#include "daemon_campaign.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "lab_config.h"
#include "units.h"

enum lab_key { LK_KERNELS, LK_MODES, LK_BOOTS, LK_JOB, LK_CLOCK, LK_TIMEOUT, LK_COUNT };

static const char *const lab_key_names[LK_COUNT] = { "kernels", "modes", "boots", "job", "clock", "timeout" };

/* The key an item starts with ("modes=force" -> LK_MODES), -1 when it starts with no "word=" at all. */
static int item_key(const char *item, size_t *keylen)
{
	size_t n = 0;

	while (islower((unsigned char)item[n]))
		n++;
	if (!n || item[n] != '=')
		return -1;
	*keylen = n;
	for (int k = 0; k < LK_COUNT; k++)
		if (strlen(lab_key_names[k]) == n && !strncmp(item, lab_key_names[k], n))
			return k;
	return LK_COUNT; /* a key, but not one of ours */
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Checks one key's value; sets it in @lab. 0, -EINVAL with @why, -ENOMEM. */
static int set_key(struct bld_lab *lab, enum lab_key k, const char *v, char *why, size_t whylen)
{
	struct lab_config scratch;
	char err[256] = "";
	uint64_t ns;
	char *end;
	unsigned long n;

	if (!*v) {
		snprintf(why, whylen, "lab: %s is empty", lab_key_names[k]);
		return -EINVAL;
	}
	lab_config_init(&scratch);
	switch (k) {
	case LK_KERNELS:
		if (lab_config_set_kernels(&scratch, v, err, sizeof(err)) < 0)
			goto refused;
		return (lab->kernels = strdup(v)) ? 0 : -ENOMEM;
	case LK_MODES:
		if (lab_config_set_modes(&scratch, v, err, sizeof(err)) < 0)
			goto refused;
		return (lab->modes = strdup(v)) ? 0 : -ENOMEM;
	case LK_CLOCK:
		if (lab_config_set_clock(&scratch, v, err, sizeof(err)) < 0)
			goto refused;
		return (lab->clock = strdup(v)) ? 0 : -ENOMEM;
	case LK_BOOTS:
		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno || *end || !isdigit((unsigned char)*v) || n < 1 || n > LAB_BOOTS_MAX) {
			snprintf(why, whylen, "lab: boots '%s': expected 1 to %d boots per kernel and mode", v,
				 LAB_BOOTS_MAX);
			return -EINVAL;
		}
		lab->boots = (unsigned)n;
		return 0;
	case LK_TIMEOUT:
		if (bl_parse_duration_ns(v, &ns) < 0 || ns / 1000000000ull < LAB_TIMEOUT_MIN ||
		    ns / 1000000000ull > LAB_TIMEOUT_MAX) {
			snprintf(why, whylen, "lab: timeout '%s': expected one boot's timeout from %ds to %ds (10m, 1h)",
				 v, LAB_TIMEOUT_MIN, LAB_TIMEOUT_MAX);
			return -EINVAL;
		}
		lab->boot_timeout_s = (unsigned)(ns / 1000000000ull);
		return 0;
	case LK_JOB:
		/* The child reads it much later: a missing file is a configuration error now. */
		if (bl_check_text_file(v, BL_TEXT_FILE_MAX, err, sizeof(err)) || access(v, R_OK) < 0) {
			if (!err[0])
				snprintf(err, sizeof(err), "%s: %s", v, strerror(errno));
			snprintf(why, whylen, "lab: job '%s': %s", v, err);
			return -EINVAL;
		}
		return (lab->job = strdup(v)) ? 0 : -ENOMEM;
	case LK_COUNT:
		break;
	}
	return -EINVAL;
refused:
	snprintf(why, whylen, "lab: %s '%s': %s", lab_key_names[k], v, err);
	return -EINVAL;
}

void bld_lab_free(struct bld_lab *lab)
{
	if (!lab)
		return;
	free(lab->kernels);
	free(lab->modes);
	free(lab->clock);
	free(lab->job);
	free(lab);
}

int bld_lab_parse(const char *value, struct bld_lab **out, char *why, size_t whylen)
{
	char *values[LK_COUNT] = { NULL };
	struct bld_lab *lab = NULL;
	char *copy = strdup(value), *rest = copy, *item;
	int cur = -1, ret = 0;

	*out = NULL;
	if (!copy)
		return -ENOMEM;
	/* Gather each key's text first: "kernels=6.1,6.12" arrives as two items. */
	/* strsep, not strtok: an empty item ("force,,noforce") must be seen to be refused. */
	while ((item = strsep(&rest, ","))) {
		char *it = trim(item);
		size_t keylen = 0;
		int k = item_key(it, &keylen);

		if (k == LK_COUNT) {
			snprintf(why, whylen, "lab: '%.*s': unknown key (kernels, modes, boots, job, clock, timeout)",
				 (int)keylen, it);
			ret = -EINVAL;
			goto out;
		}
		if (k < 0) {
			if (cur < 0) {
				snprintf(why, whylen, "lab: '%s': expected key=value (kernels=6.12, modes=force, ...)", it);
				ret = -EINVAL;
				goto out;
			}
			/* The previous key's list goes on; an empty item is an empty list entry. */
			char *grown;

			if (asprintf(&grown, "%s,%s", values[cur], it) < 0) {
				ret = -ENOMEM;
				goto out;
			}
			free(values[cur]);
			values[cur] = grown;
			continue;
		}
		if (values[k]) {
			snprintf(why, whylen, "lab: %s given twice", lab_key_names[k]);
			ret = -EINVAL;
			goto out;
		}
		cur = k;
		values[k] = strdup(trim(it + keylen + 1));
		if (!values[k]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (!values[LK_JOB]) {
		snprintf(why, whylen, "lab: no job= (the job file gembench runs in each boot)");
		ret = -EINVAL;
		goto out;
	}
	lab = calloc(1, sizeof(*lab));
	if (!lab) {
		ret = -ENOMEM;
		goto out;
	}
	for (int k = 0; k < LK_COUNT && !ret; k++) {
		if (!values[k])
			continue;
		/* A list with an empty entry ("6.1,,6.12", "force,") is a mistake the lab's parser may forgive. */
		if ((k == LK_KERNELS || k == LK_MODES) && values[k][0] &&
		    (strstr(values[k], ",,") || values[k][0] == ',' || values[k][strlen(values[k]) - 1] == ',')) {
			snprintf(why, whylen, "lab: %s '%s': an empty entry in the list", lab_key_names[k], values[k]);
			ret = -EINVAL;
			break;
		}
		ret = set_key(lab, (enum lab_key)k, values[k], why, whylen);
	}
	if (!ret) {
		/* What no single key can say (KVM is not offered; the clock against the rest). */
		struct lab_config whole;
		char err[256];

		lab_config_init(&whole);
		if ((lab->kernels && lab_config_set_kernels(&whole, lab->kernels, err, sizeof(err))) ||
		    (lab->modes && lab_config_set_modes(&whole, lab->modes, err, sizeof(err))) ||
		    (lab->clock && lab_config_set_clock(&whole, lab->clock, err, sizeof(err))) ||
		    lab_config_check(&whole, err, sizeof(err))) {
			snprintf(why, whylen, "lab: %s", err);
			ret = -EINVAL;
		}
	}
	if (!ret) {
		*out = lab;
		lab = NULL;
	}
out:
	for (int k = 0; k < LK_COUNT; k++)
		free(values[k]);
	free(copy);
	bld_lab_free(lab);
	return ret;
}

char **bld_lab_argv(const char *bouncelab, const struct bld_lab *lab, const char *kernels, const char *outdir)
{
	char **v = calloc(20, sizeof(*v)); /* 2 + 6 options x 2 + --out DIR + NULL */
	char num[16];
	size_t n = 0;
	bool ok = true;

#define ADD(s)                                          \
	do {                                            \
		if (ok && !(v[n++] = strdup(s)))        \
			ok = false;                     \
	} while (0)
	if (!v)
		return NULL;
	ADD(bouncelab);
	ADD("lab");
	if (lab->kernels || kernels) {
		ADD("--kernels");
		ADD(lab->kernels ? lab->kernels : kernels);
	}
	if (lab->modes) {
		ADD("--modes");
		ADD(lab->modes);
	}
	if (lab->boots) {
		snprintf(num, sizeof(num), "%u", lab->boots);
		ADD("--boots");
		ADD(num);
	}
	if (lab->clock) {
		ADD("--clock");
		ADD(lab->clock);
	}
	if (lab->boot_timeout_s) {
		snprintf(num, sizeof(num), "%u", lab->boot_timeout_s);
		ADD("--timeout");
		ADD(num);
	}
	ADD("--job");
	ADD(lab->job);
	ADD("--out");
	ADD(outdir);
#undef ADD
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return NULL;
	}
	return v;
}

void bld_campaign_base(const char *campaigns, const char *db, char *buf, size_t len)
{
	const char *slash;

	if (campaigns) {
		snprintf(buf, len, "%s", campaigns);
		return;
	}
	slash = db ? strrchr(db, '/') : NULL;
	if (slash)
		snprintf(buf, len, "%.*s/campaigns", (int)(slash - db), db);
	else
		snprintf(buf, len, "campaigns");
}

int bld_campaign_outdir(const char *base, const char *name, time_t now, char *buf, size_t len)
{
	char parent[PATH_MAX], stamp[32];
	struct tm tm;
	int ret;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (snprintf(parent, sizeof(parent), "%s/%s", base, name) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	ret = bl_mkdir_p(parent, 0755);
	if (ret < 0)
		return ret;
	/* Two campaigns in one second (a short 'every', a restart): never share a folder. */
	for (int k = 1; k < 100; k++) {
		int w = k == 1 ? snprintf(buf, len, "%s/%s", parent, stamp)
			       : snprintf(buf, len, "%s/%s-%d", parent, stamp, k);

		if (w >= (int)len)
			return -ENAMETOOLONG;
		if (mkdir(buf, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}
