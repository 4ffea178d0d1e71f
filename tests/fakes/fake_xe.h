/*
 * fake_xe: an ioctl-level test double of the xe kernel driver, for unit
 * tests only (tests/fakes/ is linked into test binaries, never into
 * gembench, and nothing here can produce a result document).
 *
 * It plugs into the shared wrappers' syscall table (drm_io, see
 * bench/backends/drm_ioctl.h) and answers the ioctls the xe backend makes
 * the way xe does: it checks the request number (so the struct size and
 * direction), flags, pad/reserved/extensions fields (all MBZ), placements
 * and cpu_caching against the device's regions, alignment of sizes, GPU
 * addresses and ranges, and the lifetimes of handles, VMs, bindings, exec
 * queues and sync objects, returning xe's errno for each refusal. It keeps
 * the DMA-mapping accounting: an object's pages are mapped when a VM_BIND
 * MAP first validates it and stay mapped until the object is freed (last
 * handle and last binding gone); a userptr binding maps at MAP_USERPTR and
 * unmaps at its UNMAP. It can refuse any ioctl with a chosen errno, and ban
 * an exec queue (what a GPU hang does) so EXEC answers -ECANCELED.
 *
 * The "device" is a memfd: fake_xe_path() names it (/proc/self/fd/N).
 * Object contents live in it, so mmap(2) of a fake offset and the batch
 * check see real bytes. One fake exists at a time (the ioctl hook has no
 * user data), and it cannot coexist with fake_i915.
 */
#ifndef BL_FAKE_XE_H
#define BL_FAKE_XE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The device the fake looks like: start from a profile below. */
struct fake_xe_config {
	uint16_t device_id;       /* QUERY_CONFIG REV_AND_DEVICE_ID, low 16 bits */
	uint8_t revision;
	bool discrete;            /* a VRAM region and CONFIG_FLAG_HAS_VRAM */
	uint64_t vram_size;
	uint32_t vram_page;       /* VRAM min_page_size (64 KiB on discrete parts) */
	uint16_t ip_major, ip_minor; /* GT_LIST ip_ver_*; 0 = a kernel before 6.11 */
	bool has_render, has_copy;   /* else only video engines: no exec variant */
	bool has_usm;             /* fault-mode VMs (VM_CREATE_FLAG_FAULT_MODE) */
	uint32_t va_bits;
	uint32_t coherent_pats;   /* PAT indices with CPU coherency (bit per index), as xe_pat.c */
};

/*
 * Lunar Lake (integrated, graphics IP 20.04, USM), Battlemage (discrete,
 * 20.01, 12 GiB VRAM in 64 KiB pages, USM), Meteor Lake on xe (integrated,
 * 12.70, no USM), a media-only GT profile (no render or copy engine), and
 * Lunar Lake on a 6.8 kernel (no IP version in the GT list). PAT: on Xe2
 * the coherent entries are 1 and 2 (0 is WB without coherency), on Meteor
 * Lake 3 and 4, so a bind of a WB object, a userptr or a foreign dma-buf
 * with PAT index 0 is -EINVAL there, as in xe.
 */
struct fake_xe_config fake_xe_lnl(void);
struct fake_xe_config fake_xe_bmg(void);
struct fake_xe_config fake_xe_mtl(void);
struct fake_xe_config fake_xe_media_only(void);
struct fake_xe_config fake_xe_lnl_6_8(void);

struct fake_xe_profile {
	const char *name;
	struct fake_xe_config (*config)(void);
};
/* Every profile by name, for table-driven tests; ends with { NULL, NULL }. */
extern const struct fake_xe_profile fake_xe_profiles[];

struct fake_xe;

/* Creates the fake and points drm_io at it; NULL when one exists already. */
struct fake_xe *fake_xe_create(const struct fake_xe_config *cfg);
/* Restores drm_io and frees everything. */
void fake_xe_destroy(struct fake_xe *f);

/* The path to open() as the device ("/proc/self/fd/N"). */
const char *fake_xe_path(const struct fake_xe *f);

/*
 * Refuse @request (a DRM_IOCTL_* number) with @err (positive errno) after
 * letting @skip calls through, @times times (0 = every call from then on).
 */
void fake_xe_refuse(struct fake_xe *f, unsigned long request, int err, unsigned skip,
		    unsigned times);

/* Ban every live exec queue: a GPU hang. EXEC answers -ECANCELED, GET_PROPERTY BAN 1. */
void fake_xe_ban_queues(struct fake_xe *f);

/* A memfd the fake accepts as a foreign dma-buf (an udmabuf, say). The caller closes it. */
int fake_xe_foreign_dmabuf(struct fake_xe *f, uint64_t size);

struct fake_xe_stats {
	unsigned calls[256];        /* by _IOC_NR(request), refused ones included */
	unsigned refused;           /* ioctls answered with an error (checks or injected) */
	unsigned injected;          /* ... of which were fake_xe_refuse() rules */
	unsigned creates;           /* GEM_CREATE objects */
	unsigned vram_objects;      /* ... placed in VRAM */
	unsigned visible_vram_objects; /* ... asking for CPU-visible VRAM (small BAR) */
	unsigned wc_objects;        /* ... with cpu_caching WC */
	unsigned maps;              /* successful VM_BIND MAP */
	unsigned userptr_maps;      /* successful VM_BIND MAP_USERPTR */
	unsigned unmaps;            /* VM_BIND UNMAP that removed a binding */
	unsigned empty_unmaps;      /* VM_BIND UNMAP of a range with no binding */
	unsigned overlaps;          /* MAPs over a live binding (xe replaces it silently) */
	unsigned dma_maps;          /* objects/userptr ranges DMA-mapped (dma_map_sgtable) */
	unsigned dmabuf_maps;       /* ... of which foreign dma-bufs (dma_buf_map_attachment) */
	unsigned dma_unmaps;        /* ... and unmapped again */
	unsigned execs;             /* successful EXECs */
	unsigned bad_batches;       /* EXECs of an unbound or unterminated batch: the queue got banned */
	unsigned unwaited;          /* a fence replaced on a syncobj before anyone waited for it */
	unsigned waits;             /* successful SYNCOBJ_WAITs */
	unsigned mmaps;             /* mmap(2) of fake offsets */
	unsigned exports, imports;  /* PRIME */
	unsigned size_mismatch;     /* a known DRM ioctl number with a wrong size/direction */
};
const struct fake_xe_stats *fake_xe_stats(const struct fake_xe *f);

/* Live things, for leak checks. */
unsigned fake_xe_open_handles(const struct fake_xe *f);
unsigned fake_xe_live_vms(const struct fake_xe *f);
unsigned fake_xe_live_bindings(const struct fake_xe *f);
unsigned fake_xe_live_queues(const struct fake_xe *f);
unsigned fake_xe_live_syncobjs(const struct fake_xe *f);
unsigned fake_xe_live_mappings(const struct fake_xe *f);
unsigned fake_xe_open_fds(const struct fake_xe *f);
/* Bytes DMA-mapped right now (objects with pages and userptr bindings). */
uint64_t fake_xe_dma_mapped_bytes(const struct fake_xe *f);

/* 0 when nothing leaked; otherwise how many things did, described in @why. */
unsigned fake_xe_leaks(const struct fake_xe *f, char *why, size_t why_len);

/* Whether @handle is a live object; its size, VRAM placement, caching and MAP count. */
bool fake_xe_object(const struct fake_xe *f, uint32_t handle, uint64_t *size, bool *vram,
		    bool *wc, unsigned *maps);

#endif
