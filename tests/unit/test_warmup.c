/*
 * Unit tests for the warm-up of gembench's measuring loop (bench/run.c,
 * gb_measure): `warmup` operations, then with `warmup_time` more of them
 * until that long has passed, none of them measured. The operation sleeps
 * a little and counts its calls; nothing here is a device measurement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "options.h"
#include "run.h"

/* 0.5 ms a call, counted */
static int counted_op(struct gb_ctx *ctx, void *state)
{
	(void)ctx;
	nanosleep(&(struct timespec){ 0, 500 * 1000 }, NULL);
	(*(unsigned *)state)++;
	return 0;
}

/* Measures one row of @iterations ops after the warm-up; returns the op's calls. */
static unsigned calls_for(const char *warmup, const char *warmup_time, uint64_t *measured)
{
	struct gb_opt_error err;
	struct gb_job job;
	struct gb_ctx ctx = { .job = &job };
	struct gb_row row;
	unsigned calls = 0;
	struct gb_op op = { .op = counted_op, .state = &calls };
	json_t *r;

	gb_job_defaults(&job);
	snprintf(job.name, sizeof(job.name), "warmup");
	assert_int_equal(gb_job_set(&job, "iterations", "10", "test", &err), 0);
	assert_int_equal(gb_job_set(&job, "reps", "1", "test", &err), 0);
	assert_int_equal(gb_job_set(&job, "warmup", warmup, "test", &err), 0);
	assert_int_equal(gb_job_set(&job, "warmup_time", warmup_time, "test", &err), 0);
	gb_row_init(&row, "counted", NULL, 4096);
	assert_int_equal(gb_measure(&ctx, &row, &op), 0);
	*measured = row.ops;
	r = gb_row_finish(&row);
	gb_row_free(&row);
	json_decref(r);
	return calls;
}

/* Without warmup_time: exactly the warmup operations, then the measured ones. */
static void test_warmup_ops_only(void **state)
{
	uint64_t measured;

	(void)state;
	assert_int_equal(calls_for("3", "0", &measured), 3 + 10);
	assert_int_equal(measured, 10);
}

/* With warmup_time = 20ms: unmeasured 0.5 ms operations beyond the one warmup op until
 * 20 ms have passed (about 40; a loaded host's sleeps may overshoot), none counted. */
static void test_warmup_time_runs_until_it_passed(void **state)
{
	uint64_t measured;
	struct timespec t0, t1;
	unsigned calls;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	calls = calls_for("1", "20ms", &measured);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(measured, 10);
	assert_true(calls > 10 + 1);
	/* the warm-up lasted at least 20 ms: the whole row took longer than that */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec) >= 20000000LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warmup_ops_only),
		cmocka_unit_test(test_warmup_time_runs_until_it_passed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
