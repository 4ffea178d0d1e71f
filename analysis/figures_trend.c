/*
 * Trend figures (see figures.c): for each configuration (kernel, mode,
 * devices, job) with two runs or more in the history, one file per
 * workload, blocks per size (and variant), a row per run with its mean,
 * the 95% t interval of that mean and whether it was significantly worse
 * than the run before.
 *
 * A history is months of nights, so it is never loaded row by row: the
 * store aggregates the metric per run and row in SQL (count, mean,
 * standard deviation over the repetitions: bl_store_summary_trend), and
 * "worse than the run before" is judged from those summaries
 * (bl_compare_summaries: the same noise and min_reps rules as compare).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "figures_int.h"
#include "log.h"
#include "store_summary.h"

#define LABEL_LEN 256

/* One run's aggregate of one row; workload and variant point into the interned names. */
struct point {
	size_t run; /* index into the history */
	const char *workload, *variant;
	int64_t size;
	struct bl_summary sum;
};

struct trend_ctx {
	const struct an_runs *runs;
	size_t *cfg;		/* per history run: its configuration (index of its first run) */
	struct { int64_t id; size_t pos; } *byid; /* runs sorted by store id */
	size_t nbyid;
	struct point *p;
	size_t n, cap;
	char **names; /* interned workload and variant names: a handful */
	size_t nnames;
	const struct bl_result_view **drawn; /* the (workload, variant, size) drawn, sorted */
	size_t ndrawn;
	double tq[64]; /* t_95() by degrees of freedom; 0 = not computed yet */
};

static const char *intern(struct trend_ctx *c, const char *s)
{
	char **nn;

	for (size_t i = 0; i < c->nnames; i++)
		if (!strcmp(c->names[i], s))
			return c->names[i];
	nn = realloc(c->names, (c->nnames + 1) * sizeof(*nn));
	if (!nn)
		return NULL;
	c->names = nn;
	c->names[c->nnames] = strdup(s);
	return c->names[c->nnames] ? c->names[c->nnames++] : NULL;
}

static int cmp_view_key(const void *a, const void *b)
{
	const struct bl_result_view *x = *(const struct bl_result_view *const *)a;
	const struct bl_result_view *y = *(const struct bl_result_view *const *)b;
	int d = strcmp(x->workload, y->workload);

	if (!d)
		d = strcmp(x->variant, y->variant);
	return d ? d : (x->size > y->size) - (x->size < y->size);
}

/* Is (@workload, @variant, @size) one of the keys the figures draw? */
static bool drawn(const struct trend_ctx *c, const char *workload, const char *variant,
		  int64_t size)
{
	struct bl_result_view k = { .workload = workload, .variant = variant, .size = size };
	const struct bl_result_view *kp = &k;

	return bsearch(&kp, c->drawn, c->ndrawn, sizeof(*c->drawn), cmp_view_key) != NULL;
}

/*
 * The sizes worth a line: per workload (and variant) of the runs shown,
 * at most four stay readable over months of nights: the smallest, the
 * largest and two between. Into c->drawn (sorted) and @sizes (distinct).
 */
static int choose_keys(struct trend_ctx *c, const struct an_dataset *ds, int64_t **sizes,
		       size_t *nsizes)
{
	const struct bl_result_view **k = calloc(ds->n ? ds->n : 1, sizeof(*k));
	size_t nk = 0;

	*sizes = calloc(ds->n ? ds->n : 1, sizeof(**sizes));
	if (!k || !*sizes) {
		free(k);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ds->n; i++)
		k[i] = &ds->rows[i].v;
	qsort(k, ds->n, sizeof(*k), cmp_view_key);
	for (size_t i = 0; i < ds->n; i++) /* distinct */
		if (!nk || cmp_view_key(&k[nk - 1], &k[i]))
			k[nk++] = k[i];
	c->drawn = calloc(nk ? nk : 1, sizeof(*c->drawn));
	if (!c->drawn) {
		free(k);
		return -ENOMEM;
	}
	for (size_t w = 0, n; w < nk; w += n) {
		for (n = 1; w + n < nk && !strcmp(k[w + n]->workload, k[w]->workload); n++)
			;
		for (size_t pos = 0; pos < n; pos++) {
			bool seen = false;

			if (n > 4 && pos != 0 && pos != n / 3 && pos != 2 * n / 3 && pos != n - 1)
				continue;
			c->drawn[c->ndrawn++] = k[w + pos];
			for (size_t j = 0; j < *nsizes && !seen; j++)
				seen = (*sizes)[j] == k[w + pos]->size;
			if (!seen)
				(*sizes)[(*nsizes)++] = k[w + pos]->size;
		}
	}
	free(k);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int point_cb(const struct bl_trend_point *tp, void *user)
{
	struct trend_ctx *c = user;
	int64_t key = tp->run;
	struct point *p;
	size_t lo = 0, hi = c->nbyid;

	while (lo < hi) { /* the run's position in the history */
		size_t mid = (lo + hi) / 2;

		if (c->byid[mid].id < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->nbyid || c->byid[lo].id != key)
		return 0; /* not a run of the history */
	if (!drawn(c, tp->workload, tp->variant ? tp->variant : "", tp->size))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct point *np = realloc(c->p, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		c->p = np;
		c->cap = cap;
	}
	p = &c->p[c->n];
	p->run = c->byid[lo].pos;
	p->workload = intern(c, tp->workload);
	p->variant = intern(c, tp->variant ? tp->variant : "");
	p->size = tp->size;
	p->sum = (struct bl_summary){ tp->n, tp->mean, tp->sd };
	if (!p->workload || !p->variant)
		return -ENOMEM;
	c->n++;
	return 0;
}

static int cmp_key(const struct point *x, const struct point *y)
{
	int d = strcmp(x->workload, y->workload);

	if (!d)
		d = strcmp(x->variant, y->variant);
	if (!d)
		d = (x->size > y->size) - (x->size < y->size);
	return d;
}

/* Sorting points: configuration, workload, variant, size, then time (history order). */
static int cmp_point(const void *a, const void *b, void *ctx)
{
	const struct point *x = a, *y = b;
	const struct trend_ctx *t = ctx;
	size_t cx = t->cfg[x->run], cy = t->cfg[y->run];
	int d;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	d = cmp_key(x, y);
	if (!d)
		d = (x->run > y->run) - (x->run < y->run);
	return d;
}

static int cmp_point_key(const void *a, const void *b)
{
	return cmp_key(*(const struct point *const *)a, *(const struct point *const *)b);
}

/* "6.12.57 force vgem+udmabuf job import-udmabuf-vgem": what one trend line follows. */
static void cfg_label(const struct an_run *r, char *buf, size_t len)
{
	char rel[128];

	an_short_release(r->kernel_release, rel, sizeof(rel));
	snprintf(buf, len, "%s %s %s%s%s job %s", rel, r->mode, r->device ? r->device : "?",
		 r->importer ? "+" : "", r->importer ? r->importer : "", r->job ? r->job : "?");
}

struct cfg_sort {
	const char *label;
	size_t pos;
};

static int cmp_cfg(const void *a, const void *b)
{
	const struct cfg_sort *x = a, *y = b;
	int d = strcmp(x->label, y->label);

	return d ? d : (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Numbers the configurations: c->cfg[i] = the history position of the
 * first run of run i's configuration; *@count gets per run how many runs
 * its configuration has. @labels: LABEL_LEN bytes per run.
 */
static int number_configs(struct trend_ctx *c, char *labels, size_t *count)
{
	size_t n = c->runs->n;
	struct cfg_sort *s = calloc(n ? n : 1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cfg_label(&c->runs->r[i], labels + LABEL_LEN * i, LABEL_LEN);
		s[i] = (struct cfg_sort){ labels + LABEL_LEN * i, i };
	}
	qsort(s, n, sizeof(*s), cmp_cfg);
	for (size_t i = 0, first = 0; i < n; i++) {
		if (!i || strcmp(s[i].label, s[i - 1].label))
			first = i;
		c->cfg[s[i].pos] = s[first].pos;
	}
	for (size_t i = 0; i < n; i++)
		count[c->cfg[i]]++;
	for (size_t i = 0; i < n; i++)
		count[i] = count[c->cfg[i]];
	free(s);
	return 0;
}

/* The 95% two-sided t quantile for @df, remembered per df: months of points share a few. */
static double t_95(struct trend_ctx *t, size_t df)
{
	if (df < sizeof(t->tq) / sizeof(t->tq[0])) {
		if (!t->tq[df])
			t->tq[df] = bl_t_quantile_two_sided(0.05, (double)df);
		return t->tq[df];
	}
	return bl_t_quantile_two_sided(0.05, (double)df);
}

/*
 * Could @p be significantly worse than @prev? Only a relative change the
 * bad way beyond the noise threshold can (bl_compare_summaries' rule); a
 * zero base is left to the test.
 */
static bool worse_beyond_noise(const struct point *prev, const struct point *p,
			       const struct bl_metric *m, const struct bl_stats_opts *o)
{
	double change;

	if (prev->sum.mean == 0)
		return true;
	change = (p->sum.mean - prev->sum.mean) / prev->sum.mean;
	if (m->direction == BL_HIGHER_IS_BETTER)
		change = -change;
	return change > o->noise;
}

/* One block per drawn size of workload @keys[w..w+nkeys) for configuration @cfg. */
static int write_blocks(struct render_ctx *c, struct trend_ctx *t, FILE *out,
			const struct point *pts, size_t npts, const struct point *const *keys,
			size_t w, size_t nkeys, size_t *blocks)
{
	const struct bl_metric *m = bl_metric_find(c->o->metric);
	size_t i = 0;

	for (size_t k = w; k < w + nkeys; k++) {
		const struct point *key = keys[k], *prev = NULL;
		size_t pos = k - w;
		char sz[24], name[200];
		bool started = false;

		/* at most four lines, chosen already (choose_keys); this keeps it so */
		if (nkeys > 4 && pos != 0 && pos != nkeys / 3 && pos != 2 * nkeys / 3 &&
		    pos != nkeys - 1)
			continue;
		bl_size_str(key->size, sz, sizeof(sz));
		snprintf(name, sizeof(name), "%s%s%s", sz, *key->variant ? " " : "", key->variant);
		while (i < npts && cmp_key(&pts[i], key) < 0)
			i++;
		for (; i < npts && !cmp_key(&pts[i], key); i++) {
			const struct point *p = &pts[i];
			struct bl_change ch;
			double half = 0;
			bool regressed = false;

			if (!started) {
				fputs(*blocks ? "\n\n" : "", out);
				fig_put_header(out, name, 4);
				++*blocks;
				started = true;
			}
			if (p->sum.n >= 2)
				half = t_95(t, p->sum.n - 1) * p->sum.sd / sqrt((double)p->sum.n);
			/* a change within the noise, or the good way, is never "worse": no test */
			if (prev && worse_beyond_noise(prev, p, m, c->o->stats) &&
			    !bl_compare_summaries(&prev->sum, &p->sum, m->direction, c->o->stats,
						  &ch))
				regressed = ch.verdict == BL_VERDICT_WORSE;
			fprintf(out, "%" PRId64 " %.6g %.6g %.6g %d\n",
				t->runs->r[p->run].started_unix, p->sum.mean, p->sum.mean - half,
				p->sum.mean + half, regressed);
			prev = p;
		}
	}
	return 0;
}

int fig_trend(struct render_ctx *c)
{
	const struct bl_metric *m = bl_metric_find(c->o->metric);
	const struct an_runs *runs = c->history;
	struct trend_ctx t = { .runs = runs };
	const struct point **keys = NULL;
	size_t *count = NULL, nkeys_all = 0;
	int64_t *ids = NULL, *sizes = NULL;
	char *labels = NULL, err[512] = "";
	size_t nids = 0, nsizes = 0;
	int ret = -ENOMEM;

	t.cfg = calloc(runs->n ? runs->n : 1, sizeof(*t.cfg));
	count = calloc(runs->n ? runs->n : 1, sizeof(*count));
	labels = calloc(runs->n ? runs->n : 1, LABEL_LEN);
	ids = calloc(runs->n ? runs->n : 1, sizeof(*ids));
	t.byid = calloc(runs->n ? runs->n : 1, sizeof(*t.byid));
	if (!t.cfg || !count || !labels || !ids || !t.byid || number_configs(&t, labels, count))
		goto out;
	/* the aggregates of the runs whose configuration ran twice or more */
	for (size_t i = 0; i < runs->n; i++) {
		if (count[i] < 2) /* runs without rows simply have no points */
			continue;
		ids[nids++] = runs->r[i].id;
		t.byid[t.nbyid].id = runs->r[i].id;
		t.byid[t.nbyid++].pos = i;
	}
	qsort(t.byid, t.nbyid, sizeof(*t.byid), cmp_id);
	ret = choose_keys(&t, c->ds, &sizes, &nsizes);
	/*
	 * A history loaded on its own (the report's newest night) is every
	 * stored run of some configurations: reading every row and dropping
	 * the other runs' is cheaper than listing tens of thousands of ids.
	 */
	if (!ret && nids)
		ret = bl_store_summary_trend(c->s, runs == &c->ds->runs ? ids : NULL, nids, sizes,
					     nsizes, m->name, point_cb, &t, err, sizeof(err));
	if (ret < 0) {
		bl_err("plot: %s", *err ? err : strerror(-ret));
		goto out;
	}
	if (t.n) /* no points: t.p is NULL, which qsort_r may not get */
		qsort_r(t.p, t.n, sizeof(*t.p), cmp_point, &t);
	/* the distinct (workload, variant, size) over all runs, sorted */
	keys = calloc(t.n ? t.n : 1, sizeof(*keys));
	if (!keys) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t.n; i++)
		keys[i] = &t.p[i];
	qsort(keys, t.n, sizeof(*keys), cmp_point_key);
	for (size_t i = 0; i < t.n; i++)
		if (!nkeys_all || cmp_key(keys[nkeys_all - 1], keys[i]))
			keys[nkeys_all++] = keys[i];

	/* each configuration in order of its first run, each workload of the keys */
	for (size_t i = 0, first = 0; i < runs->n && !ret; i++) {
		const char *cfg = labels + LABEL_LEN * i;
		const struct point *pts;
		size_t npts;

		if (count[i] < 2 || t.cfg[i] != i)
			continue;
		while (first < t.n && t.cfg[t.p[first].run] < i)
			first++;
		/* the points are sorted by configuration number, which is a first run's position */
		for (pts = &t.p[first], npts = 0; first + npts < t.n && t.cfg[pts[npts].run] == i;)
			npts++;
		for (size_t w = 0; w < nkeys_all && !ret; w++) {
			const char *wl = keys[w]->workload;
			char cslug[256], wslug[128], data[400], image[400], caption[512];
			char mlabel[160], sub[400];
			size_t nkeys = 0, blocks = 0;
			bool any = false;
			FILE *out;

			if (w > 0 && !strcmp(keys[w - 1]->workload, wl))
				continue;
			while (w + nkeys < nkeys_all && !strcmp(keys[w + nkeys]->workload, wl))
				nkeys++;
			for (size_t k = 0; k < npts && !any; k++)
				any = pts[k].workload == wl;
			if (!any)
				continue; /* this configuration never ran the workload */
			fig_slug(cfg, cslug, sizeof(cslug));
			fig_slug(wl, wslug, sizeof(wslug));
			snprintf(data, sizeof(data), "trend-%s-%s.dat", wslug, cslug);
			snprintf(image, sizeof(image), "trend-%s-%s.%s", wslug, cslug, c->o->fmt);
			out = fig_open_data(c, data, "nightly trend of one metric, blocks per size",
					    "started_unix mean ci_lo ci_hi regressed");
			if (!out) {
				ret = -EIO;
				break;
			}
			write_blocks(c, &t, out, pts, npts, keys, w, nkeys, &blocks);
			ret = fig_close_data(out, data);
			if (!ret && !blocks) {
				/* the drawn sizes are ones this configuration never ran */
				char path[PATH_MAX];

				if (snprintf(path, sizeof(path), "%s/%s", c->o->outdir, data) <
				    (int)sizeof(path))
					unlink(path);
			}
			if (ret || !blocks)
				continue;
			const char *vars[] = { "workload", wl, "metric_label", mlabel, NULL };

			snprintf(mlabel, sizeof(mlabel), "%s (%s)", m->label, m->unit);
			snprintf(caption, sizeof(caption), "Trend of %s for '%s' on %s", m->label, wl,
				 cfg);
			{
				const struct an_run *r0 = &runs->r[i];
				char rel0[128];

				/* the title area names kernel and mode in words (issue 16) */
				an_short_release(r0->kernel_release, rel0, sizeof(rel0));
				snprintf(sub, sizeof(sub), "kernel %s, mode %s, devices %s%s%s, job %s; %zu runs",
					 rel0, r0->mode, r0->device ? r0->device : "?",
					 r0->importer ? "+" : "", r0->importer ? r0->importer : "",
					 r0->job ? r0->job : "?", count[i]);
			}
			{
				/*
				 * The clock of this configuration's runs in the dataset: a
				 * history loaded on its own (the report's night) does not
				 * carry its runs' clocks, the night's runs do.
				 */
				char rel[128], clock[200];

				an_short_release(runs->r[i].kernel_release, rel, sizeof(rel));
				fig_clock_text(fig_clocks(c, rel, runs->r[i].mode, wl), clock,
					       sizeof(clock));
				ret = fig_render(c, "trend", "trend", data, image, caption, sub, clock,
						 vars);
			}
		}
	}
out:
	for (size_t i = 0; i < t.nnames; i++)
		free(t.names[i]);
	free(t.names);
	free(t.p);
	free(t.cfg);
	free(t.byid);
	free(t.drawn);
	free(sizes);
	free(keys);
	free(count);
	free(labels);
	free(ids);
	return ret;
}
