/*
 * The headline's model (headline.h): the dataset's runs grouped by (kernel
 * release, mode), their rows folded into per-size costs, refusals and pool
 * readings, and one comparison per mode against the baseline mode of the
 * same kernel (an_compare, grouped by job: rows paired and judged as
 * `bouncelab compare --modes` does).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dmamode.h"
#include "headline.h"
#include "resultdoc.h"

const int64_t an_headline_sizes[AN_HEADLINE_SIZES] = { 4096, 65536, 1048576 };

/* A refused row while building: its key across modes and what it says. */
struct refusal {
	size_t row;	/* the headline row */
	char *key;	/* job|workload|variant|size */
	char *text;	/* "[job] workload SIZE: error: first kernel line" */
	int64_t failed; /* failed operations, over its runs */
};

struct build {
	struct an_headline *h;
	struct refusal *ref;
	size_t nref, capref;
};

static size_t find_row(const struct an_headline *h, const char *release, const char *mode)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->r[i].release, release) && !strcmp(h->r[i].mode, mode))
			return i;
	return SIZE_MAX;
}

static char *refusal_text(const struct an_run *run, const struct bl_result_view *v)
{
	json_t *log = v->kernel_log_json ? json_loads(v->kernel_log_json, 0, NULL) : NULL;
	const char *line = json_is_array(log) ? json_string_value(json_array_get(log, 0)) : NULL;
	char sz[24], *text = NULL;

	bl_size_str(v->size, sz, sizeof(sz));
	if (asprintf(&text, "[%s] %s%s%s %s: %s%s%s", run->job ? run->job : "?", v->workload,
		     v->variant && *v->variant ? "/" : "", v->variant ? v->variant : "", sz,
		     v->failed_errno.set ? strerror((int)v->failed_errno.v) :
					   v->failed_error ? v->failed_error : "refused",
		     line ? ": " : "", line ? line : "") < 0)
		text = NULL;
	json_decref(log);
	return text;
}

static int add_refusal(struct build *b, size_t row, const struct an_run *run,
		       const struct bl_result_view *v)
{
	char *key = NULL;

	if (asprintf(&key, "%s|%s|%s|%" PRId64, run->job ? run->job : "?", v->workload,
		     v->variant ? v->variant : "", v->size) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < b->nref; i++)
		if (b->ref[i].row == row && !strcmp(b->ref[i].key, key)) {
			b->ref[i].failed += v->failed_ops;
			free(key);
			return 0;
		}
	if (b->nref == b->capref) {
		size_t cap = b->capref ? 2 * b->capref : 32;
		struct refusal *r = realloc(b->ref, cap * sizeof(*r));

		if (!r) {
			free(key);
			return -ENOMEM;
		}
		b->ref = r;
		b->capref = cap;
	}
	b->ref[b->nref] = (struct refusal){ .row = row, .key = key, .text = refusal_text(run, v),
					    .failed = v->failed_ops };
	if (!b->ref[b->nref].text) {
		free(key);
		return -ENOMEM;
	}
	b->nref++;
	return 0;
}

static void add_counts(struct an_headline_row *h, const struct bl_result_view *v)
{
	const struct bl_opt_i64 *c = v->counters;

	if (c[BL_C_IO_TLB_NSLABS].set && c[BL_C_IO_TLB_NSLABS].v > h->nslabs)
		h->nslabs = c[BL_C_IO_TLB_NSLABS].v;
	if (c[BL_C_IO_TLB_USED_PEAK].set && c[BL_C_IO_TLB_USED_PEAK].v > h->peak)
		h->peak = c[BL_C_IO_TLB_USED_PEAK].v;
	if (c[BL_C_IO_TLB_USED_BEFORE].set && c[BL_C_IO_TLB_USED_AFTER].set &&
	    c[BL_C_IO_TLB_USED_AFTER].v - c[BL_C_IO_TLB_USED_BEFORE].v > h->held_after)
		h->held_after = c[BL_C_IO_TLB_USED_AFTER].v - c[BL_C_IO_TLB_USED_BEFORE].v;
	/* a row whose every operation failed bounced for nothing: a refusal, not a cost */
	if (v->ops <= 0 || v->failed_ops >= v->ops)
		return;
	for (size_t k = 0; k < AN_HEADLINE_SIZES; k++) {
		if (v->size != an_headline_sizes[k])
			continue;
		if (c[BL_C_SWIOTLB_BOUNCED].set)
			h->bounces[k] = fmax(isnan(h->bounces[k]) ? 0 : h->bounces[k],
					     (double)c[BL_C_SWIOTLB_BOUNCED].v / (double)v->ops);
		if (c[BL_C_SWIOTLB_BOUNCED_BYTES].set)
			h->bytes[k] = fmax(isnan(h->bytes[k]) ? 0 : h->bytes[k],
					   (double)c[BL_C_SWIOTLB_BOUNCED_BYTES].v / (double)v->ops);
	}
}

/* Own refusals (not refused by the baseline mode of the same kernel) and shared ones. */
static void settle_refusals(struct build *b)
{
	struct an_headline *h = b->h;

	for (size_t i = 0; i < b->nref; i++) {
		struct an_headline_row *r = &h->r[b->ref[i].row];
		size_t base = find_row(h, r->release, BL_MODE_BASELINE);
		bool shared = false;

		if (base != SIZE_MAX && base != b->ref[i].row)
			for (size_t k = 0; k < b->nref && !shared; k++)
				shared = b->ref[k].row == base && !strcmp(b->ref[k].key, b->ref[i].key);
		if (shared) {
			r->refused_shared++;
			continue;
		}
		r->refused_own++;
		r->refused_ops += b->ref[i].failed;
		if (!r->first_refusal) {
			r->first_refusal = b->ref[i].text;
			b->ref[i].text = NULL;
		}
	}
}

/* @r's throughput against the baseline mode of its kernel. */
static int throughput(struct bl_store *s, const struct an_dataset *ds,
		      const struct bl_stats_opts *stats, struct an_headline_row *r)
{
	static const char *const metrics[] = { "ops_per_sec", NULL };
	struct an_scope bs = { .release = r->release, .mode = BL_MODE_BASELINE };
	struct an_scope ns = { .release = r->release, .mode = r->mode };
	struct an_comparison cmp = { 0 };
	double *ch = NULL;
	size_t n = 0;
	int ret;

	if (!strcmp(r->mode, BL_MODE_BASELINE)) {
		r->not_compared = "baseline";
		return 0;
	}
	ret = an_compare(s, &(struct an_side){ .ds = ds, .scope = bs, .label = BL_MODE_BASELINE },
			 &(struct an_side){ .ds = ds, .scope = ns, .label = r->mode }, AN_GROUP_JOB,
			 metrics, stats, &cmp);
	if (ret == -EINVAL) { /* logged: the sides ran on different guest clocks */
		r->not_compared = "clocks differ";
		return 0;
	}
	if (ret < 0)
		return ret;
	if (!cmp.base_runs) {
		r->not_compared = "no " BL_MODE_BASELINE " runs";
		goto out;
	}
	if (!(ch = calloc(cmp.r.n ? cmp.r.n : 1, sizeof(*ch)))) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cmp.r.n; i++) {
		const struct bl_cmp_row *row = &cmp.r.rows[i];

		if (!row->base || !row->new_s || !row->ch.relative || isnan(row->ch.change))
			continue;
		ch[n++] = row->ch.change;
		r->worse += row->ch.verdict == BL_VERDICT_WORSE;
		r->better += row->ch.verdict == BL_VERDICT_BETTER;
		r->same += row->ch.verdict == BL_VERDICT_SAME;
		r->unknown += row->ch.verdict == BL_VERDICT_TOO_FEW;
	}
	if (!n) {
		r->not_compared = "no rows on both sides";
		goto out;
	}
	qsort(ch, n, sizeof(*ch), bl_cmp_double);
	r->median_change = bl_quantile_sorted(ch, n, 0.5);
	r->rows_compared = n;
out:
	free(ch);
	an_comparison_free(&cmp);
	return ret < 0 ? ret : 0;
}

/* By kernel; the baseline mode first, then the mode table's order. */
static int cmp_rows(const void *a, const void *b)
{
	const struct an_headline_row *x = a, *y = b;
	int c = strcmp(x->release, y->release);

	if (c)
		return c;
	c = !strcmp(y->mode, BL_MODE_BASELINE) - !strcmp(x->mode, BL_MODE_BASELINE);
	if (c)
		return c;
	c = bl_mode_rank(x->mode) - bl_mode_rank(y->mode);
	return c ? c : strcmp(x->mode, y->mode);
}

static int group_runs(const struct an_dataset *ds, struct an_headline *h)
{
	for (size_t i = 0; i < ds->runs.n; i++) {
		const struct an_run *run = &ds->runs.r[i];
		const char *rel = run->kernel_release ? run->kernel_release : "?";
		const char *mode = run->mode ? run->mode : "?";
		size_t k = find_row(h, rel, mode);
		struct an_headline_row *r;

		if (k == SIZE_MAX) {
			r = &h->r[h->n++];
			*r = (struct an_headline_row){ .release = rel, .mode = mode, .clock = run->clock,
						       .nslabs = -1, .peak = -1, .held_after = -1 };
			for (size_t s = 0; s < AN_HEADLINE_SIZES; s++)
				r->bounces[s] = r->bytes[s] = NAN;
			if (!(r->run_idx = calloc(ds->runs.n, sizeof(*r->run_idx))))
				return -ENOMEM;
		} else {
			r = &h->r[k];
			if ((r->clock == NULL) != (run->clock == NULL) ||
			    (r->clock && strcmp(r->clock, run->clock)))
				r->mixed_clock = true;
		}
		r->run_idx[r->runs++] = i;
	}
	return 0;
}

int an_headline_build(struct bl_store *s, const struct an_dataset *ds,
		      const struct bl_stats_opts *stats, struct an_headline *out)
{
	struct build b = { .h = out };
	int ret;

	memset(out, 0, sizeof(*out));
	if (!(out->r = calloc(ds->runs.n ? ds->runs.n : 1, sizeof(*out->r))))
		return -ENOMEM;
	if ((ret = group_runs(ds, out)))
		goto out;
	for (size_t i = 0; i < ds->n && !ret; i++) {
		const struct an_run *run = &ds->runs.r[ds->rows[i].run];
		size_t k = find_row(out, run->kernel_release ? run->kernel_release : "?",
				    run->mode ? run->mode : "?");

		add_counts(&out->r[k], &ds->rows[i].v);
		if (ds->rows[i].v.failed_ops > 0)
			ret = add_refusal(&b, k, run, &ds->rows[i].v);
	}
	if (ret)
		goto out;
	settle_refusals(&b);
	qsort(out->r, out->n, sizeof(*out->r), cmp_rows);
	for (size_t i = 0; i < out->n && !ret; i++)
		ret = throughput(s, ds, stats, &out->r[i]);
out:
	for (size_t i = 0; i < b.nref; i++) {
		free(b.ref[i].key);
		free(b.ref[i].text);
	}
	free(b.ref);
	if (ret)
		an_headline_free(out);
	return ret;
}

void an_headline_free(struct an_headline *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->r[i].first_refusal);
		free(h->r[i].run_idx);
	}
	free(h->r);
	memset(h, 0, sizeof(*h));
}
