/*
 * Tests for lib/store_summary.c: the set-wise reads give exactly what the
 * store's per-row query gives (every field of every row of the fixtures,
 * counters null with their reasons, repetition values in order), and the
 * trend aggregates computed in SQL equal the ones computed from the
 * values. Refusals first: an unknown metric is named in the error.
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

#include "fixture_store.h"
#include "store.h"
#include "store_summary.h"

/* --- one row as plain data, so that two reads compare with memcmp ------------------ */

struct snap {
	int64_t run, size, reps, ops, duration_ns, failed_ops;
	int idx;
	char workload[64], variant[64];
	struct bl_opt_f64 ops_mean, bytes_mean, bounce_rate;
	double ops_v[16], bytes_v[16];
	size_t n_ops, n_bytes;
	struct bl_opt_i64 lat[BL_LAT_COUNT], counters[BL_COUNTER_COUNT], failed_errno;
	char why[BL_COUNTER_COUNT + 1][160];
	char failed_error[256], klog[512], per_rep[512];
};

struct snaps {
	struct snap s[256];
	size_t n;
	int64_t ids[64];
	size_t nids;
};

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "(null)");
}

static int take(const struct bl_result_view *v, void *user)
{
	struct snaps *ss = user;
	struct snap *s;

	assert_true(ss->n < sizeof(ss->s) / sizeof(ss->s[0]));
	s = &ss->s[ss->n++];
	memset(s, 0, sizeof(*s));
	s->run = v->run;
	s->idx = v->idx;
	copy(s->workload, sizeof(s->workload), v->workload);
	copy(s->variant, sizeof(s->variant), v->variant);
	s->size = v->size;
	s->reps = v->reps;
	s->ops = v->ops;
	s->duration_ns = v->duration_ns;
	s->ops_mean = v->ops_per_sec_mean;
	s->bytes_mean = v->bytes_per_sec_mean;
	s->bounce_rate = v->bounce_rate;
	assert_true(v->n_ops_per_sec <= 16 && v->n_bytes_per_sec <= 16);
	memcpy(s->ops_v, v->ops_per_sec_values, v->n_ops_per_sec * sizeof(double));
	memcpy(s->bytes_v, v->bytes_per_sec_values, v->n_bytes_per_sec * sizeof(double));
	s->n_ops = v->n_ops_per_sec;
	s->n_bytes = v->n_bytes_per_sec;
	memcpy(s->lat, v->latency_ns, sizeof(s->lat));
	memcpy(s->counters, v->counters, sizeof(s->counters));
	for (int i = 0; i < BL_COUNTER_COUNT; i++)
		copy(s->why[i], sizeof(s->why[i]), v->unavailable[i]);
	copy(s->why[BL_COUNTER_COUNT], sizeof(s->why[0]), v->bounce_rate_unavailable);
	s->failed_ops = v->failed_ops;
	s->failed_errno = v->failed_errno;
	copy(s->failed_error, sizeof(s->failed_error), v->failed_error);
	copy(s->klog, sizeof(s->klog), v->kernel_log_json);
	copy(s->per_rep, sizeof(s->per_rep), v->per_rep_json);
	return 0;
}

static int take_row(const struct bl_run_row *run, const struct bl_result_view *v, void *user)
{
	(void)run;
	return take(v, user);
}

static int take_id(const struct bl_run_row *run, void *user)
{
	struct snaps *ss = user;

	ss->ids[ss->nids++] = run->id;
	return 0;
}

static int cmp_snap(const void *a, const void *b)
{
	const struct snap *x = a, *y = b;

	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	return x->idx - y->idx;
}

/* --- refusals ----------------------------------------------------------------------- */

static int never(const struct bl_trend_point *p, void *user)
{
	(void)p;
	(void)user;
	fail_msg("no point expected");
	return 0;
}

static void test_unknown_metric(void **state)
{
	struct fx_store *t = *state;
	int64_t id = 1;
	char err[256] = "";

	assert_int_equal(bl_store_summary_trend(t->s, &id, 1, NULL, 0, "speed", never, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "'speed'"));
	assert_int_equal(bl_store_summary_trend(t->s, &id, 1, NULL, 0, NULL, never, NULL, err, sizeof(err)),
			 -EINVAL);
	/* an empty list of runs: nothing, and no error */
	assert_int_equal(bl_store_summary_trend(t->s, &id, 0, NULL, 0, "ops_per_sec", never, NULL, err,
						sizeof(err)), 0);
}

static int stop_at_first(const struct bl_result_view *v, void *user)
{
	(void)v;
	++*(int *)user;
	return 42;
}

static void test_callback_stops(void **state)
{
	struct fx_store *t = *state;
	static struct snaps ss;
	char err[256];
	int calls = 0;

	ss.nids = 0;
	assert_int_equal(bl_store_query_runs(t->s, NULL, take_id, &ss), 0);
	assert_int_equal(bl_store_summary_rows(t->s, ss.ids, ss.nids, stop_at_first, &calls, err,
					       sizeof(err)), 42);
	assert_int_equal(calls, 1);
}

/* --- the same rows as the per-row query ------------------------------------------------ */

static void test_rows_as_query_results(void **state)
{
	struct fx_store *t = *state;
	static struct snaps by_query, by_summary;
	char err[256] = "";

	memset(&by_query, 0, sizeof(by_query));
	memset(&by_summary, 0, sizeof(by_summary));
	assert_int_equal(bl_store_query_results(t->s, NULL, take_row, &by_query), 0);
	assert_int_equal(bl_store_query_runs(t->s, NULL, take_id, &by_summary), 0);
	assert_int_equal(bl_store_summary_rows(t->s, by_summary.ids, by_summary.nids, take,
					       &by_summary, err, sizeof(err)), 0);
	assert_true(by_query.n > 10);
	assert_int_equal(by_summary.n, by_query.n);
	/* the summary comes in result id order, the query in run order: compare sorted */
	qsort(by_query.s, by_query.n, sizeof(by_query.s[0]), cmp_snap);
	qsort(by_summary.s, by_summary.n, sizeof(by_summary.s[0]), cmp_snap);
	for (size_t i = 0; i < by_query.n; i++)
		if (memcmp(&by_query.s[i], &by_summary.s[i], sizeof(by_query.s[i])))
			fail_msg("row %zu (run %lld, %s %lld) differs", i, (long long)by_query.s[i].run,
				 by_query.s[i].workload, (long long)by_query.s[i].size);
	/* the fixtures have what the comparison must cover */
	{
		bool null_counter = false, failed = false, reps = false, per_rep = false;

		for (size_t i = 0; i < by_query.n; i++) {
			null_counter |= !by_query.s[i].counters[BL_C_DMA_MAP_SG].set &&
					strcmp(by_query.s[i].why[BL_C_DMA_MAP_SG], "(null)");
			failed |= by_query.s[i].failed_ops > 0 && strcmp(by_query.s[i].klog, "(null)");
			reps |= by_query.s[i].n_ops > 1;
			per_rep |= strcmp(by_query.s[i].per_rep, "(null)") != 0;
		}
		assert_true(null_counter && failed && reps);
		(void)per_rep;
	}
	/* a subset of the runs: only theirs */
	memset(&by_summary.s, 0, sizeof(by_summary.s));
	by_summary.n = 0;
	assert_int_equal(bl_store_summary_rows(t->s, by_summary.ids, 1, take, &by_summary, err,
					       sizeof(err)), 0);
	for (size_t i = 0; i < by_summary.n; i++)
		assert_int_equal(by_summary.s[i].run, by_summary.ids[0]);
}

/* --- trend aggregates ------------------------------------------------------------------- */

struct points {
	struct bl_trend_point p[256];
	char wl[256][64];
	size_t n;
};

static int take_point(const struct bl_trend_point *p, void *user)
{
	struct points *ps = user;

	assert_true(ps->n < 256);
	ps->p[ps->n] = *p;
	snprintf(ps->wl[ps->n], sizeof(ps->wl[0]), "%s", p->workload);
	ps->p[ps->n].workload = ps->wl[ps->n];
	ps->p[ps->n].variant = NULL;
	ps->n++;
	return 0;
}

static const struct bl_trend_point *point_of(const struct points *ps, const struct snap *s)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].run == s->run && ps->p[i].size == s->size &&
		    !strcmp(ps->p[i].workload, s->workload))
			return &ps->p[i];
	return NULL;
}

static void test_trend_aggregates(void **state)
{
	struct fx_store *t = *state;
	static struct snaps rows;
	static struct points ops, bpo, peak;
	char err[256] = "";

	memset(&rows, 0, sizeof(rows));
	assert_int_equal(bl_store_query_results(t->s, NULL, take_row, &rows), 0);
	assert_int_equal(bl_store_query_runs(t->s, NULL, take_id, &rows), 0);
	ops.n = bpo.n = peak.n = 0;
	assert_int_equal(bl_store_summary_trend(t->s, rows.ids, rows.nids, NULL, 0, "ops_per_sec",
						take_point, &ops, err, sizeof(err)), 0);
	/* NULL: every stored run, the same rows */
	assert_int_equal(bl_store_summary_trend(t->s, NULL, 0, NULL, 0, "bounces_per_op",
						take_point, &bpo, err, sizeof(err)), 0);
	assert_int_equal(bl_store_summary_trend(t->s, rows.ids, rows.nids, NULL, 0, "slots_peak",
						take_point, &peak, err, sizeof(err)), 0);
	for (size_t i = 0; i < rows.n; i++) {
		const struct snap *s = &rows.s[i];
		const struct bl_trend_point *p = point_of(&ops, s);
		double m = 0, ss = 0;

		/* ops_per_sec: n, mean and sd of the repetition values (the mean without) */
		if (s->n_ops) {
			assert_non_null(p);
			assert_int_equal(p->n, s->n_ops);
			for (size_t k = 0; k < s->n_ops; k++)
				m += s->ops_v[k];
			m /= (double)s->n_ops;
			for (size_t k = 0; k < s->n_ops; k++)
				ss += (s->ops_v[k] - m) * (s->ops_v[k] - m);
			assert_true(fabs(p->mean - m) <= 1e-9 * fabs(m));
			if (s->n_ops > 1)
				assert_true(fabs(p->sd - sqrt(ss / (double)(s->n_ops - 1))) <=
					    1e-6 * fabs(m) + 1e-9);
		} else if (s->ops_mean.set) {
			assert_non_null(p);
			assert_int_equal(p->n, 1);
		}
		/* bounces per op: the total over the operations, left out when unknown */
		p = point_of(&bpo, s);
		if (s->counters[BL_C_SWIOTLB_BOUNCED].set && s->ops > 0) {
			assert_non_null(p);
			assert_true(fabs(p->mean - (double)s->counters[BL_C_SWIOTLB_BOUNCED].v /
							  (double)s->ops) < 1e-12);
		} else {
			assert_null(p);
		}
		/* slots at peak: above the level before the row ran */
		p = point_of(&peak, s);
		if (s->counters[BL_C_IO_TLB_USED_PEAK].set && s->counters[BL_C_IO_TLB_USED_BEFORE].set)
			assert_true(p && p->mean == (double)(s->counters[BL_C_IO_TLB_USED_PEAK].v -
							    s->counters[BL_C_IO_TLB_USED_BEFORE].v));
		else
			assert_null(p);
	}
}

static void test_trend_sizes(void **state)
{
	struct fx_store *t = *state;
	static struct points ps;
	const int64_t sizes[] = { 4096, 1048576 };
	char err[256] = "";

	ps.n = 0;
	assert_int_equal(bl_store_summary_trend(t->s, NULL, 0, sizes, 2, "latency_p50_ns", take_point,
						&ps, err, sizeof(err)), 0);
	assert_true(ps.n > 0);
	for (size_t i = 0; i < ps.n; i++)
		assert_true(ps.p[i].size == 4096 || ps.p[i].size == 1048576);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unknown_metric, fx_store_setup, fx_store_teardown),
		cmocka_unit_test_setup_teardown(test_callback_stops, fx_store_setup, fx_store_teardown),
		cmocka_unit_test_setup_teardown(test_rows_as_query_results, fx_store_setup, fx_store_teardown),
		cmocka_unit_test_setup_teardown(test_trend_aggregates, fx_store_setup, fx_store_teardown),
		cmocka_unit_test_setup_teardown(test_trend_sizes, fx_store_setup, fx_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
