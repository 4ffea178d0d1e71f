/*
 * Unit tests for daemon/daemon_parse.c: every submitted document comes
 * back exactly once on the loop thread, valid ones with their document,
 * invalid ones with the validator's message; drain delivers everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>

#include "daemon_parse.h"
#include "resultdoc.h"

#define N 200

struct seen {
	int count[N];	       /* deliveries per item */
	int ok, bad;
	struct event_base *base;
	int total;
};

#define GOOD_FMT \
	"{\"format\":1,\"run_id\":\"00000000-0000-4000-8000-%012d\",\"status\":\"skipped\",\"error\":\"no device\"," \
	"\"tool\":{\"name\":\"test\",\"version\":\"0\"},\"started_at\":\"2026-11-26T00:00:00Z\"," \
	"\"job\":{\"name\":\"j\",\"backend\":\"b\",\"workload\":\"w\"},\"results\":[]}"

static void on_parsed(void *user, void *item, int ret, struct bl_resultdoc *doc, const char *err)
{
	struct seen *s = user;
	int i = (int)(intptr_t)item;

	s->count[i]++;
	if (ret == 0) {
		assert_non_null(doc);
		assert_int_equal(i % 3 != 0, 1); /* every third is broken */
		s->ok++;
		bl_resultdoc_free(doc);
	} else {
		assert_int_equal(i % 3, 0);
		assert_true(strlen(err) > 0);
		s->bad++;
	}
	if (++s->total == N)
		event_base_loopbreak(s->base);
}

static char *doc_text(int i, size_t *len)
{
	char *t = NULL;

	if (i % 3 == 0)
		assert_true(asprintf(&t, "{\"format\":1,\"run_id\":\"x%d\"", i) > 0); /* truncated */
	else
		assert_true(asprintf(&t, GOOD_FMT, i) > 0);
	*len = strlen(t);
	return t;
}

static void test_loop_delivery(void **state)
{
	struct seen s = { 0 };
	struct bld_parse_pool *p = NULL;
	struct timeval limit = { 20, 0 };

	s.base = event_base_new();
	assert_int_equal(bld_parse_pool_new(s.base, 2, on_parsed, &s, &p), 0);
	for (int i = 0; i < N; i++) {
		size_t len;
		char *t = doc_text(i, &len);

		assert_int_equal(bld_parse_pool_submit(p, t, len, (void *)(intptr_t)i), 0);
	}
	event_base_loopexit(s.base, &limit);
	event_base_dispatch(s.base);
	assert_int_equal(s.total, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(s.count[i], 1);
	assert_int_equal(s.bad, (N + 2) / 3);
	assert_int_equal(bld_parse_pool_pending(p), 0);
	bld_parse_pool_free(p);
	event_base_free(s.base);
}

static void test_free_drains(void **state)
{
	struct seen s = { 0 };
	struct bld_parse_pool *p = NULL;

	s.base = event_base_new();
	assert_int_equal(bld_parse_pool_new(s.base, 1, on_parsed, &s, &p), 0);
	for (int i = 0; i < N; i++) {
		size_t len;
		char *t = doc_text(i, &len);

		assert_int_equal(bld_parse_pool_submit(p, t, len, (void *)(intptr_t)i), 0);
	}
	bld_parse_pool_free(p); /* no loop ran: free must still deliver all */
	assert_int_equal(s.total, N);
	event_base_free(s.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_delivery),
		cmocka_unit_test(test_free_drains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
