/*
 * Unit tests for analysis/bisect.c, driven by a fake boot: each "version"
 * has a metric value, judge() says changed when it is further than a noise
 * floor from version 0's, so the first changed version is known and the
 * search must land on it, within 2 + ceil(log2(n - 1)) boots, never
 * booting a version twice nor judging one it did not boot. Negative cases
 * first.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bisect.h"

#define MAX_VERSIONS 64

struct fake {
	double value[MAX_VERSIONS]; /* the metric each version measures */
	bool unknown[MAX_VERSIONS]; /* judge() cannot tell for this version */
	double floor;		    /* differences up to this are noise */
	bool booted[MAX_VERSIONS];
	size_t boots;
	int fail_boot_at;	    /* boot() of this version fails (-EIO); -1 never */
};

static int fake_boot(void *user, size_t i)
{
	struct fake *f = user;

	assert_true(i < MAX_VERSIONS);
	if (f->booted[i])
		fail_msg("version %zu booted twice", i);
	if ((int)i == f->fail_boot_at)
		return -EIO;
	f->booted[i] = true;
	f->boots++;
	return 0;
}

static int fake_judge(void *user, size_t base, size_t i, enum an_bisect_verdict *out)
{
	struct fake *f = user;

	if (!f->booted[base] || !f->booted[i])
		fail_msg("judged %zu against %zu before booting both", i, base);
	if (f->unknown[i])
		*out = AN_BISECT_UNKNOWN;
	else
		*out = fabs(f->value[i] - f->value[base]) > f->floor ? AN_BISECT_CHANGED : AN_BISECT_SAME;
	return 0;
}

/* @n versions measuring 1.0 with +-0.004 of noise, 1.05 (a 5 % step) from @k on. */
static void fake_init(struct fake *f, size_t n, size_t k)
{
	memset(f, 0, sizeof(*f));
	f->floor = 0.01;
	f->fail_boot_at = -1;
	for (size_t i = 0; i < n; i++)
		f->value[i] = (i >= k ? 1.05 : 1.0) + ((int)(i * 7 % 5) - 2) * 0.002;
}

static size_t max_boots(size_t n)
{
	size_t b = 2;

	for (size_t span = n - 1; span > 1; span = (span + 1) / 2)
		b++;
	return b;
}

static void test_bisect_rejects(void **state)
{
	struct fake f;
	struct an_bisect_ops ops = { fake_boot, fake_judge, &f };
	struct an_bisect_result r;

	fake_init(&f, 6, 3);
	assert_int_equal(an_bisect(0, &ops, &r), -EINVAL); /* nothing to bisect */
	assert_int_equal(an_bisect(1, &ops, &r), -EINVAL); /* one version: no change possible */
	ops.judge = NULL;
	assert_int_equal(an_bisect(6, &ops, &r), -EINVAL); /* no judge */
	assert_int_equal(f.boots, 0);
	/* a boot that fails stops the search with its error */
	ops.judge = fake_judge;
	f.fail_boot_at = 5;
	assert_int_equal(an_bisect(6, &ops, &r), -EIO);
	assert_int_equal(r.boots, 1);
}

/* Every position of the change in lists of 2 to 40 versions: found, in few boots. */
static void test_bisect_finds_every_change(void **state)
{
	for (size_t n = 2; n <= 40; n++) {
		for (size_t k = 1; k < n; k++) {
			struct fake f;
			struct an_bisect_ops ops = { fake_boot, fake_judge, &f };
			struct an_bisect_result r;

			fake_init(&f, n, k);
			assert_int_equal(an_bisect(n, &ops, &r), 0);
			if (r.outcome != AN_BISECT_FOUND || r.first_changed != k || r.last_same != k - 1)
				fail_msg("n %zu, change at %zu: outcome %d, first changed %zu, last same %zu", n, k,
					 r.outcome, r.first_changed, r.last_same);
			if (r.boots != f.boots || r.boots > max_boots(n))
				fail_msg("n %zu, change at %zu: %zu boots (fake counted %zu), at most %zu", n, k,
					 r.boots, f.boots, max_boots(n));
			assert_true(f.booted[k] && f.booted[k - 1]); /* the evidence was booted */
		}
	}
}

/* The acceptance case: 6.12.107 .. 6.12.118 are six versions: at most five boots. */
static void test_bisect_six_versions(void **state)
{
	assert_int_equal(max_boots(6), 5);
	for (size_t k = 1; k < 6; k++) {
		struct fake f;
		struct an_bisect_ops ops = { fake_boot, fake_judge, &f };
		struct an_bisect_result r;

		fake_init(&f, 6, k);
		assert_int_equal(an_bisect(6, &ops, &r), 0);
		assert_int_equal(r.outcome, AN_BISECT_FOUND);
		assert_int_equal(r.first_changed, k);
		assert_true(r.boots <= 5);
	}
}

static void test_bisect_no_change(void **state)
{
	struct fake f;
	struct an_bisect_ops ops = { fake_boot, fake_judge, &f };
	struct an_bisect_result r;

	fake_init(&f, 6, 6); /* the step never comes: noise only */
	assert_int_equal(an_bisect(6, &ops, &r), 0);
	assert_int_equal(r.outcome, AN_BISECT_NO_CHANGE);
	assert_int_equal(r.boots, 2); /* the ends only */
	assert_true(f.booted[0] && f.booted[5]);
}

/* A verdict of "unknown" is reported, not guessed at. */
static void test_bisect_undecided(void **state)
{
	struct fake f;
	struct an_bisect_ops ops = { fake_boot, fake_judge, &f };
	struct an_bisect_result r;

	fake_init(&f, 6, 3);
	f.unknown[5] = true; /* the far end itself */
	assert_int_equal(an_bisect(6, &ops, &r), 0);
	assert_int_equal(r.outcome, AN_BISECT_UNDECIDED);
	assert_int_equal(r.undecided, 5);

	fake_init(&f, 6, 3);
	f.unknown[2] = true; /* the first midpoint */
	assert_int_equal(an_bisect(6, &ops, &r), 0);
	assert_int_equal(r.outcome, AN_BISECT_UNDECIDED);
	assert_int_equal(r.undecided, 2);
	assert_int_equal(r.boots, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bisect_rejects),	    cmocka_unit_test(test_bisect_finds_every_change),
		cmocka_unit_test(test_bisect_six_versions), cmocka_unit_test(test_bisect_no_change),
		cmocka_unit_test(test_bisect_undecided),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
