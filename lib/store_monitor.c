/*
 * The store's monitor samples: the daemon's periodic SWIOTLB readings per
 * device, stored in batches (one transaction each) and read back by
 * device and time range in time order.
 */
#include <assert.h>
#include <errno.h>

#include <sqlite3.h>

#include "store_internal.h"

int bl_store_put_monitor_samples(struct bl_store *s, const struct bl_monitor_sample *m, size_t n)
{
	int err;

	s->errmsg[0] = '\0';
	if (s->in_query)
		return -EBUSY;
	if ((err = store_exec_id(s, ST_BEGIN, "begin")))
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		sqlite3_stmt *st = store_stmt(s, ST_MON_INS);

		if (!st) {
			err = -EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, m[i].at_ns);
		sqlite3_bind_int64(st, 2, m[i].interval_ns);
		bind_text(st, 3, m[i].device ? m[i].device : "");
		sqlite3_bind_int64(st, 4, m[i].bounces);
		sqlite3_bind_int64(st, 5, m[i].bounced_bytes);
		bind_opt_i64(st, 6, m[i].map_calls);
		bind_opt_i64(st, 7, m[i].map_segments);
		bind_opt_i64(st, 8, m[i].slots_used);
		bind_opt_i64(st, 9, m[i].slots_total);
		bind_opt_i64(st, 10, m[i].slots_hiwater);
		err = store_exec(s, st, "insert monitor sample");
	}
	if (!err)
		err = store_exec_id(s, ST_COMMIT, "commit");
	if (err)
		store_rollback(s);
	return err;
}

int bl_store_query_monitor(struct bl_store *s, const char *device, int64_t since_ns,
			   int64_t until_ns, bl_monitor_cb cb, void *user)
{
	struct bl_monitor_sample m;
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = store_begin_query(s)))
		return ret;
	if (!(st = store_stmt(s, ST_MON_QUERY)))
		return -EIO;
	bind_text(st, 1, device);
	if (since_ns)
		sqlite3_bind_int64(st, 2, since_ns);
	if (until_ns)
		sqlite3_bind_int64(st, 3, until_ns);
	s->in_query = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m.at_ns = sqlite3_column_int64(st, 0);
		m.interval_ns = sqlite3_column_int64(st, 1);
		m.device = col_text(st, 2);
		m.bounces = sqlite3_column_int64(st, 3);
		m.bounced_bytes = sqlite3_column_int64(st, 4);
		m.map_calls = col_opt_i64(st, 5);
		m.map_segments = col_opt_i64(st, 6);
		m.slots_used = col_opt_i64(st, 7);
		m.slots_total = col_opt_i64(st, 8);
		m.slots_hiwater = col_opt_i64(st, 9);
		assert(sqlite3_column_count(st) == 10); /* every column read */
		if ((ret = cb(&m, user)))
			break;
	}
	s->in_query = false;
	if (!ret && rc != SQLITE_DONE)
		ret = store_sqlerr(s, rc, "query monitor samples");
	sqlite3_reset(st);
	return ret;
}
