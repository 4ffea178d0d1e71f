/*
 * The Markdown report (`bouncelab report`, RESULTS.md) generated from the
 * store, so that nothing in it is typed by hand. Sections: the headline
 * (headline.h, rendered by report_headline.c: one row per kernel and
 * mode), what Xen PV does (report_xen.c, when a kernel ran a Xen mode),
 * what ran
 * (kernels with exact versions, modes, devices, jobs, dates), findings
 * computed from the numbers (report_findings.c: counts first, where bounces
 * per op exceed one, slots left after teardown; then what force costs per
 * size, refused operations with their errno and kernel log line, counters a
 * kernel could not tell), each DMA mode against the baseline mode and
 * kernel against kernel (report_compare.c) as one summary table per kernel
 * and mode with a row per job, change points over the Debian package
 * versions of each series (report_changes.c), the figures (rendered by figures*.c, linked
 * relative to the report). The full comparison tables and the per-row
 * tables (a full matrix makes thousands of lines) go to a side file,
 * <report>-details.md, linked from the report; with --out - they are
 * folded into it.
 *
 * Which runs: by default the newest night (the runs within night_hours of
 * the newest one: what a nightly lab just produced) with trend figures over
 * the history of the same configurations (per-run aggregates); with --all
 * or a selector, every run it picks. The runs are loaded once (an_dataset)
 * and shared by every section and figure.
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

#include "fsutil.h"
#include "log.h"
#include "calibrate.h"
#include "report_int.h"
#include "store_summary.h"
#include "textsafe.h"

/*
 * Markdown table cells must not contain '|' or newlines; other control
 * characters and text-reordering ones (ESC, U+202E) are written as their
 * escapes, so a report read in a terminal or a browser shows them.
 */
void rp_md_cell(FILE *f, const char *s)
{
	for (; s && *s;) {
		size_t n = bl_unsafe_len(s);
		char esc[16];

		if (*s == '|') {
			fputs("\\|", f);
		} else if (*s == '\n' || *s == '\r' || *s == '\t') {
			fputc(' ', f);
		} else if (n) {
			char one[4] = { 0 };

			memcpy(one, s, n);
			fputs(bl_text_safe(one, esc, sizeof(esc), NULL), f);
		} else {
			fputc(*s, f);
		}
		s += n ? n : 1;
	}
}

const char *rp_nz(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* --- what ran ---------------------------------------------------------------------- */

static const char *f_release(const struct an_run *r) { return r->kernel_release; }
static const char *f_mode(const struct an_run *r) { return r->mode; }
static const char *f_device(const struct an_run *r) { return r->device; }
static const char *f_job(const struct an_run *r) { return r->job; }

/* One distinct value of a field: its first run and how many runs have it. */
struct tally {
	size_t first, count;
};

/*
 * The distinct values of @field over @runs in order of first appearance
 * (NULL and "" are one value), into a malloc'd array (*@n of them); NULL
 * when out of memory. A few kernels, modes, devices and jobs over many
 * runs: a scan of the distinct values per run.
 */
static struct tally *tally(const struct an_runs *runs, const char *(*field)(const struct an_run *),
			   size_t *n)
{
	struct tally *t = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < runs->n; i++) {
		const char *v = rp_nz(field(&runs->r[i]), "?");
		size_t k = 0;

		while (k < *n && strcmp(rp_nz(field(&runs->r[t[k].first]), "?"), v))
			k++;
		if (k < *n) {
			t[k].count++;
			continue;
		}
		if (*n == cap) {
			struct tally *nt = realloc(t, (cap = cap ? cap * 2 : 16) * sizeof(*nt));

			if (!nt) {
				free(t);
				return NULL;
			}
			t = nt;
		}
		t[(*n)++] = (struct tally){ i, 1 };
	}
	return t ? t : calloc(1, sizeof(*t));
}

static int list_values(FILE *f, const char *title, const struct an_runs *runs,
		       const char *(*field)(const struct an_run *))
{
	size_t n;
	struct tally *t = tally(runs, field, &n);

	if (!t)
		return -ENOMEM;
	fprintf(f, "- %s: ", title);
	for (size_t k = 0; k < n; k++)
		/* none: runs that recorded no value (a skipped run found no device) */
		fprintf(f, "%s`%s` (%zu run%s)", k ? ", " : "",
			rp_nz(field(&runs->r[t[k].first]), "none"), t[k].count,
			t[k].count == 1 ? "" : "s");
	fputc('\n', f);
	free(t);
	return 0;
}

/* The summary into @f; the list of every run into @details, or folded into @f. */
static int what_ran(FILE *f, FILE *details, const char *details_link, const struct an_runs *runs)
{
	size_t nrel;
	struct tally *rel = tally(runs, f_release, &nrel);

	if (!rel)
		return -ENOMEM;
	fprintf(f, "## What ran\n\n");
	fprintf(f, "| kernel release | kernel version | Debian package | runs |\n"
		   "| --- | --- | --- | ---: |\n");
	for (size_t k = 0; k < nrel; k++) {
		const struct an_run *r = &runs->r[rel[k].first];

		fputs("| `", f);
		rp_md_cell(f, rp_nz(r->kernel_release, "?"));
		fputs("` | ", f);
		rp_md_cell(f, rp_nz(r->kernel_version, "?"));
		fputs(" | ", f);
		rp_md_cell(f, rp_nz(r->package_version, "unknown"));
		fprintf(f, " | %zu |\n", rel[k].count);
	}
	free(rel);
	fputc('\n', f);
	if (list_values(f, "DMA modes", runs, f_mode) || list_values(f, "devices", runs, f_device) ||
	    list_values(f, "jobs", runs, f_job))
		return -ENOMEM;
	if (runs->n)
		fprintf(f, "- dates: %s to %s\n", rp_nz(runs->r[0].started_at, "?"),
			rp_nz(runs->r[runs->n - 1].started_at, "?"));
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
			rp_nz(r->started_at, "?"), rp_nz(r->kernel_release, "?"), r->mode,
			rp_nz(r->device, "?"), rp_nz(r->importer, "-"), rp_nz(r->job, "?"),
			rp_nz(r->status, "?"), r->n_results, rp_nz(r->run_id, "?"));
	}
	fprintf(f, details ? "\n" : "\n</details>\n\n");
	return 0;
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

/*
 * The heatmaps (bounces per op of every job x mode x size, one per kernel)
 * right under the headline: where bouncing happens on the whole matrix,
 * before the tables say how much.
 */
static void heatmaps(FILE *f, const struct an_figures *figs, const char *plots_dir,
		     const char *report_dir)
{
	char rel[PATH_MAX];
	bool any = false;

	relative_to(plots_dir, report_dir, rel, sizeof(rel));
	for (size_t i = 0; !*figs->why && i < figs->n; i++) {
		if (strcmp(figs->f[i].kind, "heatmap"))
			continue;
		if (!any)
			fputs("## Where bouncing happens\n\n", f);
		any = true;
		fprintf(f, "![%s](%s/%s)\n%s (data: [`%s`](%s/%s))\n\n", figs->f[i].caption, rel,
			figs->f[i].image, figs->f[i].caption, figs->f[i].data, rel, figs->f[i].data);
	}
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
		{ "heatmap", "Where bouncing happens: bounces per op, every job x mode x size" }, /* no gnuplot */
		{ "bounces", "SWIOTLB bounces per operation and bounce rate" },
		{ "slots", "SWIOTLB slots in use" },
		{ "pool", "Failed ops and peak slots against the pool size" },
		{ "throughput", "Throughput" },
		{ "latency", "Latency" },
		{ "trend", "Trends over nights" },
		{ "versions", "Change points over package versions" },
		{ "compare", "Each mode against " BL_MODE_BASELINE },
	};
	for (size_t i = 0; i < figs->n; i++) {
		char rel[PATH_MAX];

		/* rendered heatmaps stand under the headline (heatmaps()) */
		if (!*figs->why && !strcmp(figs->f[i].kind, "heatmap"))
			continue;
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

/*
 * One line per guest clock the reported runs' times are on: QEMU's icount
 * (instructions counted, deterministic), the wall clock of a TCG guest, or
 * real hardware's own. Times on different clocks are different quantities
 * (compare refuses to mix them), so the reader learns first which they are.
 */
static void clock_lines(FILE *f, const struct an_runs *runs)
{
	size_t icount = 0, wall = 0, host = 0;

	for (size_t i = 0; i < runs->n; i++) {
		const char *clk = runs->r[i].clock;

		if (!clk)
			host++;
		else if (!strcmp(clk, "icount"))
			icount++;
		else
			wall++;
	}
	if (icount)
		fprintf(f, "- Times of %zu run%s are on QEMU's icount clock: 1 ns per guest "
			   "instruction, deterministic, a cost model rather than a stopwatch (a "
			   "vectorised copy looks cheaper than `rep movsb` of the same bytes); they "
			   "compare with times on this clock only.\n",
			icount, icount == 1 ? "" : "s");
	if (wall)
		fprintf(f, "- Times of %zu run%s are on the wall clock of a guest under "
			   "multi-threaded TCG: emulated, 10-100x slower than hardware, and they move "
			   "with the host's load and from boot to boot.\n",
			wall, wall == 1 ? "" : "s");
	if (host)
		fprintf(f, "- Times of %zu run%s are on the host's own clock (real hardware, not the "
			   "testbed).\n",
			host, host == 1 ? "" : "s");
	if (runs->n)
		fputc('\n', f);
}

/* The configurations of the night (trend lines follow these), sorted for bsearch. */
struct configs {
	char (*label)[320];
	size_t n;
};

static int cmp_label(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void config_of(const struct an_run *r, char *buf, size_t len)
{
	char grp[200];

	an_run_label(r, AN_GROUP_KERNEL_MODE, grp, sizeof(grp));
	snprintf(buf, len, "%s job %s", grp, rp_nz(r->job, "?"));
}

static bool in_configs(const struct an_run *r, void *user)
{
	const struct configs *cf = user;
	char key[320];

	config_of(r, key, sizeof(key));
	return bsearch(key, cf->label, cf->n, sizeof(*cf->label), cmp_label) != NULL;
}

/*
 * Picks the runs: the newest night (o->night_hours > 0: the runs of @filter
 * that started within that many hours of the newest stored run) into @ds,
 * and the history its trends draw (every stored run in a configuration
 * the night has; not loaded without figures) into @history; else every
 * run of @filter, which is also the history.
 */
static int load_runs(struct bl_store *s, const struct bl_run_filter *filter,
		     const struct an_report_opts *o, struct an_dataset *ds, struct an_runs *history,
		     int64_t *newest)
{
	struct bl_run_filter nf = *filter;
	struct configs cf = { 0 };
	int ret;

	char err[512] = "";

	*newest = 0;
	if (o->night_hours > 0) {
		ret = bl_store_summary_newest(s, newest, err, sizeof(err));
		if (ret < 0) {
			bl_err("%s", err);
			return ret;
		}
		if (*newest && *newest - (int64_t)o->night_hours * 3600 > nf.since)
			nf.since = *newest - (int64_t)o->night_hours * 3600;
	}
	ret = an_dataset_load(s, &nf, ds);
	/* the history is for the trend figures only */
	if (ret < 0 || o->night_hours <= 0 || o->no_plots)
		return ret;
	ret = an_load_history(s, history);
	if (ret < 0)
		return ret;
	cf.label = calloc(ds->runs.n ? ds->runs.n : 1, sizeof(*cf.label));
	if (!cf.label)
		return -ENOMEM;
	for (size_t i = 0; i < ds->runs.n; i++)
		config_of(&ds->runs.r[i], cf.label[cf.n++], sizeof(*cf.label));
	qsort(cf.label, cf.n, sizeof(*cf.label), cmp_label);
	an_runs_keep(history, in_configs, &cf);
	free(cf.label);
	return 0;
}

int an_report_write(FILE *f, FILE *details, struct bl_store *s, const struct bl_run_filter *filter,
		    const struct an_report_opts *o)
{
	const char *db_path = o->db_path, *plots_dir = o->plots_dir, *report_dir = o->report_dir;
	struct report_ctx c = { .f = f, .s = s, .details = details,
				.details_link = o->details_link };
	struct an_figures figs = { 0 };
	struct an_dataset ds = { 0 };
	struct an_runs history = { 0 };
	const struct an_runs *runs = &ds.runs;
	struct bl_sample_set set;
	FILE *cmp_out;
	char *cmp_buf = NULL;
	size_t cmp_len = 0;
	struct an_floor_index floors = { 0 };
	char modes[256];
	const char *keys[BL_MODE_MATRIX_MAX];
	size_t nkeys, off = 0;
	int64_t newest;
	int ret;

	bl_stats_opts_default(&c.stats);
	/* the noise floors bouncelab calibrate measured: without one, a time compared
	 * between single boots is unknown, never a finding */
	if (an_floor_index_load(s, &floors) == 0) {
		c.stats.floor_of = an_floor_of;
		c.stats.floor_user = &floors;
	}
	bl_sample_set_init(&set);
	c.findings = open_memstream(&c.findings_buf, &c.findings_len);
	if (!c.findings)
		return -ENOMEM;
	ret = load_runs(s, filter, o, &ds, &history, &newest);
	if (ret < 0)
		goto out;
	c.ds = &ds;
	c.runs = runs;
	c.set = &set;
	ret = an_dataset_samples(&ds, NULL, AN_GROUP_KERNEL_MODE, &set, NULL);
	if (ret < 0 || (ret = bl_sample_set_sort(&set)) < 0)
		goto out;
	if (!o->no_plots) {
		struct an_plot_opts po = { .outdir = plots_dir, .fmt = o->fmt,
					   .metric = "ops_per_sec", .stats = &c.stats };

		ret = an_plots_render_loaded(s, &ds, &set, o->night_hours > 0 ? &history : runs, &po,
					     &figs);
		if (ret < 0)
			goto out;
	}

	fprintf(f, "# bouncelab results\n\n"
		   "Generated by `bouncelab report` from the runs stored in `%s`%s%s%s; nothing "
		   "here is typed by hand. Regenerate with:\n\n"
		   "    bouncelab report --db %s --out %s%s%s%s\n\n",
		db_path, *o->selector ? " (selector `" : "", o->selector,
		*o->selector ? "`)" : "", db_path, o->out, o->all ? " --all" : "",
		*o->selector ? " " : "", o->selector);
	if (o->night_hours > 0 && runs->n) {
		fprintf(f, "This report covers the newest night: the %zu run%s that started from %s "
			   "to %s, within %d hours of the newest run (`bouncelab report --all`, or a "
			   "selector, reports every run instead).",
			runs->n, runs->n == 1 ? "" : "s", rp_nz(runs->r[0].started_at, "?"),
			rp_nz(runs->r[runs->n - 1].started_at, "?"), o->night_hours);
		if (!o->no_plots)
			fprintf(f, " Its trend figures follow the same configurations over all %zu "
				   "stored run%s of them.", history.n, history.n == 1 ? "" : "s");
		fputs("\n\n", f);
	}
	/* Says where runs come from, not which ran: "What ran" below is read from the store. */
	/* the default matrix (xen-pv:balloon=1536M included), as make results boots it */
	nkeys = bl_mode_matrix(keys);
	modes[0] = '\0';
	for (size_t i = 0; i < nkeys && off < sizeof(modes); i++)
		off += (size_t)snprintf(modes + off, sizeof(modes) - off, "%s%s", i ? ", " : "", keys[i]);
	fprintf(f, "Where runs come from: `bouncelab lab` boots Debian kernels under QEMU once per "
		   "DMA mode and runs a gembench job inside; `gembench` runs the same jobs on real "
		   "DRM devices; `bouncelab ingest` (or bouncelabd) stores their result documents. "
		   "The top-level RESULTS.md is regenerated from a fresh testbed matrix (6.1 and "
		   "6.12 x %s; configs/jobs/standard.ini) by `make results`.\n\n", modes);
	clock_lines(f, runs);
	if (any_emulated(runs))
		fprintf(f, "> Runs from the testbed ran in QEMU with TCG emulation: absolute "
			   "times are 10-100x slower than hardware and mean little on their own. "
			   "Counts (bounces, DMA mappings, SWIOTLB slots) are exact, and ratios "
			   "between modes of the same kernel on the same clock hold.\n\n");
	if (!runs->n) {
		fprintf(f, "No runs match: nothing to report.\n");
		goto out;
	}
	if (details)
		fprintf(details, "# bouncelab results: full tables\n\n"
				 "The full tables behind `%s`, generated with it by the same "
				 "`bouncelab report` run from `%s`; nothing here is typed by hand.\n\n",
			o->out, db_path);
	/* the order of issue 16: the headline, what changed since last night, then the rest */
	ret = rp_headline(&c, f);
	if (!ret)
		ret = rp_night_section(&c, f);
	if (!ret && !o->no_plots)
		heatmaps(f, &figs, plots_dir, report_dir);
	if (!ret)
		ret = rp_xen_section(&c, f);
	if (!ret)
		ret = what_ran(f, details, o->details_link, runs);
	if (ret < 0)
		goto out;
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
	ret = rp_mode_comparisons(&c);
	if (!ret)
		ret = rp_kernel_comparisons(&c);
	c.f = f;
	fclose(cmp_out);
	if (!ret)
		ret = rp_findings(&c);
	if (!ret) {
		fputs(cmp_buf, f);
		ret = rp_change_points(&c, filter);
	}
	if (!ret)
		ret = rp_pool_section(f, &ds);
	if (!ret && !o->no_plots) {
		char prel[PATH_MAX];

		relative_to(plots_dir, report_dir, prel, sizeof(prel));
		rp_pool_figures(f, &figs, prel);
	}
	if (!ret) {
		if (!o->no_plots)
			figures_section(f, &figs, plots_dir, report_dir);
		if (c.details) {
			/* the heading stays, so that the report says where the rows are */
			fprintf(f, "## Results per kernel, mode and device\n\n"
				   "Every row (size) of every kernel, mode, devices and workload: "
				   "[%s](%s#results-per-kernel-mode-and-device).\n",
				c.details_link, c.details_link);
			rp_result_tables(c.details, &set);
		} else {
			rp_result_tables(f, &set);
		}
	}
out:
	an_floor_index_free(&floors);
	free(cmp_buf);
	fclose(c.findings);
	free(c.findings_buf);
	an_figures_free(&figs);
	bl_sample_set_free(&set);
	an_runs_free(&history);
	an_dataset_free(&ds);
	return ret;
}

