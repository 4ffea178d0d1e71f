/*
 * The gembench backend interface: how a workload creates, maps, exports and
 * imports buffers without knowing whose buffers they are (a DRM driver's GEM
 * objects, a udmabuf, a dma-heap buffer). Modelled on fio's ioengines.h: one
 * `struct gb_backend_ops` per backend, one file per backend in
 * bench/backends/, an ABI version, capability flags, and a loader check
 * (gb_backend_check) that rejects a backend missing a required hook or
 * claiming a capability it has no hook for. Backends are registered in one
 * explicit table in bench/backends.c.
 *
 * Conventions for every hook:
 *  - returns 0 or -errno (never -1 with errno set); results go through
 *    out-parameters, which are left untouched on failure;
 *  - never prints: the caller turns an error into a counted failure or a
 *    message (a refused mapping is a result, not a crash);
 *  - is called from one thread only.
 *
 * What an error means to the caller:
 *  - from probe(): -ENODEV, -EINVAL, -EOPNOTSUPP or -ENOTTY say "this
 *    kernel/device does not do that feature or variant": the rows that need
 *    it are skipped with the reason probe() wrote (gb_err_unsupported()).
 *  - from any other hook during a measured operation: the operation failed
 *    and is counted in its row (first errno + message, kernel log lines),
 *    and the job goes on, UNLESS the backend's fatal() hook says the device
 *    is gone (i915: -EIO = GPU wedged), which stops the job with status
 *    "failed". An -EIO from an import whose DMA mapping SWIOTLB refused is a
 *    result, which is why "EIO is fatal" is the backend's call, not ours.
 */
#ifndef GB_BACKEND_H
#define GB_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Bump when a hook's signature or meaning changes. */
#define GB_BACKEND_ABI 2 /* 2: bo_userptr takes a variant */

/*
 * Capability flags: what a backend can do at all. Each flag but
 * GB_CAP_DMABUF_NATIVE and GB_CAP_GEM requires the hook named beside it
 * (checked by gb_backend_check). Whether THIS kernel/device can do it is
 * probe()'s answer, at run time.
 */
enum gb_cap {
	GB_CAP_GEM           = 1u << 0, /* buffers are GEM handles on a DRM fd (bo->handle) */
	GB_CAP_DMABUF_NATIVE = 1u << 1, /* a buffer IS a dma-buf from creation (bo->fd): udmabuf, heaps */
	GB_CAP_EXPORT        = 1u << 2, /* bo_export: buffer -> new dma-buf fd (PRIME_HANDLE_TO_FD) */
	GB_CAP_IMPORT        = 1u << 3, /* bo_import: foreign dma-buf -> buffer (PRIME_FD_TO_HANDLE) */
	GB_CAP_MMAP          = 1u << 4, /* bo_mmap + bo_munmap, one or more variants */
	GB_CAP_POPULATE      = 1u << 5, /* bo_populate: pages in and device-mapped */
	GB_CAP_USERPTR       = 1u << 6, /* bo_userptr: wrap user memory (i915 USERPTR) */
	GB_CAP_PREAD         = 1u << 7, /* bo_pread + bo_pwrite (i915 GEM_PREAD/PWRITE) */
	GB_CAP_BIND          = 1u << 8, /* bo_bind: the device uses the buffer (execbuf, VM_BIND) */
};

/*
 * Features a probe can be asked about; also the index into ops->variants.
 * A feature has one or more variants (i915 mmap: wb, wc, gtt, fixed): the
 * workload runs once per variant and labels each row with the variant name.
 */
enum gb_feature {
	GB_FEAT_CREATE,
	GB_FEAT_POPULATE,
	GB_FEAT_MMAP,
	GB_FEAT_EXPORT,
	GB_FEAT_IMPORT,
	GB_FEAT_USERPTR,
	GB_FEAT_PREAD,
	GB_FEAT_BIND,
	GB_FEAT_COUNT
};

/*
 * One variant of a feature. Arrays of them end with { .name = NULL }. A
 * feature with no array has one unnamed variant, id 0 (rows say null).
 */
struct gb_variant {
	const char *name; /* short label in rows and --list: "wc", "gtt" */
	unsigned id;      /* passed back to the hooks; meaning is the backend's */
	const char *help; /* one line for --list */
};

/*
 * An opened device. gembench zeroes it, sets ops and fd = -1, then calls
 * open(); the backend fills the rest. Owned by gembench; priv is the
 * backend's and is freed by close().
 */
struct gb_dev {
	const struct gb_backend_ops *ops;
	int fd;                   /* the device node (DRM, /dev/udmabuf, heap); -1 when none */
	char node[256];           /* path of that node, for the document */
	char driver[64];          /* kernel driver: "vgem", "virtio_gpu", "udmabuf", heap name */
	char driver_version[64];  /* DRM_IOCTL_VERSION "major.minor.patch", or "" */
	char pci_id[32];          /* "8086:46a6" from sysfs, or "" when not PCI */
	char why[256];            /* open() failed: why, when strerror() says too little; or "" */
	void *priv;               /* backend state */
};

/*
 * A buffer. Filled by bo_create/bo_import/bo_userptr; released by
 * bo_destroy, which owns whatever the bo holds (handle, fd, priv).
 */
struct gb_bo {
	uint64_t size;   /* bytes, as created (the backend may round up) */
	uint32_t handle; /* GEM handle on dev->fd; 0 when not GEM */
	int fd;          /* dma-buf fd owned by the bo (native dma-bufs); -1 otherwise */
	void *priv;      /* backend state for this buffer */
};

struct gb_backend_ops {
	/* Required. Unique short name used in job files ("dumb", "udmabuf"). */
	const char *name;
	/* Required. Must equal GB_BACKEND_ABI. */
	int abi;
	/* Required. GB_CAP_* flags; each claims the hooks listed above. */
	unsigned caps;
	/* Optional. One line for --list. */
	const char *help;
	/* Optional. Variants per feature, e.g. .variants[GB_FEAT_MMAP]. */
	const struct gb_variant *variants[GB_FEAT_COUNT];

	/*
	 * Required. Open the device named by @spec: a path ("/dev/dri/card1",
	 * "/dev/dma_heap/system"), a driver or heap name ("vgem", "system"),
	 * or NULL for the backend's default. Fills dev->fd, node, driver and,
	 * where they exist, driver_version and pci_id. -ENOENT or -ENODEV
	 * when no such device exists, -EACCES/-EPERM without permission: the
	 * job is skipped (exit 77) with the reason: dev->why when open() wrote
	 * one ("no i915 node among the 2 DRM nodes in /dev/dri"), else
	 * strerror. On failure nothing stays open.
	 */
	int (*open)(struct gb_dev *dev, const char *spec);

	/* Required. Release everything open() acquired. Never fails. */
	void (*close)(struct gb_dev *dev);

	/*
	 * Optional. Add backend-specific facts to the document's "device"
	 * object (i915: GT generation, aperture size, has_llc). Keys node,
	 * driver, driver_version and pci_id are written by gembench from
	 * struct gb_dev and must not be set here. 0 or -errno.
	 */
	int (*describe)(struct gb_dev *dev, json_t *device);

	/*
	 * Optional. Can this device do @feat in variant @variant (the id from
	 * ops->variants, 0 when the feature has none)? Called once per
	 * (feature, variant) before any row that needs it. 0 = yes; -ENODEV,
	 * -EINVAL, -EOPNOTSUPP or -ENOTTY (typically the errno of a refused
	 * probing ioctl) = no, with a reason written into @why (the rows are
	 * skipped with it); any other error fails the job. NULL = every
	 * feature the caps claim works.
	 */
	int (*probe)(struct gb_dev *dev, enum gb_feature feat, unsigned variant, char *why,
		     size_t why_len);

	/*
	 * Optional. After a hook failed with @err during a job: true when the
	 * device can do no more work (i915: -EIO means the GPU is wedged), so
	 * the job stops with status "failed". NULL: no error is fatal.
	 */
	bool (*fatal)(struct gb_dev *dev, int err);

	/*
	 * Required. Create a buffer of at least @size bytes (a multiple of
	 * the page size) into @bo. The pages need not exist yet.
	 */
	int (*bo_create)(struct gb_dev *dev, uint64_t size, struct gb_bo *bo);

	/*
	 * Required. Release @bo (GEM_CLOSE, close the fd, free priv). Also
	 * used for buffers from bo_import and bo_userptr. Returns the first
	 * error but releases everything regardless.
	 */
	int (*bo_destroy)(struct gb_dev *dev, struct gb_bo *bo);

	/*
	 * GB_CAP_POPULATE. Force the pages in AND mapped for the device where
	 * the backend can (i915: SET_DOMAIN, which runs get_pages ->
	 * dma_map_sg; dumb: map and touch every page). 0 or -errno.
	 */
	int (*bo_populate)(struct gb_dev *dev, struct gb_bo *bo, unsigned variant);

	/*
	 * GB_CAP_MMAP. Map the whole buffer for the CPU, read/write, using
	 * mmap variant @variant; *ptr gets the address. The mapping belongs
	 * to the caller until it passes it to bo_munmap.
	 */
	int (*bo_mmap)(struct gb_dev *dev, struct gb_bo *bo, unsigned variant, void **ptr);
	/* GB_CAP_MMAP. Undo one bo_mmap. */
	int (*bo_munmap)(struct gb_dev *dev, struct gb_bo *bo, void *ptr);

	/*
	 * GB_CAP_EXPORT. A NEW dma-buf fd (O_CLOEXEC | O_RDWR) for @bo in
	 * *fd; the caller owns and closes it. Native dma-buf backends return
	 * a duplicate of bo->fd.
	 */
	int (*bo_export)(struct gb_dev *dev, struct gb_bo *bo, int *fd);

	/*
	 * GB_CAP_IMPORT. Import dma-buf @fd (the caller keeps owning it) of
	 * @size bytes into this device as @bo. For a foreign buffer this is
	 * where the exporter attaches and DMA-maps it for this device (the
	 * mapping that bounces). Release with bo_destroy.
	 */
	int (*bo_import)(struct gb_dev *dev, int fd, uint64_t size, struct gb_bo *bo);

	/*
	 * GB_CAP_USERPTR. Wrap @size bytes of user memory at @ptr (page
	 * aligned, owned by the caller and kept alive until bo_destroy) in
	 * variant @variant of GB_FEAT_USERPTR (i915: read-write or read-only;
	 * 0 when the feature has no variants).
	 */
	int (*bo_userptr)(struct gb_dev *dev, void *ptr, uint64_t size, unsigned variant,
			  struct gb_bo *bo);

	/* GB_CAP_PREAD. Copy between the buffer at @offset and user memory. */
	int (*bo_pread)(struct gb_dev *dev, struct gb_bo *bo, uint64_t offset, void *dst,
			uint64_t len);
	int (*bo_pwrite)(struct gb_dev *dev, struct gb_bo *bo, uint64_t offset, const void *src,
			 uint64_t len);

	/*
	 * GB_CAP_BIND. Make the device use @bo so its pages are bound and
	 * DMA-mapped (i915: an execbuf with @bo in the object list, waited
	 * for). 0 or -errno.
	 */
	int (*bo_bind)(struct gb_dev *dev, struct gb_bo *bo, unsigned variant);

	/*
	 * Optional. Called (untimed) before every SWIOTLB slot reading: make
	 * the driver release now what it has queued for later release, so the
	 * reading counts live buffers only (i915 leaves a closed object's
	 * pages DMA-mapped until a worker or the next create frees it). Writes
	 * into @how what it did, or why it failed, for the row. 0 or -errno.
	 * NULL: the driver releases synchronously.
	 */
	int (*settle)(struct gb_dev *dev, char *how, size_t how_len);
};

/* The registration table (bench/backends.c), NULL-terminated. */
extern const struct gb_backend_ops *const gb_backends[];

/* The backend called @name, or NULL. */
const struct gb_backend_ops *gb_backend_find(const char *name);

/*
 * The loader check: 0 when @ops is usable; -EINVAL with the reason in @why
 * (wrong ABI, no name, a required hook missing, a capability without its
 * hook, an empty variant array).
 */
int gb_backend_check(const struct gb_backend_ops *ops, char *why, size_t why_len);

/* True for the errnos that mean "not supported here" (see above). */
bool gb_err_unsupported(int err);

/* The variants of @feat, or NULL when it has the one default variant. */
const struct gb_variant *gb_backend_variants(const struct gb_backend_ops *ops,
					     enum gb_feature feat);

/* Name of a feature ("mmap"), for messages. */
const char *gb_feature_name(enum gb_feature feat);

#endif
