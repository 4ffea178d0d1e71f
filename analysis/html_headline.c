/*
 * The dashboard's headline table: one row per (kernel, mode) of the runs on
 * the page, answering "what does this mode cost and what did the kernel
 * refuse" before any detail. Counts are per operation over every ok row of
 * a size (all jobs together: a bounce costs the same whoever asked), the
 * refusals are summed with the first kernel line that explains them, the
 * slots left are the pool's size minus the highest use any row saw, and
 * the throughput change is an_compare() against the baseline mode of the
 * same kernel, grouped by job, so it pairs rows the way `bouncelab compare
 * --modes` does and judges them the same way (analysis/judge.h).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis.h"
#include "calibrate.h"
#include "dmamode.h"
#include "html_int.h"
#include "resultdoc.h"

/* The sizes the table shows: a page, a 64 KiB chunk, past SWIOTLB's 256 KiB segment limit. */
static const int64_t head_sizes[] = { 4096, 65536, 1048576 };
#define NSIZES (sizeof(head_sizes) / sizeof(head_sizes[0]))

struct per_size {
	double bounced, bytes, ops; /* over the ok rows of this size that count bounces */
	bool any;
};

struct head_row {
	const char *release, *mode; /* point into the dataset's runs */
	const char *clock;	    /* the first run's, NULL outside the testbed */
	bool mixed_clock;
	struct per_size sz[NSIZES];
	int64_t refused;	    /* failed operations */
	char *first_line;	    /* the first kernel log line of a refusal (or its error) */
	int64_t nslabs, peak;	    /* pool size and the highest use seen; -1 unknown */
	size_t runs;
	size_t *run_idx;	    /* its runs' indices in the dataset (runs of them) */
};

static size_t mode_rank(const char *mode)
{
	for (size_t i = 0; i < BL_MODE_COUNT; i++)
		if (!strcmp(bl_modes[i].name, mode))
			return i;
	return BL_MODE_COUNT;
}

static int cmp_head(const void *a, const void *b)
{
	const struct head_row *x = a, *y = b;
	int c = strcmp(x->release, y->release);

	if (c)
		return c;
	c = (int)mode_rank(x->mode) - (int)mode_rank(y->mode);
	return c ? c : strcmp(x->mode, y->mode);
}

static struct head_row *find_row(struct head_row *rows, size_t n, const char *release,
				 const char *mode)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].release, release) && !strcmp(rows[i].mode, mode))
			return &rows[i];
	return NULL;
}

/* The first line of a row's kernel log (a JSON array of strings), else its error text. */
static char *first_kernel_line(const struct bl_result_view *v)
{
	if (v->kernel_log_json) {
		json_t *a = json_loads(v->kernel_log_json, 0, NULL);
		const char *line = json_is_array(a) ? json_string_value(json_array_get(a, 0)) : NULL;
		char *out = line ? strdup(line) : NULL;

		json_decref(a);
		if (out)
			return out;
	}
	return v->failed_error ? strdup(v->failed_error) : NULL;
}

static void add_result(struct head_row *h, const struct bl_result_view *v)
{
	const struct bl_opt_i64 *c = v->counters;

	if (v->failed_ops > 0) {
		h->refused += v->failed_ops;
		if (!h->first_line)
			h->first_line = first_kernel_line(v);
	}
	if (c[BL_C_IO_TLB_NSLABS].set && c[BL_C_IO_TLB_NSLABS].v > h->nslabs)
		h->nslabs = c[BL_C_IO_TLB_NSLABS].v;
	if (c[BL_C_IO_TLB_USED_PEAK].set && c[BL_C_IO_TLB_USED_PEAK].v > h->peak)
		h->peak = c[BL_C_IO_TLB_USED_PEAK].v;
	/* a row whose every operation failed bounced for nothing: it is a refusal, not a cost */
	if (v->ops <= 0 || v->failed_ops >= v->ops || !c[BL_C_SWIOTLB_BOUNCED].set)
		return;
	for (size_t i = 0; i < NSIZES; i++) {
		if (v->size != head_sizes[i])
			continue;
		h->sz[i].bounced += (double)c[BL_C_SWIOTLB_BOUNCED].v;
		if (c[BL_C_SWIOTLB_BOUNCED_BYTES].set)
			h->sz[i].bytes += (double)c[BL_C_SWIOTLB_BOUNCED_BYTES].v;
		h->sz[i].ops += (double)v->ops;
		h->sz[i].any = true;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The throughput cell: @mode against the baseline mode on @release, the
 * median relative change over the rows both sides have and the verdict
 * counts; the verdict word is the worst one (a single worse row is a
 * regression to look at).
 */
static int throughput_cell(FILE *f, struct bl_store *s, const struct an_dataset *ds,
			   const struct head_row *h, const struct bl_stats_opts *opts)
{
	static const char *const metrics[] = { "ops_per_sec", NULL };
	struct an_scope bs = { .release = h->release, .mode = BL_MODE_BASELINE };
	struct an_scope ns = { .release = h->release, .mode = h->mode };
	struct an_comparison cmp = { 0 };
	size_t n = 0, count[4] = { 0 };
	double *ch = NULL;
	const char *verdict;
	int ret;

	if (!strcmp(h->mode, BL_MODE_BASELINE)) {
		fputs("<td class=\"n\">baseline</td><td></td>", f);
		return 0;
	}
	ret = an_compare(s, &(struct an_side){ .ds = ds, .scope = bs, .label = BL_MODE_BASELINE },
			 &(struct an_side){ .ds = ds, .scope = ns, .label = h->mode }, AN_GROUP_JOB,
			 metrics, opts, &cmp);
	if (ret == -EINVAL) { /* logged: the sides ran on different guest clocks */
		fputs("<td class=\"n\">not comparable</td><td class=\"unknown\">clocks differ</td>", f);
		return 0;
	}
	if (ret < 0)
		return ret;
	if (!cmp.base_runs) {
		fprintf(f, "<td class=\"n\">no %s runs</td><td></td>", BL_MODE_BASELINE);
		goto out;
	}
	ch = calloc(cmp.r.n ? cmp.r.n : 1, sizeof(*ch));
	if (!ch) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cmp.r.n; i++) {
		const struct bl_cmp_row *row = &cmp.r.rows[i];

		if (!row->base || !row->new_s)
			continue;
		count[row->ch.verdict]++;
		if (row->ch.relative && !isnan(row->ch.change))
			ch[n++] = row->ch.change;
	}
	if (!n) {
		fputs("<td class=\"n\">no rows on both sides</td><td></td>", f);
		goto out;
	}
	qsort(ch, n, sizeof(*ch), cmp_double);
	fprintf(f, "<td class=\"n\">%+.1f%% median of %zu rows</td>",
		100 * (n % 2 ? ch[n / 2] : (ch[n / 2 - 1] + ch[n / 2]) / 2), n);
	verdict = count[BL_VERDICT_WORSE] ? "worse" :
		  count[BL_VERDICT_BETTER] ? "better" :
		  count[BL_VERDICT_TOO_FEW] ? "unknown" : "same";
	fprintf(f, "<td class=\"%s\">%s: %zu worse, %zu better, %zu same, %zu unknown</td>",
		verdict, verdict, count[BL_VERDICT_WORSE], count[BL_VERDICT_BETTER],
		count[BL_VERDICT_SAME], count[BL_VERDICT_TOO_FEW]);
out:
	free(ch);
	an_comparison_free(&cmp);
	return ret < 0 ? ret : 0;
}

static void size_cells(FILE *f, const struct per_size *p)
{
	if (!p->any || p->ops <= 0) {
		fputs("<td class=\"n\">&ndash;</td><td class=\"n\">&ndash;</td>", f);
		return;
	}
	fprintf(f, "<td class=\"n\">%.3g</td><td class=\"n\">%.3g</td>", p->bounced / p->ops,
		p->bytes / p->ops / (1024.0 * 1024.0));
}

/* Every run a row summed, one link each: every number is one click from its documents. */
static void run_links(FILE *f, const struct an_dataset *ds, const struct head_row *h,
		      const struct an_html_opts *o)
{
	fputs("<td class=\"runs\">", f);
	for (size_t k = 0; k < h->runs; k++) {
		const struct an_run *r = &ds->runs.r[h->run_idx[k]];

		fputs("<a href=\"", f);
		html_href_run(f, o, 0, r->run_id);
		fputs("\" title=\"", f);
		html_text(f, r->job, false);
		fprintf(f, "\">%zu</a> ", k + 1);
	}
	fputs("</td>", f);
}

static int write_rows(FILE *f, struct bl_store *s, const struct an_dataset *ds,
		      struct head_row *rows, size_t n, const struct bl_stats_opts *opts,
		      const struct an_html_opts *o)
{
	char rel[128], sz[24];
	int ret = 0;

	fputs("<table id=\"headline\">\n<tr><th rowspan=\"2\">kernel</th><th rowspan=\"2\">mode</th>"
	      "<th rowspan=\"2\">clock</th>", f);
	for (size_t i = 0; i < NSIZES; i++) {
		bl_size_str(head_sizes[i], sz, sizeof(sz));
		fprintf(f, "<th colspan=\"2\">%s</th>", sz);
	}
	fprintf(f, "<th rowspan=\"2\">refused ops</th><th rowspan=\"2\">first kernel line</th>"
		   "<th rowspan=\"2\">slots left</th><th colspan=\"2\">throughput vs %s</th>"
		   "<th rowspan=\"2\">runs</th></tr>\n<tr>", BL_MODE_BASELINE);
	for (size_t i = 0; i < NSIZES; i++)
		fputs("<th>bounces /op</th><th>MiB /op</th>", f);
	fputs("<th>change</th><th>verdict</th></tr>\n", f);
	for (size_t i = 0; i < n && !ret; i++) {
		const struct head_row *h = &rows[i];

		an_short_release(h->release, rel, sizeof(rel));
		fputs("<tr class=\"headline-row\"><td title=\"", f);
		html_text(f, h->release, false);
		fputs("\">", f);
		html_text(f, rel, false);
		fputs("</td><td>", f);
		html_text(f, h->mode, false);
		fputs("</td><td>", f);
		html_text(f, h->mixed_clock ? "mixed" : h->clock ? h->clock : "host", false);
		fputs("</td>", f);
		for (size_t k = 0; k < NSIZES; k++)
			size_cells(f, &h->sz[k]);
		fprintf(f, "<td class=\"n%s\">%lld</td><td class=\"klog\">",
			h->refused ? " refused" : "", (long long)h->refused);
		html_text(f, h->first_line, false);
		fputs("</td>", f);
		if (h->nslabs > 0 && h->peak >= 0)
			fprintf(f, "<td class=\"n\">%lld of %lld</td>",
				(long long)(h->nslabs - h->peak), (long long)h->nslabs);
		else
			fputs("<td class=\"n\">&ndash;</td>", f);
		ret = throughput_cell(f, s, ds, h, opts);
		run_links(f, ds, h, o);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	return ret;
}

int html_headline(FILE *f, struct bl_store *s, const struct an_dataset *ds,
		  const struct an_html_opts *o)
{
	struct head_row *rows = calloc(ds->runs.n ? ds->runs.n : 1, sizeof(*rows));
	struct an_floor_index floors = { 0 };
	struct bl_stats_opts opts;
	size_t n = 0;
	int ret = 0;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < ds->runs.n; i++) {
		const struct an_run *r = &ds->runs.r[i];
		const char *rel = r->kernel_release ? r->kernel_release : "?";
		const char *mode = r->mode ? r->mode : "?";
		struct head_row *h = find_row(rows, n, rel, mode);

		if (!h) {
			h = &rows[n++];
			*h = (struct head_row){ .release = rel, .mode = mode, .clock = r->clock,
						.nslabs = -1, .peak = -1,
						.run_idx = calloc(ds->runs.n, sizeof(size_t)) };
			if (!h->run_idx) {
				ret = -ENOMEM;
				goto out;
			}
		} else if ((h->clock == NULL) != (r->clock == NULL) ||
			   (h->clock && strcmp(h->clock, r->clock))) {
			h->mixed_clock = true;
		}
		h->run_idx[h->runs++] = i;
	}
	for (size_t i = 0; i < ds->n; i++) {
		const struct an_run *r = &ds->runs.r[ds->rows[i].run];
		struct head_row *h = find_row(rows, n, r->kernel_release ? r->kernel_release : "?",
					      r->mode ? r->mode : "?");

		add_result(h, &ds->rows[i].v);
	}
	qsort(rows, n, sizeof(*rows), cmp_head);
	bl_stats_opts_default(&opts);
	/* the floors `bouncelab calibrate` measured: without one a single boot a side is unknown */
	if (an_floor_index_load(s, &floors) == 0) {
		opts.floor_of = an_floor_of;
		opts.floor_user = &floors;
	}
	fprintf(f, "<p class=\"note\">Bounces and MiB bounced per operation are exact counts over "
		   "every job's rows of that size where the operations succeeded; refused "
		   "operations are those the kernel failed, with the first kernel log line that "
		   "says why; slots left = SWIOTLB pool minus the highest use any row saw. "
		   "Throughput against %s pairs the same job's rows on the same kernel; with one "
		   "boot a side a change is judged against the noise floor <code>bouncelab calibrate</code> "
		   "measured, else it is unknown. Runs: each run the row sums, linked to its page.</p>\n",
		BL_MODE_BASELINE);
	ret = write_rows(f, s, ds, rows, n, &opts, o);
out:
	for (size_t i = 0; i < n; i++) {
		free(rows[i].first_line);
		free(rows[i].run_idx);
	}
	free(rows);
	an_floor_index_free(&floors);
	return ret;
}
