/*
 * Thin wrappers around the xe uAPI (uapi/xe_drm.h), after IGT's
 * lib/xe/xe_ioctl.c and lib/xe/xe_query.c: one function per ioctl, each
 * fills its struct once with a designated initialiser (every pad, reserved
 * and extensions field zero, as xe insists: XE_IOCTL_DBG(... reserved[0]
 * ...) -> -EINVAL), makes one call through drm_io (drm_ioctl()), returns 0
 * or -errno and copies results out only on success. None prints or aborts:
 * whether an errno means "skip this variant" or "stop the job" is the
 * backend's call. The DRM sync-object ioctls live here too because xe is
 * their only user in gembench: every VM_BIND and EXEC is waited for
 * through one.
 *
 * GEM_CLOSE, PRIME and mmap(2) are the shared ones in drm_ioctl.h; all go
 * through the same drm_io table, so the unit tests' fake
 * (tests/fakes/fake_xe.h) sees every call the backend makes.
 */
#ifndef BL_XE_IOCTL_H
#define BL_XE_IOCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drm_ioctl.h"
#include "uapi/xe_drm.h"

/* MI_BATCH_BUFFER_END: the whole of a batch that only makes the engine run. */
#define XE_MI_BATCH_BUFFER_END (0x0Au << 23)

/* --- device facts --------------------------------------------------------- */

/*
 * DRM_IOCTL_XE_DEVICE_QUERY for DRM_XE_DEVICE_QUERY_* @query, both steps
 * (size 0 asks the size, then exactly that size). *data is malloc'd (free()
 * it) and *len says how many bytes it holds.
 */
int xe_device_query(int fd, uint32_t query, void **data, uint32_t *len);

/* --- objects -------------------------------------------------------------- */

/*
 * DRM_IOCTL_XE_GEM_CREATE of @size bytes placed in region mask @placement
 * with DRM_XE_GEM_CREATE_FLAG_* @flags and DRM_XE_GEM_CPU_CACHING_*
 * @cpu_caching, not private to a VM (so it can be exported).
 */
int xe_gem_create(int fd, uint64_t size, uint32_t placement, uint32_t flags, uint16_t cpu_caching,
		  uint32_t *handle);

/* DRM_IOCTL_XE_GEM_MMAP_OFFSET: the fake offset to pass to mmap(2) on @fd. */
int xe_gem_mmap_offset(int fd, uint32_t handle, uint64_t *offset);

/* --- VMs and binds --------------------------------------------------------- */

/* DRM_IOCTL_XE_VM_CREATE with DRM_XE_VM_CREATE_FLAG_* @flags. */
int xe_vm_create(int fd, uint32_t flags, uint32_t *vm);

/* DRM_IOCTL_XE_VM_DESTROY (the kernel unbinds whatever is left). */
int xe_vm_destroy(int fd, uint32_t vm);

/*
 * DRM_IOCTL_XE_VM_BIND of one operation on @vm through the default bind
 * queue: @op (DRM_XE_VM_BIND_OP_MAP, _UNMAP, _MAP_USERPTR) of @range bytes
 * at GPU address @addr; @obj and @obj_offset for MAP, @obj 0 and the user
 * address in @obj_offset for MAP_USERPTR, both 0 for UNMAP. @pat_index is
 * the platform's PAT entry for the mapping: xe refuses (-EINVAL) one
 * without CPU coherency for WB objects, userptr and foreign dma-bufs, and
 * which index is coherent differs per platform (0 before Meteor Lake, 3 on
 * Meteor Lake, 2 on Xe2). Signals syncobj @syncobj when done (binds are
 * asynchronous since 6.8).
 */
int xe_vm_bind(int fd, uint32_t vm, uint32_t op, uint32_t obj, uint64_t obj_offset,
	       uint64_t addr, uint64_t range, uint16_t pat_index, uint32_t syncobj);

/* --- submission ----------------------------------------------------------- */

/* DRM_IOCTL_XE_EXEC_QUEUE_CREATE: width 1, one placement, on @vm. */
int xe_exec_queue_create(int fd, uint32_t vm, const struct drm_xe_engine_class_instance *engine,
			 uint32_t *queue);

/* DRM_IOCTL_XE_EXEC_QUEUE_DESTROY. */
int xe_exec_queue_destroy(int fd, uint32_t queue);

/* DRM_IOCTL_XE_EXEC_QUEUE_GET_PROPERTY BAN: *banned = the queue was banned (GPU hang). */
int xe_exec_queue_banned(int fd, uint32_t queue, bool *banned);

/* DRM_IOCTL_XE_EXEC of the batch at GPU address @addr on @queue, signalling @syncobj. */
int xe_exec(int fd, uint32_t queue, uint64_t addr, uint32_t syncobj);

/* --- DRM sync objects ------------------------------------------------------ */

/* DRM_IOCTL_SYNCOBJ_CREATE (unsignalled). */
int syncobj_create(int fd, uint32_t *syncobj);
/* DRM_IOCTL_SYNCOBJ_DESTROY. */
int syncobj_destroy(int fd, uint32_t syncobj);
/* DRM_IOCTL_SYNCOBJ_WAIT for @syncobj's fence, forever (it must have one). */
int syncobj_wait(int fd, uint32_t syncobj);

/* DRM_XE_ENGINE_CLASS_* name for messages and the document ("render", "copy"). */
const char *xe_engine_class_name(uint16_t engine_class);

#endif
