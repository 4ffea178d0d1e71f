/*
 * Unit tests for analysis/poolsearch.c: the pool-size search driven by a
 * fake boot (fake_boot below, a function of the pool size, no QEMU). Bad
 * parameters first, then the answers: monotone, non-monotone, every probe
 * failing, every probe passing, rows no pool helps, the boot budget, and
 * every answer of the default range found in at most 10 boots.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "poolsearch.h"

#define K256 PS_STEP
#define MiB  (1ull << 20)

/* The fake machine: what a boot with a given pool shows. */
struct fake {
	uint64_t need;		/* pools >= need pass (the monotone answer) */
	uint64_t hole_lo, hole_hi; /* pools in [hole_lo, hole_hi) fail too (non-monotone) */
	unsigned flaky_at;	/* the Nth boot (1-based) at pool `need` fails once; 0 never */
	int64_t peak;		/* peak slots every boot reports; -1 none */
	bool big_row;		/* a row that fails at every pool (a 1 MiB mapping) */
	bool all_fail;		/* every row fails at every pool */
	bool dies_at_max;	/* the max boot produces no documents */
	unsigned boots, boots_at_need;
	uint64_t max;
};

static int add_failed(struct ps_obs *o, const char *key)
{
	char **v = realloc(o->failed, (o->nfailed + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	o->failed = v;
	o->failed[o->nfailed] = strdup(key);
	return o->failed[o->nfailed++] ? 0 : -ENOMEM;
}

static int fake_boot(void *arg, uint64_t pool, struct ps_obs *o)
{
	struct fake *f = arg;
	bool small = pool < f->need || (pool >= f->hole_lo && pool < f->hole_hi);

	f->boots++;
	if (pool == f->need && ++f->boots_at_need == f->flaky_at)
		small = true;
	o->boot_ok = !(f->dies_at_max && pool == f->max);
	if (!o->boot_ok)
		return 0;
	o->nrows = 3;
	o->peak_slots = f->peak;
	if (f->all_fail) {
		assert_int_equal(add_failed(o, "a 4096"), 0);
		assert_int_equal(add_failed(o, "b 65536"), 0);
		assert_int_equal(add_failed(o, "c 1048576"), 0);
		return 0;
	}
	if (f->big_row)
		assert_int_equal(add_failed(o, "dmaheap 1048576"), 0);
	if (small)
		assert_int_equal(add_failed(o, "udmabuf 4194304"), 0);
	return 0;
}

static struct ps_params defaults(void)
{
	return (struct ps_params){ .min = PS_DEFAULT_MIN, .max = PS_DEFAULT_MAX, .boots = PS_BOOTS_MAX };
}

/* Every size the result names was seen by a boot, with the outcome it claims. */
static void assert_observed(const struct ps_result *r, uint64_t pool, bool fails)
{
	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].pool_bytes == pool && r->obs[i].fails == fails)
			return;
	fail_msg("pool %llu bytes was never seen to %s", (unsigned long long)pool, fails ? "fail" : "pass");
}

/* --- bad parameters, refused naming the value ----------------------------- */

static void test_params_rejects(void **state)
{
	static const struct {
		struct ps_params p;
		const char *msg_has;
	} bad[] = {
		{ { 0, 1ull << 30, 10 }, "--min 0 bytes" },		   /* zero */
		{ { 100 << 10, 1ull << 30, 10 }, "--min 102400 bytes" },    /* not a multiple of 256K */
		{ { K256, (1ull << 30) + 4096, 10 }, "--max 1073745920" },  /* not a multiple of 256K */
		{ { 2 * MiB, MiB, 10 }, "--min 2097152 bytes is above --max 1048576" }, /* min > max */
		{ { K256, MiB, 1 }, "--boots 1" },			   /* no room to confirm */
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ps_params_check(&bad[i].p, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg_has))
			fail_msg("row %zu: '%s' lacks '%s'", i, err, bad[i].msg_has);
	}
	struct ps_params ok = defaults();
	assert_int_equal(ps_params_check(&ok, err, sizeof(err)), 0);
}

/* --- answers -------------------------------------------------------------- */

/* Monotone: 8 MiB needed, the peak hint right: found, step below seen failing, confirmed. */
static void test_monotone(void **state)
{
	struct fake f = { .need = 8 * MiB, .peak = 4096 - 100, .max = PS_DEFAULT_MAX };
	struct ps_params p = defaults();
	struct ps_result r;

	(void)state;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_int_equal(r.verdict, PS_FOUND);
	assert_int_equal(r.answer, 8 * MiB);
	assert_int_equal(r.largest_failed, 8 * MiB - K256);
	assert_true(r.monotone);
	assert_observed(&r, 8 * MiB, false);
	assert_observed(&r, 8 * MiB - K256, true);
	assert_true(r.obs[r.nobs - 1].confirm);
	assert_true(r.nobs <= 10);
	ps_result_free(&r);
}

/* Monotone without a hint (no slot counters): bisection alone, a bracket if 10 boots do not suffice. */
static void test_monotone_no_hint(void **state)
{
	struct fake f = { .need = 8 * MiB, .peak = -1, .max = PS_DEFAULT_MAX };
	struct ps_params p = defaults();
	struct ps_result r;

	(void)state;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_true(r.nobs <= 10);
	assert_true(r.verdict == PS_FOUND || r.verdict == PS_BRACKET);
	assert_true(r.largest_failed < 8 * MiB && r.answer >= 8 * MiB);
	assert_observed(&r, r.answer, false);
	assert_observed(&r, r.largest_failed, true);
	ps_result_free(&r);
	/* a small range is searched exactly */
	f = (struct fake){ .need = 3 * MiB, .peak = -1, .max = 16 * MiB };
	p.max = 16 * MiB;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_int_equal(r.verdict, PS_FOUND);
	assert_int_equal(r.answer, 3 * MiB);
	ps_result_free(&r);
}

/*
 * Non-monotone, flaky: the answer passes once and fails its confirmation.
 * The search must not recommend it: it moves above and flags the result.
 */
static void test_non_monotone_flaky(void **state)
{
	struct fake f = { .need = 8 * MiB, .flaky_at = 2, .peak = 4096 - 100, .max = PS_DEFAULT_MAX };
	struct ps_params p = defaults();
	struct ps_result r;

	(void)state;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_false(r.monotone);
	assert_true(r.nobs <= 10);
	assert_true(r.answer > 8 * MiB || r.verdict == PS_UNSTABLE);
	if (r.verdict == PS_FOUND) {
		assert_observed(&r, r.answer, false);
		assert_observed(&r, r.largest_failed, true);
		assert_int_equal(r.largest_failed, r.answer - K256);
	}
	ps_result_free(&r);
}

/*
 * Non-monotone, a hole: 2 MiB passes, [4 MiB, 6 MiB) fails, 6 MiB and up
 * pass. Whatever the search answers, it has seen that size pass and the
 * step below fail, and its answer is not inside the hole.
 */
static void test_non_monotone_hole(void **state)
{
	struct fake f = { .need = 2 * MiB, .hole_lo = 4 * MiB, .hole_hi = 6 * MiB, .peak = -1,
			  .max = 64 * MiB };
	struct ps_params p = { .min = K256, .max = 64 * MiB, .boots = 10 };
	struct ps_result r;

	(void)state;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_int_equal(r.verdict, PS_FOUND);
	assert_true(r.answer == 2 * MiB || r.answer == 6 * MiB);
	assert_observed(&r, r.answer, false);
	assert_observed(&r, r.answer - K256, true);
	ps_result_free(&r);
}

/* Every probe failing: no pool size helps, and one boot (max) says so. */
static void test_every_probe_fails(void **state)
{
	struct fake f = { .all_fail = true, .peak = 2000, .max = PS_DEFAULT_MAX };
	struct ps_params p = defaults();
	struct ps_result r;

	(void)state;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_int_equal(r.verdict, PS_NONE_HELPS);
	assert_int_equal(r.nobs, 1);
	assert_int_equal(r.nexcluded, 3);
	assert_int_equal(r.answer, 0);
	ps_result_free(&r);
}

/* Every probe passing: min is the answer, no failure seen, confirmed. */
static void test_every_probe_passes(void **state)
{
	struct fake f = { .need = 0, .peak = 10, .max = PS_DEFAULT_MAX };
	struct ps_params p = defaults();
	struct ps_result r;

	(void)state;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_int_equal(r.verdict, PS_FOUND);
	assert_int_equal(r.answer, K256);
	assert_int_equal(r.largest_failed, 0);
	assert_true(r.nobs <= 3);
	ps_result_free(&r);
}

/* A row failing at max (1 MiB dma-heap) is excluded; the others are searched. */
static void test_excluded_row(void **state)
{
	struct fake f = { .need = 5 * MiB, .big_row = true, .peak = 2500, .max = PS_DEFAULT_MAX };
	struct ps_params p = defaults();
	struct ps_result r;

	(void)state;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_int_equal(r.verdict, PS_FOUND);
	assert_int_equal(r.answer, 5 * MiB);
	assert_int_equal(r.nexcluded, 1);
	assert_string_equal(r.excluded[0], "dmaheap 1048576");
	/* every boot's judgement leaves the excluded row out: passing boots count no failed row */
	for (size_t i = 0; i < r.nobs; i++)
		assert_int_equal(r.obs[i].judged_rows, r.obs[i].fails ? 1 : 0);
	ps_result_free(&r);
}

/* The max boot died: nothing to search, no further boot. */
static void test_max_dies(void **state)
{
	struct fake f = { .need = MiB, .dies_at_max = true, .peak = -1, .max = PS_DEFAULT_MAX };
	struct ps_params p = defaults();
	struct ps_result r;

	(void)state;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_int_equal(r.verdict, PS_MAX_DIED);
	assert_int_equal(f.boots, 1);
	ps_result_free(&r);
}

/* A budget of 3 boots over a wide range: a bracket, never more boots than allowed. */
static void test_budget_bracket(void **state)
{
	struct fake f = { .need = 100 * MiB, .peak = -1, .max = PS_DEFAULT_MAX };
	struct ps_params p = defaults();
	struct ps_result r;

	(void)state;
	p.boots = 3;
	assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
	assert_int_equal(r.verdict, PS_BRACKET);
	assert_int_equal(f.boots, 3);
	assert_true(r.largest_failed < 100 * MiB && r.answer >= 100 * MiB);
	ps_result_free(&r);
}

/*
 * Every answer of the default range (256K..1G, 4096 sizes) with the peak a
 * boot reports (the answer's slots less standing noise of up to one
 * segment): found exactly, at most 10 boots.
 */
static void test_default_range_at_most_10(void **state)
{
	struct ps_params p = defaults();
	unsigned worst = 0;

	(void)state;
	for (uint64_t k = 1; k <= PS_DEFAULT_MAX / K256; k++) {
		struct fake f = { .need = k * K256, .peak = (int64_t)(k * 128) - (int64_t)(k % 97),
				  .max = PS_DEFAULT_MAX };
		struct ps_result r;

		assert_int_equal(ps_search(&p, fake_boot, &f, &r), 0);
		if (r.verdict != PS_FOUND || r.answer != k * K256)
			fail_msg("need %llu: verdict %s answer %llu", (unsigned long long)(k * K256),
				 ps_verdict_name(r.verdict), (unsigned long long)r.answer);
		if (f.boots > worst)
			worst = f.boots;
		ps_result_free(&r);
	}
	assert_true(worst <= 10);
}

/* The confidential-VM default: 6 % of RAM, clamped to [64 MiB, 1 GiB]. */
static void test_cvm_default(void **state)
{
	(void)state;
	assert_int_equal(ps_cvm_default(512 * MiB), 64 * MiB);	      /* clamped up */
	assert_int_equal(ps_cvm_default(6144 * MiB), 6144 * MiB / 100 * 6); /* 6 % */
	assert_int_equal(ps_cvm_default(64ull << 30), 1ull << 30);      /* capped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_rejects),
		cmocka_unit_test(test_max_dies),
		cmocka_unit_test(test_every_probe_fails),
		cmocka_unit_test(test_every_probe_passes),
		cmocka_unit_test(test_monotone),
		cmocka_unit_test(test_monotone_no_hint),
		cmocka_unit_test(test_non_monotone_flaky),
		cmocka_unit_test(test_non_monotone_hole),
		cmocka_unit_test(test_excluded_row),
		cmocka_unit_test(test_budget_bracket),
		cmocka_unit_test(test_default_range_at_most_10),
		cmocka_unit_test(test_cvm_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
