/*
 * xe ioctl wrappers: see xe_ioctl.h. Each wrapper builds its argument
 * struct once with a designated initialiser, makes one call through drm_io
 * (drm_ioctl()), and copies results out only on success.
 */
#include "xe_ioctl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t to_user_pointer(const void *ptr)
{
	return (uint64_t)(uintptr_t)ptr;
}

/* --- device facts --------------------------------------------------------- */

int xe_device_query(int fd, uint32_t query, void **data, uint32_t *len)
{
	struct drm_xe_device_query q = {
		.query = query,
	};
	void *buf;
	int err;

	/* Step 1: size 0 asks the kernel how many bytes the answer needs. */
	err = drm_ioctl(fd, DRM_IOCTL_XE_DEVICE_QUERY, &q);
	if (err)
		return err;
	if (!q.size)
		return -EPROTO;
	/* calloc: the answer's pad fields stay zero whatever the kernel writes. */
	buf = calloc(1, q.size);
	if (!buf)
		return -ENOMEM;
	q.data = to_user_pointer(buf);

	/* Step 2: the same struct, now with exactly that size (any other is -EINVAL). */
	err = drm_ioctl(fd, DRM_IOCTL_XE_DEVICE_QUERY, &q);
	if (err) {
		free(buf);
		return err;
	}
	*data = buf;
	*len = q.size;
	return 0;
}

/* --- objects -------------------------------------------------------------- */

int xe_gem_create(int fd, uint64_t size, uint32_t placement, uint32_t flags, uint16_t cpu_caching,
		  uint32_t *handle)
{
	struct drm_xe_gem_create create = {
		.size = size,
		.placement = placement,
		.flags = flags,
		.cpu_caching = cpu_caching,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_XE_GEM_CREATE, &create);
	if (err)
		return err;
	*handle = create.handle;
	return 0;
}

int xe_gem_mmap_offset(int fd, uint32_t handle, uint64_t *offset)
{
	struct drm_xe_gem_mmap_offset mmo = {
		.handle = handle,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_XE_GEM_MMAP_OFFSET, &mmo);
	if (err)
		return err;
	*offset = mmo.offset;
	return 0;
}

/* --- VMs and binds --------------------------------------------------------- */

int xe_vm_create(int fd, uint32_t flags, uint32_t *vm)
{
	struct drm_xe_vm_create create = {
		.flags = flags,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_XE_VM_CREATE, &create);
	if (err)
		return err;
	*vm = create.vm_id;
	return 0;
}

int xe_vm_destroy(int fd, uint32_t vm)
{
	struct drm_xe_vm_destroy destroy = {
		.vm_id = vm,
	};

	return drm_ioctl(fd, DRM_IOCTL_XE_VM_DESTROY, &destroy);
}

int xe_vm_bind(int fd, uint32_t vm, uint32_t op, uint32_t obj, uint64_t obj_offset,
	       uint64_t addr, uint64_t range, uint16_t pat_index, uint32_t syncobj)
{
	struct drm_xe_sync sync = {
		.type = DRM_XE_SYNC_TYPE_SYNCOBJ,
		.flags = DRM_XE_SYNC_FLAG_SIGNAL,
		.handle = syncobj,
	};
	struct drm_xe_vm_bind bind = {
		.vm_id = vm,
		.num_binds = 1,
		.bind = {
			.obj = obj,
			.pat_index = pat_index,
			.obj_offset = obj_offset,
			.range = range,
			.addr = addr,
			.op = op,
		},
		.num_syncs = 1,
		.syncs = to_user_pointer(&sync),
	};

	return drm_ioctl(fd, DRM_IOCTL_XE_VM_BIND, &bind);
}

/* --- submission ----------------------------------------------------------- */

int xe_exec_queue_create(int fd, uint32_t vm, const struct drm_xe_engine_class_instance *engine,
			 uint32_t *queue)
{
	struct drm_xe_exec_queue_create create = {
		.width = 1,
		.num_placements = 1,
		.vm_id = vm,
		.instances = to_user_pointer(engine),
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &create);
	if (err)
		return err;
	*queue = create.exec_queue_id;
	return 0;
}

int xe_exec_queue_destroy(int fd, uint32_t queue)
{
	struct drm_xe_exec_queue_destroy destroy = {
		.exec_queue_id = queue,
	};

	return drm_ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_DESTROY, &destroy);
}

int xe_exec_queue_banned(int fd, uint32_t queue, bool *banned)
{
	struct drm_xe_exec_queue_get_property prop = {
		.exec_queue_id = queue,
		.property = DRM_XE_EXEC_QUEUE_GET_PROPERTY_BAN,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_GET_PROPERTY, &prop);
	if (err)
		return err;
	*banned = prop.value != 0;
	return 0;
}

int xe_exec(int fd, uint32_t queue, uint64_t addr, uint32_t syncobj)
{
	struct drm_xe_sync sync = {
		.type = DRM_XE_SYNC_TYPE_SYNCOBJ,
		.flags = DRM_XE_SYNC_FLAG_SIGNAL,
		.handle = syncobj,
	};
	struct drm_xe_exec exec = {
		.exec_queue_id = queue,
		.num_syncs = 1,
		.syncs = to_user_pointer(&sync),
		.address = addr,
		.num_batch_buffer = 1,
	};

	return drm_ioctl(fd, DRM_IOCTL_XE_EXEC, &exec);
}

/* --- DRM sync objects ------------------------------------------------------ */

int syncobj_create(int fd, uint32_t *syncobj)
{
	struct drm_syncobj_create create = { 0 };
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &create);
	if (err)
		return err;
	*syncobj = create.handle;
	return 0;
}

int syncobj_destroy(int fd, uint32_t syncobj)
{
	struct drm_syncobj_destroy destroy = {
		.handle = syncobj,
	};

	return drm_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &destroy);
}

int syncobj_wait(int fd, uint32_t syncobj)
{
	struct drm_syncobj_wait wait = {
		.handles = to_user_pointer(&syncobj),
		.count_handles = 1,
		.timeout_nsec = INT64_MAX, /* absolute CLOCK_MONOTONIC: never */
	};

	return drm_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wait);
}

const char *xe_engine_class_name(uint16_t engine_class)
{
	switch (engine_class) {
	case DRM_XE_ENGINE_CLASS_RENDER:
		return "render";
	case DRM_XE_ENGINE_CLASS_COPY:
		return "copy";
	case DRM_XE_ENGINE_CLASS_VIDEO_DECODE:
		return "video-decode";
	case DRM_XE_ENGINE_CLASS_VIDEO_ENHANCE:
		return "video-enhance";
	case DRM_XE_ENGINE_CLASS_COMPUTE:
		return "compute";
	case DRM_XE_ENGINE_CLASS_VM_BIND:
		return "vm-bind";
	}
	return "unknown";
}
