/*
 * Comparisons between two sets of runs: the samples the runs a selector
 * picks (selector.h) contribute per
 * (group, workload, variant, size, metric), and the rows of a comparison
 * with their statistics (stats.h) and verdicts, written as text, Markdown
 * or JSON.
 *
 * This module never touches the database: the caller queries the store
 * (store.h) and feeds each result row to bl_sample_set_add_result(), so
 * compare is tested on synthetic rows.
 *
 * Which values make a sample (per run of the selector):
 *   ops_per_sec, mib_per_sec: every repetition's value (the mean when the
 *       row has no per-repetition values);
 *   latency_*_ns: the row's percentile, one per run;
 *   bounces_per_op: swiotlb_bounced / ops of every repetition when the row
 *       has per_rep (ops and swiotlb_bounced per repetition), else one per
 *       run from the row's totals;
 *   bounce_rate: the row's bounce_rate where the kernel could tell;
 *   segments_per_op: dma_map_segments / ops, the DMA segments one mapping
 *       took (per repetition where per_rep has them, else one per run);
 *   sync_mib_per_op: dma_sync_bytes / ops in MiB (what dma_sync_sg_* had to
 *       keep coherent: copies when the mapping bounced), per repetition from
 *       per_rep where the row has it, else one per run;
 *   slots_peak, slots_after: io_tlb_used_peak / _after minus _before,
 *       the slots the row itself held (standing traffic subtracted);
 *   failed_ops: the row's failed operations (shown; compared only when asked);
 *   failed_share: failed_ops / ops, what is judged: 0 -> more is a regression,
 *       and a row failing on both sides stays 1 however many ops it ran;
 * A row whose every operation failed adds failed_ops only: its throughput,
 * latency and bounces describe refusals, not the workload, and are never
 * compared or drawn (the failed_ops sample keeps its errno to say so).
 * Latency percentiles p50 and p99 come per repetition where the row has
 * per_rep.latency_p50_ns / _p99_ns, else one per run.
 *
 * Rows are judged with the boot as the unit (analysis/judge.h): counts
 * exactly, times on boot values (the median of a boot's repetitions) (Welch's t) or, with one boot on a side,
 * against the row's measured noise floor (bl_stats_opts.floor_of).
 */
#ifndef BL_COMPARE_H
#define BL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "selector.h" /* the selectors moved there; kept for old includes */
#include "stats.h"
#include "store.h"

/* --- samples ------------------------------------------------------------------ */

struct bl_sample {
	char *group;	/* what the caller grouped by ("" for a plain comparison) */
	char *workload;
	char *variant;	/* "" when none */
	int64_t size;	/* bytes */
	const struct bl_metric *metric;
	double *v;	/* the values */
	int64_t *unit;	/* the boot each value came from (the unit of replication) */
	size_t n, cap;
	size_t runs;	/* runs that contributed */
	int64_t last_run; /* store id of the last contributing run (counts runs) */
	size_t all_failed; /* failed_ops samples: rows where every operation failed */
	int fail_errno;	   /* failed_ops samples: the first errno of a failing row, 0 none */
};

struct bl_sample_set {
	struct bl_sample *s;
	size_t n, cap;
	size_t *index;	  /* open-addressing hash of s[] (position + 1, 0 = empty) */
	size_t index_cap; /* a power of two, at least twice n */
	size_t last;	  /* position + 1 of the sample added to last (0 = none): the
			     values of one series come in a row, no hashing for them */
	/* the boot a run's values belong to (NULL: each run is its own boot) */
	int64_t (*unit_of)(void *user, int64_t run);
	void *unit_user;
};

void bl_sample_set_init(struct bl_sample_set *set);
void bl_sample_set_free(struct bl_sample_set *set);
/* Adds one value; @run is the store's run id (to count runs). 0 or -ENOMEM. */
int bl_sample_set_add(struct bl_sample_set *set, const char *group, const char *workload,
		      const char *variant, int64_t size, const struct bl_metric *metric,
		      double value, int64_t run);
/* Adds every metric of one result row (see the top of this file). */
int bl_sample_set_add_result(struct bl_sample_set *set, const char *group,
			     const struct bl_result_view *res);
/* The sample with this key, or NULL. */
const struct bl_sample *bl_sample_set_find(const struct bl_sample_set *set, const char *group,
					   const char *workload, const char *variant, int64_t size,
					   const struct bl_metric *metric);
/* Sorts by group, workload, variant, size, then metric in bl_metrics order. 0 or -ENOMEM. */
int bl_sample_set_sort(struct bl_sample_set *set);

/* --- comparisons ----------------------------------------------------------- */

struct bl_cmp_row {
	const char *group;              /* the samples' group ("" when not grouped) */
	const char *workload, *variant; /* point into the sets */
	int64_t size;
	const struct bl_metric *metric;
	const struct bl_sample *base, *new_s; /* either may be NULL: only on one side */
	struct bl_change ch;
	/* a side without this metric because every operation of the row failed there */
	bool base_all_failed, new_all_failed;
	int base_errno, new_errno; /* their first errno (0 unknown) */
};

struct bl_cmp_result {
	char *base_label, *new_label; /* what was compared, for headings */
	struct bl_cmp_row *rows;
	size_t n;
	size_t better, worse, same, too_few;
};

/*
 * Compares every (group, workload, variant, size, metric) present in either
 * set, for the metrics named in @metrics (NULL-terminated names; NULL = all).
 * Samples pair up only within the same group, so group by what must not
 * mix (the job and its devices), not by what is compared (kernel, mode).
 * Rows come sorted.
 * 0, -EINVAL (unknown metric name, bad options) or -ENOMEM.
 */
int bl_compare_sets(const struct bl_sample_set *base, const struct bl_sample_set *new_set,
		    const char *base_label, const char *new_label,
		    const char *const *metrics, const struct bl_stats_opts *opts,
		    struct bl_cmp_result *out);
void bl_cmp_result_free(struct bl_cmp_result *r);

enum bl_cmp_format {
	BL_CMP_TEXT,
	BL_CMP_MARKDOWN,
	BL_CMP_JSON,
};
/* "text", "md" (or "markdown"), "json" -> format; -EINVAL otherwise. */
int bl_cmp_format_parse(const char *name, enum bl_cmp_format *out);

/*
 * Writes @r to @out. @only_changes leaves out rows judged "same" (the
 * summary still counts them). 0 or -EIO / -ENOMEM.
 */
int bl_cmp_write(FILE *out, const struct bl_cmp_result *r, enum bl_cmp_format fmt,
		 bool only_changes);

/* Only the Markdown table of @r, without the summary line above it. */
int bl_cmp_write_md_table(FILE *out, const struct bl_cmp_result *r, bool only_changes);

/* The JSON form of @r (a new reference), or NULL when out of memory. */
json_t *bl_cmp_to_json(const struct bl_cmp_result *r, bool only_changes);

/* A size as people write it: 4096 -> "4K", 1048576 -> "1M", 1000 -> "1000". */
void bl_size_str(int64_t size, char *buf, size_t len);

#endif
