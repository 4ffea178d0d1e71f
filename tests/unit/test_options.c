/*
 * Unit tests for bench/options.c: the option table (unknown keys, each
 * type's parsing and range, --help), sizes, durations, job files (INI) and
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

#include "fsutil.h"
#include "options.h"

/* --- the option table ------------------------------------------------------ */

/*
 * An unknown key is refused, named with its origin, and writes nothing (an
 * earlier setter wrote any unknown numeric key into 'cycles').
 */
static void test_unknown_key_refused_and_named(void **state)
{
	/* each: a key that is no option */
	static const char *const keys[] = {
		"cylces",   /* a typo of a numeric key */
		"Cycles",   /* keys are case-sensitive */
		"",         /* empty */
		"--reps",   /* the command-line spelling is not the key */
		"sizes ",   /* trailing blank */
	};
	struct gb_job job, before;
	struct gb_opt_error err;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char want[80];

		gb_job_defaults(&job);
		before = job;
		snprintf(err.msg, sizeof(err.msg), "(none)");
		assert_int_equal(gb_job_set(&job, keys[i], "7", "jobs.ini:9 [a]", &err), -EINVAL);
		snprintf(want, sizeof(want), "unknown key '%s'", keys[i]);
		if (!strstr(err.msg, want) || !strstr(err.msg, "jobs.ini:9"))
			fail_msg("key '%s': error '%s' lacks \"%s\" or the origin", keys[i], err.msg,
				 want);
		assert_memory_equal(&job, &before, sizeof(job));
		assert_null(gb_option_find(keys[i]));
	}
}

/* How a row of the type table checks the value it set. */
enum expect { BAD, U64, STR, BOOL_TRUE, NSIZES };

/* Each type parsed and range-checked through the table, as a job file would set it. */
static void test_each_type_through_the_table(void **state)
{
	static const struct {
		const char *key, *value;
		enum expect expect;
		uint64_t num;     /* U64/NSIZES: the value expected */
		const char *word; /* BAD: the reason must contain it; STR: the value expected */
	} cases[] = {
		/* negative cases first */
		{ "sizes", "12Q", BAD, 0, "unit" },                 /* size list: unknown unit */
		{ "sizes", "3K", BAD, 0, "multiple of 4K" },        /* size list: not page-sized */
		{ "sizes", "64K..4K", BAD, 0, "backwards" },        /* size range: reversed */
		{ "sizes", "4K..2048G", BAD, 0, "larger than 1T" }, /* size range: beyond 1T */
		{ "sizes", "", BAD, 0, "no sizes" },                /* size list: empty */
		{ "duration", "2x", BAD, 0, "unit" },               /* duration: unknown unit */
		{ "duration", "25h", BAD, 0, "longer than a day" }, /* duration: hours (lib/units), at most a day */
		{ "duration", "3x", BAD, 0, "unit" },               /* duration: an unknown unit */
		{ "log_wait", "1441m", BAD, 0, "longer than a day" }, /* duration: range */
		{ "duration", "-1s", BAD, 0, "not a duration" },    /* duration: negative */
		{ "iterations", "0", BAD, 0, "below the minimum 1" }, /* integer: under min */
		{ "reps", "0", BAD, 0, "below the minimum 1" },     /* integer: under min */
		{ "reps", "1001", BAD, 0, "above the maximum 1000" }, /* integer: over max */
		{ "warmup", "-1", BAD, 0, "not a whole number" },   /* integer: negative */
		{ "warmup_time", "25h", BAD, 0, "longer than a day" }, /* duration: range */
		{ "cycles", "7x", BAD, 0, "not a whole number" },   /* integer: trailing garbage */
		{ "cycles", "99999999999999999999", BAD, 0, "not a whole number" }, /* overflow */
		{ "workload", "crate", BAD, 0, "unknown workload 'crate'" }, /* enum: not a workload */
		{ "backend", "nvidia", BAD, 0, "unknown backend 'nvidia'" }, /* enum: not a backend */
		{ "workload", "Create", BAD, 0, "unknown workload" }, /* enum: case-sensitive */
		{ "profile", "maybe", BAD, 0, "true or false" },    /* boolean */
		{ "variant", "0123456789012345678901234567890123456789", BAD, 0,
		  "longer than 31" },                               /* string: its array's size */
		/* accepted, and landed in the right field */
		{ "sizes", "4K..1M", NSIZES, 9, NULL },
		{ "duration", "500ms", U64, 500000000ull, NULL },
		{ "log_wait", "0", U64, 0, NULL },
		{ "iterations", "1", U64, 1, NULL },
		{ "reps", "1000", U64, 1000, NULL },
		{ "warmup", "0", U64, 0, NULL },
		{ "warmup_time", "20ms", U64, 20000000ull, NULL },
		{ "cycles", "7", U64, 7, NULL },
		{ "workload", "userptr-scattered", STR, 0, "userptr-scattered" },
		{ "backend", "udmabuf", STR, 0, "udmabuf" },
		{ "device", "/dev/dri/card0", STR, 0, "/dev/dri/card0" },
		{ "importer", "vgem", STR, 0, "vgem" },
		{ "variant", "wc", STR, 0, "wc" },
		{ "profile", "yes", BOOL_TRUE, 0, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gb_option *o = gb_option_find(cases[i].key);
		struct gb_job job, before;
		struct gb_opt_error err = { "" };
		const char *field;
		int rc;

		assert_non_null(o);
		gb_job_defaults(&job);
		before = job;
		field = (const char *)&job + o->offset;
		rc = gb_job_set(&job, cases[i].key, cases[i].value, "t.ini:3 [a]", &err);
		if (cases[i].expect == BAD) {
			if (rc != -EINVAL || !strstr(err.msg, cases[i].word) ||
			    !strstr(err.msg, cases[i].key) || !strstr(err.msg, "t.ini:3"))
				fail_msg("%s = %s: rc %d, error '%s' (want '%s')", cases[i].key,
					 cases[i].value, rc, err.msg, cases[i].word);
			assert_false(gb_job_given(&job, cases[i].key));
			continue;
		}
		if (rc)
			fail_msg("%s = %s: %s", cases[i].key, cases[i].value, err.msg);
		assert_true(gb_job_given(&job, cases[i].key));
		switch (cases[i].expect) {
		case U64:
			assert_int_equal(*(const uint64_t *)field, cases[i].num);
			break;
		case STR:
			assert_string_equal(field, cases[i].word);
			break;
		case BOOL_TRUE:
			assert_true(*(const bool *)field);
			break;
		case NSIZES:
			assert_int_equal(*(const unsigned *)((const char *)&job + o->count_offset),
					 cases[i].num);
			break;
		case BAD:
			break;
		}
		/* Nothing outside the key's own field (and count) changed. */
		memcpy((char *)&before + o->offset, field, o->size);
		if (o->type == GB_OPT_SIZES)
			before.nsizes = job.nsizes;
		before.given = job.given;
		assert_memory_equal(&job, &before, sizeof(job));
	}
}

/* Every row is well formed: a help text, a field whose size fits the type, a valid default. */
static void test_table_rows(void **state)
{
	struct gb_job job;

	gb_job_defaults(&job);
	assert_int_equal(job.given, 0);
	assert_string_equal(job.backend, "dumb");
	for (const struct gb_option *o = gb_options; o->name; o++) {
		assert_non_null(o->help);
		assert_true(o->offset + o->size <= sizeof(struct gb_job));
		assert_ptr_equal(gb_option_find(o->name), o);
		switch (o->type) {
		case GB_OPT_STR:
			assert_true(o->size > 1);
			break;
		case GB_OPT_ENUM:
			assert_non_null(o->choice);
			assert_non_null(o->choice(0));
			break;
		case GB_OPT_SIZES:
			assert_int_equal(o->size, GB_MAX_SIZES * sizeof(uint64_t));
			assert_int_equal(o->count_offset, offsetof(struct gb_job, nsizes));
			break;
		case GB_OPT_UINT:
			assert_true(o->min <= o->max);
			/* fall through */
		case GB_OPT_DURATION:
			assert_int_equal(o->size, sizeof(uint64_t));
			break;
		case GB_OPT_BOOL:
			assert_int_equal(o->size, sizeof(bool));
			break;
		default:
			fail_msg("key '%s' has no known type", o->name);
		}
	}
}

/* --help lists every key of the table, with each enum's choices and each integer's range. */
static void test_help_lists_every_key(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	gb_options_help(f);
	fclose(f);
	for (const struct gb_option *o = gb_options; o->name; o++) {
		char want[64];
		const char *c;

		snprintf(want, sizeof(want), "  --%s%s", o->name, o->type == GB_OPT_BOOL ? "[" : " ");
		if (!strstr(text, want))
			fail_msg("--help lacks '%s':\n%s", want, text);
		if (o->def) {
			snprintf(want, sizeof(want), "[default: %s]", o->def);
			/* the wrapper may break a long default's line before it, not inside it */
			if (!strstr(text, want) && !strstr(text, o->def))
				fail_msg("--help lacks %s's default '%s'", o->name, o->def);
		}
		for (size_t i = 0; o->type == GB_OPT_ENUM && (c = o->choice(i)); i++) {
			snprintf(want, sizeof(want), " %s", c);
			if (!strstr(text, want))
				fail_msg("--help lacks %s choice '%s'", o->name, c);
		}
		if (o->type == GB_OPT_UINT && o->max != UINT64_MAX) {
			snprintf(want, sizeof(want), "%llu..%llu", (unsigned long long)o->min,
				 (unsigned long long)o->max);
			if (!strstr(text, want))
				fail_msg("--help lacks %s's range %s", o->name, want);
		}
	}
	free(text);
}

/* --- value parsers ---------------------------------------------------------- */

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
	/* a key given twice: both lines named (the last silently won) */
	expect_job_error("[a]\nworkload = create\nreps = 2\nreps = 3\n", ":4 [a]: key 'reps' given twice", "line 3");
	expect_job_error("[global]\nreps = 2\nreps = 2\n[a]\nworkload = create\n", ":3 [global]", "first at line 2");
	/* a section given twice: both lines named (they were merged) */
	expect_job_error("[a]\nworkload = create\n[b]\nworkload = create\n[a]\nreps = 2\n", ":5: section [a] given twice",
			 "first at line 1");
	expect_job_error("[global]\nreps = 2\n[a]\nworkload = create\n[global]\n", ":5: section [global]", "line 1");
	/* a line over the reader's limit, at its own line */
	expect_job_error("[a]\nworkload = create\n# xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nreps = 2\n",
			 ":3:", "longer than");
}

/* Not a text file: refused at once, never read (/dev/zero hung the reader). */
static void test_job_file_not_text(void **state)
{
	struct gb_job jobs[1];
	struct gb_opt_error err = { "" };
	size_t n = 99;
	char *path;
	FILE *f;

	assert_int_equal(gb_jobs_load("/dev/zero", NULL, 0, jobs, 1, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/dev/zero: not a regular file (a character device)"));
	assert_int_equal(gb_jobs_load("/tmp", NULL, 0, jobs, 1, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "a directory"));
	/* over the size limit: a job file is a page or two */
	path = write_tmp("[a]\nworkload = create\n");
	f = fopen(path, "a");
	assert_non_null(f);
	for (int i = 0; i < (BL_TEXT_FILE_MAX / 64) + 1; i++)
		fprintf(f, "# %-61s\n", "filler");
	fclose(f);
	assert_int_equal(gb_jobs_load(path, NULL, 0, jobs, 1, &n, &err), -EFBIG);
	if (!strstr(err.msg, path) || !strstr(err.msg, "more than the limit"))
		fail_msg("error '%s' should name %s and the limit", err.msg, path);
	unlink(path);
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
	/* an unknown key on the command line is named as the option it came from */
	cli[0] = (struct gb_cli_opt){ "cylces", "5" };
	assert_int_equal(gb_jobs_load(NULL, cli, 3, jobs, 1, &n, &err), -EINVAL);
	if (!strstr(err.msg, "--cylces") || !strstr(err.msg, "unknown key 'cylces'"))
		fail_msg("error '%s'", err.msg);
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
		if (o->def && gb_job_set(&job, o->name, o->def, "defaults", &err))
			fail_msg("default of %s: %s", o->name, err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_key_refused_and_named),
		cmocka_unit_test(test_each_type_through_the_table),
		cmocka_unit_test(test_table_rows),
		cmocka_unit_test(test_help_lists_every_key),
		cmocka_unit_test(test_size_rejects),
		cmocka_unit_test(test_size_accepts),
		cmocka_unit_test(test_size_lists_and_ranges),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_job_file_errors),
		cmocka_unit_test(test_job_file_missing),
		cmocka_unit_test(test_job_file_not_text),
		cmocka_unit_test(test_job_file_inherits_and_cli_overrides),
		cmocka_unit_test(test_cli_only_job),
		cmocka_unit_test(test_cli_device_names_backend),
		cmocka_unit_test(test_file_device_names_backend),
		cmocka_unit_test(test_defaults_are_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
