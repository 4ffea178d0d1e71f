/*
 * Unit tests for testbed/lab_channel.c: the framed result channel the guest
 * writes on /dev/ttyS1. A missing END line must read as a dead guest, bad
 * lines must be counted and described, and documents before a crash kept.
 * The guest's facts lines before BEGIN (BOUNCELAB-BALLOON, -HYPERVISOR:
 * testbed/guest-balloon.sh's output) are parsed, malformed ones counted.
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

/* What a real 6.12 dom0 sent (xen-pv:balloon=256M, 2026-12-03), then the frame. */
static void test_facts_lines(void **state)
{
	struct lab_channel ch;

	parse("BOUNCELAB-BALLOON {\"balloon_kb\":262144,\"current_kb_before\":6291456,\"target_kb_low\":6029312,"
	      "\"current_kb_low\":6029312,\"target_kb_restored\":6291456,\"current_kb_restored\":6291456,"
	      "\"reached_low\":true,\"reached_restored\":true,\"waited_low_ms\":390,\"waited_restored_ms\":260,"
	      "\"waited_ms\":650,\"timeout_s\":120,\"error\":null}\r\n"
	      "BOUNCELAB-HYPERVISOR {\"type\":\"xen\",\"version\":\"4.17.7\",\"major\":4,\"minor\":17,\"extra\":"
	      "\".7\",\"guest_type\":\"PV\",\"dom0\":true,\"dom0_source\":\"/sys/hypervisor/start_flags/initdomain\","
	      "\"capabilities\":\"control_d\",\"changeset\":null,\"pagesize\":4096,\"unavailable\":{\"changeset\":"
	      "\"/sys/hypervisor/properties/changeset: missing or empty\"}}\r\n"
	      "BOUNCELAB-RESULTS-BEGIN\n{\"run_id\":\"a\"}\nBOUNCELAB-RESULTS-END rc=0\n",
	      &ch);
	assert_true(ch.end);
	assert_int_equal(ch.ndocs, 1);
	assert_int_equal(ch.bad_lines, 0);
	assert_non_null(ch.balloon);
	assert_non_null(ch.hypervisor);
	assert_int_equal(json_integer_value(json_object_get(ch.balloon, "current_kb_low")), 6029312);
	assert_true(json_is_true(json_object_get(ch.balloon, "reached_restored")));
	assert_string_equal(json_string_value(json_object_get(ch.hypervisor, "guest_type")), "PV");
	assert_int_equal(json_integer_value(json_object_get(ch.hypervisor, "pagesize")), 4096);
	lab_channel_free(&ch);
	assert_null(ch.balloon);
	assert_null(ch.hypervisor);

	/* an old guest sends none: NULL, nothing bad */
	parse("BOUNCELAB-RESULTS-BEGIN\nBOUNCELAB-RESULTS-END rc=0\n", &ch);
	assert_null(ch.balloon);
	assert_null(ch.hypervisor);
	assert_int_equal(ch.bad_lines, 0);
	lab_channel_free(&ch);

	/* malformed, twice, or not an object: counted and described; the first of a pair kept */
	parse("BOUNCELAB-BALLOON {\"balloon_kb\":\n"
	      "BOUNCELAB-HYPERVISOR {\"type\":\"xen\"}\n"
	      "BOUNCELAB-HYPERVISOR {\"type\":\"kvm\"}\n"
	      "BOUNCELAB-BALLOON [1]\n"
	      "BOUNCELAB-BALLOONS {}\n" /* another tag: ignored like any line before BEGIN */
	      "BOUNCELAB-RESULTS-BEGIN\nBOUNCELAB-RESULTS-END rc=0\n",
	      &ch);
	assert_int_equal(ch.bad_lines, 3);
	assert_non_null(strstr(ch.error, "line 1: not JSON"));
	assert_null(ch.balloon);
	assert_string_equal(json_string_value(json_object_get(ch.hypervisor, "type")), "xen");
	assert_true(ch.end);
	lab_channel_free(&ch);

	/* after BEGIN a tagged line is a malformed document, not a fact */
	parse("BOUNCELAB-RESULTS-BEGIN\nBOUNCELAB-BALLOON {}\nBOUNCELAB-RESULTS-END rc=0\n", &ch);
	assert_null(ch.balloon);
	assert_int_equal(ch.bad_lines, 1);
	lab_channel_free(&ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_dead_guest), cmocka_unit_test(test_no_end_keeps_docs),
		cmocka_unit_test(test_bad_lines),	    cmocka_unit_test(test_malformed_end),
		cmocka_unit_test(test_good_frame_with_crlf), cmocka_unit_test(test_begin_must_be_exact),
		cmocka_unit_test(test_facts_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
