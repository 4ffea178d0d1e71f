/*
 * Tests for analysis/compare.c (selectors: test_selector.c): samples built
 * from synthetic result rows (null counters left out, never 0), and compared rows on synthetic stores with known answers, in each
 * output format.
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

#include "compare.h"

/* --- synthetic result rows ------------------------------------------------------ */

/* One row: @reps ops/s values around @mean with relative spread @cv, counters set. */
static void fill_row(struct bl_result_view *r, double *vals, int64_t run, const char *workload,
		     int64_t size, size_t reps, double mean, double cv, uint64_t seed,
		     int64_t bounced)
{
	struct bl_rng rng;

	memset(r, 0, sizeof(*r));
	bl_rng_seed(&rng, seed);
	for (size_t i = 0; i < reps; i++)
		vals[i] = mean * (1 + cv * bl_rng_normal(&rng));
	r->run = run;
	r->workload = workload;
	r->variant = "";
	r->size = size;
	r->reps = (int64_t)reps;
	r->ops = 1000;
	r->ops_per_sec_values = vals;
	r->n_ops_per_sec = reps;
	r->ops_per_sec_mean.set = true;
	r->ops_per_sec_mean.v = mean;
	r->counters[BL_C_SWIOTLB_BOUNCED].set = bounced >= 0;
	r->counters[BL_C_SWIOTLB_BOUNCED].v = bounced;
	r->latency_ns[BL_LAT_P50].set = true;
	r->latency_ns[BL_LAT_P50].v = 1000;
}

static void test_samples_from_rows(void **state)
{
	struct bl_sample_set set;
	struct bl_result_view r;
	double vals[5];
	const struct bl_sample *s;

	(void)state;
	bl_sample_set_init(&set);
	/* bounced counter null on this kernel: no bounces_per_op sample at all */
	fill_row(&r, vals, 1, "import", 4096, 5, 1000, 0.01, 1, -1);
	r.counters[BL_C_IO_TLB_USED_BEFORE] = (struct bl_opt_i64){ 2000, true };
	r.counters[BL_C_IO_TLB_USED_PEAK] = (struct bl_opt_i64){ 2600, true };
	r.counters[BL_C_IO_TLB_USED_AFTER] = (struct bl_opt_i64){ 2100, true };
	assert_int_equal(bl_sample_set_add_result(&set, "", &r), 0);
	assert_null(bl_sample_set_find(&set, "", "import", "", 4096,
				       bl_metric_find("bounces_per_op")));
	assert_null(bl_sample_set_find(&set, "", "import", "", 4096, bl_metric_find("bounce_rate")));
	s = bl_sample_set_find(&set, "", "import", "", 4096, bl_metric_find("ops_per_sec"));
	assert_non_null(s);
	assert_int_equal(s->n, 5);
	assert_int_equal(s->runs, 1);
	s = bl_sample_set_find(&set, "", "import", NULL, 4096, bl_metric_find("slots_peak"));
	assert_non_null(s);
	assert_true(s->v[0] == 600);
	s = bl_sample_set_find(&set, "", "import", "", 4096, bl_metric_find("slots_after"));
	assert_true(s->v[0] == 100);

	/* a second run adds its repetitions and counts as a second run */
	fill_row(&r, vals, 2, "import", 4096, 5, 1000, 0.01, 2, 3000);
	assert_int_equal(bl_sample_set_add_result(&set, "", &r), 0);
	s = bl_sample_set_find(&set, "", "import", "", 4096, bl_metric_find("ops_per_sec"));
	assert_int_equal(s->n, 10);
	assert_int_equal(s->runs, 2);
	s = bl_sample_set_find(&set, "", "import", "", 4096, bl_metric_find("bounces_per_op"));
	assert_int_equal(s->n, 1);
	assert_true(s->v[0] == 3.0); /* 3000 bounces over 1000 ops */
	/* groups are separate */
	assert_null(bl_sample_set_find(&set, "6.12 force", "import", "", 4096,
				       bl_metric_find("ops_per_sec")));
	/* a non-finite value is refused */
	assert_int_equal(bl_sample_set_add(&set, "", "x", "", 1, bl_metric_find("ops_per_sec"),
					   NAN, 1),
			 -EINVAL);
	bl_sample_set_free(&set);
}

static const struct bl_cmp_row *find_row(const struct bl_cmp_result *r, int64_t size,
					 const char *metric)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->rows[i].size == size && !strcmp(r->rows[i].metric->name, metric))
			return &r->rows[i];
	return NULL;
}

/*
 * One run per side with per_rep: bounces per operation gets a value per
 * repetition and is judged from single runs (0 -> 1 bounce per op: worse);
 * a per_rep that does not fit (a repetition without ops, lengths that
 * differ, not JSON) falls back to the run's totals.
 */
static void test_bounces_per_rep(void **state)
{
	struct bl_sample_set base, new_set;
	struct bl_stats_opts o;
	struct bl_cmp_result r;
	struct bl_result_view v;
	const struct bl_cmp_row *row;
	const struct bl_sample *s;
	double vals[5];

	(void)state;
	bl_sample_set_init(&base);
	bl_sample_set_init(&new_set);
	fill_row(&v, vals, 1, "import", 4096, 5, 1000, 0.01, 1, 0);
	v.ops = 1000;
	v.per_rep_json = "{\"ops\":[200,200,200,200,200],\"swiotlb_bounced\":[0,0,0,0,0]}";
	assert_int_equal(bl_sample_set_add_result(&base, "", &v), 0);
	fill_row(&v, vals, 2, "import", 4096, 5, 1000, 0.01, 2, 1000);
	v.ops = 1000;
	v.per_rep_json = "{\"ops\":[190,200,210,200,200],\"swiotlb_bounced\":[190,200,210,200,200],"
			 "\"dma_sync_bytes\":[1556480,1638400,1720320,1638400,1638400]}";
	v.counters[BL_C_DMA_SYNC_BYTES] = (struct bl_opt_i64){ 8192000, true };
	assert_int_equal(bl_sample_set_add_result(&new_set, "", &v), 0);
	s = bl_sample_set_find(&new_set, "", "import", "", 4096, bl_metric_find("bounces_per_op"));
	assert_non_null(s);
	assert_int_equal(s->n, 5);
	assert_int_equal(s->runs, 1);
	assert_true(s->v[0] == 1.0 && s->v[2] == 1.0);
	/* the same for the bytes synced: 8 KiB per operation in every repetition */
	s = bl_sample_set_find(&new_set, "", "import", "", 4096, bl_metric_find("sync_mib_per_op"));
	assert_non_null(s);
	assert_int_equal(s->n, 5);
	assert_true(fabs(s->v[0] - 8192.0 / (1 << 20)) < 1e-12 && fabs(s->v[4] - 8192.0 / (1 << 20)) < 1e-12);
	bl_stats_opts_default(&o);
	assert_int_equal(bl_compare_sets(&base, &new_set, "a", "b", NULL, &o, &r), 0);
	row = find_row(&r, 4096, "bounces_per_op");
	assert_non_null(row);
	assert_int_equal(row->ch.base_n, 5);
	assert_int_equal(row->ch.verdict, BL_VERDICT_WORSE);
	bl_cmp_result_free(&r);
	bl_sample_set_free(&base);
	bl_sample_set_free(&new_set);

	/* unusable per_rep: one value from the totals (3000 / 1000) */
	static const char *const bad[] = {
		"{\"ops\":[200,0,200],\"swiotlb_bounced\":[1,1,1]}",
		"{\"ops\":[200,200,200],\"swiotlb_bounced\":[1,1]}",
		"{\"ops\":[200,200,200]}",
		"not json",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bl_sample_set_init(&base);
		fill_row(&v, vals, 1, "import", 4096, 5, 1000, 0.01, 1, 3000);
		v.per_rep_json = bad[i];
		assert_int_equal(bl_sample_set_add_result(&base, "", &v), 0);
		s = bl_sample_set_find(&base, "", "import", "", 4096, bl_metric_find("bounces_per_op"));
		assert_non_null(s);
		assert_int_equal(s->n, 1);
		assert_true(s->v[0] == 3.0);
		bl_sample_set_free(&base);
	}
}

/*
 * A synthetic store: base has 3 runs of 5 reps for two sizes; new drops 10%
 * at 64K (low noise), is unchanged at 4K, and has one size base lacks.
 */
static void build_sets(struct bl_sample_set *base, struct bl_sample_set *new_set)
{
	struct bl_result_view r;
	double vals[5];

	bl_sample_set_init(base);
	bl_sample_set_init(new_set);
	for (int run = 0; run < 3; run++) {
		fill_row(&r, vals, run, "import", 4096, 5, 20000, 0.01, 100 + run, 1000);
		assert_int_equal(bl_sample_set_add_result(base, "", &r), 0);
		fill_row(&r, vals, run, "import", 65536, 5, 10000, 0.01, 200 + run, 16000);
		assert_int_equal(bl_sample_set_add_result(base, "", &r), 0);

		fill_row(&r, vals, 10 + run, "import", 4096, 5, 20000, 0.01, 300 + run, 1000);
		assert_int_equal(bl_sample_set_add_result(new_set, "", &r), 0);
		fill_row(&r, vals, 10 + run, "import", 65536, 5, 9000, 0.01, 400 + run, 16000);
		assert_int_equal(bl_sample_set_add_result(new_set, "", &r), 0);
		fill_row(&r, vals, 10 + run, "import", 1 << 20, 5, 500, 0.01, 500 + run, 256000);
		assert_int_equal(bl_sample_set_add_result(new_set, "", &r), 0);
	}
}


static void test_compare_known_answers(void **state)
{
	static const char *const only_tput[] = { "ops_per_sec", NULL };
	static const char *const bogus[] = { "ops_per_sec", "speed", NULL };
	struct bl_sample_set base, new_set;
	struct bl_stats_opts o;
	struct bl_cmp_result r;
	const struct bl_cmp_row *row;

	(void)state;
	build_sets(&base, &new_set);
	bl_stats_opts_default(&o);
	assert_int_equal(bl_compare_sets(&base, &new_set, "a", "b", bogus, &o, &r), -EINVAL);

	assert_int_equal(bl_compare_sets(&base, &new_set, "kernel=6.1", "kernel=6.12", NULL, &o,
					 &r),
			 0);
	row = find_row(&r, 65536, "ops_per_sec");
	assert_non_null(row);
	assert_int_equal(row->ch.verdict, BL_VERDICT_WORSE); /* the 10% drop */
	assert_true(row->ch.significant);
	assert_true(fabs(row->ch.change + 0.10) < 0.02);
	assert_int_equal(row->ch.base_n, 15);
	row = find_row(&r, 4096, "ops_per_sec");
	assert_int_equal(row->ch.verdict, BL_VERDICT_SAME);
	/* bounces per op: one value per run, identical: same, not too few */
	row = find_row(&r, 65536, "bounces_per_op");
	assert_int_equal(row->ch.base_n, 3);
	assert_int_equal(row->ch.verdict, BL_VERDICT_SAME);
	/* only in new */
	row = find_row(&r, 1 << 20, "ops_per_sec");
	assert_null(row->base);
	assert_int_equal(row->ch.verdict, BL_VERDICT_TOO_FEW);
	assert_false(row->ch.significant);
	assert_int_equal(r.worse, 1);
	/* sorted: the counts lead, then the times; sizes ascending within each */
	for (size_t i = 1; i < r.n; i++) {
		assert_true(r.rows[i - 1].metric->count >= r.rows[i].metric->count);
		if (r.rows[i - 1].metric->count == r.rows[i].metric->count)
			assert_true(r.rows[i - 1].size <= r.rows[i].size);
	}
	assert_true(r.rows[0].metric->count);
	/* mib_per_sec is ops_per_sec x the size: compared only when asked for */
	for (size_t i = 0; i < r.n; i++)
		assert_string_not_equal(r.rows[i].metric->name, "mib_per_sec");
	bl_cmp_result_free(&r);

	assert_int_equal(bl_compare_sets(&base, &new_set, "a", "b", only_tput, &o, &r), 0);
	assert_int_equal(r.n, 3);
	bl_cmp_result_free(&r);
	bl_sample_set_free(&base);
	bl_sample_set_free(&new_set);
}

/* Reads what bl_cmp_write() printed in @fmt. */
static char *write_to_string(const struct bl_cmp_result *r, enum bl_cmp_format fmt, bool only)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(bl_cmp_write(f, r, fmt, only), 0);
	fclose(f);
	return buf;
}

static void test_compare_formats(void **state)
{
	struct bl_sample_set base, new_set;
	struct bl_stats_opts o;
	struct bl_cmp_result r;
	enum bl_cmp_format fmt;
	json_t *j, *rows, *row;
	json_error_t jerr;
	char *text;
	size_t i;
	bool seen_worse = false;

	(void)state;
	assert_int_equal(bl_cmp_format_parse("yaml", &fmt), -EINVAL);
	assert_int_equal(bl_cmp_format_parse("md", &fmt), 0);
	assert_int_equal(fmt, BL_CMP_MARKDOWN);

	build_sets(&base, &new_set);
	bl_stats_opts_default(&o);
	assert_int_equal(bl_compare_sets(&base, &new_set, "kernel=6.1", "kernel=6.12", NULL, &o,
					 &r),
			 0);

	text = write_to_string(&r, BL_CMP_TEXT, false);
	assert_non_null(strstr(text, "WORSE *"));
	assert_non_null(strstr(text, "64K"));
	assert_non_null(strstr(text, "only in new"));
	assert_non_null(strstr(text, "1 worse"));
	free(text);

	text = write_to_string(&r, BL_CMP_MARKDOWN, true);
	assert_non_null(strstr(text, "| **WORSE** |"));
	assert_non_null(strstr(text, "Base: `kernel=6.1`"));
	assert_null(strstr(text, "| same |")); /* only changes */
	free(text);

	text = write_to_string(&r, BL_CMP_JSON, false);
	j = json_loads(text, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "worse")), 1);
	rows = json_object_get(j, "rows");
	assert_int_equal(json_array_size(rows), r.n);
	json_array_foreach(rows, i, row)
	{
		if (!strcmp(json_string_value(json_object_get(row, "verdict")), "WORSE")) {
			seen_worse = true;
			assert_int_equal(json_integer_value(json_object_get(row, "size")), 65536);
			assert_true(json_is_true(json_object_get(row, "significant")));
			assert_true(json_real_value(json_object_get(row, "ci_hi")) < 0);
		}
	}
	assert_true(seen_worse);
	json_decref(j);
	free(text);

	bl_cmp_result_free(&r);
	bl_sample_set_free(&base);
	bl_sample_set_free(&new_set);
}

/* The hash index: many keys, found before and after sorting (which moves them). */
static void test_many_keys(void **state)
{
	const struct bl_metric *m = bl_metric_find("ops_per_sec");
	const struct bl_metric *b = bl_metric_find("bounces_per_op");
	struct bl_sample_set set;
	char group[32];

	(void)state;
	bl_sample_set_init(&set);
	assert_null(bl_sample_set_find(&set, "", "w", "", 1, m)); /* empty set */
	for (int g = 0; g < 400; g++) {
		snprintf(group, sizeof(group), "run %03d", 399 - g); /* inserted out of order */
		for (int size = 1; size <= 16; size++) {
			assert_int_equal(bl_sample_set_add(&set, group, "import", "", size << 12, m,
							   g + size, g),
					 0);
			assert_int_equal(bl_sample_set_add(&set, group, "import", "", size << 12, m,
							   g + size + 0.5, g),
					 0);
			assert_int_equal(bl_sample_set_add(&set, group, "import", "", size << 12, b,
							   1, g),
					 0);
		}
	}
	assert_int_equal(set.n, 400 * 16 * 2);
	for (int pass = 0; pass < 2; pass++) {
		for (int g = 0; g < 400; g += 7) {
			const struct bl_sample *s;

			snprintf(group, sizeof(group), "run %03d", 399 - g);
			s = bl_sample_set_find(&set, group, "import", "", 5 << 12, m);
			assert_non_null(s);
			assert_int_equal(s->n, 2);
			assert_true(s->v[0] == g + 5 && s->v[1] == g + 5.5);
			assert_int_equal(s->runs, 1);
			assert_null(bl_sample_set_find(&set, group, "import", "x", 5 << 12, m));
			assert_null(bl_sample_set_find(&set, group, "import", "", 17 << 12, m));
		}
		assert_int_equal(bl_sample_set_sort(&set), 0);
		assert_string_equal(set.s[0].group, "run 000");
	}
	bl_sample_set_free(&set);
}

static void test_size_str(void **state)
{
	static const struct {
		int64_t size;
		const char *str;
	} cases[] = {
		{ 0, "0" }, { 1000, "1000" }, { 4096, "4K" }, { 65536, "64K" },
		{ 1 << 20, "1M" }, { 1536 * 1024, "1536K" }, { 1LL << 30, "1G" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bl_size_str(cases[i].size, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].str);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_from_rows),
		cmocka_unit_test(test_bounces_per_rep),
		cmocka_unit_test(test_compare_known_answers),
		cmocka_unit_test(test_compare_formats),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_size_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
