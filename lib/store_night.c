/*
 * The store's nights (schema/0007): a campaign records a night, adds the
 * runs it stored, and stores the night's judgement (each run's last night,
 * the verdicts with their thresholds, the status "judged") in one
 * transaction; readers get a night, its previous night of the same
 * source, its runs and its verdicts.
 */
#include <assert.h>
#include <errno.h>

#include <sqlite3.h>

#include "store_internal.h"

int bl_store_night_begin(struct bl_store *s, const char *label, const char *source,
			 int64_t started_unix, int64_t *id)
{
	sqlite3_stmt *st;
	int err;

	if ((err = store_begin_query(s)))
		return err;
	if (!label || !source) {
		store_seterr(s, "store: record night: label and source are required");
		return -EINVAL;
	}
	if (!(st = store_stmt(s, ST_NIGHT_INS)))
		return -EIO;
	bind_text(st, 1, label);
	bind_text(st, 2, source);
	sqlite3_bind_int64(st, 3, started_unix);
	err = store_exec(s, st, "record night");
	if (!err)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

/* *@found = whether statement @id, bound with @num or (when set) @text, finds a row. */
static int exists(struct bl_store *s, enum stmt_id id, int64_t num, const char *text,
		  const char *what, bool *found)
{
	sqlite3_stmt *st = store_stmt(s, id);
	int64_t rowid;
	int err;

	if (!st)
		return -EIO;
	if (text)
		bind_text(st, 1, text);
	else
		sqlite3_bind_int64(st, 1, num);
	err = store_select_id(s, st, what, &rowid);
	*found = rowid > 0;
	return err;
}

int bl_store_night_add_run(struct bl_store *s, int64_t night_id, const char *run_uuid)
{
	sqlite3_stmt *st;
	bool found;
	int err;

	if ((err = store_begin_query(s)))
		return err;
	if (!run_uuid) {
		store_seterr(s, "store: night %lld: add run: no run UUID", (long long)night_id);
		return -EINVAL;
	}
	if ((err = exists(s, ST_NIGHT_EXISTS, night_id, NULL, "find night", &found)))
		return err;
	if (!found) {
		store_seterr(s, "store: night %lld: no such night", (long long)night_id);
		return -ENOENT;
	}
	if ((err = exists(s, ST_RUN_EXISTS, 0, run_uuid, "find run", &found)))
		return err;
	if (!found) {
		store_seterr(s, "store: night %lld: run %s is not in the store", (long long)night_id,
			     run_uuid);
		return -ENOENT;
	}
	if (!(st = store_stmt(s, ST_NIGHT_RUN_INS)))
		return -EIO;
	sqlite3_bind_int64(st, 1, night_id);
	bind_text(st, 2, run_uuid);
	return store_exec(s, st, "add run to night");
}

int bl_store_night_get(struct bl_store *s, int64_t id, bl_night_cb cb, void *user)
{
	struct bl_night_row n;
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = store_begin_query(s)))
		return ret;
	if (!(st = store_stmt(s, ST_NIGHT_GET)))
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n.id = sqlite3_column_int64(st, 0);
		n.label = col_text(st, 1);
		n.source = col_text(st, 2);
		n.status = col_text(st, 3);
		n.baseline = col_text(st, 4);
		n.started_unix = sqlite3_column_int64(st, 5);
		n.finished_unix = col_opt_i64(st, 6);
		n.n_runs = sqlite3_column_int64(st, 7);
		assert(sqlite3_column_count(st) == 8); /* every column read */
		s->in_query = true;
		ret = cb(&n, user);
		s->in_query = false;
	} else if (rc == SQLITE_DONE) {
		if (id)
			store_seterr(s, "store: night %lld: no such night", (long long)id);
		else
			store_seterr(s, "store: no night recorded yet");
		ret = -ENOENT;
	} else {
		ret = store_sqlerr(s, rc, "read night");
	}
	sqlite3_reset(st);
	return ret;
}

int bl_store_night_previous(struct bl_store *s, int64_t id, int64_t *prev)
{
	sqlite3_stmt *st;
	int err;

	*prev = 0;
	if ((err = store_begin_query(s)))
		return err;
	if (!(st = store_stmt(s, ST_NIGHT_PREV)))
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return store_select_id(s, st, "find previous night", prev);
}

int bl_store_night_of_run(struct bl_store *s, const char *run_uuid, int64_t *night_id)
{
	sqlite3_stmt *st;
	int err;

	*night_id = 0;
	if ((err = store_begin_query(s)))
		return err;
	if (!(st = store_stmt(s, ST_NIGHT_OF_RUN)))
		return -EIO;
	bind_text(st, 1, run_uuid);
	return store_select_id(s, st, "find the night of a run", night_id);
}

int bl_store_night_runs(struct bl_store *s, int64_t night_id, bl_night_run_cb cb, void *user)
{
	struct bl_night_run r;
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = store_begin_query(s)))
		return ret;
	if (!(st = store_stmt(s, ST_NIGHT_RUNS)))
		return -EIO;
	sqlite3_bind_int64(st, 1, night_id);
	s->in_query = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.run_uuid = col_text(st, 0);
		r.last_uuid = col_text(st, 1);
		r.baseline_why = col_text(st, 2);
		assert(sqlite3_column_count(st) == 3);
		if ((ret = cb(&r, user)))
			break;
	}
	s->in_query = false;
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = store_sqlerr(s, rc, "read the runs of a night");
	sqlite3_reset(st);
	return ret;
}

static int put_verdict(struct bl_store *s, int64_t night_id, int64_t at_unix,
		       const struct bl_night_verdict *nv)
{
	sqlite3_stmt *st = store_stmt(s, ST_NIGHT_VERDICT_INS);
	const struct bl_verdict *v = &nv->v;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, at_unix);
	bind_text(st, 2, v->subject);
	bind_text(st, 3, v->baseline);
	bind_text(st, 4, v->workload);
	bind_text(st, 5, v->variant);
	sqlite3_bind_int64(st, 6, v->size);
	bind_text(st, 7, v->metric);
	bind_opt_f64(st, 8, v->baseline_value);
	bind_opt_f64(st, 9, v->value);
	bind_opt_f64(st, 10, v->change);
	bind_opt_f64(st, 11, v->p_value);
	bind_text(st, 12, v->verdict);
	bind_text(st, 13, v->detail);
	sqlite3_bind_int64(st, 14, night_id);
	bind_opt_f64(st, 15, nv->threshold);
	sqlite3_bind_int(st, 16, nv->calibrated);
	return store_exec(s, st, "insert night verdict");
}

int bl_store_night_judged(struct bl_store *s, int64_t night_id, const char *baseline,
			  int64_t at_unix, const struct bl_night_run *runs, size_t n_runs,
			  const struct bl_night_verdict *v, size_t n)
{
	sqlite3_stmt *st;
	bool found;
	int err;

	if ((err = store_begin_query(s)))
		return err;
	if ((err = exists(s, ST_NIGHT_EXISTS, night_id, NULL, "find night", &found)))
		return err;
	if (!found) {
		store_seterr(s, "store: night %lld: no such night", (long long)night_id);
		return -ENOENT;
	}
	if ((err = store_exec_id(s, ST_BEGIN, "begin")))
		return err;
	if (!(st = store_stmt(s, ST_NIGHT_VERDICT_DEL))) {
		err = -EIO;
	} else {
		sqlite3_bind_int64(st, 1, night_id);
		err = store_exec(s, st, "replace night verdicts");
	}
	for (size_t i = 0; i < n_runs && !err; i++) {
		if (!(st = store_stmt(s, ST_NIGHT_RUN_SET))) {
			err = -EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, night_id);
		bind_text(st, 2, runs[i].run_uuid);
		bind_text(st, 3, runs[i].last_uuid);
		bind_text(st, 4, runs[i].baseline_why);
		err = store_exec(s, st, "record a night run's judgement");
	}
	for (size_t i = 0; i < n && !err; i++)
		err = put_verdict(s, night_id, at_unix, &v[i]);
	if (!err) {
		if (!(st = store_stmt(s, ST_NIGHT_SET_JUDGED))) {
			err = -EIO;
		} else {
			sqlite3_bind_int64(st, 1, night_id);
			bind_text(st, 2, baseline);
			sqlite3_bind_int64(st, 3, at_unix);
			err = store_exec(s, st, "mark night judged");
		}
	}
	if (!err)
		err = store_exec_id(s, ST_COMMIT, "commit");
	if (err)
		store_rollback(s);
	return err;
}

int bl_store_night_verdicts(struct bl_store *s, int64_t night_id, bl_night_verdict_cb cb,
			    void *user)
{
	struct bl_night_verdict nv;
	struct bl_verdict *v = &nv.v;
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = store_begin_query(s)))
		return ret;
	if (!(st = store_stmt(s, ST_NIGHT_VERDICTS)))
		return -EIO;
	sqlite3_bind_int64(st, 1, night_id);
	s->in_query = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v->subject = col_text(st, 0);
		v->baseline = col_text(st, 1);
		v->workload = col_text(st, 2);
		v->variant = col_text(st, 3);
		v->size = sqlite3_column_int64(st, 4);
		v->metric = col_text(st, 5);
		v->baseline_value = col_opt_f64(st, 6);
		v->value = col_opt_f64(st, 7);
		v->change = col_opt_f64(st, 8);
		v->p_value = col_opt_f64(st, 9);
		v->verdict = col_text(st, 10);
		v->detail = col_text(st, 11);
		nv.threshold = col_opt_f64(st, 12);
		nv.calibrated = sqlite3_column_int(st, 13) != 0;
		assert(sqlite3_column_count(st) == 14); /* every column read */
		if ((ret = cb(&nv, user)))
			break;
	}
	s->in_query = false;
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = store_sqlerr(s, rc, "read night verdicts");
	sqlite3_reset(st);
	return ret;
}
