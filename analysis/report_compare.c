/*
 * The report's comparisons (see report.c): each DMA mode against the
 * baseline mode on the same kernel, and each later kernel against an
 * earlier one in the same mode, per job. One summary row per job in the
 * report (exact counts first, then the throughput change), the full table
 * of every size and metric in the details file. Every comparison is
 * an_compare() on the report's loaded runs (same kernel, mode, job and
 * devices picked in memory), so nothing is read from the store twice.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

/*
 * What a comparison holds fixed besides the mode: the kernel and the job
 * (its devices shown for the reader). Comparing per job keeps a section
 * to the rows of one job.
 */
struct platform {
	const char *release, *job, *device, *importer; /* point into the runs */
	unsigned modes; /* the modes it has runs with rows in: bit mode_bit() */
};

/*
 * The modes the report compares: the default matrix's keys
 * (bl_mode_matrix: the table's rows, xen-pv:balloon=1536M after xen-pv; a
 * ballooned dom0 is its own mode, never pooled with the plain one). Other
 * balloon sizes are not compared here (compare --where
 * mode=xen-pv:balloon=SIZE does).
 */
#define REPORT_MODES_MAX BL_MODE_MATRIX_MAX
_Static_assert(REPORT_MODES_MAX <= 32, "struct platform.modes has a bit per mode");

/* @mode's bit in struct platform.modes; 0 for a mode the report does not compare. */
static unsigned mode_bit(const char *mode)
{
	const char *all[REPORT_MODES_MAX];
	size_t n = bl_mode_matrix(all);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i], mode))
			return 1u << i;
	return 0;
}

#define MAX_PLATFORMS 512

static bool same_platform(const struct platform *p, const struct an_run *r)
{
	return r->kernel_release && !strcmp(p->release, r->kernel_release) &&
	       !strcmp(rp_nz(p->job, ""), rp_nz(r->job, "")) &&
	       !strcmp(rp_nz(p->device, ""), rp_nz(r->device, "")) &&
	       !strcmp(rp_nz(p->importer, ""), rp_nz(r->importer, ""));
}

/* Distinct (kernel, job, device, importer) of the runs, in run order, with their modes. */
static size_t platforms(const struct an_runs *runs, struct platform *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < runs->n; i++) {
		const struct an_run *r = &runs->r[i];
		size_t j = 0;

		if (!r->kernel_release)
			continue;
		while (j < n && !same_platform(&out[j], r))
			j++;
		if (j == n) {
			if (n == max)
				continue;
			out[n++] = (struct platform){ r->kernel_release, r->job, r->device,
						      r->importer, 0 };
		}
		if (r->n_results > 0)
			out[j].modes |= mode_bit(r->mode);
	}
	return n;
}

static bool has_mode(const struct platform *p, const char *mode)
{
	return p->modes & mode_bit(mode);
}

/* "a → b" of @metric's means at the smallest and the largest size on one side. */
static void range_cell(FILE *f, const struct bl_cmp_result *r, const char *metric, bool new_side)
{
	const struct bl_sample *lo = NULL, *hi = NULL;

	for (size_t i = 0; i < r->n; i++) {
		const struct bl_sample *s = new_side ? r->rows[i].new_s : r->rows[i].base;

		if (strcmp(r->rows[i].metric->name, metric) || !s || !s->n)
			continue;
		if (!lo || s->size < lo->size)
			lo = s;
		if (!hi || s->size > hi->size)
			hi = s;
	}
	if (!lo) {
		fputs(" - |", f);
		return;
	}
	if (lo == hi)
		fprintf(f, " %.4g |", bl_mean(lo->v, lo->n));
	else
		fprintf(f, " %.4g → %.4g |", bl_mean(lo->v, lo->n), bl_mean(hi->v, hi->n));
}

/* "16M -99.5% [-99.6%, -99.4%]" of a relative change. */
static void change_text(FILE *f, const struct bl_cmp_row *row)
{
	char sz[24];

	bl_size_str(row->size, sz, sizeof(sz));
	fprintf(f, "%s%s%s %+.1f%%", *row->variant ? row->variant : "", *row->variant ? " " : "",
		sz, row->ch.change * 100);
	if (!isnan(row->ch.ci_lo))
		fprintf(f, " [%+.1f%%, %+.1f%%]", row->ch.ci_lo * 100, row->ch.ci_hi * 100);
}

/*
 * One summary row of a comparison (one job): the exact counts first
 * (bounces per op on each side, smallest → largest size), then the
 * throughput: its median change over the sizes, how many changes are
 * significant, and the two largest significant ones.
 */
static int summary_row(FILE *f, const struct bl_cmp_result *r, const char *label)
{
	const struct bl_cmp_row *top[2] = { NULL, NULL };
	size_t n = 0, worse = 0, better = 0, judged = 0;
	double *ch = calloc(r->n ? r->n : 1, sizeof(*ch));

	if (!ch)
		return -ENOMEM;
	fprintf(f, "| %s |", label);
	range_cell(f, r, "bounces_per_op", false);
	range_cell(f, r, "bounces_per_op", true);
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];

		if (strcmp(row->metric->name, "ops_per_sec") || !row->base || !row->new_s ||
		    !row->ch.relative || isnan(row->ch.change))
			continue;
		ch[n++] = row->ch.change;
		judged += row->ch.verdict != BL_VERDICT_TOO_FEW;
		worse += row->ch.verdict == BL_VERDICT_WORSE;
		better += row->ch.verdict == BL_VERDICT_BETTER;
		if (!row->ch.significant)
			continue;
		if (!top[0] || fabs(row->ch.change) > fabs(top[0]->ch.change)) {
			top[1] = top[0];
			top[0] = row;
		} else if (!top[1] || fabs(row->ch.change) > fabs(top[1]->ch.change)) {
			top[1] = row;
		}
	}
	if (n) {
		qsort(ch, n, sizeof(*ch), bl_cmp_double);
		fprintf(f, " %+.1f%% | %zu / %zu of %zu |", bl_quantile_sorted(ch, n, 0.5) * 100,
			worse, better, judged);
	} else {
		fputs(" - | - |", f);
	}
	for (size_t i = 0; i < 2 && top[i]; i++) {
		fputs(i ? "; " : " ", f);
		change_text(f, top[i]);
	}
	fputs(top[0] ? " |\n" : " none |\n", f);
	free(ch);
	return 0;
}

/* The head of a summary table; @new_name / @base_name name the two sides. */
static void summary_head(FILE *f, const char *base_name, const char *new_name)
{
	fprintf(f, "| job (devices) | bounces/op %s (smallest → largest size) | bounces/op %s | "
		   "ops/s: median change | significantly worse / better of judged sizes | "
		   "largest significant ops/s changes (95%% CI) |\n"
		   "| --- | ---: | ---: | ---: | ---: | --- |\n",
		base_name, new_name);
}

/* Did any row of @r bounce (bounces_per_op above 0 on either side)? */
static bool job_bounced(const struct bl_cmp_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];

		if (strcmp(row->metric->name, "bounces_per_op"))
			continue;
		if ((row->base && row->ch.base_mean > 0) || (row->new_s && row->ch.new_mean > 0))
			return true;
	}
	return false;
}

/*
 * Compares two filters: a summary row into the report (@summary), the full
 * table under @heading into the details file (or folded into the report
 * after the summary table when there is none: @fold collects it); adds
 * force findings.
 */
static int compare_md(struct report_ctx *c, const struct an_scope *bs, const struct an_scope *ns,
		      const char *blabel, const char *nlabel, const char *heading,
		      const char *summary, FILE *fold, bool force_finding)
{
	/* the metrics a reader needs; `bouncelab compare` shows all of them */
	static const char *const metrics[] = { "ops_per_sec", "latency_p50_ns", "bounces_per_op",
					       "bounce_rate", NULL };
	struct an_comparison cmp = { 0 };
	const struct bl_cmp_result *rr = &cmp.r;
	FILE *full = c->details ? c->details : fold;
	int ret;

	ret = an_compare(c->s, &(struct an_side){ .ds = c->ds, .scope = *bs, .label = blabel },
			 &(struct an_side){ .ds = c->ds, .scope = *ns, .label = nlabel }, AN_GROUP_JOB,
			 metrics, &c->stats, &cmp);
	if (ret || !cmp.base_runs || !cmp.new_runs)
		goto out;
	ret = summary_row(c->f, rr, summary);
	if (ret)
		goto out;
	fprintf(full, "### %s\n\n`%s` against `%s`: %zu better, %zu worse, %zu same, %zu unknown "
		      "(one boot a side and no noise floor, or on one side only).\n\n"
		      "<details><summary>%zu rows</summary>\n\n",
		heading, nlabel, blabel, rr->better, rr->worse, rr->same, rr->too_few, rr->n);
	ret = bl_cmp_write_md_table(full, rr, false);
	fprintf(full, "\n</details>\n\n");
	if (force_finding) {
		char *failed_buf = NULL;
		size_t failed_len = 0;
		FILE *failed = open_memstream(&failed_buf, &failed_len);
		bool any = false;

		if (!failed) {
			ret = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < rr->n; i++) {
			const struct bl_cmp_row *row = &rr->rows[i];
			char sz[24];

			if (strcmp(row->metric->name, "ops_per_sec"))
				continue;
			/*
			 * Every operation failed on a side: there is no throughput to
			 * cost, only refusals, listed under "Operations the kernel
			 * refused". Named here so that a missing size is not a mystery.
			 */
			if (row->base_all_failed || row->new_all_failed) {
				bl_size_str(row->size, sz, sizeof(sz));
				fprintf(failed, "%s %s %s", ftell(failed) > 0 ? "," : "", row->workload,
					sz);
				continue;
			}
			if (!row->base || !row->new_s || isnan(row->ch.change) || !row->ch.relative)
				continue;
			bl_size_str(row->size, sz, sizeof(sz));
			if (!any)
				fprintf(c->findings, "- %s, throughput against " BL_MODE_BASELINE ":", heading);
			fprintf(c->findings, "%s %s %s %+.1f%%", any ? "," : "", row->workload, sz,
				row->ch.change * 100);
			if (!isnan(row->ch.ci_lo))
				fprintf(c->findings, " [%+.1f%%, %+.1f%%]%s", row->ch.ci_lo * 100,
					row->ch.ci_hi * 100, row->ch.significant ? " (significant)" :
										   "");
			else
				fprintf(c->findings, " (%s%s)", bl_verdict_name(row->ch.verdict),
					row->ch.verdict == BL_VERDICT_TOO_FEW && row->ch.method &&
							!row->ch.calibrated ?
						": no noise floor" :
						"");
			any = true;
		}
		fclose(failed);
		if (failed_len && !any)
			fprintf(c->findings, "- %s, throughput against " BL_MODE_BASELINE ": none", heading);
		if (failed_len)
			fprintf(c->findings, "; left out, every operation failed on one side (see "
					     "\"Operations the kernel refused\"):%s", failed_buf);
		if (any && !job_bounced(rr))
			fputs("; this job bounced 0 times in both modes, so none of this is a "
			      "bounce cost: the mode changes the whole boot (a SWIOTLB pool takes "
			      "memory, the kernel's layout moves), and one boot a side cannot tell "
			      "that from a boot-to-boot difference; repeat with lab --boots", c->findings);
		if (any || failed_len)
			fputs(".\n", c->findings);
		free(failed_buf);
	}
out:
	an_comparison_free(&cmp);
	return ret;
}

/* Where the full tables of a section are: the details file, or folded below. */
static void full_tables_note(struct report_ctx *c, const char *section)
{
	if (c->details)
		fprintf(c->f, "Full tables (every size and metric, with intervals and CVs): "
			      "[%s](%s#%s).\n\n", c->details_link, c->details_link, section);
}

/* Writes @fold's text (the full tables when there is no details file), then frees it. */
/*
 * One comparison section (a kernel and mode, or a pair of kernels): its
 * heading and summary table head are written with its first row, and its
 * full tables gather in the fold, which follows the summary when it ends.
 */
struct section {
	char *fold_buf;
	size_t fold_len;
	FILE *fold; /* NULL until the first row */
};

__attribute__((format(printf, 5, 6))) static int section_start(struct report_ctx *c, struct section *s,
							       const char *base, const char *new_name,
							       const char *title_fmt, ...)
{
	va_list ap;

	if (s->fold)
		return 0;
	s->fold = open_memstream(&s->fold_buf, &s->fold_len);
	if (!s->fold)
		return -ENOMEM;
	fputs("### ", c->f);
	va_start(ap, title_fmt);
	vfprintf(c->f, title_fmt, ap);
	va_end(ap);
	fputs("\n\n", c->f);
	summary_head(c->f, base, new_name);
	return 0;
}

static void section_end(struct report_ctx *c, struct section *s)
{
	if (!s->fold)
		return;
	fputc('\n', c->f);
	fclose(s->fold); /* sets fold_buf */
	if (s->fold_buf && *s->fold_buf)
		fprintf(c->f, "<details><summary>full tables</summary>\n\n%s</details>\n\n", s->fold_buf);
	free(s->fold_buf);
	*s = (struct section){ 0 };
}

/* Platform @p's job and devices in @mode on @release; @label gets "job (device+importer)". */
static struct an_scope job_scope(const struct platform *p, const char *release, const char *mode,
				 char *label, size_t len)
{
	snprintf(label, len, "%s (%s%s%s)", rp_nz(p->job, "?"), rp_nz(p->device, "?"),
		 p->importer ? "+" : "", rp_nz(p->importer, ""));
	return (struct an_scope){ release, mode, p->job, p->device, p->importer };
}

/*
 * The modes a section compares, in the default matrix's order
 * (lib/dmamode.h): @with_baseline puts the baseline mode
 * first. NULL-terminated into @out.
 */
static void mode_order(const char **out, bool with_baseline)
{
	const char *all[REPORT_MODES_MAX];
	size_t n = 0, nall = bl_mode_matrix(all);

	if (with_baseline)
		out[n++] = BL_MODE_BASELINE;
	for (size_t i = 0; i < nall; i++)
		if (strcmp(all[i], BL_MODE_BASELINE))
			out[n++] = all[i];
	out[n] = NULL;
}

int rp_mode_comparisons(struct report_ctx *c)
{
	static struct platform pl[MAX_PLATFORMS];
	const char *modes[REPORT_MODES_MAX + 1];
	size_t np = platforms(c->runs, pl, MAX_PLATFORMS);
	bool any = false;
	int ret = 0;

	mode_order(modes, false);
	fprintf(c->f, "## What each DMA mode costs (against %s, same kernel and job)\n\n"
		      "One table per kernel and mode, a row per job. Bounces per op are exact "
		      "counts (mean per run), shown at the smallest and the largest buffer size. "
		      "Throughput change = (mode - %s) / %s per buffer size: the median "
		      "over the sizes, how many sizes changed significantly, and the largest "
		      "significant changes. The boot is the unit, and a boot's value is the median "
		      "of its repetitions: a guest's speed moves from boot to boot while its "
		      "repetitions agree, so with one boot a side a time must clear max(%.0f%%, "
		      "%.1f x the row's noise floor measured from A/A boots by `bouncelab "
		      "calibrate`), and an import whose two boots mapped different page layouts is "
		      "unknown; a row without a floor is unknown, never significant (one boot "
		      "against several: that boot as one more draw of theirs; two boots a side or "
		      "more: Welch's t on the boot values, clearing max(%.0f%%, %.0f x the floor)). "
		      "The counts are exact.\n\n",
		BL_MODE_BASELINE, BL_MODE_BASELINE, BL_MODE_BASELINE, c->stats.noise_one_boot * 100,
		c->stats.floor_k_one_boot, c->stats.noise * 100, c->stats.floor_k);
	if (c->details)
		fprintf(c->details, "## What each DMA mode costs\n\n");
	full_tables_note(c, "what-each-dma-mode-costs");
	for (size_t p = 0; p < np && !ret; p++) {
		char rel[128];
		bool first = true;

		for (size_t q = 0; q < p; q++)
			if (!strcmp(pl[q].release, pl[p].release))
				first = false;
		if (!first)
			continue;
		an_short_release(pl[p].release, rel, sizeof(rel));
		for (const char *const *m = modes; *m && !ret; m++) {
			struct section sec = { 0 };

			for (size_t q = p; q < np && !ret; q++) {
				struct an_scope bs, ns;
				char heading[800], bl[256], nl[256], label[300];

				if (strcmp(pl[q].release, pl[p].release) ||
				    !has_mode(&pl[q], BL_MODE_BASELINE) ||
				    !has_mode(&pl[q], *m))
					continue;
				if ((ret = section_start(c, &sec, BL_MODE_BASELINE, *m,
							 "%s on %s against %s", *m, rel,
							 BL_MODE_BASELINE)))
					break;
				bs = job_scope(&pl[q], pl[q].release, BL_MODE_BASELINE, label,
					       sizeof(label));
				ns = bs;
				ns.mode = *m;
				snprintf(heading, sizeof(heading), "%s on %s, job %s", *m, rel, label);
				snprintf(bl, sizeof(bl), "kernel=%s,mode=%s,job=%s", pl[q].release,
					 BL_MODE_BASELINE, rp_nz(pl[q].job, "?"));
				snprintf(nl, sizeof(nl), "kernel=%s,mode=%s,job=%s", pl[q].release, *m,
					 rp_nz(pl[q].job, "?"));
				ret = compare_md(c, &bs, &ns, bl, nl, heading, label, sec.fold,
						 !strcmp(*m, bl_modes[BL_MODE_FORCE].name));
				any = true;
			}
			section_end(c, &sec);
		}
	}
	if (!any)
		fprintf(c->f, "No kernel has both %s runs and runs in another mode on the "
			      "same device, so there is nothing to compare.\n\n", BL_MODE_BASELINE);
	return ret;
}

int rp_kernel_comparisons(struct report_ctx *c)
{
	static struct platform pl[MAX_PLATFORMS];
	const char *modes[REPORT_MODES_MAX + 2];
	size_t np = platforms(c->runs, pl, MAX_PLATFORMS);
	bool any = false;
	int ret = 0;

	mode_order(modes, true);
	fprintf(c->f, "## Kernel against kernel (same mode and job)\n\n"
		      "One table per pair of kernels and mode, a row per job; columns as above, "
		      "the later kernel against the first.\n\n");
	if (c->details)
		fprintf(c->details, "## Kernel against kernel\n\n");
	full_tables_note(c, "kernel-against-kernel");
	/* each later kernel against each one seen before it: p and q index the kernels' first platforms */
	for (size_t p = 0; p < np && !ret; p++) {
		for (size_t q = p + 1; q < np && !ret; q++) {
			bool first = true;
			char r1[128], r2[128];

			for (size_t a = 0; a < q && first; a++)
				if (!strcmp(pl[a].release, pl[q].release) ||
				    (a < p && !strcmp(pl[a].release, pl[p].release)))
					first = false;
			if (!first || !strcmp(pl[p].release, pl[q].release))
				continue;
			an_short_release(pl[p].release, r1, sizeof(r1));
			an_short_release(pl[q].release, r2, sizeof(r2));
			for (const char *const *m = modes; *m && !ret; m++) {
				struct section sec = { 0 };

				for (size_t a = 0; a < np && !ret; a++) {
					for (size_t b = 0; b < np && !ret; b++) {
						struct an_scope bs, ns;
						char heading[800], bl[256], nl[256], label[300];

						if (strcmp(pl[a].release, pl[p].release) ||
						    strcmp(pl[b].release, pl[q].release) ||
						    strcmp(rp_nz(pl[a].job, ""), rp_nz(pl[b].job, "")) ||
						    strcmp(rp_nz(pl[a].device, ""), rp_nz(pl[b].device, "")) ||
						    strcmp(rp_nz(pl[a].importer, ""), rp_nz(pl[b].importer, "")) ||
						    !has_mode(&pl[a], *m) ||
						    !has_mode(&pl[b], *m))
							continue;
						if ((ret = section_start(c, &sec, r1, r2, "%s against %s, %s", r2,
									 r1, *m)))
							break;
						bs = job_scope(&pl[a], pl[a].release, *m, label, sizeof(label));
						ns = bs;
						ns.release = pl[b].release;
						snprintf(heading, sizeof(heading), "%s against %s, %s, job %s",
							 r2, r1, *m, label);
						snprintf(bl, sizeof(bl), "kernel=%s,mode=%s,job=%s",
							 pl[a].release, *m, rp_nz(pl[a].job, "?"));
						snprintf(nl, sizeof(nl), "kernel=%s,mode=%s,job=%s",
							 pl[b].release, *m, rp_nz(pl[a].job, "?"));
						ret = compare_md(c, &bs, &ns, bl, nl, heading, label, sec.fold,
								 false);
						any = true;
					}
				}
				section_end(c, &sec);
			}
		}
	}
	if (!any)
		fprintf(c->f, "Only one kernel per device and mode: nothing to compare.\n\n");
	return ret;
}
