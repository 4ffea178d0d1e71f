/*
 * The dashboard's headline table: headline.h's model (one row per kernel
 * and mode, the same numbers as the report's headline) rendered as HTML,
 * each row linked to the runs it sums.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "calibrate.h"
#include "dmamode.h"
#include "headline.h"
#include "html_int.h"

static void throughput_cells(FILE *f, const struct an_headline_row *h)
{
	const char *verdict;

	if (h->not_compared) {
		fputs("<td class=\"n\">", f);
		html_text(f, h->not_compared, false);
		fputs("</td><td></td>", f);
		return;
	}
	/* the worst word leads: a single worse row is a regression to look at */
	verdict = h->worse ? "worse" : h->better ? "better" : h->unknown ? "unknown" : "same";
	fprintf(f, "<td class=\"n\">%+.1f%% median of %zu rows</td>", 100 * h->median_change,
		h->rows_compared);
	fprintf(f, "<td class=\"%s\">%s: %zu worse, %zu better, %zu same, %zu unknown</td>",
		verdict, verdict, h->worse, h->better, h->same, h->unknown);
}

static void size_cells(FILE *f, double bounces, double bytes)
{
	if (isnan(bounces))
		fputs("<td class=\"n\">&ndash;</td>", f);
	else
		fprintf(f, "<td class=\"n\">%.3g</td>", bounces);
	if (isnan(bytes))
		fputs("<td class=\"n\">&ndash;</td>", f);
	else
		fprintf(f, "<td class=\"n\">%.3g</td>", bytes / (1024.0 * 1024.0));
}

/* Every run a row summed, one link each: every number is one click from its documents. */
static void run_links(FILE *f, const struct an_dataset *ds, const struct an_headline_row *h,
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

static void write_rows(FILE *f, const struct an_dataset *ds, const struct an_headline *hl,
		       const struct an_html_opts *o)
{
	char rel[128], sz[24];

	fputs("<table id=\"headline\">\n<tr><th rowspan=\"2\">kernel</th><th rowspan=\"2\">mode</th>"
	      "<th rowspan=\"2\">clock</th>", f);
	for (size_t i = 0; i < AN_HEADLINE_SIZES; i++) {
		bl_size_str(an_headline_sizes[i], sz, sizeof(sz));
		fprintf(f, "<th colspan=\"2\">%s</th>", sz);
	}
	fprintf(f, "<th rowspan=\"2\">refused rows</th><th rowspan=\"2\">also refused in %s</th>"
		   "<th rowspan=\"2\">first refusal</th><th rowspan=\"2\">slots free at peak</th>"
		   "<th colspan=\"2\">throughput vs %s</th><th rowspan=\"2\">runs</th></tr>\n<tr>",
		BL_MODE_BASELINE, BL_MODE_BASELINE);
	for (size_t i = 0; i < AN_HEADLINE_SIZES; i++)
		fputs("<th>bounces /op</th><th>MiB /op</th>", f);
	fputs("<th>change</th><th>verdict</th></tr>\n", f);
	for (size_t i = 0; i < hl->n; i++) {
		const struct an_headline_row *h = &hl->r[i];

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
		for (size_t k = 0; k < AN_HEADLINE_SIZES; k++)
			size_cells(f, h->bounces[k], h->bytes[k]);
		fprintf(f, "<td class=\"n%s\">%zu</td><td class=\"n\">%zu</td><td class=\"klog\">",
			h->refused_own ? " refused" : "", h->refused_own, h->refused_shared);
		html_text(f, h->first_refusal, false);
		fputs("</td>", f);
		if (h->nslabs > 0 && h->peak >= 0)
			fprintf(f, "<td class=\"n\">%lld of %lld</td>",
				(long long)(h->nslabs - h->peak), (long long)h->nslabs);
		else
			fputs("<td class=\"n\">&ndash;</td>", f);
		throughput_cells(f, h);
		run_links(f, ds, h, o);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

int html_headline(FILE *f, struct bl_store *s, const struct an_dataset *ds,
		  const struct an_html_opts *o)
{
	struct an_floor_index floors = { 0 };
	struct bl_stats_opts opts;
	struct an_headline hl;
	int ret;

	bl_stats_opts_default(&opts);
	/* the floors `bouncelab calibrate` measured: without one a single boot a side is unknown */
	if (an_floor_index_load(s, &floors) == 0) {
		opts.floor_of = an_floor_of;
		opts.floor_user = &floors;
	}
	ret = an_headline_build(s, ds, &opts, &hl);
	if (ret < 0)
		goto out;
	fprintf(f, "<p class=\"note\">Bounces and MiB bounced per operation: the largest any job "
		   "has at that size (exact counts, over rows where an operation succeeded). "
		   "Refused rows: those with failed operations that %s runs on the same kernel, "
		   "then those refused in %s too (whatever the mode), with the first refusal and "
		   "the kernel's line; slots free at peak = SWIOTLB pool minus the highest use any "
		   "row saw. Throughput against %s pairs the same job's rows on the same kernel; "
		   "with one boot a side a change is judged against the noise floor "
		   "<code>bouncelab calibrate</code> measured, else it is unknown. The same table "
		   "opens the Markdown report. Runs: each run the row sums, linked to its "
		   "page.</p>\n",
		BL_MODE_BASELINE, BL_MODE_BASELINE, BL_MODE_BASELINE);
	write_rows(f, ds, &hl, o);
	an_headline_free(&hl);
out:
	an_floor_index_free(&floors);
	return ret;
}
