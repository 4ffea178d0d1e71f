/*
 * Unit tests for testbed/lab_channel.c: the framed result channel the guest
 * writes on /dev/ttyS1. A missing END line must read as a dead guest, bad
 * lines must be counted and described, and documents before a crash kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lab_channel.h"

static void parse(const char *text, struct lab_channel *ch)
{
	assert_int_equal(lab_channel_parse(text, strlen(text), ch), 0);
}

static void test_empty_is_dead_guest(void **state)
{
	struct lab_channel ch;

	parse("", &ch);
	assert_false(ch.begin);
	assert_false(ch.end);
	assert_int_equal(ch.ndocs, 0);
	lab_channel_free(&ch);
}

static void test_no_end_keeps_docs(void **state)
{
	struct lab_channel ch;

	/* the guest died after one document, in the middle of the next: keep
	 * the first, count the cut one as bad, report no END */
	parse("BOUNCELAB-RESULTS-BEGIN\n{\"run_id\":\"a\"}\n{\"run_id\":\"b", &ch);
	assert_true(ch.begin);
	assert_false(ch.end);
	assert_int_equal(ch.ndocs, 1);
	assert_int_equal(ch.bad_lines, 1);
	assert_non_null(strstr(ch.error, "line 3"));
	lab_channel_free(&ch);
	/* a complete last line without its \n still counts */
	parse("BOUNCELAB-RESULTS-BEGIN\n{\"run_id\":\"a\"}", &ch);
	assert_int_equal(ch.ndocs, 1);
	assert_int_equal(ch.bad_lines, 0);
	lab_channel_free(&ch);
}

static void test_bad_lines(void **state)
{
	struct lab_channel ch;

	parse("BOUNCELAB-RESULTS-BEGIN\n"
	      "garbage\n"	   /* line 2: not JSON */
	      "[1,2]\n"		   /* line 3: JSON, not an object */
	      "{\"a\":1,\"a\":2}\n" /* line 4: duplicate keys refused */
	      "{\"ok\":true}\n"
	      "BOUNCELAB-RESULTS-END rc=1\n",
	      &ch);
	assert_true(ch.end);
	assert_int_equal(ch.rc, 1);
	assert_int_equal(ch.ndocs, 1);
	assert_int_equal(ch.bad_lines, 3);
	assert_non_null(strstr(ch.error, "line 2"));
	lab_channel_free(&ch);
}

static void test_malformed_end(void **state)
{
	static const char *const bad[] = {
		"BOUNCELAB-RESULTS-BEGIN\nBOUNCELAB-RESULTS-END rc=\n",	   /* no code */
		"BOUNCELAB-RESULTS-BEGIN\nBOUNCELAB-RESULTS-END rc=x1\n",  /* not a number */
		"BOUNCELAB-RESULTS-BEGIN\nBOUNCELAB-RESULTS-END rc=300\n", /* not an exit code */
	};
	struct lab_channel ch;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i], &ch);
		assert_false(ch.end);
		assert_int_equal(ch.bad_lines, 1);
		lab_channel_free(&ch);
	}
}

static void test_good_frame_with_crlf(void **state)
{
	struct lab_channel ch;

	/* noise before BEGIN is ignored; \r\n from a tty not set raw is fine;
	 * lines after END are not read */
	parse("boot noise\r\n"
	      "BOUNCELAB-RESULTS-BEGIN\r\n"
	      "{\"run_id\":\"x\",\"results\":[]}\r\n"
	      "\r\n"
	      "{\"run_id\":\"y\"}\r\n"
	      "BOUNCELAB-RESULTS-END rc=0\r\n"
	      "{\"after\":1}\n",
	      &ch);
	assert_true(ch.begin);
	assert_true(ch.end);
	assert_int_equal(ch.rc, 0);
	assert_int_equal(ch.ndocs, 2);
	assert_int_equal(ch.bad_lines, 0);
	assert_string_equal(ch.error, "");
	assert_string_equal(json_string_value(json_object_get(ch.docs[1], "run_id")), "y");
	lab_channel_free(&ch);
	assert_null(ch.docs);
}

static void test_begin_must_be_exact(void **state)
{
	struct lab_channel ch;

	/* a console line that merely contains the marker does not open a frame */
	parse("echo BOUNCELAB-RESULTS-BEGIN\n{\"a\":1}\nBOUNCELAB-RESULTS-END rc=0\n", &ch);
	assert_false(ch.begin);
	assert_false(ch.end);
	assert_int_equal(ch.ndocs, 0);
	lab_channel_free(&ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_dead_guest), cmocka_unit_test(test_no_end_keeps_docs),
		cmocka_unit_test(test_bad_lines),	    cmocka_unit_test(test_malformed_end),
		cmocka_unit_test(test_good_frame_with_crlf), cmocka_unit_test(test_begin_must_be_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
