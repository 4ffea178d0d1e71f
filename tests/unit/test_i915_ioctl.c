/*
 * Tests for bench/backends/i915_ioctl.c (the i915 ioctl wrappers) against
 * the ioctl-level fake (tests/fakes/fake_i915.c), and of the fake itself:
 * first every refusal the kernel makes for a malformed or unsupported call
 * (table-driven: the wrapper must return exactly the kernel's -errno and
 * leave its outputs untouched), then the successful paths, the old-kernel
 * traps (MMAP_OFFSET on a kernel without it silently maps GTT), the execbuf
 * flags retry, the kernel's rules per device profile (gen9, TGL, ADL, DG1,
 * DG2, MTL) and its DMA-mapping accounting (get_pages, deferred frees), and
 * finally that the fake's leak accounting really catches a leaked handle,
 * mapping and dma-buf fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/i915_ioctl.h"
#include "../fakes/fake_i915.h"

/* A fake, a device fd on it and one 4 KiB object. */
struct env {
	struct fake_i915 *f;
	int fd;
	uint32_t handle; /* a live object */
	void *mem;       /* 2 page-aligned pages of user memory */
};

/* The fake of the running test, destroyed by teardown() when an assertion jumped out. */
static struct fake_i915 *live_fake;

static int teardown(void **state)
{
	fake_i915_destroy(live_fake);
	live_fake = NULL;
	return 0;
}

static void env_open(struct env *e, const struct fake_i915_config *cfg)
{
	uint64_t size = 4096;

	e->f = live_fake = fake_i915_create(cfg);
	assert_non_null(e->f);
	e->fd = open(fake_i915_path(e->f), O_RDWR | O_CLOEXEC);
	assert_true(e->fd >= 0);
	assert_int_equal(i915_gem_create(e->fd, &size, &e->handle), 0);
	e->mem = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(e->mem != MAP_FAILED);
}

static void env_close(struct env *e)
{
	char why[128];

	assert_int_equal(__gem_close(e->fd, e->handle), 0);
	munmap(e->mem, 8192);
	close(e->fd);
	if (fake_i915_leaks(e->f, why, sizeof(why)))
		fail_msg("%s", why);
	fake_i915_destroy(e->f);
	live_fake = NULL;
}

/* --- refusals: one row per way the kernel says no ------------------------- */

struct refusal {
	const char *what;                         /* the case, for the failure message */
	void (*tweak)(struct fake_i915_config *); /* the kernel/device it needs; NULL = integrated */
	int (*call)(struct env *e);               /* the wrapper call; returns its result */
	int err;                                  /* the kernel's answer */
};

static void cfg_discrete(struct fake_i915_config *c)
{
	*c = fake_i915_discrete();
}
static void cfg_mtl(struct fake_i915_config *c)
{
	*c = fake_i915_mtl();
}
static void cfg_old_kernel(struct fake_i915_config *c)
{
	c->has_create_ext = false;
	c->has_query = false;
	c->mmap_gtt_version = 3;
	c->exec_lut = false;
}
static void cfg_no_memregion_query(struct fake_i915_config *c)
{
	c->has_memregion_query = false;
}
static void cfg_no_userptr(struct fake_i915_config *c)
{
	c->has_llc = false;
	c->has_snoop = false;
}
static void cfg_no_aperture(struct fake_i915_config *c)
{
	c->has_aperture = false;
}

static int call_close_unknown(struct env *e)
{
	return __gem_close(e->fd, e->handle + 100);
}
static int call_close_twice(struct env *e)
{
	uint64_t size = 4096;
	uint32_t h;

	assert_int_equal(i915_gem_create(e->fd, &size, &h), 0);
	assert_int_equal(__gem_close(e->fd, h), 0);
	return __gem_close(e->fd, h);
}
static int call_create_zero(struct env *e)
{
	uint64_t size = 0;
	uint32_t h = 0xdead;
	int err = i915_gem_create(e->fd, &size, &h);

	assert_int_equal(h, 0xdead); /* untouched on failure */
	return err;
}
static int call_create_ext(struct env *e)
{
	uint64_t size = 4096;
	uint32_t h;

	return i915_gem_create_ext(e->fd, &size, 0, &h, NULL);
}
static int call_create_in_lmem(struct env *e)
{
	const struct drm_i915_gem_memory_class_instance r = { I915_MEMORY_CLASS_DEVICE, 0 };
	uint64_t size = 4096;
	uint32_t h;

	return i915_gem_create_in_regions(e->fd, &size, &h, &r, 1);
}
static int call_create_no_regions(struct env *e)
{
	uint64_t size = 4096;
	uint32_t h;

	return i915_gem_create_in_regions(e->fd, &size, &h, NULL, 0);
}
static int call_create_dup_regions(struct env *e)
{
	const struct drm_i915_gem_memory_class_instance r[2] = { { I915_MEMORY_CLASS_SYSTEM, 0 },
								 { I915_MEMORY_CLASS_SYSTEM, 0 } };
	uint64_t size = 4096;
	uint32_t h;

	return i915_gem_create_in_regions(e->fd, &size, &h, r, 2);
}
static int call_create_ext_rsvd(struct env *e)
{
	const struct drm_i915_gem_memory_class_instance r = { I915_MEMORY_CLASS_SYSTEM, 0 };
	struct drm_i915_gem_create_ext_memory_regions ext = {
		.base = { .name = I915_GEM_CREATE_EXT_MEMORY_REGIONS, .rsvd = { 0, 1 } },
		.num_regions = 1,
		.regions = (uintptr_t)&r,
	};
	uint64_t size = 4096;
	uint32_t h;

	return i915_gem_create_ext(e->fd, &size, 0, &h, &ext.base);
}
static int call_create_cpu_access_smem(struct env *e)
{
	const struct drm_i915_gem_memory_class_instance r = { I915_MEMORY_CLASS_SYSTEM, 0 };
	struct drm_i915_gem_create_ext_memory_regions ext = {
		.base = { .name = I915_GEM_CREATE_EXT_MEMORY_REGIONS },
		.num_regions = 1,
		.regions = (uintptr_t)&r,
	};
	uint64_t size = 4096;
	uint32_t h;

	return i915_gem_create_ext(e->fd, &size, I915_GEM_CREATE_EXT_FLAG_NEEDS_CPU_ACCESS, &h,
				   &ext.base);
}
static int call_userptr_unaligned(struct env *e)
{
	uint32_t h;

	return i915_gem_userptr(e->fd, (char *)e->mem + 64, 4096, 0, &h);
}
static int call_userptr_zero(struct env *e)
{
	uint32_t h;

	return i915_gem_userptr(e->fd, e->mem, 0, 0, &h);
}
static int call_userptr_ro(struct env *e)
{
	uint32_t h;

	return i915_gem_userptr(e->fd, e->mem, 4096, I915_USERPTR_READ_ONLY, &h);
}
static int call_userptr_plain(struct env *e)
{
	uint32_t h;

	return i915_gem_userptr(e->fd, e->mem, 4096, 0, &h);
}
static int call_userptr_unsync(struct env *e)
{
	uint32_t h;

	return i915_gem_userptr(e->fd, e->mem, 4096, I915_USERPTR_UNSYNCHRONIZED, &h);
}
static int call_userptr_probe_unmapped(struct env *e)
{
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t h;

	assert_true(hole != MAP_FAILED);
	munmap(hole, 4096); /* now nothing is mapped there */
	return i915_gem_userptr(e->fd, hole, 4096, I915_USERPTR_PROBE, &h);
}
static int call_userptr_bad_flag(struct env *e)
{
	uint32_t h;

	return i915_gem_userptr(e->fd, e->mem, 4096, 0x100, &h);
}
static int call_set_domain_gpu(struct env *e)
{
	return i915_gem_set_domain(e->fd, e->handle, I915_GEM_DOMAIN_RENDER, 0);
}
static int call_set_domain_mixed(struct env *e)
{
	return i915_gem_set_domain(e->fd, e->handle, I915_GEM_DOMAIN_CPU | I915_GEM_DOMAIN_GTT,
				   I915_GEM_DOMAIN_CPU);
}
static int call_set_domain_unknown(struct env *e)
{
	return i915_gem_set_domain(e->fd, e->handle + 100, I915_GEM_DOMAIN_CPU, 0);
}
static int call_mmap_offset_fixed(struct env *e)
{
	uint64_t off = 7;
	int err = i915_gem_mmap_offset(e->fd, e->handle, I915_MMAP_OFFSET_FIXED, &off);

	assert_int_equal(off, 7);
	return err;
}
static int call_mmap_offset_wb(struct env *e)
{
	uint64_t off;

	return i915_gem_mmap_offset(e->fd, e->handle, I915_MMAP_OFFSET_WB, &off);
}
static int call_mmap_offset_gtt(struct env *e)
{
	uint64_t off;

	return i915_gem_mmap_offset(e->fd, e->handle, I915_MMAP_OFFSET_GTT, &off);
}
static int call_mmap_offset_bad_type(struct env *e)
{
	uint64_t off;

	return i915_gem_mmap_offset(e->fd, e->handle, 9, &off);
}
static int call_mmap_offset_userptr(struct env *e)
{
	uint64_t off;
	uint32_t h;
	int err;

	assert_int_equal(i915_gem_userptr(e->fd, e->mem, 4096, 0, &h), 0);
	err = i915_gem_mmap_offset(e->fd, h, I915_MMAP_OFFSET_WB, &off);
	assert_int_equal(__gem_close(e->fd, h), 0);
	return err;
}
static int call_mmap_legacy(struct env *e)
{
	void *p = NULL;

	return i915_gem_mmap_legacy(e->fd, e->handle, 4096, 0, &p);
}
static int call_mmap_gtt(struct env *e)
{
	uint64_t off;

	return i915_gem_mmap_gtt(e->fd, e->handle, &off);
}
static int call_mmap_unoffered(struct env *e)
{
	void *p;

	/* An offset the kernel never handed out: mmap(2) itself says EINVAL. */
	return __drm_mmap(e->fd, (3ull << 44), 4096, &p);
}
static int call_pread(struct env *e)
{
	char buf[16];

	return i915_gem_pread(e->fd, e->handle, 0, buf, sizeof(buf));
}
static int call_execbuf_lut(struct env *e)
{
	struct drm_i915_gem_exec_object2 obj = { .handle = e->handle };
	struct drm_i915_gem_execbuffer2 eb = {
		.buffers_ptr = (uintptr_t)&obj,
		.buffer_count = 1,
		.flags = I915_EXEC_HANDLE_LUT,
	};

	return i915_gem_execbuf(e->fd, &eb);
}
static int call_execbuf_unknown_flag(struct env *e)
{
	struct drm_i915_gem_exec_object2 obj = { .handle = e->handle };
	struct drm_i915_gem_execbuffer2 eb = {
		.buffers_ptr = (uintptr_t)&obj,
		.buffer_count = 1,
		.flags = 1ull << 40,
	};

	return i915_gem_execbuf(e->fd, &eb);
}
static int call_execbuf_no_objects(struct env *e)
{
	struct drm_i915_gem_execbuffer2 eb = { .buffer_count = 0 };

	return i915_gem_execbuf(e->fd, &eb);
}
static int call_execbuf_dup(struct env *e)
{
	struct drm_i915_gem_exec_object2 obj[2] = { { .handle = e->handle }, { .handle = e->handle } };
	struct drm_i915_gem_execbuffer2 eb = { .buffers_ptr = (uintptr_t)obj, .buffer_count = 2 };

	return i915_gem_execbuf(e->fd, &eb);
}
static int call_execbuf_unknown_handle(struct env *e)
{
	uint64_t flags = I915_EXEC_HANDLE_LUT | I915_EXEC_NO_RELOC;

	return i915_gem_execbuf_bind(e->fd, e->handle + 100, e->handle, &flags);
}
static int call_getparam_unknown(struct env *e)
{
	int v = 42;
	int err = i915_getparam(e->fd, 9999, &v);

	assert_int_equal(v, 42);
	return err;
}
static int call_query_regions(struct env *e)
{
	struct drm_i915_query_memory_regions *info = NULL;
	int err = i915_query_memory_regions(e->fd, &info);

	assert_null(info);
	return err;
}
static int call_prime_unknown(struct env *e)
{
	int fd = -1;

	return __prime_handle_to_fd(e->fd, e->handle + 100, &fd);
}
static int call_prime_not_dmabuf(struct env *e)
{
	uint32_t h;

	return __prime_fd_to_handle(e->fd, e->fd, &h);
}
static int call_prime_closed_fd(struct env *e)
{
	uint32_t h;

	return __prime_fd_to_handle(e->fd, 1000, &h);
}
static int call_wait_flags(struct env *e)
{
	struct drm_i915_gem_wait w = { .bo_handle = e->handle, .flags = 1 };

	return drm_ioctl(e->fd, DRM_IOCTL_I915_GEM_WAIT, &w);
}

static int call_other_file_handle(struct env *e)
{
	int fd2 = open(fake_i915_path(e->f), O_RDWR | O_CLOEXEC);
	int err;

	assert_true(fd2 >= 0);
	/* Handles belong to the file that made them. */
	err = i915_gem_set_domain(fd2, e->handle, I915_GEM_DOMAIN_CPU, 0);
	close(fd2);
	return err;
}
static int call_mmap_after_close(struct env *e)
{
	uint64_t size = 4096, off;
	uint32_t h;
	void *p = NULL;

	assert_int_equal(i915_gem_create(e->fd, &size, &h), 0);
	assert_int_equal(i915_gem_mmap_offset(e->fd, h, I915_MMAP_OFFSET_WB, &off), 0);
	assert_int_equal(__gem_close(e->fd, h), 0);
	return __drm_mmap(e->fd, off, 4096, &p);
}
static int call_mmap_too_long(struct env *e)
{
	uint64_t off;
	void *p = NULL;

	assert_int_equal(i915_gem_mmap_offset(e->fd, e->handle, I915_MMAP_OFFSET_WB, &off), 0);
	return __drm_mmap(e->fd, off, 8192, &p);
}
static int call_query_rsvd(struct env *e)
{
	struct drm_i915_query_item item = { .query_id = DRM_I915_QUERY_MEMORY_REGIONS };
	struct {
		struct drm_i915_query_memory_regions q;
		struct drm_i915_memory_region_info r[2];
	} buf = { .q = { .rsvd = { 0, 0, 7 } } };

	assert_int_equal(i915_query_items(e->fd, &item, 1), 0);
	item.data_ptr = (uintptr_t)&buf;
	assert_int_equal(i915_query_items(e->fd, &item, 1), 0); /* the ioctl succeeds... */
	return item.length;                                      /* ...the item carries the errno */
}
static int call_query_flags(struct env *e)
{
	struct drm_i915_query q = { .flags = 1 };

	return drm_ioctl(e->fd, DRM_IOCTL_I915_QUERY, &q);
}
static int call_create_ext_pad(struct env *e)
{
	const struct drm_i915_gem_memory_class_instance r = { I915_MEMORY_CLASS_SYSTEM, 0 };
	struct drm_i915_gem_create_ext_memory_regions ext = {
		.base = { .name = I915_GEM_CREATE_EXT_MEMORY_REGIONS },
		.pad = 1,
		.num_regions = 1,
		.regions = (uintptr_t)&r,
	};
	uint64_t size = 4096;
	uint32_t h;

	return i915_gem_create_ext(e->fd, &size, 0, &h, &ext.base);
}
static int call_execbuf_cliprects(struct env *e)
{
	struct drm_i915_gem_exec_object2 obj = { .handle = e->handle };
	struct drm_i915_gem_execbuffer2 eb = {
		.buffers_ptr = (uintptr_t)&obj, .buffer_count = 1, .num_cliprects = 1,
	};

	return i915_gem_execbuf(e->fd, &eb);
}
static int call_prime_bad_flags(struct env *e)
{
	struct drm_prime_handle args = { .handle = e->handle, .flags = 0x1000, .fd = -1 };

	return drm_ioctl(e->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args);
}
/* GEM_CREATE's number with a struct of the wrong size: the fake counts it. */
static int call_wrong_size(struct env *e)
{
	struct { uint64_t size; } small = { 4096 };
	int err = drm_ioctl(e->fd, DRM_IOWR(DRM_COMMAND_BASE + DRM_I915_GEM_CREATE, small), &small);

	assert_int_equal(fake_i915_stats(e->f)->size_mismatch, 1);
	fake_i915_reset_size_mismatch(e->f);
	return err;
}

static const struct refusal refusals[] = {
	/* the fake's own checks: struct sizes, MBZ fields, lifetimes */
	{ "a known number with the wrong struct size", NULL, call_wrong_size, -EINVAL },
	{ "a handle of another open file", NULL, call_other_file_handle, -ENOENT },
	{ "mmap(2) after GEM_CLOSE", NULL, call_mmap_after_close, -EINVAL },
	{ "mmap(2) longer than the object", NULL, call_mmap_too_long, -EINVAL },
	{ "QUERY_MEMORY_REGIONS with rsvd set", NULL, call_query_rsvd, -EINVAL },
	{ "QUERY with flags", NULL, call_query_flags, -EINVAL },
	{ "MEMORY_REGIONS extension with pad set", NULL, call_create_ext_pad, -EINVAL },
	{ "execbuf with cliprects", NULL, call_execbuf_cliprects, -EINVAL },
	{ "PRIME export with unknown flags", NULL, call_prime_bad_flags, -EINVAL },
	/* handles */
	{ "GEM_CLOSE of a handle never made", NULL, call_close_unknown, -EINVAL },
	{ "GEM_CLOSE twice", NULL, call_close_twice, -EINVAL },
	{ "SET_DOMAIN on a handle never made", NULL, call_set_domain_unknown, -ENOENT },
	{ "execbuf naming an unknown handle", NULL, call_execbuf_unknown_handle, -ENOENT },
	{ "PRIME export of an unknown handle", NULL, call_prime_unknown, -ENOENT },
	/* create */
	{ "GEM_CREATE of 0 bytes", NULL, call_create_zero, -EINVAL },
	{ "GEM_CREATE_EXT on a kernel without it", cfg_old_kernel, call_create_ext, -EINVAL },
	{ "device memory on an integrated GPU", NULL, call_create_in_lmem, -EINVAL },
	{ "MEMORY_REGIONS with no region", NULL, call_create_no_regions, -EINVAL },
	{ "MEMORY_REGIONS naming a region twice", NULL, call_create_dup_regions, -EINVAL },
	{ "extension with a reserved field set", NULL, call_create_ext_rsvd, -EINVAL },
	{ "NEEDS_CPU_ACCESS without device memory", NULL, call_create_cpu_access_smem, -EINVAL },
	/* userptr */
	{ "USERPTR not page aligned", NULL, call_userptr_unaligned, -EINVAL },
	{ "USERPTR of 0 bytes", NULL, call_userptr_zero, -EINVAL },
	{ "USERPTR unknown flag", NULL, call_userptr_bad_flag, -EINVAL },
	{ "USERPTR UNSYNCHRONIZED", NULL, call_userptr_unsync, -ENODEV },
	{ "USERPTR READ_ONLY on graphics version 12", NULL, call_userptr_ro, -ENODEV },
	{ "USERPTR without LLC or snooping", cfg_no_userptr, call_userptr_plain, -ENODEV },
	{ "USERPTR PROBE over unmapped memory", NULL, call_userptr_probe_unmapped, -EFAULT },
	/* domains */
	{ "SET_DOMAIN to a GPU domain", NULL, call_set_domain_gpu, -EINVAL },
	{ "SET_DOMAIN write domain not the read domain", NULL, call_set_domain_mixed, -EINVAL },
	/* mmap */
	{ "MMAP_OFFSET FIXED on an integrated GPU", NULL, call_mmap_offset_fixed, -ENODEV },
	{ "MMAP_OFFSET WB on a discrete GPU", cfg_discrete, call_mmap_offset_wb, -ENODEV },
	{ "MMAP_OFFSET GTT without an aperture", cfg_no_aperture, call_mmap_offset_gtt, -ENODEV },
	{ "MMAP_OFFSET with an unknown type", NULL, call_mmap_offset_bad_type, -EINVAL },
	{ "MMAP_OFFSET of a userptr object", NULL, call_mmap_offset_userptr, -ENODEV },
	{ "legacy GEM_MMAP above graphics version 12.0 (MTL)", cfg_mtl, call_mmap_legacy,
	  -EOPNOTSUPP },
	{ "legacy GEM_MMAP on a discrete GPU", cfg_discrete, call_mmap_legacy, -EOPNOTSUPP },
	{ "legacy MMAP_GTT on a discrete GPU", cfg_discrete, call_mmap_gtt, -ENODEV },
	{ "mmap(2) of an offset never handed out", NULL, call_mmap_unoffered, -EINVAL },
	/* pread */
	{ "GEM_PREAD on gen12", NULL, call_pread, -EOPNOTSUPP },
	/* execbuf */
	{ "execbuf HANDLE_LUT before 3.10", cfg_old_kernel, call_execbuf_lut, -EINVAL },
	{ "execbuf with an unknown flag", NULL, call_execbuf_unknown_flag, -EINVAL },
	{ "execbuf with no objects", NULL, call_execbuf_no_objects, -EINVAL },
	{ "execbuf listing an object twice", NULL, call_execbuf_dup, -EINVAL },
	{ "GEM_WAIT with flags", NULL, call_wait_flags, -EINVAL },
	/* facts */
	{ "GETPARAM of an unknown parameter", NULL, call_getparam_unknown, -EINVAL },
	{ "QUERY on a kernel without it", cfg_old_kernel, call_query_regions, -EINVAL },
	{ "QUERY_MEMORY_REGIONS unknown to the kernel", cfg_no_memregion_query, call_query_regions,
	  -EINVAL },
	/* PRIME */
	{ "PRIME import of a file that is no dma-buf", NULL, call_prime_not_dmabuf, -EINVAL },
	{ "PRIME import of a closed fd", NULL, call_prime_closed_fd, -EBADF },
};

static void test_refusals(void **state)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		struct fake_i915_config cfg = fake_i915_integrated();
		struct env e;
		int err;

		if (r->tweak)
			r->tweak(&cfg);
		env_open(&e, &cfg);
		err = r->call(&e);
		if (err != r->err)
			fail_msg("%s: got %d (%s), want %d (%s)", r->what, err, strerror(-err), r->err,
				 strerror(-r->err));
		assert_int_equal(fake_i915_stats(e.f)->size_mismatch, 0);
		env_close(&e);
	}
}

/* Any ioctl refused with a chosen errno, after letting some through. */
static void test_injected_refusal(void **state)
{
	struct fake_i915_config cfg = fake_i915_integrated();
	uint64_t size = 4096;
	uint32_t h1, h2 = 0;
	struct env e;

	env_open(&e, &cfg);
	fake_i915_refuse(e.f, DRM_IOCTL_I915_GEM_CREATE, EIO, 1, 1);
	assert_int_equal(i915_gem_create(e.fd, &size, &h1), 0);
	assert_int_equal(i915_gem_create(e.fd, &size, &h2), -EIO);
	assert_int_equal(h2, 0);
	assert_int_equal(i915_gem_create(e.fd, &size, &h2), 0); /* used up */
	assert_int_equal(fake_i915_stats(e.f)->injected, 1);
	assert_int_equal(__gem_close(e.fd, h1), 0);
	assert_int_equal(__gem_close(e.fd, h2), 0);
	env_close(&e);
}

/* --- successful paths ----------------------------------------------------- */

static void test_version_and_params(void **state)
{
	struct fake_i915_config cfg = fake_i915_integrated();
	char name[16], version[16], tiny[3];
	struct env e;
	int v;

	env_open(&e, &cfg);
	assert_int_equal(__drm_get_version(e.fd, name, sizeof(name), version, sizeof(version)), 0);
	assert_string_equal(name, "i915");
	assert_string_equal(version, "1.6.0");
	assert_int_equal(__drm_get_version(e.fd, tiny, sizeof(tiny), NULL, 0), 0);
	assert_string_equal(tiny, "i9"); /* truncated, still terminated */
	assert_int_equal(i915_getparam(e.fd, I915_PARAM_CHIPSET_ID, &v), 0);
	assert_int_equal(v, 0x46a6);
	assert_int_equal(i915_getparam(e.fd, I915_PARAM_MMAP_GTT_VERSION, &v), 0);
	assert_int_equal(v, 4);
	env_close(&e);
}

static void test_memory_regions(void **state)
{
	struct fake_i915_config cfg = fake_i915_discrete();
	const struct drm_i915_gem_memory_class_instance lmem = { I915_MEMORY_CLASS_DEVICE, 0 };
	struct drm_i915_query_memory_regions *info = NULL;
	uint64_t size = 4096;
	bool in_lmem = false;
	uint32_t h;
	struct env e;

	env_open(&e, &cfg);
	assert_int_equal(i915_query_memory_regions(e.fd, &info), 0);
	assert_int_equal(info->num_regions, 2);
	assert_int_equal(info->regions[0].region.memory_class, I915_MEMORY_CLASS_SYSTEM);
	assert_int_equal(info->regions[1].region.memory_class, I915_MEMORY_CLASS_DEVICE);
	free(info);
	/* Device memory rounds to 64 KiB (DG2), and the wrapper reports the real size. */
	assert_int_equal(i915_gem_create_in_regions(e.fd, &size, &h, &lmem, 1), 0);
	assert_int_equal(size, 65536);
	assert_true(fake_i915_object(e.f, h, NULL, &in_lmem, NULL, NULL, NULL));
	assert_true(in_lmem);
	assert_int_equal(__gem_close(e.fd, h), 0);
	env_close(&e);
}

/* MMAP_OFFSET + mmap(2): bytes written through the map are the object's. */
static void test_mmap_offset_roundtrip(void **state)
{
	static const uint64_t types[] = { I915_MMAP_OFFSET_WB, I915_MMAP_OFFSET_WC,
					  I915_MMAP_OFFSET_GTT };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct fake_i915_config cfg = fake_i915_integrated();
		uint64_t off;
		char back[8];
		void *p;
		struct env e;

		env_open(&e, &cfg);
		assert_int_equal(i915_gem_mmap_offset(e.fd, e.handle, types[i], &off), 0);
		assert_int_equal(__drm_mmap(e.fd, off, 4096, &p), 0);
		memcpy((char *)p + 100, "bounce!", 8);
		assert_int_equal(fake_i915_peek(e.f, e.handle, 100, back, 8), 0);
		assert_string_equal(back, "bounce!");
		assert_int_equal(fake_i915_live_mappings(e.f), 1);
		assert_int_equal(__drm_munmap(p, 4096), 0);
		assert_int_equal(fake_i915_stats(e.f)->mmaps[types[i]], 1);
		env_close(&e);
	}
}

/*
 * The trap the backend avoids: before MMAP_GTT_VERSION 4 the MMAP_OFFSET
 * number IS MMAP_GTT, the type is ignored and a "WB" map is a GTT map.
 */
static void test_mmap_offset_on_old_kernel_is_gtt(void **state)
{
	struct fake_i915_config cfg = fake_i915_gen9();
	uint64_t off;
	void *p;
	struct env e;

	cfg.mmap_gtt_version = 3;
	env_open(&e, &cfg);
	assert_int_equal(i915_gem_mmap_offset(e.fd, e.handle, I915_MMAP_OFFSET_WB, &off), 0);
	assert_int_equal(__drm_mmap(e.fd, off, 4096, &p), 0);
	assert_int_equal(__drm_munmap(p, 4096), 0);
	assert_int_equal(fake_i915_stats(e.f)->mmaps[I915_MMAP_OFFSET_WB], 0);
	assert_int_equal(fake_i915_stats(e.f)->mmaps[I915_MMAP_OFFSET_GTT], 1);
	/* The legacy CPU mmap is what such a kernel offers for WB. */
	assert_int_equal(i915_gem_mmap_legacy(e.fd, e.handle, 4096, 0, &p), 0);
	assert_int_equal(__drm_munmap(p, 4096), 0);
	env_close(&e);
}

static void test_pread_pwrite(void **state)
{
	struct fake_i915_config cfg = fake_i915_tgl(); /* the one graphics version 12 part with PREAD */
	char back[6] = "";
	struct env e;

	env_open(&e, &cfg);
	assert_int_equal(i915_gem_pwrite(e.fd, e.handle, 4090, "hello", 6), 0);
	assert_int_equal(i915_gem_pread(e.fd, e.handle, 4090, back, 6), 0);
	assert_string_equal(back, "hello");
	assert_int_equal(i915_gem_pwrite(e.fd, e.handle, 4091, "hello", 6), -EINVAL); /* past the end */
	env_close(&e);
}

/* The bind: LUT|NO_RELOC first, the same struct again without them where refused. */
static void test_execbuf_bind_retry(void **state)
{
	for (int old = 0; old < 2; old++) {
		struct fake_i915_config cfg = fake_i915_integrated();
		const uint32_t bbe = I915_MI_BATCH_BUFFER_END;
		uint64_t flags = I915_EXEC_HANDLE_LUT | I915_EXEC_NO_RELOC, size = 4096;
		unsigned calls, binds;
		uint32_t batch;
		void *p;
		uint64_t off;
		struct env e;

		cfg.exec_lut = !old;
		env_open(&e, &cfg);
		assert_int_equal(i915_gem_create(e.fd, &size, &batch), 0);
		assert_int_equal(i915_gem_mmap_offset(e.fd, batch, I915_MMAP_OFFSET_WB, &off), 0);
		assert_int_equal(__drm_mmap(e.fd, off, 4096, &p), 0);
		memcpy(p, &bbe, 4);
		assert_int_equal(__drm_munmap(p, 4096), 0);

		assert_int_equal(i915_gem_execbuf_bind(e.fd, e.handle, batch, &flags), 0);
		calls = fake_i915_stats(e.f)->calls[_IOC_NR(DRM_IOCTL_I915_GEM_EXECBUFFER2)];
		assert_int_equal(calls, old ? 2 : 1);
		assert_int_equal(flags, old ? 0 : (I915_EXEC_HANDLE_LUT | I915_EXEC_NO_RELOC));
		assert_int_equal(fake_i915_stats(e.f)->last_exec_flags, flags);
		/* Next time the caller passes what worked: one call. */
		assert_int_equal(i915_gem_execbuf_bind(e.fd, e.handle, batch, &flags), 0);
		assert_int_equal(fake_i915_stats(e.f)->calls[_IOC_NR(DRM_IOCTL_I915_GEM_EXECBUFFER2)],
				 calls + 1);
		assert_true(fake_i915_object(e.f, e.handle, NULL, NULL, NULL, NULL, &binds));
		assert_int_equal(binds, 2);
		assert_int_equal(fake_i915_stats(e.f)->unterminated, 0);
		assert_int_equal(i915_gem_wait(e.fd, e.handle, -1), 0);
		assert_int_equal(__gem_close(e.fd, batch), 0);
		env_close(&e);
	}
}

/* An -EINVAL for another reason is not retried: the retry is for the two flags only. */
static void test_execbuf_retry_only_for_flags(void **state)
{
	struct fake_i915_config cfg = fake_i915_integrated();
	uint64_t flags = 0;
	struct env e;

	env_open(&e, &cfg);
	fake_i915_refuse(e.f, DRM_IOCTL_I915_GEM_EXECBUFFER2, EINVAL, 0, 0);
	assert_int_equal(i915_gem_execbuf_bind(e.fd, e.handle, e.handle + 1, &flags), -EINVAL);
	assert_int_equal(fake_i915_stats(e.f)->calls[_IOC_NR(DRM_IOCTL_I915_GEM_EXECBUFFER2)], 1);
	env_close(&e);
}

static void test_prime(void **state)
{
	struct fake_i915_config cfg = fake_i915_integrated();
	uint32_t back = 0, foreign_handle;
	int dmabuf = -1, foreign;
	struct env e;

	env_open(&e, &cfg);
	assert_int_equal(__prime_handle_to_fd(e.fd, e.handle, &dmabuf), 0);
	assert_true(fcntl(dmabuf, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fake_i915_open_fds(e.f), 2); /* the device and the dma-buf */
	/* Our own dma-buf comes back as the same handle. */
	assert_int_equal(__prime_fd_to_handle(e.fd, dmabuf, &back), 0);
	assert_int_equal(back, e.handle);
	close(dmabuf);
	/* A foreign one (udmabuf, say) becomes a new object. */
	foreign = fake_i915_foreign_dmabuf(e.f, 8192);
	assert_true(foreign >= 0);
	assert_int_equal(__prime_fd_to_handle(e.fd, foreign, &foreign_handle), 0);
	assert_int_not_equal(foreign_handle, e.handle);
	close(foreign);
	assert_int_equal(__gem_close(e.fd, foreign_handle), 0);
	env_close(&e);
}

/* --- the kernel's rules, per device profile --------------------------------- */

/*
 * One row per profile: what the kernel answers there. The rules come from
 * i915_gem_set_domain_ioctl (IS_DGFX: -ENODEV), i915_gem_userptr_ioctl
 * (READ_ONLY: has_read_only = !IS_GRAPHICS_VER(11, 12)), i915_gem_mmap_ioctl
 * (IS_DGFX or GRAPHICS_VER_FULL > 12.0: -EOPNOTSUPP), i915_gem_pread_ioctl
 * (GRAPHICS_VER >= 12 except Tiger Lake: -EOPNOTSUPP) and
 * i915_gem_mmap_offset_ioctl (GTT needs the aperture; FIXED only where the
 * object is TTM's, i.e. discrete).
 */
static const struct {
	const char *profile;
	int set_domain, userptr_ro, legacy_mmap, pread, mmap_wb, mmap_gtt, mmap_fixed;
} rules[] = {
	{ "gen9", 0, 0, 0, 0, 0, 0, -ENODEV },
	{ "tgl", 0, -ENODEV, 0, 0, 0, 0, -ENODEV },
	{ "adl", 0, -ENODEV, 0, -EOPNOTSUPP, 0, 0, -ENODEV },
	{ "dg1", -ENODEV, -ENODEV, -EOPNOTSUPP, -EOPNOTSUPP, -ENODEV, -ENODEV, 0 },
	{ "dg2", -ENODEV, -ENODEV, -EOPNOTSUPP, -EOPNOTSUPP, -ENODEV, -ENODEV, 0 },
	{ "mtl", 0, -ENODEV, -EOPNOTSUPP, -EOPNOTSUPP, 0, -ENODEV, -ENODEV },
};

static void check_rule(const char *profile, const char *what, int got, int want)
{
	if (got != want)
		fail_msg("%s: %s gave %d (%s), the kernel answers %d (%s)", profile, what, got,
			 strerror(-got), want, strerror(-want));
}

static void test_kernel_rules_per_profile(void **state)
{
	size_t n = 0;

	for (const struct fake_i915_profile *pr = fake_i915_profiles; pr->name; pr++, n++) {
		struct fake_i915_config cfg = pr->config();
		uint64_t off;
		uint32_t h;
		void *p;
		char buf[8];
		size_t i;
		struct env e;

		for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
			if (!strcmp(rules[i].profile, pr->name))
				break;
		assert_true(i < sizeof(rules) / sizeof(rules[0])); /* every profile has its row */
		env_open(&e, &cfg);
		check_rule(pr->name, "SET_DOMAIN(CPU)",
			   i915_gem_set_domain(e.fd, e.handle, I915_GEM_DOMAIN_CPU, 0),
			   rules[i].set_domain);
		check_rule(pr->name, "USERPTR(READ_ONLY)",
			   i915_gem_userptr(e.fd, e.mem, 4096, I915_USERPTR_READ_ONLY, &h),
			   rules[i].userptr_ro);
		if (!rules[i].userptr_ro)
			assert_int_equal(__gem_close(e.fd, h), 0);
		/* userptr itself works everywhere: LLC or (discrete, MTL) snooping */
		assert_int_equal(i915_gem_userptr(e.fd, e.mem, 4096, 0, &h), 0);
		assert_int_equal(__gem_close(e.fd, h), 0);
		p = NULL;
		check_rule(pr->name, "GEM_MMAP", i915_gem_mmap_legacy(e.fd, e.handle, 4096, 0, &p),
			   rules[i].legacy_mmap);
		if (p)
			assert_int_equal(__drm_munmap(p, 4096), 0);
		check_rule(pr->name, "PREAD", i915_gem_pread(e.fd, e.handle, 0, buf, sizeof(buf)),
			   rules[i].pread);
		check_rule(pr->name, "MMAP_OFFSET(WB)",
			   i915_gem_mmap_offset(e.fd, e.handle, I915_MMAP_OFFSET_WB, &off),
			   rules[i].mmap_wb);
		check_rule(pr->name, "MMAP_OFFSET(GTT)",
			   i915_gem_mmap_offset(e.fd, e.handle, I915_MMAP_OFFSET_GTT, &off),
			   rules[i].mmap_gtt);
		check_rule(pr->name, "MMAP_OFFSET(FIXED)",
			   i915_gem_mmap_offset(e.fd, e.handle, I915_MMAP_OFFSET_FIXED, &off),
			   rules[i].mmap_fixed);
		env_close(&e);
	}
	assert_int_equal(n, sizeof(rules) / sizeof(rules[0])); /* and every row a profile */
}

/* MMAP_OFFSET WB is not gated by PAT (only WC and UC are). */
static void test_mmap_offset_wb_without_pat(void **state)
{
	struct fake_i915_config cfg = fake_i915_integrated();
	uint64_t off;
	struct env e;

	cfg.has_pat = false;
	env_open(&e, &cfg);
	assert_int_equal(i915_gem_mmap_offset(e.fd, e.handle, I915_MMAP_OFFSET_WB, &off), 0);
	assert_int_equal(i915_gem_mmap_offset(e.fd, e.handle, I915_MMAP_OFFSET_WC, &off), -ENODEV);
	assert_int_equal(i915_gem_mmap_offset(e.fd, e.handle, I915_MMAP_OFFSET_UC, &off), -ENODEV);
	env_close(&e);
}

/* eb_validate_vma() never reads rsvd1/rsvd2 of an exec object: set, they pass. */
static void test_execbuf_ignores_object_rsvd(void **state)
{
	struct fake_i915_config cfg = fake_i915_integrated();
	const uint32_t bbe = I915_MI_BATCH_BUFFER_END;
	struct drm_i915_gem_exec_object2 obj = { .rsvd1 = 7, .rsvd2 = 1 };
	struct drm_i915_gem_execbuffer2 eb = { .buffers_ptr = (uintptr_t)&obj, .buffer_count = 1 };
	uint64_t off;
	void *p;
	struct env e;

	env_open(&e, &cfg);
	obj.handle = e.handle;
	/* The object is its own batch, so it must end: write that through a WB map. */
	assert_int_equal(i915_gem_mmap_offset(e.fd, e.handle, I915_MMAP_OFFSET_WB, &off), 0);
	assert_int_equal(__drm_mmap(e.fd, off, 4096, &p), 0);
	memcpy(p, &bbe, sizeof(bbe));
	assert_int_equal(__drm_munmap(p, 4096), 0);
	assert_int_equal(i915_gem_execbuf(e.fd, &eb), 0);
	env_close(&e);
}

/* Before MMAP_VERSION (4.0) GEM_MMAP has no flags: I915_MMAP_WC is dropped, the map is WB. */
static void test_legacy_wc_without_mmap_version(void **state)
{
	struct fake_i915_config cfg = fake_i915_gen9();
	void *p;
	int v;
	struct env e;

	cfg.mmap_version = 0;
	cfg.mmap_gtt_version = 3;
	env_open(&e, &cfg);
	assert_int_equal(i915_getparam(e.fd, I915_PARAM_MMAP_VERSION, &v), -EINVAL);
	assert_int_equal(i915_gem_mmap_legacy(e.fd, e.handle, 4096, I915_MMAP_WC, &p), 0);
	assert_int_equal(fake_i915_stats(e.f)->legacy_wc_dropped, 1);
	assert_int_equal(__drm_munmap(p, 4096), 0);
	env_close(&e);
}

/* --- DMA mappings: where get_pages runs, and the deferred frees ------------ */

static void test_dma_accounting(void **state)
{
	struct fake_i915_config cfg = fake_i915_tgl(); /* integrated, with PREAD/PWRITE */
	const struct fake_i915_stats *st;
	uint64_t size = 8192;
	uint32_t h, imported;
	char buf[16] = "pwrite";
	int foreign;
	struct env e;

	env_open(&e, &cfg);
	st = fake_i915_stats(e.f);
	/* PWRITE into an object without pages writes the page cache: no mapping. */
	assert_int_equal(i915_gem_create(e.fd, &size, &h), 0);
	assert_int_equal(i915_gem_pwrite(e.fd, h, 0, buf, sizeof(buf)), 0);
	assert_false(fake_i915_has_pages(e.f, h));
	assert_int_equal(st->dma_maps, 0);
	/* PREAD gets the pages: one mapping, and only one however often. */
	assert_int_equal(i915_gem_pread(e.fd, h, 0, buf, sizeof(buf)), 0);
	assert_int_equal(i915_gem_set_domain(e.fd, h, I915_GEM_DOMAIN_CPU, 0), 0);
	assert_true(fake_i915_has_pages(e.f, h));
	assert_int_equal(st->dma_maps, 1);
	assert_int_equal(fake_i915_dma_mapped_bytes(e.f), 8192);
	/* Closed, it still holds its mapping: i915_gem_free_object only queues it. */
	assert_int_equal(__gem_close(e.fd, h), 0);
	assert_int_equal(fake_i915_pending_frees(e.f), 1);
	assert_int_equal(fake_i915_dma_mapped_bytes(e.f), 8192);
	assert_int_equal(st->dma_unmaps, 0);
	/* The next create flushes the free list. */
	size = 4096;
	assert_int_equal(i915_gem_create(e.fd, &size, &h), 0);
	assert_int_equal(fake_i915_pending_frees(e.f), 0);
	assert_int_equal(fake_i915_dma_mapped_bytes(e.f), 0);
	assert_int_equal(st->dma_unmaps, 1);
	assert_int_equal(st->free_flushes, 1);
	assert_int_equal(__gem_close(e.fd, h), 0); /* no pages: nothing to defer */
	assert_int_equal(fake_i915_pending_frees(e.f), 0);

	/* A foreign dma-buf: the import attaches only; SET_DOMAIN maps it (no -ENXIO). */
	foreign = fake_i915_foreign_dmabuf(e.f, 16384);
	assert_true(foreign >= 0);
	assert_int_equal(__prime_fd_to_handle(e.fd, foreign, &imported), 0);
	assert_int_equal(st->dmabuf_maps, 0);
	assert_false(fake_i915_has_pages(e.f, imported));
	assert_int_equal(i915_gem_set_domain(e.fd, imported, I915_GEM_DOMAIN_GTT, 0), 0);
	assert_int_equal(st->dmabuf_maps, 1);
	close(foreign);
	assert_int_equal(__gem_close(e.fd, imported), 0);
	env_close(&e);
}

/* --- the fake's leak accounting can fail ---------------------------------- */

static void test_fake_catches_leaks(void **state)
{
	struct fake_i915_config cfg = fake_i915_integrated();
	struct fake_i915 *f = live_fake = fake_i915_create(&cfg);
	uint64_t size = 4096, off;
	uint32_t h;
	int fd, dmabuf;
	void *p;
	char why[128];

	assert_non_null(f);
	assert_null(fake_i915_create(&cfg)); /* one at a time */
	fd = open(fake_i915_path(f), O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fake_i915_leaks(f, why, sizeof(why)), 1); /* the open device fd */
	assert_int_equal(i915_gem_create(fd, &size, &h), 0);
	assert_int_equal(i915_gem_mmap_offset(fd, h, I915_MMAP_OFFSET_WC, &off), 0);
	assert_int_equal(__drm_mmap(fd, off, 4096, &p), 0);
	assert_int_equal(__prime_handle_to_fd(fd, h, &dmabuf), 0);
	assert_int_equal(fake_i915_leaks(f, why, sizeof(why)), 4);
	assert_string_equal(why, "fake_i915: 1 open handles, 1 live mappings, 2 open fds");
	close(dmabuf);
	assert_int_equal(__drm_munmap(p, 4096), 0);
	assert_int_equal(__gem_close(fd, h), 0);
	close(fd);
	assert_int_equal(fake_i915_leaks(f, why, sizeof(why)), 0);
	fake_i915_destroy(f);
	live_fake = NULL;
	/* Back to the real system calls. */
	assert_true(drm_io.mmap == mmap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_refusals, teardown),
		cmocka_unit_test_teardown(test_injected_refusal, teardown),
		cmocka_unit_test_teardown(test_execbuf_retry_only_for_flags, teardown),
		cmocka_unit_test_teardown(test_version_and_params, teardown),
		cmocka_unit_test_teardown(test_memory_regions, teardown),
		cmocka_unit_test_teardown(test_mmap_offset_roundtrip, teardown),
		cmocka_unit_test_teardown(test_mmap_offset_on_old_kernel_is_gtt, teardown),
		cmocka_unit_test_teardown(test_pread_pwrite, teardown),
		cmocka_unit_test_teardown(test_execbuf_bind_retry, teardown),
		cmocka_unit_test_teardown(test_prime, teardown),
		cmocka_unit_test_teardown(test_kernel_rules_per_profile, teardown),
		cmocka_unit_test_teardown(test_mmap_offset_wb_without_pat, teardown),
		cmocka_unit_test_teardown(test_execbuf_ignores_object_rsvd, teardown),
		cmocka_unit_test_teardown(test_legacy_wc_without_mmap_version, teardown),
		cmocka_unit_test_teardown(test_dma_accounting, teardown),
		cmocka_unit_test_teardown(test_fake_catches_leaks, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
