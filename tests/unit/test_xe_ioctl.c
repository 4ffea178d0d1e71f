/*
 * Tests for the xe ioctl wrappers (bench/backends/xe_ioctl.c) and for the
 * fake's strictness (tests/fakes/fake_xe.c), which the backend tests rely
 * on: a fake that accepted what xe refuses would let a backend bug through.
 * Negative cases first: raw structs with one MBZ field set, a wrong
 * placement or caching, misaligned binds, dead ids, a wrong ioctl size,
 * each refused with xe's errno; then the wrappers: the two-step device
 * query, out-parameters untouched on failure, -errno (never -1) returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/xe_ioctl.h"
#include "../fakes/fake_xe.h"

static struct fake_xe *live_fake;

static int teardown(void **state)
{
	fake_xe_destroy(live_fake);
	live_fake = NULL;
	return 0;
}

struct env {
	struct fake_xe *f;
	int fd;
	uint32_t vm, syncobj;
};

static void env_start(struct env *e, struct fake_xe_config cfg)
{
	e->f = live_fake = fake_xe_create(&cfg);
	assert_non_null(e->f);
	e->fd = open(fake_xe_path(e->f), O_RDWR | O_CLOEXEC);
	assert_true(e->fd >= 0);
	assert_int_equal(syncobj_create(e->fd, &e->syncobj), 0);
	assert_int_equal(xe_vm_create(e->fd, 0, &e->vm), 0);
}

static void env_stop(struct env *e)
{
	char why[256];

	assert_int_equal(xe_vm_destroy(e->fd, e->vm), 0);
	assert_int_equal(syncobj_destroy(e->fd, e->syncobj), 0);
	close(e->fd);
	if (fake_xe_leaks(e->f, why, sizeof(why)))
		fail_msg("%s", why);
	fake_xe_destroy(e->f);
	live_fake = NULL;
}

/* --- the fake refuses what xe refuses --------------------------------------- */

static void test_fake_gem_create_checks(void **state)
{
	static const struct {
		const char *what;
		struct drm_xe_gem_create c;
		int err;
	} rows[] = {
		{ "reserved", { .size = 4096, .placement = 1, .cpu_caching = 1, .reserved = { 1 } }, EINVAL },
		{ "pad", { .size = 4096, .placement = 1, .cpu_caching = 1, .pad = { 0, 1 } }, EINVAL },
		{ "extensions", { .extensions = 8, .size = 4096, .placement = 1, .cpu_caching = 1 }, EINVAL },
		{ "handle in", { .size = 4096, .placement = 1, .cpu_caching = 1, .handle = 3 }, EINVAL },
		{ "no placement", { .size = 4096, .cpu_caching = 1 }, EINVAL },
		{ "no such region", { .size = 4096, .placement = 4, .cpu_caching = 1 }, EINVAL },
		{ "no caching", { .size = 4096, .placement = 1 }, EINVAL },
		{ "WB in VRAM", { .size = 65536, .placement = 2, .cpu_caching = 1 }, EINVAL },
		{ "VRAM not 64K", { .size = 4096, .placement = 2, .cpu_caching = 2 }, EINVAL },
		{ "size 0", { .placement = 1, .cpu_caching = 1 }, EINVAL },
		{ "unknown flag", { .size = 4096, .placement = 1, .cpu_caching = 1, .flags = 8 }, EINVAL },
		{ "visible VRAM, no VRAM", { .size = 4096, .placement = 1, .cpu_caching = 1,
					     .flags = DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM }, EINVAL },
		{ "dead VM", { .size = 4096, .placement = 1, .cpu_caching = 1, .vm_id = 99 }, ENOENT },
	};
	struct env e;

	env_start(&e, fake_xe_bmg());
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct drm_xe_gem_create c = rows[i].c;

		if (drm_ioctl(e.fd, DRM_IOCTL_XE_GEM_CREATE, &c) != -rows[i].err)
			fail_msg("GEM_CREATE %s: not refused with errno %d", rows[i].what, rows[i].err);
	}
	assert_int_equal(fake_xe_stats(e.f)->creates, 0);
	env_stop(&e);
}

static void test_fake_vm_bind_checks(void **state)
{
	struct drm_xe_sync sync = { .type = DRM_XE_SYNC_TYPE_SYNCOBJ,
				    .flags = DRM_XE_SYNC_FLAG_SIGNAL };
	uint32_t sys, vram;
	struct env e;

	env_start(&e, fake_xe_bmg());
	sync.handle = e.syncobj;
	assert_int_equal(syncobj_wait(e.fd, e.syncobj), -EINVAL); /* no fence was ever submitted */
	assert_int_equal(xe_gem_create(e.fd, 65536, 1, 0, DRM_XE_GEM_CPU_CACHING_WB, &sys), 0);
	assert_int_equal(xe_gem_create(e.fd, 65536, 2, 0, DRM_XE_GEM_CPU_CACHING_WC, &vram), 0);
	{
		const struct {
			const char *what;
			struct drm_xe_vm_bind_op op;
			uint32_t vm; /* 0: the env's */
			int err;
		} rows[] = {
			{ "op reserved", { .obj = sys, .range = 4096, .addr = 1 << 20, .reserved = { 1 } }, 0, EINVAL },
			{ "op pad", { .obj = sys, .range = 4096, .addr = 1 << 20, .pad = 1 }, 0, EINVAL },
			{ "unknown flag", { .obj = sys, .range = 4096, .addr = 1 << 20, .flags = 64 }, 0, EINVAL },
			{ "bad pat", { .obj = sys, .range = 4096, .addr = 1 << 20, .pat_index = 40 }, 0, EINVAL },
			{ "WB, PAT 3 not coherent on Xe2", { .obj = sys, .range = 4096, .addr = 1 << 20,
							     .pat_index = 3 }, 0, EINVAL },
			{ "range 0", { .obj = sys, .addr = 1 << 20 }, 0, EINVAL },
			{ "addr unaligned", { .obj = sys, .range = 4096, .addr = 100 }, 0, EINVAL },
			{ "past object", { .obj = sys, .range = 1 << 17, .addr = 1 << 20 }, 0, EINVAL },
			{ "VRAM 4K range", { .obj = vram, .range = 4096, .addr = 1 << 20 }, 0, EINVAL },
			{ "dead handle", { .obj = 999, .range = 4096, .addr = 1 << 20 }, 0, ENOENT },
			{ "UNMAP with obj", { .obj = sys, .range = 4096, .addr = 1 << 20,
					      .op = DRM_XE_VM_BIND_OP_UNMAP }, 0, EINVAL },
			{ "USERPTR with obj", { .obj = sys, .range = 4096, .addr = 1 << 20,
						.op = DRM_XE_VM_BIND_OP_MAP_USERPTR }, 0, EINVAL },
			{ "USERPTR unmapped", { .userptr = 4096, .range = 4096, .addr = 1 << 20,
						.op = DRM_XE_VM_BIND_OP_MAP_USERPTR }, 0, EFAULT },
			{ "beyond VA", { .obj = sys, .range = 4096, .addr = 1ull << 48 }, 0, EINVAL },
			{ "dead VM", { .obj = sys, .range = 4096, .addr = 1 << 20 }, 77, ENOENT },
		};

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct drm_xe_vm_bind b = {
				.vm_id = rows[i].vm ? rows[i].vm : e.vm,
				.num_binds = 1,
				.bind = rows[i].op,
				.num_syncs = 1,
				.syncs = (uintptr_t)&sync,
			};

			/* rows name a PAT index only to test it: Xe2's coherent WB entry is 2 */
			if (!b.bind.pat_index)
				b.bind.pat_index = 2;

			if (drm_ioctl(e.fd, DRM_IOCTL_XE_VM_BIND, &b) != -rows[i].err)
				fail_msg("VM_BIND %s: not refused with errno %d", rows[i].what,
					 rows[i].err);
		}
	}
	/* WC objects take any PAT index; a userptr needs a coherent one, as WB objects do */
	{
		void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);

		assert_true(page != MAP_FAILED);
		*(volatile char *)page = 1;
		assert_int_equal(xe_vm_bind(e.fd, e.vm, DRM_XE_VM_BIND_OP_MAP_USERPTR, 0,
					    (uintptr_t)page, 1 << 20, 4096, 3, e.syncobj),
				 -EINVAL);
		assert_int_equal(xe_vm_bind(e.fd, e.vm, DRM_XE_VM_BIND_OP_MAP, sys, 0, 1 << 20,
					    4096, 0, e.syncobj),
				 -EINVAL);
		assert_int_equal(xe_vm_bind(e.fd, e.vm, DRM_XE_VM_BIND_OP_MAP, vram, 0, 1 << 20,
					    65536, 0, e.syncobj),
				 0);
		assert_int_equal(syncobj_wait(e.fd, e.syncobj), 0);
		assert_int_equal(xe_vm_bind(e.fd, e.vm, DRM_XE_VM_BIND_OP_UNMAP, 0, 0, 1 << 20,
					    65536, 0, e.syncobj),
				 0);
		assert_int_equal(syncobj_wait(e.fd, e.syncobj), 0);
		munmap(page, 4096);
	}
	/* a sync that names no syncobj, and a wait for a fence never submitted */
	sync.handle = 4242;
	assert_int_equal(xe_vm_bind(e.fd, e.vm, DRM_XE_VM_BIND_OP_MAP, sys, 0, 1 << 20, 4096, 2,
				    4242),
			 -ENOENT);
	assert_int_equal(fake_xe_live_bindings(e.f), 0);
	assert_int_equal(gem_close(e.fd, sys), 0);
	assert_int_equal(gem_close(e.fd, vram), 0);
	env_stop(&e);
}

/* VM flags, exec queues on missing engines, EXEC on a banned queue, a wrong ioctl size. */
static void test_fake_vm_queue_exec_checks(void **state)
{
	struct drm_xe_engine_class_instance render = { .engine_class = DRM_XE_ENGINE_CLASS_RENDER };
	struct drm_xe_vm_create bad_vm = { .reserved = { 0, 1 } };
	uint32_t vm, queue;
	bool banned = true;
	struct env e;

	env_start(&e, fake_xe_mtl());
	assert_int_equal(xe_vm_create(e.fd, DRM_XE_VM_CREATE_FLAG_FAULT_MODE, &vm), -EINVAL);
	/* MTL has no USM: even with LR_MODE a fault-mode VM is refused */
	assert_int_equal(xe_vm_create(e.fd, DRM_XE_VM_CREATE_FLAG_LR_MODE |
						    DRM_XE_VM_CREATE_FLAG_FAULT_MODE, &vm),
			 -EINVAL);
	assert_int_equal(drm_ioctl(e.fd, DRM_IOCTL_XE_VM_CREATE, &bad_vm), -EINVAL);
	assert_int_equal(xe_vm_destroy(e.fd, 4242), -ENOENT);

	assert_int_equal(xe_exec_queue_create(e.fd, 4242, &render, &queue), -ENOENT);
	render.engine_instance = 3; /* no such instance */
	assert_int_equal(xe_exec_queue_create(e.fd, e.vm, &render, &queue), -EINVAL);
	render.engine_instance = 0;
	assert_int_equal(xe_exec_queue_create(e.fd, e.vm, &render, &queue), 0);
	assert_int_equal(xe_exec_queue_banned(e.fd, queue, &banned), 0);
	assert_false(banned);
	fake_xe_ban_queues(e.f);
	assert_int_equal(xe_exec(e.fd, queue, 1 << 20, e.syncobj), -ECANCELED);
	assert_int_equal(xe_exec_queue_banned(e.fd, queue, &banned), 0);
	assert_true(banned);
	assert_int_equal(xe_exec_queue_destroy(e.fd, queue), 0);
	assert_int_equal(xe_exec_queue_destroy(e.fd, queue), -ENOENT);

	/* the right number with another struct size: counted as a wrapper bug */
	assert_int_equal(drm_ioctl(e.fd, DRM_IOWR(DRM_COMMAND_BASE + DRM_XE_VM_CREATE, uint64_t),
				   &(uint64_t){ 0 }),
			 -EINVAL);
	assert_int_equal(fake_xe_stats(e.f)->size_mismatch, 1);
	env_stop(&e);
}

/* An EXEC of an address with no binding behind it is a GPU fault: the queue is banned. */
static void test_fake_exec_unbound_batch_bans(void **state)
{
	struct drm_xe_engine_class_instance copy = { .engine_class = DRM_XE_ENGINE_CLASS_COPY };
	uint32_t queue;
	bool banned = false;
	struct env e;

	env_start(&e, fake_xe_lnl());
	assert_int_equal(xe_exec_queue_create(e.fd, e.vm, &copy, &queue), 0);
	assert_int_equal(xe_exec(e.fd, queue, 1 << 20, e.syncobj), 0);
	assert_int_equal(fake_xe_stats(e.f)->bad_batches, 1);
	assert_int_equal(xe_exec_queue_banned(e.fd, queue, &banned), 0);
	assert_true(banned);
	assert_int_equal(xe_exec_queue_destroy(e.fd, queue), 0);
	env_stop(&e);
}

/*
 * xe accepts a second bind signalling a syncobj whose fence nobody waited
 * for; the fake counts it, so the backend tests can insist every bind is
 * waited before the next.
 */
static void test_fake_counts_unwaited_fences(void **state)
{
	uint32_t bo;
	struct env e;

	env_start(&e, fake_xe_lnl());
	assert_int_equal(xe_gem_create(e.fd, 4096, 1, 0, DRM_XE_GEM_CPU_CACHING_WB, &bo), 0);
	assert_int_equal(xe_vm_bind(e.fd, e.vm, DRM_XE_VM_BIND_OP_MAP, bo, 0, 1 << 20, 4096, 2,
				    e.syncobj), 0);
	assert_int_equal(fake_xe_stats(e.f)->unwaited, 0);
	assert_int_equal(xe_vm_bind(e.fd, e.vm, DRM_XE_VM_BIND_OP_UNMAP, 0, 0, 1 << 20, 4096, 2,
				    e.syncobj), 0);
	assert_int_equal(fake_xe_stats(e.f)->unwaited, 1);
	assert_int_equal(syncobj_wait(e.fd, e.syncobj), 0);
	/* an UNMAP of nothing is accepted, and counted */
	assert_int_equal(xe_vm_bind(e.fd, e.vm, DRM_XE_VM_BIND_OP_UNMAP, 0, 0, 1 << 20, 4096, 2,
				    e.syncobj), 0);
	assert_int_equal(fake_xe_stats(e.f)->empty_unmaps, 1);
	assert_int_equal(syncobj_wait(e.fd, e.syncobj), 0);
	assert_int_equal(gem_close(e.fd, bo), 0);
	env_stop(&e);
}

/* --- the wrappers ------------------------------------------------------------ */

/* Two steps, the right size; refused -> -errno and *data untouched. */
static void test_device_query(void **state)
{
	struct drm_xe_query_config *c = NULL;
	void *untouched = (void *)0x1;
	uint32_t len = 0, len2 = 7;
	struct env e;

	env_start(&e, fake_xe_bmg());
	assert_int_equal(xe_device_query(e.fd, DRM_XE_DEVICE_QUERY_CONFIG, (void **)&c, &len), 0);
	assert_int_equal(len, sizeof(*c) + 5 * sizeof(uint64_t));
	assert_int_equal(c->info[DRM_XE_QUERY_CONFIG_FLAGS] & DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM, 1);
	assert_int_equal(c->info[DRM_XE_QUERY_CONFIG_REV_AND_DEVICE_ID] & 0xffff, 0xe20b);
	free(c);
	assert_int_equal(fake_xe_stats(e.f)->calls[DRM_XE_DEVICE_QUERY + DRM_COMMAND_BASE], 2);

	assert_int_equal(xe_device_query(e.fd, 42, &untouched, &len2), -EINVAL);
	fake_xe_refuse(e.f, DRM_IOCTL_XE_DEVICE_QUERY, ENODEV, 1, 1); /* the second step */
	assert_int_equal(xe_device_query(e.fd, DRM_XE_DEVICE_QUERY_ENGINES, &untouched, &len2),
			 -ENODEV);
	assert_ptr_equal(untouched, (void *)0x1);
	assert_int_equal(len2, 7);
	env_stop(&e);
}

/* A refused create, mmap offset or VM create leaves the out-parameter as it was. */
static void test_out_params_untouched(void **state)
{
	uint32_t handle = 0xdead, vm = 0xbeef, queue = 0xf00d;
	uint64_t offset = 0x1234;
	struct drm_xe_engine_class_instance render = { .engine_class = DRM_XE_ENGINE_CLASS_RENDER };
	struct env e;

	env_start(&e, fake_xe_lnl());
	assert_int_equal(xe_gem_create(e.fd, 100, 1, 0, DRM_XE_GEM_CPU_CACHING_WB, &handle), -EINVAL);
	assert_int_equal(handle, 0xdead);
	assert_int_equal(xe_gem_mmap_offset(e.fd, 77, &offset), -ENOENT);
	assert_int_equal(offset, 0x1234);
	fake_xe_refuse(e.f, DRM_IOCTL_XE_VM_CREATE, EPERM, 0, 1);
	assert_int_equal(xe_vm_create(e.fd, 0, &vm), -EPERM);
	assert_int_equal(vm, 0xbeef);
	fake_xe_refuse(e.f, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, ENOMEM, 0, 1);
	assert_int_equal(xe_exec_queue_create(e.fd, e.vm, &render, &queue), -ENOMEM);
	assert_int_equal(queue, 0xf00d);
	env_stop(&e);
}

static void test_engine_class_names(void **state)
{
	assert_string_equal(xe_engine_class_name(DRM_XE_ENGINE_CLASS_RENDER), "render");
	assert_string_equal(xe_engine_class_name(DRM_XE_ENGINE_CLASS_COPY), "copy");
	assert_string_equal(xe_engine_class_name(DRM_XE_ENGINE_CLASS_COMPUTE), "compute");
	assert_string_equal(xe_engine_class_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fake_gem_create_checks, teardown),
		cmocka_unit_test_teardown(test_fake_vm_bind_checks, teardown),
		cmocka_unit_test_teardown(test_fake_vm_queue_exec_checks, teardown),
		cmocka_unit_test_teardown(test_fake_exec_unbound_batch_bans, teardown),
		cmocka_unit_test_teardown(test_fake_counts_unwaited_fences, teardown),
		cmocka_unit_test_teardown(test_device_query, teardown),
		cmocka_unit_test_teardown(test_out_params_untouched, teardown),
		cmocka_unit_test_teardown(test_engine_class_names, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
