/*
 * The document `bouncelab pool` writes (pool.json in its --out folder) and
 * the text it prints, both from one search result (poolsearch.h). The text
 * is printed from the document, so what is stored and what is shown agree.
 *
 * Members (format 1, kind "pool-search"): run_id, tool, started_at,
 * finished_at, kernel {series, release}, job, mode, areas (null: the
 * kernel's default), range {min_bytes, max_bytes, boots_budget}, verdict
 * (ps_verdict_name), monotone, answer {pool_bytes, pool_mib, slabs (what
 * was requested), allocated_slabs, allocated_mib (what the kernel made of
 * it: 6.12 rounds up to a power of 2), cmdline (swiotlb= with the
 * allocated slots, so the boot gets exactly that pool), rounding (a
 * sentence, or null)} or null, largest_failed {pool_bytes, pool_mib, failed_ops,
 * first_line} or null, peak_slots, largest_bounce_bytes (the largest mean
 * bounced segment of a row: swiotlb_bounced_bytes / swiotlb_bounced),
 * largest_refused_bytes, no_pool_helps [{row, message}], cvm_default
 * {guest_ram_mib, pool_bytes, advice}, boots, probes [{pool_bytes, slabs,
 * allocated_slabs, confirm, boot_ok, fails, failed_ops, failed_rows, peak_slots, first_line,
 * dir}], closing (one paragraph: the two boots around the answer); with
 * --areas, areas_advice (analysis/poolareas.h, added by cmd_pool).
 * Unknown numbers are null, never 0.
 */
#ifndef AN_POOLDOC_H
#define AN_POOLDOC_H

#include <stdio.h>

#include <jansson.h>

#include "poolsearch.h"

struct pd_context {
	const char *series;	/* --kernels */
	const char *job;	/* the job file */
	const char *mode;	/* the DMA mode's name (force) */
	const char *mode_word;	/* its swiotlb= word ("force"); NULL none */
	unsigned areas;		/* --areas; 0: the kernel's default */
	const char *started_at; /* RFC 3339 */
};

/* The document for @r; NULL when out of memory. */
json_t *pd_document(const struct pd_context *ctx, const struct ps_params *p,
		    const struct ps_result *r);

/* The terminal text of @doc (a pd_document). */
void pd_print(FILE *out, const json_t *doc);

#endif
