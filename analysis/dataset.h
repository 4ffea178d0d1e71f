/*
 * What the analysis loads from the store, once: the runs a filter picks
 * (struct an_runs) and, for a dataset, every result row of those runs with
 * its counters and repetition values (lib/store_summary.h: a few
 * set-oriented statements, not three per row). A report loads its runs
 * once and hands the same dataset to its comparisons and its figures; the
 * samples of a comparison are picked from it in memory (struct an_scope).
 *
 * an_compare() is THE "load the base runs, load the new runs, compare"
 * of bouncelab: `compare`, the nightly judgement, the report's tables and
 * the figures' mode charts all call it, with sides taken from the store
 * (a selector's filter) or from a loaded dataset (a scope).
 */
#ifndef BL_DATASET_H
#define BL_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "store.h"

/* How result rows are grouped into samples. */
enum an_group {
	AN_GROUP_NONE,        /* one group */
	AN_GROUP_JOB,         /* "<job>" or "<job> <device>[-><importer>]": what a comparison
				 must not mix (default for compare) */
	AN_GROUP_KERNEL_MODE, /* "<release> <mode> <device>[-><importer>]" */
	AN_GROUP_RUN,         /* one group per run: "<started_unix> <uuid>" (trends) */
};

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
	char *boot_id;	       /* kernel.boot_id: runs of one boot share it; NULL unknown */
	char *clock;	       /* testbed guest clock icount|wall; NULL outside the testbed */
	size_t unit;	       /* its boot in a dataset: the index of the first run with its
				  boot_id (its own index without one); set by an_dataset_load */
};

struct an_runs {
	struct an_run *r;
	size_t n, cap;
};

/*
 * Every run matching @f, oldest first (f->limit: the newest N of them,
 * still oldest first). 0 or -errno (logged).
 */
int an_load_runs(struct bl_store *s, const struct bl_run_filter *f, struct an_runs *out);
void an_runs_free(struct an_runs *runs);
/*
 * Every stored run, oldest first, with only the fields that name its
 * configuration (kernel_release, mode, device, importer, job) and its
 * time: what trends over a long history need (bl_store_summary_runs).
 */
int an_load_history(struct bl_store *s, struct an_runs *out);
/* Keeps the runs @keep says yes to (in order) and frees the others. */
void an_runs_keep(struct an_runs *runs, bool (*keep)(const struct an_run *r, void *user),
		  void *user);

/* Writes @run's group label for @how into @buf. */
void an_group_label(const struct bl_run_row *run, enum an_group how, char *buf, size_t len);
void an_run_label(const struct an_run *run, enum an_group how, char *buf, size_t len);

/* --- datasets ---------------------------------------------------------------------- */

struct an_row {
	size_t run;		 /* index into the dataset's runs */
	struct bl_result_view v; /* strings and values owned by the dataset */
};

struct an_chunk; /* the dataset's own memory for strings and values */

struct an_dataset {
	struct an_runs runs; /* oldest first */
	struct an_row *rows; /* by run (in runs' order), then document order */
	size_t n, cap;
	struct an_chunk *mem;
};

/* Loads the runs matching @f and all their result rows. 0 or -errno (logged). */
int an_dataset_load(struct bl_store *s, const struct bl_run_filter *f, struct an_dataset *ds);
void an_dataset_free(struct an_dataset *ds);

/*
 * Which runs of a dataset a sample takes: each member NULL = any, else the
 * run's field must be equal (release exactly, mode as bl_mode_of names it,
 * device and importer as an_run has them: driver, else node).
 */
struct an_scope {
	const char *release, *mode, *job, *device, *importer;
};

bool an_scope_has(const struct an_scope *sc, const struct an_run *r);

/*
 * Adds the rows of @ds's runs in @sc (NULL = all) to @set grouped by @how,
 * in run order; *@runs (may be NULL) gets the runs that contributed a row.
 */
int an_dataset_samples(const struct an_dataset *ds, const struct an_scope *sc, enum an_group how,
		       struct bl_sample_set *set, size_t *runs);

/* --- comparing two sets of runs ------------------------------------------------------ */

/* One side of a comparison: the runs of the store @filter picks, or those of @ds in @scope. */
struct an_side {
	const struct bl_run_filter *filter; /* from the store (when @ds is NULL) */
	const struct an_dataset *ds;	    /* or from a loaded dataset */
	struct an_scope scope;		    /* its runs that match this */
	const char *label;		    /* how headings name the side */
};

struct an_comparison {
	struct bl_sample_set base, new_set; /* the samples the rows point into */
	size_t base_runs, new_runs;	    /* runs that contributed rows */
	struct bl_cmp_result r;		    /* a side without runs: rows only in the other */
};

/*
 * Loads both sides grouped by @how and compares them (bl_compare_sets,
 * @metrics NULL = all). The repetitions of one boot are one unit of
 * replication (analysis/judge.h); a run whose job ended failed or skipped
 * adds a job_failed count of 1 (0 when ok), so a job that stops working is
 * a regression. Times on different guest clocks are different quantities:
 * sides whose runs are not all on one and the same clock are refused
 * (-EINVAL, logged, naming the clocks). 0 (also when a side has no runs: check the counts),
 * -EINVAL, -ENOMEM or the store's -errno (logged). Free with an_comparison_free().
 */
int an_compare(struct bl_store *s, const struct an_side *base, const struct an_side *new_side,
	       enum an_group how, const char *const *metrics, const struct bl_stats_opts *opts,
	       struct an_comparison *out);
void an_comparison_free(struct an_comparison *c);

#endif
