/*
 * Driver-independent ioctl wrappers shared by every backend: the generic
 * DRM GEM/PRIME/dumb-buffer ioctls, CPU mappings of a DRM or dma-buf fd,
 * DMA_BUF_IOCTL_SYNC, and the two dma-buf exporters that are not DRM
 * drivers (udmabuf, dma-heap). After IGT's lib/ioctl_wrappers.c, each ioctl
 * has two forms:
 *
 *   __name()  fills the argument struct once, makes one call, returns 0 or
 *             -errno and passes results through out-parameters, which are
 *             left untouched on failure. It never prints: tests call it to
 *             check error paths, and the measuring loop calls it because a
 *             refused operation is a result (counted in its row), not a
 *             diagnostic.
 *   name()    the insisting form, for callers that cannot do anything
 *             useful with an error (cleanup, one-off set-up): the same call,
 *             and on failure one line on stderr naming the subject (the
 *             fd's DRM driver, else the file it refers to), the operation,
 *             its arguments and the cause - "vgem: GEM_CLOSE handle 7:
 *             Invalid argument" - then the error is returned. It never
 *             aborts: gembench reports, it does not die.
 *
 * Every system call that touches a device goes through `drm_io`, a table of
 * function pointers that defaults to libdrm's drmIoctl() (which retries
 * EINTR/EAGAIN) and the libc mmap/munmap. Unit tests point it at an
 * ioctl-level fake (tests/fakes/fake_i915.h) - the same idea as IGT's
 * overridable igt_ioctl pointer. The i915 wrappers (i915_ioctl.h) go
 * through the same table, so one fake sees every call a backend makes.
 */
#ifndef BL_DRM_IOCTL_H
#define BL_DRM_IOCTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The system calls the wrappers make; swap for a fake in unit tests only. */
struct drm_io_ops {
	int (*ioctl)(int fd, unsigned long request, void *arg); /* -1 + errno, as ioctl(2) */
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
	int (*munmap)(void *addr, size_t len);
};

extern struct drm_io_ops drm_io;

/* Puts the real system calls back into drm_io. */
void drm_io_reset(void);

/* One ioctl through drm_io: 0 or -errno (never -1). */
int drm_ioctl(int fd, unsigned long request, void *arg);

/*
 * The insisting forms' message: "SUBJECT: OPERATION: strerror(-err)" on
 * stderr, where SUBJECT is @fd's DRM driver name (DRM_IOCTL_VERSION through
 * drm_io), else what /proc/self/fd/@fd points to. Returns @err, so a
 * wrapper can end in `return drm_complain(...)`. Exported for i915_ioctl.c.
 */
int drm_complain(int fd, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* --- generic DRM ---------------------------------------------------------- */

/* DRM_IOCTL_VERSION: driver name ("i915") and "major.minor.patch"; either may be NULL. */
int __drm_get_version(int fd, char *name, size_t name_len, char *version, size_t version_len);
int drm_get_version(int fd, char *name, size_t name_len, char *version, size_t version_len);

/* DRM_IOCTL_GET_CAP: *value = capability @cap (DRM_CAP_*). */
int __drm_get_cap(int fd, uint64_t cap, uint64_t *value);
int drm_get_cap(int fd, uint64_t cap, uint64_t *value);

/* DRM_IOCTL_GEM_CLOSE. */
int __gem_close(int fd, uint32_t handle);
int gem_close(int fd, uint32_t handle);

/* DRM_IOCTL_PRIME_HANDLE_TO_FD with DRM_CLOEXEC | DRM_RDWR; the caller owns *dmabuf. */
int __prime_handle_to_fd(int fd, uint32_t handle, int *dmabuf);
int prime_handle_to_fd(int fd, uint32_t handle, int *dmabuf);

/* DRM_IOCTL_PRIME_FD_TO_HANDLE; the caller keeps owning @dmabuf. */
int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle);
int prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle);

/* --- dumb buffers --------------------------------------------------------- */

/*
 * DRM_IOCTL_MODE_CREATE_DUMB of @width x @height pixels of @bpp bits:
 * *handle, and *size (the kernel's, pitch * height rounded up to pages).
 */
int __dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp, uint32_t *handle,
		  uint64_t *size);
int dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp, uint32_t *handle,
		uint64_t *size);

/* DRM_IOCTL_MODE_MAP_DUMB: the fake offset to pass to mmap(2) on @fd. */
int __dumb_map_offset(int fd, uint32_t handle, uint64_t *offset);
int dumb_map_offset(int fd, uint32_t handle, uint64_t *offset);

/* DRM_IOCTL_MODE_DESTROY_DUMB (the same as GEM_CLOSE on every driver today). */
int __dumb_destroy(int fd, uint32_t handle);
int dumb_destroy(int fd, uint32_t handle);

/* --- CPU mappings --------------------------------------------------------- */

/*
 * mmap(2) of @len bytes of @fd at @offset (a DRM fake offset, or 0 for a
 * dma-buf), shared, read/write.
 */
int __drm_mmap(int fd, uint64_t offset, uint64_t len, void **ptr);
int drm_mmap(int fd, uint64_t offset, uint64_t len, void **ptr);

/* munmap(2) of any mapping above. */
int __drm_munmap(void *ptr, uint64_t len);
int drm_munmap(void *ptr, uint64_t len);

/* --- dma-bufs ------------------------------------------------------------- */

/* DMA_BUF_IOCTL_SYNC with DMA_BUF_SYNC_* @flags on dma-buf @fd. */
int __dma_buf_sync(int fd, uint64_t flags);
int dma_buf_sync(int fd, uint64_t flags);

/*
 * UDMABUF_CREATE on /dev/udmabuf @fd: a dma-buf (CLOEXEC) over @size bytes
 * of sealed memfd @memfd from @offset. The caller owns *dmabuf and still
 * owns @memfd (udmabuf holds its own page references).
 */
int __udmabuf_create(int fd, int memfd, uint64_t offset, uint64_t size, int *dmabuf);
int udmabuf_create(int fd, int memfd, uint64_t offset, uint64_t size, int *dmabuf);

/* DMA_HEAP_IOCTL_ALLOC of @len bytes on heap @fd: a dma-buf (O_RDWR | O_CLOEXEC). */
int __dma_heap_alloc(int fd, uint64_t len, int *dmabuf);
int dma_heap_alloc(int fd, uint64_t len, int *dmabuf);

#endif
