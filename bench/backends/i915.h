/*
 * The i915 backend (bench/backends/i915.c): gembench's workloads on Intel
 * GPUs through i915's own uAPI. This header exports the ops table and the
 * few i915-specific entry points the unit tests and the variant ids need.
 */
#ifndef BL_I915_BACKEND_H
#define BL_I915_BACKEND_H

#include <stdint.h>

#include "backend.h"

extern const struct gb_backend_ops gb_backend_i915;

/* Variant ids (struct gb_variant.id) of the i915 backend. */
enum i915_populate_variant {
	I915_POPULATE_CPU,        /* SET_DOMAIN(CPU, CPU); an execbuf bind where SET_DOMAIN is -ENODEV */
	I915_POPULATE_GTT_DOMAIN, /* SET_DOMAIN(GTT, GTT): pins and flushes, binds nothing */
};

enum i915_mmap_variant {
	I915_MAP_WB,    /* MMAP_OFFSET WB, or legacy GEM_MMAP (unprobed on discrete: FIXED) */
	I915_MAP_WC,    /* MMAP_OFFSET WC, or legacy GEM_MMAP with I915_MMAP_WC */
	I915_MAP_GTT,   /* MMAP_OFFSET GTT, or legacy MMAP_GTT */
	I915_MAP_FIXED, /* MMAP_OFFSET FIXED: discrete devices only */
	I915_MAP_COUNT
};

enum i915_userptr_variant {
	I915_USERPTR_RW, /* flags 0 */
	I915_USERPTR_RO, /* I915_USERPTR_READ_ONLY */
	I915_USERPTR_COUNT
};

/*
 * The bo_userptr hook (variant: enum i915_userptr_variant): wraps @ptr
 * read-write or read-only. Exported for the unit tests.
 */
int i915_bo_userptr_variant(struct gb_dev *dev, void *ptr, uint64_t size, unsigned variant,
			    struct gb_bo *bo);

#endif
