/*
 * Unit tests for lib/units (sizes and durations): table-driven, each row
 * with why it is there, the refused inputs first. The accepted rows
 * include every form gembench's options, the testbed's pool sizes and the
 * daemon's config accepted when each had a parser of its own; they all
 * call these two functions now.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "units.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_size_refused(void **state)
{
	static const struct {
		const char *s;
		int err;
	} cases[] = {
		{ NULL, -EINVAL },		      /* no text */
		{ "", -EINVAL },		      /* empty */
		{ "   ", -EINVAL },		      /* blanks only */
		{ "K", -EINVAL },		      /* a unit without a number */
		{ "-1", -EINVAL },		      /* no sign */
		{ "+1", -EINVAL },		      /* no sign */
		{ "0x10", -EINVAL },		      /* no other base */
		{ "1.5K", -EINVAL },		      /* no fraction */
		{ "1e3", -EINVAL },		      /* no exponent */
		{ "4 K", -EINVAL },		      /* a blank inside */
		{ "4X", -EINVAL },		      /* an unknown unit */
		{ "4KBB", -EINVAL },		      /* one B only */
		{ "4iB", -EINVAL },		      /* "i" only after a unit */
		{ "4P", -EINVAL },		      /* no peta */
		{ "4K,8K", -EINVAL },		      /* one size, not a list */
		{ "18446744073709551616", -ERANGE },  /* 2^64: the digits overflow */
		{ "99999999999999999999K", -ERANGE }, /* far beyond */
		{ "16777216T", -ERANGE },	      /* 2^24 T = 2^64 */
		{ "17179869184G", -ERANGE },	      /* 2^34 G = 2^64 */
	};

	for (size_t i = 0; i < N(cases); i++) {
		uint64_t v = 12345;

		if (bl_parse_size(cases[i].s, &v) != cases[i].err)
			fail_msg("'%s': expected %d, got %d", cases[i].s ? cases[i].s : "(null)",
				 cases[i].err, bl_parse_size(cases[i].s, &v));
		assert_int_equal(v, 12345); /* untouched */
	}
}

static void test_size_accepted(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} cases[] = {
		{ "0", 0 },			      /* zero is the caller's business */
		{ "4096", 4096 },		      /* plain bytes */
		{ "4096B", 4096 },		      /* bytes with B */
		{ "4k", 4096 },			      /* any case */
		{ "4K", 4096 },			      /* gembench sizes */
		{ "4KB", 4096 },		      /* ... with B */
		{ "4Kb", 4096 },		      /* ... any case */
		{ "4KiB", 4096 },		      /* binary spelled out */
		{ "4kib", 4096 },		      /* ... any case (gb_parse_size, lab) */
		{ "4Ki", 4096 },		      /* daemon config's "Ki" */
		{ "64M", 64ull << 20 },		      /* lab pool sizes */
		{ "1G", 1ull << 30 },		      /* */
		{ "1GiB", 1ull << 30 },		      /* */
		{ "1T", 1ull << 40 },		      /* tera */
		{ "  64K  ", 64 << 10 },	      /* blanks around (job files) */
		{ "007", 7 },			      /* leading zeros are decimal */
		{ "18446744073709551615", UINT64_MAX }, /* the largest */
		{ "16777215T", 16777215ull << 40 },   /* the largest in T */
	};

	for (size_t i = 0; i < N(cases); i++) {
		uint64_t v = 0;
		int err = bl_parse_size(cases[i].s, &v);

		if (err || v != cases[i].v)
			fail_msg("'%s': expected %llu, got %d / %llu", cases[i].s,
				 (unsigned long long)cases[i].v, err, (unsigned long long)v);
	}
}

static void test_duration_refused(void **state)
{
	static const struct {
		const char *s;
		int err;
	} cases[] = {
		{ NULL, -EINVAL },		     /* no text */
		{ "", -EINVAL },		     /* empty */
		{ "s", -EINVAL },		     /* a unit without a number */
		{ ".", -EINVAL },		     /* a point alone */
		{ ".s", -EINVAL },		     /* */
		{ "-1s", -EINVAL },		     /* no sign */
		{ "+1s", -EINVAL },		     /* */
		{ "1e3", -EINVAL },		     /* no exponent */
		{ "inf", -EINVAL },		     /* strtod would take it */
		{ "nan", -EINVAL },		     /* */
		{ "0x10", -EINVAL },		     /* no hex */
		{ "1 s", -EINVAL },		     /* a blank inside */
		{ "1sec", -EINVAL },		     /* an unknown unit */
		{ "1S", -EINVAL },		     /* units are lower case */
		{ "1M", -EINVAL },		     /* M is not a time unit */
		{ "1.2.3s", -EINVAL },		     /* two points */
		{ "1ms2", -EINVAL },		     /* trailing digits */
		{ "18446744073709551616ns", -ERANGE }, /* 2^64 ns: digits overflow */
		{ "18446744074s", -ERANGE },	     /* just over 2^64 ns */
		{ "213504d", -ERANGE },		     /* about 585 years */
		{ "18446744073.709551616s", -ERANGE }, /* the fraction tips it over */
	};

	for (size_t i = 0; i < N(cases); i++) {
		uint64_t v = 12345;
		int err = bl_parse_duration_ns(cases[i].s, &v);

		if (err != cases[i].err)
			fail_msg("'%s': expected %d, got %d", cases[i].s ? cases[i].s : "(null)",
				 cases[i].err, err);
		assert_int_equal(v, 12345);
	}
}

static void test_duration_accepted(void **state)
{
	static const struct {
		const char *s;
		uint64_t ns;
	} cases[] = {
		{ "0", 0 },				 /* gembench's "until the reps are done" */
		{ "2", 2000000000ull },			 /* a plain number is seconds */
		{ "2s", 2000000000ull },		 /* */
		{ "500ms", 500000000ull },		 /* */
		{ "10us", 10000ull },			 /* */
		{ "7ns", 7 },				 /* */
		{ "1m", 60000000000ull },		 /* minutes (m, not M) */
		{ "1min", 60000000000ull },		 /* gembench's spelling */
		{ "1h", 3600000000000ull },		 /* daemon config */
		{ "1d", 86400000000000ull },		 /* */
		{ "1.5s", 1500000000ull },		 /* fractions */
		{ ".5s", 500000000ull },		 /* no leading digit */
		{ "1.", 1000000000ull },		 /* a point without digits */
		{ "0.1s", 100000000ull },		 /* exact, no binary rounding */
		{ "0.000000001s", 1 },			 /* one nanosecond */
		{ "0.0000000019s", 1 },			 /* below a nanosecond: dropped */
		{ "1.5ns", 1 },				 /* */
		{ "2.5us", 2500 },			 /* */
		{ "0.5m", 30000000000ull },		 /* */
		{ "  250ms\n", 250000000ull },		 /* blanks around (job files) */
		{ "18446744073s", 18446744073000000000ull }, /* the largest whole seconds */
		{ "18446744073.709551615s", UINT64_MAX },   /* the largest */
	};

	for (size_t i = 0; i < N(cases); i++) {
		uint64_t v = 0;
		int err = bl_parse_duration_ns(cases[i].s, &v);

		if (err || v != cases[i].ns)
			fail_msg("'%s': expected %llu, got %d / %llu", cases[i].s,
				 (unsigned long long)cases[i].ns, err, (unsigned long long)v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_refused),
		cmocka_unit_test(test_size_accepted),
		cmocka_unit_test(test_duration_refused),
		cmocka_unit_test(test_duration_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
