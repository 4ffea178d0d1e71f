/*
 * Unit tests for lib/log: the lines a message becomes, and the complaint
 * back-off (bl_complain), driven through a table of events at made-up
 * times. Messages go to a log file in /tmp that each test reads back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "log.h"

#define S 1000000000LL

static char path[] = "/tmp/bl-test-log-XXXXXX";

static int setup(void **state)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	close(fd);
	bl_log_init("test", BL_LOG_INFO);
	return bl_log_open(path);
}

static int teardown(void **state)
{
	bl_log_open(NULL);
	return unlink(path);
}

/* Empties the log file. */
static void log_clear(void)
{
	assert_int_equal(truncate(path, 0), 0);
}

/* How many lines the log holds, and whether one contains @needle. */
static int log_lines(const char *needle, bool *found)
{
	char *text;
	int n = 0;

	assert_int_equal(bl_read_file(path, 1 << 20, &text, NULL), 0);
	for (char *p = text; *p; p++)
		n += *p == '\n';
	if (found)
		*found = needle && strstr(text, needle);
	free(text);
	return n;
}

static void test_levels_and_prefix(void **state)
{
	bool found;

	log_clear();
	bl_debug("not printed at INFO");
	assert_int_equal(log_lines(NULL, NULL), 0);
	bl_warn("disk %s", "full");
	assert_int_equal(log_lines("test: warning: disk full\n", &found), 1);
	assert_true(found);
	bl_info("plain");
	assert_int_equal(log_lines("test: plain\n", &found), 2);
	assert_true(found);
}

static void test_release_without_failure_is_silent(void **state)
{
	struct bl_complain c = { 0 };

	log_clear();
	bl_complain_release(&c, "recovered");
	assert_int_equal(log_lines(NULL, NULL), 0);
	assert_false(c.failing);
}

static void test_complain_back_off(void **state)
{
	/* One source failing every 10 s for a while, then recovering, then failing again. */
	static const struct {
		int64_t at_s;  /* made-up monotonic time */
		bool release;  /* bl_complain_release instead of bl_complain */
		bool logged;   /* a line is expected */
	} steps[] = {
		{ 0, false, true },	  /* the first failure is said at once */
		{ 10, false, false },	  /* within the first minute: quiet */
		{ 59, false, false },	  /* */
		{ 60, false, true },	  /* a minute on: said again; next wait 2 min */
		{ 170, false, false },	  /* */
		{ 180, false, true },	  /* 60 + 120 */
		{ 400, false, false },	  /* next at 180 + 240 = 420 */
		{ 420, false, true },	  /* */
		{ 425, true, true },	  /* recovered: said once, as info */
		{ 426, true, false },	  /* released already: quiet */
		{ 430, false, true },	  /* failing again: said at once, */
		{ 440, false, false },	  /* with the first wait again */
		{ 490, false, true },	  /* */
	};
	struct bl_complain c = { 0 };
	int lines = 0;

	log_clear();
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int logged;

		if (steps[i].release) {
			bl_complain_release(&c, "source works again");
			logged = log_lines(NULL, NULL) > lines;
		} else {
			logged = bl_complain_at(&c, steps[i].at_s * S, "source failed at %lld",
						(long long)steps[i].at_s);
			assert_int_equal(logged, log_lines(NULL, NULL) > lines);
		}
		if (logged != steps[i].logged)
			fail_msg("step %zu (t=%lld s): logged %d, expected %d", i,
				 (long long)steps[i].at_s, logged, steps[i].logged);
		lines = log_lines(NULL, NULL);
	}
	assert_int_equal(lines, 7); /* the rows with a line */
}

static void test_complain_caps_at_a_day(void **state)
{
	struct bl_complain c = { 0 };
	int64_t t = 0;

	log_clear();
	/* Logging each time the wait is over: the wait doubles until a day, then stays there. */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(bl_complain_at(&c, t, "still failing"), 1);
		assert_true(c.interval_ns <= BL_COMPLAIN_MAX_NS);
		t = c.next_ns;
	}
	assert_int_equal(c.interval_ns, BL_COMPLAIN_MAX_NS);
	/* What was held back is counted. */
	assert_int_equal(bl_complain_at(&c, t - 1, "held back"), 0);
	assert_int_equal(bl_complain_at(&c, t - 1, "held back"), 0);
	assert_int_equal(c.suppressed, 2);
	assert_int_equal(bl_complain_at(&c, t, "said"), 1);
	assert_int_equal(c.suppressed, 0);
}

static void test_complain_uses_the_clock(void **state)
{
	struct bl_complain c = { 0 };
	bool found;

	log_clear();
	assert_int_equal(bl_complain(&c, "clock %d", 1), 1);
	assert_int_equal(bl_complain(&c, "clock %d", 2), 0); /* within a minute of the first */
	assert_int_equal(log_lines("warning: clock 1", &found), 1);
	assert_true(found);
	bl_complain_release(&c, "clock ok");
	assert_int_equal(log_lines("test: clock ok", &found), 2);
	assert_true(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_and_prefix),
		cmocka_unit_test(test_release_without_failure_is_silent),
		cmocka_unit_test(test_complain_back_off),
		cmocka_unit_test(test_complain_caps_at_a_day),
		cmocka_unit_test(test_complain_uses_the_clock),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
