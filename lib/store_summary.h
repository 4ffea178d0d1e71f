/*
 * Summaries of stored runs for the analysis (compare, report, figures),
 * read in a few set-oriented statements instead of three per result row:
 * every result row of a list of runs with its counters and repetition
 * values (bl_store_summary_rows), and one metric's per-run-row aggregate
 * (count, mean, standard deviation) computed in SQL for trends over a long
 * history (bl_store_summary_trend).
 *
 * Which runs: a list of store run ids (bl_run_row.id), as the caller got
 * them from bl_store_query_runs(); the run filter stays in one place.
 *
 * Callbacks get views valid during the call only and must not use the
 * store (its statements are stepping). Errors: 0 or -errno, the reason in
 * @err ("store: summary rows: database is locked").
 */
#ifndef BL_STORE_SUMMARY_H
#define BL_STORE_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef int (*bl_summary_row_cb)(const struct bl_result_view *row, void *user);

/*
 * Every result row of the runs @ids (@n of them, any order), as
 * bl_store_query_results() gives them (row->run = the run's store id),
 * runs by id, a run's rows by (workload, variant, size) (row->idx has the
 * document order). Callback's non-zero return stops the walk and is returned.
 */
int bl_store_summary_rows(struct bl_store *s, const int64_t *ids, size_t n, bl_summary_row_cb cb,
			  void *user, char *err, size_t errlen);

/* One metric of one result row of one run, aggregated over its repetitions. */
struct bl_trend_point {
	int64_t run;			/* the run's store id */
	const char *workload, *variant; /* variant "" when none */
	int64_t size;
	size_t n;	/* repetitions (1 for metrics with one value per row) */
	double mean;
	double sd;	/* sample standard deviation over the repetitions; 0 for n == 1 */
};
typedef int (*bl_trend_cb)(const struct bl_trend_point *p, void *user);

/*
 * @metric (analysis/stats.h's names: ops_per_sec and mib_per_sec from the
 * repetition values; latency_*_ns, bounces_per_op, bounce_rate,
 * segments_per_op, sync_mib_per_op, slots_peak, slots_after, failed_ops one value per row
 * from its totals) for every result row of the runs @ids (NULL: of every
 * stored run, cheaper than listing them all) whose size is one of @sizes
 * (NULL: any), in ascending result id; rows where the kernel could not
 * tell are left out. -EINVAL for a metric it does not know.
 */
int bl_store_summary_trend(struct bl_store *s, const int64_t *ids, size_t n, const int64_t *sizes,
			   size_t nsizes, const char *metric, bl_trend_cb cb, void *user, char *err,
			   size_t errlen);

/* The newest run's started_unix in *@t (0 when the store is empty): one index lookup. */
int bl_store_summary_newest(struct bl_store *s, int64_t *t, char *err, size_t errlen);

/*
 * Every stored run, oldest first, with only what names its configuration
 * (the bl_run_row members id, run_id, started_at, started_unix, job,
 * kernel_release, swiotlb, iommu, dev_driver, dev_node, imp_driver,
 * imp_node, testbed_clock, kernel_boot_id, hypervisor, balloon_bytes; the
 * others NULL / 0): for trends over a long history. It reads
 * none of the run's document, which bl_store_query_runs() cannot avoid for
 * its later columns (a stored document is tens of KiB of overflow pages).
 */
int bl_store_summary_runs(struct bl_store *s, bl_run_cb cb, void *user, char *err, size_t errlen);

#endif
