/*
 * The figures (`bouncelab plot`, the report, the nightly job): writes the
 * data of every figure for the runs a selector picks (.dat files,
 * whitespace separated, one block per series headed by its name, '?' for
 * what a kernel cannot tell) and renders them with the gnuplot scripts in
 * plots/ (one per figure, data and output passed with -e, never embedded).
 * The data layouts are documented at the top of each plots/NAME.gp and
 * mirrored by plots/fixtures/NAME.dat.
 *
 * Figures, the exact counts first: per (workload, kernel), bounces /
 * throughput / latency vs size (a series per DMA mode x devices, colour =
 * mode, shape = devices); per kernel, SWIOTLB slots before / peak / after
 * for the rows whose boot had a pool in use (figures_size.c); per
 * configuration with two runs or more, the trend of one metric over time
 * (figures_trend.c); per (kernel, mode), the relative change against the
 * baseline mode of every job, the largest drawn (figures_compare.c). One
 * figure per job would be hundreds on a full matrix.
 *
 * This file: the figure list, writing data files, running gnuplot, and the
 * entry points. The runs come loaded (an_dataset, shared with the report)
 * or are loaded here once for `bouncelab plot`.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "figures_int.h"
#include "fsutil.h"
#include "paths.h"
#include "installdirs.h"
#include "log.h"
#include "subprocess.h"

/* --- figure list ---------------------------------------------------------------- */

static int add_figure(struct an_figures *figs, const char *kind, const char *image,
		      const char *data, const char *caption)
{
	struct an_figure *f;

	if (figs->n == figs->cap) {
		size_t cap = figs->cap ? figs->cap * 2 : 16;
		struct an_figure *nf = realloc(figs->f, cap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		figs->f = nf;
		figs->cap = cap;
	}
	f = &figs->f[figs->n];
	f->kind = strdup(kind);
	f->image = strdup(image);
	f->data = strdup(data);
	f->caption = strdup(caption);
	if (!f->kind || !f->image || !f->data || !f->caption) {
		free(f->kind);
		free(f->image);
		free(f->data);
		free(f->caption);
		return -ENOMEM;
	}
	figs->n++;
	return 0;
}

void an_figures_free(struct an_figures *figs)
{
	for (size_t i = 0; i < figs->n; i++) {
		free(figs->f[i].kind);
		free(figs->f[i].image);
		free(figs->f[i].data);
		free(figs->f[i].caption);
	}
	free(figs->f);
	memset(figs, 0, sizeof(*figs));
}

/* --- helpers -------------------------------------------------------------------- */

void fig_slug(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < len; i++) {
		char c = s[i];

		buf[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-') ? c : '_';
	}
	buf[i] = '\0';
}

/* A gnuplot double-quoted string cannot hold '"'; series names never need one. */
void fig_put_header(FILE *f, const char *name, int extra_cols)
{
	fputc('"', f);
	for (const char *p = name; *p; p++)
		fputc(*p == '"' ? '\'' : *p, f);
	fputc('"', f);
	for (int i = 0; i < extra_cols; i++)
		fputs(" ?", f);
	fputc('\n', f);
}

/*
 * Where the gnuplot scripts live: $BOUNCELAB_PLOTS, ./plots, beside the
 * binary (build/../plots), or where make install put them.
 */
static int find_scripts(char *buf, size_t len)
{
	const char *env = getenv("BOUNCELAB_PLOTS");
	char exe[PATH_MAX], probe[PATH_MAX + 32];

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	if (!access("plots/style.gp", R_OK)) {
		snprintf(buf, len, "plots");
		return 0;
	}
	if (bl_self_dir(exe, sizeof(exe)) == 0) {
		snprintf(probe, sizeof(probe), "%s/../plots/style.gp", exe);
		if (!access(probe, R_OK) && snprintf(buf, len, "%s/../plots", exe) < (int)len)
			return 0;
	}
	snprintf(probe, sizeof(probe), "%s/plots/style.gp", bl_pkgdatadir);
	if (!access(probe, R_OK) && snprintf(buf, len, "%s/plots", bl_pkgdatadir) < (int)len)
		return 0;
	return -ENOENT;
}

/*
 * Appends name="value" to a gnuplot -e string. A double-quoted gnuplot
 * string takes backslash escapes, so every byte comes through: \\ and \"
 * for themselves, control characters dropped (a label is one line). The
 * single-quoted form ('' for a quote) broke on a value starting with a
 * quote: gnuplot read '''x' as an empty string, then x.
 */
static void gp_var(char *buf, size_t len, const char *name, const char *value)
{
	size_t off = strlen(buf);

	off += (size_t)snprintf(buf + off, len > off ? len - off : 0, "%s=\"", name);
	for (const char *p = value; *p && off + 4 < len; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			continue;
		if (*p == '\\' || *p == '"')
			buf[off++] = '\\';
		buf[off++] = *p;
	}
	snprintf(buf + off, len > off ? len - off : 0, "\"; ");
}

void fig_data_label(FILE *out, const char *label)
{
	/* A data file's quoted field has no escapes: a double quote becomes a single one. */
	for (const char *p = label; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fputc(' ', out);
		else
			fputc(*p == '"' ? '\'' : *p, out);
	}
}

/*
 * Copies what gnuplot said on stderr to ours, leaving out "Skipping data file
 * with no valid points": the figures draw one series per kernel x mode on
 * purpose, and a series a kernel cannot tell (bounce rate without dma:*
 * tracepoints, all '?') is expected to be empty. Everything is shown when
 * the render failed.
 */
static void gnuplot_echo_stderr(int fd, bool all)
{
	char line[1024];
	FILE *f;
	int dup_fd = dup(fd);

	if (dup_fd < 0 || lseek(dup_fd, 0, SEEK_SET) < 0)
		goto out;
	f = fdopen(dup_fd, "r");
	if (!f)
		goto out;
	dup_fd = -1;
	while (fgets(line, sizeof(line), f))
		if (all || !strstr(line, "Skipping data file with no valid points"))
			fputs(line, stderr);
	fclose(f);
out:
	if (dup_fd >= 0)
		close(dup_fd);
}

/*
 * Runs gnuplot on plots/@script.gp with @data -> @image (both inside the out
 * folder) and records the figure. 0, or -ENOMEM; a failed render is counted.
 */
int fig_render(struct render_ctx *c, const char *kind, const char *script, const char *data,
		  const char *image, const char *caption, const char *subtitle, const char *clock,
		  const char *const *vars)
{
	char expr[4096] = "", path[PATH_MAX], dpath[PATH_MAX], ipath[PATH_MAX], cap[768];
	int status, ret, errfd;
	bool ok;

	/* the caption names the clock: times on icount and on a wall clock never compare */
	snprintf(cap, sizeof(cap), "%s%s%s", caption, clock && *clock ? "; " : "",
		 clock ? clock : "");
	ret = add_figure(c->figs, kind, image, data, cap);
	if (ret < 0 || !c->have_gnuplot)
		return ret;
	snprintf(dpath, sizeof(dpath), "%s/%s", c->o->outdir, data);
	snprintf(ipath, sizeof(ipath), "%s/%s", c->o->outdir, image);
	if (snprintf(path, sizeof(path), "%s/%s.gp", c->scripts, script) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	gp_var(expr, sizeof(expr), "data", dpath);
	gp_var(expr, sizeof(expr), "out", ipath);
	gp_var(expr, sizeof(expr), "fmt", c->o->fmt);
	gp_var(expr, sizeof(expr), "subtitle", subtitle ? subtitle : c->subtitle);
	gp_var(expr, sizeof(expr), "clock", clock ? clock : "");
	for (; vars && vars[0]; vars += 2)
		gp_var(expr, sizeof(expr), vars[0], vars[1]);

	fflush(NULL);
	/* gnuplot's stderr is kept aside and filtered (gnuplot_echo_stderr). */
	errfd = memfd_create("gnuplot-stderr", MFD_CLOEXEC);
	{
		char *argv[] = { "gnuplot", "-e", expr, path, NULL };
		struct bl_spawn_result res;

		/* a minute is ages for one figure: a hung gnuplot must not hang the report */
		ret = bl_spawn_run(argv,
				   &(struct bl_spawn_opts){ .in = BL_SPAWN_NULL,
							    .err = errfd >= 0 ? BL_SPAWN_FD
									      : BL_SPAWN_INHERIT,
							    .err_fd = errfd,
							    .timeout_ms = 60000 },
				   &res);
		status = ret < 0 ? -1 : bl_spawn_code(&res);
		ok = ret == 0 && status == 0;
		if (ret < 0)
			bl_err("plot: gnuplot: %s", strerror(-ret));
		else
			bl_spawn_result_free(&res);
	}
	if (errfd >= 0) {
		gnuplot_echo_stderr(errfd, !ok);
		close(errfd);
	}
	if (ok) {
		c->figs->rendered++;
	} else {
		bl_err("plot: gnuplot %s for %s failed (exit %d)", path, data, status);
		c->figs->failed++;
	}
	return 0;
}

/* --- clocks ------------------------------------------------------------------------- */

static unsigned clock_bit(const struct an_run *r)
{
	if (!r->clock)
		return FIG_CLOCK_HOST;
	return !strcmp(r->clock, "icount") ? FIG_CLOCK_ICOUNT : FIG_CLOCK_WALL;
}

unsigned fig_clocks(const struct render_ctx *c, const char *rel, const char *mode,
		    const char *workload)
{
	const struct an_dataset *ds = c->ds;
	size_t last = SIZE_MAX;
	bool in = false;
	unsigned bits = 0;

	/* rows come by run: the run's kernel and mode are looked at once per run */
	for (size_t i = 0; i < ds->n; i++) {
		const struct an_run *r = &ds->runs.r[ds->rows[i].run];

		if (ds->rows[i].run != last) {
			char short_rel[128];

			last = ds->rows[i].run;
			an_short_release(r->kernel_release, short_rel, sizeof(short_rel));
			in = (!rel || !strcmp(short_rel, rel)) && (!mode || !strcmp(r->mode, mode));
		}
		if (in && (!workload || !strcmp(ds->rows[i].v.workload, workload)))
			bits |= clock_bit(r);
	}
	return bits;
}

void fig_clock_text(unsigned clocks, char *buf, size_t len)
{
	bool icount = clocks & FIG_CLOCK_ICOUNT, wall = clocks & FIG_CLOCK_WALL;

	if (icount && wall)
		snprintf(buf, len, "times on two guest clocks: QEMU's icount (1 ns per guest "
				   "instruction) and the wall clock (moves with the host's load)");
	else if (icount)
		snprintf(buf, len, "times on QEMU's icount clock: 1 ns per guest instruction, a "
				   "cost model, not a stopwatch");
	else if (wall)
		snprintf(buf, len, "times on the wall clock of a TCG guest: they move with the "
				   "host's load");
	else
		snprintf(buf, len, "%s", "");
	/* real hardware beside testbed runs: say that those are on a third clock */
	if ((icount || wall) && (clocks & FIG_CLOCK_HOST))
		snprintf(buf + strlen(buf), len - strlen(buf), "%s",
			 " (real-hardware runs: their own clock)");
}

FILE *fig_open_data(struct render_ctx *c, const char *name, const char *what,
		    const char *columns)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", c->o->outdir, name);
	f = fopen(path, "we");
	if (!f) {
		bl_err("plot: %s: create: %s", path, strerror(errno));
		return NULL;
	}
	fprintf(f, "# bouncelab plot data: %s\n# columns: %s\n", what, columns);
	return f;
}

int fig_close_data(FILE *f, const char *name)
{
	if (ferror(f) | fclose(f)) {
		bl_err("plot: %s: write failed", name);
		return -EIO;
	}
	return 0;
}

/* --- entry points ------------------------------------------------------------------- */

int an_plots_render_loaded(struct bl_store *s, const struct an_dataset *ds,
			   const struct bl_sample_set *set, const struct an_runs *history,
			   const struct an_plot_opts *o, struct an_figures *figs)
{
	struct render_ctx c = { .o = o, .figs = figs, .s = s, .ds = ds, .set = set,
				.history = history };
	const struct an_runs *runs = &ds->runs;
	char kernels[200] = "";
	const char *seen[64];
	size_t off = 0;
	int ret;

	memset(figs, 0, sizeof(*figs));
	if (!bl_metric_find(o->metric)) {
		bl_err("plot: unknown metric '%s'", o->metric);
		return -EINVAL;
	}
	ret = bl_mkdir_p(o->outdir, 0777);
	if (ret < 0) {
		bl_err("plot: %s: mkdir: %s", o->outdir, strerror(-ret));
		return ret;
	}
	c.have_gnuplot = find_scripts(c.scripts, sizeof(c.scripts)) == 0 &&
			 system("command -v gnuplot >/dev/null 2>&1") == 0;
	if (!c.have_gnuplot)
		snprintf(figs->why, sizeof(figs->why), "%s",
			 find_scripts(c.scripts, sizeof(c.scripts)) ?
				 "the gnuplot scripts (plots/) were not found; set BOUNCELAB_PLOTS" :
				 "gnuplot is not installed (make deps)");

	/* the subtitle: kernels and how many runs (the distinct kernels: a handful) */
	for (size_t i = 0, nseen = 0; i < runs->n; i++) {
		const char *rel_i = runs->r[i].kernel_release;
		char rel[128];
		bool dup = false;

		for (size_t j = 0; j < nseen && !dup; j++)
			dup = !strcmp(seen[j], rel_i ? rel_i : "");
		if (dup || !rel_i || nseen == sizeof(seen) / sizeof(seen[0]))
			continue;
		seen[nseen++] = rel_i;
		an_short_release(rel_i, rel, sizeof(rel));
		if (off < sizeof(kernels))
			off += (size_t)snprintf(kernels + off, sizeof(kernels) - off, "%s%s",
						off ? ", " : "", rel);
	}
	snprintf(c.subtitle, sizeof(c.subtitle), "%zu run%s; kernels %s", runs->n,
		 runs->n == 1 ? "" : "s", *kernels ? kernels : "?");

	/* the exact counts first (bounces, slots), then the timings TCG makes noisy */
	if (!(ret = fig_heatmap(&c)) && !(ret = fig_size(&c, "bounces")) && !(ret = fig_slots(&c)) &&
	    !(ret = fig_pool(&c)) &&
	    !(ret = fig_size(&c, "throughput")) && !(ret = fig_size(&c, "latency")) &&
	    !(ret = fig_trend(&c)) && !(ret = fig_versions(&c)))
		ret = fig_compare(&c);
	return ret;
}

int an_plots_render(struct bl_store *s, const struct bl_run_filter *f,
		    const struct an_plot_opts *o, struct an_figures *figs)
{
	struct an_dataset ds;
	struct bl_sample_set set;
	int ret;

	memset(figs, 0, sizeof(*figs));
	if (!bl_metric_find(o->metric)) {
		bl_err("plot: unknown metric '%s'", o->metric);
		return -EINVAL;
	}
	ret = an_dataset_load(s, f, &ds);
	if (ret < 0)
		return ret;
	bl_sample_set_init(&set);
	ret = an_dataset_samples(&ds, NULL, AN_GROUP_KERNEL_MODE, &set, NULL);
	if (!ret)
		ret = bl_sample_set_sort(&set);
	if (!ret)
		ret = an_plots_render_loaded(s, &ds, &set, &ds.runs, o, figs);
	bl_sample_set_free(&set);
	an_dataset_free(&ds);
	return ret;
}
