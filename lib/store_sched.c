/*
 * The store's record of scheduled runs: the daemon's scheduler notes a run
 * when it starts it and when it ends, asks when a schedule last ran, and
 * closes the runs a previous daemon left "running" when it died; and the
 * kernel version a new-kernel schedule last ran (schedule_kernels).
 */
#include <errno.h>
#include <stdio.h>

#include <sqlite3.h>

#include "store_internal.h"

int bl_store_schedule_begin(struct bl_store *s, const char *name, const char *job_file,
			    int64_t planned_unix, int64_t started_unix, int64_t *id)
{
	sqlite3_stmt *st;
	int err;

	if ((err = store_begin_query(s)))
		return err;
	if (!(st = store_stmt(s, ST_SCHED_BEGIN)))
		return -EIO;
	bind_text(st, 1, name);
	bind_text(st, 2, job_file);
	sqlite3_bind_int64(st, 3, planned_unix);
	sqlite3_bind_int64(st, 4, started_unix);
	err = store_exec(s, st, "record scheduled run");
	if (!err)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int bl_store_schedule_finish(struct bl_store *s, int64_t id, const char *status, int exit_code,
			     const char *run_id, const char *stderr_tail, const char *summary,
			     int64_t finished_unix)
{
	sqlite3_stmt *st;
	int err;

	if ((err = store_begin_query(s)))
		return err;
	if (!(st = store_stmt(s, ST_SCHED_FINISH)))
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, status);
	sqlite3_bind_int(st, 3, exit_code);
	bind_text(st, 4, run_id);
	bind_text(st, 5, stderr_tail);
	bind_text(st, 6, summary);
	sqlite3_bind_int64(st, 7, finished_unix);
	err = store_exec(s, st, "finish scheduled run");
	if (!err && sqlite3_changes(s->db) != 1) {
		store_seterr(s, "store: scheduled run %lld: not recorded",
			 (long long)id);
		err = -ENOENT;
	}
	return err;
}

int bl_store_schedule_last(struct bl_store *s, const char *name, int64_t *planned_unix)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	int err;

	*planned_unix = 0;
	if ((err = store_begin_query(s)))
		return err;
	if (!(st = store_stmt(s, ST_SCHED_LAST)))
		return -EIO;
	bind_text(st, 1, name);
	err = store_select_id(s, st, "last scheduled run", &v);
	*planned_unix = v;
	return err;
}

int bl_store_schedule_abandon(struct bl_store *s, const char *summary, int64_t finished_unix,
			      int *count)
{
	sqlite3_stmt *st;
	int err;

	if (count)
		*count = 0;
	if ((err = store_begin_query(s)))
		return err;
	if (!(st = store_stmt(s, ST_SCHED_ABANDON)))
		return -EIO;
	bind_text(st, 1, summary);
	sqlite3_bind_int64(st, 2, finished_unix);
	err = store_exec(s, st, "close abandoned scheduled runs");
	if (!err && count)
		*count = sqlite3_changes(s->db);
	return err;
}

int bl_store_schedule_kernel_get(struct bl_store *s, const char *name, const char *series, char *buf,
				 size_t len)
{
	sqlite3_stmt *st;
	int err, rc;

	buf[0] = '\0';
	if ((err = store_begin_query(s)))
		return err;
	if (!(st = store_stmt(s, ST_SCHED_KERNEL_GET)))
		return -EIO;
	bind_text(st, 1, name);
	bind_text(st, 2, series);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(buf, len, "%s", col_text(st, 0) ? col_text(st, 0) : "");
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sqlerr(s, rc, "schedule kernel");
}

int bl_store_schedule_kernel_set(struct bl_store *s, const char *name, const char *series, const char *version,
				 int64_t started_unix)
{
	sqlite3_stmt *st;
	int err;

	if ((err = store_begin_query(s)))
		return err;
	if (!(st = store_stmt(s, ST_SCHED_KERNEL_SET)))
		return -EIO;
	bind_text(st, 1, name);
	bind_text(st, 2, series);
	bind_text(st, 3, version);
	sqlite3_bind_int64(st, 4, started_unix);
	return store_exec(s, st, "record schedule kernel");
}
