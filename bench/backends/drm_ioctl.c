/*
 * Driver-independent ioctl wrappers: see drm_ioctl.h. Each __form builds its
 * argument struct once with a designated initialiser (so every pad and
 * reserved field is zero, as the kernel insists), makes one call through
 * drm_io, and copies results out only on success; each insisting form is
 * the __form plus drm_complain() on failure.
 */
#include "drm_ioctl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "log.h"

struct drm_io_ops drm_io = {
	.ioctl = drmIoctl,
	.mmap = mmap,
	.munmap = munmap,
};

void drm_io_reset(void)
{
	drm_io.ioctl = drmIoctl;
	drm_io.mmap = mmap;
	drm_io.munmap = munmap;
}

int drm_ioctl(int fd, unsigned long request, void *arg)
{
	int err = 0;

	if (drm_io.ioctl(fd, request, arg)) {
		err = -errno;
		/* A misbehaving ioctl hook must not turn a failure into success. */
		if (err == 0)
			err = -EIO;
	}
	return err;
}

int drm_complain(int fd, int err, const char *fmt, ...)
{
	char subject[64] = "", what[160], link[32];
	va_list ap;
	ssize_t n;

	/* Only on the error path, so the extra ioctl costs nothing measured. */
	if (fd >= 0 && __drm_get_version(fd, subject, sizeof(subject), NULL, 0)) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, subject, sizeof(subject) - 1);
		subject[n > 0 ? n : 0] = '\0';
	}
	if (!subject[0] && fd >= 0)
		snprintf(subject, sizeof(subject), "fd %d", fd);
	else if (!subject[0])
		snprintf(subject, sizeof(subject), "memory"); /* munmap: no fd to name */
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	bl_err("%s: %s: %s", subject, what, strerror(-err));
	return err;
}

/* --- generic DRM ---------------------------------------------------------- */

int __drm_get_version(int fd, char *name, size_t name_len, char *version, size_t version_len)
{
	char buf[64] = "";
	struct drm_version v = {
		.name_len = sizeof(buf) - 1, /* keep a terminating NUL of our own */
		.name = buf,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_VERSION, &v);
	if (err)
		return err;
	if (name) {
		/* The kernel reports the full length even when it truncated. */
		snprintf(name, name_len, "%.*s",
			 (int)(v.name_len < sizeof(buf) ? v.name_len : sizeof(buf) - 1), buf);
	}
	if (version)
		snprintf(version, version_len, "%d.%d.%d", v.version_major, v.version_minor,
			 v.version_patchlevel);
	return 0;
}

int drm_get_version(int fd, char *name, size_t name_len, char *version, size_t version_len)
{
	int err = __drm_get_version(fd, name, name_len, version, version_len);

	return err ? drm_complain(fd, err, "VERSION") : 0;
}

int __drm_get_cap(int fd, uint64_t cap, uint64_t *value)
{
	struct drm_get_cap arg = {
		.capability = cap,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_GET_CAP, &arg);
	if (err)
		return err;
	*value = arg.value;
	return 0;
}

int drm_get_cap(int fd, uint64_t cap, uint64_t *value)
{
	int err = __drm_get_cap(fd, cap, value);

	return err ? drm_complain(fd, err, "GET_CAP %llu", (unsigned long long)cap) : 0;
}

int __gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close arg = {
		.handle = handle,
	};

	return drm_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &arg);
}

int gem_close(int fd, uint32_t handle)
{
	int err = __gem_close(fd, handle);

	return err ? drm_complain(fd, err, "GEM_CLOSE handle %u", handle) : 0;
}

int __prime_handle_to_fd(int fd, uint32_t handle, int *dmabuf)
{
	struct drm_prime_handle arg = {
		.handle = handle,
		.flags = DRM_CLOEXEC | DRM_RDWR,
		.fd = -1,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &arg);
	if (err)
		return err;
	*dmabuf = arg.fd;
	return 0;
}

int prime_handle_to_fd(int fd, uint32_t handle, int *dmabuf)
{
	int err = __prime_handle_to_fd(fd, handle, dmabuf);

	return err ? drm_complain(fd, err, "PRIME_HANDLE_TO_FD handle %u", handle) : 0;
}

int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle arg = {
		.fd = dmabuf,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &arg);
	if (err)
		return err;
	*handle = arg.handle;
	return 0;
}

int prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle)
{
	int err = __prime_fd_to_handle(fd, dmabuf, handle);

	return err ? drm_complain(fd, err, "PRIME_FD_TO_HANDLE fd %d", dmabuf) : 0;
}

/* --- dumb buffers --------------------------------------------------------- */

int __dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp, uint32_t *handle,
		  uint64_t *size)
{
	struct drm_mode_create_dumb arg = {
		.width = width,
		.height = height,
		.bpp = bpp,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &arg);
	if (err)
		return err;
	*handle = arg.handle;
	*size = arg.size;
	return 0;
}

int dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp, uint32_t *handle,
		uint64_t *size)
{
	int err = __dumb_create(fd, width, height, bpp, handle, size);

	return err ? drm_complain(fd, err, "MODE_CREATE_DUMB %ux%u@%u", width, height, bpp) : 0;
}

int __dumb_map_offset(int fd, uint32_t handle, uint64_t *offset)
{
	struct drm_mode_map_dumb arg = {
		.handle = handle,
	};
	int err;

	err = drm_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &arg);
	if (err)
		return err;
	*offset = arg.offset;
	return 0;
}

int dumb_map_offset(int fd, uint32_t handle, uint64_t *offset)
{
	int err = __dumb_map_offset(fd, handle, offset);

	return err ? drm_complain(fd, err, "MODE_MAP_DUMB handle %u", handle) : 0;
}

int __dumb_destroy(int fd, uint32_t handle)
{
	struct drm_mode_destroy_dumb arg = {
		.handle = handle,
	};

	return drm_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &arg);
}

int dumb_destroy(int fd, uint32_t handle)
{
	int err = __dumb_destroy(fd, handle);

	return err ? drm_complain(fd, err, "MODE_DESTROY_DUMB handle %u", handle) : 0;
}

/* --- CPU mappings --------------------------------------------------------- */

int __drm_mmap(int fd, uint64_t offset, uint64_t len, void **ptr)
{
	void *p;

	if (len > SIZE_MAX || offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	errno = 0;
	p = drm_io.mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	if (p == MAP_FAILED)
		return errno ? -errno : -ENOMEM;
	*ptr = p;
	return 0;
}

int drm_mmap(int fd, uint64_t offset, uint64_t len, void **ptr)
{
	int err = __drm_mmap(fd, offset, len, ptr);

	return err ? drm_complain(fd, err, "mmap %llu bytes at offset %#llx",
				  (unsigned long long)len, (unsigned long long)offset) : 0;
}

int __drm_munmap(void *ptr, uint64_t len)
{
	errno = 0;
	if (drm_io.munmap(ptr, len))
		return errno ? -errno : -EINVAL;
	return 0;
}

int drm_munmap(void *ptr, uint64_t len)
{
	int err = __drm_munmap(ptr, len);

	return err ? drm_complain(-1, err, "munmap %llu bytes at %p", (unsigned long long)len,
				  ptr) : 0;
}

/* --- dma-bufs ------------------------------------------------------------- */

int __dma_buf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync arg = {
		.flags = flags,
	};

	return drm_ioctl(fd, DMA_BUF_IOCTL_SYNC, &arg);
}

int dma_buf_sync(int fd, uint64_t flags)
{
	int err = __dma_buf_sync(fd, flags);

	return err ? drm_complain(fd, err, "DMA_BUF_IOCTL_SYNC %#llx",
				  (unsigned long long)flags) : 0;
}

int __udmabuf_create(int fd, int memfd, uint64_t offset, uint64_t size, int *dmabuf)
{
	struct udmabuf_create arg = {
		.memfd = (uint32_t)memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = offset,
		.size = size,
	};
	int ret;

	/* The only ioctl here whose success value is the result: the new fd. */
	errno = 0;
	ret = drm_io.ioctl(fd, UDMABUF_CREATE, &arg);
	if (ret < 0)
		return errno ? -errno : -EIO;
	*dmabuf = ret;
	return 0;
}

int udmabuf_create(int fd, int memfd, uint64_t offset, uint64_t size, int *dmabuf)
{
	int err = __udmabuf_create(fd, memfd, offset, size, dmabuf);

	return err ? drm_complain(fd, err, "UDMABUF_CREATE %llu bytes", (unsigned long long)size)
		   : 0;
}

int __dma_heap_alloc(int fd, uint64_t len, int *dmabuf)
{
	struct dma_heap_allocation_data arg = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
		.heap_flags = 0,
	};
	int err;

	err = drm_ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &arg);
	if (err)
		return err;
	*dmabuf = (int)arg.fd;
	return 0;
}

int dma_heap_alloc(int fd, uint64_t len, int *dmabuf)
{
	int err = __dma_heap_alloc(fd, len, dmabuf);

	return err ? drm_complain(fd, err, "DMA_HEAP_IOCTL_ALLOC %llu bytes",
				  (unsigned long long)len) : 0;
}
