/*
 * Unit tests for gembench's job key compact (bench/compact.c): what is
 * written, and that a missing or unwritable file is an error naming the
 * file, never a silent success. The kernel's own file is not written here
 * (that would compact the host); a temporary file stands in for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "compact.h"
#include "options.h"

/* The kernel's file gets "1": a temporary file shows what was written. */
static void test_writes_one(void **state)
{
	char path[] = "/tmp/test_compact.XXXXXX", why[256] = "", buf[8] = "";
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(gb_compact_memory_at(path, why, sizeof(why)), 0);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	unlink(path);
	assert_string_equal(buf, "1\n");
}

/* No such file: the kernel lacks CONFIG_COMPACTION, and the reason says so. */
static void test_missing_file_names_it(void **state)
{
	char why[256] = "";

	(void)state;
	assert_int_equal(gb_compact_memory_at("/nonexistent/compact_memory", why, sizeof(why)), -2);
	assert_non_null(strstr(why, "/nonexistent/compact_memory"));
	assert_non_null(strstr(why, "CONFIG_COMPACTION"));
}

/* A directory cannot be written: an error, with the path. */
static void test_unwritable_is_an_error(void **state)
{
	char why[256] = "";

	(void)state;
	assert_true(gb_compact_memory_at("/tmp", why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "/tmp"));
}

/* The job key: off by default, a boolean, bad values refused by name. */
static void test_job_key(void **state)
{
	struct gb_opt_error err;
	struct gb_job job;

	(void)state;
	gb_job_defaults(&job);
	assert_false(job.compact);
	assert_int_equal(gb_job_set(&job, "compact", "true", "test", &err), 0);
	assert_true(job.compact);
	assert_int_not_equal(gb_job_set(&job, "compact", "sometimes", "test", &err), 0);
	assert_non_null(strstr(err.msg, "compact"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_one),
		cmocka_unit_test(test_missing_file_names_it),
		cmocka_unit_test(test_unwritable_is_an_error),
		cmocka_unit_test(test_job_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
