/*
 * The store's verdicts: the judgements of a comparison (a metric, its
 * baseline and value, the change, p-value and verdict), stored per
 * comparison in one transaction and read back newest first.
 */
#include <assert.h>
#include <errno.h>

#include <sqlite3.h>

#include "store_internal.h"

int bl_store_put_verdicts(struct bl_store *s, int64_t at_unix, const struct bl_verdict *v,
			  size_t n)
{
	int err;

	if ((err = store_begin_query(s)))
		return err;
	if ((err = store_exec_id(s, ST_BEGIN, "begin")))
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		sqlite3_stmt *st = store_stmt(s, ST_VERDICT_INS);

		if (!st) {
			err = -EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, at_unix);
		bind_text(st, 2, v[i].subject);
		bind_text(st, 3, v[i].baseline);
		bind_text(st, 4, v[i].workload);
		bind_text(st, 5, v[i].variant);
		sqlite3_bind_int64(st, 6, v[i].size);
		bind_text(st, 7, v[i].metric);
		bind_opt_f64(st, 8, v[i].baseline_value);
		bind_opt_f64(st, 9, v[i].value);
		bind_opt_f64(st, 10, v[i].change);
		bind_opt_f64(st, 11, v[i].p_value);
		bind_text(st, 12, v[i].verdict);
		bind_text(st, 13, v[i].detail);
		err = store_exec(s, st, "insert verdict");
	}
	if (!err)
		err = store_exec_id(s, ST_COMMIT, "commit");
	if (err)
		store_rollback(s);
	return err;
}

int bl_store_query_verdicts(struct bl_store *s, const char *subject, bl_verdict_cb cb, void *user)
{
	struct bl_verdict v;
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = store_begin_query(s)))
		return ret;
	if (!(st = store_stmt(s, ST_VERDICT_QUERY)))
		return -EIO;
	bind_text(st, 1, subject);
	s->in_query = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t at = sqlite3_column_int64(st, 0);

		v.subject = col_text(st, 1);
		v.baseline = col_text(st, 2);
		v.workload = col_text(st, 3);
		v.variant = col_text(st, 4);
		v.size = sqlite3_column_int64(st, 5);
		v.metric = col_text(st, 6);
		v.baseline_value = col_opt_f64(st, 7);
		v.value = col_opt_f64(st, 8);
		v.change = col_opt_f64(st, 9);
		v.p_value = col_opt_f64(st, 10);
		v.verdict = col_text(st, 11);
		v.detail = col_text(st, 12);
		assert(sqlite3_column_count(st) == 13); /* every column read */
		if ((ret = cb(&v, at, user)))
			break;
	}
	s->in_query = false;
	if (!ret && rc != SQLITE_DONE)
		ret = store_sqlerr(s, rc, "query verdicts");
	sqlite3_reset(st);
	return ret;
}
