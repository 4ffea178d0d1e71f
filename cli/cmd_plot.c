/*
 * `bouncelab plot`: options and output of the figures command; the figures
 * themselves (data files, gnuplot) are analysis/figures.c (an_plots_render).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "commands.h"
#include "log.h"
#include "selector.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab plot [--out DIR] [--format png|svg] [--metric M] [--db PATH] "
		"[SELECTOR...]\n\n"
		"Writes each figure's data (.dat) from the store and renders it with gnuplot and\n"
		"the scripts in plots/ (or $BOUNCELAB_PLOTS): per kernel, a heatmap of bounces per\n"
		"op (every job x mode x size); per workload, kernel and devices, bounces,\n"
		"throughput and latency vs buffer size (a series per DMA mode, identical modes\n"
		"merged); per kernel and mode, SWIOTLB slots with the pool as a line, and failed\n"
		"ops and peak slots against the pool size where it ran with several; per\n"
		"configuration run twice or more, the trend of --metric; per kernel and mode,\n"
		"the change of --metric against " BL_MODE_BASELINE " per job and size, the verdict as colour.\n\n"
		"  --out DIR        output folder (default plots/out)\n"
		"  --format FMT     png (default) or svg\n"
		"  --metric M       metric of the trend and compare charts (default ops_per_sec)\n"
		"  --db PATH        database (default $BOUNCELAB_DB or var/bouncelab.db)\n"
		"  SELECTOR         which runs, e.g. kernel=6.12,device=vgem; several are\n"
		"                   joined with ','\n\n");
	bl_selector_help(out, "");
}

int cmd_plot(int argc, char **argv)
{
	enum { O_OUT = 256, O_FORMAT, O_METRIC, O_DB, O_HELP };
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, O_OUT },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "metric", required_argument, NULL, O_METRIC },
		{ "db", required_argument, NULL, O_DB },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct an_plot_opts o = { .outdir = "plots/out", .fmt = "png", .metric = "ops_per_sec" };
	struct bl_stats_opts stats;
	struct bl_selector sel = { 0 };
	struct an_figures figs = { 0 };
	struct bl_store *s = NULL;
	const char *db = NULL;
	char text[1024] = "", err[512];
	bool incomplete = false;
	int c, ret;

	bl_stats_opts_default(&stats);
	o.stats = &stats;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_OUT: o.outdir = optarg; break;
		case O_METRIC: o.metric = optarg; break;
		case O_DB: db = optarg; break;
		case O_FORMAT:
			if (strcmp(optarg, "png") && strcmp(optarg, "svg")) {
				bl_err("--format: '%s' is not png or svg", optarg);
				return 2;
			}
			o.fmt = optarg;
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!bl_metric_find(o.metric)) {
		bl_err("--metric: unknown metric '%s' (see bouncelab compare --help)", o.metric);
		return 2;
	}
	if (bl_selector_join(text, sizeof(text), argc - optind, argv + optind) < 0) {
		bl_err("plot: selector too long");
		return 2;
	}
	if (bl_selector_parse(text, &sel, err, sizeof(err)) < 0) {
		bl_err("plot: %s", err);
		return 2;
	}
	if (an_open_store(db, &s) < 0) {
		bl_selector_free(&sel);
		return 3;
	}
	ret = an_plots_render(s, &sel.filter, &o, &figs);
	if (ret == 0) {
		for (size_t i = 0; i < figs.n; i++)
			printf("%s/%s\t%s\n", o.outdir,
			       *figs.why ? figs.f[i].data : figs.f[i].image, figs.f[i].caption);
		if (!figs.n)
			bl_warn("plot: no runs match '%s': nothing to plot", text);
		if (*figs.why)
			bl_warn("plot: data written to %s but no figure rendered: %s", o.outdir,
				figs.why);
		printf("%d figure%s rendered into %s, %d failed\n", figs.rendered,
		       figs.rendered == 1 ? "" : "s", o.outdir, figs.failed);
		incomplete = figs.failed || *figs.why;
	}
	an_figures_free(&figs);
	bl_store_close(s);
	bl_selector_free(&sel);
	if (ret < 0)
		return 3;
	return incomplete ? 1 : 0;
}
