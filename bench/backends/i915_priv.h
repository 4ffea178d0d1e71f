/*
 * The i915 backend's private state, shared by bench/backends/i915.c (open,
 * probes, hooks) and i915_describe.c (the document's device object) and by
 * nothing else: what open() probed once, cached for probe() and describe().
 */
#ifndef BL_I915_PRIV_H
#define BL_I915_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "i915.h"
#include "probe_answer.h"
#include "gem_refs.h"
#include "i915_ioctl.h"

#define I915_MAX_VARIANTS 4

/* How a mmap variant is done on this kernel. */
enum map_path {
	MAP_NONE,       /* refused: see the probe */
	MAP_OFFSET,     /* MMAP_OFFSET + mmap(2) */
	MAP_LEGACY,     /* GEM_MMAP: the kernel maps */
	MAP_LEGACY_GTT, /* MMAP_GTT + mmap(2) */
};



struct i915_priv {
	uint32_t chipset_id;   /* I915_PARAM_CHIPSET_ID */
	int revision;          /* I915_PARAM_REVISION; -1 refused */
	int mmap_version;      /* I915_PARAM_MMAP_VERSION; -1 refused (before 4.0: no I915_MMAP_WC) */
	int mmap_gtt_version;  /* I915_PARAM_MMAP_GTT_VERSION; -1 refused */
	int userptr_probe;     /* I915_PARAM_HAS_USERPTR_PROBE; -1 refused */
	bool discrete;         /* a device-memory region exists */
	bool create_ext;       /* GEM_CREATE_EXT works; else GEM_CREATE */
	bool populate_by_bind; /* SET_DOMAIN is -ENODEV (every discrete part): populate by execbuf */
	struct gb_probe_answer create_ext_probe;
	struct drm_i915_query_memory_regions *regions; /* NULL when the query was refused */
	struct gb_probe_answer regions_probe;
	struct drm_i915_gem_memory_class_instance placement; /* where objects go */
	uint64_t exec_flags;   /* what the kernel took: HANDLE_LUT|NO_RELOC or 0 */
	uint32_t batch;        /* the MI_BATCH_BUFFER_END batch; 0 until made */
	enum map_path map[I915_MAP_COUNT];
	struct gb_probe_answer probes[GB_FEAT_COUNT][I915_MAX_VARIANTS];
	struct gb_probe_answer userptr_probes[I915_USERPTR_COUNT];
	/* the handles held (a self-import returns an existing one); tag 1: a
	 * userptr object, populated through SET_DOMAIN, or a bind on old kernels
	 * and discrete parts */
	struct gem_refs refs;
};

/* The describe hook (i915_describe.c): the probed facts into the document's "device". */
int i915_describe(struct gb_dev *dev, json_t *device);

#endif
