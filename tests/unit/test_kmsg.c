/*
 * Unit tests for bench/kmsg.c's record parsing (the /dev/kmsg format
 * "prio,seq,usec,flags;message\n continuation"). Malformed records first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kmsg.h"

static void test_text(void **state)
{
	size_t len;
	const char *t;

	/* no ';' at all: the whole record, length 0 (nothing trustworthy) */
	t = gb_kmsg_text("garbage without separator", &len);
	assert_int_equal(len, 0);
	/* empty message */
	t = gb_kmsg_text("6,1,2,-;\n", &len);
	assert_int_equal(len, 0);
	/* the swiotlb refusal as 6.12 logs it, with a device-info continuation */
	t = gb_kmsg_text("4,1234,5678,-;platform vgem: swiotlb buffer is full (sz: 1048576 bytes), "
			 "total 32768 (slots), used 2000 (slots)\n SUBSYSTEM=platform\n DEVICE=+platform:vgem\n",
			 &len);
	assert_true(len > 0);
	assert_int_equal(strncmp(t, "platform vgem: swiotlb buffer is full (sz: 1048576 bytes)", 57), 0);
	assert_int_equal(t[len - 1], ')');
	/* a ';' inside the message is part of it */
	t = gb_kmsg_text("6,2,3,c;a;b", &len);
	assert_int_equal(len, 3);
	assert_int_equal(strncmp(t, "a;b", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
