/*
 * Tests for the i915 backend (bench/backends/i915.c), driven through the
 * ioctl-level fake (tests/fakes/fake_i915.c) since no machine here has an
 * Intel GPU. Negative cases first: devices that are not i915, refusals at
 * open, every "not supported" errno becoming a skip with its reason, -EIO
 * stopping the job, every error path leaving nothing behind. Then the
 * paths themselves on an integrated gen12, a discrete DG2 and an old
 * kernel: create/create_ext fallback, populate, each mmap type and its
 * legacy fallback, FIXED-only on discrete, userptr (read-only too) and its
 * populate, the execbuf bind with the flags retry, pread, PRIME both ways,
 * and the device facts. After every case the fake must report no open
 * handle, mapping or fd.
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

#include "backend.h"
#include "drmdev.h"
#include "backends/i915.h"
#include "backends/i915_ioctl.h"
#include "../fakes/fake_i915.h"

static const struct gb_backend_ops *ops = &gb_backend_i915;

/* The fake of the running test, destroyed by teardown() when an assertion jumped out. */
static struct fake_i915 *live_fake;

static int teardown(void **state)
{
	fake_i915_destroy(live_fake);
	live_fake = NULL;
	return 0;
}

struct benv {
	struct fake_i915 *f;
	struct gb_dev dev;
};

/* Creates the fake; rules may be added before benv_open(). */
static void benv_fake(struct benv *b, const struct fake_i915_config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->f = live_fake = fake_i915_create(cfg);
	assert_non_null(b->f);
	b->dev.ops = ops;
	b->dev.fd = -1;
}

static int benv_open(struct benv *b)
{
	return ops->open(&b->dev, fake_i915_path(b->f));
}

static void benv_start(struct benv *b, const struct fake_i915_config *cfg)
{
	benv_fake(b, cfg);
	assert_int_equal(benv_open(b), 0);
}

static void assert_no_leaks(struct benv *b)
{
	char why[128];

	if (fake_i915_leaks(b->f, why, sizeof(why)))
		fail_msg("%s", why);
}

static void benv_stop(struct benv *b, bool opened)
{
	if (opened)
		ops->close(&b->dev);
	assert_int_equal(b->dev.fd, -1);
	assert_no_leaks(b);
	assert_int_equal(fake_i915_stats(b->f)->size_mismatch, 0);
	assert_int_equal(fake_i915_stats(b->f)->unterminated, 0);
	fake_i915_destroy(b->f);
	live_fake = NULL;
}

/* Configurations the tables use: the fake's device profiles, and a few variations. */
enum kind { GEN12, DG2, GEN9_OLD, NO_USERPTR, NO_APERTURE, GEN9, TGL, DG1, MTL, KIND_COUNT };

static struct fake_i915_config config(enum kind k)
{
	struct fake_i915_config c = fake_i915_integrated(); /* Alder Lake-P */

	switch (k) {
	case GEN12:
		break;
	case DG2:
		c = fake_i915_dg2();
		break;
	case GEN9_OLD: /* a 4.x/5.x kernel on a Skylake */
		c = fake_i915_gen9();
		c.mmap_gtt_version = 3;
		c.has_create_ext = false;
		c.has_query = false;
		c.userptr_probe = -1;
		c.userptr_set_domain = false;
		c.exec_lut = false;
		break;
	case NO_USERPTR: /* neither LLC nor snooping */
		c.has_llc = false;
		c.has_snoop = false;
		break;
	case NO_APERTURE:
		c.has_aperture = false;
		break;
	case GEN9:
		c = fake_i915_gen9();
		break;
	case TGL:
		c = fake_i915_tgl();
		break;
	case DG1:
		c = fake_i915_dg1();
		break;
	case MTL:
		c = fake_i915_mtl();
		break;
	case KIND_COUNT:
		break;
	}
	return c;
}

static int probe(struct benv *b, enum gb_feature feat, unsigned variant, char *why, size_t len)
{
	why[0] = '\0';
	return ops->probe(&b->dev, feat, variant, why, len);
}

/* --- not an i915, refusals at open ---------------------------------------- */

static void test_backend_check(void **state)
{
	char why[256] = "";

	assert_int_equal(gb_backend_check(ops, why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

static void test_open_not_i915(void **state)
{
	static const struct {
		const char *spec; /* what --device said */
		int err;
		const char *why;  /* in dev.why (the skip reason); NULL: strerror is enough */
	} rows[] = {
		{ "vgem", -ENODEV, "drives i915 only" },         /* another driver's name */
		{ "/dev/null", -ENODEV, "/dev/null is not a DRM node" }, /* ENOTTY */
		{ "/nonexistent/dri/card9", -ENOENT, NULL },
	};
	struct fake_i915_config cfg = config(GEN12);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct benv b;

		benv_fake(&b, &cfg);
		assert_int_equal(ops->open(&b.dev, rows[i].spec), rows[i].err);
		if (rows[i].why ? !strstr(b.dev.why, rows[i].why) : b.dev.why[0] != '\0')
			fail_msg("open %s: why '%s', want '%s'", rows[i].spec, b.dev.why,
				 rows[i].why ? rows[i].why : "");
		benv_stop(&b, false);
	}
}

/*
 * The default device and the driver name search the real /dev/dri: where no
 * i915 node exists, open() says -ENODEV (gembench: exit 77); -EACCES/-EPERM
 * where a node could not be opened. Skipped on a machine that has an i915.
 */
static void test_open_default_without_i915(void **state)
{
	static const char *const specs[] = { NULL, "", "i915" };
	struct bl_drm_node nodes[BL_DRM_MAX_NODES];
	size_t n = 0;

	if (bl_drm_list(nodes, BL_DRM_MAX_NODES, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(nodes[i].driver, "i915"))
				skip(); /* a real i915 here: nothing to check without touching it */
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct gb_dev dev = { .ops = ops, .fd = -1 };
		int err = ops->open(&dev, specs[i]);

		assert_true(err == -ENODEV || err == -EACCES || err == -EPERM);
		/* the skip reason says what was searched, not just "No such device" */
		if (!strstr(dev.why, "/dev/dri"))
			fail_msg("open(%s): why '%s' does not say where it looked",
				 specs[i] ? specs[i] : "NULL", dev.why);
		assert_int_equal(dev.fd, -1);
		assert_null(dev.priv);
	}
}

/* A refusal during open(): the job cannot start; nothing stays open. */
static void test_open_refused(void **state)
{
	static const struct {
		const char *what;
		unsigned long request;
		int err;       /* injected, every call */
		unsigned skip; /* calls let through first */
	} rows[] = {
		{ "wedged at the first GETPARAM", DRM_IOCTL_I915_GETPARAM, EIO, 0 },
		{ "no GETPARAM at all", DRM_IOCTL_I915_GETPARAM, ENODEV, 0 },
		{ "wedged at QUERY", DRM_IOCTL_I915_QUERY, EIO, 0 },
		{ "wedged at CREATE_EXT", DRM_IOCTL_I915_GEM_CREATE_EXT, EIO, 0 },
		{ "neither create works", DRM_IOCTL_I915_GEM_CREATE, EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_i915_config cfg = config(GEN12);
		struct benv b;
		int err;

		if (rows[i].request == DRM_IOCTL_I915_GEM_CREATE)
			cfg.has_create_ext = false;
		benv_fake(&b, &cfg);
		fake_i915_refuse(b.f, rows[i].request, rows[i].err, rows[i].skip, 0);
		err = benv_open(&b);
		if (err != -rows[i].err)
			fail_msg("%s: open gave %d, want %d", rows[i].what, err, -rows[i].err);
		assert_null(b.dev.priv);
		benv_stop(&b, false);
	}
}

/* --- every refusal errno becomes a skip with its reason ------------------- */

struct skip_row {
	const char *what;
	enum kind kind;
	unsigned long request;   /* the ioctl the kernel refuses */
	enum gb_feature feat;    /* the variant that must be skipped */
	unsigned variant;
	const char *names;       /* what the reason must name */
	const char *refused_key; /* where describe() lists it */
};

static const struct skip_row skip_rows[] = {
	{ "set-domain cpu", GEN12, DRM_IOCTL_I915_GEM_SET_DOMAIN, GB_FEAT_POPULATE,
	  I915_POPULATE_CPU, "SET_DOMAIN(CPU)", "populate:cpu" },
	{ "set-domain gtt", GEN12, DRM_IOCTL_I915_GEM_SET_DOMAIN, GB_FEAT_POPULATE,
	  I915_POPULATE_GTT_DOMAIN, "SET_DOMAIN(GTT)", "populate:gtt-domain" },
	{ "mmap wb", GEN12, DRM_IOCTL_I915_GEM_MMAP_OFFSET, GB_FEAT_MMAP, I915_MAP_WB,
	  "MMAP_OFFSET(wb)", "mmap:wb" },
	{ "mmap wc", GEN12, DRM_IOCTL_I915_GEM_MMAP_OFFSET, GB_FEAT_MMAP, I915_MAP_WC,
	  "MMAP_OFFSET(wc)", "mmap:wc" },
	{ "mmap gtt", GEN12, DRM_IOCTL_I915_GEM_MMAP_OFFSET, GB_FEAT_MMAP, I915_MAP_GTT,
	  "MMAP_OFFSET(gtt)", "mmap:gtt" },
	{ "mmap fixed", DG2, DRM_IOCTL_I915_GEM_MMAP_OFFSET, GB_FEAT_MMAP, I915_MAP_FIXED,
	  "MMAP_OFFSET(fixed)", "mmap:fixed" },
	{ "legacy mmap wb", GEN9_OLD, DRM_IOCTL_I915_GEM_MMAP, GB_FEAT_MMAP, I915_MAP_WB, "GEM_MMAP",
	  "mmap:wb" },
	{ "legacy mmap gtt", GEN9_OLD, DRM_IOCTL_I915_GEM_MMAP_GTT, GB_FEAT_MMAP, I915_MAP_GTT,
	  "MMAP_GTT", "mmap:gtt" },
	{ "bind", GEN12, DRM_IOCTL_I915_GEM_EXECBUFFER2, GB_FEAT_BIND, 0, "EXECBUFFER2", "bind" },
	{ "userptr rw", GEN12, DRM_IOCTL_I915_GEM_USERPTR, GB_FEAT_USERPTR, I915_USERPTR_RW,
	  "GEM_USERPTR", "userptr:rw" },
	{ "userptr ro", GEN9, DRM_IOCTL_I915_GEM_USERPTR, GB_FEAT_USERPTR, I915_USERPTR_RO,
	  "GEM_USERPTR(READ_ONLY)", "userptr:ro" },
	{ "pread", GEN9_OLD, DRM_IOCTL_I915_GEM_PWRITE, GB_FEAT_PREAD, 0, "GEM_PREAD/PWRITE", "pread" },
	{ "export", GEN12, DRM_IOCTL_PRIME_HANDLE_TO_FD, GB_FEAT_EXPORT, 0, "PRIME_HANDLE_TO_FD",
	  "export" },
	{ "import", GEN12, DRM_IOCTL_PRIME_FD_TO_HANDLE, GB_FEAT_IMPORT, 0, "PRIME_FD_TO_HANDLE",
	  "import" },
};

static void test_refusal_is_skip(void **state)
{
	static const int errnos[] = { ENODEV, EINVAL, EOPNOTSUPP, ENOTTY };

	for (size_t i = 0; i < sizeof(skip_rows) / sizeof(skip_rows[0]); i++) {
		const struct skip_row *r = &skip_rows[i];

		for (size_t e = 0; e < sizeof(errnos) / sizeof(errnos[0]); e++) {
			struct fake_i915_config cfg = config(r->kind);
			json_t *device, *reason;
			char why[256];
			struct benv b;
			int err;

			/* SET_DOMAIN -ENODEV is a discrete part's answer: populate binds (test_populate_by_bind). */
			if (r->variant == I915_POPULATE_CPU && r->feat == GB_FEAT_POPULATE &&
			    errnos[e] == ENODEV)
				continue;
			device = json_object();
			benv_fake(&b, &cfg);
			fake_i915_refuse(b.f, r->request, errnos[e], 0, 0);
			assert_int_equal(benv_open(&b), 0);
			err = probe(&b, r->feat, r->variant, why, sizeof(why));
			if (err != -errnos[e] || !strstr(why, r->names) || !strstr(why, strerror(errnos[e])))
				fail_msg("%s refused with %s: probe %d \"%s\"", r->what, strerror(errnos[e]),
					 err, why);
			assert_true(gb_err_unsupported(err));
			assert_false(ops->fatal(&b.dev, err));
			assert_int_equal(ops->describe(&b.dev, device), 0);
			reason = json_object_get(json_object_get(device, "refused"), r->refused_key);
			if (!json_is_string(reason) || strcmp(json_string_value(reason), why))
				fail_msg("%s: refused[%s] is not the probe's reason", r->what, r->refused_key);
			json_decref(device);
			benv_stop(&b, true);
		}
	}
}

/* -EIO is a wedged GPU: the probe fails (not a skip) and fatal() stops the job. */
static void test_eio_stops_job(void **state)
{
	struct fake_i915_config cfg = config(GEN12);
	struct gb_bo bo = { .fd = -1 };
	char why[256];
	struct benv b;

	/* During probing: the feature's probe says -EIO with the reason. */
	benv_fake(&b, &cfg);
	fake_i915_refuse(b.f, DRM_IOCTL_I915_GEM_SET_DOMAIN, EIO, 0, 0);
	fake_i915_refuse(b.f, DRM_IOCTL_I915_GEM_THROTTLE, EIO, 0, 0); /* wedged */
	assert_int_equal(benv_open(&b), 0);
	assert_int_equal(probe(&b, GB_FEAT_POPULATE, I915_POPULATE_CPU, why, sizeof(why)), -EIO);
	assert_false(gb_err_unsupported(-EIO));
	assert_non_null(strstr(why, "GPU wedged"));
	assert_true(ops->fatal(&b.dev, -EIO));
	benv_stop(&b, true);

	/* While measuring: the hook returns -EIO, fatal() says stop, nothing leaks. */
	benv_start(&b, &cfg);
	assert_int_equal(ops->bo_create(&b.dev, 65536, &bo), 0);
	fake_i915_refuse(b.f, DRM_IOCTL_I915_GEM_EXECBUFFER2, EIO, 0, 0);
	fake_i915_refuse(b.f, DRM_IOCTL_I915_GEM_THROTTLE, EIO, 0, 0);
	assert_int_equal(ops->bo_bind(&b.dev, &bo, 0), -EIO);
	assert_true(ops->fatal(&b.dev, -EIO));
	assert_false(ops->fatal(&b.dev, -ENOSPC));
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
	benv_stop(&b, true);
}

/*
 * -EIO that is not a wedged GPU (an importer whose DMA mapping SWIOTLB
 * refused: "swiotlb buffer is full") is a counted result, not the end.
 */
static void test_eio_not_wedged_is_not_fatal(void **state)
{
	struct fake_i915_config cfg = config(GEN12);
	struct benv b;

	benv_start(&b, &cfg);
	assert_false(ops->fatal(&b.dev, -EIO));
	assert_int_equal(fake_i915_stats(b.f)->calls[_IOC_NR(DRM_IOCTL_I915_GEM_THROTTLE)], 1);
	benv_stop(&b, true);
}

/* --- what each kind of device and kernel can do --------------------------- */

#define OK 0
static const struct {
	enum kind kind;
	int populate[2]; /* cpu, gtt-domain */
	int mmap[I915_MAP_COUNT];
	int userptr[I915_USERPTR_COUNT]; /* rw, ro */
	int pread, bind, export, import;
	const char *map_path[I915_MAP_COUNT]; /* describe()'s mmap_paths */
} matrix[] = {
	/* read-only userptr: refused on graphics version 11 and 12 (no read-only PPGTT) */
	{ GEN12, { OK, OK }, { OK, OK, OK, -ENODEV }, { OK, -ENODEV }, -EOPNOTSUPP, OK, OK, OK,
	  { "mmap_offset", "mmap_offset", "mmap_offset", NULL } },
	/* discrete: no SET_DOMAIN (cpu populates by a bind), FIXED only, no PREAD */
	{ DG2, { OK, -ENODEV }, { -ENODEV, -ENODEV, -ENODEV, OK }, { OK, -ENODEV }, -EOPNOTSUPP, OK,
	  OK, OK, { NULL, NULL, NULL, "mmap_offset" } },
	{ DG1, { OK, -ENODEV }, { -ENODEV, -ENODEV, -ENODEV, OK }, { OK, -ENODEV }, -EOPNOTSUPP, OK,
	  OK, OK, { NULL, NULL, NULL, "mmap_offset" } },
	{ GEN9_OLD, { OK, OK }, { OK, OK, OK, -ENODEV }, { OK, OK }, OK, OK, OK, OK,
	  { "gem_mmap", "gem_mmap", "mmap_gtt", NULL } },
	{ GEN9, { OK, OK }, { OK, OK, OK, -ENODEV }, { OK, OK }, OK, OK, OK, OK,
	  { "mmap_offset", "mmap_offset", "mmap_offset", NULL } },
	/* Tiger Lake keeps PREAD/PWRITE */
	{ TGL, { OK, OK }, { OK, OK, OK, -ENODEV }, { OK, -ENODEV }, OK, OK, OK, OK,
	  { "mmap_offset", "mmap_offset", "mmap_offset", NULL } },
	/* no aperture (stolen memory through LMEMBAR) */
	{ MTL, { OK, OK }, { OK, OK, -ENODEV, -ENODEV }, { OK, -ENODEV }, -EOPNOTSUPP, OK, OK, OK,
	  { "mmap_offset", "mmap_offset", NULL, NULL } },
	{ NO_USERPTR, { OK, OK }, { OK, OK, OK, -ENODEV }, { -ENODEV, -ENODEV }, -EOPNOTSUPP, OK, OK,
	  OK, { "mmap_offset", "mmap_offset", "mmap_offset", NULL } },
	{ NO_APERTURE, { OK, OK }, { OK, OK, -ENODEV, -ENODEV }, { OK, -ENODEV }, -EOPNOTSUPP, OK, OK,
	  OK, { "mmap_offset", "mmap_offset", NULL, NULL } },
};

static void test_probe_matrix(void **state)
{
	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		struct fake_i915_config cfg = config(matrix[i].kind);
		json_t *device = json_object(), *paths;
		char why[256];
		struct benv b;

		benv_start(&b, &cfg);
		assert_int_equal(probe(&b, GB_FEAT_CREATE, 0, why, sizeof(why)), OK);
		for (unsigned v = 0; v < 2; v++)
			assert_int_equal(probe(&b, GB_FEAT_POPULATE, v, why, sizeof(why)),
					 matrix[i].populate[v]);
		assert_int_equal(ops->describe(&b.dev, device), 0);
		paths = json_object_get(device, "mmap_paths");
		for (unsigned v = 0; v < I915_MAP_COUNT; v++) {
			const char *want = matrix[i].map_path[v];
			json_t *got;
			int err = probe(&b, GB_FEAT_MMAP, v, why, sizeof(why));

			if (err != matrix[i].mmap[v])
				fail_msg("kind %d mmap %u: %d (%s)", matrix[i].kind, v, err, why);
			if (err)
				assert_true(gb_err_unsupported(err) && why[0]);
			got = json_object_get(paths, gb_backend_i915.variants[GB_FEAT_MMAP][v].name);
			if (want)
				assert_string_equal(json_string_value(got), want);
			else
				assert_true(json_is_null(got));
		}
		for (unsigned v = 0; v < I915_USERPTR_COUNT; v++)
			if (probe(&b, GB_FEAT_USERPTR, v, why, sizeof(why)) != matrix[i].userptr[v])
				fail_msg("kind %d userptr %u: %s", matrix[i].kind, v, why);
		assert_int_equal(probe(&b, GB_FEAT_PREAD, 0, why, sizeof(why)), matrix[i].pread);
		assert_int_equal(probe(&b, GB_FEAT_BIND, 0, why, sizeof(why)), matrix[i].bind);
		assert_int_equal(probe(&b, GB_FEAT_EXPORT, 0, why, sizeof(why)), matrix[i].export);
		assert_int_equal(probe(&b, GB_FEAT_IMPORT, 0, why, sizeof(why)), matrix[i].import);
		json_decref(device);
		/* Probing alone leaves nothing open but the device and the bind batch. */
		assert_int_equal(fake_i915_open_handles(b.f), matrix[i].bind == OK ? 1 : 0);
		assert_int_equal(fake_i915_live_mappings(b.f), 0);
		benv_stop(&b, true);
	}
}

/* On discrete devices FIXED is the only mmap type, and the reason says so. */
static void test_discrete_fixed_only(void **state)
{
	struct fake_i915_config cfg = config(DG2);
	struct gb_bo bo = { .fd = -1 };
	char why[256], back[4];
	void *ptr = NULL;
	unsigned before;
	struct benv b;

	benv_start(&b, &cfg);
	for (unsigned v = I915_MAP_WB; v <= I915_MAP_GTT; v++) {
		assert_int_equal(probe(&b, GB_FEAT_MMAP, v, why, sizeof(why)), -ENODEV);
		assert_non_null(strstr(why, "discrete device (FIXED only)"));
	}
	assert_int_equal(ops->bo_create(&b.dev, 4096, &bo), 0);
	assert_int_equal(ops->bo_mmap(&b.dev, &bo, I915_MAP_WC, &ptr), -ENODEV);
	assert_null(ptr);
	/* Variant 0 unprobed (integrity, occupancy): FIXED, which is WB for system memory. */
	before = fake_i915_stats(b.f)->mmaps[I915_MMAP_OFFSET_FIXED];
	assert_int_equal(ops->bo_mmap(&b.dev, &bo, I915_MAP_WB, &ptr), 0);
	assert_int_equal(fake_i915_stats(b.f)->mmaps[I915_MMAP_OFFSET_FIXED], before + 1);
	assert_int_equal(ops->bo_munmap(&b.dev, &bo, ptr), 0);
	assert_int_equal(ops->bo_mmap(&b.dev, &bo, I915_MAP_FIXED, &ptr), 0);
	memcpy(ptr, "dg2", 4);
	assert_int_equal(fake_i915_peek(b.f, bo.handle, 0, back, 4), 0);
	assert_string_equal(back, "dg2");
	assert_int_equal(ops->bo_munmap(&b.dev, &bo, ptr), 0);
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
	benv_stop(&b, true);
}

/* --- create: CREATE_EXT in system memory, GEM_CREATE where refused -------- */

static void test_create_fallback(void **state)
{
	static const struct {
		const char *what;
		bool has_create_ext; /* the kernel has the ioctl */
		int injected;        /* or refuses it with this errno */
		bool want_ext;
	} rows[] = {
		{ "kernel without CREATE_EXT", false, 0, false },
		{ "CREATE_EXT refused ENODEV", true, ENODEV, false },
		{ "CREATE_EXT refused EINVAL", true, EINVAL, false },
		{ "CREATE_EXT refused EOPNOTSUPP", true, EOPNOTSUPP, false },
		{ "CREATE_EXT refused ENOTTY", true, ENOTTY, false },
		{ "CREATE_EXT works", true, 0, true },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_i915_config cfg = config(GEN12);
		const struct fake_i915_stats *st;
		struct gb_bo bo = { .fd = -1 };
		json_t *device = json_object();
		uint64_t size;
		bool lmem = true;
		struct benv b;

		cfg.has_create_ext = rows[i].has_create_ext;
		benv_fake(&b, &cfg);
		if (rows[i].injected)
			fake_i915_refuse(b.f, DRM_IOCTL_I915_GEM_CREATE_EXT, rows[i].injected, 0, 0);
		assert_int_equal(benv_open(&b), 0);
		st = fake_i915_stats(b.f);
		unsigned before_ext = st->creates_ext, before = st->creates;

		assert_int_equal(ops->bo_create(&b.dev, 12288, &bo), 0);
		assert_int_equal(bo.size, 12288);
		assert_true(fake_i915_object(b.f, bo.handle, &size, &lmem, NULL, NULL, NULL));
		assert_int_equal(size, 12288);
		assert_false(lmem); /* system memory: the pages SWIOTLB may bounce */
		if ((st->creates_ext - before_ext == 1) != rows[i].want_ext ||
		    (st->creates - before == 1) == rows[i].want_ext)
			fail_msg("%s: created with the wrong ioctl", rows[i].what);
		assert_int_equal(ops->describe(&b.dev, device), 0);
		assert_string_equal(json_string_value(json_object_get(device, "create")),
				    rows[i].want_ext ? "create_ext" : "create");
		assert_true(json_is_string(json_object_get(json_object_get(device, "refused"),
							   "create_ext")) != rows[i].want_ext);
		json_decref(device);
		assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		benv_stop(&b, true);
	}
}

/* Discrete: objects still go to system memory, via CREATE_EXT with the regions queried. */
static void test_create_discrete_in_smem(void **state)
{
	struct fake_i915_config cfg = config(DG2);
	struct gb_bo bo = { .fd = -1 };
	json_t *device = json_object(), *regions;
	bool lmem = true;
	struct benv b;

	benv_start(&b, &cfg);
	assert_int_equal(ops->bo_create(&b.dev, 4096, &bo), 0);
	assert_true(fake_i915_object(b.f, bo.handle, NULL, &lmem, NULL, NULL, NULL));
	assert_false(lmem);
	assert_int_equal(ops->describe(&b.dev, device), 0);
	assert_string_equal(json_string_value(json_object_get(device, "kind")), "discrete");
	regions = json_object_get(device, "memory_regions");
	assert_int_equal(json_array_size(regions), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(regions, 1), "class")),
			    "device");
	json_decref(device);
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
	benv_stop(&b, true);
}

/* --- every path on every kind, and nothing left behind -------------------- */

static void test_full_cycle(void **state)
{
	for (enum kind k = 0; k < KIND_COUNT; k++) {
		struct fake_i915_config cfg = config(k);
		const struct fake_i915_stats *st;
		struct gb_bo bo = { .fd = -1 };
		char why[256], back[16];
		unsigned binds, binds_before, maps = 0;
		int dmabuf = -1;
		struct benv b;

		benv_start(&b, &cfg);
		st = fake_i915_stats(b.f);
		assert_int_equal(ops->bo_create(&b.dev, 65536, &bo), 0);
		for (unsigned v = 0; v < 2; v++)
			if (!probe(&b, GB_FEAT_POPULATE, v, why, sizeof(why)))
				assert_int_equal(ops->bo_populate(&b.dev, &bo, v), 0);
		assert_true(fake_i915_has_pages(b.f, bo.handle));
		assert_true(fake_i915_object(b.f, bo.handle, NULL, NULL, NULL, NULL, &binds_before));
		for (unsigned v = 0; v < I915_MAP_COUNT; v++) {
			char pattern[16];
			void *ptr;

			if (probe(&b, GB_FEAT_MMAP, v, why, sizeof(why)))
				continue;
			snprintf(pattern, sizeof(pattern), "map %u kind %d", v, k);
			assert_int_equal(ops->bo_mmap(&b.dev, &bo, v, &ptr), 0);
			memcpy((char *)ptr + 65536 - sizeof(pattern), pattern, sizeof(pattern));
			assert_int_equal(fake_i915_peek(b.f, bo.handle, 65536 - sizeof(back), back,
							sizeof(back)), 0);
			assert_memory_equal(back, pattern, sizeof(back));
			assert_int_equal(ops->bo_munmap(&b.dev, &bo, ptr), 0);
			maps++;
		}
		assert_true(maps >= 1);
		if (k == GEN9_OLD)
			assert_int_equal(st->legacy_mmaps, 2 + 2); /* wb, wc: probe and cycle */
		if (!probe(&b, GB_FEAT_PREAD, 0, why, sizeof(why))) {
			assert_int_equal(ops->bo_pwrite(&b.dev, &bo, 8, "pwrite", 7), 0);
			assert_int_equal(ops->bo_pread(&b.dev, &bo, 8, back, 7), 0);
			assert_string_equal(back, "pwrite");
		}
		assert_int_equal(ops->bo_bind(&b.dev, &bo, 0), 0);
		assert_true(fake_i915_object(b.f, bo.handle, NULL, NULL, NULL, NULL, &binds));
		assert_int_equal(binds, binds_before + 1);
		assert_int_equal(st->last_exec_flags & (I915_EXEC_HANDLE_LUT | I915_EXEC_NO_RELOC),
				 cfg.exec_lut ? (I915_EXEC_HANDLE_LUT | I915_EXEC_NO_RELOC) : 0);
		assert_int_equal(ops->bo_export(&b.dev, &bo, &dmabuf), 0);
		assert_true(dmabuf >= 0);
		close(dmabuf);
		assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		assert_int_equal(bo.handle, 0);
		benv_stop(&b, true);
	}
}

/* The execbuf flags retry happens once, at probe time; binds after it take one call. */
static void test_bind_flags_retry_once(void **state)
{
	struct fake_i915_config cfg = config(GEN12);
	struct gb_bo bo = { .fd = -1 };
	unsigned calls;
	struct benv b;

	cfg.exec_lut = false;
	benv_start(&b, &cfg);
	calls = fake_i915_stats(b.f)->calls[_IOC_NR(DRM_IOCTL_I915_GEM_EXECBUFFER2)];
	assert_int_equal(calls, 2); /* the probe: refused with the flags, then taken */
	assert_int_equal(ops->bo_create(&b.dev, 4096, &bo), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ops->bo_bind(&b.dev, &bo, 0), 0);
	assert_int_equal(fake_i915_stats(b.f)->calls[_IOC_NR(DRM_IOCTL_I915_GEM_EXECBUFFER2)],
			 calls + 3);
	assert_int_equal(fake_i915_stats(b.f)->last_exec_flags, 0);
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
	benv_stop(&b, true);
}

/* --- userptr --------------------------------------------------------------- */

static void test_userptr(void **state)
{
	static const struct {
		const char *what;
		enum kind kind;
		bool readonly_hw;  /* the PPGTT can map read-only (not graphics version 11-12) */
		unsigned variant;
		int err;           /* from creating it */
		bool by_bind;      /* populated through an execbuf (proxy object, discrete part) */
	} rows[] = {
		{ "read-only on graphics version 12", GEN12, false, I915_USERPTR_RO, -ENODEV, false },
		{ "no userptr on this device", NO_USERPTR, false, I915_USERPTR_RW, -ENODEV, false },
		{ "read-write, set-domain", GEN12, false, I915_USERPTR_RW, 0, false },
		{ "read-only, set-domain", GEN9, true, I915_USERPTR_RO, 0, false },
		{ "read-write, proxy: bind", GEN9_OLD, true, I915_USERPTR_RW, 0, true },
		{ "read-only, proxy: bind", GEN9_OLD, true, I915_USERPTR_RO, 0, true },
		{ "discrete DG2: no SET_DOMAIN, bind", DG2, false, I915_USERPTR_RW, 0, true },
		{ "discrete DG1: no SET_DOMAIN, bind", DG1, false, I915_USERPTR_RW, 0, true },
		{ "MTL: snooping, set-domain", MTL, false, I915_USERPTR_RW, 0, false },
	};
	const size_t size = 1 << 20;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_i915_config cfg = config(rows[i].kind);
		struct gb_bo bo = { .fd = -1 };
		unsigned populated, execbufs, binds;
		bool userptr = false, ro = false;
		struct benv b;
		void *mem;
		int err;

		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(mem != MAP_FAILED);
		benv_start(&b, &cfg);
		err = i915_bo_userptr_variant(&b.dev, mem, size, rows[i].variant, &bo);
		if (err != rows[i].err)
			fail_msg("%s: %d, want %d", rows[i].what, err, rows[i].err);
		if (!err) {
			assert_true(fake_i915_object(b.f, bo.handle, NULL, NULL, &userptr, &ro, NULL));
			assert_true(userptr);
			assert_int_equal(ro, rows[i].variant == I915_USERPTR_RO);
			populated = fake_i915_stats(b.f)->populated;
			execbufs = fake_i915_stats(b.f)->execbufs;
			assert_int_equal(ops->bo_populate(&b.dev, &bo, 0), 0);
			assert_int_equal(fake_i915_stats(b.f)->populated - populated, !rows[i].by_bind);
			assert_int_equal(fake_i915_stats(b.f)->execbufs - execbufs, rows[i].by_bind);
			assert_true(fake_i915_object(b.f, bo.handle, NULL, NULL, NULL, NULL, &binds));
			assert_int_equal(binds, rows[i].by_bind);
			/* userptr objects have no CPU mapping of their own. */
			{
				void *ptr = NULL;

				assert_int_not_equal(ops->bo_mmap(&b.dev, &bo, I915_MAP_WB, &ptr), 0);
				assert_null(ptr);
			}
			assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		}
		/* The ops hook passes its variant through; "rw" is read-write. */
		if (rows[i].kind != NO_USERPTR) {
			assert_int_equal(ops->bo_userptr(&b.dev, mem, size, I915_USERPTR_RW, &bo), 0);
			assert_true(fake_i915_object(b.f, bo.handle, NULL, NULL, NULL, &ro, NULL));
			assert_false(ro);
			assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
			err = ops->bo_userptr(&b.dev, mem, size, I915_USERPTR_RO, &bo);
			assert_int_equal(err, rows[i].readonly_hw ? 0 : -ENODEV);
			if (!err) {
				assert_true(fake_i915_object(b.f, bo.handle, NULL, NULL, NULL, &ro,
							     NULL));
				assert_true(ro);
				assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
			}
			assert_int_equal(ops->bo_userptr(&b.dev, mem, size, I915_USERPTR_COUNT, &bo),
					 -EINVAL);
		}
		/* Not page aligned: refused before anything is made. */
		assert_int_equal(ops->bo_userptr(&b.dev, (char *)mem + 8, 4096, I915_USERPTR_RW, &bo),
				 rows[i].kind == NO_USERPTR ? -ENODEV : -EINVAL);
		benv_stop(&b, true);
		munmap(mem, size);
	}
}

static void test_userptr_readonly_refusal_described(void **state)
{
	struct fake_i915_config cfg = config(GEN12);
	json_t *device = json_object(), *refused;
	struct benv b;

	benv_start(&b, &cfg); /* Alder Lake-P: graphics version 12, no read-only PPGTT */
	assert_int_equal(ops->describe(&b.dev, device), 0);
	refused = json_object_get(device, "refused");
	assert_non_null(strstr(json_string_value(json_object_get(refused, "userptr:ro")),
			       "GEM_USERPTR(READ_ONLY)"));
	assert_null(json_object_get(refused, "userptr:rw"));
	assert_null(json_object_get(refused, "userptr"));
	/* and the probe gembench asks before the "ro" rows says the same */
	{
		char why[256] = "";

		assert_int_equal(ops->probe(&b.dev, GB_FEAT_USERPTR, I915_USERPTR_RO, why,
					    sizeof(why)), -ENODEV);
		assert_non_null(strstr(why, "GEM_USERPTR(READ_ONLY)"));
		assert_int_equal(ops->probe(&b.dev, GB_FEAT_USERPTR, I915_USERPTR_RW, why,
					    sizeof(why)), 0);
	}
	json_decref(device);
	benv_stop(&b, true);
}

/* --- PRIME ---------------------------------------------------------------- */

/* i915 -> i915: the kernel hands back the same handle; it is closed once, by the last bo. */
static void test_self_import_shares_handle(void **state)
{
	struct fake_i915_config cfg = config(GEN12);
	struct gb_bo a = { .fd = -1 }, c = { .fd = -1 };
	int dmabuf = -1;
	struct benv b;

	benv_start(&b, &cfg);
	assert_int_equal(ops->bo_create(&b.dev, 8192, &a), 0);
	assert_int_equal(ops->bo_export(&b.dev, &a, &dmabuf), 0);
	assert_int_equal(ops->bo_import(&b.dev, dmabuf, 8192, &c), 0);
	assert_int_equal(c.handle, a.handle);
	close(dmabuf);
	assert_int_equal(ops->bo_destroy(&b.dev, &a), 0);
	assert_true(fake_i915_object(b.f, c.handle, NULL, NULL, NULL, NULL, NULL));
	assert_int_equal(ops->bo_destroy(&b.dev, &c), 0);
	benv_stop(&b, true);
}

/* udmabuf -> i915: a foreign dma-buf becomes a new object. */
static void test_foreign_import(void **state)
{
	struct fake_i915_config cfg = config(GEN12);
	struct gb_bo bo = { .fd = -1 };
	int foreign;
	struct benv b;

	benv_start(&b, &cfg);
	foreign = fake_i915_foreign_dmabuf(b.f, 1 << 20);
	assert_true(foreign >= 0);
	assert_int_equal(ops->bo_import(&b.dev, foreign, 1 << 20, &bo), 0);
	assert_int_not_equal(bo.handle, 0);
	assert_int_equal(bo.size, 1 << 20);
	assert_int_equal(fake_i915_stats(b.f)->imports, 2); /* the probe's and this one */
	close(foreign);
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
	/* Not a dma-buf: refused, nothing made. */
	assert_int_equal(ops->bo_import(&b.dev, b.dev.fd, 4096, &bo), -EINVAL);
	assert_int_equal(bo.handle, 0);
	benv_stop(&b, true);
}

/* --- failures while measuring leave nothing behind ------------------------ */

static void test_error_paths_leave_nothing(void **state)
{
	static const struct {
		const char *what;
		unsigned long request; /* refused after open() */
		int err;
	} rows[] = {
		{ "create", DRM_IOCTL_I915_GEM_CREATE_EXT, ENOSPC },
		{ "populate", DRM_IOCTL_I915_GEM_SET_DOMAIN, ENOMEM },
		{ "mmap", DRM_IOCTL_I915_GEM_MMAP_OFFSET, ENOMEM },
		{ "export", DRM_IOCTL_PRIME_HANDLE_TO_FD, EMFILE },
		{ "bind", DRM_IOCTL_I915_GEM_EXECBUFFER2, ENOSPC },
		{ "bind wait", DRM_IOCTL_I915_GEM_WAIT, ETIME },
		{ "close", DRM_IOCTL_GEM_CLOSE, EINVAL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_i915_config cfg = config(GEN12);
		struct gb_bo bo = { .fd = -1 };
		void *ptr = NULL;
		int dmabuf = -1, err = 0;
		struct benv b;

		benv_start(&b, &cfg);
		if (rows[i].request != DRM_IOCTL_I915_GEM_CREATE_EXT)
			assert_int_equal(ops->bo_create(&b.dev, 4096, &bo), 0);
		fake_i915_refuse(b.f, rows[i].request, rows[i].err, 0, 1);
		switch (rows[i].request) {
		case DRM_IOCTL_I915_GEM_CREATE_EXT:
			err = ops->bo_create(&b.dev, 4096, &bo);
			assert_int_equal(bo.handle, 0);
			break;
		case DRM_IOCTL_I915_GEM_SET_DOMAIN:
			err = ops->bo_populate(&b.dev, &bo, I915_POPULATE_CPU);
			break;
		case DRM_IOCTL_I915_GEM_MMAP_OFFSET:
			err = ops->bo_mmap(&b.dev, &bo, I915_MAP_WC, &ptr);
			assert_null(ptr);
			break;
		case DRM_IOCTL_PRIME_HANDLE_TO_FD:
			err = ops->bo_export(&b.dev, &bo, &dmabuf);
			assert_int_equal(dmabuf, -1);
			break;
		case DRM_IOCTL_I915_GEM_EXECBUFFER2:
		case DRM_IOCTL_I915_GEM_WAIT:
			err = ops->bo_bind(&b.dev, &bo, 0);
			break;
		case DRM_IOCTL_GEM_CLOSE: {
			uint32_t handle = bo.handle;

			/* A refused GEM_CLOSE is reported; the bo is released regardless. */
			err = ops->bo_destroy(&b.dev, &bo);
			assert_int_equal(bo.handle, 0);
			/* Still open in the fake, as in the kernel: close it as fd close would. */
			assert_int_equal(__gem_close(b.dev.fd, handle), 0);
			break;
		}
			break;
		}
		if (err != -rows[i].err)
			fail_msg("%s: %d, want %d", rows[i].what, err, -rows[i].err);
		if (bo.handle)
			assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		benv_stop(&b, true);
	}
}

/* --- issue 20: i915 as the kernel really behaves --------------------------- */

/*
 * Discrete parts have no SET_DOMAIN (i915_gem_set_domain_ioctl: IS_DGFX ->
 * -ENODEV): populate goes through the execbuf bind, a userptr too, without
 * a refused SET_DOMAIN inside the measured operation. An integrated kernel
 * answering SET_DOMAIN with -ENODEV gets the same.
 */
static void test_populate_by_bind(void **state)
{
	static const struct {
		enum kind kind;
		bool inject_enodev; /* SET_DOMAIN refused -ENODEV on an integrated part */
	} rows[] = {
		{ DG2, false },
		{ DG1, false },
		{ GEN12, true },
	};
	const size_t size = 1 << 16;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_i915_config cfg = config(rows[i].kind);
		const struct fake_i915_stats *st;
		struct gb_bo bo = { .fd = -1 }, ubo = { .fd = -1 };
		json_t *device = json_object();
		unsigned set_domains, execbufs;
		char why[256];
		struct benv b;
		void *mem;

		benv_fake(&b, &cfg);
		if (rows[i].inject_enodev)
			fake_i915_refuse(b.f, DRM_IOCTL_I915_GEM_SET_DOMAIN, ENODEV, 0, 0);
		assert_int_equal(benv_open(&b), 0);
		st = fake_i915_stats(b.f);
		if (probe(&b, GB_FEAT_POPULATE, I915_POPULATE_CPU, why, sizeof(why)))
			fail_msg("kind %d: populate:cpu refused: %s", rows[i].kind, why);
		assert_int_equal(ops->describe(&b.dev, device), 0);
		assert_string_equal(json_string_value(json_object_get(device, "populate_path")),
				    "execbuf_bind");
		json_decref(device);

		assert_int_equal(ops->bo_create(&b.dev, size, &bo), 0);
		set_domains = st->calls[_IOC_NR(DRM_IOCTL_I915_GEM_SET_DOMAIN)];
		execbufs = st->execbufs;
		assert_int_equal(ops->bo_populate(&b.dev, &bo, I915_POPULATE_CPU), 0);
		assert_true(fake_i915_has_pages(b.f, bo.handle));
		assert_int_equal(st->execbufs - execbufs, 1);
		assert_int_equal(st->calls[_IOC_NR(DRM_IOCTL_I915_GEM_SET_DOMAIN)], set_domains);
		assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);

		/* userptr: the same bind (i915_gem_userptr_ioctl takes snooping parts) */
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(mem != MAP_FAILED);
		if (probe(&b, GB_FEAT_USERPTR, I915_USERPTR_RW, why, sizeof(why)))
			fail_msg("kind %d: userptr:rw refused: %s", rows[i].kind, why);
		assert_int_equal(ops->bo_userptr(&b.dev, mem, size, I915_USERPTR_RW, &ubo), 0);
		execbufs = st->execbufs;
		assert_int_equal(ops->bo_populate(&b.dev, &ubo, 0), 0);
		assert_int_equal(st->execbufs - execbufs, 1);
		assert_int_equal(st->calls[_IOC_NR(DRM_IOCTL_I915_GEM_SET_DOMAIN)], set_domains);
		assert_true(fake_i915_has_pages(b.f, ubo.handle));
		assert_int_equal(ops->bo_destroy(&b.dev, &ubo), 0);
		benv_stop(&b, true);
		munmap(mem, size);
	}
}

/*
 * udmabuf -> i915: i915_gem_prime_import() only attaches; the mapping is
 * get_pages' (i915_gem_object_get_pages_dmabuf). The import hook gets the
 * pages itself, so each import is one DMA mapping of the foreign buffer;
 * a self-import (our own handle back) maps nothing; a refused get_pages
 * fails the import and leaves no handle.
 */
static void test_foreign_import_maps(void **state)
{
	static const enum kind kinds[] = { GEN12, DG2, MTL, GEN9_OLD };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct fake_i915_config cfg = config(kinds[i]);
		const struct fake_i915_stats *st;
		struct gb_bo bo = { .fd = -1 }, own = { .fd = -1 }, back = { .fd = -1 };
		unsigned maps;
		int foreign, dmabuf = -1;
		struct benv b;

		benv_start(&b, &cfg);
		st = fake_i915_stats(b.f);
		foreign = fake_i915_foreign_dmabuf(b.f, 1 << 20);
		assert_true(foreign >= 0);
		for (int n = 0; n < 3; n++) {
			maps = st->dmabuf_maps;
			assert_int_equal(ops->bo_import(&b.dev, foreign, 1 << 20, &bo), 0);
			if (st->dmabuf_maps != maps + 1)
				fail_msg("kind %d: import %d made %u DMA mappings, want 1", kinds[i], n,
					 st->dmabuf_maps - maps);
			assert_true(fake_i915_has_pages(b.f, bo.handle));
			assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		}
		/* Same device: the same object, nothing to map. */
		assert_int_equal(ops->bo_create(&b.dev, 8192, &own), 0);
		assert_int_equal(ops->bo_export(&b.dev, &own, &dmabuf), 0);
		maps = st->dma_maps;
		assert_int_equal(ops->bo_import(&b.dev, dmabuf, 8192, &back), 0);
		assert_int_equal(back.handle, own.handle);
		assert_int_equal(st->dma_maps, maps);
		close(dmabuf);
		assert_int_equal(ops->bo_destroy(&b.dev, &back), 0);
		assert_int_equal(ops->bo_destroy(&b.dev, &own), 0);
		/* The mapping refused (SWIOTLB full: -EIO, not wedged): a failed import, no handle. */
		fake_i915_refuse(b.f, cfg.discrete ? DRM_IOCTL_I915_GEM_EXECBUFFER2
						   : DRM_IOCTL_I915_GEM_SET_DOMAIN, EIO, 0, 1);
		assert_int_equal(ops->bo_import(&b.dev, foreign, 1 << 20, &bo), -EIO);
		assert_int_equal(bo.handle, 0);
		close(foreign);
		benv_stop(&b, true);
	}
}

/*
 * Closed objects keep their pages mapped on i915's free list until the next
 * create flushes it (i915_gem_free_object / i915_gem_flush_free_objects):
 * the settle hook does that create, and says so.
 */
static void test_settle_flushes_deferred_frees(void **state)
{
	static const enum kind kinds[] = { GEN12, DG2, GEN9_OLD };

	assert_non_null(ops->settle);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct fake_i915_config cfg = config(kinds[i]);
		struct gb_bo bo = { .fd = -1 };
		char how[256] = "";
		struct benv b;

		benv_start(&b, &cfg);
		assert_int_equal(ops->bo_create(&b.dev, 1 << 20, &bo), 0);
		assert_int_equal(ops->bo_populate(&b.dev, &bo, 0), 0);
		assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
		assert_int_equal(fake_i915_pending_frees(b.f), 1);
		assert_true(fake_i915_dma_mapped_bytes(b.f) >= 1 << 20);
		assert_int_equal(ops->settle(&b.dev, how, sizeof(how)), 0);
		assert_int_equal(fake_i915_pending_frees(b.f), 0);
		assert_true(fake_i915_dma_mapped_bytes(b.f) < 1 << 20); /* the batch may stay */
		assert_non_null(strstr(how, "i915_gem_flush_free_objects"));
		/* A refused create is reported with the reason. */
		fake_i915_refuse(b.f, cfg.has_create_ext ? DRM_IOCTL_I915_GEM_CREATE_EXT
							 : DRM_IOCTL_I915_GEM_CREATE, ENOMEM, 0, 1);
		assert_int_equal(ops->settle(&b.dev, how, sizeof(how)), -ENOMEM);
		assert_non_null(strstr(how, strerror(ENOMEM)));
		benv_stop(&b, true);
	}
}

/*
 * A refused fault is SIGBUS, not an errno (i915_error_to_vmf_fault): the
 * mmap probe's touch must survive it and record the variant as refused.
 */
static void test_mmap_probe_survives_sigbus(void **state)
{
	static const struct {
		enum kind kind;
		unsigned type;    /* I915_MMAP_OFFSET_* whose fault the kernel refuses */
		unsigned variant; /* the variant that must be refused */
	} rows[] = {
		{ GEN12, I915_MMAP_OFFSET_GTT, I915_MAP_GTT },
		{ GEN12, I915_MMAP_OFFSET_WC, I915_MAP_WC },
		{ DG2, I915_MMAP_OFFSET_FIXED, I915_MAP_FIXED },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_i915_config cfg = config(rows[i].kind);
		char why[256];
		struct benv b;
		int err;

		cfg.fault_sigbus = 1u << rows[i].type;
		benv_start(&b, &cfg);
		assert_int_equal(fake_i915_stats(b.f)->sigbus_maps, 1);
		err = probe(&b, GB_FEAT_MMAP, rows[i].variant, why, sizeof(why));
		if (!gb_err_unsupported(err) || !strstr(why, "SIGBUS"))
			fail_msg("kind %d type %u: probe %d '%s'", rows[i].kind, rows[i].type, err, why);
		for (unsigned v = 0; v < I915_MAP_COUNT; v++)
			if (v != rows[i].variant && v != I915_MAP_FIXED && !cfg.discrete)
				assert_int_equal(probe(&b, GB_FEAT_MMAP, v, why, sizeof(why)), 0);
		assert_int_equal(fake_i915_live_mappings(b.f), 0); /* the refused map is gone too */
		benv_stop(&b, true);
	}
}

/*
 * SET_DOMAIN(GTT) pins and flushes; it binds nothing into the GGTT. The
 * variant says what it measures ("gtt-domain"), and it makes no execbuf.
 */
static void test_populate_gtt_domain_named_for_what_it_does(void **state)
{
	const struct gb_variant *v = gb_backend_variants(ops, GB_FEAT_POPULATE);
	struct fake_i915_config cfg = config(GEN12);
	struct gb_bo bo = { .fd = -1 };
	unsigned execbufs, binds;
	const struct gb_variant *gtt = NULL;
	struct benv b;

	for (; v->name; v++) {
		if (!strcmp(v->name, "gtt"))
			fail_msg("populate variant 'gtt' claims a GTT bind that SET_DOMAIN never does");
		if (!strcmp(v->name, "gtt-domain"))
			gtt = v;
	}
	assert_non_null(gtt);
	assert_non_null(strstr(gtt->help, "no GGTT bind"));
	benv_start(&b, &cfg);
	assert_int_equal(ops->bo_create(&b.dev, 65536, &bo), 0);
	execbufs = fake_i915_stats(b.f)->execbufs;
	assert_int_equal(ops->bo_populate(&b.dev, &bo, gtt->id), 0);
	assert_int_equal(fake_i915_stats(b.f)->execbufs, execbufs);
	assert_true(fake_i915_object(b.f, bo.handle, NULL, NULL, NULL, NULL, &binds));
	assert_int_equal(binds, 0);
	assert_true(fake_i915_has_pages(b.f, bo.handle));
	assert_int_equal(ops->bo_destroy(&b.dev, &bo), 0);
	benv_stop(&b, true);
}

/*
 * Legacy WC needs I915_PARAM_MMAP_VERSION >= 1 (IGT gem_mmap__has_wc): a
 * kernel without it drops I915_MMAP_WC and maps WB, which would be a "wc"
 * row measuring WB. WB itself still works there.
 */
static void test_legacy_wc_needs_mmap_version(void **state)
{
	struct fake_i915_config cfg = config(GEN9_OLD);
	json_t *device = json_object();
	char why[256];
	struct benv b;

	cfg.mmap_version = 0;
	benv_start(&b, &cfg);
	assert_int_equal(probe(&b, GB_FEAT_MMAP, I915_MAP_WC, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "MMAP_VERSION"));
	assert_int_equal(probe(&b, GB_FEAT_MMAP, I915_MAP_WB, why, sizeof(why)), 0);
	assert_int_equal(fake_i915_stats(b.f)->legacy_wc_dropped, 0);
	assert_int_equal(ops->describe(&b.dev, device), 0);
	assert_true(json_is_null(json_object_get(device, "mmap_version")));
	assert_true(json_is_null(json_object_get(json_object_get(device, "mmap_paths"), "wc")));
	json_decref(device);
	benv_stop(&b, true);

	cfg.mmap_version = 1; /* 4.0 and later: the flag exists */
	benv_start(&b, &cfg);
	assert_int_equal(probe(&b, GB_FEAT_MMAP, I915_MAP_WC, why, sizeof(why)), 0);
	benv_stop(&b, true);
}

/* PREAD/PWRITE: refused from graphics version 12 on except Tiger Lake, and the reason says so. */
static void test_pread_refusal_names_tiger_lake(void **state)
{
	static const struct {
		enum kind kind;
		int err;
	} rows[] = {
		{ GEN12, -EOPNOTSUPP }, { TGL, 0 }, { GEN9, 0 }, { DG2, -EOPNOTSUPP }, { MTL, -EOPNOTSUPP },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake_i915_config cfg = config(rows[i].kind);
		char why[256];
		struct benv b;

		benv_start(&b, &cfg);
		assert_int_equal(probe(&b, GB_FEAT_PREAD, 0, why, sizeof(why)), rows[i].err);
		if (rows[i].err && !strstr(why, "except Tiger Lake"))
			fail_msg("kind %d: pread refusal '%s' does not name the Tiger Lake exception",
				 rows[i].kind, why);
		benv_stop(&b, true);
	}
}

/* --- device facts ---------------------------------------------------------- */

static void test_describe(void **state)
{
	struct fake_i915_config cfg = config(GEN12);
	json_t *device = json_object(), *refused;
	struct benv b;

	benv_start(&b, &cfg);
	assert_string_equal(b.dev.driver, "i915");
	assert_string_equal(b.dev.driver_version, "1.6.0");
	assert_string_equal(b.dev.node, fake_i915_path(b.f));
	assert_string_equal(b.dev.pci_id, ""); /* a memfd is no PCI device */
	assert_int_equal(ops->describe(&b.dev, device), 0);
	assert_string_equal(json_string_value(json_object_get(device, "chipset_id")), "0x46a6");
	assert_int_equal(json_integer_value(json_object_get(device, "revision")), 12);
	assert_string_equal(json_string_value(json_object_get(device, "kind")), "integrated");
	assert_int_equal(json_array_size(json_object_get(device, "memory_regions")), 1);
	assert_int_equal(json_integer_value(json_object_get(device, "mmap_gtt_version")), 4);
	assert_true(json_is_true(json_object_get(device, "has_userptr_probe")));
	assert_string_equal(json_string_value(json_object_get(device, "exec_flags")),
			    "handle_lut|no_reloc");
	refused = json_object_get(device, "refused");
	assert_int_equal(json_object_size(refused), 3); /* ADL: no pread, no FIXED mmaps, no ro userptr */
	assert_non_null(json_object_get(refused, "pread"));
	assert_non_null(json_object_get(refused, "userptr:ro"));
	assert_non_null(json_object_get(refused, "mmap:fixed"));
	/* gembench writes these from struct gb_dev; describe() must not. */
	assert_null(json_object_get(device, "node"));
	assert_null(json_object_get(device, "driver"));
	json_decref(device);
	benv_stop(&b, true);

	cfg = config(GEN9_OLD);
	device = json_object();
	benv_start(&b, &cfg);
	assert_int_equal(ops->describe(&b.dev, device), 0);
	assert_true(json_is_null(json_object_get(device, "memory_regions")));
	assert_true(json_is_null(json_object_get(device, "has_userptr_probe")));
	assert_string_equal(json_string_value(json_object_get(device, "exec_flags")), "none");
	refused = json_object_get(device, "refused");
	assert_non_null(json_object_get(refused, "query_memory_regions"));
	assert_non_null(json_object_get(refused, "create_ext"));
	assert_non_null(strstr(json_string_value(json_object_get(refused, "mmap:fixed")),
			       "no MMAP_OFFSET"));
	json_decref(device);
	benv_stop(&b, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_backend_check, teardown),
		cmocka_unit_test_teardown(test_open_not_i915, teardown),
		cmocka_unit_test_teardown(test_open_default_without_i915, teardown),
		cmocka_unit_test_teardown(test_open_refused, teardown),
		cmocka_unit_test_teardown(test_refusal_is_skip, teardown),
		cmocka_unit_test_teardown(test_eio_stops_job, teardown),
		cmocka_unit_test_teardown(test_eio_not_wedged_is_not_fatal, teardown),
		cmocka_unit_test_teardown(test_error_paths_leave_nothing, teardown),
		cmocka_unit_test_teardown(test_probe_matrix, teardown),
		cmocka_unit_test_teardown(test_discrete_fixed_only, teardown),
		cmocka_unit_test_teardown(test_create_fallback, teardown),
		cmocka_unit_test_teardown(test_create_discrete_in_smem, teardown),
		cmocka_unit_test_teardown(test_full_cycle, teardown),
		cmocka_unit_test_teardown(test_bind_flags_retry_once, teardown),
		cmocka_unit_test_teardown(test_userptr, teardown),
		cmocka_unit_test_teardown(test_userptr_readonly_refusal_described, teardown),
		cmocka_unit_test_teardown(test_self_import_shares_handle, teardown),
		cmocka_unit_test_teardown(test_foreign_import, teardown),
		cmocka_unit_test_teardown(test_describe, teardown),
		cmocka_unit_test_teardown(test_populate_by_bind, teardown),
		cmocka_unit_test_teardown(test_foreign_import_maps, teardown),
		cmocka_unit_test_teardown(test_settle_flushes_deferred_frees, teardown),
		cmocka_unit_test_teardown(test_mmap_probe_survives_sigbus, teardown),
		cmocka_unit_test_teardown(test_populate_gtt_domain_named_for_what_it_does, teardown),
		cmocka_unit_test_teardown(test_legacy_wc_needs_mmap_version, teardown),
		cmocka_unit_test_teardown(test_pread_refusal_names_tiger_lake, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
