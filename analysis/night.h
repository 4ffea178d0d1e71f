/*
 * A night: the runs one campaign (`bouncelab nightly`, a daemon schedule)
 * produced, judged together (issue 14, "every night is judged").
 *
 * Life of a night: an_night_begin() records it (status "open"), the
 * campaign adds each stored run with an_night_add_run(), and
 * an_night_judge() compares every run with its "last night" and, when a
 * pinned baseline selector is given, with that baseline too; the verdicts
 * are stored (lib/store.h, verdicts with the night's id) and the night is
 * marked "judged". an_night_load() reads a judged (or open) night back as
 * the model below, for `bouncelab status`, the report, the daemon's
 * /api/v1/nights, /metrics and the dashboard.
 *
 * "Last night" of a run: the newest run stored before it (started
 * earlier, not part of the same night) of the SAME configuration: job
 * name, host, device and importer driver, DMA mode (swiotlb, IOMMU, pool
 * size), hypervisor and balloon, guest clock and exact kernel (Debian
 * package version, the release where the package is unknown). Nothing
 * else is ever matched: a run without one is its configuration's "first
 * night", which is an answer, not an error. A pinned baseline selector
 * picks its runs as written; what it leaves open of the configuration
 * (mode, devices, clock, pool, hypervisor, job) is set from the judged
 * run, so a baseline "kernel=6.1.119-1" means that kernel in the run's
 * own configuration.
 *
 * Judging is analysis/judge.h through an_compare(): counts exactly, times
 * against the noise floor. Failures are regressions: a row whose failed
 * operations go from 0 to more (failed_share) or a job that went from ok to
 * failed/skipped (job_failed) is "worse" and also counted as failed_new.
 */
#ifndef BL_NIGHT_H
#define BL_NIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "stats.h"
#include "store.h"

/* What a row was judged against. */
enum an_night_against {
	AN_AGAINST_LAST_NIGHT, /* the previous run of the same configuration */
	AN_AGAINST_BASELINE,   /* the pinned baseline selector's runs */
};

/* Verdict counts of one run, or of the night. */
struct an_night_counts {
	size_t worse;	   /* significant regressions (failures included) */
	size_t better;	   /* significant improvements */
	size_t same;	   /* no significant change */
	size_t unknown;	   /* not judged: too few values, no noise floor, only one side */
	size_t failed_new; /* of the worse: operations or the job started failing */
};

/* One judged row that is not "same" (worse, better, unknown, new, missing). */
struct an_night_row {
	size_t run;			/* index into an_night.runs */
	enum an_night_against against;
	char *baseline;			/* "last-night:<uuid>" or "baseline:<selector>" */
	char *workload, *variant;	/* variant "" when none */
	int64_t size;			/* bytes */
	char *metric;			/* compare metric name ("ops_per_sec", "failed_share") */
	bool count;			/* an exact count (else a time) */
	bool failure;			/* failed_share / failed_ops / job_failed */
	double base_value, value;	/* NAN when unknown */
	double change;			/* relative (value - base) / base; NAN when base is 0 */
	double threshold;		/* what |change| had to exceed; NAN when not judged */
	bool calibrated;		/* a measured noise floor set the threshold */
	char *verdict;			/* "worse", "better", "unknown", "new", "missing" */
	char *detail;			/* interval and sample sizes, or why unknown; may be NULL */
};

/* One run of the night. */
struct an_night_run {
	char *uuid;
	char *status;		       /* the job's status: ok|failed|skipped|timeout */
	char *config;		       /* the configuration for people: "job vgem force 6.12.117-1 icount" */
	char *last_uuid;	       /* its last night; NULL: first night of this configuration */
	int64_t last_started_unix;     /* when that run started (0 when none) */
	struct an_night_counts last;   /* against last night */
	bool baseline_judged;	       /* against the pinned baseline too */
	char *baseline_why;	       /* why not, when a baseline was asked for; else NULL */
	struct an_night_counts base;   /* against the baseline */
};

struct an_night {
	int64_t id;
	char *label;		  /* "nightly 2026-12-03" */
	char *source;		  /* "nightly", "schedule:NAME" */
	char *status;		  /* "open" (collecting runs) or "judged" */
	char *baseline;		  /* the pinned baseline selector it was judged with, or NULL */
	int64_t started_unix;
	int64_t finished_unix;	  /* when judged; 0 while open */
	int64_t previous_id;	  /* the previous night of the same source, 0 when none */
	struct an_night_run *runs;
	size_t n_runs;
	struct an_night_row *rows; /* every row not judged "same", runs' order, worse first */
	size_t n_rows;
	struct an_night_counts last, base; /* totals over the runs */
	size_t first_nights;	  /* runs without a last night */
};

/*
 * Records a new night (status "open") labelled @label (NULL: "<source>
 * <date>") from @source ("nightly", "schedule:NAME"). 0 or -errno (the
 * store's message logged).
 */
int an_night_begin(struct bl_store *s, const char *label, const char *source,
		   int64_t started_unix, int64_t *night_id);

/* Adds stored run @run_uuid to night @night_id (twice is once). 0, -ENOENT (no such night), -errno. */
int an_night_add_run(struct bl_store *s, int64_t night_id, const char *run_uuid);

/*
 * Judges every run of night @night_id against its last night, and against
 * @baseline_selector when not NULL (a selector as `bouncelab compare`
 * takes), stores the verdicts (subject = the run's UUID; judging a night
 * again replaces its verdicts) and marks the night judged at @now_unix.
 * @opts NULL = bl_stats_opts_default() with the stored noise floors.
 * @out (may be NULL) receives the night as an_night_load() would read it.
 * 0, -ENOENT (no such night), -EINVAL (bad selector, logged), else -errno.
 * A baseline without runs for a run is not an error: baseline_why says so.
 */
int an_night_judge(struct bl_store *s, int64_t night_id, const char *baseline_selector,
		   const struct bl_stats_opts *opts, int64_t now_unix, struct an_night *out);

/*
 * Reads night @night_id (0 = the newest) with its runs, counts and rows.
 * 0, -ENOENT when there is none, else -errno. Free with an_night_free().
 */
int an_night_load(struct bl_store *s, int64_t night_id, struct an_night *out);
void an_night_free(struct an_night *n);

/* The night as JSON (a new reference; the daemon's /api/v1/nights), NULL when out of memory. */
json_t *an_night_to_json(const struct an_night *n);

/*
 * Writes what regressed, for people: one line for the night, then up to
 * @max_rows worse rows and "and N more". `bouncelab status` uses it.
 */
void an_night_write_text(FILE *f, const struct an_night *n, size_t max_rows);

/* "last-night" / "baseline" */
const char *an_night_against_name(enum an_night_against a);

#endif
