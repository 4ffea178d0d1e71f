/*
 * The xe backend (bench/backends/xe.c): gembench's workloads on Intel GPUs
 * driven by the xe kernel driver (Lunar Lake, Battlemage and later; Meteor
 * Lake and Alder Lake optionally), through xe's own uAPI. This header
 * exports the ops table and the names the unit tests need.
 */
#ifndef BL_XE_BACKEND_H
#define BL_XE_BACKEND_H

#include "backend.h"

extern const struct gb_backend_ops gb_backend_xe;

/*
 * Where and how the device's buffers are created, chosen by the device spec
 * ("xe", "xe:sys-wc", "xe:vram", or a node path with the same suffix)
 * because bo_create takes no variant: every buffer of one job has the same
 * placement, and describe() names it. VRAM objects must be WC (xe refuses
 * WB there).
 */
enum xe_placement {
	XE_PLACE_SYS_WB, /* system memory, cpu_caching WB: what SWIOTLB bounces */
	XE_PLACE_SYS_WC, /* system memory, cpu_caching WC */
	XE_PLACE_VRAM,   /* the first VRAM region, WC: discrete devices only */
	XE_PLACE_COUNT
};

/* The spec suffix of each placement ("sys-wb"), or NULL. */
const char *xe_placement_name(enum xe_placement place);

/* Variant ids of GB_FEAT_BIND. */
enum xe_bind_variant {
	XE_BIND_EXEC, /* VM_BIND MAP + EXEC of MI_BATCH_BUFFER_END + UNMAP, each waited */
	XE_BIND_COUNT
};

/* GPU virtual addresses the backend uses in its VM. */
#define XE_BATCH_ADDR   0x100000ull      /* the batch, bound once */
#define XE_SCRATCH_ADDR 0x100000000ull   /* populate/bind/import: MAP here, then UNMAP */
#define XE_USERPTR_BASE 0x10000000000ull /* userptr binds live at their own addresses from here */

#endif
