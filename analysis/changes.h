/*
 * The change points of the store (issue 14): every series of (job,
 * devices, workload, variant, size, metric, DMA mode, guest clock, kernel
 * series), its runs in the order of their Debian package versions (dpkg's
 * order, then time: the nights of one version in a row), each run
 * contributing its row's mean (bl_store_summary_trend: aggregated in SQL),
 * searched with analysis/changepoint.h. What the report lists
 * (report_changes.c) and the version figures draw (figures_versions.c).
 */
#ifndef BL_CHANGES_H
#define BL_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "changepoint.h"
#include "dataset.h"

/* One run's value of one row. */
struct an_cp_point {
	const struct an_run *run; /* into an_changes.runs */
	double mean;
};

/* One series with at least one change point. */
struct an_cp_series {
	const struct an_run *first; /* its first run: job, device, importer, mode, clock */
	char series[32];	    /* kernel series, 6.12 */
	char *workload, *variant;   /* owned; variant "" when none */
	int64_t size;
	const char *metric;	    /* one of the names an_changes_find was given */
	struct an_cp_point *pt;	    /* owned, in package version order */
	size_t n;
	struct an_change_point *cp; /* owned, by index into pt */
	size_t ncp;
};

struct an_changes {
	struct an_runs runs;	/* every run of the filter, every package version */
	struct an_cp_series *s; /* the series with change points, in metric then series order */
	size_t n;
	size_t searched;	/* series long enough to search (2 x min_size runs) */
	struct an_cp_opts opts;
};

/*
 * Loads the runs @f picks (NULL: all; whatever its versions key, every
 * package version: here they are the x axis) and searches each series of
 * each metric of @metrics (NULL-terminated names of bl_store_summary_trend).
 * 0 or -errno (logged). an_changes_free() in every case.
 */
int an_changes_find(struct bl_store *s, const struct bl_run_filter *f, const char *const *metrics,
		    struct an_changes *out);
void an_changes_free(struct an_changes *c);

/* "6.12" of "6.12.118+deb12-amd64", "6.1" of "6.1.0-57-amd64". */
void an_series_of(const char *release, char *buf, size_t len);

#endif
