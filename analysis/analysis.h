/*
 * What `bouncelab compare`, `plot` and `report` share: opening the store,
 * storing verdicts, the nightly judgement, merged CPU profiles, short kernel
 * names; loading runs and comparing two sets of them is dataset.h, the
 * figures figures*.c and the report report*.c. All database access goes
 * through lib/store.h and lib/store_summary.h.
 */
#ifndef BL_ANALYSIS_H
#define BL_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "compare.h"
#include "dataset.h"
#include "dmamode.h"
#include "store.h"

/* Opens @db (NULL = the default) read-only; logs why not. 0 or -errno. */
int an_open_store(const char *db, struct bl_store **out);
/* The same, for writing (verdicts). */
int an_open_store_rw(const char *db, struct bl_store **out);

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

/* --- figures (analysis/figures*.c) ------------------------------------------- */

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
/*
 * The same from runs already loaded: @ds (its rows grouped
 * AN_GROUP_KERNEL_MODE and sorted in @set) for every figure but the trends,
 * which draw @history (per-run aggregates read from @s).
 */
int an_plots_render_loaded(struct bl_store *s, const struct an_dataset *ds,
			   const struct bl_sample_set *set, const struct an_runs *history,
			   const struct an_plot_opts *o, struct an_figures *figs);
void an_figures_free(struct an_figures *figs);

/* --- the Markdown report (analysis/report*.c) ---------------------------------------- */

struct an_report_opts {
	const char *out;	  /* the report's path as the regenerate line shows it */
	const char *fmt;	  /* figures: "png" or "svg" */
	const char *db_path;	  /* the store's path as the report names it */
	const char *plots_dir;	  /* where figures go */
	const char *report_dir;	  /* the report's folder (figure links are relative to it) */
	const char *details_link; /* the side file's name, "" when @details is NULL */
	const char *selector;	  /* the selector text ("" = every run) */
	bool no_plots;		  /* leave the figures out */
	int night_hours;	  /* > 0: only the newest night, the runs @filter picks that
				     started within this many hours of the newest one (trends
				     over all of them); 0: every run @filter picks */
	bool all;		  /* --all was given (the regenerate line says so) */
};

/*
 * Writes the report of the runs matching @filter to @f; the full tables go to
 * @details (NULL: folded into @f). 0 or -errno.
 */
int an_report_write(FILE *f, FILE *details, struct bl_store *s, const struct bl_run_filter *filter,
		    const struct an_report_opts *o);

#endif
