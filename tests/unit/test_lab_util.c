/*
 * Unit tests for testbed/lab_util.c: the tail of a file (lab_read_tail, for
 * console logs) and running a helper with its output captured
 * (lab_run_capture, on lib/subprocess.h). Negative cases first; each row
 * says what it checks. Runs /bin/sh and files in a temporary folder.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lab_config.h"
#include "lab_internal.h"
#include "lab_kernels_file.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/bl-lab-util.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_tail_refuses(void **state)
{
	char *buf = (char *)1;
	size_t len = 7;

	/* a missing file: -ENOENT, nothing returned */
	assert_int_equal(lab_read_tail("/nonexistent/console.log", 16, &buf, &len), -ENOENT);
	assert_null(buf);
	assert_int_equal(len, 0);
	/* a folder is no file */
	assert_int_equal(lab_read_tail(dir, 16, &buf, &len), -EISDIR);
	assert_null(buf);
}

static void test_tail_reads_the_end(void **state)
{
	static const struct {
		const char *text;
		size_t max;
		const char *want;
	} rows[] = {
		{ "", 16, "" },			       /* empty: an empty string */
		{ "one\ntwo\n", 16, "one\ntwo\n" },    /* shorter than max: all of it */
		{ "0123456789", 10, "0123456789" },    /* exactly max: all of it */
		{ "one\ntwo\nthree\n", 6, "three\n" }, /* longer: its last max bytes */
		{ "one\ntwo\nthree\n", 8, "o\nthree\n" }, /* the first line may be cut */
	};
	char path[128], *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/f", dir);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		write_file(path, rows[i].text);
		assert_int_equal(lab_read_tail(path, rows[i].max, &buf, &len), 0);
		assert_string_equal(buf, rows[i].want);
		assert_int_equal(len, strlen(rows[i].want));
		free(buf);
	}
}

static void test_capture_cannot_run(void **state)
{
	char *argv[] = { "/nonexistent/helper.sh", NULL };
	char *out = (char *)1, *err = (char *)1;

	/* a missing program is -ENOENT from the start, not an exit 127 */
	assert_int_equal(lab_run_capture(argv, &out, &err), -ENOENT);
	assert_null(out);
	assert_null(err);
}

static void test_capture_codes_and_output(void **state)
{
	static const struct {
		const char *script;
		int rc;
		const char *out, *err;
	} rows[] = {
		{ "echo key=value; echo progress >&2", 0, "key=value\n", "progress\n" }, /* both streams apart */
		{ "echo nope >&2; exit 2", 2, "", "nope\n" },				   /* the exit code */
		{ "kill -TERM $$", 128 + 15, "", "" },	      /* a signal: 128 + its number */
		{ "cat; echo done", 0, "done\n", "" },	      /* stdin is /dev/null: cat ends at once */
		{ "exec 1>&-; echo gone >&2", 0, "", "gone\n" }, /* a closed stdout is an empty capture */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *argv[] = { "sh", "-c", (char *)rows[i].script, NULL };
		char *out = NULL, *err = NULL;

		assert_int_equal(lab_run_capture(argv, &out, &err), rows[i].rc);
		assert_non_null(out);
		assert_non_null(err);
		assert_string_equal(out, rows[i].out);
		assert_string_equal(err, rows[i].err);
		free(out);
		free(err);
	}
}

static void test_capture_keeps_one_mib(void **state)
{
	/* 2 MiB on stdout: the first 1 MiB kept, the rest read and dropped, the exit code still seen */
	char *argv[] = { "sh", "-c", "head -c 2097152 /dev/zero | tr '\\0' x; exit 3", NULL };
	char *out = NULL, *err = NULL;

	assert_int_equal(lab_run_capture(argv, &out, &err), 3);
	assert_int_equal(strlen(out), 1u << 20);
	free(out);
	free(err);
}

/* Writes @text as @root/configs/kernels (NULL: no file). */
static void kernels_file(const char *root, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/configs", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/configs/kernels", root);
	unlink(path);
	if (!text)
		return;
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* configs/kernels is what the lab and nightly boot: comments left out, order kept. */
static void test_kernels_file_list(void **state)
{
	char root[] = "/tmp/bl-kernels-XXXXXX", list[64], err[512];

	(void)state;
	assert_non_null(mkdtemp(root));
	/* the "source tree" the list is read from (paths.h, bl_source_root) */
	setenv("BOUNCELAB_ROOT", root, 1);
	kernels_file(root, "# series a line\n6.1   # the old one\n\n6.12.107..6.12.118\n6.12:cloud\n");
	assert_int_equal(lab_kernels_file_list(list, sizeof(list), err, sizeof(err)), 0);
	assert_string_equal(list, "6.1,6.12.107..6.12.118,6.12:cloud");

	kernels_file(root, NULL);
	assert_int_equal(lab_kernels_file_list(list, sizeof(list), err, sizeof(err)), 0);
	assert_string_equal(list, LAB_DEFAULT_KERNELS);

	kernels_file(root, "# nothing\n\n");
	assert_int_equal(lab_kernels_file_list(list, sizeof(list), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "names no kernel series"));

	/* a list that does not fit is refused, never cut */
	kernels_file(root, "6.12.107\n6.12.111\n6.12.113\n6.12.115\n6.12.117\n6.12.118\n6.1.0-47\n6.1.0-50\n");
	assert_int_equal(lab_kernels_file_list(list, 32, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 31 characters"));
	kernels_file(root, NULL);
	snprintf(list, sizeof(list), "%s/configs", root);
	rmdir(list);
	rmdir(root);
	unsetenv("BOUNCELAB_ROOT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_refuses),
		cmocka_unit_test(test_tail_reads_the_end),
		cmocka_unit_test(test_capture_cannot_run),
		cmocka_unit_test(test_capture_codes_and_output),
		cmocka_unit_test(test_capture_keeps_one_mib),
		cmocka_unit_test(test_kernels_file_list),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
