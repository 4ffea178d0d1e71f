/*
 * Tests for analysis/compare_split.c through an_compare (dataset.c): runs
 * of one side with different SWIOTLB pools (dma.swiotlb_slabs) or of
 * different kernel builds (a local build's testbed.package_version
 * local-<hex>) are never pooled into one row; sides with one pool each
 * that differ say so in their headings. Each case stores variants of one
 * fixture document in a fresh store.
 */
#include <errno.h>
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
#include "compare_split.h"
#include "dataset.h"
#include "fixture_store.h"
#include "store.h"

#define FIXTURE "tests/fixtures/result-6.12-force-udmabuf-import.json"
#define NOV21	1795219200 /* 2026-11-21T00:00:00Z: base runs before, new runs after */

struct t {
	char dir[64], db[96];
	struct bl_store *s;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char err[256];

	snprintf(t->dir, sizeof(t->dir), "/tmp/bl-split-XXXXXX");
	if (!t || !mkdtemp(t->dir))
		return -1;
	snprintf(t->db, sizeof(t->db), "%s/t.db", t->dir);
	if (bl_store_open(t->db, NULL, &t->s, err, sizeof(err)))
		fail_msg("open %s: %s", t->db, err);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char cmd[128];

	bl_store_close(t->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	free(t);
	return system(cmd) ? -1 : 0;
}

/* The fixture as run @uuid at @started with a pool of @slabs and package version @pv ("local-..." a
 * local build). */
static void put(struct bl_store *s, const char *uuid, const char *started, int64_t slabs,
		const char *pv)
{
	struct bl_resultdoc *d = NULL;
	json_error_t e;
	json_t *j = json_load_file(FIXTURE, 0, &e);
	char err[256];

	if (!j)
		fail_msg("%s: %s (run from the repository root)", FIXTURE, e.text);
	json_object_set_new(j, "run_id", json_string(uuid));
	json_object_set_new(j, "started_at", json_string(started));
	json_object_set_new(j, "finished_at", json_string(started));
	json_object_del(json_object_get(j, "kernel"), "boot_id"); /* each run its own boot */
	json_object_set_new(json_object_get(j, "dma"), "swiotlb_slabs",
			    slabs < 0 ? json_null() : json_integer(slabs));
	json_object_set_new(json_object_get(j, "testbed"), "package_version", json_string(pv));
	if (!strncmp(pv, "local-", 6))
		json_object_set_new(json_object_get(j, "testbed"), "kernel_package",
				    json_string("local"));
	if (bl_resultdoc_from_json(j, &d, err, sizeof(err)))
		fail_msg("%s: %s", uuid, err);
	json_decref(j);
	fx_put(s, d);
}

static void compare(struct bl_store *s, struct an_comparison *cmp)
{
	static const char *const metrics[] = {"bounces_per_op", NULL};
	struct bl_run_filter bf = {.until = NOV21}, nf = {.since = NOV21};
	struct bl_stats_opts o;

	bl_stats_opts_default(&o);
	assert_int_equal(an_compare(s, &(struct an_side){.filter = &bf, .label = "base"},
				    &(struct an_side){.filter = &nf, .label = "new"}, AN_GROUP_JOB,
				    metrics, &o, cmp),
			 0);
}

/* A side with a 64M and a 16M run: two rows per size, each naming its pool, none of two runs. */
static void test_pools_never_pool(void **state)
{
	struct t *t = *state;
	struct an_comparison cmp;
	size_t pool16 = 0, paired = 0;

	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7101", "2026-11-20T02:00:00Z", 32768,
	    "6.12.57-1");
	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7102", "2026-11-21T02:00:00Z", 32768,
	    "6.12.57-1");
	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7103", "2026-11-21T03:00:00Z", 8192,
	    "6.12.57-1");
	compare(t->s, &cmp);
	assert_int_equal(cmp.new_runs, 2);
	assert_int_equal(cmp.r.n, 6); /* 3 sizes x 2 pools */
	for (size_t i = 0; i < cmp.r.n; i++) {
		const struct bl_cmp_row *r = &cmp.r.rows[i];

		assert_non_null(strstr(r->group, " pool="));
		if (r->new_s)
			assert_int_equal(r->new_s->runs, 1);
		pool16 += strstr(r->group, " pool=16M") != NULL;
		paired += r->base && r->new_s;
	}
	assert_int_equal(pool16, 3);
	assert_int_equal(paired, 3); /* 64M against 64M only */
	an_comparison_free(&cmp);
}

/* A side's run without a reported pool (a failed boot) splits nothing: it stays in the rows of its
 * job. */
static void test_unknown_pool_splits_nothing(void **state)
{
	struct t *t = *state;
	struct an_comparison cmp;

	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7501", "2026-11-20T02:00:00Z", 32768,
	    "6.12.57-1");
	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7502", "2026-11-21T02:00:00Z", 32768,
	    "6.12.57-1");
	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7503", "2026-11-21T03:00:00Z", -1, "6.12.57-1");
	compare(t->s, &cmp);
	assert_int_equal(cmp.new_runs, 2);
	assert_int_equal(cmp.r.n, 3);
	for (size_t i = 0; i < cmp.r.n; i++) {
		assert_null(strstr(cmp.r.rows[i].group, "pool="));
		assert_int_equal(cmp.r.rows[i].new_s->runs, 2);
	}
	assert_string_equal(cmp.r.new_label, "new");
	an_comparison_free(&cmp);
}

/* One pool per side, different: the rows pair, the headings name the pools. */
static void test_one_pool_each_in_headings(void **state)
{
	struct t *t = *state;
	struct an_comparison cmp;

	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7201", "2026-11-20T02:00:00Z", 32768,
	    "6.12.57-1");
	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7202", "2026-11-21T02:00:00Z", 8192,
	    "6.12.57-1");
	compare(t->s, &cmp);
	assert_int_equal(cmp.r.n, 3);
	for (size_t i = 0; i < cmp.r.n; i++) {
		assert_null(strstr(cmp.r.rows[i].group, "pool="));
		assert_non_null(cmp.r.rows[i].base);
		assert_non_null(cmp.r.rows[i].new_s);
	}
	assert_string_equal(cmp.r.base_label, "base (pool 64M)");
	assert_string_equal(cmp.r.new_label, "new (pool 16M)");
	an_comparison_free(&cmp);
}

/* The same pool on both sides: headings and groups as they always were. */
static void test_same_pool_unchanged(void **state)
{
	struct t *t = *state;
	struct an_comparison cmp;

	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7301", "2026-11-20T02:00:00Z", 32768,
	    "6.12.57-1");
	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7302", "2026-11-21T02:00:00Z", 32768,
	    "6.12.57-1");
	compare(t->s, &cmp);
	assert_int_equal(cmp.r.n, 3);
	assert_string_equal(cmp.r.base_label, "base");
	assert_null(strstr(cmp.r.rows[0].group, "pool="));
	an_comparison_free(&cmp);
}

/* Two local builds of one release on a side: both kept (neither hides the other), never in one row.
 */
static void test_builds_never_pool(void **state)
{
	struct t *t = *state;
	struct an_comparison cmp;
	size_t a = 0;

	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7401", "2026-11-20T02:00:00Z", 32768,
	    "6.12.57-1");
	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7402", "2026-11-21T02:00:00Z", 32768,
	    "local-aaaaaaaaaaaaaaaa");
	put(t->s, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7403", "2026-11-21T03:00:00Z", 32768,
	    "local-bbbbbbbbbbbbbbbb");
	compare(t->s, &cmp);
	assert_int_equal(cmp.new_runs, 2);
	assert_int_equal(cmp.r.n, 9); /* 3 sizes x (debian, local-a, local-b) */
	for (size_t i = 0; i < cmp.r.n; i++) {
		const struct bl_cmp_row *r = &cmp.r.rows[i];

		assert_non_null(strstr(r->group, " build="));
		if (r->new_s)
			assert_int_equal(r->new_s->runs, 1);
		a += strstr(r->group, " build=local-aaaaaaaaaaaaaaaa") != NULL;
	}
	assert_int_equal(a, 3);
	an_comparison_free(&cmp);
}

/* The kernel x mode label (report, figures) names a local build apart from the Debian kernel of its
 * release. */
static void test_kernel_mode_label(void **state)
{
	struct an_run deb = {.kernel_release = "6.12.118+deb12-amd64",
			     .package_version = "6.12.118-1~deb12u1",
			     .mode = "force",
			     .device = "vgem"};
	struct an_run local = deb;
	char a[256], b[256];

	local.package_version = "local-a3a6fa50e0464427";
	an_run_label(&deb, AN_GROUP_KERNEL_MODE, a, sizeof(a));
	an_run_label(&local, AN_GROUP_KERNEL_MODE, b, sizeof(b));
	assert_string_equal(a, "6.12.118 force vgem");
	assert_string_equal(
	    b, "6.12.118@local-a3a6fa50e0464427 force vgem"); /* no space: figures split at them */
}

/* an_pool_str: slabs as people say pools. */
static void test_pool_str(void **state)
{
	char buf[24];

	an_pool_str(-1, buf, sizeof(buf)); /* not reported */
	assert_string_equal(buf, "unknown");
	an_pool_str(8192, buf, sizeof(buf));
	assert_string_equal(buf, "16M");
	an_pool_str(128, buf, sizeof(buf));
	assert_string_equal(buf, "256K");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pools_never_pool, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_pool_each_in_headings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_pool_splits_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_pool_unchanged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_builds_never_pool, setup, teardown),
	    cmocka_unit_test(test_kernel_mode_label),
	    cmocka_unit_test(test_pool_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
