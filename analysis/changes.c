/*
 * Finding the store's change points (see changes.h): the runs, the
 * per-run aggregates of each metric, sorted into series, each searched.
 */
#include "changes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kversion.h"
#include "log.h"
#include "store_summary.h"

/* One run's value of one row, while the series are not formed yet. */
struct raw_point {
	const struct an_run *run;
	const char *workload, *variant; /* owned */
	int64_t size;
	double mean;
};

struct find_ctx {
	const struct an_runs *runs;
	struct { int64_t id; size_t pos; } *byid; /* runs sorted by store id */
	struct raw_point *p;
	size_t n, cap;
};

void an_series_of(const char *release, char *buf, size_t len)
{
	size_t n = strspn(release ? release : "", "0123456789");

	if (release && release[n] == '.')
		n += 1 + strspn(release + n + 1, "0123456789");
	snprintf(buf, len, "%.*s", (int)n, release ? release : "?");
}

static int cmp_byid(const void *a, const void *b)
{
	const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int point_cb(const struct bl_trend_point *tp, void *user)
{
	struct find_ctx *c = user;
	size_t lo = 0, hi = c->runs->n;
	struct raw_point *p;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->byid[mid].id < tp->run)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->runs->n || c->byid[lo].id != tp->run)
		return 0; /* not one of the filter's runs */
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct raw_point *np = realloc(c->p, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		c->p = np;
		c->cap = cap;
	}
	p = &c->p[c->n];
	p->run = &c->runs->r[c->byid[lo].pos];
	p->workload = strdup(tp->workload);
	p->variant = strdup(tp->variant ? tp->variant : "");
	p->size = tp->size;
	p->mean = tp->mean;
	if (!p->workload || !p->variant) {
		free((char *)p->workload);
		free((char *)p->variant);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* The series a point belongs to: everything but the version and the time. */
static int cmp_series(const struct raw_point *x, const struct raw_point *y)
{
	char sx[32], sy[32];
	int d;

	if ((d = cmp_str(x->run->job, y->run->job)) || (d = cmp_str(x->run->device, y->run->device)) ||
	    (d = cmp_str(x->run->importer, y->run->importer)) || (d = strcmp(x->workload, y->workload)) ||
	    (d = strcmp(x->variant, y->variant)) || (d = (x->size > y->size) - (x->size < y->size)) ||
	    (d = cmp_str(x->run->mode, y->run->mode)) || (d = cmp_str(x->run->clock, y->run->clock)))
		return d;
	an_series_of(x->run->kernel_release, sx, sizeof(sx));
	an_series_of(y->run->kernel_release, sy, sizeof(sy));
	return strcmp(sx, sy);
}

/* Series, then package version (dpkg's order), then time. */
static int cmp_point(const void *a, const void *b)
{
	const struct raw_point *x = a, *y = b;
	int d = cmp_series(x, y);

	if (!d)
		d = an_debver_cmp(x->run->package_version, y->run->package_version);
	if (!d)
		d = (x->run->started_unix > y->run->started_unix) - (x->run->started_unix < y->run->started_unix);
	return d;
}

static void free_raw(struct find_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free((char *)c->p[i].workload);
		free((char *)c->p[i].variant);
	}
	free(c->p);
	c->p = NULL;
	c->n = c->cap = 0;
}

/* Keeps series p[0..len) with its change points in @out (which takes @cp). */
static int keep_series(struct an_changes *out, const struct raw_point *p, size_t len, const char *metric,
		       struct an_change_point *cp, size_t ncp)
{
	struct an_cp_series *s, *ns = realloc(out->s, (out->n + 1) * sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	out->s = ns;
	s = &out->s[out->n];
	memset(s, 0, sizeof(*s));
	s->first = p[0].run;
	an_series_of(p[0].run->kernel_release, s->series, sizeof(s->series));
	s->workload = strdup(p[0].workload);
	s->variant = strdup(p[0].variant);
	s->size = p[0].size;
	s->metric = metric;
	s->pt = malloc(len * sizeof(*s->pt));
	s->n = len;
	s->cp = cp;
	s->ncp = ncp;
	out->n++; /* freed by an_changes_free from here on, whatever is missing */
	if (!s->workload || !s->variant || !s->pt)
		return -ENOMEM;
	for (size_t k = 0; k < len; k++)
		s->pt[k] = (struct an_cp_point){ p[k].run, p[k].mean };
	return 0;
}

static int find_metric(struct bl_store *st, struct find_ctx *fc, const int64_t *ids, const char *metric,
		       struct an_changes *out)
{
	const struct an_cp_opts *o = &out->opts;
	double *v = NULL;
	char err[512] = "";
	int ret;

	ret = bl_store_summary_trend(st, ids, out->runs.n, NULL, 0, metric, point_cb, fc, err, sizeof(err));
	if (ret < 0) {
		bl_err("change points: %s", *err ? err : strerror(-ret));
		return ret;
	}
	if (fc->n) /* no rows of this metric: p is NULL, which qsort may not get */
		qsort(fc->p, fc->n, sizeof(*fc->p), cmp_point);
	v = malloc((fc->n ? fc->n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0, len; i < fc->n && !ret; i += len) {
		struct an_change_point *cp = NULL;
		size_t ncp = 0;

		for (len = 1; i + len < fc->n && !cmp_series(&fc->p[i], &fc->p[i + len]); len++)
			;
		if (len < 2 * o->min_size || len > AN_CP_MAX_POINTS)
			continue;
		out->searched++;
		for (size_t k = 0; k < len; k++)
			v[k] = fc->p[i + k].mean;
		ret = an_change_points(v, len, o, &cp, &ncp);
		if (!ret && ncp)
			ret = keep_series(out, &fc->p[i], len, metric, cp, ncp);
		else
			free(cp);
	}
	free(v);
	return ret;
}

int an_changes_find(struct bl_store *s, const struct bl_run_filter *f, const char *const *metrics,
		    struct an_changes *out)
{
	struct bl_run_filter ff = f ? *f : (struct bl_run_filter){ 0 };
	struct find_ctx fc = { 0 };
	int64_t *ids = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	an_cp_opts_default(&out->opts);
	ff.versions = "all"; /* the versions are the x axis here */
	ff.limit = 0;
	ret = an_load_runs(s, &ff, &out->runs);
	if (ret < 0 || !out->runs.n)
		return ret;
	fc.runs = &out->runs;
	fc.byid = calloc(out->runs.n, sizeof(*fc.byid));
	ids = calloc(out->runs.n, sizeof(*ids));
	if (!fc.byid || !ids) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < out->runs.n; i++) {
		fc.byid[i].id = ids[i] = out->runs.r[i].id;
		fc.byid[i].pos = i;
	}
	qsort(fc.byid, out->runs.n, sizeof(*fc.byid), cmp_byid);
	for (size_t m = 0; metrics && metrics[m] && !ret; m++) {
		ret = find_metric(s, &fc, ids, metrics[m], out);
		free_raw(&fc);
	}
out:
	free_raw(&fc);
	free(fc.byid);
	free(ids);
	return ret;
}

void an_changes_free(struct an_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->s[i].workload);
		free(c->s[i].variant);
		free(c->s[i].pt);
		free(c->s[i].cp);
	}
	free(c->s);
	an_runs_free(&c->runs);
	memset(c, 0, sizeof(*c));
}
