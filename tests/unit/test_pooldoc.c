/*
 * Unit tests for analysis/pooldoc.c: the pool-search document and its
 * text, from search results built by hand (the boots' numbers are the
 * shapes 6.12 gave: a pool rounded up to a power of 2, 2000 standing
 * slots, a refused 1 MiB dma-heap mapping).
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

#include "pooldoc.h"

#define MiB ((uint64_t)1 << 20)

static const struct pd_context ctx = { .series = "6.12", .job = "configs/jobs/pool.ini", .mode = "force",
				       .mode_word = "force", .started_at = "2026-12-03T15:00:00.000Z" };

static struct ps_obs obs(uint64_t pool, int64_t alloc, bool fails, int failed_ops, const char *line)
{
	struct ps_obs o = { .pool_bytes = pool, .boot_ok = true, .nrows = 7, .peak_slots = 4048,
			    .largest_refused = 1048576, .largest_bounce = 1048576, .ram_mib = 6144,
			    .alloc_slabs = alloc, .fails = fails, .failed_ops = failed_ops };

	o.first_line = line ? strdup(line) : NULL;
	return o;
}

/* A found answer: the rounding sentence, the command line with the allocated slots, the closing note. */
static void test_found(void **state)
{
	struct ps_obs v[3];
	char *ex[] = { "pool-dmaheap-vgem-import 1048576" };
	struct ps_result r = { .verdict = PS_FOUND, .answer = 4352 * 1024, .largest_failed = 4 * MiB,
			       .monotone = true, .excluded = ex, .nexcluded = 1, .obs = v, .nobs = 3 };
	struct ps_params p = { .min = 256 << 10, .max = 1 << 30, .boots = 10 };
	json_t *d, *a;
	char *text;
	size_t len;
	FILE *f;

	(void)state;
	v[0] = obs(1 << 30, 524288, false, 4, NULL);
	v[1] = obs(4 * MiB, 2048, true, 9, "pool-udmabuf-vgem-import 4194304: swiotlb buffer is full (sz: 4096 bytes)");
	v[1].judged_ops = 9; /* what the search sets: ops of the rows some pool helps */
	v[1].judged_rows = 1;
	v[1].judged_line = v[1].first_line;
	v[2] = obs(4352 * 1024, 4096, false, 4, NULL);
	v[2].confirm = true;
	assert_non_null(d = pd_document(&ctx, &p, &r));
	assert_string_equal(json_string_value(json_object_get(d, "verdict")), "found");
	a = json_object_get(d, "answer");
	assert_int_equal(json_integer_value(json_object_get(a, "slabs")), 2176);
	assert_int_equal(json_integer_value(json_object_get(a, "allocated_slabs")), 4096);
	assert_string_equal(json_string_value(json_object_get(a, "cmdline")), "swiotlb=4096,force");
	assert_non_null(strstr(json_string_value(json_object_get(a, "rounding")), "rounded the requested 2176"));
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(d, "largest_failed"), "first_line")),
			       "swiotlb buffer is full"));
	/* the rows no pool helps, with the sentence */
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(d, "no_pool_helps"), 0),
							      "message")),
			    "no pool size helps: a mapping of 1048576 bytes exceeds the 256 KiB SWIOTLB limit");
	/* the confidential-VM default for 6 GiB: 368.64 MiB, against the 8 MiB really needed */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "cvm_default"), "pool_bytes")),
			 (json_int_t)(6144 * MiB / 100 * 6));
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(d, "cvm_default"), "advice")),
			       "needs (8.00 MiB)"));
	/* both boots around the answer, with counts */
	assert_non_null(strstr(json_string_value(json_object_get(d, "closing")), "one step below, 4.00 MiB"));
	assert_non_null(strstr(json_string_value(json_object_get(d, "closing")), "9 failed ops"));
	/* the text is printed from the document */
	assert_non_null(f = open_memstream(&text, &len));
	pd_print(f, d);
	fclose(f);
	assert_non_null(strstr(text, "swiotlb=4096,force"));
	assert_non_null(strstr(text, "no pool size helps"));
	assert_non_null(strstr(text, "boot 2:     4.00 MiB (  2048 slots, allocated 2048) fails, 9 failed op(s) (+0 where"));
	assert_non_null(strstr(text, "boot 3:     4.25 MiB (  2176 slots, allocated 4096) confirm passes, 0 failed op(s) (+4 where"));
	free(text);
	json_decref(d);
	for (int i = 0; i < 3; i++)
		free(v[i].first_line);
}

/* No answer: no size, null members rather than zeros, the verdict says why. */
static void test_none_helps(void **state)
{
	struct ps_obs v[1];
	char *ex[] = { "a 1048576", "b 2097152" };
	struct ps_result r = { .verdict = PS_NONE_HELPS, .monotone = true, .excluded = ex, .nexcluded = 2,
			       .obs = v, .nobs = 1 };
	struct ps_params p = { .min = 256 << 10, .max = 1 << 30, .boots = 10 };
	json_t *d;

	(void)state;
	v[0] = obs(1 << 30, -1, false, 8, "a 1048576: swiotlb buffer is full (sz: 1048576 bytes)");
	v[0].peak_slots = -1;
	assert_non_null(d = pd_document(&ctx, &p, &r));
	assert_string_equal(json_string_value(json_object_get(d, "verdict")), "no-pool-helps");
	assert_true(json_is_null(json_object_get(d, "answer")));
	assert_true(json_is_null(json_object_get(d, "largest_failed")));
	assert_true(json_is_null(json_object_get(d, "peak_slots")));
	assert_true(json_is_null(json_object_get(d, "closing")));
	assert_int_equal(json_array_size(json_object_get(d, "no_pool_helps")), 2);
	json_decref(d);
	free(v[0].first_line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none_helps),
		cmocka_unit_test(test_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
