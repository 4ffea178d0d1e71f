/*
 * The Markdown report (`bouncelab report`, RESULTS.md) (RESULTS.md) generated from the
 * store, so that nothing in it is typed by hand. Sections: what ran
 * (kernels with exact versions, modes, devices, jobs, dates), findings
 * computed from the numbers (counts first: where bounces per op exceed
 * one, slots left after teardown; then what force costs per size, refused
 * operations with their errno and kernel log line, counters a kernel could
 * not tell), each DMA mode against noforce and kernel against kernel
 * (analysis/compare.h) as one summary table per kernel and mode with a row per
 * job, the figures (rendered by analysis/figures.c, linked
 * relative to the report). The full comparison tables and the per-row
 * tables (a full matrix makes thousands of lines) go to a side file,
 * <report>-details.md, linked from the report; with --out - they are
 * folded into it.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "analysis.h"
#include "fsutil.h"
#include "log.h"

/* Markdown table cells must not contain '|' or newlines. */
static void md_cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static const char *nz(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* "1.234e+05 ± 2%" style: mean with its CV, or "-" when there is no sample. */
static void mean_cell(FILE *f, const struct bl_sample *s, double scale, int digits)
{
	double m, cv;

	if (!s || !s->n) {
		fputs(" - |", f);
		return;
	}
	m = bl_mean(s->v, s->n) * scale;
	cv = bl_cv(s->v, s->n);
	fprintf(f, " %.*g", digits, m);
	if (s->n > 1 && !isnan(cv))
		fprintf(f, " ± %.1f%%", cv * 100);
	fputs(" |", f);
}

static const struct bl_sample *get(const struct bl_sample_set *set, const struct bl_sample *k,
				   const char *metric)
{
	return bl_sample_set_find(set, k->group, k->workload, k->variant, k->size,
				  bl_metric_find(metric));
}

/* --- what ran ---------------------------------------------------------------------- */

static bool seen_before(const struct an_runs *runs, size_t i,
			const char *(*field)(const struct an_run *))
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(nz(field(&runs->r[j]), "?"), nz(field(&runs->r[i]), "?")))
			return true;
	return false;
}

static size_t count_with(const struct an_runs *runs, const char *v,
			 const char *(*field)(const struct an_run *))
{
	size_t n = 0;

	for (size_t j = 0; j < runs->n; j++)
		if (!strcmp(nz(field(&runs->r[j]), "?"), nz(v, "?")))
			n++;
	return n;
}

static const char *f_release(const struct an_run *r) { return r->kernel_release; }
static const char *f_mode(const struct an_run *r) { return r->mode; }
static const char *f_device(const struct an_run *r) { return r->device; }
static const char *f_job(const struct an_run *r) { return r->job; }

static void list_values(FILE *f, const char *title, const struct an_runs *runs,
			const char *(*field)(const struct an_run *))
{
	bool first = true;

	fprintf(f, "- %s: ", title);
	for (size_t i = 0; i < runs->n; i++) {
		if (seen_before(runs, i, field))
			continue;
		/* none: runs that recorded no value (a skipped run found no device) */
		fprintf(f, "%s`%s` (%zu run%s)", first ? "" : ", ", nz(field(&runs->r[i]), "none"),
			count_with(runs, field(&runs->r[i]), field),
			count_with(runs, field(&runs->r[i]), field) == 1 ? "" : "s");
		first = false;
	}
	fputc('\n', f);
}

/* The summary into @f; the list of every run into @details, or folded into @f. */
static void what_ran(FILE *f, FILE *details, const char *details_link, const struct an_runs *runs)
{
	fprintf(f, "## What ran\n\n");
	fprintf(f, "| kernel release | kernel version | Debian package | runs |\n"
		   "| --- | --- | --- | ---: |\n");
	for (size_t i = 0; i < runs->n; i++) {
		const struct an_run *r = &runs->r[i];

		if (seen_before(runs, i, f_release))
			continue;
		fputs("| `", f);
		md_cell(f, nz(r->kernel_release, "?"));
		fputs("` | ", f);
		md_cell(f, nz(r->kernel_version, "?"));
		fputs(" | ", f);
		md_cell(f, nz(r->package_version, "unknown"));
		fprintf(f, " | %zu |\n", count_with(runs, r->kernel_release, f_release));
	}
	fputc('\n', f);
	list_values(f, "DMA modes", runs, f_mode);
	list_values(f, "devices", runs, f_device);
	list_values(f, "jobs", runs, f_job);
	if (runs->n)
		fprintf(f, "- dates: %s to %s\n", nz(runs->r[0].started_at, "?"),
			nz(runs->r[runs->n - 1].started_at, "?"));
	if (details) {
		fprintf(f, "- every run: [%s](%s#all-runs)\n\n", details_link, details_link);
		f = details;
		fprintf(f, "## All runs\n\n");
	} else {
		fprintf(f, "\n<details><summary>All %zu runs</summary>\n\n", runs->n);
	}
	fprintf(f, "| started | kernel | mode | device | importer | job | status | rows | run |\n"
		   "| --- | --- | --- | --- | --- | --- | --- | ---: | --- |\n");
	for (size_t i = 0; i < runs->n; i++) {
		const struct an_run *r = &runs->r[i];

		fprintf(f, "| %s | `%s` | %s | %s | %s | %s | %s | %d | `%.8s` |\n",
			nz(r->started_at, "?"), nz(r->kernel_release, "?"), r->mode,
			nz(r->device, "?"), nz(r->importer, "-"), nz(r->job, "?"),
			nz(r->status, "?"), r->n_results, nz(r->run_id, "?"));
	}
	fprintf(f, details ? "\n" : "\n</details>\n\n");
}

/* --- result tables ------------------------------------------------------------------ */

static void result_tables(FILE *f, const struct bl_sample_set *set)
{
	const struct bl_metric *tput = bl_metric_find("ops_per_sec");
	const char *last_group = NULL, *last_wl = NULL;

	fprintf(f, "## Results per kernel, mode and device\n\n"
		   "One table per kernel, DMA mode, devices and workload (click to open). "
		   "Means over all repetitions of all matching runs, ± the coefficient of "
		   "variation. Bounces per op = swiotlb_bounced / operations; bounce rate = "
		   "bounced / DMA-mapped segments (kernels with dma:* tracepoints only); slots = "
		   "SWIOTLB slots the row held at its peak and still held after teardown, "
		   "above the level before it ran. `-` = the kernel could not tell.\n\n");
	for (size_t i = 0; i < set->n; i++) {
		const struct bl_sample *k = &set->s[i];
		char sz[24];

		/* one line per (group, workload, variant, size): key on the row's first metric */
		if (i > 0 && !strcmp(set->s[i - 1].group, k->group) &&
		    !strcmp(set->s[i - 1].workload, k->workload) &&
		    !strcmp(set->s[i - 1].variant, k->variant) && set->s[i - 1].size == k->size)
			continue;
		if (!last_group || strcmp(last_group, k->group) || strcmp(last_wl, k->workload)) {
			fprintf(f, "%s<details><summary>%s: %s</summary>\n\n", last_group ?
				"\n</details>\n\n" : "", k->group, k->workload);
			fprintf(f, "| size | ops/s | MiB/s | p50 µs | p99 µs | bounces/op | bounce "
				   "rate | slots peak / after | failed ops | runs |\n"
				   "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
				   "---: |\n");
			last_group = k->group;
			last_wl = k->workload;
		}
		bl_size_str(k->size, sz, sizeof(sz));
		fprintf(f, "| %s%s%s |", sz, *k->variant ? " " : "", k->variant);
		mean_cell(f, get(set, k, "ops_per_sec"), 1, 4);
		mean_cell(f, get(set, k, "mib_per_sec"), 1, 4);
		mean_cell(f, get(set, k, "latency_p50_ns"), 1e-3, 4);
		mean_cell(f, get(set, k, "latency_p99_ns"), 1e-3, 4);
		mean_cell(f, get(set, k, "bounces_per_op"), 1, 4);
		mean_cell(f, get(set, k, "bounce_rate"), 1, 3);
		{
			const struct bl_sample *p = get(set, k, "slots_peak");
			const struct bl_sample *a = get(set, k, "slots_after");

			if (p && a)
				fprintf(f, " %.0f / %.0f |", bl_mean(p->v, p->n), bl_mean(a->v, a->n));
			else
				fputs(" - |", f);
		}
		mean_cell(f, get(set, k, "failed_ops"), 1, 6);
		{
			const struct bl_sample *t = get(set, k, "ops_per_sec");

			fprintf(f, " %zu |\n", t ? t->runs : (size_t)0);
		}
	}
	(void)tput;
	fprintf(f, "%s\n", last_group ? "\n</details>\n" : "");
}

/* --- comparisons and findings -------------------------------------------------------- */

/*
 * What a comparison holds fixed besides the mode: the kernel and the job
 * (its devices shown for the reader). Comparing per job keeps a section
 * to the rows of one job.
 */
struct platform {
	const char *release, *job, *device, *importer; /* point into the runs */
};

#define MAX_PLATFORMS 512

static bool same_platform(const struct platform *p, const struct an_run *r)
{
	return r->kernel_release && !strcmp(p->release, r->kernel_release) &&
	       !strcmp(nz(p->job, ""), nz(r->job, "")) &&
	       !strcmp(nz(p->device, ""), nz(r->device, "")) &&
	       !strcmp(nz(p->importer, ""), nz(r->importer, ""));
}

/* Distinct (kernel, job, device, importer) of the runs, in run order. */
static size_t platforms(const struct an_runs *runs, struct platform *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < runs->n && n < max; i++) {
		const struct an_run *r = &runs->r[i];
		bool dup = false;

		if (!r->kernel_release)
			continue;
		for (size_t j = 0; j < n; j++)
			if (same_platform(&out[j], r))
				dup = true;
		if (!dup)
			out[n++] = (struct platform){ r->kernel_release, r->job, r->device,
						      r->importer };
	}
	return n;
}

static bool has_mode(const struct an_runs *runs, const struct platform *p, const char *mode)
{
	for (size_t i = 0; i < runs->n; i++) {
		const struct an_run *r = &runs->r[i];

		if (same_platform(p, r) && r->n_results > 0 && !strcmp(r->mode, mode))
			return true;
	}
	return false;
}

struct report_ctx {
	FILE *f;
	struct bl_store *s;
	const struct bl_run_filter *filter;
	const struct an_runs *runs;
	struct bl_stats_opts stats;
	FILE *findings; /* "what force costs" lines, collected while comparing */
	char *findings_buf;
	size_t findings_len;
	FILE *details;            /* the full tables; NULL = folded into the report */
	const char *details_link; /* the details file as the report links it */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
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
		qsort(ch, n, sizeof(*ch), cmp_double);
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

/*
 * Compares two filters: a summary row into the report (@summary), the full
 * table under @heading into the details file (or folded into the report
 * after the summary table when there is none: @fold collects it); adds
 * force findings.
 */
static int compare_md(struct report_ctx *c, const struct bl_run_filter *bf,
		      const struct bl_run_filter *nf, const char *blabel, const char *nlabel,
		      const char *heading, const char *summary, FILE *fold, bool force_finding)
{
	/* the metrics a reader needs; `bouncelab compare` shows all of them */
	static const char *const metrics[] = { "ops_per_sec", "latency_p50_ns", "bounces_per_op",
					       "bounce_rate", NULL };
	struct bl_sample_set bset, nset;
	struct bl_cmp_result r = { 0 };
	size_t bruns = 0, nruns = 0;
	FILE *full = c->details ? c->details : fold;
	int ret;

	bl_sample_set_init(&bset);
	bl_sample_set_init(&nset);
	ret = an_load_set(c->s, bf, AN_GROUP_JOB, &bset, &bruns);
	if (!ret)
		ret = an_load_set(c->s, nf, AN_GROUP_JOB, &nset, &nruns);
	if (ret || !bruns || !nruns)
		goto out;
	ret = bl_compare_sets(&bset, &nset, blabel, nlabel, metrics, &c->stats, &r);
	if (ret)
		goto out;
	ret = summary_row(c->f, &r, summary);
	if (ret)
		goto out;
	fprintf(full, "### %s\n\n`%s` against `%s`: %zu better, %zu worse, %zu same, %zu with too "
		      "few repetitions to judge.\n\n<details><summary>%zu rows</summary>\n\n",
		heading, nlabel, blabel, r.better, r.worse, r.same, r.too_few, r.n);
	ret = bl_cmp_write_md_table(full, &r, false);
	fprintf(full, "\n</details>\n\n");
	if (force_finding) {
		bool any = false;

		for (size_t i = 0; i < r.n; i++) {
			const struct bl_cmp_row *row = &r.rows[i];
			char sz[24];

			if (strcmp(row->metric->name, "ops_per_sec") || !row->base || !row->new_s ||
			    isnan(row->ch.change) || !row->ch.relative)
				continue;
			bl_size_str(row->size, sz, sizeof(sz));
			if (!any)
				fprintf(c->findings, "- %s, throughput against noforce:", heading);
			fprintf(c->findings, "%s %s %s %+.1f%%", any ? "," : "", row->workload, sz,
				row->ch.change * 100);
			if (!isnan(row->ch.ci_lo))
				fprintf(c->findings, " [%+.1f%%, %+.1f%%]%s", row->ch.ci_lo * 100,
					row->ch.ci_hi * 100, row->ch.significant ? " (significant)" :
										   "");
			else
				fprintf(c->findings, " (%s)", bl_verdict_name(row->ch.verdict));
			any = true;
		}
		if (any)
			fputs(".\n", c->findings);
	}
out:
	bl_cmp_result_free(&r);
	bl_sample_set_free(&bset);
	bl_sample_set_free(&nset);
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

/* Narrows @f to platform @p's job and devices; @label gets "job (device+importer)". */
static void job_scope(struct bl_run_filter *f, const struct platform *p, char *label, size_t len)
{
	f->job = p->job;
	f->device = p->device;
	f->importer = p->importer;
	f->limit = 0;
	snprintf(label, len, "%s (%s%s%s)", nz(p->job, "?"), nz(p->device, "?"), p->importer ? "+" : "",
		 nz(p->importer, ""));
}

static int mode_comparisons(struct report_ctx *c)
{
	static const char *const modes[] = { "default", "force", "iommu", "iommu-pt", NULL };
	static struct platform pl[MAX_PLATFORMS];
	size_t np = platforms(c->runs, pl, MAX_PLATFORMS);
	bool any = false;
	int ret = 0;

	fprintf(c->f, "## What each DMA mode costs (against noforce, same kernel and job)\n\n"
		      "One table per kernel and mode, a row per job. Bounces per op are exact "
		      "counts (mean per run), shown at the smallest and the largest buffer size. "
		      "Throughput change = (mode - noforce) / noforce per buffer size: the median "
		      "over the sizes, how many sizes changed significantly (95%% CI from a seeded "
		      "bootstrap over the repetitions excludes 0 and the change exceeds %.0f%%), "
		      "and the largest significant changes. Under TCG emulation throughput is "
		      "noisy across boots; the counts are not.\n\n",
		c->stats.noise * 100);
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
				struct bl_run_filter bf = *c->filter, nf;
				char heading[800], bl[256], nl[256], label[300];

				if (strcmp(pl[q].release, pl[p].release) ||
				    !has_mode(c->runs, &pl[q], "noforce") ||
				    !has_mode(c->runs, &pl[q], *m))
					continue;
				if ((ret = section_start(c, &sec, "noforce", *m, "%s on %s against noforce", *m,
							 rel)))
					break;
				bf.kernel = pl[q].release;
				job_scope(&bf, &pl[q], label, sizeof(label));
				nf = bf;
				bl_mode_filter(&bf, "noforce");
				bl_mode_filter(&nf, *m);
				snprintf(heading, sizeof(heading), "%s on %s, job %s", *m, rel, label);
				snprintf(bl, sizeof(bl), "kernel=%s,mode=noforce,job=%s", pl[q].release,
					 nz(pl[q].job, "?"));
				snprintf(nl, sizeof(nl), "kernel=%s,mode=%s,job=%s", pl[q].release, *m,
					 nz(pl[q].job, "?"));
				ret = compare_md(c, &bf, &nf, bl, nl, heading, label, sec.fold,
						 !strcmp(*m, "force"));
				any = true;
			}
			section_end(c, &sec);
		}
	}
	if (!any)
		fprintf(c->f, "No kernel has both noforce runs and runs in another mode on the "
			      "same device, so there is nothing to compare.\n\n");
	return ret;
}

static int kernel_comparisons(struct report_ctx *c)
{
	static const char *const modes[] = { "noforce", "default", "force", "iommu", "iommu-pt", NULL };
	static struct platform pl[MAX_PLATFORMS];
	size_t np = platforms(c->runs, pl, MAX_PLATFORMS);
	bool any = false;
	int ret = 0;

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
						struct bl_run_filter bf = *c->filter, nf;
						char heading[800], bl[256], nl[256], label[300];

						if (strcmp(pl[a].release, pl[p].release) ||
						    strcmp(pl[b].release, pl[q].release) ||
						    strcmp(nz(pl[a].job, ""), nz(pl[b].job, "")) ||
						    strcmp(nz(pl[a].device, ""), nz(pl[b].device, "")) ||
						    strcmp(nz(pl[a].importer, ""), nz(pl[b].importer, "")) ||
						    !has_mode(c->runs, &pl[a], *m) ||
						    !has_mode(c->runs, &pl[b], *m))
							continue;
						if ((ret = section_start(c, &sec, r1, r2, "%s against %s, %s", r2,
									 r1, *m)))
							break;
						job_scope(&bf, &pl[a], label, sizeof(label));
						bl_mode_filter(&bf, *m);
						nf = bf;
						bf.kernel = pl[a].release;
						nf.kernel = pl[b].release;
						snprintf(heading, sizeof(heading), "%s against %s, %s, job %s",
							 r2, r1, *m, label);
						snprintf(bl, sizeof(bl), "kernel=%s,mode=%s,job=%s",
							 pl[a].release, *m, nz(pl[a].job, "?"));
						snprintf(nl, sizeof(nl), "kernel=%s,mode=%s,job=%s",
							 pl[b].release, *m, nz(pl[a].job, "?"));
						ret = compare_md(c, &bf, &nf, bl, nl, heading, label, sec.fold,
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

/* Failed rows and counters a kernel could not tell, collected from the rows. */
struct row_notes {
	FILE *failed;  /* Markdown lines */
	FILE *unavail; /* "release|counter|reason" lines, deduplicated later */
	char *failed_buf, *unavail_buf;
	size_t failed_len, unavail_len;
	int64_t last_run;
	char group[256], rel[160];
	size_t n_failed;
	/*
	 * The refused-operations line being written: consecutive rows of one
	 * run, workload and errno share a line (one size after the other).
	 */
	bool open;
	int64_t line_run, line_errno;
	char line_wl[128], line_error[512], line_klog[512], line_uuid[16];
};

/* Ends the open refused-operations line with its first message and kernel log line. */
static void close_failed_line(struct row_notes *n)
{
	if (!n->open)
		return;
	if (*n->line_error) {
		fputs("; first error: \"", n->failed);
		md_cell(n->failed, n->line_error);
		fputc('"', n->failed);
	}
	if (*n->line_klog) {
		fputs("; kernel log: `", n->failed);
		md_cell(n->failed, n->line_klog);
		fputc('`', n->failed);
	}
	fprintf(n->failed, " (run `%s`)\n", n->line_uuid);
	n->open = false;
}

static int notes_cb(const struct bl_run_row *run, const struct bl_result_view *res, void *user)
{
	struct row_notes *n = user;
	char sz[24];

	if (run->id != n->last_run) {
		n->last_run = run->id;
		an_group_label(run, AN_GROUP_KERNEL_MODE, n->group, sizeof(n->group));
		an_short_release(run->kernel_release, n->rel, sizeof(n->rel));
		snprintf(n->rel + strlen(n->rel), sizeof(n->rel) - strlen(n->rel), " %s",
			 bl_mode_of(run->swiotlb, run->iommu));
	}
	bl_size_str(res->size, sz, sizeof(sz));
	if (res->failed_ops > 0) {
		int64_t err = res->failed_errno.set ? res->failed_errno.v : -1;
		json_t *log = res->kernel_log_json ? json_loads(res->kernel_log_json, 0, NULL) : NULL;
		const char *line = json_string_value(json_array_get(log, 0));

		if (n->open && (n->line_run != run->id || n->line_errno != err ||
				strcmp(n->line_wl, res->workload)))
			close_failed_line(n);
		if (!n->open) {
			fprintf(n->failed, "- %s, %s: ", n->group, res->workload);
			if (err >= 0)
				fprintf(n->failed, "errno %" PRId64 " (%s)", err, strerror((int)err));
			else
				fputs("refused", n->failed);
			fprintf(n->failed, " at %s %" PRId64 "/%" PRId64, sz, res->failed_ops, res->ops);
			n->open = true;
			n->line_run = run->id;
			n->line_errno = err;
			snprintf(n->line_wl, sizeof(n->line_wl), "%s", res->workload);
			snprintf(n->line_error, sizeof(n->line_error), "%s", nz(res->failed_error, ""));
			snprintf(n->line_klog, sizeof(n->line_klog), "%s", "");
			snprintf(n->line_uuid, sizeof(n->line_uuid), "%.8s", nz(run->run_id, "?"));
		} else {
			fprintf(n->failed, ", %s %" PRId64 "/%" PRId64, sz, res->failed_ops, res->ops);
		}
		if (line && !*n->line_klog)
			snprintf(n->line_klog, sizeof(n->line_klog), "%s", line);
		json_decref(log);
		n->n_failed++;
	}
	for (int i = 0; i < BL_COUNTER_COUNT; i++)
		if (!res->counters[i].set)
			fprintf(n->unavail, "%s|%s|%s\n", n->rel, bl_counter_names[i],
				nz(res->unavailable[i], "no reason recorded"));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the distinct lines of @buf (sorted) as a Markdown list. */
static void unique_lines(FILE *f, char *buf)
{
	char **lines = NULL, *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		char **nl = realloc(lines, (n + 1) * sizeof(*nl));

		if (!nl)
			break;
		lines = nl;
		lines[n++] = tok;
	}
	if (n)
		qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *rel, *counter, *reason, *p, copy[1024];

		if (i && !strcmp(lines[i], lines[i - 1]))
			continue;
		snprintf(copy, sizeof(copy), "%s", lines[i]); /* strsep cuts; keep lines[] whole */
		p = copy;
		rel = strsep(&p, "|");
		counter = strsep(&p, "|");
		reason = p;
		fprintf(f, "- `%s`: %s unknown: %s\n", rel, counter, nz(reason, "?"));
	}
	free(lines);
}

/*
 * The next sample of @metric from position *@i on whose mean is above
 * @floor (the mean in *@mean), or NULL; *@i moves past it.
 */
static const struct bl_sample *next_above(const struct bl_sample_set *set, size_t *i,
					  const char *metric, double floor, double *mean)
{
	for (; *i < set->n; ++*i) {
		const struct bl_sample *s = &set->s[*i];

		if (strcmp(s->metric->name, metric) || !s->n)
			continue;
		*mean = bl_mean(s->v, s->n);
		if (*mean > floor) {
			++*i;
			return s;
		}
	}
	return NULL;
}

static int findings(struct report_ctx *c, const struct bl_sample_set *set)
{
	struct row_notes n = { .last_run = INT64_MIN };
	struct bl_run_filter ff = *c->filter;
	const struct bl_sample *s;
	double m;
	bool any;
	int ret;

	n.failed = open_memstream(&n.failed_buf, &n.failed_len);
	n.unavail = open_memstream(&n.unavail_buf, &n.unavail_len);
	if (!n.failed || !n.unavail) {
		ret = -ENOMEM;
		goto out;
	}
	ff.oldest_first = true;
	ret = bl_store_query_results(c->s, &ff, notes_cb, &n);
	if (ret < 0)
		goto out;
	close_failed_line(&n);
	fflush(n.failed);
	fflush(n.unavail);
	fflush(c->findings);

	/* the exact counts first: under TCG the timings are noisy, the counts are not */
	fprintf(c->f, "## Findings\n\nEach computed by `bouncelab report` from the runs below "
		      "(comparisons, figures and per-row tables follow). Counts first (exact), "
		      "then throughput (noisy under emulation).\n\n"
		      "### Where bounces per operation exceed one\n\n"
		      "Per kernel, mode, devices and workload: buffer size and mean SWIOTLB bounces "
		      "per operation, for every size above one.\n\n");
	{
		const struct bl_sample *open_line = NULL; /* the line being written */

		size_t i = 0;

		any = false;
		while ((s = next_above(set, &i, "bounces_per_op", 1, &m))) {
			char sz[24];

			bl_size_str(s->size, sz, sizeof(sz));
			if (open_line && !strcmp(open_line->group, s->group) &&
			    !strcmp(open_line->workload, s->workload) &&
			    !strcmp(open_line->variant, s->variant)) {
				fprintf(c->f, ", %s %.4g", sz, m);
			} else {
				fprintf(c->f, "%s- %s, %s%s%s: %s %.4g", open_line ? "\n" : "",
					s->group, s->workload, *s->variant ? "/" : "", s->variant,
					sz, m);
				open_line = s;
			}
			any = true;
		}
		fprintf(c->f, "%s", any ? "\n" : "No row bounced more than once per operation.\n");
	}

	fprintf(c->f, "\n### Where syncs copy through the bounce buffer\n\n"
		      "MiB passed to dma_sync_sg_for_cpu/_for_device per operation (dma:* "
		      "tracepoints, 6.12+; rows up to 2 MiB): for a bounced mapping each sync "
		      "copies that much, and swiotlb_bounced does not count it.\n\n");
	any = false;
	for (size_t i = 0; (s = next_above(set, &i, "sync_mib_per_op", 0, &m));) {
		char sz[24], per[24];

		bl_size_str(s->size, sz, sizeof(sz));
		bl_size_str((int64_t)(m * (1 << 20) + 0.5), per, sizeof(per));
		fprintf(c->f, "- %s, %s %s: %s per op (%.3g x the buffer)\n", s->group, s->workload, sz,
			per, m * (1 << 20) / (double)s->size);
		any = true;
	}
	fprintf(c->f, "%s", any ? "" : "No row synced anything (or no kernel could tell).\n");

	fprintf(c->f, "\n### SWIOTLB slots still held after teardown\n\n"
		      "Slots in use after the row's buffers were released, minus the slots in use "
		      "before it ran (the device's standing traffic). Positive = left behind.\n\n");
	any = false;
	for (size_t i = 0; (s = next_above(set, &i, "slots_after", 0, &m));) {
		const struct bl_sample *peak;
		char sz[24];

		peak = bl_sample_set_find(set, s->group, s->workload, s->variant, s->size,
					  bl_metric_find("slots_peak"));
		bl_size_str(s->size, sz, sizeof(sz));
		fprintf(c->f, "- %s, %s %s: %.0f slots (%.0f KiB) still held after teardown",
			s->group, s->workload, sz, m, m * 2);
		if (peak && peak->n)
			fprintf(c->f, ", %.0f at peak", bl_mean(peak->v, peak->n));
		fputs("\n", c->f);
		any = true;
	}
	if (!any)
		fprintf(c->f, "No row left slots behind (or no boot had SWIOTLB debugfs).\n");

	fprintf(c->f, "\n### What force costs per size\n\n"
		      "Throughput of force against noforce per job and buffer size, 95%% CI.\n\n");
	fputs(c->findings_len ? c->findings_buf : "No force runs with noforce runs beside them.\n",
	      c->f);

	fprintf(c->f, "\n### Operations the kernel refused\n\n"
		      "Per kernel, mode, devices and workload: the errno, then each buffer size "
		      "with refused / measured operations, the first error message and the first "
		      "kernel log line printed meanwhile.\n\n");
	fputs(n.failed_len ? n.failed_buf : "None.\n", c->f);

	fprintf(c->f, "\n### Runs that did not complete\n\n");
	any = false;
	for (size_t i = 0; i < c->runs->n; i++) {
		const struct an_run *r = &c->runs->r[i];

		if (r->status && !strcmp(r->status, "ok"))
			continue;
		fprintf(c->f, "- `%.8s` %s %s %s job %s: %s", nz(r->run_id, "?"),
			nz(r->kernel_release, "?"), r->mode, nz(r->device, "?"), nz(r->job, "?"),
			nz(r->status, "?"));
		if (r->error) {
			fputs(": ", c->f);
			md_cell(c->f, r->error);
		}
		fputc('\n', c->f);
		any = true;
	}
	if (!any)
		fprintf(c->f, "All runs completed.\n");

	fprintf(c->f, "\n### Counters a kernel could not tell\n\n"
		      "Recorded as null with the reason, never as 0.\n\n");
	if (n.unavail_len)
		unique_lines(c->f, n.unavail_buf);
	else
		fprintf(c->f, "Every counter was available.\n");
	fputc('\n', c->f);
out:
	if (n.failed)
		fclose(n.failed);
	if (n.unavail)
		fclose(n.unavail);
	free(n.failed_buf);
	free(n.unavail_buf);
	return ret;
}

/* --- figures -------------------------------------------------------------------------- */

/* @path relative to @base when it lies inside it, else @path itself. */
/*
 * Writes into @buf the path of folder @path relative to folder @base (both
 * exist), so that the report's links work wherever the two live: "plots/out",
 * "../plots". Falls back to @path itself when either cannot be resolved.
 */
static void relative_to(const char *path, const char *base, char *buf, size_t len)
{
	char p[PATH_MAX], b[PATH_MAX];
	size_t common = 0, off = 0;

	if (!realpath(path, p) || !realpath(base, b)) {
		snprintf(buf, len, "%s", path);
		return;
	}
	/* the longest common prefix that ends at a '/' boundary */
	for (size_t i = 0;; i++) {
		bool pend = p[i] == '\0' || p[i] == '/', bend = b[i] == '\0' || b[i] == '/';

		if (pend && bend)
			common = i;
		if (p[i] != b[i] || !p[i] || !b[i])
			break;
	}
	if (!strcmp(b, "/")) { /* the report at the root: no ".." */
		snprintf(buf, len, "%s", p[1] ? p + 1 : ".");
		return;
	}
	/* one ".." per remaining component of base */
	for (const char *q = b + common; *q; q++)
		if (*q == '/' && off + 4 < len)
			off += (size_t)snprintf(buf + off, len - off, "../");
	if (p[common] == '/')
		snprintf(buf + off, len - off, "%s", p + common + 1);
	else if (off)
		buf[off - 1] = '\0'; /* "../" -> ".." */
	else
		snprintf(buf, len, ".");
}

static void figures_section(FILE *f, const struct an_figures *figs, const char *plots_dir,
			    const char *report_dir)
{
	fprintf(f, "## Figures\n\n");
	if (!figs->n) {
		fprintf(f, "No figures: nothing to plot.\n\n");
		return;
	}
	if (*figs->why)
		fprintf(f, "The figures' data files are in `%s`, but none was rendered: %s.\n\n",
			plots_dir, figs->why);
	/* a heading per kind of figure, in the order the plot engine made them (counts first) */
	static const char *const kinds[][2] = {
		{ "bounces", "SWIOTLB bounces per operation and bounce rate" },
		{ "slots", "SWIOTLB slots in use" },
		{ "throughput", "Throughput" },
		{ "latency", "Latency" },
		{ "trend", "Trends over nights" },
		{ "compare", "Each mode against noforce" },
	};
	for (size_t i = 0; i < figs->n; i++) {
		char rel[PATH_MAX];

		relative_to(plots_dir, report_dir, rel, sizeof(rel));
		if (!i || strcmp(figs->f[i - 1].kind, figs->f[i].kind)) {
			const char *title = figs->f[i].kind;

			for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
				if (!strcmp(kinds[k][0], figs->f[i].kind))
					title = kinds[k][1];
			fprintf(f, "%s### %s\n\n", *figs->why && i ? "\n" : "", title);
		}
		if (*figs->why)
			fprintf(f, "- %s: data [`%s`](%s/%s)\n", figs->f[i].caption, figs->f[i].data,
				rel, figs->f[i].data);
		else
			fprintf(f, "![%s](%s/%s)\n%s (data: [`%s`](%s/%s))\n\n", figs->f[i].caption,
				rel, figs->f[i].image, figs->f[i].caption, figs->f[i].data, rel,
				figs->f[i].data);
	}
	fputc('\n', f);
}

/* Did any run execute under QEMU (its CPU model says so)? */
static bool any_emulated(const struct an_runs *runs)
{
	for (size_t i = 0; i < runs->n; i++)
		if (runs->r[i].cpu && strstr(runs->r[i].cpu, "QEMU"))
			return true;
	return false;
}

int an_report_write(FILE *f, FILE *details, struct bl_store *s, const struct bl_run_filter *filter,
		    const struct an_report_opts *o)
{
	const char *db_path = o->db_path, *plots_dir = o->plots_dir, *report_dir = o->report_dir;
	struct report_ctx c = { .f = f, .s = s, .filter = filter, .details = details,
				.details_link = o->details_link };
	struct an_figures figs = { 0 };
	struct an_runs runs = { 0 };
	struct bl_sample_set set;
	FILE *cmp_out;
	char *cmp_buf = NULL;
	size_t cmp_len = 0;
	int ret;

	bl_stats_opts_default(&c.stats);
	bl_sample_set_init(&set);
	c.findings = open_memstream(&c.findings_buf, &c.findings_len);
	if (!c.findings)
		return -ENOMEM;
	ret = an_load_runs(s, filter, &runs);
	if (ret < 0)
		goto out;
	c.runs = &runs;
	ret = an_load_set(s, filter, AN_GROUP_KERNEL_MODE, &set, NULL);
	if (ret < 0 || (ret = bl_sample_set_sort(&set)) < 0)
		goto out;
	if (!o->no_plots) {
		struct an_plot_opts po = { .outdir = plots_dir, .fmt = o->fmt,
					   .metric = "ops_per_sec", .stats = &c.stats };

		ret = an_plots_render(s, filter, &po, &figs);
		if (ret < 0)
			goto out;
	}

	fprintf(f, "# bouncelab results\n\n"
		   "Generated by `bouncelab report` from the runs stored in `%s`%s%s%s; nothing "
		   "here is typed by hand. Regenerate with:\n\n"
		   "    bouncelab report --db %s --out %s%s%s\n\n",
		db_path, *o->selector ? " (selector `" : "", o->selector,
		*o->selector ? "`)" : "", db_path, o->out, *o->selector ? " " : "", o->selector);
	/* Says where runs come from, not which ran: "What ran" below is read from the store. */
	fprintf(f, "Where runs come from: `bouncelab lab` boots Debian kernels under QEMU once per "
		   "DMA mode and runs a gembench job inside; `gembench` runs the same jobs on real "
		   "DRM devices; `bouncelab ingest` (or bouncelabd) stores their result documents. "
		   "The top-level RESULTS.md is regenerated from a fresh testbed matrix (6.1 and "
		   "6.12 x default, force, noforce, iommu, iommu-pt; configs/jobs/standard.ini) by "
		   "`make results`.\n\n");
	if (any_emulated(&runs))
		fprintf(f, "> Runs from the testbed ran in QEMU with TCG emulation: absolute "
			   "times are 10-100x slower than hardware and mean little on their own. "
			   "Counts (bounces, DMA mappings, SWIOTLB slots) are exact, and ratios "
			   "between modes of the same kernel hold.\n\n");
	if (!runs.n) {
		fprintf(f, "No runs match: nothing to report.\n");
		goto out;
	}
	if (details)
		fprintf(details, "# bouncelab results: full tables\n\n"
				 "The full tables behind `%s`, generated with it by the same "
				 "`bouncelab report` run from `%s`; nothing here is typed by hand.\n\n",
			o->out, db_path);
	what_ran(f, details, o->details_link, &runs);
	/*
	 * The comparisons go to a buffer first: they produce the "what force
	 * costs" findings, and the findings come first in the report.
	 */
	cmp_out = open_memstream(&cmp_buf, &cmp_len);
	if (!cmp_out) {
		ret = -ENOMEM;
		goto out;
	}
	c.f = cmp_out;
	ret = mode_comparisons(&c);
	if (!ret)
		ret = kernel_comparisons(&c);
	c.f = f;
	fclose(cmp_out);
	if (!ret)
		ret = findings(&c, &set);
	if (!ret) {
		fputs(cmp_buf, f);
		if (!o->no_plots)
			figures_section(f, &figs, plots_dir, report_dir);
		if (c.details) {
			/* the heading stays, so that the report says where the rows are */
			fprintf(f, "## Results per kernel, mode and device\n\n"
				   "Every row (size) of every kernel, mode, devices and workload: "
				   "[%s](%s#results-per-kernel-mode-and-device).\n",
				c.details_link, c.details_link);
			result_tables(c.details, &set);
		} else {
			result_tables(f, &set);
		}
	}
out:
	free(cmp_buf);
	fclose(c.findings);
	free(c.findings_buf);
	an_figures_free(&figs);
	bl_sample_set_free(&set);
	an_runs_free(&runs);
	return ret;
}

