/*
 * Unit tests for lib/fsutil (mkdir -p, the parent folder of a file, whole
 * files into memory): negative cases first.
 */
#include <errno.h>
#include <fcntl.h>
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

/* Writes @len bytes of @text to @root/@name; the path into @path. */
static void put_file(const char *name, const char *text, size_t len, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", root, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void test_make_parent_refuses(void **state)
{
	char *longpath = malloc(PATH_MAX + 8);
	char file[PATH_MAX], below[PATH_MAX + 16];

	assert_non_null(longpath);
	memset(longpath, 'a', PATH_MAX + 7);
	longpath[PATH_MAX + 7] = '\0';
	assert_int_equal(bl_make_parent(longpath, 0755), -ENAMETOOLONG);
	free(longpath);
	/* The parent's parent is a file. */
	put_file("plain", "x", 1, file, sizeof(file));
	snprintf(below, sizeof(below), "%s/sub/x.db", file);
	assert_int_equal(bl_make_parent(below, 0755), -ENOTDIR);
}

static void test_make_parent(void **state)
{
	static const struct {
		const char *path; /* relative to root, or absolute when it starts with '/' */
		const char *made; /* the folder that must exist afterwards, or NULL */
	} cases[] = {
		{ "/x.db", NULL },		/* in the root: nothing to create */
		{ "x.db", NULL },		/* no folder at all */
		{ "var/db/x.db", "var/db" },	/* two levels */
		{ "var/db/x.db", "var/db" },	/* again: exists, fine */
		{ "var//deep/x.db", "var/deep" }, /* doubled slash */
		{ "trail/", "trail" },		/* a folder path: its own name is the "file" */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX], made[PATH_MAX];
		struct stat st;

		if (cases[i].path[0] == '/' || !strchr(cases[i].path, '/')) {
			/* Nothing may be created: check the return value only. */
			assert_int_equal(bl_make_parent(cases[i].path, 0755), 0);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", root, cases[i].path);
		assert_int_equal(bl_make_parent(path, 0755), 0);
		snprintf(made, sizeof(made), "%s/%s", root, cases[i].made);
		assert_int_equal(stat(made, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
	}
}

static void test_read_file_refuses(void **state)
{
	char path[PATH_MAX], *buf = (char *)"unchanged";
	size_t len = 99;

	/* Missing: -ENOENT, and the out-parameters are cleared. */
	snprintf(path, sizeof(path), "%s/missing", root);
	assert_int_equal(bl_read_file(path, 100, &buf, &len), -ENOENT);
	assert_null(buf);
	assert_int_equal(len, 0);
	/* A folder: read() says EISDIR. */
	assert_int_equal(bl_read_file(root, 100, &buf, &len), -EISDIR);
	assert_null(buf);
	/* One byte over the limit, and far over it (several reallocations). */
	put_file("six", "123456", 6, path, sizeof(path));
	assert_int_equal(bl_read_file(path, 5, &buf, &len), -EFBIG);
	assert_null(buf);
	assert_int_equal(bl_read_file(path, 0, &buf, NULL), -EFBIG);
}

static void test_read_file(void **state)
{
	static const size_t sizes[] = {
		0,	/* empty: "" with len 0 */
		1,	/* one byte */
		4095,	/* just under the first buffer */
		4096,	/* exactly the first buffer */
		4097,	/* one over: grows */
		100000, /* several doublings */
	};
	char path[PATH_MAX], *buf;
	size_t len;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *text = malloc(sizes[i] + 1);

		assert_non_null(text);
		for (size_t j = 0; j < sizes[i]; j++)
			text[j] = (char)('a' + j % 26);
		put_file("sized", text, sizes[i], path, sizeof(path));
		/* The limit exactly at the size is allowed. */
		assert_int_equal(bl_read_file(path, sizes[i], &buf, &len), 0);
		assert_int_equal(len, sizes[i]);
		assert_memory_equal(buf, text, sizes[i]);
		assert_int_equal(buf[len], '\0');
		free(buf);
		free(text);
	}
	/* A /proc file reports size 0 but has text: read to the end. */
	assert_int_equal(bl_read_file("/proc/self/status", 1 << 20, &buf, &len), 0);
	assert_true(len > 0);
	assert_non_null(strstr(buf, "Name:"));
	free(buf);
}

/* The first line over a length: INI files whose lines inih would cut. */
static void test_first_long_line(void **state)
{
	char path[PATH_MAX], text[512];
	int line = 0;

	(void)state;
	assert_int_equal(bl_first_long_line("/nonexistent/x.ini", 10, &line), -ENOENT);
	put_file("short", "a = 1\r\nbb = 22\n", 15, path, sizeof(path));
	assert_int_equal(bl_first_long_line(path, 7, &line), 0); /* \r not counted */
	memset(text, 'x', sizeof(text));
	memcpy(text, "[s]\nk = v\n", 10);
	text[10 + 200] = '\n'; /* line 3: 200 characters */
	put_file("long", text, 10 + 201, path, sizeof(path));
	assert_int_equal(bl_first_long_line(path, 200, &line), 0);  /* exactly the limit */
	assert_int_equal(bl_first_long_line(path, 199, &line), 1);  /* one over */
	assert_int_equal(line, 3);
}

static void test_read_fd(void **state)
{
	int fds[2];
	char *buf;
	size_t len;

	/* A pipe: read until the writer closes it; the fd stays open. */
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	assert_int_equal(write(fds[1], "abc", 3), 3);
	close(fds[1]);
	assert_int_equal(bl_read_fd(fds[0], 16, &buf, &len), 0);
	assert_int_equal(len, 3);
	assert_string_equal(buf, "abc");
	free(buf);
	assert_int_equal(fcntl(fds[0], F_GETFD), FD_CLOEXEC);
	close(fds[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_empty_and_too_long),
		cmocka_unit_test(test_file_in_the_way),
		cmocka_unit_test(test_creates_parents_and_is_idempotent),
		cmocka_unit_test(test_make_parent_refuses),
		cmocka_unit_test(test_make_parent),
		cmocka_unit_test(test_read_file_refuses),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_fd),
		cmocka_unit_test(test_first_long_line),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
