/*
 * What `bouncelab compare`, `plot` and `report` share: opening the store
 * for reading, naming a run's DMA mode and group, loading the samples of a
 * selector (compare.h) and a list of the runs it selects. All database
 * access goes through lib/store.h.
 */
#ifndef BL_ANALYSIS_H
#define BL_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "compare.h"
#include "dmamode.h"
#include "store.h"

/* Opens @db (NULL = the default) read-only; logs why not. 0 or -errno. */
int an_open_store(const char *db, struct bl_store **out);
/* The same, for writing (verdicts). */
int an_open_store_rw(const char *db, struct bl_store **out);

/* How result rows are grouped into samples. */
enum an_group {
	AN_GROUP_NONE,        /* one group */
	AN_GROUP_JOB,         /* "<job>" or "<job> <device>[-><importer>]": what a comparison
				 must not mix (default for compare) */
	AN_GROUP_KERNEL_MODE, /* "<release> <mode> <device>[-><importer>]" */
	AN_GROUP_RUN,         /* one group per run: "<started_unix> <uuid>" (trends) */
};

/* Writes @run's group label for @how into @buf. */
void an_group_label(const struct bl_run_row *run, enum an_group how, char *buf, size_t len);

/*
 * Adds every result row of the runs matching @f to @set, grouped by @how.
 * *@runs (may be NULL) gets the number of runs that contributed.
 */
int an_load_set(struct bl_store *s, const struct bl_run_filter *f, enum an_group how,
		struct bl_sample_set *set, size_t *runs);

/* A run, copied out of the store's callback. */
struct an_run {
	int64_t id;
	char *run_id, *status, *error, *started_at;
	int64_t started_unix;
	char *job, *backend, *workload;
	char *kernel_release, *kernel_version, *package_version;
	char *mode, *device, *importer, *hostname, *cpu;
	int64_t swiotlb_slabs; /* -1 when unknown */
	int n_results;
};

struct an_runs {
	struct an_run *r;
	size_t n, cap;
};

/* Every run matching @f, oldest first. 0 or -errno. */
int an_load_runs(struct bl_store *s, const struct bl_run_filter *f, struct an_runs *out);
void an_runs_free(struct an_runs *runs);

/*
 * Stores one verdict per row of @r (subject @subject, baseline @r->base_label)
 * made at @at_unix. 0 or -errno (logged).
 */
int an_store_verdicts(struct bl_store *s, const struct bl_cmp_result *r, const char *subject,
		      int64_t at_unix);

/*
 * The nightly judgement (for bouncelabd's scheduler): compares run @uuid
 * with the earlier runs @baseline_selector picks (when the selector sets no
 * "until", only runs that started before @uuid count), stores the verdicts
 * (subject = @uuid) and writes a one-line summary into @summary.
 * *@worse gets the number of significant regressions. @s must be writable.
 * 0, -ENOENT (no such run, or no baseline runs: summary says which),
 * -EINVAL (bad selector: summary says why), else -errno.
 */
int an_judge_run(struct bl_store *s, const char *uuid, const char *baseline_selector,
		 const struct bl_stats_opts *opts, int64_t now_unix, size_t *worse,
		 char *summary, size_t len);

/*
 * Merges the "profile" objects that result rows carry (lib/profile.h,
 * bl_profile_to_json) over the runs matching @f, per
 * "[job device+importer] workload[/variant] size", into profiles of the
 * same shape whose shares are over the merged samples. Returns a new JSON
 * object (key -> profile; empty when no row has a profile), NULL on error.
 */
json_t *an_load_profiles(struct bl_store *s, const struct bl_run_filter *f);

/* A short kernel name for labels: "6.12.57+deb13-amd64" -> "6.12.57". */
void an_short_release(const char *release, char *buf, size_t len);

/* --- figures (analysis/figures.c) ------------------------------------------- */

struct an_figure {
	char *image;   /* file name of the rendered figure, relative to the out folder */
	char *data;    /* its data file, same folder */
	char *caption; /* one line saying what it shows */
	char *kind;    /* "throughput", "bounces", "latency", "slots", "trend", "compare" */
};

struct an_figures {
	struct an_figure *f;
	size_t n, cap;
	int rendered;  /* figures gnuplot rendered */
	int failed;    /* figures it could not */
	char why[256]; /* why nothing was rendered ("" when something was) */
};

struct an_plot_opts {
	const char *outdir;  /* created when missing */
	const char *fmt;     /* "png" or "svg" */
	const char *metric;  /* trend and compare charts (default ops_per_sec) */
	const struct bl_stats_opts *stats;
};

/*
 * Writes the data files of every figure for the runs matching @f into
 * o->outdir and renders them with gnuplot and plots/NAME.gp. A missing
 * gnuplot is not an error: the data files stay, figs->why says so.
 * 0, or -errno when the store or the folder failed.
 */
int an_plots_render(struct bl_store *s, const struct bl_run_filter *f,
		    const struct an_plot_opts *o, struct an_figures *figs);
void an_figures_free(struct an_figures *figs);

/* --- the Markdown report (analysis/report.c) ---------------------------------------- */

struct an_report_opts {
	const char *out;	  /* the report's path as the regenerate line shows it */
	const char *fmt;	  /* figures: "png" or "svg" */
	const char *db_path;	  /* the store's path as the report names it */
	const char *plots_dir;	  /* where figures go */
	const char *report_dir;	  /* the report's folder (figure links are relative to it) */
	const char *details_link; /* the side file's name, "" when @details is NULL */
	const char *selector;	  /* the selector text ("" = every run) */
	bool no_plots;		  /* leave the figures out */
};

/*
 * Writes the report of the runs matching @filter to @f; the full tables go to
 * @details (NULL: folded into @f). 0 or -errno.
 */
int an_report_write(FILE *f, FILE *details, struct bl_store *s, const struct bl_run_filter *filter,
		    const struct an_report_opts *o);

#endif
