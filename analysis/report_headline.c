/*
 * The report's headline: one table row per (kernel, DMA mode) that a
 * reader takes in at a glance, before anything else. Counts come straight
 * from the rows of the runs reported on (the largest bounces per op and
 * bounced MiB per op any job has at a few sizes, refused operations with
 * the first kernel line, SWIOTLB slots still held after teardown); the throughput column
 * is what the mode comparisons (report_compare.c) judged against the
 * baseline mode, handed over through rp_headline_add_cmp(). Rows whose
 * every operation failed give no bounces: they are counted as refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_int.h"

/* The sizes whose bounces the headline shows: a page, a typical texture tile, 1 MiB. */
static const int64_t headline_sizes[RP_HEADLINE_SIZES] = { 4096, 65536, 1048576 };

static struct rp_headline_row *row_for(struct rp_headline *h, const char *rel, const char *mode)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->r[i].rel, rel) && !strcmp(h->r[i].mode, mode))
			return &h->r[i];
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		struct rp_headline_row *r = realloc(h->r, cap * sizeof(*r));

		if (!r)
			return NULL;
		h->r = r;
		h->cap = cap;
	}
	memset(&h->r[h->n], 0, sizeof(h->r[h->n]));
	snprintf(h->r[h->n].rel, sizeof(h->r[h->n].rel), "%s", rel);
	snprintf(h->r[h->n].mode, sizeof(h->r[h->n].mode), "%s", mode);
	for (size_t k = 0; k < RP_HEADLINE_SIZES; k++)
		h->r[h->n].bounces[k] = h->r[h->n].mib[k] = NAN;
	h->r[h->n].slots_after = -1;
	return &h->r[h->n++];
}

/* The refusal's key: what identifies the row across modes of one kernel. */
static void refusal_key(const struct an_run *run, const struct bl_result_view *res, char *buf,
			size_t len)
{
	snprintf(buf, len, "%s|%s|%s|%" PRId64, rp_nz(run->job, "?"), res->workload,
		 rp_nz(res->variant, ""), res->size);
}

static bool has_refusal(const struct rp_headline_row *hr, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < hr->n_refused; i++)
		if (!strncmp(hr->refused[i], key, n) && hr->refused[i][n] == '\t')
			return true;
	return false;
}

static int note_refusal(struct rp_headline_row *hr, const struct an_run *run,
			const struct bl_result_view *res)
{
	char key[400], sz[24], *entry;
	json_t *log;
	const char *line;
	int n;

	refusal_key(run, res, key, sizeof(key));
	if (has_refusal(hr, key))
		return 0;
	if (hr->n_refused == hr->cap_refused) {
		size_t cap = hr->cap_refused ? 2 * hr->cap_refused : 16;
		char **v = realloc(hr->refused, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		hr->refused = v;
		hr->cap_refused = cap;
	}
	log = res->kernel_log_json ? json_loads(res->kernel_log_json, 0, NULL) : NULL;
	line = json_string_value(json_array_get(log, 0));
	bl_size_str(res->size, sz, sizeof(sz));
	n = asprintf(&entry, "%s\t[%s] %s%s%s %s: %s%s%s", key, rp_nz(run->job, "?"), res->workload,
		     *rp_nz(res->variant, "") ? "/" : "", rp_nz(res->variant, ""), sz,
		     res->failed_errno.set ? strerror((int)res->failed_errno.v) : "refused",
		     line ? ": " : "", line ? line : "");
	json_decref(log);
	if (n < 0)
		return -ENOMEM;
	hr->refused[hr->n_refused++] = entry;
	return 0;
}

static void note_counts(struct rp_headline_row *hr, const struct bl_result_view *res)
{
	const struct bl_opt_i64 *c = res->counters;

	if (c[BL_C_IO_TLB_USED_BEFORE].set && c[BL_C_IO_TLB_USED_AFTER].set) {
		int64_t left = c[BL_C_IO_TLB_USED_AFTER].v - c[BL_C_IO_TLB_USED_BEFORE].v;

		if (left > hr->slots_after)
			hr->slots_after = left;
	}
	if (res->ops <= 0 || res->failed_ops >= res->ops)
		return;
	for (size_t k = 0; k < RP_HEADLINE_SIZES; k++) {
		if (res->size != headline_sizes[k])
			continue;
		if (c[BL_C_SWIOTLB_BOUNCED].set)
			hr->bounces[k] = fmax(isnan(hr->bounces[k]) ? 0 : hr->bounces[k],
					      (double)c[BL_C_SWIOTLB_BOUNCED].v / (double)res->ops);
		if (c[BL_C_SWIOTLB_BOUNCED_BYTES].set)
			hr->mib[k] = fmax(isnan(hr->mib[k]) ? 0 : hr->mib[k],
					  (double)c[BL_C_SWIOTLB_BOUNCED_BYTES].v / (double)res->ops /
						  (1 << 20));
	}
}

int rp_headline_collect(struct report_ctx *c)
{
	for (size_t i = 0; i < c->ds->n; i++) {
		const struct an_row *row = &c->ds->rows[i];
		const struct an_run *run = &c->ds->runs.r[row->run];
		struct rp_headline_row *hr;
		char rel[128];

		an_short_release(run->kernel_release, rel, sizeof(rel));
		if (!(hr = row_for(&c->headline, rel, rp_nz(run->mode, "?"))))
			return -ENOMEM;
		if (run->clock && !*hr->clock)
			snprintf(hr->clock, sizeof(hr->clock), "%s", run->clock);
		if (row->v.failed_ops > 0 && note_refusal(hr, run, &row->v) < 0)
			return -ENOMEM;
		note_counts(hr, &row->v);
	}
	return 0;
}

int rp_headline_add_cmp(struct report_ctx *c, const char *rel, const char *mode,
			const struct bl_cmp_result *r)
{
	struct rp_headline_row *hr = row_for(&c->headline, rel, mode);

	if (!hr)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];

		if (strcmp(row->metric->name, "ops_per_sec") || !row->base || !row->new_s ||
		    !row->ch.relative || isnan(row->ch.change))
			continue;
		if (hr->n_changes == hr->cap_changes) {
			size_t cap = hr->cap_changes ? 2 * hr->cap_changes : 64;
			double *v = realloc(hr->changes, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			hr->changes = v;
			hr->cap_changes = cap;
		}
		hr->changes[hr->n_changes++] = row->ch.change;
		hr->judged += row->ch.verdict != BL_VERDICT_TOO_FEW;
		hr->worse += row->ch.verdict == BL_VERDICT_WORSE;
		hr->better += row->ch.verdict == BL_VERDICT_BETTER;
	}
	hr->compared = true;
	return 0;
}

static void num_cell(FILE *f, double v)
{
	if (isnan(v))
		fputs(" - |", f);
	else if (v == 0)
		fputs(" 0 |", f);
	else
		fprintf(f, " %.3g |", v);
}

/* By kernel; the baseline mode first, then the mode table's order. */
static int cmp_rows(const void *a, const void *b)
{
	const struct rp_headline_row *x = a, *y = b;
	int r = strcmp(x->rel, y->rel);

	if (r)
		return r;
	r = !strcmp(y->mode, BL_MODE_BASELINE) - !strcmp(x->mode, BL_MODE_BASELINE);
	return r ? r : bl_mode_rank(x->mode) - bl_mode_rank(y->mode);
}

/* The baseline mode's row of @r's kernel, or NULL. */
static const struct rp_headline_row *baseline_of(const struct rp_headline *h,
						 const struct rp_headline_row *r)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->r[i].rel, r->rel) && !strcmp(h->r[i].mode, BL_MODE_BASELINE))
			return &h->r[i];
	return NULL;
}

/* The key part of a refusal entry, as has_refusal() takes it. */
static bool in_baseline(const struct rp_headline_row *base, const char *entry)
{
	char key[400];
	const char *tab = strchr(entry, '\t');

	if (!base || !tab || (size_t)(tab - entry) >= sizeof(key))
		return false;
	memcpy(key, entry, (size_t)(tab - entry));
	key[tab - entry] = 0;
	return has_refusal(base, key);
}

/*
 * The refused cells: the rows this mode refuses and the baseline mode of the
 * same kernel does not (what the mode did), and how many more fail in both
 * (the kernel or the devices cannot do them at all, whatever the mode).
 */
static void refused_cells(FILE *f, const struct rp_headline_row *r,
			  const struct rp_headline_row *base)
{
	size_t own = 0, shared = 0;
	const char *first = NULL;
	bool is_base = base == r;

	for (size_t i = 0; i < r->n_refused; i++) {
		if (!is_base && in_baseline(base, r->refused[i])) {
			shared++;
			continue;
		}
		own++;
		if (!first)
			first = strchr(r->refused[i], '\t') + 1;
	}
	if (is_base)
		fprintf(f, " %zu |", own);
	else
		fprintf(f, own ? " **%zu** |" : " %zu |", own);
	if (shared)
		fprintf(f, " %zu |", shared);
	else
		fputs(" 0 |", f);
	fputc(' ', f);
	rp_md_cell(f, first ? first : "-");
	fputs(" |", f);
}

void rp_headline_write(struct report_ctx *c, FILE *f)
{
	struct rp_headline *h = &c->headline;

	if (!h->n)
		return;
	qsort(h->r, h->n, sizeof(*h->r), cmp_rows);
	fprintf(f, "## Headline\n\n"
		   "One row per kernel and DMA mode. Bounces and bounced MiB per operation: the "
		   "largest any job has at that buffer size (exact counts; rows whose every "
		   "operation failed count as refused, not as 0). Refused: the result rows (job, "
		   "workload, size) with failed operations that the %s mode of the same kernel "
		   "runs, then those that fail in %s too (whatever the mode: a device that "
		   "cannot import, a kernel without the interface), and the first refusal of "
		   "the mode's own with the kernel's line. Slots held after teardown: the most "
		   "SWIOTLB slots a row still held after its teardown. Throughput against %s: the median change over every job and "
		   "size of the same kernel, and how many sizes were judged significantly worse "
		   "/ better of those that could be judged (see \"What each DMA mode costs\").\n\n"
		   "| kernel | mode | clock | bounces/op 4K / 64K / 1M | bounced MiB/op 4K / 64K / 1M "
		   "| refused rows | also refused in %s | first refusal | slots held after teardown "
		   "| ops/s vs %s | worse / better of judged |\n"
		   "| --- | --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: |\n",
		BL_MODE_BASELINE, BL_MODE_BASELINE, BL_MODE_BASELINE, BL_MODE_BASELINE,
		BL_MODE_BASELINE);
	for (size_t i = 0; i < h->n; i++) {
		struct rp_headline_row *r = &h->r[i];

		fprintf(f, "| %s | %s | %s |", r->rel, r->mode, *r->clock ? r->clock : "host");
		for (int pass = 0; pass < 2; pass++) {
			const double *v = pass ? r->mib : r->bounces;

			for (size_t k = 0; k < RP_HEADLINE_SIZES; k++) {
				if (isnan(v[k]))
					fputs(k ? " / -" : " -", f);
				else
					fprintf(f, "%s%.3g", k ? " / " : " ", v[k]);
			}
			fputs(" |", f);
		}
		refused_cells(f, r, baseline_of(h, r));
		if (r->slots_after < 0)
			fputs(" - |", f);
		else
			num_cell(f, (double)r->slots_after);
		if (!strcmp(r->mode, BL_MODE_BASELINE)) {
			fputs(" (baseline) | |\n", f);
		} else if (!r->n_changes) {
			fputs(" - | - |\n", f);
		} else {
			qsort(r->changes, r->n_changes, sizeof(*r->changes), bl_cmp_double);
			fprintf(f, " %+.1f%% | %zu / %zu of %zu |\n",
				bl_quantile_sorted(r->changes, r->n_changes, 0.5) * 100, r->worse,
				r->better, r->judged);
		}
	}
	fputc('\n', f);
}

void rp_headline_free(struct rp_headline *h)
{
	for (size_t i = 0; i < h->n; i++) {
		for (size_t k = 0; k < h->r[i].n_refused; k++)
			free(h->r[i].refused[k]);
		free(h->r[i].refused);
		free(h->r[i].changes);
	}
	free(h->r);
	memset(h, 0, sizeof(*h));
}
