/*
 * What the figure files (analysis/figures*.c) share and nothing else uses:
 * the render context (options, the loaded runs, gnuplot) and the helpers
 * that write a data file and render it. One file per kind of figure:
 * figures_size.c (bounces, throughput, latency vs size),
 * figures_heatmap.c (bounces per op, every job x mode x size of a kernel),
 * figures_slots.c (SWIOTLB slots and the pool), figures_pool.c (failed ops
 * and peak slots against the pool size), figures_trend.c (a metric over
 * the nights), figures_versions.c (a series
 * over package versions with its change points), figures_compare.c (each mode
 * against the baseline mode); figures.c holds the helpers and the entry
 * points.
 */
#ifndef BL_FIGURES_INT_H
#define BL_FIGURES_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "analysis.h"

struct render_ctx {
	const struct an_plot_opts *o;
	struct an_figures *figs;
	char scripts[PATH_MAX];
	bool have_gnuplot;
	char subtitle[256];
	struct bl_store *s;		 /* for the trends' aggregates */
	const struct an_dataset *ds;	 /* the runs the figures show */
	const struct bl_sample_set *set; /* ds grouped AN_GROUP_KERNEL_MODE, sorted */
	const struct an_runs *history;	 /* the runs trends draw (oldest first) */
};

/* A file-name-safe copy of @s: [A-Za-z0-9.-] kept, everything else '_'. */
void fig_slug(const char *s, char *buf, size_t len);
/* A series' header line: its name in double quotes, then @extra_cols '?'. */
void fig_put_header(FILE *f, const char *name, int extra_cols);
/* Creates o->outdir/@name with its two comment lines; NULL (logged) on failure. */
FILE *fig_open_data(struct render_ctx *c, const char *name, const char *what, const char *columns);
/* Closes a data file; -EIO (logged) when anything failed to be written. */
int fig_close_data(FILE *f, const char *name);
/* Writes @label inside a data file's double-quoted field (which has no escapes). */
void fig_data_label(FILE *out, const char *label);
/*
 * Records the figure and renders plots/@script.gp with @data -> @image
 * (o->outdir), @vars as name, value pairs. @clock (fig_clock_text; NULL
 * or "" = not from the testbed) is appended to the caption and passed to
 * gnuplot as `clock`, which style.gp's heading() puts under the title.
 * 0, or -ENOMEM; a failed render is counted, not an error.
 */
int fig_render(struct render_ctx *c, const char *kind, const char *script, const char *data,
	       const char *image, const char *caption, const char *subtitle, const char *clock,
	       const char *const *vars);

/*
 * The guest clocks the times of a figure are on, as bits: the runs of the
 * render context's dataset with a result row of @workload on kernel @rel
 * (an_short_release) in @mode (each NULL = any).
 */
enum {
	FIG_CLOCK_ICOUNT = 1, /* the testbed under QEMU's icount: 1 ns per guest instruction */
	FIG_CLOCK_WALL = 2,   /* the testbed's wall clock (multi-threaded TCG) */
	FIG_CLOCK_HOST = 4,   /* no testbed: real hardware's own clock */
};
unsigned fig_clocks(const struct render_ctx *c, const char *rel, const char *mode,
		    const char *workload);
/*
 * What a figure says about @clocks: "times on QEMU's icount clock (1 ns
 * per guest instruction, a cost model)", "... wall clock ...", both; ""
 * when no run came from the testbed (real hardware needs no note).
 */
void fig_clock_text(unsigned clocks, char *buf, size_t len);

/*
 * The colour of a DMA mode in every figure: its palette index in
 * plots/style.gp. The modes of the table in its order, the baseline left
 * out: it is black, the reference the others are measured against.
 */
int fig_mode_colour(const char *mode);
/* Splits an AN_GROUP_KERNEL_MODE label "<release> <mode> <devices>" at its spaces. */
void fig_split_group(const char *group, char *rel, size_t rlen, char *mode, size_t mlen,
		     const char **devices);

/* figures_size.c: @kind "bounces", "throughput" or "latency" vs buffer size. */
int fig_size(struct render_ctx *c, const char *kind);
/* figures_slots.c: SWIOTLB slots per kernel, the pool as a line. */
int fig_slots(struct render_ctx *c);
/* figures_heatmap.c: per kernel, bounces per op of every job x mode x size. */
int fig_heatmap(struct render_ctx *c);
/* figures_pool.c: failed ops and peak slots against the pool size, per kernel and mode. */
int fig_pool(struct render_ctx *c);
/* figures_trend.c: o->metric over the history, per configuration and workload. */
int fig_trend(struct render_ctx *c);
/* figures_versions.c: each series with a change point over the package versions (changes.h). */
int fig_versions(struct render_ctx *c);
/* figures_compare.c: each mode of each kernel against the baseline mode. */
int fig_compare(struct render_ctx *c);

#endif
