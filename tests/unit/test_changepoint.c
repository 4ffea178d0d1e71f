/*
 * Unit tests for analysis/changepoint.c (E-divisive means with a
 * permutation test) on synthetic series from a fixed generator: a 5 % step
 * in 1 % noise is found at its index; pure noise over 60 nights gives no
 * change point in at least 95 of 100 seeds, also with the magnitude filter
 * off (so the permutation test alone must hold); two steps are both found;
 * a significant step below the minimum magnitude is not reported.
 * Negative cases first.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "changepoint.h"
#include "stats.h"

#define NIGHTS 60

/* @n values of level 100 with relative noise @sd, times (1 + @step) from index @k on. */
static void series(double *x, size_t n, uint64_t seed, double sd, size_t k, double step)
{
	struct bl_rng rng;

	bl_rng_seed(&rng, seed);
	for (size_t i = 0; i < n; i++)
		x[i] = 100.0 * (i >= k ? 1 + step : 1) * (1 + sd * bl_rng_normal(&rng));
}

static void test_cp_rejects(void **state)
{
	struct an_cp_opts o;
	struct an_change_point *cp;
	double x[NIGHTS] = { 0 };
	size_t n;

	an_cp_opts_default(&o);
	x[7] = NAN;
	assert_int_equal(an_change_points(x, NIGHTS, &o, &cp, &n), -EINVAL); /* a NaN night */
	x[7] = INFINITY;
	assert_int_equal(an_change_points(x, NIGHTS, &o, &cp, &n), -EINVAL); /* an infinite one */
	x[7] = 0;
	o.shuffles = 0;
	assert_int_equal(an_change_points(x, NIGHTS, &o, &cp, &n), -EINVAL); /* no test possible */
	an_cp_opts_default(&o);
	o.min_size = 0;
	assert_int_equal(an_change_points(x, NIGHTS, &o, &cp, &n), -EINVAL); /* empty sides */
	an_cp_opts_default(&o);
	assert_int_equal(an_change_points(x, AN_CP_MAX_POINTS + 1, &o, &cp, &n), -EINVAL); /* too long */
	/* too short to split with 3 points a side: nothing, not an error */
	series(x, 5, 1, 0.01, 2, 0.5);
	assert_int_equal(an_change_points(x, 5, &o, &cp, &n), 0);
	assert_int_equal(n, 0);
	assert_null(cp);
}

/* The acceptance case: a 5 % step in 1 % noise, at several places, over many seeds. */
static void test_cp_step_found(void **state)
{
	static const size_t at[] = { 10, 30, 45, 55 };
	struct an_cp_opts o;

	an_cp_opts_default(&o);
	for (size_t a = 0; a < sizeof(at) / sizeof(at[0]); a++) {
		for (uint64_t seed = 1; seed <= 10; seed++) {
			double x[NIGHTS];
			struct an_change_point *cp;
			size_t n;

			series(x, NIGHTS, seed * 7919 + a, 0.01, at[a], 0.05);
			assert_int_equal(an_change_points(x, NIGHTS, &o, &cp, &n), 0);
			if (n != 1 || cp[0].index != at[a])
				fail_msg("step at %zu, seed %llu: %zu change point(s), first at %zu", at[a],
					 (unsigned long long)seed, n, n ? cp[0].index : 0);
			assert_true(cp[0].p <= 0.001);
			assert_true(fabs(cp[0].change - 0.05) < 0.01); /* the step's size, within the noise */
			free(cp);
		}
	}
}

/* Pure noise: no change point in >= 95 of 100 seeds, with and without the magnitude filter. */
static void test_cp_noise_quiet(void **state)
{
	for (int filter = 1; filter >= 0; filter--) {
		struct an_cp_opts o;
		size_t quiet = 0;

		an_cp_opts_default(&o);
		if (!filter)
			o.min_change = 0; /* the permutation test alone */
		for (uint64_t seed = 1; seed <= 100; seed++) {
			double x[NIGHTS];
			struct an_change_point *cp;
			size_t n;

			series(x, NIGHTS, 0x5eed0000 + seed, 0.01, NIGHTS, 0);
			assert_int_equal(an_change_points(x, NIGHTS, &o, &cp, &n), 0);
			quiet += n == 0;
			free(cp);
		}
		if (quiet < 95)
			fail_msg("min_change %.2f: change points in %zu of 100 noise series", o.min_change,
				 100 - quiet);
	}
}

/* Two levels changes: both found, in order, each with its own size. */
static void test_cp_two_steps(void **state)
{
	struct an_cp_opts o;
	struct an_change_point *cp;
	double x[NIGHTS];
	size_t n;

	an_cp_opts_default(&o);
	series(x, NIGHTS, 42, 0.01, 20, 0.05);
	for (size_t i = 40; i < NIGHTS; i++)
		x[i] *= 0.9; /* then 10 % down */
	assert_int_equal(an_change_points(x, NIGHTS, &o, &cp, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(cp[0].index, 20);
	assert_int_equal(cp[1].index, 40);
	assert_true(cp[0].change > 0.03 && cp[0].change < 0.07);
	assert_true(cp[1].change < -0.08 && cp[1].change > -0.12);
	free(cp);
}

/* A 1 % step in 0.1 % noise is real but below the 2 % minimum: reported only when asked. */
static void test_cp_min_change(void **state)
{
	struct an_cp_opts o;
	struct an_change_point *cp;
	double x[NIGHTS];
	size_t n;

	an_cp_opts_default(&o);
	series(x, NIGHTS, 9, 0.001, 30, 0.01);
	assert_int_equal(an_change_points(x, NIGHTS, &o, &cp, &n), 0);
	assert_int_equal(n, 0);
	o.min_change = 0.005;
	assert_int_equal(an_change_points(x, NIGHTS, &o, &cp, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cp[0].index, 30);
	free(cp);
}

/*
 * Exact counts (bounces per op) that step from 1.0 to 2.0 without noise:
 * found over 20 versions. Over 12 (7 + 5) they are not: only C(12, 5) =
 * 792 orders exist, so a shuffle repeats the observed one about once in
 * 999 and p cannot fall to 0.001: short series need larger steps in vain.
 */
static void test_cp_exact_counts(void **state)
{
	struct an_cp_opts o;
	struct an_change_point *cp;
	double x[20];
	size_t n;

	an_cp_opts_default(&o);
	for (size_t i = 0; i < 20; i++)
		x[i] = i < 12 ? 1.0 : 2.0;
	assert_int_equal(an_change_points(x, 12, &o, &cp, &n), 0);
	assert_int_equal(n, 0); /* 7 + 5 points: p stays above 0.001 */
	free(cp);
	assert_int_equal(an_change_points(x, 20, &o, &cp, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cp[0].index, 12);
	assert_true(fabs(cp[0].change - 1.0) < 1e-12);
	free(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cp_rejects),   cmocka_unit_test(test_cp_step_found),
		cmocka_unit_test(test_cp_noise_quiet), cmocka_unit_test(test_cp_two_steps),
		cmocka_unit_test(test_cp_min_change), cmocka_unit_test(test_cp_exact_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
