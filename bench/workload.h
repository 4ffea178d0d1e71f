/*
 * gembench workloads: what one job measures. Each workload lives in its own
 * file in bench/workloads/ and is registered in bench/workloads.c. A
 * workload's run() is called once per (variant, size); it sets up what its
 * operations need (untimed), hands the measuring loop (run.h) one function
 * that performs exactly one operation, and tears down.
 */
#ifndef GB_WORKLOAD_H
#define GB_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

struct gb_ctx;
struct gb_row;

struct gb_workload {
	const char *name;
	const char *help;          /* one line for --list */
	enum gb_feature feature;   /* probed (and iterated over its variants) on the exporter */
	bool needs_importer;       /* the job must name an importer */
	bool importer_optional;    /* may take an importer (occupancy) */
	unsigned caps;             /* GB_CAP_* the job's backend must have */
	/*
	 * Measure one (variant, size) into @row (already labelled). 0 when the
	 * row is complete (operation failures are counted in it); -errno when
	 * the job must stop (row->fatal says why).
	 */
	int (*run)(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size);
};

extern const struct gb_workload *const gb_workloads[];
const struct gb_workload *gb_workload_find(const char *name);

#endif
