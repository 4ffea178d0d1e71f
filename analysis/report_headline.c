/*
 * The report's headline (headline.h rendered as Markdown): one table row
 * per (kernel, DMA mode), before anything else in the report. The
 * dashboard renders the same model (html_headline.c).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "headline.h"
#include "report_int.h"

/* "a / b / c" of one row's per-size values; @scale divides each. */
static void sizes_cell(FILE *f, const double *v, double scale)
{
	for (size_t k = 0; k < AN_HEADLINE_SIZES; k++) {
		if (isnan(v[k]))
			fputs(k ? " / -" : " -", f);
		else
			fprintf(f, "%s%.3g", k ? " / " : " ", v[k] / scale);
	}
	fputs(" |", f);
}

static void throughput_cells(FILE *f, const struct an_headline_row *r)
{
	if (r->not_compared && !strcmp(r->not_compared, "baseline"))
		fputs(" (baseline) | |\n", f);
	else if (r->not_compared)
		fprintf(f, " - | %s |\n", r->not_compared);
	else
		fprintf(f, " %+.1f%% | %zu / %zu of %zu |\n", r->median_change * 100, r->worse,
			r->better, r->worse + r->better + r->same);
}

int rp_headline(struct report_ctx *c, FILE *f)
{
	struct an_headline h;
	char rel[128];
	int ret = an_headline_build(c->s, c->ds, &c->stats, &h);

	if (ret < 0)
		return ret;
	if (!h.n)
		goto out;
	fprintf(f, "## Headline\n\n"
		   "One row per kernel and DMA mode. Bounces and bounced MiB per operation: the "
		   "largest any job has at that buffer size (exact counts, over rows where an "
		   "operation succeeded; a row whose every operation failed counts as refused, "
		   "not as 0). Refused: the result rows (job, workload, size) with failed "
		   "operations that the %s mode of the same kernel runs, then those that fail in "
		   "%s too (whatever the mode: a device that cannot import, a kernel without the "
		   "interface), and the first refusal of the mode's own with the kernel's line. "
		   "Slots held after teardown: the most SWIOTLB slots a row still held after its "
		   "teardown. Throughput against %s: the median change over the rows of every "
		   "job and size both modes ran on the same kernel, and how many were judged "
		   "significantly worse / better of those that could be judged (with one boot a "
		   "side only against a measured noise floor; see \"What each DMA mode "
		   "costs\").\n\n"
		   "| kernel | mode | clock | bounces/op 4K / 64K / 1M | bounced MiB/op 4K / 64K / 1M "
		   "| refused rows | also refused in %s | first refusal | slots held after teardown "
		   "| ops/s vs %s | worse / better of judged |\n"
		   "| --- | --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: |\n",
		BL_MODE_BASELINE, BL_MODE_BASELINE, BL_MODE_BASELINE, BL_MODE_BASELINE,
		BL_MODE_BASELINE);
	for (size_t i = 0; i < h.n; i++) {
		const struct an_headline_row *r = &h.r[i];
		bool base = !strcmp(r->mode, BL_MODE_BASELINE);

		an_short_release(r->release, rel, sizeof(rel));
		fprintf(f, "| %s | %s | %s |", rel, r->mode,
			r->mixed_clock ? "mixed" : r->clock ? r->clock : "host");
		sizes_cell(f, r->bounces, 1);
		sizes_cell(f, r->bytes, 1 << 20);
		fprintf(f, r->refused_own && !base ? " **%zu** | %zu | " : " %zu | %zu | ",
			r->refused_own, r->refused_shared);
		rp_md_cell(f, r->first_refusal ? r->first_refusal : "-");
		if (r->held_after < 0)
			fputs(" | - |", f);
		else
			fprintf(f, " | %" PRId64 " |", r->held_after);
		throughput_cells(f, r);
	}
	fputc('\n', f);
out:
	an_headline_free(&h);
	return 0;
}
