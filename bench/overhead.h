/*
 * gembench's overhead benchmark (`gembench --overhead`, driven by
 * bench/scripts/overhead.sh inside one testbed boot): how much slower is
 * the `create` workload as gembench measures it (per-op clock, histogram,
 * kernel counters enabled, rings polled) than the same ioctls in a bare
 * loop (MODE_CREATE_DUMB + GEM_CLOSE through drmIoctl, one clock read per
 * block)? The two alternate in short blocks in one process, in ABBA order,
 * so that the host's speed drifts (large under TCG on a shared machine)
 * hit both alike; each pair of neighbouring blocks gives one ratio.
 */
#ifndef GB_OVERHEAD_H
#define GB_OVERHEAD_H

#include <stdio.h>

#include "job.h"
#include "options.h"

/*
 * @job names the device (dumb backend), the size (first of sizes), the ops
 * per block (iterations) and the number of block pairs (reps). Writes one
 * JSON line to @out. 0 or -errno.
 */
int gb_overhead_run(const struct gb_job *job, const struct gb_runopts *ro, FILE *out);

#endif
