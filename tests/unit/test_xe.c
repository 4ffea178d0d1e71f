/*
 * Tests for the xe backend (bench/backends/xe.c), driven through the
 * ioctl-level fake (tests/fakes/fake_xe.c) since no machine here has an
 * Intel GPU. Negative cases first: nodes that are not xe, an unknown
 * placement, VRAM asked of an integrated device, refused device queries,
 * every "not supported" errno from every probing ioctl becoming a skip with
 * its reason, a banned queue stopping the job, every error path leaving
 * nothing behind. Then the paths on Lunar Lake, Battlemage, Meteor Lake, a
 * media-only GT and a 6.8 kernel: create per placement, populate as a
 * waited MAP + UNMAP pair, the exec variant, mmap, userptr bindings, PRIME
 * both ways, and the device facts. After every case the fake must report no
 * open handle, VM, binding, exec queue, syncobj, mapping or fd, and no
 * ioctl of a wrong size.
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
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "backends/xe.h"
#include "backends/xe_ioctl.h"
#include "../fakes/fake_xe.h"

static const struct gb_backend_ops *ops = &gb_backend_xe;

/* The fake of the running test, destroyed by teardown() when an assertion jumped out. */
static struct fake_xe *live_fake;

static int teardown(void **state)
{
	fake_xe_destroy(live_fake);
	live_fake = NULL;
	return 0;
}

struct benv {
	struct fake_xe *f;
	struct gb_dev dev;
	char spec[96];
};

/* Creates the fake; rules may be added before benv_open(). @place: NULL or ":vram"... */
static void benv_fake(struct benv *b, const struct fake_xe_config *cfg, const char *place)
{
	memset(b, 0, sizeof(*b));
	b->f = live_fake = fake_xe_create(cfg);
	assert_non_null(b->f);
	b->dev.ops = ops;
	b->dev.fd = -1;
	snprintf(b->spec, sizeof(b->spec), "%s%s", fake_xe_path(b->f), place ? place : "");
}

static int benv_open(struct benv *b)
{
	return ops->open(&b->dev, b->spec);
}

static void benv_start(struct benv *b, const struct fake_xe_config *cfg, const char *place)
{
	benv_fake(b, cfg, place);
	assert_int_equal(benv_open(b), 0);
}

static void assert_no_leaks(struct benv *b)
{
	char why[256];

	if (fake_xe_leaks(b->f, why, sizeof(why)))
		fail_msg("%s", why);
}

/* What a correct caller never makes xe do, though xe would accept it. */
static void assert_clean_binds(struct benv *b)
{
	const struct fake_xe_stats *s = fake_xe_stats(b->f);

	assert_int_equal(s->size_mismatch, 0);
	assert_int_equal(s->overlaps, 0);
	assert_int_equal(s->empty_unmaps, 0);
	assert_int_equal(s->unwaited, 0);
	assert_int_equal(s->bad_batches, 0);
}

static void benv_stop(struct benv *b, bool opened)
{
	if (opened)
		ops->close(&b->dev);
	assert_int_equal(b->dev.fd, -1);
	assert_null(b->dev.priv);
	assert_no_leaks(b);
	assert_int_equal(fake_xe_stats(b->f)->size_mismatch, 0);
	fake_xe_destroy(b->f);
	live_fake = NULL;
}

static int probe(struct benv *b, enum gb_feature feat, unsigned variant, char *why, size_t len)
{
	why[0] = '\0';
	return ops->probe(&b->dev, feat, variant, why, len);
}

/* Bindings that stay for the life of the VM: the batch, where the device can exec. */
static unsigned resident_bindings(struct benv *b)
{
	char why[256];

	return probe(b, GB_FEAT_BIND, XE_BIND_EXEC, why, sizeof(why)) == 0 ? 1 : 0;
}

/* --- the ops table --------------------------------------------------------- */

static void test_backend_check(void **state)
{
	char why[256] = "";

	assert_int_equal(gb_backend_check(ops, why, sizeof(why)), 0);
	assert_ptr_equal(gb_backend_find("xe"), ops);
}

/* --- opening: negative cases first ----------------------------------------- */

static void test_open_not_xe(void **state)
{
	struct gb_dev dev = { .ops = ops, .fd = -1 };
	struct fake_xe_config lnl = fake_xe_lnl();
	struct benv b;

	/* not a DRM node at all */
	assert_int_equal(ops->open(&dev, "/dev/null"), -ENODEV);
	assert_non_null(strstr(dev.why, "not a DRM node"));
	assert_int_equal(dev.fd, -1);

	/* another driver's name */
	memset(&dev, 0, sizeof(dev));
	dev.fd = -1;
	assert_int_equal(ops->open(&dev, "vgem"), -ENODEV);
	assert_non_null(strstr(dev.why, "xe only"));

	/* an unknown placement after a name is the job file's mistake, not a missing device */
	memset(&dev, 0, sizeof(dev));
	dev.fd = -1;
	assert_int_equal(ops->open(&dev, "xe:vram-wb"), -EINVAL);
	assert_non_null(strstr(dev.why, "unknown placement 'vram-wb'"));
	assert_int_equal(dev.fd, -1);

	/* a path keeps its colons: by-path names have them (this one does not exist) */
	memset(&dev, 0, sizeof(dev));
	dev.fd = -1;
	assert_int_equal(ops->open(&dev, "/nonexistent/pci-0000:03:00.0-render"), -ENOENT);

	/* a placement after a path is still a placement */
	benv_fake(&b, &lnl, ":sys-wc");
	assert_int_equal(benv_open(&b), 0);
	benv_stop(&b, true);
}

/* VRAM is a placement of discrete devices only: integrated ones skip the job, with the reason. */
static void test_vram_only_on_discrete(void **state)
{
	static const struct {
		struct fake_xe_config (*config)(void);
		int want;
	} rows[] = {
		{ fake_xe_lnl, -ENODEV },        /* integrated: skipped at open */
		{ fake_xe_mtl, -ENODEV },        /* integrated */
		{ fake_xe_bmg, 0 },              /* discrete: VRAM objects, WC, 64 KiB pages */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_xe_config cfg = rows[i].config();
		struct gb_bo bo = { .fd = -1 };
		bool vram = false, wc = false;
		uint64_t size = 0;
		struct benv b;

		benv_fake(&b, &cfg, ":vram");
		assert_int_equal(benv_open(&b), rows[i].want);
		if (rows[i].want) {
			assert_non_null(strstr(b.dev.why, "no VRAM region"));
			assert_int_equal(fake_xe_stats(b.f)->vram_objects, 0);
			benv_stop(&b, false);
			continue;
		}
		assert_int_equal(ops->bo_create(&b.dev, 4096, &bo), 0);
		assert_true(fake_xe_object(b.f, bo.handle, &size, &vram, &wc, NULL));
		assert_true(vram);
		assert_true(wc); /* xe refuses WB for VRAM */
		assert_int_equal(size, 65536);
		assert_int_equal(bo.size, 65536);
		/* CPU-mappable on a small-BAR card too */
		assert_int_equal(fake_xe_stats(b.f)->visible_vram_objects,
				 fake_xe_stats(b.f)->vram_objects);
		/* the MAP range follows the region's page size, or xe says -EINVAL */
		assert_int_equal(ops->bo_populate(&b.dev, &bo, 0), 0);
		assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		assert_clean_binds(&b);
		benv_stop(&b, true);
	}
}

/* System-memory placements never land in VRAM, on any device; the caching is the spec's. */
static void test_system_placements(void **state)
{
	static const struct {
		const char *place;
		bool wc;
	} rows[] = {
		{ NULL, false },       /* default: sys-wb */
		{ ":sys-wb", false },
		{ ":sys-wc", true },
	};

	for (const struct fake_xe_profile *p = fake_xe_profiles; p->name; p++) {
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct fake_xe_config cfg = p->config();
			struct gb_bo bo = { .fd = -1 };
			bool vram = true, wc = !rows[i].wc;
			struct benv b;

			benv_start(&b, &cfg, rows[i].place);
			assert_int_equal(ops->bo_create(&b.dev, 8192, &bo), 0);
			assert_true(fake_xe_object(b.f, bo.handle, NULL, &vram, &wc, NULL));
			assert_false(vram);
			assert_int_equal(wc, rows[i].wc);
			assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
			benv_stop(&b, true);
		}
	}
}

/* A refused CONFIG or MEM_REGIONS query: open fails, names the query, leaves nothing open. */
static void test_open_query_refused(void **state)
{
	static const int errs[] = { EINVAL, ENODEV, EIO };
	struct fake_xe_config lnl = fake_xe_lnl();

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		for (unsigned skip = 0; skip < 4; skip += 2) { /* 0: CONFIG, 2: MEM_REGIONS */
			struct benv b;

			benv_fake(&b, &lnl, NULL);
			fake_xe_refuse(b.f, DRM_IOCTL_XE_DEVICE_QUERY, errs[i], skip, 1);
			assert_int_equal(benv_open(&b), -errs[i]);
			assert_non_null(strstr(b.dev.why, skip ? "MEM_REGIONS" : "CONFIG"));
			benv_stop(&b, false);
		}
	}
}

/*
 * Every "not supported" errno from every ioctl a feature's probe makes
 * skips exactly the features that need it, with a reason naming xe and the
 * operation, and the others still work. VM_BIND order in open() on Lunar
 * Lake: the PAT probe's MAPs with index 0 (#0) and 3 (#1), refused as not
 * coherent, and 2 (#2) + UNMAP (#3); populate MAP (#4) + UNMAP (#5); exec:
 * the batch's MAP (#6), the object's (#7), UNMAP (#8); MAP_USERPTR (#9) +
 * UNMAP (#10). GEM_CREATE: the PAT probe's object, the probe object, the
 * batch.
 */
static void test_refusal_is_skip(void **state)
{
	static const int errs[] = { ENODEV, EINVAL, EOPNOTSUPP, ENOTTY };
	enum { C = 1 << GB_FEAT_CREATE, P = 1 << GB_FEAT_POPULATE, M = 1 << GB_FEAT_MMAP,
	       E = 1 << GB_FEAT_EXPORT, I = 1 << GB_FEAT_IMPORT, U = 1 << GB_FEAT_USERPTR,
	       B = 1 << GB_FEAT_BIND };
	static const struct {
		unsigned long request;
		unsigned skip;
		unsigned refused; /* features that must be skipped */
		const char *why;  /* in their reason */
	} rows[] = {
		{ DRM_IOCTL_XE_GEM_CREATE, 0, P | U | B | I, "GEM_CREATE sys-wb (PAT probe)" },
		{ DRM_IOCTL_XE_GEM_CREATE, 1, C | P | M | E | I | U | B, "GEM_CREATE sys-wb 4096" },
		{ DRM_IOCTL_XE_GEM_MMAP_OFFSET, 0, M, "GEM_MMAP_OFFSET" },
		{ DRM_IOCTL_XE_VM_BIND, 2, P | U | B | I, "PAT index 0, 3 or 2" },
		{ DRM_IOCTL_XE_VM_BIND, 4, P, "VM_BIND MAP + UNMAP" },
		{ DRM_IOCTL_XE_VM_BIND, 6, B, "batch + EXEC_QUEUE_CREATE" },
		{ DRM_IOCTL_XE_VM_BIND, 7, B, "EXEC" },
		{ DRM_IOCTL_XE_VM_BIND, 9, U, "MAP_USERPTR" },
		{ DRM_IOCTL_XE_EXEC_QUEUE_CREATE, 0, B, "EXEC_QUEUE_CREATE" },
		{ DRM_IOCTL_XE_EXEC, 0, B, "EXEC (MI_BATCH_BUFFER_END)" },
		{ DRM_IOCTL_XE_VM_CREATE, 0, P | U | B | I, "VM_CREATE" },
		{ DRM_IOCTL_SYNCOBJ_CREATE, 0, P | U | B | I, "SYNCOBJ_CREATE" },
		{ DRM_IOCTL_PRIME_HANDLE_TO_FD, 0, E | I, "PRIME_HANDLE_TO_FD" },
		{ DRM_IOCTL_PRIME_FD_TO_HANDLE, 0, I, "PRIME_FD_TO_HANDLE" },
	};
	struct fake_xe_config lnl = fake_xe_lnl();

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		for (size_t e = 0; e < sizeof(errs) / sizeof(errs[0]); e++) {
			char why[256];
			struct benv b;

			benv_fake(&b, &lnl, NULL);
			fake_xe_refuse(b.f, rows[r].request, errs[e], rows[r].skip, 1);
			assert_int_equal(benv_open(&b), 0);
			for (int feat = 0; feat < GB_FEAT_COUNT; feat++) {
				int err;

				if (feat == GB_FEAT_PREAD)
					continue; /* no such capability: never probed by gembench */
				err = probe(&b, feat, 0, why, sizeof(why));
				if (!(rows[r].refused & (1u << feat))) {
					if (err)
						fail_msg("row %zu errno %d: %s refused: %s", r, errs[e],
							 gb_feature_name(feat), why);
					continue;
				}
				assert_int_equal(err, -errs[e]);
				assert_true(gb_err_unsupported(err));
				assert_non_null(strstr(why, "xe: "));
				if (!strstr(why, rows[r].why))
					fail_msg("row %zu: '%s' lacks '%s'", r, why, rows[r].why);
			}
			benv_stop(&b, true);
		}
	}
}

/* A media-only GT has no render or copy engine: the exec variant is skipped, the rest works. */
static void test_exec_needs_render_or_copy(void **state)
{
	struct fake_xe_config media = fake_xe_media_only();
	struct gb_bo bo = { .fd = -1 };
	char why[256];
	struct benv b;

	benv_start(&b, &media, NULL);
	assert_int_equal(probe(&b, GB_FEAT_BIND, XE_BIND_EXEC, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "no render or copy engine"));
	assert_int_equal(probe(&b, GB_FEAT_POPULATE, 0, why, sizeof(why)), 0);
	assert_int_equal(fake_xe_live_queues(b.f), 0);
	assert_int_equal(ops->bo_create(&b.dev, 4096, &bo), 0);
	assert_int_equal(ops->bo_bind(&b.dev, &bo, XE_BIND_EXEC), -EINVAL);
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
	benv_stop(&b, true);
}

/*
 * A hung GPU bans the queue: EXEC says -ECANCELED, which stops the job, and
 * an -EIO while the queue is banned does too. Without a ban -EIO is a
 * result (SWIOTLB refusing an import's mapping says -EIO), and refusals are
 * never fatal.
 */
static void test_banned_queue_stops_job(void **state)
{
	struct fake_xe_config lnl = fake_xe_lnl();
	struct gb_bo bo = { .fd = -1 };
	unsigned base;
	struct benv b;

	benv_start(&b, &lnl, NULL);
	base = fake_xe_live_bindings(b.f);
	assert_false(ops->fatal(&b.dev, -EIO));
	assert_false(ops->fatal(&b.dev, -EINVAL));
	assert_false(ops->fatal(&b.dev, -ENOSPC));
	assert_int_equal(ops->bo_create(&b.dev, 65536, &bo), 0);
	assert_int_equal(ops->bo_bind(&b.dev, &bo, XE_BIND_EXEC), 0);

	fake_xe_ban_queues(b.f);
	assert_int_equal(ops->bo_bind(&b.dev, &bo, XE_BIND_EXEC), -ECANCELED);
	assert_true(ops->fatal(&b.dev, -ECANCELED));
	assert_true(ops->fatal(&b.dev, -EIO));
	/* the failed exec still unbinds the object */
	assert_int_equal(fake_xe_live_bindings(b.f), base);
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
	benv_stop(&b, true);
}

/* A device that cannot even answer about its queue (wedged): -EIO is fatal. */
static void test_eio_with_unanswered_ban_is_fatal(void **state)
{
	struct fake_xe_config lnl = fake_xe_lnl();
	struct benv b;

	benv_start(&b, &lnl, NULL);
	fake_xe_refuse(b.f, DRM_IOCTL_XE_EXEC_QUEUE_GET_PROPERTY, EIO, 0, 0);
	assert_true(ops->fatal(&b.dev, -EIO));
	benv_stop(&b, true);
}

/*
 * Every failure inside a hook leaves no handle, binding or allocation behind,
 * and each accepted MAP is unmapped even when what follows it fails.
 */
static void test_error_paths_leave_nothing(void **state)
{
	struct fake_xe_config lnl = fake_xe_lnl();
	struct gb_bo bo = { .fd = -1 }, imp = { .fd = -1 }, up = { .fd = -1 };
	size_t len = 16 * 4096;
	unsigned base, handles;
	void *mem;
	int dmabuf;
	struct benv b;

	benv_start(&b, &lnl, NULL);
	base = fake_xe_live_bindings(b.f);
	assert_int_equal(ops->bo_create(&b.dev, 65536, &bo), 0);
	handles = fake_xe_open_handles(b.f);

	/* populate: the MAP's wait fails -> the UNMAP still runs */
	fake_xe_refuse(b.f, DRM_IOCTL_SYNCOBJ_WAIT, EINVAL, 0, 1);
	assert_int_equal(ops->bo_populate(&b.dev, &bo, 0), -EINVAL);
	assert_int_equal(fake_xe_live_bindings(b.f), base);

	/* exec: EXEC refused -> the UNMAP still runs */
	fake_xe_refuse(b.f, DRM_IOCTL_XE_EXEC, EINVAL, 0, 1);
	assert_int_equal(ops->bo_bind(&b.dev, &bo, XE_BIND_EXEC), -EINVAL);
	assert_int_equal(fake_xe_live_bindings(b.f), base);

	/* a foreign import whose bind is refused: the imported handle is closed */
	dmabuf = fake_xe_foreign_dmabuf(b.f, 65536);
	assert_true(dmabuf >= 0);
	fake_xe_refuse(b.f, DRM_IOCTL_XE_VM_BIND, ENOSPC, 0, 1);
	assert_int_equal(ops->bo_import(&b.dev, dmabuf, 65536, &imp), -ENOSPC);
	assert_int_equal(fake_xe_open_handles(b.f), handles);
	close(dmabuf);

	/* userptr: the MAP_USERPTR's wait fails -> unbound, nothing kept */
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	memset(mem, 1, len);
	fake_xe_refuse(b.f, DRM_IOCTL_SYNCOBJ_WAIT, EINVAL, 0, 1);
	assert_int_equal(ops->bo_userptr(&b.dev, mem, len, 0, &up), -EINVAL);
	assert_int_equal(fake_xe_live_bindings(b.f), base);
	assert_null(up.priv);
	/* and refused outright */
	fake_xe_refuse(b.f, DRM_IOCTL_XE_VM_BIND, EFAULT, 0, 1);
	assert_int_equal(ops->bo_userptr(&b.dev, mem, len, 0, &up), -EFAULT);
	assert_int_equal(fake_xe_live_bindings(b.f), base);
	/* not page aligned: refused before any ioctl */
	assert_int_equal(ops->bo_userptr(&b.dev, (char *)mem + 64, 4096, 0, &up), -EINVAL);

	/* create refused: nothing held */
	fake_xe_refuse(b.f, DRM_IOCTL_XE_GEM_CREATE, ENOMEM, 0, 1);
	assert_int_equal(ops->bo_create(&b.dev, 4096, &imp), -ENOMEM);
	assert_int_equal(fake_xe_open_handles(b.f), handles);

	/* a failing GEM_CLOSE is reported and the bo is released anyway */
	handles = bo.handle;
	fake_xe_refuse(b.f, DRM_IOCTL_GEM_CLOSE, EIO, 0, 1);
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), -EIO);
	assert_int_equal(bo.handle, 0);
	/* the kernel frees it with the fd; the fake cannot see close(2): close it here */
	assert_int_equal(__gem_close(b.dev.fd, handles), 0);
	munmap(mem, len);
	benv_stop(&b, true);
}

/*
 * Populate is one waited MAP and one waited UNMAP at the same address: the
 * pages are DMA-mapped by the first MAP and stay mapped while the object
 * lives (xe unmaps them when it frees the object), on every profile.
 */
static void test_populate_pairs_map_and_unmap(void **state)
{
	for (const struct fake_xe_profile *p = fake_xe_profiles; p->name; p++) {
		struct fake_xe_config cfg = p->config();
		struct gb_bo bo = { .fd = -1 };
		struct fake_xe_stats s0;
		unsigned base, maps = 0;
		struct benv b;

		benv_start(&b, &cfg, NULL);
		base = fake_xe_live_bindings(b.f);
		assert_int_equal(base, resident_bindings(&b));
		s0 = *fake_xe_stats(b.f);
		assert_int_equal(ops->bo_create(&b.dev, 1 << 20, &bo), 0);
		assert_int_equal(ops->bo_populate(&b.dev, &bo, 0), 0);
		assert_int_equal(fake_xe_stats(b.f)->maps, s0.maps + 1);
		assert_int_equal(fake_xe_stats(b.f)->unmaps, s0.unmaps + 1);
		assert_int_equal(fake_xe_stats(b.f)->dma_maps, s0.dma_maps + 1);
		assert_int_equal(fake_xe_stats(b.f)->waits, s0.waits + 2);
		assert_int_equal(fake_xe_live_bindings(b.f), base);
		assert_int_equal(fake_xe_dma_mapped_bytes(b.f) >= (1 << 20), true);
		/* again: bound and unbound again, the pages were mapped already */
		assert_int_equal(ops->bo_populate(&b.dev, &bo, 0), 0);
		assert_true(fake_xe_object(b.f, bo.handle, NULL, NULL, NULL, &maps));
		assert_int_equal(maps, 2);
		assert_int_equal(fake_xe_stats(b.f)->dma_maps, s0.dma_maps + 1);
		assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		assert_int_equal(fake_xe_stats(b.f)->dma_unmaps, s0.dma_unmaps + 1);
		assert_clean_binds(&b);
		benv_stop(&b, true);
	}
}

/*
 * The exec variant runs a batch that ends at once, with the object mapped,
 * on each device with a render or copy engine.
 */
static void test_exec(void **state)
{
	for (const struct fake_xe_profile *p = fake_xe_profiles; p->name; p++) {
		struct fake_xe_config cfg = p->config();
		struct gb_bo bo = { .fd = -1 };
		unsigned execs, maps = 0;
		char why[256];
		struct benv b;

		if (!cfg.has_render && !cfg.has_copy)
			continue;
		benv_start(&b, &cfg, cfg.discrete ? ":vram" : NULL);
		assert_int_equal(probe(&b, GB_FEAT_BIND, XE_BIND_EXEC, why, sizeof(why)), 0);
		assert_int_equal(fake_xe_live_queues(b.f), 1);
		execs = fake_xe_stats(b.f)->execs;
		assert_int_equal(ops->bo_create(&b.dev, 4 << 20, &bo), 0);
		assert_int_equal(ops->bo_bind(&b.dev, &bo, XE_BIND_EXEC), 0);
		assert_int_equal(fake_xe_stats(b.f)->execs, execs + 1);
		assert_true(fake_xe_object(b.f, bo.handle, NULL, NULL, NULL, &maps));
		assert_int_equal(maps, 1);
		assert_int_equal(fake_xe_live_bindings(b.f), 1); /* the batch only */
		assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		assert_clean_binds(&b);
		benv_stop(&b, true);
	}
}

/* mmap: read/write through GEM_MMAP_OFFSET + mmap, unmapped by bo_munmap. */
static void test_mmap(void **state)
{
	static const char *const places[] = { NULL, ":sys-wc", ":vram" };
	struct fake_xe_config bmg = fake_xe_bmg();

	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		struct gb_bo bo = { .fd = -1 };
		uint32_t *ptr = NULL;
		struct benv b;

		benv_start(&b, &bmg, places[i]);
		assert_int_equal(ops->bo_create(&b.dev, 1 << 20, &bo), 0);
		assert_int_equal(ops->bo_mmap(&b.dev, &bo, 0, (void **)&ptr), 0);
		for (size_t w = 0; w < (1 << 20) / 4; w += 1024)
			ptr[w] = (uint32_t)w;
		for (size_t w = 0; w < (1 << 20) / 4; w += 1024)
			assert_int_equal(ptr[w], w);
		assert_int_equal(fake_xe_live_mappings(b.f), 1);
		assert_int_equal(ops->bo_munmap(&b.dev, &bo, ptr), 0);
		assert_int_equal(fake_xe_live_mappings(b.f), 0);
		assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		benv_stop(&b, true);
	}
}

/*
 * userptr: a MAP_USERPTR binding at its own address per buffer (two live at
 * once never overlap), DMA-mapped at the bind, unbound by bo_destroy; the
 * memory is page aligned and deliberately non-contiguous (pages of a larger
 * mapping, every other one given back). Populate adds no bind: the binding
 * mapped the pages already.
 */
static void test_userptr(void **state)
{
	struct fake_xe_config lnl = fake_xe_lnl();
	struct gb_bo a = { .fd = -1 }, c = { .fd = -1 };
	size_t page = 4096, n = 32;
	struct fake_xe_stats s0;
	unsigned base;
	char *mem;
	struct benv b;

	benv_start(&b, &lnl, NULL);
	base = fake_xe_live_bindings(b.f);
	s0 = *fake_xe_stats(b.f);
	mem = mmap(NULL, 2 * n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	/* fault pages in backwards so neighbours are not physically adjacent */
	for (size_t i = 2 * n; i-- > 0;)
		mem[i * page] = (char)i;

	assert_int_equal(ops->bo_userptr(&b.dev, mem, n * page, 0, &a), 0);
	assert_int_equal(ops->bo_userptr(&b.dev, mem + n * page, n * page, 0, &c), 0);
	assert_int_equal(a.handle, 0);
	assert_non_null(a.priv);
	assert_int_equal(fake_xe_stats(b.f)->userptr_maps, s0.userptr_maps + 2);
	assert_int_equal(fake_xe_stats(b.f)->dma_maps, s0.dma_maps + 2);
	assert_int_equal(fake_xe_live_bindings(b.f), base + 2);
	assert_int_equal(ops->bo_populate(&b.dev, &a, 0), 0);
	assert_int_equal(fake_xe_stats(b.f)->maps, s0.maps);
	/* the exec variant runs with the userptr bound where it is */
	assert_int_equal(ops->bo_bind(&b.dev, &a, XE_BIND_EXEC), 0);
	/* a userptr binding is no object: no CPU map or export of it */
	assert_int_equal(ops->bo_export(&b.dev, &a, &(int){ -1 }), -EOPNOTSUPP);

	assert_int_equal(ops->bo_destroy(&b.dev, &a), 0);
	assert_int_equal(ops->bo_destroy(&b.dev, &c), 0);
	assert_null(a.priv);
	assert_int_equal(fake_xe_live_bindings(b.f), base);
	assert_int_equal(fake_xe_stats(b.f)->dma_unmaps, s0.dma_unmaps + 2);
	munmap(mem, 2 * n * page);
	assert_clean_binds(&b);
	benv_stop(&b, true);
}

/*
 * PRIME: export gives a new fd the caller owns; a foreign import (udmabuf ->
 * xe) is mapped inside the import, by a bind that is undone there; a
 * self-import shares the handle and maps nothing, and each bo_destroy drops
 * one reference.
 */
static void test_prime(void **state)
{
	struct fake_xe_config bmg = fake_xe_bmg();
	struct gb_bo bo = { .fd = -1 }, self = { .fd = -1 }, foreign = { .fd = -1 };
	struct fake_xe_stats s0;
	int dmabuf = -1, udma;
	unsigned base;
	struct benv b;

	benv_start(&b, &bmg, NULL);
	base = fake_xe_live_bindings(b.f);
	assert_int_equal(ops->bo_create(&b.dev, 65536, &bo), 0);
	assert_int_equal(ops->bo_export(&b.dev, &bo, &dmabuf), 0);
	assert_true(dmabuf >= 0);

	s0 = *fake_xe_stats(b.f);
	assert_int_equal(ops->bo_import(&b.dev, dmabuf, 65536, &self), 0);
	assert_int_equal(self.handle, bo.handle);
	assert_int_equal(fake_xe_stats(b.f)->maps, s0.maps);
	close(dmabuf);
	assert_int_equal(ops->bo_destroy(&b.dev, &self), 0);
	assert_true(fake_xe_object(b.f, bo.handle, NULL, NULL, NULL, NULL)); /* still ours */
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);

	udma = fake_xe_foreign_dmabuf(b.f, 3 * 4096);
	assert_true(udma >= 0);
	s0 = *fake_xe_stats(b.f);
	assert_int_equal(ops->bo_import(&b.dev, udma, 3 * 4096, &foreign), 0);
	assert_int_equal(fake_xe_stats(b.f)->dmabuf_maps, s0.dmabuf_maps + 1);
	assert_int_equal(fake_xe_live_bindings(b.f), base);
	assert_int_equal(ops->bo_destroy(&b.dev, &foreign), 0);
	close(udma);
	assert_clean_binds(&b);
	benv_stop(&b, true);

	/* in a VRAM job a foreign import still binds in 4 KiB pages: it lives in system memory */
	benv_start(&b, &bmg, ":vram");
	udma = fake_xe_foreign_dmabuf(b.f, 3 * 4096);
	assert_true(udma >= 0);
	assert_int_equal(ops->bo_import(&b.dev, udma, 3 * 4096, &foreign), 0);
	assert_int_equal(ops->bo_populate(&b.dev, &foreign, 0), 0);
	assert_int_equal(ops->bo_bind(&b.dev, &foreign, XE_BIND_EXEC), 0);
	assert_int_equal(ops->bo_destroy(&b.dev, &foreign), 0);
	close(udma);
	assert_clean_binds(&b);
	benv_stop(&b, true);
}

/* The device facts in the document, per profile. */
static void test_describe(void **state)
{
	static const struct {
		struct fake_xe_config (*config)(void);
		const char *place, *kind, *ip, *exec_engine, *caching;
		int usm; /* 1 true, 0 false */
		bool vram;
	} rows[] = {
		{ fake_xe_lnl, NULL, "integrated", "20.04", "render", "wb", 1, false },
		{ fake_xe_bmg, ":vram", "discrete", "20.01", "render", "wc", 1, true },
		{ fake_xe_mtl, ":sys-wc", "integrated", "12.70", "render", "wc", 0, false },
		{ fake_xe_media_only, NULL, "integrated", "20.04", NULL, "wb", 1, false },
		{ fake_xe_lnl_6_8, NULL, "integrated", NULL, "render", "wb", 1, false },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_xe_config cfg = rows[i].config();
		json_t *d = json_object(), *engines;
		struct benv b;

		benv_start(&b, &cfg, rows[i].place);
		assert_int_equal(ops->describe(&b.dev, d), 0);
		assert_string_equal(json_string_value(json_object_get(d, "kind")), rows[i].kind);
		if (rows[i].ip)
			assert_string_equal(json_string_value(json_object_get(d, "graphics_ip")),
					    rows[i].ip);
		else
			assert_true(json_is_null(json_object_get(d, "graphics_ip")));
		if (rows[i].exec_engine) {
			assert_string_equal(json_string_value(json_object_get(d, "exec_engine")),
					    rows[i].exec_engine);
			assert_null(json_object_get(json_object_get(d, "refused"), "bind:exec"));
		} else {
			assert_true(json_is_null(json_object_get(d, "exec_engine")));
			assert_non_null(json_object_get(json_object_get(d, "refused"), "bind:exec"));
		}
		assert_int_equal(json_integer_value(json_object_get(d, "pat_index")),
				 cfg.coherent_pats & 1u << 3 ? 3 : 2);
		assert_true(json_is_boolean(json_object_get(d, "has_usm")));
		assert_int_equal(json_is_true(json_object_get(d, "has_usm")), rows[i].usm);
		assert_int_equal(json_is_integer(json_object_get(d, "vram_bytes")), rows[i].vram);
		assert_int_equal(json_is_null(json_object_get(d, "vram_bytes")), !cfg.discrete);
		assert_string_equal(json_string_value(json_object_get(d, "cpu_caching")),
				    rows[i].caching);
		assert_non_null(json_string_value(json_object_get(d, "device_id")));
		engines = json_object_get(d, "engines");
		assert_true(json_is_object(engines));
		assert_non_null(json_object_get(engines, "video-decode"));
		json_decref(d);
		benv_stop(&b, true);
	}
}

/* The wrappers fill every MBZ field with zero: the fake refuses nothing in a full walk. */
static void test_full_walk_refuses_nothing(void **state)
{
	for (const struct fake_xe_profile *p = fake_xe_profiles; p->name; p++) {
		struct fake_xe_config cfg = p->config();
		struct gb_bo bo = { .fd = -1 };
		void *ptr;
		int fd;
		struct benv b;

		benv_start(&b, &cfg, NULL);
		assert_int_equal(ops->bo_create(&b.dev, 1 << 16, &bo), 0);
		assert_int_equal(ops->bo_populate(&b.dev, &bo, 0), 0);
		assert_int_equal(ops->bo_mmap(&b.dev, &bo, 0, &ptr), 0);
		assert_int_equal(ops->bo_munmap(&b.dev, &bo, ptr), 0);
		assert_int_equal(ops->bo_export(&b.dev, &bo, &fd), 0);
		close(fd);
		assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		/*
		 * The only refusals are the probes' questions: the PAT probe's
		 * non-coherent indices (0 and 3 on Xe2, 0 on Meteor Lake) and,
		 * without USM, the fault-mode VM.
		 */
		assert_int_equal(fake_xe_stats(b.f)->refused,
				 (cfg.coherent_pats & 1u << 3 ? 1u : 2u) + !cfg.has_usm);
		assert_clean_binds(&b);
		benv_stop(&b, true);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_backend_check, teardown),
		cmocka_unit_test_teardown(test_open_not_xe, teardown),
		cmocka_unit_test_teardown(test_vram_only_on_discrete, teardown),
		cmocka_unit_test_teardown(test_system_placements, teardown),
		cmocka_unit_test_teardown(test_open_query_refused, teardown),
		cmocka_unit_test_teardown(test_refusal_is_skip, teardown),
		cmocka_unit_test_teardown(test_exec_needs_render_or_copy, teardown),
		cmocka_unit_test_teardown(test_banned_queue_stops_job, teardown),
		cmocka_unit_test_teardown(test_eio_with_unanswered_ban_is_fatal, teardown),
		cmocka_unit_test_teardown(test_error_paths_leave_nothing, teardown),
		cmocka_unit_test_teardown(test_populate_pairs_map_and_unmap, teardown),
		cmocka_unit_test_teardown(test_exec, teardown),
		cmocka_unit_test_teardown(test_mmap, teardown),
		cmocka_unit_test_teardown(test_userptr, teardown),
		cmocka_unit_test_teardown(test_prime, teardown),
		cmocka_unit_test_teardown(test_describe, teardown),
		cmocka_unit_test_teardown(test_full_walk_refuses_nothing, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
