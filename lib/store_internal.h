/*
 * What the store's files share and nothing outside lib/store*.c may see:
 * the handle (struct bl_store), the ids of the statements in store.c's
 * table, and the helpers every part uses to get a cached statement, bind
 * and read optional values, step, and record an error.
 *
 * The store is split by what it stores (store.c: open, close, statement
 * cache, errors; store_migrate.c; store_ckpt.c; store_put.c; store_query.c;
 * store_monitor.c; store_sched.c; store_verdict.c; store_floor.c; store_night.c); all its SQL stays in
 * store.c's stmt_sql[] table, in store_put.c's multi-row INSERT heads and
 * in store_migrate.c's migration transaction.
 */
#ifndef BL_STORE_INTERNAL_H
#define BL_STORE_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/* Indexes into store.c's stmt_sql[] and struct bl_store's stmt[]. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_RUN_DOC_BY_UUID,
	ST_HOST_GET,
	ST_HOST_INS,
	ST_KERNEL_GET,
	ST_KERNEL_INS,
	ST_BOOT_GET,
	ST_BOOT_INS,
	ST_DEV_GET,
	ST_DEV_INS,
	ST_RUN_INS,
	ST_RESULT_INS,
	ST_LAT_INS,
	ST_FAIL_INS,
	ST_RUNS_QUERY,
	ST_RUNS_COUNT,
	ST_RESULTS_OF_RUN,
	ST_COUNTERS_OF_RESULT,
	ST_REPS_OF_RESULT,
	ST_INFO_COUNTS,
	ST_INFO_LAST,
	ST_USER_VERSION,
	ST_MON_INS,
	ST_MON_QUERY,
	ST_SCHED_BEGIN,
	ST_SCHED_FINISH,
	ST_SCHED_LAST,
	ST_SCHED_ABANDON,
	ST_VERDICT_INS,
	ST_VERDICT_QUERY,
	ST_FLOOR_INS,
	ST_FLOOR_QUERY,
	ST_NIGHT_INS,		/* store_night.c */
	ST_NIGHT_GET,
	ST_NIGHT_PREV,
	ST_NIGHT_OF_RUN,
	ST_NIGHT_EXISTS,
	ST_RUN_EXISTS,
	ST_NIGHT_RUN_INS,
	ST_NIGHT_RUNS,
	ST_NIGHT_RUN_SET,
	ST_NIGHT_SET_JUDGED,
	ST_NIGHT_VERDICT_DEL,
	ST_NIGHT_VERDICT_INS,
	ST_NIGHT_VERDICTS,
	ST_SCHED_KERNEL_GET,
	ST_SCHED_KERNEL_SET,
	ST_COUNT,
};

/*
 * Repetitions and counters, the most numerous rows, are inserted up to
 * MULTI_MAX rows per statement (store_put.c); the handle caches one
 * statement per table and row count.
 */
#define MULTI_MAX 16
enum multi_id { MULTI_REPS, MULTI_COUNTERS, MULTI_COUNT };

struct checkpointer; /* store_ckpt.c */

struct bl_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT]; /* prepared on first use; NULL until then */
	char path[PATH_MAX];
	char errmsg[512];	      /* last error, "" if none */
	bool in_query;		      /* a callback is running: refuse re-entry */
	double *vals[2];	      /* scratch for repetition values (ops, bytes) */
	size_t vals_cap[2];
	sqlite3_stmt *multi[MULTI_COUNT][MULTI_MAX + 1]; /* [table][k]: inserts k rows */
	struct checkpointer *ckpt;    /* bg_checkpoint: the helper thread, else NULL */
};

/* --- store.c: errors, the statement cache, stepping ---------------------- */

/* Records the handle's error message (truncated to fit, which is fine for a message). */
void store_seterr(struct bl_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Maps an SQLite result code to -errno and records "store: <what>: <sqlite's reason>". */
int store_sqlerr(struct bl_store *s, int rc, const char *what);
/* PRAGMA quick_check(1) (store_health.c): 0, or -EIO with the message set. */
int store_quick_check(struct bl_store *s);
/* The cached statement @id, reset and unbound, or NULL with errmsg set. */
sqlite3_stmt *store_stmt(struct bl_store *s, enum stmt_id id);
/* Steps a statement that returns no row (INSERT/UPDATE/transaction control). */
int store_exec(struct bl_store *s, sqlite3_stmt *st, const char *what);
/* store_exec() of the cached statement @id, which takes no parameter. */
int store_exec_id(struct bl_store *s, enum stmt_id id, const char *what);
/* Rolls back an open transaction, keeping the error message that caused it. */
void store_rollback(struct bl_store *s);
/* Runs a "SELECT id ..." already bound; *id = the id or 0 when no row. */
int store_select_id(struct bl_store *s, sqlite3_stmt *st, const char *what, int64_t *id);
/* Clears errmsg; -EBUSY when called from a query callback (not re-entrant). */
int store_begin_query(struct bl_store *s);

/* --- store_migrate.c ----------------------------------------------------- */

/*
 * Applies migrations newer than the database's user_version in ONE
 * transaction; any failure rolls all of them back and names the migration.
 */
int store_migrate(struct bl_store *s, const struct bl_migration *migs, size_t n);
/* The version check alone, for read-only handles. */
int store_check_version(struct bl_store *s, int latest);

/* --- store_ckpt.c -------------------------------------------------------- */

/* Starts the helper; on failure the handle keeps SQLite's own checkpointing. */
int store_ckpt_start(struct bl_store *s, int busy_timeout_ms);
/* Stops and frees the helper, if any; SQLite checkpoints automatically again. */
void store_ckpt_stop(struct bl_store *s);

/* --- binding and reading: NULL pointers and unset optionals are SQL NULL -- */

static inline int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static inline int bind_opt_i64(sqlite3_stmt *st, int i, struct bl_opt_i64 v)
{
	return v.set ? sqlite3_bind_int64(st, i, v.v) : sqlite3_bind_null(st, i);
}

static inline int bind_opt_f64(sqlite3_stmt *st, int i, struct bl_opt_f64 v)
{
	return v.set ? sqlite3_bind_double(st, i, v.v) : sqlite3_bind_null(st, i);
}

/* Row ids start at 1: 0 means "none" and is stored as NULL. */
static inline int bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	return id > 0 ? sqlite3_bind_int64(st, i, id) : sqlite3_bind_null(st, i);
}

static inline struct bl_opt_i64 col_opt_i64(sqlite3_stmt *st, int i)
{
	struct bl_opt_i64 v = { 0, false };

	if (sqlite3_column_type(st, i) != SQLITE_NULL) {
		v.v = sqlite3_column_int64(st, i);
		v.set = true;
	}
	return v;
}

static inline struct bl_opt_f64 col_opt_f64(sqlite3_stmt *st, int i)
{
	struct bl_opt_f64 v = { 0, false };

	if (sqlite3_column_type(st, i) != SQLITE_NULL) {
		v.v = sqlite3_column_double(st, i);
		v.set = true;
	}
	return v;
}

static inline const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

#endif
