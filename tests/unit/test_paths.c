/* Unit tests for lib/paths.c: the environment overrides the default, an empty value does not. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "paths.h"

static void test_empty_env_is_default(void **state)
{
	setenv("BOUNCELAB_DB", "", 1);
	unsetenv("BOUNCELAB_SOCKET");
	assert_string_equal(bl_default_db_path(), BL_DEFAULT_DB);
	assert_string_equal(bl_default_socket_path(), BL_DEFAULT_SOCKET);
}

static void test_env_wins(void **state)
{
	setenv("BOUNCELAB_DB", "/tmp/x.db", 1);
	setenv("BOUNCELAB_SOCKET", "/tmp/x.sock", 1);
	assert_string_equal(bl_default_db_path(), "/tmp/x.db");
	assert_string_equal(bl_default_socket_path(), "/tmp/x.sock");
}

/* The folder of this very binary (build/tests/): what programs find their siblings by. */
static void test_self_dir(void **state)
{
	char dir[4096], tiny[4];
	size_t n;

	(void)state;
	assert_int_equal(bl_self_dir(dir, sizeof(dir)), 0);
	n = strlen(dir);
	assert_true(n > 6 && !strcmp(dir + n - 6, "/tests")); /* build.../tests/test_paths */
	assert_int_equal(bl_self_dir(tiny, sizeof(tiny)), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_env_is_default),
		cmocka_unit_test(test_env_wins),
		cmocka_unit_test(test_self_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
