/*
 * The newest value of each throughput and bounce-rate series for /metrics,
 * kept as documents are committed (daemon_latest.c), so that a scrape
 * prints at most BLD_LATEST_MAX series whatever was stored: built at
 * scrape time from the newest runs' rows, one 100,000-row document made
 * every scrape take 0.4 s on the event loop.
 */
#ifndef BLD_LATEST_H
#define BLD_LATEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resultdoc.h"

struct bl_store;

#define BLD_LATEST_MAX 512 /* series kept; more are not exported (as before) */

/* One series: kernel/mode/device/workload/size, its newest values. */
struct bld_series {
	char *kernel, *swiotlb, *iommu, *device, *workload, *variant; /* owned; "" when unknown */
	int64_t size;
	int64_t started;		  /* the run the values come from (unix s) */
	struct bl_opt_f64 bounce_rate, ops; /* unset: the run did not say */
	uint64_t hash;			  /* of the key; 0: free slot */
};

struct bld_latest {
	struct bld_series slot[2 * BLD_LATEST_MAX]; /* open addressing, at most half full */
	size_t n;
	bool loaded; /* filled from the store once */
};

/* Empty. 0 or -ENOMEM. */
int bld_latest_new(struct bld_latest **out);
void bld_latest_free(struct bld_latest *l);
/* Once: the newest stored runs' rows (what a scrape read before). 0 or -errno. */
int bld_latest_load(struct bld_latest *l, struct bl_store *s);
/* A committed document: each row of an ok run replaces an older value of its series. */
void bld_latest_add_doc(struct bld_latest *l, const struct bl_resultdoc *d);

#endif
