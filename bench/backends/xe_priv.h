/*
 * The xe backend's private state, shared by bench/backends/xe.c (open,
 * probes, hooks) and xe_describe.c (the document's device object) and by
 * nothing else: what open() queried and probed once, cached for probe()
 * and describe().
 */
#ifndef BL_XE_PRIV_H
#define BL_XE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "xe.h"
#include "probe_answer.h"
#include "gem_refs.h"
#include "xe_ioctl.h"

#define XE_MAX_VARIANTS 2



/* A userptr "buffer": xe has no userptr object, only a MAP_USERPTR binding in a VM. */
struct xe_userptr {
	uint64_t addr;  /* GPU address of the binding */
	uint64_t range; /* bytes bound */
};

/* One memory region from DRM_XE_DEVICE_QUERY_MEM_REGIONS. */
struct xe_region {
	bool present;
	uint16_t instance;      /* the bit in GEM_CREATE's placement mask */
	uint32_t min_page_size; /* sizes, GPU addresses and ranges align to this */
	uint64_t total_size;
	uint64_t cpu_visible_size;
};

struct xe_priv {
	enum xe_placement placement;
	/* DRM_XE_DEVICE_QUERY_CONFIG */
	uint16_t device_id;
	uint8_t revision;
	uint64_t config_flags;
	uint64_t min_alignment;
	uint32_t va_bits;
	bool discrete;          /* DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM */
	/* DRM_XE_DEVICE_QUERY_MEM_REGIONS */
	struct xe_region sys, vram; /* vram: the first VRAM region */
	unsigned n_vram;
	/* DRM_XE_DEVICE_QUERY_GT_LIST: the first main GT (0.0 = not reported before 6.11) */
	unsigned n_gt;
	uint16_t ip_major, ip_minor, ip_rev;
	struct gb_probe_answer gt_probe;
	/* DRM_XE_DEVICE_QUERY_ENGINES */
	unsigned engines[DRM_XE_ENGINE_CLASS_VM_BIND + 1]; /* count per class */
	bool have_exec_engine;
	struct drm_xe_engine_class_instance exec_engine; /* the first render, else copy engine */
	struct gb_probe_answer engines_probe;
	/* VM_CREATE with LR_MODE | FAULT_MODE: recoverable page faults (USM) */
	int has_usm;            /* 1, 0 (-EINVAL), -1 unknown */
	/* what the hooks use, made in open(); 0 = none */
	struct gb_probe_answer vm_probe; /* SYNCOBJ_CREATE, VM_CREATE, the PAT probe: what binds need */
	uint16_t pat_index;     /* coherent WB PAT entry every bind uses (probe_pat) */
	uint32_t syncobj;       /* every bind and exec signals it; waited at once */
	uint32_t vm;
	uint32_t batch;         /* MI_BATCH_BUFFER_END at XE_BATCH_ADDR in vm */
	uint32_t queue;         /* exec queue on exec_engine */
	uint64_t next_userptr;  /* next free GPU address for a userptr binding */
	struct gb_probe_answer probes[GB_FEAT_COUNT][XE_MAX_VARIANTS];
	/* the handles held (a self-import returns an existing one); tag: the
	 * GPU address and range alignment of its binds, its region's page */
	struct gem_refs refs;
};

/* The describe hook (xe_describe.c): the probed facts into the document's "device". */
int xe_describe(struct gb_dev *dev, json_t *device);

/*
 * The device facts (xe_query.c): CONFIG and MEM_REGIONS into @p, or -errno
 * with the refused query in dev->why; then GT_LIST and ENGINES, whose
 * refusal is recorded in p->gt_probe / p->engines_probe, not returned.
 */
int xe_query_device(struct gb_dev *dev, struct xe_priv *p);

/* Records @err in @r with "xe: WHAT: strerror" (xe.c); clears it for 0. */
void xe_set_why(struct gb_probe_answer *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
