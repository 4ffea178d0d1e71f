/*
 * The store's noise floors (bouncelab calibrate): per (job, workload,
 * variant, size, metric, clock) how far apart A/A boots of one
 * configuration put a metric. A new calibration replaces the floor of the
 * same key, in one transaction with the rest of its floors.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>

#include <sqlite3.h>

#include "store_internal.h"

int bl_store_put_floors(struct bl_store *s, int64_t at_unix, const struct bl_noise_floor *f,
			size_t n)
{
	int err;

	if ((err = store_begin_query(s)))
		return err;
	for (size_t i = 0; i < n; i++)
		if (!f[i].job || !f[i].workload || !f[i].metric || !(f[i].floor >= 0) ||
		    !isfinite(f[i].floor) || f[i].boots < 2) {
			store_seterr(s, "store: noise floor %zu: needs job, workload, metric, a "
					"finite floor >= 0 and at least 2 boots", i);
			return -EINVAL;
		}
	if ((err = store_exec_id(s, ST_BEGIN, "begin")))
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		sqlite3_stmt *st = store_stmt(s, ST_FLOOR_INS);

		if (!st) {
			err = -EIO;
			break;
		}
		bind_text(st, 1, f[i].job);
		bind_text(st, 2, f[i].workload);
		bind_text(st, 3, f[i].variant);
		sqlite3_bind_int64(st, 4, f[i].size);
		bind_text(st, 5, f[i].metric);
		bind_text(st, 6, f[i].clock);
		sqlite3_bind_double(st, 7, f[i].floor);
		sqlite3_bind_int(st, 8, f[i].boots);
		bind_text(st, 9, f[i].kernel);
		bind_text(st, 10, f[i].mode);
		bind_text(st, 11, f[i].runs_json);
		sqlite3_bind_int64(st, 12, at_unix);
		err = store_exec(s, st, "insert noise floor");
	}
	if (!err)
		err = store_exec_id(s, ST_COMMIT, "commit");
	if (err)
		store_rollback(s);
	return err;
}

int bl_store_query_floors(struct bl_store *s, const char *clock, bl_floor_cb cb, void *user)
{
	struct bl_noise_floor f;
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = store_begin_query(s)))
		return ret;
	if (!(st = store_stmt(s, ST_FLOOR_QUERY)))
		return -EIO;
	bind_text(st, 1, clock);
	s->in_query = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		f.job = col_text(st, 0);
		f.workload = col_text(st, 1);
		f.variant = col_text(st, 2);
		f.size = sqlite3_column_int64(st, 3);
		f.metric = col_text(st, 4);
		f.clock = col_text(st, 5);
		f.floor = sqlite3_column_double(st, 6);
		f.boots = sqlite3_column_int(st, 7);
		f.kernel = col_text(st, 8);
		f.mode = col_text(st, 9);
		f.runs_json = col_text(st, 10);
		f.measured_unix = sqlite3_column_int64(st, 11);
		assert(sqlite3_column_count(st) == 12); /* every column read */
		if ((ret = cb(&f, user)))
			break;
	}
	s->in_query = false;
	if (!ret && rc != SQLITE_DONE)
		ret = store_sqlerr(s, rc, "query noise floors");
	sqlite3_reset(st);
	return ret;
}
