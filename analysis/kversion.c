/*
 * Debian version order (dpkg's verrevcmp, lib/dpkg/version.c) and keeping
 * the newest package version per series or release (see kversion.h).
 */
#include "kversion.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* dpkg's weight of one character of a non-digit part: '~' lowest, letters before the rest. */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* Compares two upstream versions or two revisions, [a, a_end) and [b, b_end). */
static int verrevcmp(const char *a, const char *a_end, const char *b, const char *b_end)
{
#define CH(p, e) ((p) < (e) ? (unsigned char)*(p) : 0)
	while (a < a_end || b < b_end) {
		int first_diff = 0;

		while ((a < a_end && !isdigit(CH(a, a_end))) || (b < b_end && !isdigit(CH(b, b_end)))) {
			int ac = order(CH(a, a_end)), bc = order(CH(b, b_end));

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (CH(a, a_end) == '0')
			a++;
		while (CH(b, b_end) == '0')
			b++;
		while (isdigit(CH(a, a_end)) && isdigit(CH(b, b_end))) {
			if (!first_diff)
				first_diff = CH(a, a_end) - CH(b, b_end);
			a++;
			b++;
		}
		if (isdigit(CH(a, a_end)))
			return 1;
		if (isdigit(CH(b, b_end)))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
#undef CH
}

struct debver {
	unsigned long epoch;
	const char *up, *up_end, *rev, *rev_end;
};

static void debver_split(const char *v, struct debver *d)
{
	const char *colon = strchr(v, ':'), *dash;

	d->epoch = colon ? strtoul(v, NULL, 10) : 0;
	d->up = colon ? colon + 1 : v;
	dash = strrchr(d->up, '-');
	d->up_end = dash ? dash : d->up + strlen(d->up);
	d->rev = dash ? dash + 1 : d->up_end;
	d->rev_end = d->rev + strlen(d->rev);
}

int an_debver_cmp(const char *a, const char *b)
{
	struct debver x, y;
	int r;

	if (!a || !b)
		return !a - !b ? (!a ? -1 : 1) : 0;
	debver_split(a, &x);
	debver_split(b, &y);
	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	r = verrevcmp(x.up, x.up_end, y.up, y.up_end);
	return r ? r : verrevcmp(x.rev, x.rev_end, y.rev, y.rev_end);
}

/* "6.12" of "6.12.118+deb12-amd64", "6.1" of "6.1.0-57-amd64": the first two numbers. */
static void series_of(const char *release, char *buf, size_t len)
{
	size_t n = strspn(release, "0123456789");

	if (release[n] == '.')
		n += 1 + strspn(release + n + 1, "0123456789");
	snprintf(buf, len, "%.*s", (int)n, release);
}

/* What runs are told apart by: the series under a kernel filter, else the release. */
static void key_of(const struct an_run *r, bool by_series, char *buf, size_t len)
{
	const char *rel = r->kernel_release ? r->kernel_release : "?";

	/* a local build (testbed local-<hex>) is its own kernel: it neither hides a Debian version nor is hidden */
	if (r->package_version && !strncmp(r->package_version, "local-", 6))
		snprintf(buf, len, "%s", r->package_version);
	else if (by_series)
		series_of(rel, buf, len);
	else
		snprintf(buf, len, "%s", rel);
}

struct keep_ctx {
	const struct an_run *base; /* the runs before an_runs_keep moves them */
	const char **newest;	   /* per run: the newest version of its key, NULL none */
};

static bool keep_newest(const struct an_run *r, void *user)
{
	const struct keep_ctx *k = user;
	const char *newest = k->newest[r - k->base];

	/* an_runs_keep asks about each run at its old place, before moving it */
	return !newest || !strcmp(newest, r->package_version);
}

/* A run with a package version, for sorting: its key (series or release), version, place. */
struct ver_key {
	char key[64];
	const char *version;
	size_t pos;
};

/* By key, then newest version first, then place: each key's newest leads its group. */
static int cmp_ver_key(const void *a, const void *b)
{
	const struct ver_key *x = a, *y = b;
	int d = strcmp(x->key, y->key);

	if (!d)
		d = an_debver_cmp(y->version, x->version);
	return d ? d : (x->pos > y->pos) - (x->pos < y->pos);
}

size_t an_runs_newest_versions(struct an_runs *runs, const struct bl_run_filter *f)
{
	bool by_series = f && f->kernel;
	const char **newest = NULL;
	struct ver_key *vk = NULL;
	size_t dropped = 0, n = 0;

	if ((f && f->versions && !strcmp(f->versions, "all")) || (f && f->run_id) || runs->n < 2)
		return 0;
	newest = calloc(runs->n, sizeof(*newest));
	vk = calloc(runs->n, sizeof(*vk));
	if (!newest || !vk)
		goto out; /* nothing dropped rather than a half-done rule */
	/* sorted once (a report's history is thousands of runs): no pairwise comparing */
	for (size_t i = 0; i < runs->n; i++) {
		if (!runs->r[i].package_version)
			continue;
		key_of(&runs->r[i], by_series, vk[n].key, sizeof(vk[n].key));
		vk[n].version = runs->r[i].package_version;
		vk[n++].pos = i;
	}
	if (n)
		qsort(vk, n, sizeof(*vk), cmp_ver_key);
	for (size_t g = 0, len; g < n; g += len) {
		for (len = 1; g + len < n && !strcmp(vk[g + len].key, vk[g].key); len++)
			;
		for (size_t k = g; k < g + len; k++) {
			newest[vk[k].pos] = vk[g].version;
			if (!strcmp(vk[k].version, vk[g].version))
				continue;
			dropped++;
			/* said once per version: the versions of a group come together */
			if (strcmp(vk[k].version, vk[k - 1].version))
				bl_info("kernel %s%s: runs of package version %s left out, the newest (%s) is used: "
					"versions never pool (the selector key versions=all keeps every one, kernel=%s "
					"picks that one)",
					by_series ? "series " : "", vk[k].key, vk[k].version, vk[g].version,
					vk[k].version);
		}
	}
	if (dropped) {
		struct keep_ctx k = { runs->r, newest };

		an_runs_keep(runs, keep_newest, &k);
	}
out:
	free(vk);
	free(newest);
	return dropped;
}
