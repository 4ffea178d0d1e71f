/*
 * SWIOTLB slot readings (io_tlb_used) the way gembench takes them: every
 * device of the job settled first (bench/slots.c), then the reading.
 */
#ifndef GB_SLOTS_H
#define GB_SLOTS_H

#include <stdint.h>

#include "run.h"

/*
 * Where readings come from: bl_swiotlb_read() (debugfs) unless a unit test
 * swapped in its own reader (a test double's mapping accounting), as
 * drm_io does for ioctls. gb_slots_io_reset() restores debugfs.
 */
struct gb_slots_io {
	int (*read)(const char *name, uint64_t *value);
};
extern struct gb_slots_io gb_slots_io;
void gb_slots_io_reset(void);

/*
 * Runs the settle hook of the job's device and importer (backend.h) and
 * records in @row's "deferred_frees" what was done: {"flushed": true,
 * "how": "..."}, or {"flushed": false, "why": "..."} when a settle failed.
 * Nothing is recorded when no backend of the job has the hook.
 */
void gb_slots_settle(struct gb_ctx *ctx, struct gb_row *row);

/* io_tlb_used through gb_slots_io. 0 or -errno (-ENOENT: no such file). */
int gb_slots_read_used(uint64_t *used);

#endif
