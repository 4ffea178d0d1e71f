/*
 * Noise floors from A/A boots (`bouncelab calibrate`): one configuration
 * (kernel, DMA mode, guest clock, job) booted several times; per job,
 * workload, variant, size and metric, how far apart the boots put the
 * metric (analysis/judge.h: bl_floor_time for times, bl_floor_count for
 * counts). compare then asks a change to clear max(noise, k x floor).
 */
#ifndef BL_CALIBRATE_H
#define BL_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct an_floors {
	struct bl_noise_floor *f; /* strings owned by the set */
	size_t n, cap;
	size_t runs, boots;	  /* what they were measured from */
	char kernel[128], mode[32], clock[16];
};

/*
 * Measures the floors of the ok runs matching @f (when @uuids is not NULL,
 * only those of its @nuuids run UUIDs). The runs must be one configuration
 * (one kernel release, mode and clock) from at least two boots (told apart
 * by kernel.boot_id, else by run). 0, or -EINVAL / -ENOENT with the reason
 * in @why, or -errno.
 */
int an_calibrate(struct bl_store *s, const struct bl_run_filter *f, char *const *uuids,
		 size_t nuuids, struct an_floors *out, char *why, size_t whylen);
void an_floors_free(struct an_floors *fl);

/* The stored floors, for compare: bl_stats_opts.floor_of = an_floor_of, floor_user = it. */
struct an_floor_entry {
	char *key;    /* "job\x1fworkload\x1fvariant\x1fsize\x1fmetric\x1fclock" */
	double floor;
};

struct an_floor_index {
	struct an_floor_entry *e; /* sorted by key */
	size_t n, cap;
};

/* Loads every stored floor. 0 or -errno (logged). */
int an_floor_index_load(struct bl_store *s, struct an_floor_index *idx);
void an_floor_index_free(struct an_floor_index *idx);

/*
 * The floor of a comparison row, NAN when none was measured. @group is a
 * compare group label: the job is its first word ("[job dev+imp]").
 */
double an_floor_of(void *idx, const char *clock, const char *group, const char *workload,
		   const char *variant, int64_t size, const char *metric);

#endif
