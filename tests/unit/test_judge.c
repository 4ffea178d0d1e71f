/*
 * Unit tests for analysis/judge.c: verdicts with boots as the unit, counts
 * judged exactly, noise floors. Negative cases first; each row of a table
 * says what it pins down.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "judge.h"

#define B(...) { (const double[]){ __VA_ARGS__ }, sizeof((const double[]){ __VA_ARGS__ }) / sizeof(double) }

static void test_bad_input(void **state)
{
	struct bl_judge_opts o;
	struct bl_judgement j;
	struct bl_boot_sample ok[] = { B(1, 2, 3) }, bad[] = { B(1, NAN) };

	(void)state;
	bl_judge_opts_default(&o);
	assert_int_equal(bl_judge_time(ok, 1, bad, 1, BL_HIGHER_IS_BETTER, 0.01, &o, &j), -EINVAL);
	assert_int_equal(bl_judge_count(bad, 1, ok, 1, BL_LOWER_IS_BETTER, 0, &o, &j), -EINVAL);
	o.min_boots = 1; /* Welch's t needs two boots a side */
	assert_int_equal(bl_judge_time(ok, 1, ok, 1, BL_HIGHER_IS_BETTER, 0.01, &o, &j), -EINVAL);
	bl_judge_opts_default(&o);
	o.confidence = 1;
	assert_int_equal(bl_judge_time(ok, 1, ok, 1, BL_HIGHER_IS_BETTER, 0.01, &o, &j), -EINVAL);
	bl_judge_opts_default(&o);
	assert_int_equal(bl_judge_time(ok, 1, ok, 1, BL_HIGHER_IS_BETTER, 0.01, &o, NULL), -EINVAL);
	/* one side empty: not judged, and it says why */
	assert_int_equal(bl_judge_time(ok, 1, NULL, 0, BL_HIGHER_IS_BETTER, 0.01, &o, &j), 0);
	assert_int_equal(j.verdict, BL_VERDICT_TOO_FEW);
	assert_non_null(j.why);
}

/* Times with one boot a side: the floor decides, and without one the answer is unknown. */
static void test_time_one_boot(void **state)
{
	const struct {
		struct bl_boot_sample base, nw;
		double floor;
		enum bl_change_verdict want;
	} rows[] = {
		/* tight repetitions, 10% apart, but no floor: unknown, never "worse" */
		{ B(100, 101, 99), B(90, 91, 89), NAN, BL_VERDICT_TOO_FEW },
		/* floor 1% (threshold max(2%, 2 x 1%) = 2%): a 10% drop is a regression */
		{ B(100, 101, 99), B(90, 91, 89), 0.01, BL_VERDICT_WORSE },
		/* floor 8%: threshold 16%, the same 10% drop is within what A/A boots differ by */
		{ B(100, 101, 99), B(90, 91, 89), 0.08, BL_VERDICT_SAME },
		/* 1.5% better with tight reps, below the 2% --noise: same */
		{ B(100, 100.1, 99.9), B(101.5, 101.6, 101.4), 0.001, BL_VERDICT_SAME },
		/* 10% better: better */
		{ B(100, 101, 99), B(110, 111, 109), 0.01, BL_VERDICT_BETTER },
		/* one value a side: the point change against the floor */
		{ B(100), B(80), 0.01, BL_VERDICT_WORSE },
		{ B(100), B(99), 0.01, BL_VERDICT_SAME },
	};
	struct bl_judge_opts o;
	struct bl_judgement j;

	(void)state;
	bl_judge_opts_default(&o);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(bl_judge_time(&rows[i].base, 1, &rows[i].nw, 1, BL_HIGHER_IS_BETTER,
					       rows[i].floor, &o, &j),
				 0);
		if (j.verdict != rows[i].want)
			fail_msg("row %zu: verdict %s, want %s", i, bl_verdict_name(j.verdict),
				 bl_verdict_name(rows[i].want));
		assert_int_equal(j.method, BL_JUDGE_WITHIN_BOOT);
		assert_true(j.calibrated == !isnan(rows[i].floor));
	}
}

/* Times with several boots a side: Welch's t on boot means. */
static void test_time_boots(void **state)
{
	/* within each boot the reps agree; between boots the level moves by ~3% */
	struct bl_boot_sample a[] = { B(100, 100.2), B(103, 103.1), B(97.5, 97.6) };
	struct bl_boot_sample a2[] = { B(101, 101.1), B(98, 98.2), B(102.5, 102.4) };
	struct bl_boot_sample worse[] = { B(80, 80.2), B(82.4, 82.5), B(78, 78.1) };
	struct bl_judge_opts o;
	struct bl_judgement j;

	(void)state;
	bl_judge_opts_default(&o);
	/* A/A: the boot-to-boot movement is not a change, even without a floor */
	assert_int_equal(bl_judge_time(a, 3, a2, 3, BL_HIGHER_IS_BETTER, NAN, &o, &j), 0);
	assert_int_equal(j.method, BL_JUDGE_WELCH);
	assert_int_equal(j.verdict, BL_VERDICT_SAME);
	assert_true(j.ci_lo < 0 && j.ci_hi > 0);
	/* 20% down over three boots: worse, the interval excludes zero */
	assert_int_equal(bl_judge_time(a, 3, worse, 3, BL_HIGHER_IS_BETTER, NAN, &o, &j), 0);
	assert_int_equal(j.verdict, BL_VERDICT_WORSE);
	assert_true(j.ci_hi < 0);
	assert_int_equal(j.base_boots, 3);
	assert_float_equal(j.change, -0.2, 0.01);
	/* lower is better (latency): the same numbers are an improvement */
	assert_int_equal(bl_judge_time(a, 3, worse, 3, BL_LOWER_IS_BETTER, NAN, &o, &j), 0);
	assert_int_equal(j.verdict, BL_VERDICT_BETTER);
	/* a floor of 15% (threshold 30%) absorbs the 20% */
	assert_int_equal(bl_judge_time(a, 3, worse, 3, BL_HIGHER_IS_BETTER, 0.15, &o, &j), 0);
	assert_int_equal(j.verdict, BL_VERDICT_SAME);
	assert_float_equal(j.threshold, 0.30, 1e-12);
}

/* One boot against several (tonight against the last nights): the several's spread decides. */
static void test_time_one_vs_boots(void **state)
{
	struct bl_boot_sample nights[] = { B(100, 100.1), B(101, 101.2), B(99, 99.1) };
	struct bl_boot_sample drop[] = { B(85, 85.1) }, same[] = { B(100.5, 100.4) };
	struct bl_judge_opts o;
	struct bl_judgement j;

	(void)state;
	bl_judge_opts_default(&o);
	/* no floor needed: the three nights measured the between-boot spread themselves */
	assert_int_equal(bl_judge_time(nights, 3, drop, 1, BL_HIGHER_IS_BETTER, NAN, &o, &j), 0);
	assert_int_equal(j.method, BL_JUDGE_ONE_VS_BOOTS);
	assert_int_equal(j.verdict, BL_VERDICT_WORSE);
	assert_int_equal(bl_judge_time(nights, 3, same, 1, BL_HIGHER_IS_BETTER, NAN, &o, &j), 0);
	assert_int_equal(j.verdict, BL_VERDICT_SAME);
	/* the other way round too: one base boot against three new ones */
	assert_int_equal(bl_judge_time(drop, 1, nights, 3, BL_HIGHER_IS_BETTER, NAN, &o, &j), 0);
	assert_int_equal(j.method, BL_JUDGE_ONE_VS_BOOTS);
	assert_int_equal(j.verdict, BL_VERDICT_BETTER);
}

/* Counts: exact, no minimum of values, the A/A floor absorbs only what it measured. */
static void test_counts(void **state)
{
	const struct {
		struct bl_boot_sample base, nw;
		double floor;
		enum bl_change_verdict want;
	} rows[] = {
		{ B(128, 128, 128), B(128, 128, 128), NAN, BL_VERDICT_SAME },	/* identical */
		{ B(128), B(129), NAN, BL_VERDICT_WORSE },		/* one more bounce per op, one value */
		{ B(0, 0, 0), B(1, 1, 1), NAN, BL_VERDICT_WORSE },	/* from none to some */
		{ B(5, 5), B(0, 0), NAN, BL_VERDICT_BETTER },		/* failures gone */
		{ B(10, 12, 11), B(11, 13, 12), NAN, BL_VERDICT_SAME },	/* ranges overlap */
		{ B(10, 11), B(14, 15), 3, BL_VERDICT_SAME },		/* inside 2 x the A/A floor of 3 */
		{ B(10, 11), B(20, 21), 3, BL_VERDICT_WORSE },		/* beyond it */
		{ B(0.1 + 0.2), B(0.3), NAN, BL_VERDICT_SAME },		/* one count printed two ways */
	};
	struct bl_judge_opts o;
	struct bl_judgement j;

	(void)state;
	bl_judge_opts_default(&o);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(bl_judge_count(&rows[i].base, 1, &rows[i].nw, 1, BL_LOWER_IS_BETTER,
						rows[i].floor, &o, &j),
				 0);
		if (j.verdict != rows[i].want)
			fail_msg("row %zu: verdict %s, want %s", i, bl_verdict_name(j.verdict),
				 bl_verdict_name(rows[i].want));
		assert_int_equal(j.method, BL_JUDGE_EXACT);
	}
	/* from zero: the change is absolute */
	assert_int_equal(bl_judge_count(&rows[2].base, 1, &rows[2].nw, 1, BL_LOWER_IS_BETTER, NAN, &o, &j), 0);
	assert_false(j.relative);
	assert_float_equal(j.change, 1, 1e-12);
}

static void test_floors(void **state)
{
	(void)state;
	assert_true(isnan(bl_floor_time((const double[]){ 100 }, 1))); /* one boot: no spread */
	assert_true(isnan(bl_floor_time((const double[]){ 100, 0 }, 2))); /* not a rate */
	assert_float_equal(bl_floor_time((const double[]){ 100, 110, 105 }, 3), 0.10, 1e-12);
	assert_float_equal(bl_floor_time((const double[]){ 50, 50 }, 2), 0, 0);
	assert_true(isnan(bl_floor_count((const double[]){ 3 }, 1)));
	assert_float_equal(bl_floor_count((const double[]){ 3, 5, 4 }, 3), 2, 0);
	assert_float_equal(bl_floor_count((const double[]){ 128, 128 }, 2), 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),   cmocka_unit_test(test_time_one_boot),
		cmocka_unit_test(test_time_boots),  cmocka_unit_test(test_time_one_vs_boots),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_floors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
