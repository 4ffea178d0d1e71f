/*
 * Unit tests for daemon/daemon_newkernel.c's decision: what `bouncelab lab
 * --kernels SERIES --resolve` answered (fake answers, as apt's index would
 * give them) and whether that version is newer than the one the schedule
 * last ran. Negative cases first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "daemon_newkernel.h"

static void test_parse(void **state)
{
	static const struct {
		const char *answer; /* the poll's stdout */
		const char *series;
		int ret;
		const char *label;
	} cases[] = {
		/* nothing for this series: apt's index was not asked, or another series answered */
		{ "", "6.12", -ENOENT, "" },
		{ "lab: --kernels 6.1: 6.1.0-53 (6.1.158-1)\n", "6.12", -ENOENT, "" },
		/* "6.1" must not match the line of "6.12" (a prefix) */
		{ "lab: --kernels 6.12: 6.12.118 (6.12.118-1~deb12u1)\n", "6.1", -ENOENT, "" },
		/* the line is there but names no version */
		{ "lab: --kernels 6.12:\n", "6.12", -ENOENT, "" },
		{ "lab: --kernels 6.12: (?)\n", "6.12", -EINVAL, "" },
		/* the answers the lab gives */
		{ "lab: --kernels 6.12: 6.12.118 (6.12.118-1~deb12u1)\n", "6.12", 0, "6.12.118" },
		{ "lab: --kernels 6.12: 6.12.118 (6.12.118-1~deb12u1)", "6.12", 0, "6.12.118" }, /* no newline */
		{ "lab: --kernels 6.1: 6.1.0-53 (6.1.158-1)\nlab: --kernels 6.12: 6.12.117 (6.12.117-1)\n", "6.12", 0,
		  "6.12.117" },
		{ "lab: --kernels 6.1: 6.1.0-53 (6.1.158-1)\n", "6.1", 0, "6.1.0-53" },
		{ "lab: --kernels 6.12:cloud: 6.12.118:cloud (6.12.118-1)\n", "6.12:cloud", 0, "6.12.118:cloud" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char label[64] = "x";
		int ret = bld_newkernel_parse(cases[i].answer, cases[i].series, label, sizeof(label));

		if (ret != cases[i].ret || (ret == 0 && strcmp(label, cases[i].label)))
			fail_msg("case %zu (%s in '%s'): got %d '%s', expected %d '%s'", i, cases[i].series,
				 cases[i].answer, ret, label, cases[i].ret, cases[i].label);
	}
}

static void test_is_new(void **state)
{
	static const struct {
		const char *found, *last;
		bool is_new;
	} cases[] = {
		{ "", "", false },		   /* nothing found */
		{ "", "6.12.118", false },
		{ "6.12.118", "6.12.118", false }, /* the same: already run */
		{ "6.12.117", "6.12.118", false }, /* older (apt's index went back): not new */
		{ "6.1.0-52", "6.1.0-53", false },
		{ "6.12.118:cloud", "6.12.118:cloud", false },
		{ "6.12.118", "", true },	   /* never ran: the first version is new */
		{ "6.12.119", "6.12.118", true },
		{ "6.12.120", "6.12.99", true },   /* numbers, not text: 120 > 99 */
		{ "6.1.0-54", "6.1.0-53", true },
		{ "6.12.119:rt", "6.12.118:rt", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (bld_newkernel_is_new(cases[i].found, cases[i].last) != cases[i].is_new)
			fail_msg("'%s' after '%s': expected %s", cases[i].found, cases[i].last,
				 cases[i].is_new ? "new" : "not new");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_is_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
