/* Unit tests for bld_sched_due() and bld_sched_order() (daemon/daemon_sched.c): when a schedule is due, for which slot, and which goes first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "daemon_config.h"
#include "daemon_sched.h"

static time_t local(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_isdst = -1 };

	return mktime(&tm);
}

static void test_every(void **state)
{
	struct bld_schedule sc = { .when = BLD_WHEN_EVERY, .every_s = 60 };
	int64_t planned = -1;

	/* never ran: due now, the slot is now */
	assert_int_equal(bld_sched_due(&sc, 0, 1000, 1000, &planned), 1);
	assert_int_equal(planned, 1000);
	/* ran 59 s ago: not yet */
	assert_int_equal(bld_sched_due(&sc, 941, 1000, 900, &planned), 0);
	/* ran 60 s ago: due */
	assert_int_equal(bld_sched_due(&sc, 940, 1000, 900, &planned), 1);
	/* missed ten slots while down: due once, the slot is now (the next is now + 60) */
	assert_int_equal(bld_sched_due(&sc, 400, 1000, 1000, &planned), 1);
	assert_int_equal(planned, 1000);
	assert_int_equal(bld_sched_due(&sc, planned, 1001, 1000, &planned), 0);
}

static void test_at(void **state)
{
	struct bld_schedule sc = { .when = BLD_WHEN_AT, .at_minute = 2 * 60 };
	time_t two = local(2026, 3, 10, 2, 0);
	int64_t planned = -1;

	setenv("TZ", "UTC", 1);
	tzset();
	two = local(2026, 3, 10, 2, 0);
	/* new schedule, daemon started at 01:00, now 02:00:30: due for today's 02:00 */
	assert_int_equal(bld_sched_due(&sc, 0, two + 30, two - 3600, &planned), 1);
	assert_int_equal(planned, two);
	/* new schedule, daemon started at 03:00: yesterday's and today's slots were before it: not due */
	assert_int_equal(bld_sched_due(&sc, 0, two + 3600, two + 3600, &planned), 0);
	/* ran today's slot: not due again today, even after a restart */
	assert_int_equal(bld_sched_due(&sc, two, two + 7200, two + 7000, &planned), 0);
	/* ran yesterday's slot, daemon was down at 02:00 today, starts at 09:00: one catch-up for today */
	assert_int_equal(bld_sched_due(&sc, two - 86400, two + 7 * 3600, two + 7 * 3600, &planned), 1);
	assert_int_equal(planned, two);
	/* at 01:00 the latest slot is yesterday's 02:00, already run: not due */
	assert_int_equal(bld_sched_due(&sc, two - 86400, two - 3600, two - 7200, &planned), 0);
	/* last ran three days ago: still only one run (today's slot) */
	assert_int_equal(bld_sched_due(&sc, two - 3 * 86400, two + 60, two + 60, &planned), 1);
	assert_int_equal(planned, two);
}

/* Earliest due first: an always-due schedule cannot starve the ones after it. */
static void test_order_fair(void **state)
{
	const time_t now = 100000, started = 90000;
	struct bld_schedule scs[4] = {
		{ .when = BLD_WHEN_EVERY, .every_s = 1 },  /* ran a second ago: due now */
		{ .when = BLD_WHEN_EVERY, .every_s = 1 },  /* ran 5 s ago: due for 4 s */
		{ .when = BLD_WHEN_EVERY, .every_s = 60 }, /* ran 10 s ago: not due */
		{ .when = BLD_WHEN_EVERY, .every_s = 1 },  /* not read from the store yet: skipped */
	};
	int64_t last[4] = { now - 1, now - 5, now - 10, -1 }, planned[4];
	size_t order[4];

	assert_int_equal(bld_sched_order(scs, 4, last, now, started, order, planned), 2);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 0);
	assert_int_equal(planned[1], now);
	/* equally due: table order */
	last[1] = now - 1;
	assert_int_equal(bld_sched_order(scs, 4, last, now, started, order, planned), 2);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	/* never ran: due since the daemon started, before both */
	last[2] = 0;
	assert_int_equal(bld_sched_order(scs, 4, last, now, started, order, planned), 3);
	assert_int_equal(order[0], 2);
	/* the always-due one, having just run again, goes after the other */
	last[0] = now;
	last[2] = now;
	assert_int_equal(bld_sched_order(scs, 4, last, now + 1, started, order, planned), 2);
	assert_int_equal(order[0], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every),
		cmocka_unit_test(test_at),
		cmocka_unit_test(test_order_fair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
