/*
 * Unit tests for analysis/report_pool.c: the report's "Pool sizing"
 * section from a dataset built by hand (no store): absent when every
 * kernel and mode ran with one pool, a table per kernel and mode when one
 * ran with several, its failed ops and peak slots summed and maxed per
 * pool.
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

#include "report_int.h"

static char *section(struct an_run *runs, size_t nruns, struct an_row *rows, size_t nrows)
{
	struct an_dataset ds = { .runs = { .r = runs, .n = nruns, .cap = nruns }, .rows = rows, .n = nrows };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(rp_pool_section(f, &ds), 0);
	fclose(f);
	return buf;
}

static struct an_row row(size_t run, int64_t failed, int64_t peak)
{
	struct an_row r = { .run = run };

	r.v.failed_ops = failed;
	r.v.counters[BL_C_IO_TLB_USED_PEAK] = (struct bl_opt_i64){ .v = peak, .set = peak >= 0 };
	r.v.counters[BL_C_SWIOTLB_BOUNCED] = (struct bl_opt_i64){ .v = 10, .set = true };
	return r;
}

/* One pool per kernel and mode (the ordinary matrix): no section at all. */
static void test_absent(void **state)
{
	struct an_run runs[] = {
		{ .kernel_release = "6.12.118", .mode = "force", .swiotlb_slabs = 32768 },
		{ .kernel_release = "6.1.158", .mode = "force", .swiotlb_slabs = 16384 }, /* another kernel */
		{ .kernel_release = "6.12.118", .mode = "noforce", .swiotlb_slabs = -1 }, /* no pool */
	};
	struct an_row rows[] = { row(0, 0, 2000), row(1, 0, 2000) };
	char *s = section(runs, 3, rows, 2);

	(void)state;
	assert_string_equal(s, "");
	free(s);
}

/* Three pools of 6.12 force (a pool search): one table, ordered by pool, sums and peaks. */
static void test_table(void **state)
{
	struct an_run runs[] = {
		{ .kernel_release = "6.12.118", .mode = "force", .swiotlb_slabs = 4096 },
		{ .kernel_release = "6.12.118", .mode = "force", .swiotlb_slabs = 2048 },
		{ .kernel_release = "6.12.118", .mode = "force", .swiotlb_slabs = 4096 },
		{ .kernel_release = "6.12.118", .mode = "force", .swiotlb_slabs = 524288 },
		{ .kernel_release = "6.1.158", .mode = "force", .swiotlb_slabs = 32768 }, /* alone: left out */
	};
	struct an_row rows[] = { row(0, 4, 4048), row(1, 16, 2048), row(1, 4, -1), row(2, 0, 4000),
				 row(3, 4, 4048), row(4, 0, 2000) };
	char *s = section(runs, 5, rows, 6);

	(void)state;
	assert_non_null(strstr(s, "## Pool sizing"));
	assert_non_null(strstr(s, "**6.12.118, force**"));
	assert_null(strstr(s, "6.1.158"));
	assert_non_null(strstr(s, "| 4.00 MiB | 2048 | 1 | 20 | 2048 | 20 |"));
	assert_non_null(strstr(s, "| 8.00 MiB | 4096 | 2 | 4 | 4048 | 20 |"));
	assert_non_null(strstr(s, "| 1024.00 MiB | 524288 | 1 | 4 | 4048 | 10 |"));
	assert_true(strstr(s, "| 4.00 MiB") < strstr(s, "| 8.00 MiB")); /* smallest pool first */
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
