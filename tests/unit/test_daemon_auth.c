/* Unit tests for daemon/daemon_auth.c: token file loading and the bearer check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon_auth.h"

#define TOKEN "0123456789abcdef0123"

static void test_auth_refusals(void **state)
{
	static const struct {
		const char *header; /* offered Authorization value */
		const char *why;
	} bad[] = {
		{ NULL, "no header" },
		{ "", "empty header" },
		{ "Basic " TOKEN, "wrong scheme" },
		{ "Bearer", "no token" },
		{ "Bearer ", "empty token" },
		{ "Bearer 0123456789abcdef012", "one byte short" },
		{ "Bearer 0123456789abcdef01234", "one byte long" },
		{ "Bearer 0123456789abcdef0124", "last byte wrong" },
		{ "Bearer 1123456789abcdef0123", "first byte wrong" },
		{ "Bearer " TOKEN " ", "trailing blank" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bld_auth_ok(bad[i].header, TOKEN))
			fail_msg("accepted: %s", bad[i].why);
	}
}

static void test_auth_accepts(void **state)
{
	assert_true(bld_auth_ok("Bearer " TOKEN, TOKEN));
	assert_true(bld_auth_ok("bearer " TOKEN, TOKEN));
	assert_true(bld_auth_ok("Bearer   " TOKEN, TOKEN));
	assert_true(bld_ct_streq("", ""));
	assert_false(bld_ct_streq("a", ""));
}

static void test_token_file(void **state)
{
	char path[] = "/tmp/test_daemon_auth.XXXXXX";
	char err[256];
	char *tok = NULL;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "short\n", 6), 6);
	assert_int_equal(bld_token_load(path, &tok, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too short"));
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, TOKEN "  \nsecond line\n", sizeof(TOKEN) + 15, 0), (ssize_t)sizeof(TOKEN) + 15);
	assert_int_equal(bld_token_load(path, &tok, err, sizeof(err)), 0);
	assert_string_equal(tok, TOKEN);
	free(tok);
	close(fd);
	unlink(path);
	assert_int_equal(bld_token_load(path, &tok, err, sizeof(err)), -ENOENT);
}

/* The file is read whole through lib's bl_read_file(): BLD_TOKEN_MAX bytes at most. */
static void test_token_file_size(void **state)
{
	char path[] = "/tmp/test_daemon_auth.XXXXXX";
	char err[256];
	char *tok = NULL;
	char *big = malloc(BLD_TOKEN_MAX + 1);
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_non_null(big);
	/* one byte over: refused, and the message says why */
	memset(big, '#', BLD_TOKEN_MAX + 1);
	memcpy(big, TOKEN "\n", sizeof(TOKEN));
	assert_int_equal(write(fd, big, BLD_TOKEN_MAX + 1), BLD_TOKEN_MAX + 1);
	assert_int_equal(bld_token_load(path, &tok, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "larger than 4096 bytes"));
	assert_null(tok);
	/* exactly the limit: the first line is the token */
	assert_int_equal(ftruncate(fd, BLD_TOKEN_MAX), 0);
	assert_int_equal(bld_token_load(path, &tok, err, sizeof(err)), 0);
	assert_string_equal(tok, TOKEN);
	free(tok);
	free(big);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_refusals),
		cmocka_unit_test(test_auth_accepts),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_token_file_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
