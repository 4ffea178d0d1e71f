/*
 * Thin wrappers around the i915 uAPI (libdrm's i915_drm.h), after IGT's
 * lib/i915/gem_*.c: one function per ioctl, each fills its struct once,
 * returns 0 or -errno, and passes results through out-parameters which are
 * left untouched on failure. None of them prints or aborts: whether an errno
 * means "skip this variant" or "stop the job" is the backend's call, and
 * the backend probes every feature by calling these and reading the errno.
 *
 * The generic DRM ioctls (GEM_CLOSE, PRIME, VERSION) and the CPU mappings
 * are in drm_ioctl.h, shared with the other backends. Every call here goes
 * through the same swappable `drm_io` table, so the unit tests' ioctl-level
 * fake (tests/fakes/fake_i915.h) sees all of them.
 */
#ifndef BL_I915_IOCTL_H
#define BL_I915_IOCTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <i915_drm.h>

#include "drm_ioctl.h"

/* MI_BATCH_BUFFER_END: the whole of a batch that only makes the GPU bind its objects. */
#define I915_MI_BATCH_BUFFER_END (0x0Au << 23)

/* --- device facts --------------------------------------------------------- */

/* DRM_IOCTL_I915_GETPARAM: *value = the parameter (I915_PARAM_*). */
int i915_getparam(int fd, int32_t param, int *value);

/*
 * DRM_IOCTL_I915_QUERY with @n items. Per-item errors come back in
 * items[i].length (negative errno), as the kernel reports them.
 */
int i915_query_items(int fd, struct drm_i915_query_item *items, uint32_t n);

/*
 * DRM_I915_QUERY_MEMORY_REGIONS, both steps (length, then data). *info is
 * malloc'd; free() it. -errno from the ioctl or from the item's length
 * (-EINVAL/-ENODEV on kernels without the query).
 */
int i915_query_memory_regions(int fd, struct drm_i915_query_memory_regions **info);

/* --- objects -------------------------------------------------------------- */

/* DRM_IOCTL_I915_GEM_CREATE: *size in = wanted, out = what the kernel made. */
int i915_gem_create(int fd, uint64_t *size, uint32_t *handle);

/* DRM_IOCTL_I915_GEM_CREATE_EXT with @flags and the extension chain @ext (may be NULL). */
int i915_gem_create_ext(int fd, uint64_t *size, uint32_t flags, uint32_t *handle,
			struct i915_user_extension *ext);

/*
 * GEM_CREATE_EXT with an I915_GEM_CREATE_EXT_MEMORY_REGIONS extension placing
 * the object in @regions (in order of preference).
 */
int i915_gem_create_in_regions(int fd, uint64_t *size, uint32_t *handle,
			       const struct drm_i915_gem_memory_class_instance *regions,
			       uint32_t n_regions);

/* DRM_IOCTL_I915_GEM_USERPTR over @size bytes at @ptr with I915_USERPTR_* @flags. */
int i915_gem_userptr(int fd, void *ptr, uint64_t size, uint32_t flags, uint32_t *handle);

/* DRM_IOCTL_I915_GEM_SET_DOMAIN (I915_GEM_DOMAIN_CPU/GTT/WC). */
int i915_gem_set_domain(int fd, uint32_t handle, uint32_t read_domains, uint32_t write_domain);

/* DRM_IOCTL_I915_GEM_PREAD / PWRITE. */
int i915_gem_pread(int fd, uint32_t handle, uint64_t offset, void *dst, uint64_t len);
int i915_gem_pwrite(int fd, uint32_t handle, uint64_t offset, const void *src, uint64_t len);

/* --- CPU mappings --------------------------------------------------------- */

/*
 * DRM_IOCTL_I915_GEM_MMAP_OFFSET with I915_MMAP_OFFSET_* @type: the fake
 * offset to pass to mmap(2) on @fd. Only on kernels whose
 * I915_PARAM_MMAP_GTT_VERSION >= 4: older ones share the ioctl number with
 * MMAP_GTT and would silently ignore @type.
 */
int i915_gem_mmap_offset(int fd, uint32_t handle, uint64_t type, uint64_t *offset);
/* DRM_IOCTL_I915_GEM_MMAP_GTT (legacy): the fake offset of a GTT mapping. */
int i915_gem_mmap_gtt(int fd, uint32_t handle, uint64_t *offset);
/*
 * DRM_IOCTL_I915_GEM_MMAP (legacy; -EOPNOTSUPP on discrete parts and above
 * graphics version 12.0): the kernel maps, *ptr gets it.
 */
int i915_gem_mmap_legacy(int fd, uint32_t handle, uint64_t size, uint64_t flags, void **ptr);
/* The other mappings are mmap(2)/munmap(2) through drm_io: __drm_mmap(), __drm_munmap(). */

/* --- submission ----------------------------------------------------------- */

/* DRM_IOCTL_I915_GEM_EXECBUFFER2 with a caller-filled @eb. */
int i915_gem_execbuf(int fd, struct drm_i915_gem_execbuffer2 *eb);

/*
 * Submits a batch that only ends (@batch holds MI_BATCH_BUFFER_END at offset
 * 0) with @handle in its object list, so the kernel binds @handle: get_pages,
 * dma_map_sg, GTT insert. @flags (in/out) starts as
 * I915_EXEC_HANDLE_LUT | I915_EXEC_NO_RELOC; when the kernel refuses those
 * with -EINVAL the same struct is resubmitted without them, and *flags says
 * what worked, so the caller passes that next time.
 */
int i915_gem_execbuf_bind(int fd, uint32_t handle, uint32_t batch, uint64_t *flags);

/* DRM_IOCTL_I915_GEM_WAIT for @handle to be idle, up to @timeout_ns (-1: forever). */
int i915_gem_wait(int fd, uint32_t handle, int64_t timeout_ns);

/*
 * DRM_IOCTL_I915_GEM_THROTTLE: -EIO when the GPU is terminally wedged (how
 * IGT's igt_require_gem() tells a dead GPU from an -EIO of another origin).
 */
int i915_gem_throttle(int fd);

/* I915_MMAP_OFFSET_* and I915_GEM_DOMAIN_* names for messages ("wc", "gtt"). */
const char *i915_mmap_type_name(uint64_t type);

#endif
