/*
 * fake_i915: an ioctl-level test double of the i915 kernel driver, for unit
 * tests only (tests/fakes/ is linked into test binaries, never into
 * gembench, and nothing here can produce a result document).
 *
 * It plugs into the shared wrappers' syscall table (drm_io, see
 * bench/backends/drm_ioctl.h) and answers the ioctls the i915 backend makes
 * the way the kernel does: it checks the request number (so the struct size
 * and direction), flags, pad/reserved/MBZ fields, extension chains and handle
 * validity, returns the kernel's errno for each refusal, and keeps objects,
 * exported dma-bufs and CPU mappings so a test can assert that nothing
 * leaked. It keeps the kernel's DMA-mapping accounting too: which objects
 * have their pages got (and so DMA-mapped), including closed ones still on
 * the deferred free list, so a test can count mappings per operation and
 * what SWIOTLB would hold. It looks like one of the device profiles below
 * (gen9, TGL, ADL, DG1, DG2, MTL), optionally on an older kernel (no
 * GEM_CREATE_EXT, no MMAP_OFFSET, no userptr set-domain, no execbuf LUT
 * flags), and can refuse any ioctl with a chosen
 * errno (a wedged GPU: -EIO from the failing ioctl AND from GEM_THROTTLE,
 * which is how the backend tells a dead GPU from another -EIO).
 *
 * The "device" is a memfd: fake_i915_path() names it (/proc/self/fd/N), so
 * the backend opens it like a device node. Object contents live in that
 * memfd, so mmap(2) of a fake offset, pread/pwrite and the batch check see
 * real bytes. One fake exists at a time (the ioctl hook has no user data).
 */
#ifndef BL_FAKE_I915_H
#define BL_FAKE_I915_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * How the fake behaves: start from a device profile below. The device
 * facts (graphics version, discrete, LLC/snooping, aperture) decide what
 * the kernel refuses, rule by rule, as i915 derives it from the same facts;
 * the kernel-version knobs (no GEM_CREATE_EXT, no MMAP_OFFSET, ...) model
 * older kernels on the same device.
 */
struct fake_i915_config {
	/* the device */
	bool discrete;            /* IS_DGFX: a device-memory region, FIXED the only mmap type */
	uint32_t chipset_id;      /* I915_PARAM_CHIPSET_ID */
	int revision;             /* I915_PARAM_REVISION */
	unsigned graphics_ver;    /* GRAPHICS_VER: 9, 12 */
	unsigned graphics_rel;    /* GRAPHICS_VER_FULL's release: 12.0 TGL/ADL, 12.10 DG1, 12.55 DG2, 12.70 MTL */
	bool tigerlake;           /* IS_TIGERLAKE: keeps PREAD/PWRITE on graphics version 12 */
	bool has_llc;             /* HAS_LLC */
	bool has_snoop;           /* HAS_SNOOP: userptr works without LLC */
	bool has_aperture;        /* mappable GGTT: GTT mmaps work (none on discrete, nor on MTL) */
	bool has_pat;             /* the CPU's PAT: WC and UC mmaps work */
	uint64_t lmem_size;       /* device-memory region size when discrete */
	/* the kernel */
	int mmap_version;         /* I915_PARAM_MMAP_VERSION; 0: unknown param (before 4.0, GEM_MMAP has no flags) */
	int mmap_gtt_version;     /* < 4: no MMAP_OFFSET; the ioctl number means MMAP_GTT */
	bool has_create_ext;      /* false: kernel before 5.16, GEM_CREATE_EXT unknown (-EINVAL) */
	bool has_query;           /* false: kernel before 4.17, QUERY unknown (-EINVAL) */
	bool has_memregion_query; /* false: QUERY exists but not MEMORY_REGIONS (item -EINVAL) */
	int userptr_probe;        /* HAS_USERPTR_PROBE: 1 yes, 0 no, -1 param unknown (-EINVAL) */
	bool userptr_set_domain;  /* false: before 5.13 userptr is a proxy, SET_DOMAIN -ENXIO */
	bool exec_lut;            /* false: before 3.10, HANDLE_LUT/NO_RELOC are unknown flags */
	/* injected */
	unsigned fault_sigbus;    /* bit per I915_MMAP_OFFSET_* type whose first touch raises SIGBUS */
};

/*
 * Device profiles, each on a current kernel: Skylake GT2 (gen9, LLC),
 * Tiger Lake and Alder Lake-P (12.0, LLC; PREAD only on TGL), DG1 (12.10)
 * and DG2 (12.55), discrete, MTL (12.70, integrated without LLC or
 * aperture). fake_i915_integrated() is ADL-P, fake_i915_discrete() DG2.
 */
struct fake_i915_config fake_i915_gen9(void);
struct fake_i915_config fake_i915_tgl(void);
struct fake_i915_config fake_i915_adl(void);
struct fake_i915_config fake_i915_dg1(void);
struct fake_i915_config fake_i915_dg2(void);
struct fake_i915_config fake_i915_mtl(void);
struct fake_i915_config fake_i915_integrated(void);
struct fake_i915_config fake_i915_discrete(void);

/* Every profile by name, for table-driven tests; ends with { NULL, NULL }. */
struct fake_i915_profile {
	const char *name;
	struct fake_i915_config (*config)(void);
};
extern const struct fake_i915_profile fake_i915_profiles[];

struct fake_i915;

/*
 * Creates the fake and points drm_io at it. NULL when one exists already or
 * the memfd cannot be made. fake_i915_destroy() restores drm_io.
 */
struct fake_i915 *fake_i915_create(const struct fake_i915_config *cfg);
void fake_i915_destroy(struct fake_i915 *f);

/* The path to open() as the device ("/proc/self/fd/N"). */
const char *fake_i915_path(const struct fake_i915 *f);

/*
 * Refuse @request (a DRM_IOCTL_* number) with @err (positive errno) after
 * letting @skip calls through, @times times (0 = every call from then on).
 */
void fake_i915_refuse(struct fake_i915 *f, unsigned long request, int err, unsigned skip,
		      unsigned times);

/* A memfd the fake accepts as a foreign dma-buf (an udmabuf, say). The caller closes it. */
int fake_i915_foreign_dmabuf(struct fake_i915 *f, uint64_t size);

/* What the fake saw. */
struct fake_i915_stats {
	unsigned calls[256];         /* by _IOC_NR(request), refused ones included */
	unsigned refused;            /* ioctls answered with an error (checks or injected) */
	unsigned injected;           /* ... of which were fake_i915_refuse() rules */
	unsigned creates;            /* objects created by GEM_CREATE */
	unsigned creates_ext;        /* objects created by GEM_CREATE_EXT */
	unsigned lmem_objects;       /* ... placed in device memory first */
	unsigned userptrs;           /* userptr objects (of which read-only:) */
	unsigned userptrs_readonly;
	unsigned populated;          /* successful SET_DOMAIN calls with a read domain */
	unsigned dma_maps;           /* get_pages that DMA-mapped an object (dma_map_sg) */
	unsigned dmabuf_maps;        /* ... of which foreign dma-bufs (dma_buf_map_attachment) */
	unsigned dma_unmaps;         /* put_pages of a freed object (dma_unmap_sg) */
	unsigned free_flushes;       /* creates that freed objects waiting on the free list */
	unsigned legacy_wc_dropped;  /* GEM_MMAP asked WC of a kernel without MMAP_VERSION: got WB */
	unsigned sigbus_maps;        /* mappings handed out whose first touch raises SIGBUS */
	unsigned binds;              /* objects bound by a successful execbuf (batch excluded) */
	unsigned execbufs;           /* successful execbufs */
	uint64_t last_exec_flags;    /* flags of the last successful execbuf */
	unsigned unterminated;       /* batches not starting with MI_BATCH_BUFFER_END */
	unsigned mmaps[5];           /* mmap(2) calls by I915_MMAP_OFFSET_* type */
	unsigned legacy_mmaps;       /* GEM_MMAP calls (I915_MMAP_WC or not) */
	unsigned exports, imports;   /* PRIME */
	unsigned size_mismatch;      /* a known ioctl number with a wrong size/direction */
};
const struct fake_i915_stats *fake_i915_stats(const struct fake_i915 *f);
/* Forgets a size mismatch a test provoked on purpose. */
void fake_i915_reset_size_mismatch(struct fake_i915 *f);

/*
 * DMA mappings the fake's objects hold, in bytes: every object whose pages
 * were got and not yet put, including closed objects still on the free
 * list (i915_gem_free_object defers put_pages). With swiotlb=force every
 * one of those bytes sits in a SWIOTLB slot, so bytes / 2048 is what
 * io_tlb_used would show for them.
 */
uint64_t fake_i915_dma_mapped_bytes(const struct fake_i915 *f);
/* Closed objects whose pages are still mapped, waiting for a flush. */
unsigned fake_i915_pending_frees(const struct fake_i915 *f);
/* Whether @handle's pages are got (and DMA-mapped). */
bool fake_i915_has_pages(const struct fake_i915 *f, uint32_t handle);

/* Number of open GEM handles, on every fd. */
unsigned fake_i915_open_handles(const struct fake_i915 *f);
/* Live CPU mappings of fake objects (from /proc/self/maps, however they were made). */
unsigned fake_i915_live_mappings(const struct fake_i915 *f);
/* Open fds the fake handed out: device fds opened by path, exported dma-bufs. */
unsigned fake_i915_open_fds(const struct fake_i915 *f);

/*
 * 0 when nothing leaked; otherwise the number of leaked handles, mappings
 * and fds, described in @why.
 */
unsigned fake_i915_leaks(const struct fake_i915 *f, char *why, size_t why_len);

/* The bytes of object @handle at @offset (through the fake's own memfd). 0 or -errno. */
int fake_i915_peek(const struct fake_i915 *f, uint32_t handle, uint64_t offset, void *dst,
		   size_t len);
/* Whether @handle is a live object, and its size and flags as the fake sees them. */
bool fake_i915_object(const struct fake_i915 *f, uint32_t handle, uint64_t *size, bool *lmem,
		      bool *userptr, bool *readonly, unsigned *binds);

#endif
