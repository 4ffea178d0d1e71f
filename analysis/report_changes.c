/*
 * The report's "Change points" section (issue 14): for every series of
 * (job, devices, workload, variant, size, metric, mode, kernel series) in
 * the store, its values run by run in the order of the Debian package
 * versions (then of time: the nights of one version in a row) are searched
 * for change points (analysis/changepoint.h: E-divisive means, permutation
 * test, p <= 0.001, a minimum change), and each one found is a table row
 * naming the package version where the new level starts.
 *
 * The series are the runs the report's selector picks, every package
 * version of them (versions=all: here the versions are the x axis, not
 * something to pool), whatever the night; each run contributes its row's
 * mean (bl_store_summary_trend: aggregated in SQL, the history is never
 * loaded row by row). Two metrics: bounces per op (a count) and
 * throughput (a time, which moves with the guest's clock: the runs of one
 * series share it, a series is also split by clock).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changepoint.h"
#include "kversion.h"
#include "log.h"
#include "report_int.h"
#include "store_summary.h"

static const char *const cp_metrics[] = { "bounces_per_op", "ops_per_sec" };

/* One run's value of one row. */
struct cp_point {
	const struct an_run *run;
	const char *workload, *variant; /* owned */
	int64_t size;
	double mean;
};

struct cp_ctx {
	const struct an_runs *runs;
	struct { int64_t id; size_t pos; } *byid; /* runs sorted by store id */
	struct cp_point *p;
	size_t n, cap;
};

static int cmp_byid(const void *a, const void *b)
{
	const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int point_cb(const struct bl_trend_point *tp, void *user)
{
	struct cp_ctx *c = user;
	size_t lo = 0, hi = c->runs->n;
	struct cp_point *p;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->byid[mid].id < tp->run)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->runs->n || c->byid[lo].id != tp->run)
		return 0; /* not one of the report's runs */
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct cp_point *np = realloc(c->p, cap * sizeof(*np));

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

/* "6.12" of "6.12.118+deb12-amd64". */
static void series_of(const char *release, char *buf, size_t len)
{
	size_t n = strspn(release ? release : "", "0123456789");

	if (release && release[n] == '.')
		n += 1 + strspn(release + n + 1, "0123456789");
	snprintf(buf, len, "%.*s", (int)n, release ? release : "?");
}

/* The series a point belongs to, everything but the version and time. */
static int cmp_series(const struct cp_point *x, const struct cp_point *y)
{
	char sx[32], sy[32];
	int d;

	if ((d = cmp_str(x->run->job, y->run->job)) || (d = cmp_str(x->run->device, y->run->device)) ||
	    (d = cmp_str(x->run->importer, y->run->importer)) || (d = strcmp(x->workload, y->workload)) ||
	    (d = strcmp(x->variant, y->variant)) || (d = (x->size > y->size) - (x->size < y->size)) ||
	    (d = cmp_str(x->run->mode, y->run->mode)) || (d = cmp_str(x->run->clock, y->run->clock)))
		return d;
	series_of(x->run->kernel_release, sx, sizeof(sx));
	series_of(y->run->kernel_release, sy, sizeof(sy));
	return strcmp(sx, sy);
}

/* Series, then package version (dpkg's order), then time. */
static int cmp_point(const void *a, const void *b)
{
	const struct cp_point *x = a, *y = b;
	int d = cmp_series(x, y);

	if (!d)
		d = an_debver_cmp(x->run->package_version, y->run->package_version);
	if (!d)
		d = (x->run->started_unix > y->run->started_unix) - (x->run->started_unix < y->run->started_unix);
	return d;
}

static void free_points(struct cp_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free((char *)c->p[i].workload);
		free((char *)c->p[i].variant);
	}
	free(c->p);
	c->p = NULL;
	c->n = c->cap = 0;
}

/* Searches one metric's series; a table row per change point. *@nseries: series long enough to search. */
static int metric_changes(struct report_ctx *c, struct cp_ctx *cc, const char *metric, const int64_t *ids,
			  size_t nids, const struct an_cp_opts *o, size_t *nseries, size_t *nfound)
{
	double *v = NULL;
	char err[512] = "";
	int ret;

	ret = bl_store_summary_trend(c->s, ids, nids, NULL, 0, metric, point_cb, cc, err, sizeof(err));
	if (ret < 0) {
		bl_err("report: change points: %s", *err ? err : strerror(-ret));
		return ret;
	}
	qsort(cc->p, cc->n, sizeof(*cc->p), cmp_point);
	v = malloc((cc->n ? cc->n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0, len; i < cc->n && !ret; i += len) {
		struct an_change_point *cp = NULL;
		size_t ncp = 0;

		for (len = 1; i + len < cc->n && !cmp_series(&cc->p[i], &cc->p[i + len]); len++)
			;
		if (len < 2 * o->min_size || len > AN_CP_MAX_POINTS)
			continue;
		++*nseries;
		for (size_t k = 0; k < len; k++)
			v[k] = cc->p[i + k].mean;
		ret = an_change_points(v, len, o, &cp, &ncp);
		for (size_t k = 0; k < ncp && !ret; k++) {
			const struct cp_point *at = &cc->p[i + cp[k].index], *before = &cc->p[i + cp[k].index - 1];
			char series[32], size[24], change[32];

			series_of(at->run->kernel_release, series, sizeof(series));
			bl_size_str(at->size, size, sizeof(size));
			if (cp[k].before != 0)
				snprintf(change, sizeof(change), "%+.1f%%", 100 * cp[k].change);
			else
				snprintf(change, sizeof(change), "%+.4g (abs)", cp[k].change);
			fprintf(c->f, "| ");
			rp_md_cell(c->f, rp_nz(at->run->job, "?"));
			fprintf(c->f, " | ");
			rp_md_cell(c->f, at->workload);
			fprintf(c->f, "%s", *at->variant ? " " : "");
			rp_md_cell(c->f, at->variant);
			fprintf(c->f, " | %s | %s | ", size, metric);
			rp_md_cell(c->f, rp_nz(at->run->mode, "?"));
			fprintf(c->f, " | %s | ", series);
			rp_md_cell(c->f, rp_nz(before->run->package_version, "?"));
			fprintf(c->f, " | ");
			rp_md_cell(c->f, rp_nz(at->run->package_version, "?"));
			fprintf(c->f, " (%s) | %.6g | %.6g | %s | %.3g | %zu |\n", rp_nz(at->run->started_at, "?"),
				cp[k].before, cp[k].after, change, cp[k].p, len);
			++*nfound;
		}
		free(cp);
	}
	free(v);
	free_points(cc);
	return ret;
}

int rp_change_points(struct report_ctx *c, const struct bl_run_filter *filter)
{
	struct bl_run_filter f = filter ? *filter : (struct bl_run_filter){ 0 };
	struct cp_ctx cc = { 0 };
	struct an_runs runs = { 0 };
	struct an_cp_opts o;
	int64_t *ids = NULL;
	size_t nseries = 0, nfound = 0;
	FILE *rows;
	char *rows_buf = NULL;
	size_t rows_len = 0;
	int ret;

	an_cp_opts_default(&o);
	f.versions = "all"; /* the versions are the x axis here */
	f.limit = 0;
	ret = an_load_runs(c->s, &f, &runs);
	if (ret < 0)
		return ret;
	cc.runs = &runs;
	cc.byid = calloc(runs.n ? runs.n : 1, sizeof(*cc.byid));
	ids = calloc(runs.n ? runs.n : 1, sizeof(*ids));
	rows = open_memstream(&rows_buf, &rows_len);
	if (!cc.byid || !ids || !rows) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < runs.n; i++) {
		cc.byid[i].id = runs.r[i].id;
		cc.byid[i].pos = i;
		ids[i] = runs.r[i].id;
	}
	qsort(cc.byid, runs.n, sizeof(*cc.byid), cmp_byid);
	{
		FILE *f_report = c->f;

		c->f = rows; /* the rows first: the section says how many before listing them */
		for (size_t m = 0; m < sizeof(cp_metrics) / sizeof(cp_metrics[0]) && !ret; m++)
			ret = runs.n ? metric_changes(c, &cc, cp_metrics[m], ids, runs.n, &o, &nseries, &nfound) : 0;
		c->f = f_report;
	}
	fclose(rows);
	rows = NULL;
	if (ret < 0)
		goto out;
	fprintf(c->f, "## Change points\n\n"
		      "Each series of one job, devices, workload, size, metric (bounces per op, throughput), "
		      "DMA mode, guest clock and kernel series, its runs in the order of their Debian package "
		      "versions (then of time), searched for shifts of level with E-divisive means and a "
		      "permutation test (%u shuffles, p <= %.3g, a change of at least %.0f%% with %zu runs or "
		      "more on each side; analysis/changepoint.h). A series needs %zu runs or more to be "
		      "searched, and about 15 before p can get that low at all. ",
		o.shuffles, o.p_max, 100 * o.min_change, o.min_size, 2 * o.min_size);
	if (!nfound) {
		fprintf(c->f, "%zu series searched: no change point.\n\n", nseries);
		goto out;
	}
	fprintf(c->f, "%zu series searched, %zu change point%s:\n\n", nseries, nfound, nfound == 1 ? "" : "s");
	fprintf(c->f, "| job | workload | size | metric | mode | series | before (package) | from (package, run) | "
		      "level before | level after | change | p | runs |\n"
		      "| --- | --- | --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
	fputs(rows_buf, c->f);
	fputc('\n', c->f);
out:
	if (rows)
		fclose(rows);
	free(rows_buf);
	free_points(&cc);
	free(cc.byid);
	free(ids);
	an_runs_free(&runs);
	return ret;
}
