/*
 * The KCIDB export: the runs a selector picks, as one KernelCI KCIDB v5.3
 * I/O document (https://github.com/kernelci/kcidb-io), so a lab's numbers
 * can be submitted to KernelCI next to its other test results.
 *
 * Mapping (KCIDB's objects on bouncelab's):
 *   checkout  one per kernel source: the Debian package version (the
 *             kernel's "version" when it has none) as git_commit_name, the
 *             tree "debian" (the kernels the lab boots are Debian's builds);
 *   build     one per kernel image (release + package version), of that checkout;
 *   test      one per (run, result row, metric): the job's workload, devices,
 *             size and metric as the dotted path
 *             "bouncelab.import.udmabuf-vgem.1M.bounces_per_op"; number
 *             {value, unit} is the metric as `bouncelab compare` derives
 *             it (analysis/compare.h), the mean over the row's repetitions;
 *             plus one test per row without a metric
 *             ("bouncelab.import.udmabuf-vgem.1M") that says whether every
 *             operation worked.
 * Statuses as the schema defines them: DONE for a measurement, PASS for a
 * row whose operations all worked, FAIL where the kernel refused
 * operations (the row's failed_ops > 0: its tests and its measurements)
 * and for a measurement judged worse (a stored verdict about the run), SKIP for a skipped job, ERROR for a job that failed or timed out before
 * it produced rows (the harness broke, the kernel's state is unknown).
 * environment.misc carries the DMA mode, the guest clock, the host, the
 * devices and the job; every id starts with "<origin>:" as KCIDB requires.
 */
#ifndef BL_KCIDB_H
#define BL_KCIDB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "store.h"

#define AN_KCIDB_ORIGIN "bouncelab" /* default origin */

/* KCIDB's origin rule: one or more of [a-z0-9_]. */
bool an_kcidb_origin_ok(const char *origin);

/*
 * Builds the KCIDB document of every run matching @f into *@out (caller
 * json_decref()s) and the number of those runs into *@runs (0: *@out is
 * NULL, the caller says so). 0, -EINVAL (bad origin), -ENOMEM or the
 * store's -errno (logged).
 */
int an_kcidb_export(struct bl_store *s, const struct bl_run_filter *f, const char *origin,
		    json_t **out, size_t *runs);

#endif
