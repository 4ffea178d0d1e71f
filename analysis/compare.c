/*
 * Comparisons between two sets of runs: samples and compared rows, each
 * row judged by analysis/judge.c. See compare.h (selectors: selector.c;
 * the text / Markdown / JSON forms: compare_write.c).
 *
 * Samples live in a flat array with a hash index beside it: a year of
 * nightly runs grouped per run is tens of thousands of keys, too many for a
 * linear search per added value. Sorting once at the end (and re-indexing)
 * is all the ordering the output needs.
 */
#include "compare.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "judge.h"

/* --- samples ------------------------------------------------------------------ */

void bl_sample_set_init(struct bl_sample_set *set)
{
	memset(set, 0, sizeof(*set));
}

void bl_sample_set_free(struct bl_sample_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->s[i].group);
		free(set->s[i].workload);
		free(set->s[i].variant);
		free(set->s[i].v);
		free(set->s[i].unit);
	}
	free(set->s);
	free(set->index);
	memset(set, 0, sizeof(*set));
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL; /* a separator, so "ab"+"c" != "a"+"bc" */
}

static uint64_t key_hash(const char *group, const char *workload, const char *variant,
			 int64_t size, const struct bl_metric *metric)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = hash_str(h, group);
	h = hash_str(h, workload);
	h = hash_str(h, variant);
	h = (h ^ (uint64_t)size) * 0x100000001b3ULL;
	h = (h ^ (uint64_t)(metric - bl_metrics)) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static bool same_key(const struct bl_sample *s, const char *group, const char *workload,
		     const char *variant, int64_t size, const struct bl_metric *metric)
{
	return s->metric == metric && s->size == size && !strcmp(s->workload, workload) &&
	       !strcmp(s->variant, variant) && !strcmp(s->group, group);
}

/* (Re)builds the index for set->s[0 .. n) with room for @want samples. */
static int reindex(struct bl_sample_set *set, size_t want)
{
	size_t cap = 64;
	size_t *idx;

	while (cap < want * 2)
		cap *= 2;
	idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < set->n; i++) {
		const struct bl_sample *s = &set->s[i];
		size_t j = key_hash(s->group, s->workload, s->variant, s->size, s->metric) & (cap - 1);

		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = i + 1;
	}
	free(set->index);
	set->index = idx;
	set->index_cap = cap;
	return 0;
}

const struct bl_sample *bl_sample_set_find(const struct bl_sample_set *set, const char *group,
					   const char *workload, const char *variant, int64_t size,
					   const struct bl_metric *metric)
{
	size_t j;

	if (!set->index_cap || !metric)
		return NULL;
	group = nz(group);
	workload = nz(workload);
	variant = nz(variant);
	for (j = key_hash(group, workload, variant, size, metric) & (set->index_cap - 1);
	     set->index[j]; j = (j + 1) & (set->index_cap - 1))
		if (same_key(&set->s[set->index[j] - 1], group, workload, variant, size, metric))
			return &set->s[set->index[j] - 1];
	return NULL;
}

int bl_sample_set_add(struct bl_sample_set *set, const char *group, const char *workload,
		      const char *variant, int64_t size, const struct bl_metric *metric,
		      double value, int64_t run)
{
	struct bl_sample *s = NULL;

	if (set->last && same_key(&set->s[set->last - 1], nz(group), nz(workload), nz(variant), size,
				  metric))
		s = &set->s[set->last - 1];
	else
		s = (struct bl_sample *)bl_sample_set_find(set, group, workload, variant, size, metric);
	if (!metric || !isfinite(value))
		return -EINVAL;
	if (!s) {
		size_t j;

		if (set->n == set->cap) {
			size_t cap = set->cap ? set->cap * 2 : 64;
			struct bl_sample *ns = realloc(set->s, cap * sizeof(*ns));

			if (!ns)
				return -ENOMEM;
			set->s = ns;
			set->cap = cap;
		}
		if ((set->n + 1) * 2 > set->index_cap && reindex(set, set->n + 1) < 0)
			return -ENOMEM;
		s = &set->s[set->n];
		memset(s, 0, sizeof(*s));
		s->group = strdup(nz(group));
		s->workload = strdup(nz(workload));
		s->variant = strdup(nz(variant));
		if (!s->group || !s->workload || !s->variant) {
			free(s->group);
			free(s->workload);
			free(s->variant);
			return -ENOMEM;
		}
		s->size = size;
		s->metric = metric;
		s->last_run = INT64_MIN;
		for (j = key_hash(s->group, s->workload, s->variant, size, metric) &
			 (set->index_cap - 1);
		     set->index[j]; j = (j + 1) & (set->index_cap - 1))
			;
		set->index[j] = set->n + 1;
		set->n++;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		double *nv = realloc(s->v, cap * sizeof(*nv));
		int64_t *nu;

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		nu = realloc(s->unit, cap * sizeof(*nu));
		if (!nu)
			return -ENOMEM;
		s->unit = nu;
		s->cap = cap;
	}
	s->unit[s->n] = set->unit_of ? set->unit_of(set->unit_user, run) : run;
	s->v[s->n++] = value;
	set->last = (size_t)(s - set->s) + 1;
	if (s->last_run != run) {
		s->runs++;
		s->last_run = run;
	}
	return 0;
}

/* Adds the values of one series, or its mean when it has no values. */
static int add_series(struct bl_sample_set *set, const char *group,
		      const struct bl_result_view *res, const char *metric, const double *v,
		      size_t n, struct bl_opt_f64 mean, double scale)
{
	const struct bl_metric *m = bl_metric_find(metric);
	int ret;

	for (size_t i = 0; i < n; i++) {
		ret = bl_sample_set_add(set, group, res->workload, res->variant, res->size, m,
					v[i] * scale, res->run);
		if (ret < 0)
			return ret;
	}
	if (!n && mean.set)
		return bl_sample_set_add(set, group, res->workload, res->variant, res->size, m,
					 mean.v * scale, res->run);
	return 0;
}

static int add_one(struct bl_sample_set *set, const char *group, const struct bl_result_view *res,
		   const char *metric, double value)
{
	return bl_sample_set_add(set, group, res->workload, res->variant, res->size,
				 bl_metric_find(metric), value, res->run);
}

/*
 * @metric = @counter per operation x @scale: one value per repetition from
 * the row's per_rep (@per, parsed; NULL when the row has none) where it has
 * ops and @counter for every repetition (two or more, each with
 * operations), else one value for the run from its total @total.
 */
static int add_per_op(struct bl_sample_set *set, const char *group,
		      const struct bl_result_view *res, json_t *per, const char *counter,
		      const char *metric, int64_t total, double scale)
{
	json_t *ops = json_object_get(per, "ops"), *counts = json_object_get(per, counter);
	size_t n = json_array_size(ops);
	bool usable = n >= 2 && json_array_size(counts) == n;

	for (size_t i = 0; i < n && usable; i++)
		usable = json_integer_value(json_array_get(ops, i)) > 0 &&
			 json_is_integer(json_array_get(counts, i));
	if (!usable) /* one value for the run: its totals */
		return add_one(set, group, res, metric, (double)total / (double)res->ops * scale);
	for (size_t i = 0; i < n; i++) {
		int err = add_one(set, group, res, metric,
				  (double)json_integer_value(json_array_get(counts, i)) /
					  (double)json_integer_value(json_array_get(ops, i)) * scale);

		if (err < 0)
			return err;
	}
	return 0;
}

/* Notes on the failed_ops sample just added that the row failed (all its operations when @all). */
static void note_failure(struct bl_sample_set *set, const struct bl_result_view *res, bool all)
{
	struct bl_sample *s = set->last ? &set->s[set->last - 1] : NULL;

	if (!s || strcmp(s->metric->name, "failed_ops"))
		return;
	s->all_failed += all;
	if (!s->fail_errno && res->failed_ops > 0 && res->failed_errno.set)
		s->fail_errno = (int)res->failed_errno.v;
}

/*
 * A latency percentile: one value per repetition from per_rep.@key where the
 * row has it for every repetition, else the row's percentile.
 */
static int add_latency(struct bl_sample_set *set, const char *group,
		       const struct bl_result_view *res, json_t *per, const char *key,
		       const struct bl_opt_i64 *row_value)
{
	json_t *a = json_object_get(per, key);
	size_t n = json_array_size(a);
	int ret = 0;

	if (n && (int64_t)n == res->reps) {
		for (size_t i = 0; i < n && !ret; i++)
			ret = add_one(set, group, res, key,
				      (double)json_integer_value(json_array_get(a, i)));
		return ret;
	}
	return row_value->set ? add_one(set, group, res, key, (double)row_value->v) : 0;
}

int bl_sample_set_add_result(struct bl_sample_set *set, const char *group,
			     const struct bl_result_view *res)
{
	static const char *const lat_metrics[BL_LAT_COUNT] = {
		[BL_LAT_P50] = "latency_p50_ns", [BL_LAT_P90] = "latency_p90_ns",
		[BL_LAT_P99] = "latency_p99_ns", [BL_LAT_P999] = "latency_p999_ns",
		[BL_LAT_MAX] = "latency_max_ns",
	};
	const struct bl_opt_i64 *c = res->counters;
	json_t *per;
	int ret;

	/*
	 * Every operation refused: what the row timed and counted are the
	 * refusals. Only the failures are a result (a regression when they are
	 * new); throughput, latency and bounces of it are never compared.
	 */
	if (res->ops > 0 && res->failed_ops >= res->ops) {
		ret = add_one(set, group, res, "failed_ops", (double)res->failed_ops);
		if (!ret)
			note_failure(set, res, true);
		if (!ret)
			ret = add_one(set, group, res, "failed_share", 1.0);
		return ret;
	}
	/* parsed once for the counters that have per-repetition values */
	per = res->per_rep_json ? json_loads(res->per_rep_json, 0, NULL) : NULL;
	ret = add_series(set, group, res, "ops_per_sec", res->ops_per_sec_values,
			 res->n_ops_per_sec, res->ops_per_sec_mean, 1.0);
	if (!ret)
		ret = add_series(set, group, res, "mib_per_sec", res->bytes_per_sec_values,
				 res->n_bytes_per_sec, res->bytes_per_sec_mean, 1.0 / (1 << 20));
	for (int i = 0; !ret && i < BL_LAT_COUNT; i++) {
		if (i == BL_LAT_P50 || i == BL_LAT_P99)
			ret = add_latency(set, group, res, per, lat_metrics[i], &res->latency_ns[i]);
		else if (res->latency_ns[i].set)
			ret = add_one(set, group, res, lat_metrics[i], (double)res->latency_ns[i].v);
	}
	if (!ret && c[BL_C_SWIOTLB_BOUNCED].set && res->ops > 0)
		ret = add_per_op(set, group, res, per, "swiotlb_bounced", "bounces_per_op",
				 c[BL_C_SWIOTLB_BOUNCED].v, 1.0);
	if (!ret && res->bounce_rate.set)
		ret = add_one(set, group, res, "bounce_rate", res->bounce_rate.v);
	if (!ret && c[BL_C_DMA_MAP_SEGMENTS].set && res->ops > 0)
		ret = add_per_op(set, group, res, per, "dma_map_segments", "segments_per_op",
				 c[BL_C_DMA_MAP_SEGMENTS].v, 1.0);
	if (!ret && c[BL_C_DMA_SYNC_BYTES].set && res->ops > 0)
		ret = add_per_op(set, group, res, per, "dma_sync_bytes", "sync_mib_per_op",
				 c[BL_C_DMA_SYNC_BYTES].v, 1.0 / (1 << 20));
	if (!ret && c[BL_C_IO_TLB_USED_BEFORE].set && c[BL_C_IO_TLB_USED_PEAK].set)
		ret = add_one(set, group, res, "slots_peak",
			      (double)(c[BL_C_IO_TLB_USED_PEAK].v - c[BL_C_IO_TLB_USED_BEFORE].v));
	if (!ret && c[BL_C_IO_TLB_USED_BEFORE].set && c[BL_C_IO_TLB_USED_AFTER].set)
		ret = add_one(set, group, res, "slots_after",
			      (double)(c[BL_C_IO_TLB_USED_AFTER].v - c[BL_C_IO_TLB_USED_BEFORE].v));
	if (!ret) {
		ret = add_one(set, group, res, "failed_ops", (double)res->failed_ops);
		if (!ret)
			note_failure(set, res, false);
		if (!ret && res->ops > 0)
			ret = add_one(set, group, res, "failed_share",
				      (double)res->failed_ops / (double)res->ops);
	}
	json_decref(per);
	return ret;
}

static int metric_index(const struct bl_metric *m)
{
	return (int)(m - bl_metrics);
}

static int cmp_key(const char *g1, const char *w1, const char *v1, int64_t s1,
		   const struct bl_metric *m1, const char *g2, const char *w2, const char *v2,
		   int64_t s2, const struct bl_metric *m2)
{
	int c = strcmp(g1, g2);

	if (!c)
		c = strcmp(w1, w2);
	if (!c)
		c = strcmp(v1, v2);
	if (!c)
		c = (s1 > s2) - (s1 < s2);
	if (!c)
		c = metric_index(m1) - metric_index(m2);
	return c;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct bl_sample *x = a, *y = b;

	return cmp_key(x->group, x->workload, x->variant, x->size, x->metric, y->group,
		       y->workload, y->variant, y->size, y->metric);
}

int bl_sample_set_sort(struct bl_sample_set *set)
{
	if (!set->n)
		return 0;
	qsort(set->s, set->n, sizeof(*set->s), cmp_sample);
	set->last = 0;
	return reindex(set, set->n); /* positions moved */
}

/* --- comparisons ----------------------------------------------------------- */

static int cmp_row(const void *a, const void *b)
{
	const struct bl_cmp_row *x = a, *y = b;

	/* counts lead: exact numbers first, then times */
	if (x->metric->count != y->metric->count)
		return x->metric->count ? -1 : 1;
	return cmp_key(x->group, x->workload, x->variant, x->size, x->metric, y->group,
		       y->workload, y->variant, y->size, y->metric);
}

static bool wanted(const struct bl_metric *m, const char *const *metrics)
{
	if (!metrics)
		return !m->on_request;
	for (; *metrics; metrics++)
		if (!strcmp(*metrics, m->name))
			return true;
	return false;
}

static const struct bl_sample *find_same_key(const struct bl_sample_set *set,
					     const struct bl_sample *key)
{
	return bl_sample_set_find(set, key->group, key->workload, key->variant, key->size,
				  key->metric);
}

struct unit_pos {
	int64_t unit; /* the value's boot */
	size_t pos;   /* its place in the sample */
};

static int cmp_unit_pos(const void *a, const void *b)
{
	const struct unit_pos *x = a, *y = b;

	if (x->unit != y->unit)
		return x->unit < y->unit ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * @s's values split by boot (their unit): *@boots points into *@vals, a
 * copy ordered by unit (and by place within one). Both NULL with *@n 0 for
 * no sample. 0 or -ENOMEM.
 */
static int by_boot(const struct bl_sample *s, double **vals, struct bl_boot_sample **boots,
		   size_t *n)
{
	struct unit_pos *order;
	size_t nb = 0;

	*vals = NULL;
	*boots = NULL;
	*n = 0;
	if (!s || !s->n)
		return 0;
	order = malloc(s->n * sizeof(*order));
	*vals = malloc(s->n * sizeof(**vals));
	*boots = malloc(s->n * sizeof(**boots));
	if (!order || !*vals || !*boots) {
		free(order);
		free(*vals);
		free(*boots);
		*vals = NULL;
		*boots = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++)
		order[i] = (struct unit_pos){ s->unit[i], i };
	qsort(order, s->n, sizeof(*order), cmp_unit_pos);
	for (size_t i = 0; i < s->n; i++) {
		(*vals)[i] = s->v[order[i].pos];
		if (!i || order[i].unit != order[i - 1].unit)
			(*boots)[nb++] = (struct bl_boot_sample){ &(*vals)[i], 0 };
		(*boots)[nb - 1].n++;
	}
	free(order);
	*n = nb;
	return 0;
}

/* Judges one row with the boot as the unit (analysis/judge.h) into @ch. */
static int judge_row(const struct bl_sample *b, const struct bl_sample *n,
		     const struct bl_stats_opts *opts, struct bl_change *ch)
{
	const struct bl_sample *k = b ? b : n;
	struct bl_boot_sample *bb = NULL, *nb = NULL;
	double *bv = NULL, *nv = NULL, floor = NAN;
	struct bl_judge_opts jo;
	struct bl_judgement j;
	size_t nbb, nnb;
	int ret;

	jo.noise = opts->noise;
	jo.floor_k = opts->floor_k;
	jo.noise_one_boot = opts->noise_one_boot;
	jo.floor_k_one_boot = opts->floor_k_one_boot;
	jo.confidence = opts->confidence;
	jo.min_boots = opts->min_boots < 2 ? 2 : opts->min_boots;
	jo.resamples = opts->resamples;
	jo.seed = opts->seed;
	if (opts->floor_of)
		floor = opts->floor_of(opts->floor_user, opts->floor_clock ? opts->floor_clock : "",
				       k->group, k->workload, k->variant, k->size, k->metric->name);
	if ((ret = by_boot(b, &bv, &bb, &nbb)) || (ret = by_boot(n, &nv, &nb, &nnb)))
		goto out;
	ret = k->metric->count ? bl_judge_count(bb, nbb, nb, nnb, k->metric->direction, floor, &jo, &j)
			       : bl_judge_time(bb, nbb, nb, nnb, k->metric->direction, floor, &jo, &j);
	if (ret)
		goto out;
	memset(ch, 0, sizeof(*ch));
	ch->base_n = b ? b->n : 0;
	ch->new_n = n ? n->n : 0;
	ch->base_mean = b ? bl_mean(b->v, b->n) : NAN;
	ch->new_mean = n ? bl_mean(n->v, n->n) : NAN;
	ch->base_cv = b ? bl_cv(b->v, b->n) : NAN;
	ch->new_cv = n ? bl_cv(n->v, n->n) : NAN;
	if (!k->metric->count && b && n) {
		/* times: the means the verdict is about are the boots' */
		ch->base_mean = j.base_mean;
		ch->new_mean = j.new_mean;
	}
	ch->relative = j.relative;
	ch->change = j.change;
	ch->ci_lo = j.ci_lo;
	ch->ci_hi = j.ci_hi;
	ch->verdict = j.verdict;
	ch->significant = j.verdict == BL_VERDICT_BETTER || j.verdict == BL_VERDICT_WORSE;
	ch->method = bl_judge_method_name(j.method);
	ch->base_boots = j.base_boots;
	ch->new_boots = j.new_boots;
	ch->threshold = j.threshold;
	ch->calibrated = j.calibrated;
	ch->why = j.why;
out:
	free(bv);
	free(nv);
	free(bb);
	free(nb);
	return ret;
}

/* Did every operation of @k's row fail in @set (its failed_ops sample says so)? */
static bool row_all_failed(const struct bl_sample_set *set, const struct bl_sample *k, int *err)
{
	const struct bl_sample *f = bl_sample_set_find(set, k->group, k->workload, k->variant,
						       k->size, bl_metric_find("failed_ops"));

	*err = f ? f->fail_errno : 0;
	return f && f->all_failed > 0;
}

/*
 * A time row of an import judged with a single boot on a side (against one
 * boot or several) whose sides mapped different page layouts
 * (analysis/judge.h, BL_LAYOUT_TOLERANCE): the sides' mapped segments per op.
 */
static bool import_layouts_differ(const struct bl_sample_set *bset, const struct bl_sample_set *nset,
				  const struct bl_sample *k, const struct bl_change *ch)
{
	const struct bl_metric *seg = bl_metric_find("segments_per_op");
	const struct bl_sample *sb, *sn;

	/* a side with a single boot timed a single layout: one boot a side, or against several */
	if (k->metric->count || strcmp(k->workload, "import") || !ch->method ||
	    (strcmp(ch->method, bl_judge_method_name(BL_JUDGE_WITHIN_BOOT)) &&
	     strcmp(ch->method, bl_judge_method_name(BL_JUDGE_ONE_VS_BOOTS))))
		return false;
	sb = bl_sample_set_find(bset, k->group, k->workload, k->variant, k->size, seg);
	sn = bl_sample_set_find(nset, k->group, k->workload, k->variant, k->size, seg);
	return sb && sn && sb->n && sn->n &&
	       bl_judge_layouts_differ(bl_mean(sb->v, sb->n), bl_mean(sn->v, sn->n));
}

static int push_row(struct bl_cmp_result *r, size_t *cap, const struct bl_sample *b,
		    const struct bl_sample *n, const struct bl_stats_opts *opts,
		    const struct bl_sample_set *bset, const struct bl_sample_set *nset)
{
	const struct bl_sample *k = b ? b : n;
	struct bl_cmp_row *row;
	int ret;

	if (r->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct bl_cmp_row *nr = realloc(r->rows, nc * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		r->rows = nr;
		*cap = nc;
	}
	row = &r->rows[r->n];
	memset(row, 0, sizeof(*row));
	row->group = k->group;
	row->workload = k->workload;
	row->variant = k->variant;
	row->size = k->size;
	row->metric = k->metric;
	row->base = b;
	row->new_s = n;
	if (!b)
		row->base_all_failed = row_all_failed(bset, k, &row->base_errno);
	if (!n)
		row->new_all_failed = row_all_failed(nset, k, &row->new_errno);
	ret = judge_row(b, n, opts, &row->ch);
	if (ret < 0)
		return ret;
	if (b && n && import_layouts_differ(bset, nset, k, &row->ch)) {
		row->ch.verdict = BL_VERDICT_TOO_FEW;
		row->ch.significant = false;
		row->ch.why = BL_LAYOUTS_DIFFER_WHY;
	}
	r->n++;
	switch (row->ch.verdict) {
	case BL_VERDICT_BETTER:
		r->better++;
		break;
	case BL_VERDICT_WORSE:
		r->worse++;
		break;
	case BL_VERDICT_SAME:
		r->same++;
		break;
	case BL_VERDICT_TOO_FEW:
		r->too_few++;
		break;
	}
	return 0;
}

int bl_compare_sets(const struct bl_sample_set *base, const struct bl_sample_set *new_set,
		    const char *base_label, const char *new_label,
		    const char *const *metrics, const struct bl_stats_opts *opts,
		    struct bl_cmp_result *out)
{
	size_t cap = 0;
	int ret = -EINVAL;

	memset(out, 0, sizeof(*out));
	for (const char *const *m = metrics; m && *m; m++)
		if (!bl_metric_find(*m))
			return -EINVAL;
	out->base_label = strdup(nz(base_label));
	out->new_label = strdup(nz(new_label));
	if (!out->base_label || !out->new_label) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < base->n; i++) {
		const struct bl_sample *b = &base->s[i];

		if (!wanted(b->metric, metrics))
			continue;
		ret = push_row(out, &cap, b, find_same_key(new_set, b), opts, base, new_set);
		if (ret < 0)
			goto fail;
	}
	for (size_t i = 0; i < new_set->n; i++) {
		const struct bl_sample *n = &new_set->s[i];

		if (!wanted(n->metric, metrics) || find_same_key(base, n))
			continue;
		ret = push_row(out, &cap, NULL, n, opts, base, new_set);
		if (ret < 0)
			goto fail;
	}
	if (out->n)
		qsort(out->rows, out->n, sizeof(*out->rows), cmp_row);
	return 0;
fail:
	bl_cmp_result_free(out);
	return ret;
}

void bl_cmp_result_free(struct bl_cmp_result *r)
{
	free(r->rows);
	free(r->base_label);
	free(r->new_label);
	memset(r, 0, sizeof(*r));
}
