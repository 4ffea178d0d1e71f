/*
 * gembench's kernel counters around a measured region: the tracepoints
 * swiotlb:swiotlb_bounced, dma:dma_map_sg and dma:dma_map_page (or
 * dma_map_phys on kernels that renamed it), opened system-wide on every CPU
 * (lib/tracepoint.h), and SWIOTLB slot occupancy from debugfs.
 *
 * Scope. The tracepoints fire for every device in the machine, including a
 * virtio-gpu's own command traffic and its console. A row's "counters" are
 * the events whose device name is one of the job's devices ("counters_scope"
 * lists them); they come from the sampled records, so they are exact only
 * when no record was lost (else null, with the reason in "unavailable").
 * "counters_system" carries the exact all-device counts from the counting
 * fds, "counters_by_device" the per-device split, and
 * "counters_own_context" the scope's events that fired in gembench's own
 * process (its ioctls), which leaves out a device's standing traffic driven
 * by kernel threads (virtio-gpu's console flushes).
 */
#ifndef GB_COUNTERS_H
#define GB_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct gb_counters;

/*
 * Opens what this kernel offers; what it lacks is recorded with its reason
 * (never an error). Mounts tracefs/debugfs when @may_mount. -ENOMEM only.
 */
int gb_counters_open(struct gb_counters **out, bool may_mount);
void gb_counters_close(struct gb_counters *c);

/* {"swiotlb_bounced": true|"reason", ...}: for --list and the document. */
json_t *gb_counters_describe(const struct gb_counters *c);

/* Starts a row whose scope is the @n device names in @names, for buffers of @size bytes. */
void gb_counters_row_begin(struct gb_counters *c, char names[][64], int n, uint64_t size);
/* Around each measured repetition (warm-up excluded). 0 or -errno. */
int gb_counters_rep_begin(struct gb_counters *c);
int gb_counters_rep_end(struct gb_counters *c);
/* Between operations: drains the rings when they fill up (returns true then). Cheap otherwise. */
bool gb_counters_poll(struct gb_counters *c);
/* Records an io_tlb_used value polled by a workload (occupancy) for the peak. */
void gb_counters_note_used(struct gb_counters *c, uint64_t used);
/*
 * Adds "counters", "counters_scope", "counters_system",
 * "counters_by_device", "counters_own_context", "bounce_rate" and the reasons in "unavailable"
 * (created if missing) to @row, and "per_rep" {"swiotlb_bounced": [...],
 * "swiotlb_bounced_bytes": [...], "dma_sync_bytes": [...]} (the scope's
 * counts in each measured repetition), each where the row's total is exact.
 */
void gb_counters_row_end(struct gb_counters *c, json_t *row);

/* The scope device names of the current row, as a JSON array (for tests/diagnostics). */
json_t *gb_counters_scope(const struct gb_counters *c);

#endif
