/*
 * Unit tests for bench/hist.c, the log-linear latency histogram: bucket
 * bounds, the 1/64 relative error promise, percentiles against an exact
 * sort, merge, and the empty case first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hist.h"

static void test_empty(void **state)
{
	struct gb_hist h;

	gb_hist_init(&h);
	assert_int_equal(h.count, 0);
	assert_int_equal(gb_hist_quantile(&h, 0.5), 0);
	assert_int_equal(gb_hist_quantile(&h, 1.0), 0);
}

static void test_buckets_cover_values(void **state)
{
	/* Every value lies inside its bucket; buckets never exceed the array. */
	static const uint64_t probes[] = { 0, 1, 31, 32, 33, 63, 64, 65, 1000, 4095, 4096,
					   123456789, 1ull << 40, UINT64_MAX };

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		unsigned b = gb_hist_bucket(probes[i]);
		uint64_t lo, hi;

		assert_true(b < GB_HIST_BUCKETS);
		gb_hist_bucket_range(b, &lo, &hi);
		assert_true(lo <= probes[i] && probes[i] <= hi);
		/* width at most 1/32 of the lower bound: midpoint error <= 1/64 */
		if (lo >= 32)
			assert_true((hi - lo + 1) * 32 <= lo);
	}
	/* small values are exact */
	for (uint64_t v = 0; v < 32; v++)
		assert_int_equal(gb_hist_bucket(v), v);
	/* buckets are monotonic */
	for (uint64_t v = 1; v < 100000; v++)
		assert_true(gb_hist_bucket(v) >= gb_hist_bucket(v - 1));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_percentiles_within_error(void **state)
{
	enum { N = 10000 };
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	uint64_t *v = malloc(N * sizeof(*v));
	struct gb_hist h;
	uint64_t x = 88172645463325252ull;

	gb_hist_init(&h);
	for (int i = 0; i < N; i++) {
		/* xorshift: a wide, skewed spread from 100 ns to ~100 ms */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = 100 + (x % 1000) * (x % 1000) * (x % 100);
		gb_hist_record(&h, v[i]);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t rank = (size_t)(qs[i] * N + 0.999999);
		double exact = (double)v[rank - 1];
		double got = (double)gb_hist_quantile(&h, qs[i]);

		if (got < exact * (1 - 1.0 / 64) - 1 || got > exact * (1 + 1.0 / 64) + 1)
			fail_msg("q%.3f: got %.0f, exact %.0f", qs[i], got, exact);
	}
	assert_int_equal(gb_hist_quantile(&h, 1.0), v[N - 1]);
	assert_int_equal(h.max, v[N - 1]);
	assert_int_equal(h.min, v[0]);
	free(v);
}

static void test_merge(void **state)
{
	struct gb_hist a, b;

	gb_hist_init(&a);
	gb_hist_init(&b);
	for (uint64_t i = 1; i <= 100; i++)
		gb_hist_record(&a, i);
	for (uint64_t i = 1000; i < 1100; i++)
		gb_hist_record(&b, i);
	gb_hist_merge(&a, &b);
	assert_int_equal(a.count, 200);
	assert_int_equal(a.min, 1);
	assert_int_equal(a.max, 1099);
	/* the median is the 100th value: 100, which is exact-ish (bucket width 2) */
	assert_in_range(gb_hist_quantile(&a, 0.5), 99, 101);
	assert_true(gb_hist_quantile(&a, 0.51) >= 1000 * 63 / 64);
}

static void test_single_value_clamped(void **state)
{
	struct gb_hist h;

	gb_hist_init(&h);
	gb_hist_record(&h, 1000003);
	/* one value: every percentile is that value exactly (clamped to min/max) */
	assert_int_equal(gb_hist_quantile(&h, 0.5), 1000003);
	assert_int_equal(gb_hist_quantile(&h, 0.999), 1000003);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_buckets_cover_values),
		cmocka_unit_test(test_percentiles_within_error),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_single_value_clamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
