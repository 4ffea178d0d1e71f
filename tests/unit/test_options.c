/*
 * Unit tests for bench/options.c: sizes, durations, job files (INI) and
 * command-line overrides. Negative cases first: every refusal must name
 * what was wrong (file, line and key for job files).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "options.h"

static void test_size_rejects(void **state)
{
	/* each: a size that must be refused, and a word the reason must contain */
	static const char *const bad[][2] = {
		{ "0", "zero" },          /* zero */
		{ "12Q", "unit" },        /* unknown unit */
		{ "", "not a size" },     /* empty */
		{ "K", "not a size" },    /* unit without number */
		{ "-4K", "not a size" },  /* negative */
		{ "1000", "multiple" },   /* not page-sized */
		{ "4K5", "unit" },        /* trailing garbage */
		{ "2048G", "larger" },   /* beyond 1T */
		{ "99999999999999999999", "range" }, /* overflow */
	};
	char why[256];
	uint64_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(gb_parse_size(bad[i][0], &v, why, sizeof(why)), -EINVAL);
		if (!strstr(why, bad[i][1]))
			fail_msg("size '%s': reason '%s' lacks '%s'", bad[i][0], why, bad[i][1]);
	}
}

static void test_size_accepts(void **state)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "4K", 4096 }, { "4k", 4096 }, { "64KiB", 65536 }, { "1M", 1 << 20 },
		{ "16MB", 16 << 20 }, { "1G", 1ull << 30 }, { "8192", 8192 }, { " 4K ", 4096 },
	};
	char why[256];
	uint64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(gb_parse_size(ok[i].s, &v, why, sizeof(why)), 0);
		assert_int_equal(v, ok[i].v);
	}
}

static void test_size_lists_and_ranges(void **state)
{
	uint64_t s[GB_MAX_SIZES];
	unsigned n;
	char why[256];

	/* negative: backwards, not powers of two, empty item, too many */
	assert_int_equal(gb_parse_sizes("16M..4K", s, GB_MAX_SIZES, &n, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "backwards"));
	assert_int_equal(gb_parse_sizes("12K..64K", s, GB_MAX_SIZES, &n, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "powers of two"));
	assert_int_equal(gb_parse_sizes("4K,,0", s, GB_MAX_SIZES, &n, why, sizeof(why)), -EINVAL);
	assert_int_equal(gb_parse_sizes("", s, GB_MAX_SIZES, &n, why, sizeof(why)), -EINVAL);
	assert_int_equal(gb_parse_sizes("4K..1M", s, 3, &n, why, sizeof(why)), -EINVAL);

	assert_int_equal(gb_parse_sizes("4K,64K,1M", s, GB_MAX_SIZES, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(s[2], 1 << 20);
	assert_int_equal(gb_parse_sizes("4K..16M", s, GB_MAX_SIZES, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 13);
	assert_int_equal(s[0], 4096);
	assert_int_equal(s[12], 16 << 20);
	assert_int_equal(gb_parse_sizes("4K,64K..256K", s, GB_MAX_SIZES, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(gb_parse_sizes("8K..8K", s, GB_MAX_SIZES, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 1);
}

static void test_durations(void **state)
{
	uint64_t ns;
	char why[256];

	assert_int_equal(gb_parse_duration("2x", &ns, why, sizeof(why)), -EINVAL);
	assert_int_equal(gb_parse_duration("s", &ns, why, sizeof(why)), -EINVAL);
	assert_int_equal(gb_parse_duration("2d", &ns, why, sizeof(why)), -EINVAL);
	assert_int_equal(gb_parse_duration("2s", &ns, why, sizeof(why)), 0);
	assert_int_equal(ns, 2000000000ull);
	assert_int_equal(gb_parse_duration("500ms", &ns, why, sizeof(why)), 0);
	assert_int_equal(ns, 500000000ull);
	assert_int_equal(gb_parse_duration("1.5", &ns, why, sizeof(why)), 0);
	assert_int_equal(ns, 1500000000ull);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/gb-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void expect_job_error(const char *text, const char *line_tag, const char *word)
{
	struct gb_job jobs[4];
	struct gb_opt_error err = { "" };
	size_t n = 99;
	char *path = write_tmp(text);

	assert_int_equal(gb_jobs_load(path, NULL, 0, jobs, 4, &n, &err), -EINVAL);
	assert_int_equal(n, 0);
	if (!strstr(err.msg, path) || !strstr(err.msg, line_tag) || !strstr(err.msg, word))
		fail_msg("error '%s' should name %s, '%s' and '%s'", err.msg, path, line_tag, word);
	unlink(path);
}

static void test_job_file_errors(void **state)
{
	/* a typo in a key: line 4, key named */
	expect_job_error("[global]\nreps = 2\n[a]\nworklaod = create\n", ":4", "worklaod");
	/* unknown workload value */
	expect_job_error("[a]\nworkload = crate\n", ":2", "crate");
	/* bad size in [global] names [global]'s line */
	expect_job_error("[global]\nsizes = 12Q\n[a]\nworkload = create\n", ":2", "sizes");
	/* size 0 */
	expect_job_error("[a]\nworkload = create\nsizes = 0\n", ":3", "zero");
	/* unknown backend */
	expect_job_error("[a]\nworkload = create\nbackend = nvidia\n", ":3", "nvidia");
	/* reps below its minimum, above its maximum */
	expect_job_error("[a]\nworkload = create\nreps = 0\n", ":3", "reps");
	expect_job_error("[a]\nworkload = create\nreps = 1001\n", ":3", "maximum");
	/* a job without a workload, also when its device names a backend (file:line [section]) */
	expect_job_error("[a]\nbackend = dumb\n", ":1", "workload");
	expect_job_error("[a]\nworkload = create\n\n[b]\ndevice = i915\n", ":4: job 'b'", "'workload'");
	/* import without an importer */
	expect_job_error("[a]\nworkload = import\n", ":1", "importer");
	/* not INI at all */
	expect_job_error("[a\nworkload = create\n", ":1", "INI");
	/* only [global] */
	expect_job_error("[global]\nreps = 2\n", "", "no job sections");
	/* key outside any section */
	expect_job_error("reps = 2\n[a]\nworkload = create\n", ":1", "outside");
}

static void test_job_file_missing(void **state)
{
	struct gb_job jobs[1];
	struct gb_opt_error err;
	size_t n;

	assert_int_equal(gb_jobs_load("/nonexistent/x.ini", NULL, 0, jobs, 1, &n, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/x.ini"));
}

static void test_job_file_inherits_and_cli_overrides(void **state)
{
	static const char text[] = "; comment\n"
				   "[global]\n"
				   "sizes = 4K..64K\n"
				   "reps = 5\n"
				   "duration = 2s\n"
				   "\n"
				   "[one]\n"
				   "workload = import\n"
				   "backend = udmabuf\n"
				   "importer = vgem\n"
				   "\n"
				   "[two]\n"
				   "workload = create\n"
				   "reps = 7\n"
				   "sizes = 1M\n";
	struct gb_cli_opt cli[] = { { "iterations", "42" } };
	struct gb_job jobs[4];
	struct gb_opt_error err = { "" };
	size_t n = 0;
	char *path = write_tmp(text);

	assert_int_equal(gb_jobs_load(path, cli, 1, jobs, 4, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(jobs[0].name, "one");
	assert_string_equal(jobs[0].workload, "import");
	assert_string_equal(jobs[0].importer, "vgem");
	assert_int_equal(jobs[0].nsizes, 5);
	assert_int_equal(jobs[0].reps, 5);
	assert_int_equal(jobs[0].duration_ns, 2000000000ull);
	assert_int_equal(jobs[0].iterations, 42);
	assert_string_equal(jobs[1].backend, "dumb"); /* the table's default */
	assert_int_equal(jobs[1].reps, 7);
	assert_int_equal(jobs[1].nsizes, 1);
	assert_int_equal(jobs[1].iterations, 42);
	assert_non_null(strstr(jobs[1].source, ":12"));

	/* a bad command-line value names the option */
	cli[0].value = "many";
	assert_int_equal(gb_jobs_load(path, cli, 1, jobs, 4, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--iterations"));
	unlink(path);
}

static void test_cli_only_job(void **state)
{
	struct gb_cli_opt cli[] = { { "workload", "create" }, { "device", "vgem" },
				    { "sizes", "4K" } };
	struct gb_job jobs[1];
	struct gb_opt_error err;
	size_t n;

	assert_int_equal(gb_jobs_load(NULL, cli, 1, jobs, 1, &n, &err), 0);
	assert_int_equal(gb_jobs_load(NULL, cli, 3, jobs, 1, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jobs[0].device, "vgem");
	assert_int_equal(jobs[0].sizes[0], 4096);
	/* no workload: one job per workload, which needs room for them */
	assert_int_equal(gb_jobs_load(NULL, NULL, 0, jobs, 1, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--workload"));
}

static bool has_job(const struct gb_job *jobs, size_t n, const char *workload)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(jobs[i].workload, workload)) {
			char name[64];

			snprintf(name, sizeof(name), "cli-%s", workload);
			assert_string_equal(jobs[i].name, name);
			return true;
		}
	}
	return false;
}

/* `gembench --device i915`: the device names the backend, and every workload it can do runs. */
static void test_cli_device_names_backend(void **state)
{
	struct gb_cli_opt cli[3] = { { "device", "i915" } };
	struct gb_job jobs[GB_MAX_JOBS];
	struct gb_opt_error err = { "" };
	size_t n = 0;

	assert_int_equal(gb_jobs_load(NULL, cli, 1, jobs, GB_MAX_JOBS, &n, &err), 0);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(jobs[i].backend, "i915");
		assert_string_equal(jobs[i].device, "i915");
	}
	assert_true(has_job(jobs, n, "create") && has_job(jobs, n, "userptr") &&
		    has_job(jobs, n, "userptr-scattered") && has_job(jobs, n, "bind") &&
		    has_job(jobs, n, "pread") && has_job(jobs, n, "occupancy"));
	/* import and integrity need an importer */
	assert_false(has_job(jobs, n, "import") || has_job(jobs, n, "integrity"));
	cli[1] = (struct gb_cli_opt){ "importer", "vgem" };
	assert_int_equal(gb_jobs_load(NULL, cli, 2, jobs, GB_MAX_JOBS, &n, &err), 0);
	assert_int_equal(n, 12);
	assert_true(has_job(jobs, n, "import") && has_job(jobs, n, "integrity"));

	/* a variant keeps the workloads that have it: userptr ro */
	cli[1] = (struct gb_cli_opt){ "variant", "ro" };
	assert_int_equal(gb_jobs_load(NULL, cli, 2, jobs, GB_MAX_JOBS, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(has_job(jobs, n, "userptr") && has_job(jobs, n, "userptr-scattered"));
	cli[1] = (struct gb_cli_opt){ "variant", "nope" };
	assert_int_equal(gb_jobs_load(NULL, cli, 2, jobs, GB_MAX_JOBS, &n, &err), -EINVAL);
	if (!strstr(err.msg, "i915") || !strstr(err.msg, "'nope'"))
		fail_msg("error '%s'", err.msg);

	/* an explicit backend wins: dumb buffers on the i915 node */
	cli[1] = (struct gb_cli_opt){ "backend", "dumb" };
	cli[2] = (struct gb_cli_opt){ "workload", "create" };
	assert_int_equal(gb_jobs_load(NULL, cli, 3, jobs, GB_MAX_JOBS, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jobs[0].backend, "dumb");
	assert_string_equal(jobs[0].name, "cli");

	/* a driver that is no backend's name, or a path: dumb, every dumb workload */
	cli[0] = (struct gb_cli_opt){ "device", "vgem" };
	assert_int_equal(gb_jobs_load(NULL, cli, 1, jobs, GB_MAX_JOBS, &n, &err), 0);
	assert_int_equal(n, 6);
	assert_string_equal(jobs[0].backend, "dumb");
	assert_false(has_job(jobs, n, "userptr") || has_job(jobs, n, "bind"));
	cli[0] = (struct gb_cli_opt){ "device", "/dev/dri/i915" };
	assert_int_equal(gb_jobs_load(NULL, cli, 1, jobs, GB_MAX_JOBS, &n, &err), 0);
	assert_string_equal(jobs[0].backend, "dumb");
}

/* The same rule in job files: a 'backend' key anywhere ([global] too) wins. */
static void test_file_device_names_backend(void **state)
{
	const char *text = "[a]\nworkload = create\ndevice = i915\n"
			   "[b]\nworkload = create\ndevice = i915\nbackend = dumb\n"
			   "[c]\nworkload = create\n";
	const char *text2 = "[global]\nbackend = dumb\n[a]\nworkload = create\ndevice = i915\n";
	struct gb_job jobs[4];
	struct gb_opt_error err = { "" };
	size_t n = 0;
	char *path = write_tmp(text);

	assert_int_equal(gb_jobs_load(path, NULL, 0, jobs, 4, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(jobs[0].backend, "i915");
	assert_string_equal(jobs[1].backend, "dumb");
	assert_string_equal(jobs[2].backend, "dumb");
	unlink(path);
	path = write_tmp(text2);
	assert_int_equal(gb_jobs_load(path, NULL, 0, jobs, 4, &n, &err), 0);
	assert_string_equal(jobs[0].backend, "dumb");
	unlink(path);
}

static void test_defaults_are_valid(void **state)
{
	/* Every default in the table must pass its own validation. */
	for (const struct gb_option *o = gb_options; o->name; o++) {
		struct gb_job job;
		struct gb_opt_error err;

		memset(&job, 0, sizeof(job));
		if (o->def)
			assert_int_equal(gb_job_set(&job, o->name, o->def, "defaults", &err), 0);
		assert_non_null(o->help);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_rejects),
		cmocka_unit_test(test_size_accepts),
		cmocka_unit_test(test_size_lists_and_ranges),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_job_file_errors),
		cmocka_unit_test(test_job_file_missing),
		cmocka_unit_test(test_job_file_inherits_and_cli_overrides),
		cmocka_unit_test(test_cli_only_job),
		cmocka_unit_test(test_cli_device_names_backend),
		cmocka_unit_test(test_file_device_names_backend),
		cmocka_unit_test(test_defaults_are_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
