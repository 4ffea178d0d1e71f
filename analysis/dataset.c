/*
 * Loading runs and result rows for the analysis, and the one comparison of
 * two sides (see dataset.h). Only lib/store.h and lib/store_summary.h
 * queries; no SQL here.
 *
 * A dataset's rows are ordered as the samples must see them: runs oldest
 * first, rows in document order, values in repetition order. The bootstrap
 * of stats.c draws values by position with a fixed seed, so a comparison
 * made from a dataset gives the same interval as one streamed from the
 * store in that order.
 *
 * Its strings and value arrays are copied into chunks of memory owned by
 * the dataset (an_chunk), freed together: a year of nights is a million
 * rows, and a malloc per string would cost more than the rows.
 */
#include "dataset.h"
#include "compare_split.h"
#include "kversion.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmamode.h"
#include "log.h"
#include "store_summary.h"

void an_short_release(const char *release, char *buf, size_t len); /* analysis.h */

/* --- runs ---------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void run_free(struct an_run *r)
{
	free(r->run_id);
	free(r->status);
	free(r->error);
	free(r->started_at);
	free(r->job);
	free(r->backend);
	free(r->workload);
	free(r->kernel_release);
	free(r->kernel_version);
	free(r->package_version);
	free(r->mode);
	free(r->device);
	free(r->importer);
	free(r->hostname);
	free(r->cpu);
	free(r->boot_id);
	free(r->clock);
}

static int runs_cb(const struct bl_run_row *row, void *user)
{
	struct an_runs *runs = user;
	struct an_run *r;
	char key[64];

	if (runs->n == runs->cap) {
		size_t cap = runs->cap ? runs->cap * 2 : 32;
		struct an_run *nr = realloc(runs->r, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		runs->r = nr;
		runs->cap = cap;
	}
	r = &runs->r[runs->n];
	memset(r, 0, sizeof(*r));
	r->id = row->id;
	r->started_unix = row->started_unix;
	r->n_results = row->n_results;
	r->swiotlb_slabs = row->swiotlb_slabs.set ? row->swiotlb_slabs.v : -1;
	r->run_id = dup_or_null(row->run_id);
	r->status = dup_or_null(row->status);
	r->error = dup_or_null(row->error);
	r->started_at = dup_or_null(row->started_at);
	r->job = dup_or_null(row->job);
	r->backend = dup_or_null(row->backend);
	r->workload = dup_or_null(row->workload);
	r->kernel_release = dup_or_null(row->kernel_release);
	r->kernel_version = dup_or_null(row->kernel_version);
	r->package_version = dup_or_null(row->package_version);
	/* the hypervisor and the balloon are part of the mode: never pooled with a bare boot */
	r->mode = strdup(bl_mode_key(row->swiotlb, row->iommu, row->hypervisor,
				     row->balloon_bytes.set ? row->balloon_bytes.v : 0, key, sizeof(key)));
	r->device = dup_or_null(row->dev_driver ? row->dev_driver : row->dev_node);
	r->importer = dup_or_null(row->imp_driver ? row->imp_driver : row->imp_node);
	r->hostname = dup_or_null(row->hostname);
	r->cpu = dup_or_null(row->cpu);
	r->boot_id = dup_or_null(row->kernel_boot_id);
	r->clock = dup_or_null(row->testbed_clock);
	runs->n++;
	if (!r->mode || (row->run_id && !r->run_id))
		return -ENOMEM;
	return 0;
}

int an_load_runs(struct bl_store *s, const struct bl_run_filter *f, struct an_runs *out)
{
	struct bl_run_filter ff = f ? *f : (struct bl_run_filter){ 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	/*
	 * A limit means the newest N (last=N): ask for them newest first and
	 * turn the list around; oldest first with a limit would be the oldest N.
	 */
	ff.oldest_first = !ff.limit;
	ret = bl_store_query_runs(s, &ff, runs_cb, out);
	if (ret < 0) {
		bl_err("store: query runs: %s", *bl_store_errmsg(s) ? bl_store_errmsg(s) :
								    strerror(-ret));
		an_runs_free(out);
		return ret;
	}
	for (size_t i = 0; ff.limit && i < out->n / 2; i++) {
		struct an_run t = out->r[i];

		out->r[i] = out->r[out->n - 1 - i];
		out->r[out->n - 1 - i] = t;
	}
	/* one package version per series (or release): kversion.h */
	an_runs_newest_versions(out, f);
	return 0;
}

int an_load_history(struct bl_store *s, struct an_runs *out)
{
	char err[512] = "";
	int ret;

	memset(out, 0, sizeof(*out));
	ret = bl_store_summary_runs(s, runs_cb, out, err, sizeof(err));
	if (ret < 0) {
		bl_err("%s", *err ? err : strerror(-ret));
		an_runs_free(out);
	}
	return ret;
}

void an_runs_free(struct an_runs *runs)
{
	for (size_t i = 0; i < runs->n; i++)
		run_free(&runs->r[i]);
	free(runs->r);
	memset(runs, 0, sizeof(*runs));
}

void an_runs_keep(struct an_runs *runs, bool (*keep)(const struct an_run *r, void *user),
		  void *user)
{
	size_t n = 0;

	for (size_t i = 0; i < runs->n; i++) {
		if (keep(&runs->r[i], user))
			runs->r[n++] = runs->r[i];
		else
			run_free(&runs->r[i]);
	}
	runs->n = n;
}

/* --- group labels --------------------------------------------------------------------- */

static void label(enum an_group how, const char *release, const char *pv, const char *mode, const char *dev,
		  const char *imp, const char *job, int64_t started, const char *uuid, char *buf,
		  size_t len)
{
	char rel[160];

	switch (how) {
	case AN_GROUP_NONE:
		snprintf(buf, len, "%s", "");
		break;
	case AN_GROUP_JOB:
		/*
		 * The job name says which workload ran against what; the
		 * devices are kept so that one job file run against two GPUs
		 * does not pool.
		 */
		snprintf(buf, len, "[%s %s%s%s]", job ? job : "?", dev ? dev : "?", imp ? "+" : "",
			 imp ? imp : "");
		break;
	case AN_GROUP_KERNEL_MODE:
		an_short_release(release, rel, sizeof(rel));
		/* a local build (testbed local-<hex>) is another kernel than the Debian one of its release */
		if (pv && !strncmp(pv, "local-", 6))
			snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "@%s", pv);
		snprintf(buf, len, "%s %s %s%s%s", rel, mode, dev ? dev : "?", imp ? "+" : "",
			 imp ? imp : "");
		break;
	case AN_GROUP_RUN:
		/* zero-padded so that sorting by label sorts by time */
		snprintf(buf, len, "%020" PRId64 " %s", started, uuid ? uuid : "?");
		break;
	}
}

void an_group_label(const struct bl_run_row *run, enum an_group how, char *buf, size_t len)
{
	char key[64];

	label(how, run->kernel_release, run->package_version,
	      bl_mode_key(run->swiotlb, run->iommu, run->hypervisor,
			  run->balloon_bytes.set ? run->balloon_bytes.v : 0, key, sizeof(key)),
	      run->dev_driver ? run->dev_driver : run->dev_node,
	      run->imp_driver ? run->imp_driver : run->imp_node, run->job, run->started_unix,
	      run->run_id, buf, len);
}

void an_run_label(const struct an_run *r, enum an_group how, char *buf, size_t len)
{
	label(how, r->kernel_release, r->package_version, r->mode, r->device, r->importer, r->job, r->started_unix,
	      r->run_id, buf, len);
}

/* --- the dataset's memory -------------------------------------------------------------- */

struct an_chunk {
	struct an_chunk *next;
	size_t used, size;
	max_align_t data[]; /* aligned for doubles */
};

#define CHUNK_SIZE (1u << 20)

static void *mem_alloc(struct an_dataset *ds, size_t len)
{
	struct an_chunk *c = ds->mem;
	void *p;

	len = (len + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!c || c->size - c->used < len) {
		size_t size = len > CHUNK_SIZE ? len : CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = ds->mem;
		c->used = 0;
		c->size = size;
		ds->mem = c;
	}
	p = (char *)c->data + c->used;
	c->used += len;
	return p;
}

/* A copy of @s in the dataset's memory (NULL stays NULL); *@fail set when out of memory. */
static const char *mem_str(struct an_dataset *ds, const char *s, bool *fail)
{
	size_t n;
	char *p;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	p = mem_alloc(ds, n);
	if (!p) {
		*fail = true;
		return NULL;
	}
	memcpy(p, s, n);
	return p;
}

static const double *mem_vals(struct an_dataset *ds, const double *v, size_t n, bool *fail)
{
	double *p;

	if (!v || !n)
		return NULL;
	p = mem_alloc(ds, n * sizeof(*v));
	if (!p) {
		*fail = true;
		return NULL;
	}
	memcpy(p, v, n * sizeof(*v));
	return p;
}

/* --- loading ----------------------------------------------------------------------------- */

/* A run's store id and its position in the runs (sorted by id, for bsearch). */
struct run_pos {
	int64_t id;
	size_t pos;
};

static int cmp_run_pos(const void *a, const void *b)
{
	const struct run_pos *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

struct load_ctx {
	struct an_dataset *ds;
	struct run_pos *pos;
	size_t npos;
	/* the workload, variant and reasons of the last row: most rows repeat them */
	const char *last_wl, *last_var, *last_why[BL_COUNTER_COUNT + 1];
};

/* @s in the dataset's memory, shared with *@last when equal (then *@last = the copy). */
static const char *mem_str_same(struct an_dataset *ds, const char *s, const char **last,
				bool *fail)
{
	if (!s)
		return NULL;
	if (!*last || strcmp(*last, s))
		*last = mem_str(ds, s, fail);
	return *last;
}

static int row_cb(const struct bl_result_view *v, void *user)
{
	struct load_ctx *c = user;
	struct an_dataset *ds = c->ds;
	struct run_pos key = { .id = v->run }, *p;
	struct an_row *row;
	bool fail = false;

	p = bsearch(&key, c->pos, c->npos, sizeof(*c->pos), cmp_run_pos);
	if (!p)
		return 0; /* not one of ours (cannot happen: the ids came from the runs) */
	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 256;
		struct an_row *nr = realloc(ds->rows, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		ds->rows = nr;
		ds->cap = cap;
	}
	row = &ds->rows[ds->n];
	row->run = p->pos;
	row->v = *v;
	row->v.workload = mem_str_same(ds, v->workload, &c->last_wl, &fail);
	row->v.variant = mem_str_same(ds, v->variant, &c->last_var, &fail);
	row->v.ops_per_sec_values = mem_vals(ds, v->ops_per_sec_values, v->n_ops_per_sec, &fail);
	row->v.bytes_per_sec_values =
		mem_vals(ds, v->bytes_per_sec_values, v->n_bytes_per_sec, &fail);
	row->v.failed_error = mem_str(ds, v->failed_error, &fail);
	row->v.kernel_log_json = mem_str(ds, v->kernel_log_json, &fail);
	row->v.per_rep_json = mem_str(ds, v->per_rep_json, &fail);
	row->v.bounce_rate_unavailable = mem_str_same(ds, v->bounce_rate_unavailable,
						      &c->last_why[BL_COUNTER_COUNT], &fail);
	for (int i = 0; i < BL_COUNTER_COUNT; i++)
		row->v.unavailable[i] = mem_str_same(ds, v->unavailable[i], &c->last_why[i], &fail);
	if (fail)
		return -ENOMEM;
	ds->n++;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct an_row *x = a, *y = b;

	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	return (x->v.idx > y->v.idx) - (x->v.idx < y->v.idx);
}

struct boot_pos {
	const char *boot_id; /* NULL: the run is its own unit */
	size_t pos;	     /* index in the dataset's runs */
};

/* By boot_id (runs without one last), then by position. */
static int cmp_boot_pos(const void *a, const void *b)
{
	const struct boot_pos *x = a, *y = b;
	int c = 0;

	if (x->boot_id && y->boot_id)
		c = strcmp(x->boot_id, y->boot_id);
	else if (x->boot_id || y->boot_id)
		c = x->boot_id ? -1 : 1;
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Each run's unit of replication: the first run of its boot (runs sharing a
 * kernel.boot_id ran in one boot), its own index without a boot_id. Sorted
 * once, so that a dataset of a year of nights costs n log n, not n squared.
 */
static int assign_units(struct an_runs *runs)
{
	struct boot_pos *order = malloc((runs->n ? runs->n : 1) * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < runs->n; i++)
		order[i] = (struct boot_pos){ runs->r[i].boot_id, i };
	qsort(order, runs->n, sizeof(*order), cmp_boot_pos);
	for (size_t k = 0; k < runs->n; k++) {
		bool same = k && order[k].boot_id && order[k - 1].boot_id &&
			    !strcmp(order[k].boot_id, order[k - 1].boot_id);

		/* the first of a boot_id group has the smallest position (ties sort by it) */
		runs->r[order[k].pos].unit = same ? runs->r[order[k - 1].pos].unit : order[k].pos;
	}
	free(order);
	return 0;
}

int an_dataset_load(struct bl_store *s, const struct bl_run_filter *f, struct an_dataset *ds)
{
	struct load_ctx c = { .ds = ds };
	int64_t *ids = NULL;
	size_t nids = 0;
	char err[512] = "";
	int ret;

	memset(ds, 0, sizeof(*ds));
	ret = an_load_runs(s, f, &ds->runs);
	if (ret < 0)
		return ret;
	c.pos = calloc(ds->runs.n ? ds->runs.n : 1, sizeof(*c.pos));
	ids = calloc(ds->runs.n ? ds->runs.n : 1, sizeof(*ids));
	if (!c.pos || !ids) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ds->runs.n; i++) {
		if (ds->runs.r[i].n_results <= 0)
			continue;
		ids[nids++] = ds->runs.r[i].id;
		c.pos[c.npos++] = (struct run_pos){ ds->runs.r[i].id, i };
	}
	qsort(c.pos, c.npos, sizeof(*c.pos), cmp_run_pos);
	if (nids)
		ret = bl_store_summary_rows(s, ids, nids, row_cb, &c, err, sizeof(err));
	if (ret < 0) {
		bl_err("%s", *err ? err : strerror(-ret));
		goto out;
	}
	if (ds->n)
		qsort(ds->rows, ds->n, sizeof(*ds->rows), cmp_row);
	ret = assign_units(&ds->runs);
out:
	free(ids);
	free(c.pos);
	if (ret < 0)
		an_dataset_free(ds);
	return ret;
}

void an_dataset_free(struct an_dataset *ds)
{
	while (ds->mem) {
		struct an_chunk *next = ds->mem->next;

		free(ds->mem);
		ds->mem = next;
	}
	an_runs_free(&ds->runs);
	free(ds->rows);
	memset(ds, 0, sizeof(*ds));
}

/* --- samples ------------------------------------------------------------------------------ */

static bool field_is(const char *want, const char *have)
{
	return !want || (have && !strcmp(want, have));
}

bool an_scope_has(const struct an_scope *sc, const struct an_run *r)
{
	return !sc || (field_is(sc->release, r->kernel_release) && field_is(sc->mode, r->mode) &&
		       field_is(sc->job, r->job) && field_is(sc->device, r->device) &&
		       field_is(sc->importer, r->importer));
}

/* The unit of replication of the row being added (see an_dataset_samples). */
static int64_t current_unit(void *user, int64_t run)
{
	(void)run;
	return *(const int64_t *)user;
}

/*
 * The report and the figures group by kernel x mode, and `force` and
 * `force:pool=16M` are both mode force: the runs of a kernel x mode group
 * that had more than one known SWIOTLB pool get their pool in the label
 * (" pool=16M"), so a pool search's boots are never averaged into the
 * plain mode's series (issue 15). *@out: a flag per run of @ds, NULL when
 * no group needs it. 0 or -ENOMEM.
 */
static int kernel_mode_pools(const struct an_dataset *ds, const struct an_scope *sc, bool **out)
{
	char (*lbl)[256] = NULL;
	bool *split = NULL, any = false;

	*out = NULL;
	if (!ds->runs.n)
		return 0;
	lbl = malloc(ds->runs.n * sizeof(*lbl));
	split = calloc(ds->runs.n, sizeof(*split));
	if (!lbl || !split) {
		free(lbl);
		free(split);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ds->runs.n; i++)
		an_run_label(&ds->runs.r[i], AN_GROUP_KERNEL_MODE, lbl[i], sizeof(lbl[i]));
	for (size_t i = 0; i < ds->runs.n; i++) {
		const struct an_run *a = &ds->runs.r[i];

		if (a->swiotlb_slabs < 0 || !an_scope_has(sc, a))
			continue;
		for (size_t j = 0; j < ds->runs.n && !split[i]; j++) {
			const struct an_run *b = &ds->runs.r[j];

			if (b->swiotlb_slabs >= 0 && b->swiotlb_slabs != a->swiotlb_slabs &&
			    an_scope_has(sc, b) && !strcmp(lbl[i], lbl[j]))
				split[i] = any = true;
		}
	}
	free(lbl);
	if (any)
		*out = split;
	else
		free(split);
	return 0;
}

/*
 * @r's group label for samples_split: the label and what @split adds; with
 * @pool (kernel_mode_pools) the mode is written as the testbed names it,
 * "force:pool=16M", so figures draw each pool as a series of its own.
 */
static void group_of(const struct an_run *r, enum an_group how, unsigned split, bool pool, char *group,
		     size_t len)
{
	if (pool && how == AN_GROUP_KERNEL_MODE) {
		char mode[96], sz[24];

		an_pool_str(r->swiotlb_slabs, sz, sizeof(sz));
		snprintf(mode, sizeof(mode), "%s:pool=%s", r->mode ? r->mode : "?", sz);
		label(how, r->kernel_release, r->package_version, mode, r->device, r->importer, r->job,
		      r->started_unix, r->run_id, group, len);
	} else {
		an_run_label(r, how, group, len);
	}
	if (split)
		an_split_suffix(r, split, group + strlen(group), len - strlen(group));
}

/* an_dataset_samples, each group label with what @split says must not pool (compare_split.h) */
static int samples_split(const struct an_dataset *ds, const struct an_scope *sc, enum an_group how,
			 unsigned split, struct bl_sample_set *set, size_t *runs)
{
	const struct bl_metric *job_failed = bl_metric_find("job_failed");
	size_t last = SIZE_MAX, nruns = 0;
	int64_t unit = 0;
	bool in = false, *pools = NULL;
	char group[256] = "";
	int ret = 0;

	if (how == AN_GROUP_KERNEL_MODE && !(split & AN_SPLIT_POOL) &&
	    (ret = kernel_mode_pools(ds, sc, &pools)))
		return ret;
	set->unit_of = current_unit;
	set->unit_user = &unit;
	for (size_t i = 0; i < ds->n && !ret; i++) {
		const struct an_row *row = &ds->rows[i];

		if (row->run != last) {
			last = row->run;
			in = an_scope_has(sc, &ds->runs.r[last]);
			if (in) {
				nruns++;
				group_of(&ds->runs.r[last], how, split, pools && pools[last], group,
					 sizeof(group));
				unit = (int64_t)ds->runs.r[last].unit;
			}
		}
		if (in)
			ret = bl_sample_set_add_result(set, group, &row->v);
	}
	/* whether each job ran at all: a run that failed or was skipped has no rows */
	for (size_t i = 0; i < ds->runs.n && !ret; i++) {
		const struct an_run *r = &ds->runs.r[i];

		if (!an_scope_has(sc, r))
			continue;
		if (!r->n_results)
			nruns++; /* counted above only when it had rows */
		group_of(r, how, split, pools && pools[i], group, sizeof(group));
		unit = (int64_t)r->unit;
		ret = bl_sample_set_add(set, group, "(job)", "", 0, job_failed,
					r->status && !strcmp(r->status, "ok") ? 0 : 1, r->id);
	}
	set->unit_of = NULL;
	set->unit_user = NULL;
	free(pools);
	if (runs)
		*runs = nruns;
	return ret;
}

int an_dataset_samples(const struct an_dataset *ds, const struct an_scope *sc, enum an_group how,
		       struct bl_sample_set *set, size_t *runs)
{
	return samples_split(ds, sc, how, 0, set, runs);
}

/*
 * The one clock of @ds's runs in @sc that have results, into @clock: "icount",
 * or "wall" for the testbed's wall clock and runs on real hardware alike
 * (both are time as the host's clock sees it; icount's is instructions).
 * -EINVAL when they are on both.
 */
static int side_clock(const struct an_dataset *ds, const struct an_scope *sc, const char **clock)
{
	bool seen = false;

	*clock = "";
	for (size_t i = 0; i < ds->runs.n; i++) {
		const struct an_run *r = &ds->runs.r[i];
		const char *c = r->clock && !strcmp(r->clock, "icount") ? "icount" : "wall";

		if (!an_scope_has(sc, r) || !r->n_results)
			continue;
		if (seen && strcmp(c, *clock))
			return -EINVAL;
		*clock = c;
		seen = true;
	}
	return 0;
}

/* --- comparing ------------------------------------------------------------------------------ */

/* The dataset of one side: its own, or loaded from the store into @own. */
static int side_dataset(struct bl_store *s, const struct an_side *side, struct an_dataset *own,
			const struct an_dataset **use)
{
	int ret = 0;

	*use = side->ds;
	if (!*use) {
		ret = an_dataset_load(s, side->filter, own);
		*use = ret < 0 ? NULL : own;
	}
	return ret;
}

/* The samples of one side, split as @split says (compare_split.h). */
static int side_samples(const struct an_dataset *use, const struct an_side *side, enum an_group how,
			unsigned split, struct bl_sample_set *set, size_t *runs, char *clock, size_t clock_len)
{
	const char *c;
	int ret;

	ret = side_clock(use, &side->scope, &c);
	if (ret < 0)
		bl_err("compare: %s: runs on both guest clocks (icount and wall): times on the two "
		       "are different quantities; select one with clock=icount or clock=wall",
		       side->label ? side->label : "a side");
	else
		snprintf(clock, clock_len, "%s", c);
	if (!ret)
		ret = samples_split(use, &side->scope, how, split, set, runs);
	return ret;
}

/* "<label> (pool 16M)": a side's heading when the two sides' single pools differ. */
static const char *pool_label(const char *label, int64_t pool, char *buf, size_t len)
{
	char p[24];

	an_pool_str(pool, p, sizeof(p));
	snprintf(buf, len, "%s (pool %s)", label ? label : "", p);
	return buf;
}

int an_compare(struct bl_store *s, const struct an_side *base, const struct an_side *new_side,
	       enum an_group how, const char *const *metrics, const struct bl_stats_opts *opts,
	       struct an_comparison *out)
{
	struct an_dataset bown, nown;
	const struct an_dataset *bds = NULL, *nds = NULL;
	const char *blabel = base->label, *nlabel = new_side->label;
	char bclock[16], nclock[16], bbuf[512], nbuf[512];
	int64_t bpool, npool;
	unsigned split = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	bl_sample_set_init(&out->base);
	bl_sample_set_init(&out->new_set);
	ret = side_dataset(s, base, &bown, &bds);
	if (!ret)
		ret = side_dataset(s, new_side, &nown, &nds);
	if (!ret) {
		/* pools and builds never pool: split the rows, or name the pools in the headings */
		split = an_side_split(bds, &base->scope, &bpool) | an_side_split(nds, &new_side->scope, &npool);
		if (!(split & AN_SPLIT_POOL) && bpool != INT64_MIN && npool != INT64_MIN && bpool != npool) {
			blabel = pool_label(base->label, bpool, bbuf, sizeof(bbuf));
			nlabel = pool_label(new_side->label, npool, nbuf, sizeof(nbuf));
		}
		ret = side_samples(bds, base, how, split, &out->base, &out->base_runs, bclock, sizeof(bclock));
	}
	if (!ret)
		ret = side_samples(nds, new_side, how, split, &out->new_set, &out->new_runs, nclock,
				   sizeof(nclock));
	/* a side without timed runs (none, or only failed/skipped) has no clock to disagree with */
	if (!ret && *bclock && *nclock && strcmp(bclock, nclock)) {
		bl_err("compare: refusing to compare runs on the %s clock with runs on the %s "
		       "clock: times on the two are different quantities (select one clock with "
		       "clock=icount or clock=wall on both sides)",
		       bclock, nclock);
		ret = -EINVAL;
	}
	if (!ret) {
		struct bl_stats_opts o = *opts;

		o.floor_clock = bclock; /* floors are per clock */
		ret = bl_compare_sets(&out->base, &out->new_set, blabel, nlabel, metrics, &o, &out->r);
	}
	if (bds == &bown)
		an_dataset_free(&bown);
	if (nds == &nown)
		an_dataset_free(&nown);
	if (ret < 0)
		an_comparison_free(out);
	return ret;
}

void an_comparison_free(struct an_comparison *c)
{
	bl_cmp_result_free(&c->r);
	bl_sample_set_free(&c->base);
	bl_sample_set_free(&c->new_set);
}
