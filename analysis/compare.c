/*
 * Comparisons between two sets of runs: samples, compared rows and their
 * text / Markdown / JSON forms. See compare.h (selectors: selector.c).
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

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
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

int bl_sample_set_add_result(struct bl_sample_set *set, const char *group,
			     const struct bl_result_view *res)
{
	static const char *const lat_metrics[BL_LAT_COUNT] = {
		[BL_LAT_P50] = "latency_p50_ns", [BL_LAT_P90] = "latency_p90_ns",
		[BL_LAT_P99] = "latency_p99_ns", [BL_LAT_P999] = "latency_p999_ns",
		[BL_LAT_MAX] = "latency_max_ns",
	};
	const struct bl_opt_i64 *c = res->counters;
	/* parsed once for the counters that have per-repetition values */
	json_t *per = res->per_rep_json ? json_loads(res->per_rep_json, 0, NULL) : NULL;
	int ret;

	ret = add_series(set, group, res, "ops_per_sec", res->ops_per_sec_values,
			 res->n_ops_per_sec, res->ops_per_sec_mean, 1.0);
	if (!ret)
		ret = add_series(set, group, res, "mib_per_sec", res->bytes_per_sec_values,
				 res->n_bytes_per_sec, res->bytes_per_sec_mean, 1.0 / (1 << 20));
	for (int i = 0; !ret && i < BL_LAT_COUNT; i++)
		if (res->latency_ns[i].set)
			ret = add_one(set, group, res, lat_metrics[i], (double)res->latency_ns[i].v);
	if (!ret && c[BL_C_SWIOTLB_BOUNCED].set && res->ops > 0)
		ret = add_per_op(set, group, res, per, "swiotlb_bounced", "bounces_per_op",
				 c[BL_C_SWIOTLB_BOUNCED].v, 1.0);
	if (!ret && res->bounce_rate.set)
		ret = add_one(set, group, res, "bounce_rate", res->bounce_rate.v);
	if (!ret && c[BL_C_DMA_SYNC_BYTES].set && res->ops > 0)
		ret = add_per_op(set, group, res, per, "dma_sync_bytes", "sync_mib_per_op",
				 c[BL_C_DMA_SYNC_BYTES].v, 1.0 / (1 << 20));
	if (!ret && c[BL_C_IO_TLB_USED_BEFORE].set && c[BL_C_IO_TLB_USED_PEAK].set)
		ret = add_one(set, group, res, "slots_peak",
			      (double)(c[BL_C_IO_TLB_USED_PEAK].v - c[BL_C_IO_TLB_USED_BEFORE].v));
	if (!ret && c[BL_C_IO_TLB_USED_BEFORE].set && c[BL_C_IO_TLB_USED_AFTER].set)
		ret = add_one(set, group, res, "slots_after",
			      (double)(c[BL_C_IO_TLB_USED_AFTER].v - c[BL_C_IO_TLB_USED_BEFORE].v));
	if (!ret)
		ret = add_one(set, group, res, "failed_ops", (double)res->failed_ops);
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

	return cmp_key(x->group, x->workload, x->variant, x->size, x->metric, y->group,
		       y->workload, y->variant, y->size, y->metric);
}

static bool wanted(const struct bl_metric *m, const char *const *metrics)
{
	if (!metrics)
		return true;
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

static int push_row(struct bl_cmp_result *r, size_t *cap, const struct bl_sample *b,
		    const struct bl_sample *n, const struct bl_stats_opts *opts)
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
	ret = bl_compare_samples(b ? b->v : NULL, b ? b->n : 0, n ? n->v : NULL, n ? n->n : 0,
				 k->metric->direction, opts, &row->ch);
	if (ret < 0)
		return ret;
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
		ret = push_row(out, &cap, b, find_same_key(new_set, b), opts);
		if (ret < 0)
			goto fail;
	}
	for (size_t i = 0; i < new_set->n; i++) {
		const struct bl_sample *n = &new_set->s[i];

		if (!wanted(n->metric, metrics) || find_same_key(base, n))
			continue;
		ret = push_row(out, &cap, NULL, n, opts);
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

int bl_cmp_format_parse(const char *name, enum bl_cmp_format *out)
{
	if (!name)
		return -EINVAL;
	if (!strcmp(name, "text"))
		*out = BL_CMP_TEXT;
	else if (!strcmp(name, "md") || !strcmp(name, "markdown"))
		*out = BL_CMP_MARKDOWN;
	else if (!strcmp(name, "json"))
		*out = BL_CMP_JSON;
	else
		return -EINVAL;
	return 0;
}

void bl_size_str(int64_t size, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;
	int64_t v = size;

	while (v >= 1024 && v % 1024 == 0 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRId64, size);
	else
		snprintf(buf, len, "%" PRId64 "%c", v, units[u]);
}

/* A value with 4 significant digits, or "-" for NAN. */
static void num_str(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v != 0 && (fabs(v) >= 1e6 || fabs(v) < 1e-3))
		snprintf(buf, len, "%.3e", v);
	else
		snprintf(buf, len, "%.4g", v);
}

static void change_str(const struct bl_change *c, char *buf, size_t len)
{
	if (isnan(c->change))
		snprintf(buf, len, "-");
	else if (c->relative)
		snprintf(buf, len, "%+.1f%%", c->change * 100);
	else
		snprintf(buf, len, "%+.4g (abs)", c->change);
}

static void ci_str(const struct bl_change *c, char *buf, size_t len)
{
	if (isnan(c->ci_lo))
		snprintf(buf, len, "-");
	else if (c->relative)
		snprintf(buf, len, "[%+.1f%%, %+.1f%%]", c->ci_lo * 100, c->ci_hi * 100);
	else
		snprintf(buf, len, "[%+.4g, %+.4g]", c->ci_lo, c->ci_hi);
}

static void cv_str(double cv, char *buf, size_t len)
{
	if (isnan(cv))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", cv * 100);
}

/* What the row says, in words: "WORSE", "better", "too few reps", "only in base". */
static const char *row_verdict(const struct bl_cmp_row *row)
{
	if (!row->base)
		return "only in new";
	if (!row->new_s)
		return "only in base";
	if (row->ch.verdict == BL_VERDICT_WORSE)
		return "WORSE";
	return bl_verdict_name(row->ch.verdict);
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* What --changes-only keeps: significant changes, either way. Rows that
 * could not be judged (too few values, only on one side) are not changes. */
static bool cmp_is_change(enum bl_change_verdict v)
{
	return v == BL_VERDICT_BETTER || v == BL_VERDICT_WORSE;
}

json_t *bl_cmp_to_json(const struct bl_cmp_result *r, bool only_changes)
{
	json_t *root = json_object(), *rows = json_array();

	if (!root || !rows)
		goto fail;
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];
		const struct bl_change *c = &row->ch;
		json_t *o;

		if (only_changes && !cmp_is_change(c->verdict))
			continue;
		o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o,"
			      " s:b, s:o, s:o, s:o, s:b, s:s}",
			      "group", row->group, "workload", row->workload, "variant", row->variant, "size",
			      (json_int_t)row->size, "metric", row->metric->name, "unit",
			      row->metric->unit, "better", row->metric->direction ==
			      BL_HIGHER_IS_BETTER ? "higher" : "lower",
			      "base_n", (json_int_t)c->base_n, "new_n", (json_int_t)c->new_n,
			      "base_runs", (json_int_t)(row->base ? row->base->runs : 0),
			      "new_runs", (json_int_t)(row->new_s ? row->new_s->runs : 0),
			      "base_mean", num_or_null(c->base_mean), "new_mean",
			      num_or_null(c->new_mean), "base_cv", num_or_null(c->base_cv),
			      "new_cv", num_or_null(c->new_cv), "relative", c->relative,
			      "change", num_or_null(c->change), "ci_lo", num_or_null(c->ci_lo),
			      "ci_hi", num_or_null(c->ci_hi), "significant", c->significant,
			      "verdict", row_verdict(row));
		if (!o || json_array_append_new(rows, o) < 0)
			goto fail;
	}
	if (json_object_set_new(root, "base", json_string(r->base_label)) < 0 ||
	    json_object_set_new(root, "new", json_string(r->new_label)) < 0 ||
	    json_object_set_new(root, "better", json_integer((json_int_t)r->better)) < 0 ||
	    json_object_set_new(root, "worse", json_integer((json_int_t)r->worse)) < 0 ||
	    json_object_set_new(root, "same", json_integer((json_int_t)r->same)) < 0 ||
	    json_object_set_new(root, "too_few", json_integer((json_int_t)r->too_few)) < 0 ||
	    json_object_set_new(root, "rows", rows) < 0) {
		rows = NULL; /* set_new consumed it even on failure */
		goto fail;
	}
	return root;
fail:
	json_decref(rows);
	json_decref(root);
	return NULL;
}

static int cmp_write(FILE *out, const struct bl_cmp_result *r, enum bl_cmp_format fmt,
		     bool only_changes, bool md_summary);

int bl_cmp_write(FILE *out, const struct bl_cmp_result *r, enum bl_cmp_format fmt,
		 bool only_changes)
{
	return cmp_write(out, r, fmt, only_changes, true);
}

int bl_cmp_write_md_table(FILE *out, const struct bl_cmp_result *r, bool only_changes)
{
	return cmp_write(out, r, BL_CMP_MARKDOWN, only_changes, false);
}

static int cmp_write(FILE *out, const struct bl_cmp_result *r, enum bl_cmp_format fmt,
		     bool only_changes, bool md_summary)
{
	const bool md = fmt == BL_CMP_MARKDOWN;
	int width = 14; /* of the first text column */

	if (fmt == BL_CMP_JSON) {
		json_t *j = bl_cmp_to_json(r, only_changes);
		int ret;

		if (!j)
			return -ENOMEM;
		ret = json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		json_decref(j);
		fputc('\n', out);
		return ret < 0 || ferror(out) ? -EIO : 0;
	}

	if (md) {
		if (md_summary)
			fprintf(out, "Base: `%s`, new: `%s`. %zu better, %zu worse, %zu same, "
				     "%zu with too few repetitions to judge.\n\n",
				r->base_label, r->new_label, r->better, r->worse, r->same,
				r->too_few);
		fprintf(out, "| [job] workload | size | metric | base | new | change | 95%% CI | "
			     "CV base / new | n base / new | verdict |\n"
			     "| --- | ---: | --- | ---: | ---: | ---: | --- | --- | --- | --- |\n");
	} else {
		for (size_t i = 0; i < r->n; i++) {
			const struct bl_cmp_row *row = &r->rows[i];
			int w = (int)(strlen(row->group) + strlen(row->workload) +
				      strlen(row->variant) + 2);

			if (w > width && w < 95)
				width = w;
		}
		fprintf(out, "base: %s\nnew:  %s\n\n", r->base_label, r->new_label);
		fprintf(out, "%-*s %6s %-16s %11s %11s %9s %-20s %-13s %-7s %s\n", width, "[job] workload",
			"size", "metric", "base", "new", "change", "95% CI", "cv base/new",
			"n b/n", "verdict");
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];
		const struct bl_change *c = &row->ch;
		char wl[96], sz[24], bm[24], nm[24], ch[32], ci[48], cvb[16], cvn[16], cvs[40],
			nn[32];

		if (only_changes && !cmp_is_change(c->verdict))
			continue;
		snprintf(wl, sizeof(wl), "%s%s%s%s%s", row->group, *row->group ? " " : "",
			 row->workload, *row->variant ? "/" : "", row->variant);
		bl_size_str(row->size, sz, sizeof(sz));
		num_str(c->base_mean, bm, sizeof(bm));
		num_str(c->new_mean, nm, sizeof(nm));
		change_str(c, ch, sizeof(ch));
		ci_str(c, ci, sizeof(ci));
		cv_str(c->base_cv, cvb, sizeof(cvb));
		cv_str(c->new_cv, cvn, sizeof(cvn));
		snprintf(cvs, sizeof(cvs), "%s/%s", cvb, cvn);
		snprintf(nn, sizeof(nn), "%zu/%zu", c->base_n, c->new_n);
		if (md)
			fprintf(out, "| %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s%s%s |\n",
				wl, sz, row->metric->name, row->metric->unit, bm, nm, ch, ci,
				cvs, nn, c->significant ? "**" : "", row_verdict(row),
				c->significant ? "**" : "");
		else
			fprintf(out, "%-*s %6s %-16s %11s %11s %9s %-20s %-13s %-7s %s%s\n", width, wl,
				sz, row->metric->name, bm, nm, ch, ci, cvs, nn, row_verdict(row),
				c->significant ? " *" : "");
	}
	if (!md)
		fprintf(out, "\n%zu better, %zu worse, %zu same, %zu too few reps to judge "
			     "(* = significant: 95%% CI excludes 0 and |change| > noise)\n",
			r->better, r->worse, r->same, r->too_few);
	return ferror(out) ? -EIO : 0;
}
