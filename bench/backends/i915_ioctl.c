/*
 * i915 ioctl wrappers: see i915_ioctl.h. Each wrapper
 * builds its argument struct once with a designated initialiser (so every
 * pad and reserved field is zero, as the kernel insists), makes one call
 * through drm_io (drm_ioctl()), and copies results out only on success.
 */
#include "i915_ioctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t to_user_pointer(const void *ptr)
{
	return (uint64_t)(uintptr_t)ptr;
}

static void *from_user_pointer(uint64_t u64)
{
	return (void *)(uintptr_t)u64;
}

/* --- device facts --------------------------------------------------------- */

int i915_getparam(int fd, int32_t param, int *value)
{
	int v = 0;
	struct drm_i915_getparam gp = {
		.param = param,
		.value = &v,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_I915_GETPARAM, &gp);
	if (err)
		return err;
	*value = v;
	return 0;
}

int i915_query_items(int fd, struct drm_i915_query_item *items, uint32_t n)
{
	struct drm_i915_query q = {
		.num_items = n,
		.items_ptr = to_user_pointer(items),
	};

	return drm_ioctl(fd, DRM_IOCTL_I915_QUERY, &q);
}

int i915_query_memory_regions(int fd, struct drm_i915_query_memory_regions **info)
{
	struct drm_i915_query_item item = {
		.query_id = DRM_I915_QUERY_MEMORY_REGIONS,
	};
	struct drm_i915_query_memory_regions *regions = NULL;
	int err;

	/* Step 1: length 0 asks the kernel how many bytes the answer needs. */
	err = i915_query_items(fd, &item, 1);
	if (err)
		return err;
	if (item.length < 0)
		return item.length; /* the query's own errno, e.g. -EINVAL: unknown query id */
	if ((size_t)item.length < sizeof(*regions))
		return -EPROTO;

	/* calloc: the kernel insists num_regions and rsvd are zero on input. */
	regions = calloc(1, item.length);
	if (!regions)
		return -ENOMEM;
	item.data_ptr = to_user_pointer(regions);

	/* Step 2: the same item, now with room for the answer. */
	err = i915_query_items(fd, &item, 1);
	if (err)
		goto err_free;
	if (item.length < 0) {
		err = item.length;
		goto err_free;
	}
	if ((size_t)item.length <
	    sizeof(*regions) + regions->num_regions * sizeof(regions->regions[0])) {
		err = -EPROTO;
		goto err_free;
	}
	*info = regions;
	return 0;

err_free:
	free(regions);
	return err;
}

/* --- objects -------------------------------------------------------------- */

int i915_gem_create(int fd, uint64_t *size, uint32_t *handle)
{
	struct drm_i915_gem_create create = {
		.size = *size,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_I915_GEM_CREATE, &create);
	if (err)
		return err;
	*size = create.size;
	*handle = create.handle;
	return 0;
}

int i915_gem_create_ext(int fd, uint64_t *size, uint32_t flags, uint32_t *handle,
			struct i915_user_extension *ext)
{
	struct drm_i915_gem_create_ext create = {
		.size = *size,
		.flags = flags,
		.extensions = to_user_pointer(ext),
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_I915_GEM_CREATE_EXT, &create);
	if (err)
		return err;
	*size = create.size;
	*handle = create.handle;
	return 0;
}

int i915_gem_create_in_regions(int fd, uint64_t *size, uint32_t *handle,
			       const struct drm_i915_gem_memory_class_instance *regions,
			       uint32_t n_regions)
{
	struct drm_i915_gem_create_ext_memory_regions ext = {
		.base = { .name = I915_GEM_CREATE_EXT_MEMORY_REGIONS },
		.num_regions = n_regions,
		.regions = to_user_pointer(regions),
	};

	return i915_gem_create_ext(fd, size, 0, handle, &ext.base);
}

int i915_gem_userptr(int fd, void *ptr, uint64_t size, uint32_t flags, uint32_t *handle)
{
	struct drm_i915_gem_userptr userptr = {
		.user_ptr = to_user_pointer(ptr),
		.user_size = size,
		.flags = flags,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_I915_GEM_USERPTR, &userptr);
	if (err)
		return err;
	*handle = userptr.handle;
	return 0;
}

int i915_gem_set_domain(int fd, uint32_t handle, uint32_t read_domains, uint32_t write_domain)
{
	struct drm_i915_gem_set_domain set_domain = {
		.handle = handle,
		.read_domains = read_domains,
		.write_domain = write_domain,
	};

	return drm_ioctl(fd, DRM_IOCTL_I915_GEM_SET_DOMAIN, &set_domain);
}

int i915_gem_pread(int fd, uint32_t handle, uint64_t offset, void *dst, uint64_t len)
{
	struct drm_i915_gem_pread pread = {
		.handle = handle,
		.offset = offset,
		.size = len,
		.data_ptr = to_user_pointer(dst),
	};

	return drm_ioctl(fd, DRM_IOCTL_I915_GEM_PREAD, &pread);
}

int i915_gem_pwrite(int fd, uint32_t handle, uint64_t offset, const void *src, uint64_t len)
{
	struct drm_i915_gem_pwrite pwrite = {
		.handle = handle,
		.offset = offset,
		.size = len,
		.data_ptr = to_user_pointer(src),
	};

	return drm_ioctl(fd, DRM_IOCTL_I915_GEM_PWRITE, &pwrite);
}

/* --- CPU mappings --------------------------------------------------------- */

int i915_gem_mmap_offset(int fd, uint32_t handle, uint64_t type, uint64_t *offset)
{
	struct drm_i915_gem_mmap_offset arg = {
		.handle = handle,
		.flags = type,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_I915_GEM_MMAP_OFFSET, &arg);
	if (err)
		return err;
	*offset = arg.offset;
	return 0;
}

int i915_gem_mmap_gtt(int fd, uint32_t handle, uint64_t *offset)
{
	struct drm_i915_gem_mmap_gtt arg = {
		.handle = handle,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_I915_GEM_MMAP_GTT, &arg);
	if (err)
		return err;
	*offset = arg.offset;
	return 0;
}

int i915_gem_mmap_legacy(int fd, uint32_t handle, uint64_t size, uint64_t flags, void **ptr)
{
	struct drm_i915_gem_mmap arg = {
		.handle = handle,
		.offset = 0,
		.size = size,
		.flags = flags,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_I915_GEM_MMAP, &arg);
	if (err)
		return err;
	*ptr = from_user_pointer(arg.addr_ptr);
	return 0;
}

/* --- submission ----------------------------------------------------------- */

int i915_gem_execbuf(int fd, struct drm_i915_gem_execbuffer2 *eb)
{
	return drm_ioctl(fd, DRM_IOCTL_I915_GEM_EXECBUFFER2, eb);
}

int i915_gem_execbuf_bind(int fd, uint32_t handle, uint32_t batch, uint64_t *flags)
{
	/* The batch goes last: without I915_EXEC_BATCH_FIRST the kernel runs the last object. */
	struct drm_i915_gem_exec_object2 obj[2] = {
		{ .handle = handle },
		{ .handle = batch },
	};
	struct drm_i915_gem_execbuffer2 eb = {
		.buffers_ptr = to_user_pointer(obj),
		.buffer_count = 2,
		.batch_len = 0, /* 0 = the whole batch object; it ends at its first dword */
		.flags = I915_EXEC_DEFAULT | *flags,
	};
	const uint64_t optional = I915_EXEC_HANDLE_LUT | I915_EXEC_NO_RELOC;
	int err;

	err = i915_gem_execbuf(fd, &eb);
	if (err == -EINVAL && (eb.flags & optional)) {
		/*
		 * Kernels before 3.10 reject both flags as unknown. Nothing else in
		 * the struct changes: no relocations, so neither flag alters meaning.
		 */
		eb.flags &= ~optional;
		err = i915_gem_execbuf(fd, &eb);
		if (err == 0)
			*flags &= ~optional;
	}
	return err;
}

int i915_gem_wait(int fd, uint32_t handle, int64_t timeout_ns)
{
	struct drm_i915_gem_wait wait = {
		.bo_handle = handle,
		.timeout_ns = timeout_ns,
	};

	return drm_ioctl(fd, DRM_IOCTL_I915_GEM_WAIT, &wait);
}

int i915_gem_throttle(int fd)
{
	return drm_ioctl(fd, DRM_IOCTL_I915_GEM_THROTTLE, NULL);
}

const char *i915_mmap_type_name(uint64_t type)
{
	switch (type) {
	case I915_MMAP_OFFSET_GTT:
		return "gtt";
	case I915_MMAP_OFFSET_WC:
		return "wc";
	case I915_MMAP_OFFSET_WB:
		return "wb";
	case I915_MMAP_OFFSET_UC:
		return "uc";
	case I915_MMAP_OFFSET_FIXED:
		return "fixed";
	}
	return "?";
}
