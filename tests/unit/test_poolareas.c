/*
 * Unit tests for analysis/poolareas.c: which stored pool document is the
 * default-areas twin of a search with --areas (same kernel, job and mode,
 * areas null), and the advice set against it: none stored, the same
 * answer, a larger one, a search without an answer. Negative cases first.
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
#include <cmocka.h>

#include "poolareas.h"

/* A pool-search document as pooldoc.c writes it, with only what the advice reads. */
static json_t *doc(const char *release, const char *job, const char *mode, int areas,
		   long long answer)
{
	json_t *d = json_pack("{s:s, s:{s:s, s:s*}, s:s, s:s, s:s}", "kind", "pool-search",
			      "kernel", "series", "6.12", "release", release, "job", job, "mode",
			      mode, "verdict", answer > 0 ? "found" : "max-boot-died");

	assert_non_null(d);
	json_object_set_new(d, "areas", areas ? json_integer(areas) : json_null());
	json_object_set_new(d, "answer",
			    answer > 0 ? json_pack("{s:I}", "pool_bytes", (json_int_t)answer)
				       : json_null());
	return d;
}

static void test_twin_refuses(void **state)
{
	json_t *mine = doc("6.12.118+deb12-amd64", "configs/jobs/pool.ini", "force", 4, 8 << 20);
	static const struct {
		const char *release, *job, *mode;
		int areas;
	} rows[] = {
	    {"6.12.117+deb12-amd64", "configs/jobs/pool.ini", "force", 0},   /* another release */
	    {"6.12.118+deb12-amd64", "configs/jobs/smoke.ini", "force", 0},  /* another job */
	    {"6.12.118+deb12-amd64", "configs/jobs/pool.ini", "default", 0}, /* another mode */
	    {"6.12.118+deb12-amd64", "configs/jobs/pool.ini", "force",
	     4}, /* areas too: not the default */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *o = doc(rows[i].release, rows[i].job, rows[i].mode, rows[i].areas, 8 << 20);

		if (pa_is_default_twin(mine, o))
			fail_msg("row %zu taken as the default-areas twin", i);
		json_decref(o);
	}
	/* not a pool document at all */
	{
		json_t *empty = json_object();

		assert_false(pa_is_default_twin(mine, empty));
		json_decref(empty);
	}
	assert_false(pa_is_default_twin(mine, NULL));
	json_decref(mine);
}

static void test_twin_found(void **state)
{
	json_t *mine = doc("6.12.118+deb12-amd64", "configs/jobs/pool.ini", "force", 4, 8 << 20);
	json_t *o = doc("6.12.118+deb12-amd64", "configs/jobs/pool.ini", "force", 0, 16 << 20);

	assert_true(pa_is_default_twin(mine, o));
	/* without a release on one side, the series decides */
	json_object_set_new(json_object_get(o, "kernel"), "release", json_null());
	assert_true(pa_is_default_twin(mine, o));
	json_decref(o);
	json_decref(mine);
}

/* The advice's text and differs for @mine against @base (NULL: none stored). */
static void advise(long long mine_bytes, long long base_bytes, bool have_base, const char *words,
		   int differs)
{
	json_t *mine = doc("6.12.118+deb12-amd64", "j", "force", 4, mine_bytes);
	json_t *base = have_base ? doc("6.12.118+deb12-amd64", "j", "force", 0, base_bytes) : NULL;
	const json_t *a, *d;

	assert_int_equal(pa_advise(mine, base, have_base ? "var/pool/x/pool.json" : NULL), 0);
	a = json_object_get(mine, "areas_advice");
	assert_non_null(a);
	if (!strstr(json_string_value(json_object_get(a, "text")), words))
		fail_msg("advice '%s' does not say '%s'",
			 json_string_value(json_object_get(a, "text")), words);
	d = json_object_get(a, "differs");
	if (differs < 0)
		assert_true(json_is_null(d));
	else
		assert_int_equal(json_is_true(d), differs);
	json_decref(mine);
	json_decref(base);
}

static void test_advice(void **state)
{
	json_t *plain = doc("6.12.118+deb12-amd64", "j", "force", 0, 8 << 20);

	/* a search without --areas gets no advice */
	assert_int_equal(pa_advise(plain, NULL, NULL), 0);
	assert_null(json_object_get(plain, "areas_advice"));
	json_decref(plain);
	/* nothing stored to compare with: said, differs unknown */
	advise(8 << 20, 0, false, "no default-areas answer stored; run without --areas to compare",
	       -1);
	/* the same pool: no change */
	advise(8 << 20, 8 << 20, true,
	       "8.00 MiB, the same as with the default areas (var/pool/x/pool.json)", 0);
	/* a bigger pool with the areas: a change, said why */
	advise(16 << 20, 8 << 20, true,
	       "16.00 MiB, larger than the 8.00 MiB with the default areas", 1);
	/* the areas search found no size, the default one did: a change */
	advise(0, 8 << 20, true, "change whether a pool size works at all", 1);
	/* neither found one: nothing to compare */
	advise(0, 0, true, "neither found a size", -1);
}

/* Writes @d (decref'd) as @dir/@sub/pool.json. */
static void store_doc(const char *dir, const char *sub, json_t *d)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/pool.json", dir, sub);
	assert_int_equal(json_dump_file(d, path, 0), 0);
	json_decref(d);
}

/* The newest default twin beside --out is the one set against; others and garbage are passed over.
 */
static void test_from_dir(void **state)
{
	char dir[64] = "/tmp/bl-poolareas.XXXXXX", out[128], want[128], cmd[128], path[128];
	json_t *mine, *twin, *a;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	twin = doc("6.12.118+deb12-amd64", "j", "force", 0, 8 << 20);
	json_object_set_new(twin, "finished_at", json_string("2026-12-03T10:00:00.000Z"));
	store_doc(dir, "a-older", twin);
	twin = doc("6.12.118+deb12-amd64", "j", "force", 0, 16 << 20);
	json_object_set_new(twin, "finished_at", json_string("2026-12-03T11:00:00.000Z"));
	store_doc(dir, "b-newer", twin);
	twin = doc("6.12.118+deb12-amd64", "j", "force", 8, 4 << 20); /* areas: no twin */
	json_object_set_new(twin, "finished_at", json_string("2026-12-03T12:00:00.000Z"));
	store_doc(dir, "c-areas", twin);
	snprintf(path, sizeof(path), "%s/d-garbage", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/d-garbage/pool.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{ not json", f);
	fclose(f);

	snprintf(out, sizeof(out), "%s/new/", dir); /* a trailing slash is the same folder */
	snprintf(want, sizeof(want), "%s/b-newer/pool.json", dir);
	mine = doc("6.12.118+deb12-amd64", "j", "force", 4, 16 << 20);
	assert_int_equal(pa_advise_from_dir(mine, out), 0);
	a = json_object_get(mine, "areas_advice");
	assert_string_equal(json_string_value(json_object_get(a, "default_areas_document")), want);
	assert_int_equal(json_integer_value(json_object_get(a, "default_pool_bytes")), 16 << 20);
	assert_true(json_is_false(json_object_get(a, "differs")));
	json_decref(mine);
	/* another job: nothing stored for it */
	mine = doc("6.12.118+deb12-amd64", "other", "force", 4, 16 << 20);
	assert_int_equal(pa_advise_from_dir(mine, out), 0);
	a = json_object_get(mine, "areas_advice");
	assert_true(json_is_null(json_object_get(a, "default_areas_document")));
	json_decref(mine);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_twin_refuses),
	    cmocka_unit_test(test_twin_found),
	    cmocka_unit_test(test_advice),
	    cmocka_unit_test(test_from_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
