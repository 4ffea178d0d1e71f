/*
 * Unit tests for the backend loader check (bench/backends.c): every
 * registered backend passes it, and broken ops tables are refused with the
 * reason. Negative cases first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "backend.h"

static int f_open(struct gb_dev *d, const char *s) { return 0; }
static void f_close(struct gb_dev *d) { }
static int f_create(struct gb_dev *d, uint64_t s, struct gb_bo *b) { return 0; }
static int f_destroy(struct gb_dev *d, struct gb_bo *b) { return 0; }
static int f_mmap(struct gb_dev *d, struct gb_bo *b, unsigned v, void **p) { return 0; }
static int f_munmap(struct gb_dev *d, struct gb_bo *b, void *p) { return 0; }

static int f_userptr(struct gb_dev *d, void *p, uint64_t s, unsigned v, struct gb_bo *b)
{
	return 0;
}

static const struct gb_backend_ops good = {
	.name = "fake", .abi = GB_BACKEND_ABI, .caps = GB_CAP_GEM | GB_CAP_MMAP,
	.open = f_open, .close = f_close, .bo_create = f_create, .bo_destroy = f_destroy,
	.bo_mmap = f_mmap, .bo_munmap = f_munmap,
};

static void expect_refused(const struct gb_backend_ops *ops, const char *word)
{
	char why[256] = "";

	assert_int_equal(gb_backend_check(ops, why, sizeof(why)), -EINVAL);
	if (!strstr(why, word))
		fail_msg("reason '%s' lacks '%s'", why, word);
}

static void test_refuses_broken_tables(void **state)
{
	static const struct gb_variant empty[] = { { NULL, 0, NULL } };
	struct gb_backend_ops o;

	expect_refused(NULL, "NULL");
	o = good; o.name = NULL;               expect_refused(&o, "no name");
	o = good; o.abi = GB_BACKEND_ABI + 1;  expect_refused(&o, "ABI");
	o = good; o.open = NULL;               expect_refused(&o, "open");
	o = good; o.bo_destroy = NULL;         expect_refused(&o, "bo_destroy");
	o = good; o.caps = GB_CAP_MMAP;        expect_refused(&o, "GEM");
	/* a capability without its hook, and a hook without its capability */
	o = good; o.bo_munmap = NULL;          expect_refused(&o, "bo_munmap");
	o = good; o.caps |= GB_CAP_EXPORT;     expect_refused(&o, "bo_export");
	o = good; o.caps &= ~GB_CAP_MMAP;      expect_refused(&o, "without capability");
	o = good; o.variants[GB_FEAT_MMAP] = empty; expect_refused(&o, "empty variant");
	o = good; o.caps |= GB_CAP_USERPTR;    expect_refused(&o, "bo_userptr");
	o = good; o.bo_userptr = f_userptr;    expect_refused(&o, "without capability");
}

/* ABI 2: bo_userptr takes a variant, and the userptr feature iterates them like mmap's. */
static void test_userptr_variants(void **state)
{
	static const struct gb_variant uv[] = { { "rw", 0, NULL }, { "ro", 1, NULL },
						{ NULL, 0, NULL } };
	const struct gb_backend_ops *i915 = gb_backend_find("i915");
	const struct gb_variant *v;
	struct gb_backend_ops o = good;

	o.caps |= GB_CAP_USERPTR;
	o.bo_userptr = f_userptr;
	o.variants[GB_FEAT_USERPTR] = uv;
	assert_int_equal(gb_backend_check(&o, NULL, 0), 0);
	assert_ptr_equal(gb_backend_variants(&o, GB_FEAT_USERPTR), uv);
	assert_string_equal(gb_feature_name(GB_FEAT_USERPTR), "userptr");

	/* i915 publishes read-write and read-only (I915_USERPTR_READ_ONLY) */
	assert_non_null(i915);
	v = gb_backend_variants(i915, GB_FEAT_USERPTR);
	assert_non_null(v);
	assert_string_equal(v[0].name, "rw");
	assert_string_equal(v[1].name, "ro");
	assert_int_not_equal(v[0].id, v[1].id);
	assert_null(v[2].name);
}

static void test_registered_backends_pass(void **state)
{
	size_t n = 0;

	assert_int_equal(gb_backend_check(&good, NULL, 0), 0);
	for (size_t i = 0; gb_backends[i]; i++, n++) {
		char why[256] = "";

		if (gb_backend_check(gb_backends[i], why, sizeof(why)))
			fail_msg("%s", why);
		assert_ptr_equal(gb_backend_find(gb_backends[i]->name), gb_backends[i]);
	}
	assert_true(n >= 3);
	assert_non_null(gb_backend_find("dumb"));
	assert_non_null(gb_backend_find("udmabuf"));
	assert_non_null(gb_backend_find("dmaheap"));
	assert_null(gb_backend_find("nope"));
}

static void test_unsupported_errnos(void **state)
{
	assert_true(gb_err_unsupported(-ENODEV));
	assert_true(gb_err_unsupported(-EINVAL));
	assert_true(gb_err_unsupported(-EOPNOTSUPP));
	assert_true(gb_err_unsupported(-ENOTTY));
	assert_false(gb_err_unsupported(-EIO));
	assert_false(gb_err_unsupported(-ENOMEM));
	assert_false(gb_err_unsupported(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_broken_tables),
		cmocka_unit_test(test_registered_backends_pass),
		cmocka_unit_test(test_unsupported_errnos),
		cmocka_unit_test(test_userptr_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
