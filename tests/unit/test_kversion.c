/*
 * Unit tests for analysis/kversion.c: Debian version order (the cases dpkg
 * documents, and the kernels' own: 6.12.118-1~deb12u1, 6.1.192-3) and the
 * rule that a series selector keeps only the newest package version of
 * each series (each release without a kernel filter) unless versions=all.
 * Negative cases first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kversion.h"

static void test_debver_order(void **state)
{
	static const struct {
		const char *older, *newer;
	} rows[] = {
		{ NULL, "0" },				     /* unknown sorts first */
		{ "6.12.111-1~deb12u1", "6.12.118-1~deb12u1" }, /* upstream first */
		{ "6.12.9-1", "6.12.10-1" },		     /* numbers, not text */
		{ "6.12.118-1~deb12u1", "6.12.118-1" },	     /* ~ before the end */
		{ "6.12.115-1~deb12u1", "6.12.115-2~deb12u1" }, /* then the revision */
		{ "6.1.192-2", "6.1.192-3" },
		{ "6.1.176-1", "6.1.187-1" },
		{ "1.0~rc1-1", "1.0-1" },		     /* dpkg's own example */
		{ "9:1.0-1", "10:0.1-1" },		     /* epoch first */
		{ "6.12.118-1", "1:0.1-1" },		     /* any epoch beats none */
		{ "1.0-1", "1.0-1a" },			     /* letters after digits */
		{ "1.0a-1", "1.0+b1-1" },		     /* letters before other signs */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!(an_debver_cmp(rows[i].older, rows[i].newer) < 0))
			fail_msg("row %zu: %s is not older than %s", i, rows[i].older ? rows[i].older : "NULL",
				 rows[i].newer);
		if (!(an_debver_cmp(rows[i].newer, rows[i].older) > 0))
			fail_msg("row %zu: reversed order not newer", i);
	}
	assert_int_equal(an_debver_cmp("6.12.118-1~deb12u1", "6.12.118-1~deb12u1"), 0);
	assert_int_equal(an_debver_cmp("1.0-01", "1.0-1"), 0); /* leading zeros */
}

/* Runs of three 6.12 versions (one rebuilt under the same release), 6.1 and a host run. */
static void runs_fill(struct an_runs *runs)
{
	static const struct {
		const char *release, *pkg;
	} rows[] = {
		{ "6.12.111+deb12-amd64", "6.12.111-1~deb12u1" },
		{ "6.12.118+deb12-amd64", "6.12.118-1~deb12u1" },
		{ "6.12.115+deb12-amd64", "6.12.115-1~deb12u1" },
		{ "6.12.115+deb12-amd64", "6.12.115-2~deb12u1" },
		{ "6.1.0-57-amd64", "6.1.192-3" },
		{ "6.1.0-56-amd64", "6.1.192-2" },
		{ "6.12.111+deb12-amd64", "6.12.111-1~deb12u1" }, /* a second run of a version */
		{ "6.12.0-host", NULL },			 /* no package: kept */
	};

	memset(runs, 0, sizeof(*runs));
	runs->n = runs->cap = sizeof(rows) / sizeof(rows[0]);
	runs->r = calloc(runs->n, sizeof(*runs->r));
	assert_non_null(runs->r);
	for (size_t i = 0; i < runs->n; i++) {
		runs->r[i].kernel_release = strdup(rows[i].release);
		runs->r[i].package_version = rows[i].pkg ? strdup(rows[i].pkg) : NULL;
		runs->r[i].mode = strdup("force");
		runs->r[i].id = (int64_t)i;
	}
}

static void test_newest_versions_kept(void **state)
{
	struct an_runs runs;
	struct bl_run_filter f = { .kernel = "6.12" };

	/* versions=all and one named run: nothing goes */
	runs_fill(&runs);
	f.versions = "all";
	assert_int_equal(an_runs_newest_versions(&runs, &f), 0);
	assert_int_equal(runs.n, 8);
	f.versions = NULL;
	f.run_id = "0d9c3a0e-0000-4000-8000-000000000000";
	assert_int_equal(an_runs_newest_versions(&runs, &f), 0);
	assert_int_equal(runs.n, 8);
	an_runs_free(&runs);

	/* a kernel filter: per series, the newest package only (6.12.118, 6.1.192-3), host run kept */
	runs_fill(&runs);
	f.run_id = NULL;
	assert_int_equal(an_runs_newest_versions(&runs, &f), 5);
	assert_int_equal(runs.n, 3);
	assert_string_equal(runs.r[0].package_version, "6.12.118-1~deb12u1");
	assert_string_equal(runs.r[1].package_version, "6.1.192-3");
	assert_null(runs.r[2].package_version);
	assert_int_equal(runs.r[0].id, 1); /* the same runs, in order */
	assert_int_equal(runs.r[1].id, 4);
	an_runs_free(&runs);

	/* no filter: releases stay apart, a release rebuilt (-1, -2) keeps its newest build */
	runs_fill(&runs);
	assert_int_equal(an_runs_newest_versions(&runs, NULL), 1);
	assert_int_equal(runs.n, 7);
	for (size_t i = 0; i < runs.n; i++)
		if (runs.r[i].package_version && !strcmp(runs.r[i].package_version, "6.12.115-1~deb12u1"))
			fail_msg("the older build of 6.12.115 was kept");
	an_runs_free(&runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debver_order),
		cmocka_unit_test(test_newest_versions_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
