/*
 * Tests for analysis/stats.c on synthetic samples with known answers: descriptive
 * statistics, the generator's reproducibility, and the comparison verdicts
 * (a 10% drop with low noise is flagged, identical distributions are not -
 * with the false-positive rate over many seeds printed -, a noisy 3% change
 * is not, too few repetitions never are).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

/* cmocka 1.1.5 only compares floats; this compares doubles and says by how much. */
#define assert_double_equal(a, b, eps) assert_near((a), (b), (eps), __FILE__, __LINE__)
static void assert_near(double a, double b, double eps, const char *file, int line)
{
	if (!(fabs(a - b) <= eps)) {
		print_error("%.9g != %.9g (+- %g)\n", a, b, eps);
		_fail(file, line);
	}
}

/* Fills @v with n draws of mean * (1 + cv * N(0,1)). */
static void synth(struct bl_rng *rng, double *v, size_t n, double mean, double cv)
{
	for (size_t i = 0; i < n; i++)
		v[i] = mean * (1 + cv * bl_rng_normal(rng));
}

static void test_descriptive(void **state)
{
	const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	const double sorted[] = { 1, 2, 3, 4, 5 };
	const double zero[] = { 0, 0 };

	(void)state;
	/* negative cases first: empty samples and zero means */
	assert_true(isnan(bl_mean(v, 0)));
	assert_true(isnan(bl_stddev(v, 0)));
	assert_true(isnan(bl_cv(zero, 2)));
	assert_double_equal(bl_stddev(v, 1), 0, 0);

	assert_double_equal(bl_mean(v, 8), 5.0, 1e-12);
	/* sum of squares 32, n - 1 = 7 */
	assert_double_equal(bl_stddev(v, 8), sqrt(32.0 / 7.0), 1e-12);
	assert_double_equal(bl_cv(v, 8), sqrt(32.0 / 7.0) / 5.0, 1e-12);
	assert_double_equal(bl_quantile_sorted(sorted, 5, 0.5), 3, 1e-12);
	assert_double_equal(bl_quantile_sorted(sorted, 5, 0.25), 2, 1e-12);
	assert_double_equal(bl_quantile_sorted(sorted, 5, 0.1), 1.4, 1e-12);
	assert_double_equal(bl_quantile_sorted(sorted, 5, 0), 1, 0);
	assert_double_equal(bl_quantile_sorted(sorted, 5, 1), 5, 0);
}

/* Student t against printed tables. */
static void test_student_t(void **state)
{
	(void)state;
	assert_true(isnan(bl_t_two_tail(1, 0)));
	assert_true(isnan(bl_t_quantile_two_sided(0, 4)));
	assert_double_equal(bl_t_two_tail(0, 4), 1, 1e-12);
	assert_double_equal(bl_t_two_tail(2.776445, 4), 0.05, 1e-6);
	assert_double_equal(bl_t_two_tail(12.706205, 1), 0.05, 1e-6);
	assert_double_equal(bl_t_quantile_two_sided(0.05, 4), 2.776445, 1e-5);
	assert_double_equal(bl_t_quantile_two_sided(0.05, 8), 2.306004, 1e-5);
	assert_double_equal(bl_t_quantile_two_sided(0.01, 30), 2.749996, 1e-5);
	assert_double_equal(bl_t_quantile_two_sided(0.05, INFINITY), 1.959964, 1e-5);
	assert_double_equal(bl_t_quantile_two_sided(0.05, 7.5), 2.333, 2e-3); /* fractional df */
}

static void test_rng(void **state)
{
	struct bl_rng a, b, c;
	double sum = 0, sumsq = 0;
	unsigned counts[6] = { 0 };

	(void)state;
	bl_rng_seed(&a, 42);
	bl_rng_seed(&b, 42);
	bl_rng_seed(&c, 43);
	for (int i = 0; i < 100; i++)
		assert_int_equal(bl_rng_next(&a), bl_rng_next(&b));
	assert_int_not_equal(bl_rng_next(&a), bl_rng_next(&c));

	for (int i = 0; i < 60000; i++) {
		uint64_t x = bl_rng_below(&a, 6);

		assert_true(x < 6);
		counts[x]++;
	}
	for (int i = 0; i < 6; i++) /* 10000 expected, 5 sigma is ~460 */
		assert_in_range(counts[i], 9500, 10500);

	for (int i = 0; i < 100000; i++) {
		double x = bl_rng_normal(&a);

		sum += x;
		sumsq += x * x;
	}
	assert_double_equal(sum / 100000, 0, 0.02);
	assert_double_equal(sumsq / 100000, 1, 0.02);
}

static void test_metrics(void **state)
{
	(void)state;
	assert_null(bl_metric_find("no_such_metric"));
	assert_null(bl_metric_find(NULL));
	assert_int_equal(bl_metric_find("ops_per_sec")->direction, BL_HIGHER_IS_BETTER);
	assert_int_equal(bl_metric_find("mib_per_sec")->direction, BL_HIGHER_IS_BETTER);
	assert_int_equal(bl_metric_find("latency_p99_ns")->direction, BL_LOWER_IS_BETTER);
	assert_int_equal(bl_metric_find("bounces_per_op")->direction, BL_LOWER_IS_BETTER);
	assert_int_equal(bl_metric_find("bounce_rate")->direction, BL_LOWER_IS_BETTER);
	assert_int_equal(bl_metric_find("slots_after")->direction, BL_LOWER_IS_BETTER);
}

static void test_bad_input(void **state)
{
	struct bl_stats_opts o;
	struct bl_change c;
	const double ok[] = { 1, 2, 3 };
	const double bad[] = { 1, NAN, 3 };

	(void)state;
	bl_stats_opts_default(&o);
	assert_int_equal(bl_compare_samples(ok, 3, bad, 3, BL_HIGHER_IS_BETTER, &o, &c), -EINVAL);
	assert_int_equal(bl_compare_samples(ok, 3, ok, 3, BL_HIGHER_IS_BETTER, NULL, &c), -EINVAL);
	o.confidence = 1.0;
	assert_int_equal(bl_compare_samples(ok, 3, ok, 3, BL_HIGHER_IS_BETTER, &o, &c), -EINVAL);
	bl_stats_opts_default(&o);
	o.resamples = 1;
	assert_int_equal(bl_compare_samples(ok, 3, ok, 3, BL_HIGHER_IS_BETTER, &o, &c), -EINVAL);
}

/* Too few repetitions: never significant, however large the change. */
static void test_too_few_never_flagged(void **state)
{
	struct bl_stats_opts o;
	struct bl_change c;
	const double base[] = { 1000, 1001 };
	const double half[] = { 500, 501 };

	(void)state;
	bl_stats_opts_default(&o);
	/* a 50% drop with two values each: shown, but not judged */
	assert_int_equal(bl_compare_samples(base, 2, half, 2, BL_HIGHER_IS_BETTER, &o, &c), 0);
	assert_int_equal(c.verdict, BL_VERDICT_TOO_FEW);
	assert_false(c.significant);
	assert_double_equal(c.change, -0.4995, 1e-3);
	assert_true(isnan(c.ci_lo));
	/* one side empty */
	assert_int_equal(bl_compare_samples(base, 0, half, 2, BL_HIGHER_IS_BETTER, &o, &c), 0);
	assert_int_equal(c.verdict, BL_VERDICT_TOO_FEW);
	assert_false(c.significant);
	/* one value per side (counters are one total per run) */
	assert_int_equal(bl_compare_samples(base, 1, half, 1, BL_LOWER_IS_BETTER, &o, &c), 0);
	assert_int_equal(c.verdict, BL_VERDICT_TOO_FEW);
	assert_false(c.significant);
}

/* A 10% throughput drop with 1% noise and 5 repetitions: flagged as worse. */
static void test_ten_percent_drop_flagged(void **state)
{
	struct bl_stats_opts o;
	struct bl_change c;
	struct bl_rng rng;
	double base[5], new_v[5];
	unsigned flagged = 0, seeds = 200;

	(void)state;
	bl_stats_opts_default(&o);
	for (unsigned s = 0; s < seeds; s++) {
		bl_rng_seed(&rng, 1000 + s);
		synth(&rng, base, 5, 10000, 0.01);
		synth(&rng, new_v, 5, 9000, 0.01);
		o.seed = s;
		assert_int_equal(bl_compare_samples(base, 5, new_v, 5, BL_HIGHER_IS_BETTER, &o, &c), 0);
		assert_double_equal(c.change, -0.10, 0.03);
		assert_true(c.ci_lo < c.change && c.change < c.ci_hi);
		if (c.verdict == BL_VERDICT_WORSE)
			flagged++;
	}
	printf("10%% drop, cv 1%%, 5 reps: flagged worse in %u of %u seeds\n", flagged, seeds);
	assert_int_equal(flagged, seeds);

	/* the same drop in latency (lower is better) is an improvement */
	bl_rng_seed(&rng, 7);
	synth(&rng, base, 5, 10000, 0.01);
	synth(&rng, new_v, 5, 9000, 0.01);
	assert_int_equal(bl_compare_samples(base, 5, new_v, 5, BL_LOWER_IS_BETTER, &o, &c), 0);
	assert_int_equal(c.verdict, BL_VERDICT_BETTER);
}

/*
 * Identical distributions: the false-positive rate over many seeds, printed.
 * Both the full rule and the interval alone are measured, so the output shows
 * what the noise threshold buys.
 */
static void test_identical_false_positive_rate(void **state)
{
	static const struct {
		size_t n;
		double cv;
		double max_rate; /* the rule's false-positive rate must stay below */
	} cases[] = {
		{ 5, 0.01, 0.01 },  /* quiet benchmark, 5 reps */
		{ 10, 0.01, 0.01 }, /* quiet, 10 reps */
		{ 5, 0.03, 0.08 },  /* noisier than the threshold: the interval must hold 5% */
		{ 10, 0.05, 0.08 }, /* noisy, 10 reps */
	};
	struct bl_stats_opts o;
	struct bl_change c;
	struct bl_rng rng;
	double base[10], new_v[10];
	const unsigned seeds = 2000;

	(void)state;
	bl_stats_opts_default(&o);
	o.resamples = 1000;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		unsigned fp = 0, ci_only = 0;

		for (unsigned s = 0; s < seeds; s++) {
			bl_rng_seed(&rng, 0xabc000 + s);
			synth(&rng, base, cases[k].n, 5000, cases[k].cv);
			synth(&rng, new_v, cases[k].n, 5000, cases[k].cv);
			o.seed = s;
			assert_int_equal(bl_compare_samples(base, cases[k].n, new_v, cases[k].n,
							    BL_HIGHER_IS_BETTER, &o, &c), 0);
			if (c.significant)
				fp++;
			if (c.ci_lo > 0 || c.ci_hi < 0)
				ci_only++;
			assert_true(c.verdict == BL_VERDICT_SAME || c.significant);
		}
		printf("identical distributions, n=%zu, cv=%.0f%%: false-positive rate %.2f%% "
		       "(%u of %u seeds); interval alone excludes 0 in %.2f%%\n",
		       cases[k].n, cases[k].cv * 100, 100.0 * fp / seeds, fp, seeds,
		       100.0 * ci_only / seeds);
		assert_true((double)fp / seeds <= cases[k].max_rate);
	}
}

/* A 3% change buried in 10% noise: not flagged (in nearly every seed). */
static void test_noisy_three_percent_not_flagged(void **state)
{
	struct bl_stats_opts o;
	struct bl_change c;
	struct bl_rng rng;
	double base[5], new_v[5];
	unsigned flagged = 0;
	const unsigned seeds = 1000;

	(void)state;
	bl_stats_opts_default(&o);
	o.resamples = 1000;
	for (unsigned s = 0; s < seeds; s++) {
		bl_rng_seed(&rng, 0x3000 + s);
		synth(&rng, base, 5, 1000, 0.10);
		synth(&rng, new_v, 5, 970, 0.10);
		o.seed = s;
		assert_int_equal(bl_compare_samples(base, 5, new_v, 5, BL_HIGHER_IS_BETTER, &o, &c), 0);
		if (c.significant)
			flagged++;
	}
	printf("3%% drop, cv 10%%, 5 reps: flagged in %u of %u seeds (%.1f%%)\n", flagged, seeds,
	       100.0 * flagged / seeds);
	/* one fixed seed is the acceptance case; the rate shows it is not luck */
	bl_rng_seed(&rng, 3);
	synth(&rng, base, 5, 1000, 0.10);
	synth(&rng, new_v, 5, 970, 0.10);
	bl_stats_opts_default(&o);
	assert_int_equal(bl_compare_samples(base, 5, new_v, 5, BL_HIGHER_IS_BETTER, &o, &c), 0);
	assert_false(c.significant);
	assert_true((double)flagged / seeds < 0.12);
}

/* A tiny but certain change (0.5%, no noise) stays under the threshold. */
static void test_below_threshold(void **state)
{
	struct bl_stats_opts o;
	struct bl_change c;
	const double base[] = { 1000, 1000, 1000, 1000 };
	const double new_v[] = { 995, 995, 995, 995 };

	(void)state;
	bl_stats_opts_default(&o);
	assert_int_equal(bl_compare_samples(base, 4, new_v, 4, BL_HIGHER_IS_BETTER, &o, &c), 0);
	assert_true(c.ci_hi < 0); /* the interval is sure ... */
	assert_false(c.significant); /* ... but 0.5% is below 2% */
	assert_int_equal(c.verdict, BL_VERDICT_SAME);
	o.noise = 0.001;
	assert_int_equal(bl_compare_samples(base, 4, new_v, 4, BL_HIGHER_IS_BETTER, &o, &c), 0);
	assert_int_equal(c.verdict, BL_VERDICT_WORSE);
}

/* Base exactly zero (bounces with noforce): absolute change, still judged. */
static void test_zero_base(void **state)
{
	struct bl_stats_opts o;
	struct bl_change c;
	const double zero[] = { 0, 0, 0 };
	const double one[] = { 1, 1, 1 };

	(void)state;
	bl_stats_opts_default(&o);
	assert_int_equal(bl_compare_samples(zero, 3, one, 3, BL_LOWER_IS_BETTER, &o, &c), 0);
	assert_false(c.relative);
	assert_double_equal(c.change, 1, 1e-12);
	assert_int_equal(c.verdict, BL_VERDICT_WORSE);
	assert_int_equal(bl_compare_samples(zero, 3, zero, 3, BL_LOWER_IS_BETTER, &o, &c), 0);
	assert_true(c.relative);
	assert_double_equal(c.change, 0, 0);
	assert_int_equal(c.verdict, BL_VERDICT_SAME);
}

/* Same seed, same interval; another seed, another (close) interval. */
static void test_reproducible(void **state)
{
	struct bl_stats_opts o;
	struct bl_change a, b;
	const double base[] = { 100, 103, 98, 101, 99 };
	const double new_v[] = { 90, 92, 91, 89, 93 };

	(void)state;
	bl_stats_opts_default(&o);
	assert_int_equal(bl_compare_samples(base, 5, new_v, 5, BL_HIGHER_IS_BETTER, &o, &a), 0);
	assert_int_equal(bl_compare_samples(base, 5, new_v, 5, BL_HIGHER_IS_BETTER, &o, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	o.seed++;
	assert_int_equal(bl_compare_samples(base, 5, new_v, 5, BL_HIGHER_IS_BETTER, &o, &b), 0);
	assert_true(a.ci_lo != b.ci_lo || a.ci_hi != b.ci_hi);
	assert_double_equal(a.ci_lo, b.ci_lo, 0.01);
}

/* bl_compare_summaries: refusals first, then the rules it shares with the bootstrap. */
static void test_summaries(void **state)
{
	struct bl_stats_opts o;
	struct bl_change c;
	struct bl_summary b = { 10, 1000, 20 }, n = { 10, 900, 20 };
	struct bl_summary nan_mean = { 10, NAN, 1 }, inf_sd = { 10, 1000, INFINITY };
	struct bl_summary two = { 2, 1000, 20 }, zero = { 10, 0, 0 }, some = { 10, 5, 1 };

	(void)state;
	bl_stats_opts_default(&o);
	assert_int_equal(bl_compare_summaries(&b, &n, BL_HIGHER_IS_BETTER, NULL, &c), -EINVAL);
	assert_int_equal(bl_compare_summaries(&nan_mean, &n, BL_HIGHER_IS_BETTER, &o, &c), -EINVAL);
	assert_int_equal(bl_compare_summaries(&b, &inf_sd, BL_HIGHER_IS_BETTER, &o, &c), -EINVAL);
	o.confidence = 1;
	assert_int_equal(bl_compare_summaries(&b, &n, BL_HIGHER_IS_BETTER, &o, &c), -EINVAL);
	bl_stats_opts_default(&o);

	/* a 10% drop with 2% spread, 10 a side: worse; the interval is t * se around it */
	assert_int_equal(bl_compare_summaries(&b, &n, BL_HIGHER_IS_BETTER, &o, &c), 0);
	assert_int_equal(c.verdict, BL_VERDICT_WORSE);
	assert_true(c.significant && c.relative);
	assert_true(fabs(c.change + 0.10) < 1e-12);
	{
		double se = sqrt(400.0 / 10 / 1e6 + 900.0 * 900.0 * 400.0 / 10 / 1e12);
		double df = 18; /* equal variances and sizes: Welch gives n1 + n2 - 2 */
		double t = bl_t_quantile_two_sided(0.05, df);

		assert_true(fabs(c.ci_lo - (-0.10 - t * se)) < 1e-9);
		assert_true(fabs(c.ci_hi - (-0.10 + t * se)) < 1e-9);
	}
	/* the good way for a latency */
	assert_int_equal(bl_compare_summaries(&b, &n, BL_LOWER_IS_BETTER, &o, &c), 0);
	assert_int_equal(c.verdict, BL_VERDICT_BETTER);
	/* too few, and within the noise */
	assert_int_equal(bl_compare_summaries(&two, &n, BL_HIGHER_IS_BETTER, &o, &c), 0);
	assert_int_equal(c.verdict, BL_VERDICT_TOO_FEW);
	n.mean = 990;
	assert_int_equal(bl_compare_summaries(&b, &n, BL_HIGHER_IS_BETTER, &o, &c), 0);
	assert_int_equal(c.verdict, BL_VERDICT_SAME);
	/* a zero base: an absolute change, no noise threshold */
	assert_int_equal(bl_compare_summaries(&zero, &some, BL_LOWER_IS_BETTER, &o, &c), 0);
	assert_false(c.relative);
	assert_true(fabs(c.change - 5) < 1e-12);
	assert_int_equal(c.verdict, BL_VERDICT_WORSE);
}

/*
 * Above bootstrap_max values bl_compare_samples() is bl_compare_summaries()
 * of the samples; below it the bootstrap, whose interval agrees with it on
 * large samples (what the switch assumes).
 */
static void test_large_samples(void **state)
{
	static double base[400], new_v[400];
	struct bl_stats_opts o;
	struct bl_change big, sum, boot;
	struct bl_summary bs, ns;
	struct bl_rng rng;

	(void)state;
	bl_stats_opts_default(&o);
	bl_rng_seed(&rng, 7);
	synth(&rng, base, 400, 1000, 0.05);
	synth(&rng, new_v, 400, 990, 0.05);
	assert_int_equal(bl_compare_samples(base, 400, new_v, 400, BL_HIGHER_IS_BETTER, &o, &big), 0);
	bs = (struct bl_summary){ 400, bl_mean(base, 400), bl_stddev(base, 400) };
	ns = (struct bl_summary){ 400, bl_mean(new_v, 400), bl_stddev(new_v, 400) };
	assert_int_equal(bl_compare_summaries(&bs, &ns, BL_HIGHER_IS_BETTER, &o, &sum), 0);
	assert_memory_equal(&big, &sum, sizeof(big));
	o.bootstrap_max = 0; /* always the bootstrap */
	assert_int_equal(bl_compare_samples(base, 400, new_v, 400, BL_HIGHER_IS_BETTER, &o, &boot), 0);
	printf("400 a side, -1%%, cv 5%%: t interval [%.4f, %.4f], bootstrap [%.4f, %.4f]\n",
	       sum.ci_lo, sum.ci_hi, boot.ci_lo, boot.ci_hi);
	assert_true(fabs(boot.ci_lo - sum.ci_lo) < 0.002 && fabs(boot.ci_hi - sum.ci_hi) < 0.002);
	assert_int_equal(boot.verdict, sum.verdict);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptive),
		cmocka_unit_test(test_student_t),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_too_few_never_flagged),
		cmocka_unit_test(test_ten_percent_drop_flagged),
		cmocka_unit_test(test_identical_false_positive_rate),
		cmocka_unit_test(test_noisy_three_percent_not_flagged),
		cmocka_unit_test(test_below_threshold),
		cmocka_unit_test(test_zero_base),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_summaries),
		cmocka_unit_test(test_large_samples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
