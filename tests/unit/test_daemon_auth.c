/* Unit tests for daemon/daemon_auth.c: token file loading and the bearer check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
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

/* Blanks at both ends go (a leading one made every client fail); inside, and loose modes, are refused. */
static void test_token_file_blanks_and_mode(void **state)
{
	static const struct {
		const char *text;
		int ret;
		const char *says; /* in the error, or the token when ret is 0 */
	} cases[] = {
		{ "  " TOKEN "\n", 0, TOKEN },	       /* leading spaces */
		{ "\t" TOKEN " \t\r\n", 0, TOKEN }, /* a tab first, blanks and CR last */
		{ "0123456789 abcdef0123\n", -EINVAL, "contains a blank" },
		{ "   \n", -EINVAL, "too short" },
	};
	char path[] = "/tmp/test_daemon_auth.XXXXXX";
	char err[256];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *tok = NULL;
		int ret;

		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, cases[i].text, strlen(cases[i].text), 0), (ssize_t)strlen(cases[i].text));
		ret = bld_token_load(path, &tok, err, sizeof(err));
		if (ret != cases[i].ret || (ret ? !strstr(err, cases[i].says) : strcmp(tok, cases[i].says)))
			fail_msg("case %zu: got %d '%s' (%s)", i, ret, ret ? err : tok, cases[i].says);
		free(tok);
	}
	/* readable by the group or others: refused, naming the mode and the cure */
	assert_int_equal(pwrite(fd, TOKEN "\n", sizeof(TOKEN), 0), (ssize_t)sizeof(TOKEN));
	for (int i = 0; i < 2; i++) {
		char *tok = NULL;

		assert_int_equal(fchmod(fd, i ? 0604 : 0640), 0);
		assert_int_equal(bld_token_load(path, &tok, err, sizeof(err)), -EPERM);
		assert_non_null(strstr(err, i ? "mode 0604" : "mode 0640"));
		assert_non_null(strstr(err, "chmod 600"));
		assert_null(tok);
	}
	close(fd);
	unlink(path);
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
		cmocka_unit_test(test_token_file_blanks_and_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
