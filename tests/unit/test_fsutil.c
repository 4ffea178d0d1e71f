/*
 * Unit tests for lib/fsutil (mkdir -p): negative cases first.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"

static char root[] = "/tmp/bl-test-fsutil-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_refuses_empty_and_too_long(void **state)
{
	char *longpath = malloc(PATH_MAX + 8);

	assert_non_null(longpath);
	memset(longpath, 'a', PATH_MAX + 7);
	longpath[PATH_MAX + 7] = '\0';
	assert_int_equal(bl_mkdir_p("", 0755), -EINVAL);
	assert_int_equal(bl_mkdir_p(longpath, 0755), -ENAMETOOLONG);
	free(longpath);
}

static void test_file_in_the_way(void **state)
{
	char file[PATH_MAX], below[PATH_MAX + 8];
	FILE *f;

	snprintf(file, sizeof(file), "%s/file", root);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(below, sizeof(below), "%s/sub", file);
	/* A parent that is a file: mkdir reports ENOTDIR. */
	assert_int_equal(bl_mkdir_p(below, 0755), -ENOTDIR);
}

static void test_creates_parents_and_is_idempotent(void **state)
{
	char deep[PATH_MAX];
	struct stat st;

	snprintf(deep, sizeof(deep), "%s/a/b/c", root);
	assert_int_equal(bl_mkdir_p(deep, 0755), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(bl_mkdir_p(deep, 0755), 0); /* exists: fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_empty_and_too_long),
		cmocka_unit_test(test_file_in_the_way),
		cmocka_unit_test(test_creates_parents_and_is_idempotent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
