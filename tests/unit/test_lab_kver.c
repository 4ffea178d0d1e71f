/*
 * Unit tests for testbed/lab_kver.c: the form of a --kernels item (a
 * series, an exact Debian version, a range of one series, a flavour) and
 * the order of versions. Whether apt knows a version is fetch-kernel.sh's
 * business (tests/integration); here nothing touches the system. Negative
 * cases first; each row says what it checks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lab_kver.h"

static void test_kver_rejects(void **state)
{
	static const struct {
		const char *text;
		const char *msg_has; /* the message must name this */
	} bad[] = {
		{ "", "not a kernel" },				      /* nothing */
		{ "6", "not a kernel" },			      /* one number is no series */
		{ "6.x", "'6.x'" },				      /* not digits */
		{ "6..1", "'6..1'" },				      /* an empty number, not a range */
		{ "6.12.", "'6.12.'" },				      /* trailing dot */
		{ "6.12.1.1.1", "not a kernel" },		      /* too many numbers */
		{ "6.1.0-53-1", "not a kernel" },		      /* two ABI numbers */
		{ "6.12;rm", "'6.12;rm'" },			      /* shell characters */
		{ "6.12:gpu", "unknown flavour 'gpu'" },	      /* not a flavour */
		{ "6.12:", "unknown flavour ''" },		      /* empty flavour */
		{ "6.12..6.12.118", "range end '6.12'" },	      /* a range of a series */
		{ "6.12.107..", "range end ''" },		      /* an open range */
		{ "6.1.0-47..6.12.118", "crosses series" },	      /* across series */
		{ "6.12.118..6.12.107", "the range is empty" },	      /* backwards */
		{ "6.1.0-57..6.1.0-47", "6.1.0-57 is newer than 6.1.0-47" }, /* backwards by ABI number */
		{ "6.12.107..6.12.118..6.12.120", "range end" },      /* two ranges */
		{ "6.12.100000000000000000000000000000000000000000000000", "longer than" }, /* too long */
	};
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lab_kver k;

		err[0] = '\0';
		if (lab_kver_parse(bad[i].text, &k, err, sizeof(err)) != -EINVAL)
			fail_msg("row %zu: '%s' accepted", i, bad[i].text);
		if (!strstr(err, bad[i].msg_has))
			fail_msg("row %zu: message '%s' does not name '%s'", i, err, bad[i].msg_has);
	}
}

static void test_kver_accepts(void **state)
{
	static const struct {
		const char *text;
		enum lab_kver_kind kind;
		const char *series, *first, *last, *flavour;
	} good[] = {
		{ "6.12", LAB_KVER_SERIES, "6.12", "6.12", "", "" },		     /* a series */
		{ "6.1", LAB_KVER_SERIES, "6.1", "6.1", "", "" },		     /* not 6.12's prefix */
		{ "6.12.111", LAB_KVER_EXACT, "6.12", "6.12.111", "", "" },	     /* 6.12 spelling */
		{ "6.1.0-53", LAB_KVER_EXACT, "6.1", "6.1.0-53", "", "" },	     /* 6.1 spelling */
		{ "6.12:cloud", LAB_KVER_SERIES, "6.12", "6.12", "", "cloud" },	     /* flavour */
		{ "6.1.0-53:rt", LAB_KVER_EXACT, "6.1", "6.1.0-53", "", "rt" },
		{ "6.12.107..6.12.118", LAB_KVER_RANGE, "6.12", "6.12.107", "6.12.118", "" },
		{ "6.12.111..6.12.111", LAB_KVER_RANGE, "6.12", "6.12.111", "6.12.111", "" }, /* one version */
		{ "6.1.0-47..6.1.0-57:cloud", LAB_KVER_RANGE, "6.1", "6.1.0-47", "6.1.0-57", "cloud" },
		{ "6.12.9..6.12.10", LAB_KVER_RANGE, "6.12", "6.12.9", "6.12.10", "" }, /* numbers, not text */
	};
	char err[512];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct lab_kver k;

		if (lab_kver_parse(good[i].text, &k, err, sizeof(err)))
			fail_msg("row %zu: '%s' refused: %s", i, good[i].text, err);
		assert_int_equal(k.kind, good[i].kind);
		assert_string_equal(k.series, good[i].series);
		assert_string_equal(k.first, good[i].first);
		assert_string_equal(k.last, good[i].last);
		assert_string_equal(k.flavour, good[i].flavour);
	}
}

/* The order fetch-kernel.sh gets from dpkg for the same labels. */
static void test_kver_cmp(void **state)
{
	assert_true(lab_kver_cmp("6.12.107", "6.12.111") < 0);
	assert_true(lab_kver_cmp("6.12.9", "6.12.10") < 0); /* 9 < 10, though "9" > "1" */
	assert_true(lab_kver_cmp("6.1.0-47", "6.1.0-53") < 0);
	assert_true(lab_kver_cmp("6.1.0-9", "6.1.0-10") < 0);
	assert_true(lab_kver_cmp("6.12.118", "6.12.118") == 0);
	assert_true(lab_kver_cmp("6.12.118", "6.12.117") > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kver_rejects),
		cmocka_unit_test(test_kver_accepts),
		cmocka_unit_test(test_kver_cmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
