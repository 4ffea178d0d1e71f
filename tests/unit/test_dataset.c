/*
 * Tests for analysis/dataset.c: which runs and rows a dataset holds and in
 * what order (the bootstrap draws values by position), the newest N runs
 * for last=N, scopes, the light history, and an_compare() giving the same
 * comparison whether its sides come from the store or from a dataset.
 * Refusals first.
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

#include <cmocka.h>
#include <jansson.h>

#include "analysis.h"
#include "dataset.h"
#include "fixture_store.h"
#include "store.h"

/* Three more nights of the udmabuf import job, one day apart. */
static void put_nights(struct bl_store *s)
{
	static const char *const nights[][2] = {
		{ "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7001", "2026-11-21T02:00:00Z" },
		{ "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7002", "2026-11-22T02:00:00Z" },
		{ "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7003", "2026-11-23T02:00:00Z" },
	};

	for (size_t i = 0; i < 3; i++)
		fx_put(s, fx_fixture(fx_fixture_files[0], nights[i][0], nights[i][1]));
}

static void test_refusals(void **state)
{
	struct fx_store *t = *state;
	struct bl_run_filter all = { 0 };
	const char *const bogus[] = { "speed", NULL };
	struct bl_stats_opts o;
	struct an_comparison cmp;

	bl_stats_opts_default(&o);
	/* an unknown metric: refused, nothing left to free */
	assert_int_equal(an_compare(t->s, &(struct an_side){ .filter = &all, .label = "a" },
				    &(struct an_side){ .filter = &all, .label = "b" }, AN_GROUP_JOB,
				    bogus, &o, &cmp), -EINVAL);
	assert_null(cmp.r.rows);
	assert_int_equal(cmp.base.n, 0);
}

static void test_order_and_rows(void **state)
{
	struct fx_store *t = *state;
	struct an_dataset ds;
	size_t rows = 0;

	put_nights(t->s);
	assert_int_equal(an_dataset_load(t->s, NULL, &ds), 0);
	assert_int_equal(ds.runs.n, fx_n_fixtures + 3);
	for (size_t i = 0; i < ds.runs.n; i++) {
		rows += (size_t)ds.runs.r[i].n_results;
		if (i)
			assert_true(ds.runs.r[i - 1].started_unix <= ds.runs.r[i].started_unix);
	}
	assert_int_equal(ds.n, rows);
	/* by run in the runs' order, then in document order */
	for (size_t i = 1; i < ds.n; i++)
		assert_true(ds.rows[i - 1].run < ds.rows[i].run ||
			    (ds.rows[i - 1].run == ds.rows[i].run &&
			     ds.rows[i - 1].v.idx < ds.rows[i].v.idx));
	for (size_t i = 0; i < ds.n; i++)
		assert_int_equal(ds.rows[i].v.run, ds.runs.r[ds.rows[i].run].id);
	/* boots: a run's unit is the first run with its boot_id, else itself */
	{
		size_t shared = 0;

		for (size_t i = 0; i < ds.runs.n; i++) {
			const struct an_run *r = &ds.runs.r[i];
			size_t first = i;

			for (size_t j = 0; r->boot_id && j < i; j++)
				if (ds.runs.r[j].boot_id && !strcmp(ds.runs.r[j].boot_id, r->boot_id)) {
					first = j;
					break;
				}
			assert_int_equal(r->unit, first);
			shared += first != i;
		}
		assert_true(shared >= 3); /* the three nights are copies: one boot_id */
	}
	an_dataset_free(&ds);
}

static void test_last_is_newest(void **state)
{
	struct fx_store *t = *state;
	struct bl_run_filter f = { .job = "udmabuf-import", .limit = 2 };
	struct an_runs runs;

	put_nights(t->s);
	/* last=2: the two newest nights, still oldest first (was: the two oldest) */
	assert_int_equal(an_load_runs(t->s, &f, &runs), 0);
	assert_int_equal(runs.n, 2);
	assert_string_equal(runs.r[0].started_at, "2026-11-22T02:00:00Z");
	assert_string_equal(runs.r[1].started_at, "2026-11-23T02:00:00Z");
	an_runs_free(&runs);
}

static bool is_force(const struct an_run *r, void *user)
{
	(void)user;
	return !strcmp(r->mode, "force");
}

static void test_scope_history_keep(void **state)
{
	struct fx_store *t = *state;
	struct an_dataset ds;
	struct an_runs hist;
	struct an_scope sc = { .mode = "force", .device = "vgem" };
	struct bl_sample_set set;
	size_t runs = 0, want = 0;

	put_nights(t->s);
	assert_int_equal(an_dataset_load(t->s, NULL, &ds), 0);
	for (size_t i = 0; i < ds.runs.n; i++)
		want += an_scope_has(&sc, &ds.runs.r[i]) && ds.runs.r[i].n_results > 0;
	assert_true(want >= 4);
	bl_sample_set_init(&set);
	assert_int_equal(an_dataset_samples(&ds, &sc, AN_GROUP_JOB, &set, &runs), 0);
	assert_int_equal(runs, want);
	bl_sample_set_free(&set);
	assert_true(an_scope_has(NULL, &ds.runs.r[0]));

	/* the light history: the same runs, the same labels */
	assert_int_equal(an_load_history(t->s, &hist), 0);
	assert_int_equal(hist.n, ds.runs.n);
	for (size_t i = 0; i < hist.n; i++) {
		char a[256], b[256];

		assert_int_equal(hist.r[i].id, ds.runs.r[i].id);
		an_run_label(&hist.r[i], AN_GROUP_KERNEL_MODE, a, sizeof(a));
		an_run_label(&ds.runs.r[i], AN_GROUP_KERNEL_MODE, b, sizeof(b));
		assert_string_equal(a, b);
		an_run_label(&hist.r[i], AN_GROUP_JOB, a, sizeof(a));
		an_run_label(&ds.runs.r[i], AN_GROUP_JOB, b, sizeof(b));
		assert_string_equal(a, b);
	}
	an_runs_keep(&hist, is_force, NULL);
	assert_true(hist.n > 0 && hist.n < ds.runs.n);
	for (size_t i = 0; i < hist.n; i++)
		assert_string_equal(hist.r[i].mode, "force");
	an_runs_free(&hist);
	an_dataset_free(&ds);
}

/* The same comparison from the store (filters) and from a dataset (scopes). */
static void test_compare_sides_agree(void **state)
{
	struct fx_store *t = *state;
	struct bl_run_filter bf = { .swiotlb = "noforce", .job = "udmabuf-import" };
	struct bl_run_filter nf = { .swiotlb = "force", .job = "udmabuf-import" };
	struct an_scope bs = { .mode = "noforce", .job = "udmabuf-import" };
	struct an_scope ns = { .mode = "force", .job = "udmabuf-import" };
	struct an_comparison a, b;
	struct an_dataset ds;
	struct bl_stats_opts o;
	json_t *ja, *jb;

	put_nights(t->s);
	bl_stats_opts_default(&o);
	assert_int_equal(an_compare(t->s, &(struct an_side){ .filter = &bf, .label = "base" },
				    &(struct an_side){ .filter = &nf, .label = "new" }, AN_GROUP_JOB,
				    NULL, &o, &a), 0);
	assert_int_equal(an_dataset_load(t->s, NULL, &ds), 0);
	assert_int_equal(an_compare(t->s, &(struct an_side){ .ds = &ds, .scope = bs, .label = "base" },
				    &(struct an_side){ .ds = &ds, .scope = ns, .label = "new" },
				    AN_GROUP_JOB, NULL, &o, &b), 0);
	assert_int_equal(a.base_runs, 1);
	assert_int_equal(a.new_runs, 4);
	assert_int_equal(b.base_runs, a.base_runs);
	assert_int_equal(b.new_runs, a.new_runs);
	assert_true(a.r.n > 10);
	ja = bl_cmp_to_json(&a.r, false);
	jb = bl_cmp_to_json(&b.r, false);
	assert_true(json_equal(ja, jb));
	json_decref(ja);
	json_decref(jb);
	an_comparison_free(&a);
	an_comparison_free(&b);
	an_dataset_free(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, fx_store_setup, fx_store_teardown),
		cmocka_unit_test_setup_teardown(test_order_and_rows, fx_store_setup, fx_store_teardown),
		cmocka_unit_test_setup_teardown(test_last_is_newest, fx_store_setup, fx_store_teardown),
		cmocka_unit_test_setup_teardown(test_scope_history_keep, fx_store_setup, fx_store_teardown),
		cmocka_unit_test_setup_teardown(test_compare_sides_agree, fx_store_setup, fx_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
