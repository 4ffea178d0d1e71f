/*
 * Unit tests for bench/profiling.c: gembench's real measuring loop
 * (gb_measure) with profile = true records the measured region with the
 * real perf on this machine and puts the profile into the row; without perf
 * (PATH emptied) the row is measured all the same and says why. The
 * operation burns CPU in a function of its own so perf has a user symbol
 * to find; nothing here is a device measurement.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "options.h"
#include "profile.h"
#include "profiling.h"
#include "run.h"

/* ~2 ms of arithmetic per call (not inlined: perf must see its name). */
__attribute__((noinline)) int gbtest_burn_cpu(struct gb_ctx *ctx, void *state);
__attribute__((noinline)) int gbtest_burn_cpu(struct gb_ctx *ctx, void *state)
{
	volatile uint64_t *sink = state;
	uint64_t x = *sink | 1;
	uint64_t t0 = gb_now_ns();

	(void)ctx;
	while (gb_now_ns() - t0 < 2000000)
		for (int i = 0; i < 1000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	*sink = x;
	return 0;
}

struct env {
	struct gb_job job;
	struct gb_ctx ctx;
	struct gb_prof prof;
	uint64_t sink;
};

static void env_init(struct env *e, bool profile)
{
	struct gb_opt_error err;

	memset(e, 0, sizeof(*e));
	gb_job_defaults(&e->job);
	snprintf(e->job.name, sizeof(e->job.name), "profiling");
	e->job.iterations = 100; /* 3 x 100 x 2 ms = 0.6 s: ~600 samples at 999 Hz */
	e->job.reps = 3;
	e->job.warmup = 1;
	assert_int_equal(gb_job_set(&e->job, "profile", profile ? "true" : "false", "test", &err),
			 0);
	gb_prof_init(&e->prof);
	e->ctx.job = &e->job;
	e->ctx.prof = &e->prof;
}

static json_t *measure(struct env *e)
{
	struct gb_row row;
	struct gb_op op = { .op = gbtest_burn_cpu, .state = &e->sink };
	json_t *r;

	gb_row_init(&row, "burn", NULL, 4096);
	assert_int_equal(gb_measure(&e->ctx, &row, &op), 0);
	assert_int_equal(row.ops, 300);
	r = gb_row_finish(&row);
	gb_row_free(&row);
	assert_non_null(r);
	return r;
}

static bool has_symbol(const json_t *list, const char *name, double *share)
{
	size_t i;
	json_t *s;

	json_array_foreach(list, i, s) {
		if (!strcmp(json_string_value(json_object_get(s, "symbol")), name)) {
			*share = json_number_value(json_object_get(s, "share"));
			return true;
		}
	}
	return false;
}

static void test_option_parsing(void **state)
{
	struct gb_job job;
	struct gb_opt_error err;

	(void)state;
	gb_job_defaults(&job);
	assert_false(job.profile);
	assert_int_equal(gb_job_set(&job, "profile", "yes", "t", &err), 0);
	assert_true(job.profile);
	assert_int_equal(gb_job_set(&job, "profile", "0", "t", &err), 0);
	assert_false(job.profile);
	assert_int_equal(gb_job_set(&job, "profile", "maybe", "jobs.ini:4", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "jobs.ini:4: key 'profile'"));
	assert_non_null(strstr(err.msg, "'maybe' is not true or false"));
}

/* Not asked: no "profile" in the row at all (old documents stay as they were). */
static void test_not_asked(void **state)
{
	struct env e;
	json_t *r;

	(void)state;
	env_init(&e, false);
	r = measure(&e);
	assert_null(json_object_get(r, "profile"));
	assert_int_equal(e.prof.seq, 0);
	json_decref(r);
}

/* The real perf of this machine records the loop: the burning function leads. */
static void test_profiled_row(void **state)
{
	struct env e;
	char why[256];
	json_t *r, *p, *folded;
	double share = 0;

	(void)state;
	if (bl_profile_check(why, sizeof(why))) {
		print_message("perf unusable here (%s): only the unprofiled path is tested\n", why);
		skip();
	}
	env_init(&e, true);
	r = measure(&e);
	p = json_object_get(r, "profile");
	assert_true(json_is_object(p));
	assert_string_equal(json_string_value(json_object_get(p, "tool")), "perf");
	assert_true(json_integer_value(json_object_get(p, "samples")) > 50);
	assert_true(has_symbol(json_object_get(p, "top_user"), "gbtest_burn_cpu", &share));
	assert_true(share > 0.5);
	assert_true(json_is_array(json_object_get(p, "top_kernel")));
	folded = json_object_get(p, "folded");
	assert_true(json_array_size(folded) >= 1);
	assert_non_null(strstr(json_string_value(json_array_get(folded, 0)), ";"));
	assert_null(json_object_get(json_object_get(r, "unavailable"), "profile"));
	print_message("profiled: %lld samples, gbtest_burn_cpu %.0f%% of them, %zu stacks\n",
		      (long long)json_integer_value(json_object_get(p, "samples")), share * 100,
		      json_array_size(folded));
	json_decref(r);
	/* the perf.data file is removed */
	assert_int_not_equal(access(e.prof.rec.data_path, F_OK), 0);
}

/* No perf on PATH: the row is measured, "profile" is null, the reason says perf. */
static void test_no_perf(void **state)
{
	struct env e;
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	json_t *r, *why;

	(void)state;
	setenv("PATH", "/nonexistent-bin", 1);
	env_init(&e, true);
	r = measure(&e);
	if (path) {
		setenv("PATH", path, 1);
		free(path);
	}
	assert_true(json_is_null(json_object_get(r, "profile")));
	why = json_object_get(json_object_get(r, "unavailable"), "profile");
	assert_true(json_is_string(why));
	assert_non_null(strstr(json_string_value(why), "perf"));
	/* the counters' reasons are still there beside it */
	assert_non_null(json_object_get(json_object_get(r, "unavailable"), "swiotlb_bounced"));
	json_decref(r);
}

/* A caller that set up no profiler: the row says so instead of crashing. */
static void test_no_profiler(void **state)
{
	struct env e;
	json_t *r;

	(void)state;
	env_init(&e, true);
	e.ctx.prof = NULL;
	r = measure(&e);
	assert_true(json_is_null(json_object_get(r, "profile")));
	assert_non_null(strstr(json_string_value(json_object_get(
				       json_object_get(r, "unavailable"), "profile")),
			       "not set up"));
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_parsing),
		cmocka_unit_test(test_not_asked),
		cmocka_unit_test(test_profiled_row),
		cmocka_unit_test(test_no_perf),
		cmocka_unit_test(test_no_profiler),
	};

	gb_timer_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
