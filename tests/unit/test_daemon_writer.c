/*
 * Unit tests for daemon/daemon_writer.c against a real store in a
 * temporary folder: every queued document comes back exactly once, in
 * queue order, with its outcome (a UUID queued twice is stored once);
 * what is queued while a batch commits goes in a later batch without the
 * loop handing it over; freeing the writer delivers everything queued.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "daemon_writer.h"
#include "resultdoc.h"

#define N 300

struct seen {
	int count[N];		/* deliveries per item */
	int order_errors;	/* an item delivered before an earlier one */
	int last;
	int inserted, duplicate, failed;
	int batches;
	struct event_base *base;
	int total;
	char dbdir[64], db[96];
};

/* Item i carries UUID number i, except that every tenth repeats the one before it. */
static int uuid_of(int i)
{
	return i % 10 == 9 ? i - 1 : i;
}

static struct bl_resultdoc *doc(int i)
{
	char text[512], err[256];
	struct bl_resultdoc *d = NULL;

	snprintf(text, sizeof(text),
		 "{\"format\":1,\"run_id\":\"00000000-0000-4000-8000-%012d\",\"status\":\"skipped\","
		 "\"error\":\"no device\",\"tool\":{\"name\":\"test\",\"version\":\"0\"},"
		 "\"started_at\":\"2026-11-26T00:00:00Z\",\"job\":{\"name\":\"j\",\"backend\":\"b\","
		 "\"workload\":\"w\"},\"results\":[]}",
		 uuid_of(i));
	if (bl_resultdoc_parse(text, strlen(text), &d, err, sizeof(err)))
		fail_msg("fixture document %d: %s", i, err);
	return d;
}

static void on_written(void *user, const struct bld_batch *b)
{
	struct seen *s = user;

	s->batches++;
	for (size_t k = 0; k < b->n; k++) {
		int i = (int)(intptr_t)b->items[k];
		char want[37];

		s->count[i]++;
		if (i < s->last)
			s->order_errors++;
		s->last = i;
		snprintf(want, sizeof(want), "00000000-0000-4000-8000-%012d", uuid_of(i));
		assert_string_equal(b->run_ids[k], want);
		if (b->ret < 0)
			s->failed++;
		else if (b->outcomes[k] == BL_PUT_INSERTED)
			s->inserted++;
		else
			s->duplicate++;
		s->total++;
	}
	if (s->total == N && s->base)
		event_base_loopbreak(s->base);
}

static int setup(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));

	snprintf(s->dbdir, sizeof(s->dbdir), "/tmp/bl-test-writer-XXXXXX");
	assert_non_null(mkdtemp(s->dbdir));
	snprintf(s->db, sizeof(s->db), "%s/w.db", s->dbdir);
	s->last = -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct seen *s = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dbdir);
	assert_int_equal(system(cmd), 0);
	free(s);
	return 0;
}

static long runs_stored(const char *db)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM runs", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* Adds items [from, to) with a turn of the loop after each few, as requests arrive. */
static void add_range(struct bld_writer *w, struct event_base *base, int from, int to)
{
	for (int i = from; i < to; i++) {
		assert_int_equal(bld_writer_add(w, doc(i), (void *)(intptr_t)i), 0);
		if (i % 7 == 0)
			event_base_loop(base, EVLOOP_NONBLOCK);
	}
}

static void test_commit_and_deliver(void **state)
{
	struct seen *s = *state;
	struct bld_writer *w = NULL;
	struct timeval limit = { 30, 0 };

	s->base = event_base_new();
	assert_int_equal(bld_writer_new(s->base, s->db, false, on_written, s, &w), 0);
	/* a first part, delivered before the rest is queued: at least two transactions */
	add_range(w, s->base, 0, N / 3);
	while (s->total < N / 3)
		event_base_loop(s->base, EVLOOP_ONCE);
	add_range(w, s->base, N / 3, N);
	if (s->total < N) {
		event_base_loopexit(s->base, &limit);
		event_base_dispatch(s->base);
	}
	assert_int_equal(s->total, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(s->count[i], 1);
	assert_int_equal(s->order_errors, 0);
	assert_int_equal(s->failed, 0);
	assert_int_equal(s->duplicate, N / 10);
	assert_int_equal(s->inserted, N - N / 10);
	assert_int_equal(bld_writer_pending(w), 0);
	/* documents queued after a commit went in later transactions */
	assert_true(s->batches >= 2);
	assert_true(s->batches <= N);
	bld_writer_free(w);
	event_base_free(s->base);
	assert_int_equal(runs_stored(s->db), N - N / 10);
}

static void test_free_delivers(void **state)
{
	struct seen *s = *state;
	struct bld_writer *w = NULL;
	struct event_base *base = event_base_new();

	assert_int_equal(bld_writer_new(base, s->db, true, on_written, s, &w), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(bld_writer_add(w, doc(i), (void *)(intptr_t)i), 0);
	assert_int_equal(bld_writer_pending(w), N);
	bld_writer_free(w); /* no loop ran: free must still commit and deliver all */
	assert_int_equal(s->total, N);
	assert_int_equal(s->order_errors, 0);
	assert_int_equal(s->inserted, N - N / 10);
	event_base_free(base);
	assert_int_equal(runs_stored(s->db), N - N / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_and_deliver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_delivers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
