/*
 * Unit tests for analysis/night.c and lib/store_night.c: recording a night,
 * finding each run's last night (the same configuration only: another
 * guest clock, DMA mode or kernel version is never matched), a first night,
 * failures judged as regressions, a pinned baseline, judging again.
 * Documents are fabricated from tests/fixtures (FIXTURE figures, not
 * measurements); negative cases first.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "night.h"
#include "resultdoc.h"
#include "store.h"

#define FIXTURE "tests/fixtures/result-6.12-force-udmabuf-import.json"

struct tmp {
	char dir[64];
	char db[128];
	struct bl_store *s;
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	char err[256] = "";

	snprintf(t->dir, sizeof(t->dir), "/tmp/bl-test-night-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->db, sizeof(t->db), "%s/night.db", t->dir);
	if (bl_store_open(t->db, NULL, &t->s, err, sizeof(err))) {
		fprintf(stderr, "open %s: %s\n", t->db, err);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[128];

	bl_store_close(t->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd))
		return -1;
	free(t);
	return 0;
}

/* How a fabricated run differs from the fixture's configuration. */
struct variant {
	const char *uuid;
	int day;	       /* started 2026-11-<day>T02:00:00Z */
	const char *clock;     /* testbed.clock, NULL: none */
	const char *swiotlb;   /* NULL: the fixture's "force" */
	const char *package;   /* testbed.package_version, NULL: the fixture's 6.12.57-1 */
	const char *release;   /* kernel.release, NULL: the fixture's 6.12 release */
	long long failed_4k;   /* failures.ops of the 4 KiB row (of its 1000 ops) */
	double speed_4k;       /* the 4 KiB row's throughput scaled by this (0: as the fixture) */
	const char *status;    /* NULL: "ok" */
};

static void put_run(struct bl_store *s, const struct variant *v)
{
	char err[256], when[32], boot[40];
	struct bl_resultdoc *d = NULL;
	enum bl_put_outcome o;
	json_error_t e;
	json_t *j = json_load_file(FIXTURE, 0, &e), *row0;

	if (!j)
		fail_msg("%s: %s (run from the repository root)", FIXTURE, e.text);
	json_object_set_new(j, "run_id", json_string(v->uuid));
	snprintf(when, sizeof(when), "2026-11-%02dT02:00:00Z", v->day);
	json_object_set_new(j, "started_at", json_string(when));
	snprintf(when, sizeof(when), "2026-11-%02dT02:00:40Z", v->day);
	json_object_set_new(j, "finished_at", json_string(when));
	/* every run its own boot: the boot is the unit of replication */
	snprintf(boot, sizeof(boot), "6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7%02d", v->day);
	json_object_set_new(json_object_get(j, "kernel"), "boot_id", json_string(boot));
	if (v->clock)
		json_object_set_new(json_object_get(j, "testbed"), "clock", json_string(v->clock));
	if (v->swiotlb)
		json_object_set_new(json_object_get(j, "dma"), "swiotlb", json_string(v->swiotlb));
	if (v->package)
		json_object_set_new(json_object_get(j, "testbed"), "package_version",
				    json_string(v->package));
	if (v->release)
		json_object_set_new(json_object_get(j, "kernel"), "release", json_string(v->release));
	if (v->status) {
		json_object_set_new(j, "status", json_string(v->status));
		json_object_set_new(j, "error", json_string("fabricated failure"));
	}
	row0 = json_array_get(json_object_get(j, "results"), 0);
	if (v->failed_4k) {
		json_t *f = json_object_get(row0, "failures");

		json_object_set_new(f, "ops", json_integer(v->failed_4k));
		json_object_set_new(f, "errno", json_integer(EIO));
		json_object_set_new(f, "error", json_string("Input/output error"));
	}
	if (v->speed_4k) {
		json_t *ops = json_object_get(row0, "ops_per_sec"), *x;
		size_t i;

		json_object_set_new(ops, "mean",
				    json_real(json_number_value(json_object_get(ops, "mean")) * v->speed_4k));
		json_array_foreach(json_object_get(ops, "values"), i, x)
			json_array_set_new(json_object_get(ops, "values"), i,
					   json_real(json_number_value(x) * v->speed_4k));
	}
	if (bl_resultdoc_from_json(j, &d, err, sizeof(err)))
		fail_msg("%s: %s", v->uuid, err);
	json_decref(j);
	if (bl_store_put_run(s, d, &o))
		fail_msg("put %s: %s", v->uuid, bl_store_errmsg(s));
	bl_resultdoc_free(d);
}

static int64_t night_of(struct bl_store *s, int day, const char *const *uuids, size_t n)
{
	int64_t id = 0;

	assert_int_equal(an_night_begin(s, NULL, "nightly", 1764554400 + day * 86400LL, &id), 0);
	assert_true(id > 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(an_night_add_run(s, id, uuids[i]), 0);
	return id;
}

#define UUID(n) "00000000-0000-4000-8000-0000000000" n

static void test_bad_input(void **state)
{
	struct tmp *t = *state;
	struct an_night n;
	int64_t id;

	/* nothing recorded yet: latest is "none", not an error to crash on */
	assert_int_equal(an_night_load(t->s, 0, &n), -ENOENT);
	assert_int_equal(an_night_load(t->s, 42, &n), -ENOENT);
	/* a night that does not exist, a run that is not stored */
	assert_int_equal(an_night_add_run(t->s, 42, UUID("01")), -ENOENT);
	assert_int_equal(an_night_begin(t->s, "n", "nightly", 1000, &id), 0);
	assert_int_equal(an_night_add_run(t->s, id, UUID("01")), -ENOENT);
	assert_int_equal(an_night_judge(t->s, id, "kernel=", NULL, 2000, NULL), -EINVAL);
	/* an empty night is judged: nothing to say, still judged */
	assert_int_equal(an_night_judge(t->s, id, NULL, NULL, 2000, &n), 0);
	assert_string_equal(n.status, "judged");
	assert_int_equal(n.n_runs, 0);
	an_night_free(&n);
}

static void test_first_night(void **state)
{
	struct tmp *t = *state;
	const struct variant a = { .uuid = UUID("01"), .day = 1, .clock = "icount" };
	const char *const runs[] = { a.uuid };
	struct an_night n;
	int64_t id;

	put_run(t->s, &a);
	id = night_of(t->s, 1, runs, 1);
	/* twice is once */
	assert_int_equal(an_night_add_run(t->s, id, a.uuid), 0);
	assert_int_equal(an_night_judge(t->s, id, NULL, NULL, 5000, &n), 0);
	assert_int_equal(n.n_runs, 1);
	assert_null(n.runs[0].last_uuid);
	assert_int_equal(n.first_nights, 1);
	assert_int_equal(n.n_rows, 0);
	assert_int_equal(n.last.worse + n.last.better + n.last.same + n.last.unknown, 0);
	assert_int_equal(n.finished_unix, 5000);
	assert_int_equal(n.previous_id, 0);
	an_night_free(&n);
}

/* The verdict row of @metric at @size against last night, or NULL. */
static const struct an_night_row *row_of(const struct an_night *n, const char *metric,
					 int64_t size)
{
	for (size_t i = 0; i < n->n_rows; i++)
		if (!strcmp(n->rows[i].metric, metric) && n->rows[i].size == size &&
		    n->rows[i].against == AN_AGAINST_LAST_NIGHT)
			return &n->rows[i];
	return NULL;
}

static void test_same_configuration_only(void **state)
{
	struct tmp *t = *state;
	/* oldest first; each row says why it is or is not tonight's last night */
	const struct variant v[] = {
		{ .uuid = UUID("01"), .day = 1, .clock = "icount" }, /* the same configuration */
		{ .uuid = UUID("02"), .day = 2, .clock = "wall" },	/* another guest clock */
		{ .uuid = UUID("03"), .day = 3, .clock = "icount", .swiotlb = "noforce" }, /* mode */
		{ .uuid = UUID("04"), .day = 4, .clock = "icount", .package = "6.1.158-1",
		  .release = "6.1.0-41-amd64" }, /* another kernel series */
		/* tonight: the same configuration, and every 4 KiB import now refused */
		{ .uuid = UUID("05"), .day = 5, .clock = "icount", .failed_4k = 1000 },
	};
	const char *const first[] = { v[0].uuid }, *const tonight[] = { v[4].uuid };
	struct an_night n, again;
	const struct an_night_row *r;
	int64_t n1, n2;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		put_run(t->s, &v[i]);
	n1 = night_of(t->s, 1, first, 1);
	assert_int_equal(an_night_judge(t->s, n1, NULL, NULL, 5000, NULL), 0);
	n2 = night_of(t->s, 5, tonight, 1);
	assert_int_equal(an_night_judge(t->s, n2, NULL, NULL, 6000, &n), 0);
	assert_int_equal(n.previous_id, n1);
	assert_int_equal(n.n_runs, 1);
	assert_non_null(n.runs[0].last_uuid);
	assert_string_equal(n.runs[0].last_uuid, v[0].uuid);
	assert_int_equal(n.first_nights, 0);
	/* 0 -> every operation failed: worse, and counted as a new failure */
	r = row_of(&n, "failed_share", 4096);
	assert_non_null(r);
	assert_string_equal(r->verdict, "worse");
	assert_true(r->failure);
	assert_true(r->count);
	assert_true(n.runs[0].last.worse >= 1);
	assert_true(n.runs[0].last.failed_new >= 1);
	assert_int_equal(n.last.failed_new, n.runs[0].last.failed_new);
	/* worse rows come first, the failure before anything else */
	assert_string_equal(n.rows[0].verdict, "worse");
	assert_true(n.rows[0].failure);
	/* the other rows did not change: same */
	assert_true(n.runs[0].last.same > 0);
	assert_null(row_of(&n, "bounces_per_op", 65536));

	/* judging again replaces the verdicts: the same model, no duplicates */
	assert_int_equal(an_night_judge(t->s, n2, NULL, NULL, 7000, &again), 0);
	assert_int_equal(again.n_rows, n.n_rows);
	assert_int_equal(again.last.same, n.last.same);
	assert_int_equal(again.finished_unix, 7000);
	an_night_free(&again);

	/* which night a run belongs to; a run in none: 0 */
	assert_int_equal(bl_store_night_of_run(t->s, v[4].uuid, &n1), 0);
	assert_int_equal(n1, n2);
	assert_int_equal(bl_store_night_of_run(t->s, v[1].uuid, &n1), 0);
	assert_int_equal(n1, 0);

	/* latest = the newest night */
	assert_int_equal(an_night_load(t->s, 0, &again), 0);
	assert_int_equal(again.id, n2);
	an_night_free(&again);

	/*
	 * A nightly tracks a series: a new Debian version of it is judged
	 * against last night's version, and the night names that version.
	 */
	{
		const struct variant next = { .uuid = UUID("06"), .day = 6, .clock = "icount",
					      .package = "6.12.58-1" };
		const char *const newer[] = { next.uuid };
		int64_t n3;

		put_run(t->s, &next);
		n3 = night_of(t->s, 6, newer, 1);
		assert_int_equal(an_night_judge(t->s, n3, NULL, NULL, 8000, &again), 0);
		assert_non_null(again.runs[0].last_uuid);
		assert_string_equal(again.runs[0].last_uuid, v[4].uuid);
		assert_non_null(strstr(again.runs[0].config, "6.12.58-1"));
		assert_non_null(strstr(again.runs[0].config, "last night: 6.12.57-1"));
		an_night_free(&again);
	}
	an_night_free(&n);
}

static void test_job_failed_and_baseline(void **state)
{
	struct tmp *t = *state;
	const struct variant v[] = {
		{ .uuid = UUID("11"), .day = 1, .clock = "icount" },	 /* pinned baseline */
		{ .uuid = UUID("12"), .day = 2, .clock = "icount" },	 /* last night, ok */
		{ .uuid = UUID("13"), .day = 3, .clock = "icount", .status = "failed" }, /* tonight */
	};
	const char *const tonight[] = { v[2].uuid };
	struct an_night n;
	const struct an_night_row *r;
	int64_t id;
	json_t *j;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		put_run(t->s, &v[i]);
	id = night_of(t->s, 3, tonight, 1);
	assert_int_equal(an_night_judge(t->s, id, "run_id=" UUID("11"), NULL, 9000, &n), 0);
	assert_string_equal(n.runs[0].last_uuid, v[1].uuid);
	/* ok -> failed is a regression against both */
	r = row_of(&n, "job_failed", 0);
	assert_non_null(r);
	assert_string_equal(r->verdict, "worse");
	assert_true(n.runs[0].last.failed_new >= 1);
	assert_true(n.runs[0].baseline_judged);
	assert_null(n.runs[0].baseline_why);
	assert_true(n.runs[0].base.failed_new >= 1);
	assert_string_equal(n.baseline, "run_id=" UUID("11"));

	/* the JSON says the same, with null where nothing was measured */
	j = an_night_to_json(&n);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(j, "counts"), "last_night"),
				 "failed_new")),
			 (json_int_t)n.last.failed_new);
	assert_true(json_is_string(json_object_get(j, "baseline")));
	json_decref(j);
	an_night_free(&n);

	/* a baseline without runs before tonight's run is said, not an error */
	assert_int_equal(an_night_judge(t->s, id, "kernel=5.10", NULL, 9100, &n), 0);
	assert_false(n.runs[0].baseline_judged);
	assert_non_null(n.runs[0].baseline_why);
	an_night_free(&n);
}

/* Times: against the measured noise floor when there is one, "unknown" without. */
static void test_times_and_floor(void **state)
{
	struct tmp *t = *state;
	const struct variant v[] = {
		{ .uuid = UUID("21"), .day = 1, .clock = "icount" },		   /* last night */
		{ .uuid = UUID("22"), .day = 2, .clock = "icount", .speed_4k = 0.7 }, /* 30 % slower */
	};
	const char *const tonight[] = { v[1].uuid };
	/* the 4 KiB row's A/A spread on this clock: 1 %; one boot a side, so the threshold is
	 * max(3 %, 1.5 x 1 %) (BL_NOISE_ONE_BOOT, BL_FLOOR_K_ONE_BOOT) */
	const struct bl_noise_floor fl = { .job = "udmabuf-import", .workload = "import", .size = 4096,
					   .metric = "ops_per_sec", .clock = "icount", .floor = 0.01,
					   .boots = 2 };
	const struct an_night_row *r;
	struct an_night n;
	int64_t id;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		put_run(t->s, &v[i]);
	id = night_of(t->s, 2, tonight, 1);
	/* no floor yet: one boot a side cannot say, so the row is unknown, never a verdict */
	assert_int_equal(an_night_judge(t->s, id, NULL, NULL, 100, &n), 0);
	r = row_of(&n, "ops_per_sec", 4096);
	assert_non_null(r);
	assert_string_equal(r->verdict, "unknown");
	assert_false(r->calibrated);
	assert_false(r->count);
	an_night_free(&n);

	assert_int_equal(bl_store_put_floors(t->s, 50, &fl, 1), 0);
	assert_int_equal(an_night_judge(t->s, id, NULL, NULL, 200, &n), 0);
	r = row_of(&n, "ops_per_sec", 4096);
	assert_non_null(r);
	assert_string_equal(r->verdict, "worse");
	assert_true(r->calibrated);
	assert_true(fabs(r->threshold - BL_NOISE_ONE_BOOT) < 1e-9);
	assert_true(fabs(r->change + 0.3) < 1e-6);
	assert_false(r->failure);
	assert_int_equal(n.runs[0].last.failed_new, 0);
	an_night_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_night, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_configuration_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_failed_and_baseline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_times_and_floor, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
