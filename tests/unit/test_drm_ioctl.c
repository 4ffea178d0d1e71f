/*
 * Tests for bench/backends/drm_ioctl.c (the driver-independent wrappers)
 * through a recording ioctl hook in drm_io: which request each wrapper
 * makes and with what argument, that a refusal comes back as exactly
 * -errno with the outputs untouched (table-driven, negative cases first),
 * that results come out on success, and that the insisting forms log
 * "subject: OPERATION args: cause" and return the error, and that the dumb,
 * udmabuf and dmaheap backends call them. The i915 fake
 * (test_i915_ioctl.c) covers the same wrappers against kernel-like checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <xf86drm.h>

#include "backend.h"
#include "backends/drm_ioctl.h"
#include "log.h"

/* What the hook saw and how it answers. */
static struct {
	unsigned long request;  /* the last request */
	unsigned char arg[128]; /* a copy of its argument as passed in */
	unsigned calls;
	unsigned long seen[16];  /* every request but VERSION, in order */
	unsigned nseen;
	int fail_errno;         /* != 0: refuse every request but VERSION with this */
	bool version_fails;     /* VERSION refused with ENOTTY (not a DRM fd) */
} hook;

#define FD 3 /* any fd: the hook never touches it */

static int hook_ioctl(int fd, unsigned long request, void *arg)
{
	hook.calls++;
	if (request == DRM_IOCTL_VERSION) {
		struct drm_version *v = arg;

		if (hook.version_fails) {
			errno = ENOTTY;
			return -1;
		}
		snprintf(v->name, v->name_len, "vgem");
		v->name_len = 4;
		v->version_major = 1;
		return 0;
	}
	hook.request = request;
	if (hook.nseen < 16)
		hook.seen[hook.nseen++] = request;
	memcpy(hook.arg, arg, _IOC_SIZE(request) < sizeof(hook.arg) ? _IOC_SIZE(request) : 0);
	if (hook.fail_errno) {
		errno = hook.fail_errno;
		return -1;
	}
	switch (request) {
	case DRM_IOCTL_GET_CAP:
		((struct drm_get_cap *)arg)->value = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT;
		break;
	case DRM_IOCTL_MODE_CREATE_DUMB:
		((struct drm_mode_create_dumb *)arg)->handle = 5;
		((struct drm_mode_create_dumb *)arg)->size = 8192;
		break;
	case DRM_IOCTL_MODE_MAP_DUMB:
		((struct drm_mode_map_dumb *)arg)->offset = 0x10000;
		break;
	case DRM_IOCTL_PRIME_HANDLE_TO_FD:
		((struct drm_prime_handle *)arg)->fd = 42;
		break;
	case DRM_IOCTL_PRIME_FD_TO_HANDLE:
		((struct drm_prime_handle *)arg)->handle = 9;
		break;
	case DMA_HEAP_IOCTL_ALLOC:
		((struct dma_heap_allocation_data *)arg)->fd = 44;
		break;
	case UDMABUF_CREATE:
		return 43; /* the new dma-buf fd is the return value */
	}
	return 0;
}

/* A hook that fails without setting errno: the wrapper must still fail. */
static int hook_no_errno(int fd, unsigned long request, void *arg)
{
	errno = 0;
	return -1;
}

/* An anonymous mapping stands in for the device's pages. */
static void *hook_mmap_anon(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void *hook_mmap_fail(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	errno = ENODEV;
	return MAP_FAILED;
}

static int setup(void **state)
{
	memset(&hook, 0, sizeof(hook));
	drm_io.ioctl = hook_ioctl;
	return 0;
}

static int teardown(void **state)
{
	drm_io_reset();
	bl_log_open(NULL);
	return 0;
}

/* Outputs the wrappers must leave untouched on failure. */
static uint32_t out_u32;
static uint64_t out_u64;
static int out_fd;

static int call_get_cap(void) { return __drm_get_cap(FD, DRM_CAP_PRIME, &out_u64); }
static int call_gem_close(void) { return __gem_close(FD, 7); }
static int call_h2fd(void) { return __prime_handle_to_fd(FD, 7, &out_fd); }
static int call_fd2h(void) { return __prime_fd_to_handle(FD, 11, &out_u32); }
static int call_dumb_create(void) { return __dumb_create(FD, 1024, 2, 32, &out_u32, &out_u64); }
static int call_dumb_map(void) { return __dumb_map_offset(FD, 7, &out_u64); }
static int call_dumb_destroy(void) { return __dumb_destroy(FD, 7); }
static int call_sync(void) { return __dma_buf_sync(FD, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW); }
static int call_udmabuf(void) { return __udmabuf_create(FD, 12, 0, 8192, &out_fd); }
static int call_heap(void) { return __dma_heap_alloc(FD, 8192, &out_fd); }

static const struct {
	const char *what;
	int (*call)(void);
	unsigned long request; /* the request the wrapper must make */
} wrappers[] = {
	{ "GET_CAP", call_get_cap, DRM_IOCTL_GET_CAP },
	{ "GEM_CLOSE", call_gem_close, DRM_IOCTL_GEM_CLOSE },
	{ "PRIME_HANDLE_TO_FD", call_h2fd, DRM_IOCTL_PRIME_HANDLE_TO_FD },
	{ "PRIME_FD_TO_HANDLE", call_fd2h, DRM_IOCTL_PRIME_FD_TO_HANDLE },
	{ "MODE_CREATE_DUMB", call_dumb_create, DRM_IOCTL_MODE_CREATE_DUMB },
	{ "MODE_MAP_DUMB", call_dumb_map, DRM_IOCTL_MODE_MAP_DUMB },
	{ "MODE_DESTROY_DUMB", call_dumb_destroy, DRM_IOCTL_MODE_DESTROY_DUMB },
	{ "DMA_BUF_IOCTL_SYNC", call_sync, DMA_BUF_IOCTL_SYNC },
	{ "UDMABUF_CREATE", call_udmabuf, UDMABUF_CREATE },
	{ "DMA_HEAP_IOCTL_ALLOC", call_heap, DMA_HEAP_IOCTL_ALLOC },
};

/* Every refusal is exactly -errno, on the right request, outputs untouched. */
static void test_refusals(void **state)
{
	static const int errnos[] = { EINVAL, ENOENT, ENOMEM, EPERM };

	for (size_t i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++) {
		for (size_t j = 0; j < sizeof(errnos) / sizeof(errnos[0]); j++) {
			int rc;

			hook.fail_errno = errnos[j];
			hook.request = 0;
			out_u32 = 0xdead;
			out_u64 = 0xdeadbeef;
			out_fd = -77;
			rc = wrappers[i].call();
			if (rc != -errnos[j] || hook.request != wrappers[i].request)
				fail_msg("%s: rc %d (want %d), request %#lx (want %#lx)",
					 wrappers[i].what, rc, -errnos[j], hook.request,
					 wrappers[i].request);
			assert_int_equal(out_u32, 0xdead);
			assert_int_equal(out_u64, 0xdeadbeef);
			assert_int_equal(out_fd, -77);
		}
	}
}

/* A hook failing with errno 0 must not turn into success. */
static void test_failure_without_errno(void **state)
{
	drm_io.ioctl = hook_no_errno;
	for (size_t i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++)
		if (wrappers[i].call() >= 0)
			fail_msg("%s: a failed ioctl without errno came back as success",
				 wrappers[i].what);
	drm_io.mmap = hook_mmap_fail;
	{
		void *p = NULL;

		assert_int_equal(__drm_mmap(FD, 0, 4096, &p), -ENODEV);
		assert_null(p);
		assert_int_equal(__drm_mmap(FD, UINT64_MAX, 4096, &p), -EINVAL); /* no call made */
	}
}

/* Each wrapper fills its struct as the kernel wants and copies the answer out. */
static void test_arguments_and_results(void **state)
{
	const struct drm_prime_handle *prime = (const void *)hook.arg;
	const struct drm_mode_create_dumb *create = (const void *)hook.arg;
	const struct udmabuf_create *ub = (const void *)hook.arg;
	const struct dma_heap_allocation_data *heap = (const void *)hook.arg;
	const struct dma_buf_sync *sync = (const void *)hook.arg;
	const struct drm_get_cap *cap = (const void *)hook.arg;
	char name[16], version[16];

	assert_int_equal(call_get_cap(), 0);
	assert_int_equal(cap->capability, DRM_CAP_PRIME);
	assert_int_equal(out_u64, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	assert_int_equal(call_h2fd(), 0);
	assert_int_equal(prime->handle, 7);
	assert_int_equal(prime->flags, DRM_CLOEXEC | DRM_RDWR);
	assert_int_equal(out_fd, 42);
	assert_int_equal(call_fd2h(), 0);
	assert_int_equal(prime->fd, 11);
	assert_int_equal(out_u32, 9);
	assert_int_equal(call_dumb_create(), 0);
	assert_true(create->width == 1024 && create->height == 2 && create->bpp == 32 &&
		    create->flags == 0);
	assert_true(out_u32 == 5 && out_u64 == 8192);
	assert_int_equal(call_dumb_map(), 0);
	assert_int_equal(out_u64, 0x10000);
	assert_int_equal(call_sync(), 0);
	assert_int_equal(sync->flags, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	assert_int_equal(call_udmabuf(), 0);
	assert_true(ub->memfd == 12 && ub->flags == UDMABUF_FLAGS_CLOEXEC && ub->size == 8192);
	assert_int_equal(out_fd, 43);
	assert_int_equal(call_heap(), 0);
	assert_true(heap->len == 8192 && heap->fd_flags == (O_RDWR | O_CLOEXEC) &&
		    heap->heap_flags == 0);
	assert_int_equal(out_fd, 44);
	assert_int_equal(__drm_get_version(FD, name, sizeof(name), version, sizeof(version)), 0);
	assert_string_equal(name, "vgem");
	assert_string_equal(version, "1.0.0");
}

/* Reads what the insisting forms logged into @path. */
static void read_log(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* The insisting forms: same error back, one line naming subject, operation, args, cause. */
static void test_insisting_forms_log(void **state)
{
	char path[] = "/tmp/test-drm-ioctl-XXXXXX", text[1024];
	int logfd = mkstemp(path), devnull;
	uint32_t h;

	assert_true(logfd >= 0);
	close(logfd);
	assert_int_equal(bl_log_open(path), 0);

	hook.fail_errno = EINVAL;
	assert_int_equal(gem_close(FD, 7), -EINVAL);
	assert_int_equal(prime_fd_to_handle(FD, 11, &h), -EINVAL);
	/* Not a DRM fd: the subject is the file the fd refers to. */
	hook.version_fails = true;
	hook.fail_errno = ENOMEM;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(devnull >= 0);
	assert_int_equal(dma_heap_alloc(devnull, 8192, &out_fd), -ENOMEM);
	close(devnull);
	/* Success logs nothing. */
	hook.fail_errno = 0;
	assert_int_equal(gem_close(FD, 8), 0);
	bl_log_open(NULL);

	read_log(path, text, sizeof(text));
	unlink(path);
	if (!strstr(text, "vgem: GEM_CLOSE handle 7: Invalid argument\n") ||
	    !strstr(text, "vgem: PRIME_FD_TO_HANDLE fd 11: Invalid argument\n") ||
	    !strstr(text, "/dev/null: DMA_HEAP_IOCTL_ALLOC 8192 bytes: Cannot allocate memory\n") ||
	    strstr(text, "handle 8"))
		fail_msg("log:\n%s", text);
}

/*
 * The backends make their ioctls through these wrappers (so through drm_io
 * and a test's fake): the dumb backend's create, mmap, export, import and
 * destroy, and the dma-heap and udmabuf backends' allocation.
 */
static void test_backends_use_the_wrappers(void **state)
{
	static const unsigned long dumb_sequence[] = {
		DRM_IOCTL_MODE_CREATE_DUMB, DRM_IOCTL_MODE_MAP_DUMB, DRM_IOCTL_PRIME_HANDLE_TO_FD,
		DRM_IOCTL_PRIME_FD_TO_HANDLE, DRM_IOCTL_GEM_CLOSE,
	};
	const struct gb_backend_ops *dumb = gb_backend_find("dumb");
	const struct gb_backend_ops *heap = gb_backend_find("dmaheap");
	const struct gb_backend_ops *udmabuf = gb_backend_find("udmabuf");
	struct gb_dev dev = { .fd = FD };
	struct gb_bo bo = { .fd = -1 }, imported = { .fd = -1 };
	void *map = NULL;
	int dmabuf = -1;

	assert_true(dumb && heap && udmabuf);
	drm_io.mmap = hook_mmap_anon;
	assert_int_equal(dumb->bo_create(&dev, 12288, &bo), 0);
	assert_true(bo.handle == 5 && bo.size == 8192); /* what the "kernel" said */
	assert_int_equal(((const struct drm_mode_create_dumb *)hook.arg)->height, 3);
	assert_int_equal(dumb->bo_mmap(&dev, &bo, 0, &map), 0);
	assert_int_equal(dumb->bo_munmap(&dev, &bo, map), 0);
	assert_int_equal(dumb->bo_export(&dev, &bo, &dmabuf), 0);
	assert_int_equal(dmabuf, 42);
	assert_int_equal(dumb->bo_import(&dev, dmabuf, 8192, &imported), 0);
	assert_int_equal(imported.handle, 9);
	assert_int_equal(dumb->bo_destroy(&dev, &bo), 0);
	assert_int_equal(hook.nseen, sizeof(dumb_sequence) / sizeof(dumb_sequence[0]));
	assert_memory_equal(hook.seen, dumb_sequence, sizeof(dumb_sequence));

	/* The dma-buf backends' allocation: refused through the hook, errno passed on. */
	hook.fail_errno = ENOSPC;
	assert_int_equal(heap->bo_create(&dev, 8192, &bo), -ENOSPC);
	assert_int_equal(hook.request, DMA_HEAP_IOCTL_ALLOC);
	assert_int_equal(udmabuf->bo_create(&dev, 8192, &bo), -ENOSPC);
	assert_int_equal(hook.request, UDMABUF_CREATE);
	assert_int_equal(bo.fd, -1);
}

/* drm_io starts as, and is reset to, libdrm's retrying drmIoctl and libc's mmap. */
static void test_reset(void **state)
{
	drm_io.mmap = hook_mmap_fail;
	drm_io_reset();
	assert_true(drm_io.ioctl == drmIoctl);
	assert_true(drm_io.mmap == mmap);
	assert_true(drm_io.munmap == munmap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_without_errno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arguments_and_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insisting_forms_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backends_use_the_wrappers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	};

	bl_log_init("test_drm_ioctl", BL_LOG_DEBUG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
