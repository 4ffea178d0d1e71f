/*
 * The store (see store.h): bouncelab's only SQL.
 *
 * Every statement lives in the stmt_sql[] table below, is prepared the first
 * time it is used (SQLITE_PREPARE_PERSISTENT) and cached on the handle until
 * bl_store_close() (only opening, which runs once, uses a few uncached
 * PRAGMA reads); queries that take optional filters are single statements
 * of the form "(?N IS NULL OR column = ?N)" so that they, too, are prepared
 * once instead of being assembled per call. The migrations are the one
 * exception: they are whole files of DDL run by sqlite3_exec() inside the
 * migration transaction.
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL by default. A
 * committed transaction survives the process being killed (SIGKILL) at any
 * point; a power loss may lose the last commits. bl_store_opts.sync_full
 * selects synchronous=FULL (an fsync per commit) where that matters.
 *
 * With bl_store_opts.bg_checkpoint the handle's own automatic checkpoint
 * is off; a WAL hook wakes a helper thread with its own connection that
 * runs a PASSIVE checkpoint each time the WAL has grown by CKPT_FRAMES
 * frames since the last request, so a commit returns without copying pages
 * into the database (measured with
 * tests/bench/daemon_throughput.sh: 10-20% more documents per second
 * through the daemon, whose writer commits a batch of <= 8 every few ms).
 * The WAL restarts from its beginning only when a write begins after a
 * complete checkpoint, so a WAL that still grows to CKPT_FRAMES_MAX
 * (about 16 MB) is checkpointed in the commit, as SQLite itself would.
 *
 * Identity rows (hosts, kernels, boots, devices) are looked up and inserted
 * when missing inside the run's BEGIN IMMEDIATE transaction: the write lock
 * is held from the start, so two writers cannot both insert the same row.
 */
#include "store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "schema_sql.h"

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
	ST_COUNT,
};

/* The run filter as SQL; ?1..?13 are the members of struct bl_run_filter. */
#define RUN_FROM                                                                           \
	" FROM runs r"                                                                     \
	" LEFT JOIN boots b ON b.id = r.boot_id"                                           \
	" LEFT JOIN hosts h ON h.id = b.host_id"                                           \
	" LEFT JOIN kernels k ON k.id = b.kernel_id"                                       \
	" LEFT JOIN devices d ON d.id = r.device_id"                                       \
	" LEFT JOIN devices i ON i.id = r.importer_id"                                     \
	" WHERE (?1 IS NULL OR k.release = ?1 OR k.package_version = ?1"                   \
	"   OR substr(k.release, 1, length(?1) + 1)"                                       \
	"      IN (?1 || '.', ?1 || '-', ?1 || '+', ?1 || '~')"                            \
	"   OR substr(k.package_version, 1, length(?1) + 1)"                               \
	"      IN (?1 || '.', ?1 || '-', ?1 || '+', ?1 || '~'))"                           \
	" AND (?2 IS NULL OR b.swiotlb = ?2)"                                              \
	" AND (?3 IS NULL OR b.iommu = ?3)"                                                \
	" AND (?4 IS NULL OR d.driver = ?4 OR d.node = ?4)"                                \
	" AND (?5 IS NULL OR i.driver = ?5 OR i.node = ?5)"                                \
	" AND (?6 IS NULL OR r.backend = ?6)"                                              \
	" AND (?7 IS NULL OR r.workload = ?7)"                                             \
	" AND (?8 IS NULL OR r.job_name = ?8)"                                             \
	" AND (?9 IS NULL OR r.status = ?9)"                                               \
	" AND (?10 IS NULL OR h.hostname = ?10)"                                           \
	" AND (?11 IS NULL OR r.uuid = lower(?11))"                                        \
	" AND (?12 IS NULL OR r.started_unix >= ?12)"                                      \
	" AND (?13 IS NULL OR r.started_unix < ?13)"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_RUN_DOC_BY_UUID] = "SELECT document FROM runs WHERE uuid = ?1",
	[ST_HOST_GET] =
		"SELECT id FROM hosts WHERE hostname = ?1 AND ifnull(cpu, '') = ifnull(?2, '')"
		" AND ifnull(mem_bytes, -1) = ifnull(?3, -1)",
	[ST_HOST_INS] = "INSERT INTO hosts (hostname, cpu, mem_bytes) VALUES (?1, ?2, ?3)",
	[ST_KERNEL_GET] =
		"SELECT id FROM kernels WHERE release = ?1 AND ifnull(version, '') = ifnull(?2,"
		" '') AND ifnull(package_version, '') = ifnull(?3, '') AND ifnull(package, '') ="
		" ifnull(?4, '')",
	[ST_KERNEL_INS] =
		"INSERT INTO kernels (release, version, package_version, package) VALUES (?1, ?2,"
		" ?3, ?4)",
	[ST_BOOT_GET] =
		"SELECT id FROM boots WHERE ifnull(host_id, -1) = ifnull(?1, -1) AND"
		" ifnull(kernel_id, -1) = ifnull(?2, -1) AND ifnull(cmdline, '') = ifnull(?3, '')"
		" AND ifnull(swiotlb, '') = ifnull(?4, '') AND ifnull(swiotlb_slabs, -1) ="
		" ifnull(?5, -1) AND ifnull(iommu, '') = ifnull(?6, '')",
	[ST_BOOT_INS] =
		"INSERT INTO boots (host_id, kernel_id, cmdline, swiotlb, swiotlb_slabs, iommu)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_DEV_GET] =
		"SELECT id FROM devices WHERE ifnull(driver, '') = ifnull(?1, '') AND"
		" ifnull(node, '') = ifnull(?2, '') AND ifnull(driver_version, '') = ifnull(?3,"
		" '') AND ifnull(pci_id, '') = ifnull(?4, '')",
	[ST_DEV_INS] =
		"INSERT INTO devices (driver, node, driver_version, pci_id) VALUES (?1, ?2, ?3,"
		" ?4)",
	[ST_RUN_INS] =
		"INSERT INTO runs (uuid, format, status, error, tool_name, tool_version,"
		" started_at, started_unix, finished_at, finished_unix, boot_id, device_id,"
		" importer_id, job_name, backend, workload, params, document, kernel_boot_id)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19)",
	[ST_RESULT_INS] =
		"INSERT INTO results (run_id, idx, workload, variant, size, reps, ops,"
		" duration_ns, ops_per_sec_mean, bytes_per_sec_mean, bounce_rate, per_rep) VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[ST_LAT_INS] =
		"INSERT INTO latency (result_id, p50_ns, p90_ns, p99_ns, p999_ns, max_ns) VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_FAIL_INS] =
		"INSERT INTO failures (result_id, ops, errno, error, kernel_log) VALUES (?1, ?2,"
		" ?3, ?4, ?5)",
	[ST_RUNS_QUERY] =
		"SELECT r.id, r.uuid, r.status, r.error, r.started_at, r.finished_at,"
		" r.started_unix, r.finished_unix, r.stored_at, r.tool_name, r.tool_version,"
		" r.job_name, r.backend, r.workload, r.params, h.hostname, h.cpu, h.mem_bytes,"
		" k.release, k.version, k.package_version, k.package, b.cmdline, b.swiotlb,"
		" b.iommu, b.swiotlb_slabs, d.driver, d.node, d.driver_version, d.pci_id,"
		" i.driver, i.node, i.driver_version, i.pci_id, (SELECT count(*) FROM results x"
		" WHERE x.run_id = r.id), r.kernel_boot_id" RUN_FROM
		" ORDER BY CASE WHEN ?14 THEN r.started_unix END ASC, CASE WHEN ?14 THEN r.id END"
		" ASC, r.started_unix DESC, r.id DESC LIMIT ?15",
	[ST_RUNS_COUNT] =
		"SELECT count(*)" RUN_FROM,
	[ST_RESULTS_OF_RUN] =
		"SELECT x.id, x.idx, x.workload, x.variant, x.size, x.reps, x.ops, x.duration_ns,"
		" x.ops_per_sec_mean, x.bytes_per_sec_mean, x.bounce_rate, l.p50_ns, l.p90_ns,"
		" l.p99_ns, l.p999_ns, l.max_ns, f.ops, f.errno, f.error, f.kernel_log, x.per_rep FROM"
		" results x LEFT JOIN latency l ON l.result_id = x.id LEFT JOIN failures f ON"
		" f.result_id = x.id WHERE x.run_id = ?1 ORDER BY x.idx",
	[ST_COUNTERS_OF_RESULT] =
		"SELECT name, value, unavailable FROM counters WHERE result_id = ?1",
	[ST_REPS_OF_RESULT] =
		"SELECT metric, value FROM repetitions WHERE result_id = ?1 ORDER BY metric, rep",
	[ST_INFO_COUNTS] =
		"SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM results), (SELECT"
		" count(*) FROM monitor_samples)",
	[ST_INFO_LAST] =
		"SELECT uuid, started_at, status FROM runs ORDER BY started_unix DESC, id DESC"
		" LIMIT 1",
	[ST_USER_VERSION] = "PRAGMA user_version",
	[ST_MON_INS] =
		"INSERT INTO monitor_samples (at_ns, interval_ns, device, bounces, bounced_bytes,"
		" map_calls, map_segments, slots_used, slots_total, slots_hiwater) VALUES (?1, ?2,"
		" ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_MON_QUERY] =
		"SELECT at_ns, interval_ns, device, bounces, bounced_bytes, map_calls,"
		" map_segments, slots_used, slots_total, slots_hiwater FROM monitor_samples WHERE"
		" (?1 IS NULL OR device = ?1) AND (?2 IS NULL OR at_ns >= ?2) AND (?3 IS NULL OR"
		" at_ns < ?3) ORDER BY at_ns, id",
	[ST_SCHED_BEGIN] =
		"INSERT INTO scheduled_runs (schedule, job_file, planned_unix, started_unix,"
		" status) VALUES (?1, ?2, ?3, ?4, 'running')",
	[ST_SCHED_FINISH] =
		"UPDATE scheduled_runs SET status = ?2, exit_code = ?3, run_uuid = ?4,"
		" stderr_tail = ?5, summary = ?6, finished_unix = ?7 WHERE id = ?1",
	[ST_SCHED_LAST] = "SELECT max(planned_unix) FROM scheduled_runs WHERE schedule = ?1",
	[ST_SCHED_ABANDON] =
		"UPDATE scheduled_runs SET status = 'failed', summary = ?1, finished_unix = ?2"
		" WHERE status = 'running'",
	[ST_VERDICT_INS] =
		"INSERT INTO verdicts (at_unix, subject, baseline, workload, variant, size,"
		" metric, baseline_value, value, change, p_value, verdict, detail) VALUES (?1, ?2,"
		" ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[ST_VERDICT_QUERY] =
		"SELECT at_unix, subject, baseline, workload, variant, size, metric,"
		" baseline_value, value, change, p_value, verdict, detail FROM verdicts WHERE (?1"
		" IS NULL OR subject = ?1) ORDER BY at_unix DESC, id DESC",
};

/*
 * Repetitions and counters, the most numerous rows, are inserted up to
 * MULTI_MAX rows per statement: one step instead of one per row. The
 * statement for k rows is generated once from a fixed pattern (the table's
 * INSERT head and k "(?, ?, ?, ?)" tuples) and cached like the others.
 */
#define MULTI_MAX 16
enum multi_id { MULTI_REPS, MULTI_COUNTERS, MULTI_COUNT };
static const char *const multi_head[MULTI_COUNT] = {
	[MULTI_REPS] = "INSERT INTO repetitions (result_id, metric, rep, value) VALUES ",
	[MULTI_COUNTERS] = "INSERT INTO counters (result_id, name, value, unavailable) VALUES ",
};

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

/* --- the background checkpointer (bl_store_opts.bg_checkpoint) ----------- */

#define CKPT_FRAMES 1000	/* SQLite's own default threshold (pages) */
#define CKPT_FRAMES_MAX 4000	/* the helper fell behind: checkpoint in the commit */

struct checkpointer {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool due, stop;
	sqlite3 *db;		/* the helper's own connection */
	pthread_t thread;
	int asked_at;		/* WAL frames at the last request (hook's thread only) */
};

static void *ckpt_main(void *arg)
{
	struct checkpointer *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stop)
			break;
		c->due = false;
		pthread_mutex_unlock(&c->lock);
		/* PASSIVE: never waits for or blocks the writer; what it misses goes next time. */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Called by SQLite on the committing thread after each commit in WAL mode. */
static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct checkpointer *c = arg;

	if (frames >= CKPT_FRAMES_MAX) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	if (frames < c->asked_at)
		c->asked_at = 0; /* the WAL restarted from its beginning */
	/*
	 * Not "frames >= CKPT_FRAMES": a PASSIVE checkpoint that races the
	 * writer leaves the WAL unrestarted, and asking again at every commit
	 * ran a checkpoint (two fdatasyncs) per commit: 861 fdatasyncs for
	 * 4,000 documents under strace.
	 */
	if (frames - c->asked_at >= CKPT_FRAMES) {
		c->asked_at = frames;
		pthread_mutex_lock(&c->lock);
		c->due = true;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

static void ckpt_stop(struct bl_store *s)
{
	struct checkpointer *c = s->ckpt;

	if (!c)
		return;
	sqlite3_wal_hook(s->db, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
	s->ckpt = NULL;
	sqlite3_wal_autocheckpoint(s->db, CKPT_FRAMES); /* what is left: at close, as usual */
}

/* Starts the helper; on failure the handle keeps SQLite's own checkpointing. */
static int ckpt_start(struct bl_store *s, int busy_timeout_ms)
{
	struct checkpointer *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	rc = sqlite3_open_v2(s->path, &c->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	sqlite3_busy_timeout(c->db, busy_timeout_ms);
	/* A connection that has not read the database yet does not know it is in WAL mode. */
	rc = sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	rc = pthread_create(&c->thread, NULL, ckpt_main, c);
	if (rc) {
		sqlite3_close(c->db);
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return -rc;
	}
	s->ckpt = c;
	sqlite3_wal_hook(s->db, ckpt_hook, c); /* replaces the automatic checkpoint */
	return 0;
}

const char *const bl_put_outcome_names[] = {
	[BL_PUT_INSERTED] = "inserted",
	[BL_PUT_DUPLICATE] = "duplicate",
	[BL_PUT_DUPLICATE_CHANGED] = "duplicate-changed",
};

/* Records the handle's error message (truncated to fit, which is fine for a message). */
__attribute__((format(printf, 2, 3))) static void seterr(struct bl_store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
}

/* Maps an SQLite result code to -errno and records "store: <what>: <sqlite's reason>". */
static int sqlerr(struct bl_store *s, int rc, const char *what)
{
	seterr(s, "store: %s: %s", what,
		 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_CONSTRAINT: return -EINVAL;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH: return -EACCES;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_NOTADB: return -ENOTSUP;
	default: return -EIO;
	}
}

const char *bl_store_errmsg(const struct bl_store *s)
{
	return s ? s->errmsg : "store: no handle";
}

int bl_store_schema_latest(void)
{
	return bl_migrations_count ? bl_migrations[bl_migrations_count - 1].version : 0;
}

/* The cached statement @id, reset and unbound, or NULL with errmsg set. */
static sqlite3_stmt *stmt(struct bl_store *s, enum stmt_id id)
{
	sqlite3_stmt *st = s->stmt[id];
	int rc;

	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlerr(s, rc, "prepare");
		return NULL;
	}
	s->stmt[id] = st;
	return st;
}

/* Binding helpers: NULL pointers and unset optionals become SQL NULL. */
static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int bind_opt_i64(sqlite3_stmt *st, int i, struct bl_opt_i64 v)
{
	return v.set ? sqlite3_bind_int64(st, i, v.v) : sqlite3_bind_null(st, i);
}

static int bind_opt_f64(sqlite3_stmt *st, int i, struct bl_opt_f64 v)
{
	return v.set ? sqlite3_bind_double(st, i, v.v) : sqlite3_bind_null(st, i);
}

static int bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	return id > 0 ? sqlite3_bind_int64(st, i, id) : sqlite3_bind_null(st, i);
}

static struct bl_opt_i64 col_opt_i64(sqlite3_stmt *st, int i)
{
	struct bl_opt_i64 v = { 0, false };

	if (sqlite3_column_type(st, i) != SQLITE_NULL) {
		v.v = sqlite3_column_int64(st, i);
		v.set = true;
	}
	return v;
}

static struct bl_opt_f64 col_opt_f64(sqlite3_stmt *st, int i)
{
	struct bl_opt_f64 v = { 0, false };

	if (sqlite3_column_type(st, i) != SQLITE_NULL) {
		v.v = sqlite3_column_double(st, i);
		v.set = true;
	}
	return v;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Steps a statement that returns no row (INSERT/UPDATE/transaction control). */
static int exec_stmt(struct bl_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		int err = sqlerr(s, rc, what);

		sqlite3_reset(st);
		return err;
	}
	sqlite3_reset(st);
	return 0;
}

static int exec_id(struct bl_store *s, enum stmt_id id, const char *what)
{
	sqlite3_stmt *st = stmt(s, id);

	return st ? exec_stmt(s, st, what) : -EIO;
}

static void rollback(struct bl_store *s)
{
	/* After some errors SQLite has already rolled back; that is fine. */
	if (!sqlite3_get_autocommit(s->db)) {
		char keep[sizeof(s->errmsg)];

		memcpy(keep, s->errmsg, sizeof(keep));
		exec_id(s, ST_ROLLBACK, "rollback");
		memcpy(s->errmsg, keep, sizeof(keep));
	}
}

/* --- open and migrate ---------------------------------------------------- */

/* mkdir -p of @path's parent folder. */
static int make_parent(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	p = strrchr(buf, '/');
	if (!p || p == buf)
		return 0;
	*p = '\0';
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int pragma_int(struct bl_store *s, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : sqlerr(s, rc, sql);
}

/*
 * Applies migrations newer than the database's user_version in ONE
 * transaction; any failure rolls all of them back and names the migration.
 */
static int migrate(struct bl_store *s, const struct bl_migration *migs, size_t n)
{
	int version = 0, ntables = 0, latest = n ? migs[n - 1].version : 0, err, rc;
	char *msg = NULL, sql[64];

	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sqlerr(s, rc, "begin migration");
	/* Read again under the lock: another process may have migrated meanwhile. */
	err = pragma_int(s, "PRAGMA user_version", &version);
	if (!err)
		err = pragma_int(s, "SELECT count(*) FROM sqlite_schema", &ntables);
	if (err)
		goto fail;
	if (version > latest) {
		seterr(s,
			 "store: %s: schema version %d is newer than this bouncelab knows (%d); "
			 "use a newer bouncelab", s->path, version, latest);
		err = -EPROTO;
		goto fail;
	}
	if (version == 0 && ntables > 0) {
		seterr(s,
			 "store: %s: has tables but no bouncelab schema version; "
			 "not a bouncelab database",
			 s->path);
		err = -ENOTSUP;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (migs[i].version <= version)
			continue;
		rc = sqlite3_exec(s->db, migs[i].sql, NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			seterr(s,
				 "store: %s: migration %s failed: %s; nothing was changed", s->path,
				 migs[i].name, msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			err = -EIO;
			goto fail;
		}
	}
	if (latest > version) {
		/* PRAGMA takes no parameters; the value is our own integer. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest);
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			err = sqlerr(s, rc, "stamp user_version");
			goto fail;
		}
	}
	rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		err = sqlerr(s, rc, "commit migration");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/* The version check alone, for read-only handles. */
static int check_version(struct bl_store *s, int latest)
{
	int version = 0;
	int err = pragma_int(s, "PRAGMA user_version", &version);

	if (err)
		return err;
	if (version > latest) {
		seterr(s,
			 "store: %s: schema version %d is newer than this bouncelab knows (%d); "
			 "use a newer bouncelab", s->path, version, latest);
		return -EPROTO;
	}
	if (version < latest) {
		seterr(s,
			 "store: %s: schema version %d is older than %d and the handle is "
			 "read-only; "
			 "open it once read-write to migrate", s->path, version, latest);
		return -EPROTO;
	}
	return 0;
}

int bl_store_open_migrations(const char *path, const struct bl_store_opts *opts,
			     const struct bl_migration *migs, size_t n, struct bl_store **out,
			     char *err, size_t errlen)
{
	struct bl_store_opts o = { 0 };
	struct bl_store *s;
	char sql[64];
	int flags, rc, ret;

	*out = NULL;
	if (opts)
		o = *opts;
	if (!o.busy_timeout_ms)
		o.busy_timeout_ms = 5000;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "store: %s: out of memory", path);
		return -ENOMEM;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (!o.read_only && !o.no_mkdir) {
		ret = make_parent(path);
		if (ret) {
			seterr(s, "store: %s: create parent folder: %s",
				 path, strerror(-ret));
			goto fail;
		}
	}
	flags = o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		char what[PATH_MAX + 16];

		snprintf(what, sizeof(what), "open %s", path);
		ret = sqlerr(s, rc, what);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, o.busy_timeout_ms);
	/* Reading the header here turns "not a database" into a clear error early. */
	rc = sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (rc == SQLITE_OK && !o.read_only) {
		rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s",
				 o.sync_full ? "FULL" : "NORMAL");
			rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		}
	}
	if (rc != SQLITE_OK) {
		char what[PATH_MAX + 16];

		snprintf(what, sizeof(what), "%s", path);
		ret = sqlerr(s, rc, what);
		goto fail;
	}
	ret = o.read_only ? check_version(s, n ? migs[n - 1].version : 0) : migrate(s, migs, n);
	if (ret)
		goto fail;
	if (o.bg_checkpoint && !o.read_only && (ret = ckpt_start(s, o.busy_timeout_ms))) {
		seterr(s, "store: %s: start the checkpoint thread: %s", path, strerror(-ret));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s", s->errmsg);
	bl_store_close(s);
	return ret;
}

int bl_store_open(const char *path, const struct bl_store_opts *opts, struct bl_store **out,
		  char *err, size_t errlen)
{
	return bl_store_open_migrations(path, opts, bl_migrations, bl_migrations_count, out, err,
					errlen);
}

void bl_store_close(struct bl_store *s)
{
	if (!s)
		return;
	ckpt_stop(s);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	for (int i = 0; i < MULTI_COUNT; i++)
		for (int k = 0; k <= MULTI_MAX; k++)
			sqlite3_finalize(s->multi[i][k]);
	/* sqlite3_close_v2 would defer; every statement is finalized, so close now. */
	sqlite3_close(s->db);
	free(s->vals[0]);
	free(s->vals[1]);
	free(s);
}

/* --- put a run ----------------------------------------------------------- */

/* Runs a "SELECT id ..." already bound; *id = the id or 0 when no row. */
static int select_id(struct bl_store *s, sqlite3_stmt *st, const char *what, int64_t *id)
{
	int rc = sqlite3_step(st);

	*id = 0;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sqlerr(s, rc, what);
}

/* Looks up an identity row and inserts it when missing: @bind binds both statements alike. */
static int get_or_insert(struct bl_store *s, enum stmt_id get, enum stmt_id ins, const char *what,
			 void (*bind)(sqlite3_stmt *, const void *), const void *arg, int64_t *id)
{
	sqlite3_stmt *st = stmt(s, get);
	int err;

	if (!st)
		return -EIO;
	bind(st, arg);
	err = select_id(s, st, what, id);
	if (err || *id)
		return err;
	st = stmt(s, ins);
	if (!st)
		return -EIO;
	bind(st, arg);
	err = exec_stmt(s, st, what);
	if (!err)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

static void bind_host(sqlite3_stmt *st, const void *arg)
{
	const struct bl_resultdoc *d = arg;

	bind_text(st, 1, d->hostname);
	bind_text(st, 2, d->cpu);
	bind_opt_i64(st, 3, d->mem_bytes);
}

static void bind_kernel(sqlite3_stmt *st, const void *arg)
{
	const struct bl_resultdoc *d = arg;

	bind_text(st, 1, d->kernel_release);
	bind_text(st, 2, d->kernel_version);
	bind_text(st, 3, d->package_version);
	bind_text(st, 4, d->kernel_package);
}

struct boot_key {
	const struct bl_resultdoc *d;
	int64_t host_id, kernel_id;
};

static void bind_boot(sqlite3_stmt *st, const void *arg)
{
	const struct boot_key *k = arg;

	bind_id(st, 1, k->host_id);
	bind_id(st, 2, k->kernel_id);
	bind_text(st, 3, k->d->cmdline);
	bind_text(st, 4, k->d->swiotlb);
	bind_opt_i64(st, 5, k->d->swiotlb_slabs);
	bind_text(st, 6, k->d->iommu);
}

struct dev_key {
	const char *driver, *node, *version, *pci;
};

static void bind_dev(sqlite3_stmt *st, const void *arg)
{
	const struct dev_key *k = arg;

	bind_text(st, 1, k->driver);
	bind_text(st, 2, k->node);
	bind_text(st, 3, k->version);
	bind_text(st, 4, k->pci);
}

/* The cached statement inserting @k (1..MULTI_MAX) rows into table @id. */
static sqlite3_stmt *multi_stmt(struct bl_store *s, enum multi_id id, size_t k)
{
	char sql[96 + MULTI_MAX * 16];
	sqlite3_stmt *st = s->multi[id][k];
	size_t len;
	int rc;

	if (st) {
		sqlite3_reset(st);
		return st;
	}
	len = (size_t)snprintf(sql, sizeof(sql), "%s", multi_head[id]);
	for (size_t i = 0; i < k; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s(?, ?, ?, ?)",
					i ? ", " : "");
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlerr(s, rc, "prepare");
		return NULL;
	}
	s->multi[id][k] = st;
	return st;
}

static int put_series(struct bl_store *s, int64_t result_id, const char *metric,
		      const struct bl_series *ser)
{
	for (size_t i = 0; i < ser->n_values;) {
		size_t k = ser->n_values - i < MULTI_MAX ? ser->n_values - i : MULTI_MAX;
		sqlite3_stmt *st = multi_stmt(s, MULTI_REPS, k);
		int err;

		if (!st)
			return -EIO;
		for (size_t j = 0; j < k; j++, i++) {
			int b = (int)(4 * j);

			sqlite3_bind_int64(st, b + 1, result_id);
			sqlite3_bind_text(st, b + 2, metric, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, b + 3, (int64_t)i);
			sqlite3_bind_double(st, b + 4, ser->values[i]);
		}
		err = exec_stmt(s, st, "insert repetitions");
		if (err)
			return err;
	}
	return 0;
}

/*
 * Counters: every member of the counters object (contract counters and
 * extra ones), a NULL value kept as NULL; the `unavailable` reason beside
 * it. Reasons for names that are not in the counters object (a contract
 * counter the producer left out, or e.g. "bounce_rate") get a row with a
 * NULL value so that no reason is lost.
 */
struct counter_row {
	const char *name;
	json_t *value;	    /* an integer, or NULL/json null for SQL NULL */
	const char *reason; /* the `unavailable` reason, or NULL */
};

static int put_counters(struct bl_store *s, int64_t result_id, const struct bl_result_row *r)
{
	size_t n = 0, cap = json_object_size(r->counters_json) +
			    (r->unavailable ? json_object_size(r->unavailable) : 0);
	struct counter_row *rows;
	const char *name;
	json_t *v;
	int err = 0;

	if (!cap)
		return 0;
	rows = malloc(cap * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	json_object_foreach(r->counters_json, name, v) {
		json_t *why = r->unavailable ? json_object_get(r->unavailable, name) : NULL;

		rows[n++] = (struct counter_row){ name, v, json_string_value(why) };
	}
	if (r->unavailable) {
		json_object_foreach(r->unavailable, name, v) {
			if (json_object_get(r->counters_json, name))
				continue;
			rows[n++] = (struct counter_row){ name, NULL, json_string_value(v) };
		}
	}
	for (size_t i = 0; i < n && !err;) {
		size_t k = n - i < MULTI_MAX ? n - i : MULTI_MAX;
		sqlite3_stmt *st = multi_stmt(s, MULTI_COUNTERS, k);

		if (!st) {
			err = -EIO;
			break;
		}
		for (size_t j = 0; j < k; j++, i++) {
			int b = (int)(4 * j);

			sqlite3_bind_int64(st, b + 1, result_id);
			sqlite3_bind_text(st, b + 2, rows[i].name, -1, SQLITE_STATIC);
			if (json_is_integer(rows[i].value))
				sqlite3_bind_int64(st, b + 3, json_integer_value(rows[i].value));
			else
				sqlite3_bind_null(st, b + 3);
			bind_text(st, b + 4, rows[i].reason);
		}
		err = exec_stmt(s, st, "insert counters");
	}
	free(rows);
	return err;
}

static int put_result(struct bl_store *s, int64_t run, size_t idx, const struct bl_result_row *r)
{
	sqlite3_stmt *st = stmt(s, ST_RESULT_INS);
	char *per_rep;
	int64_t id;
	bool any_lat = false;
	int err;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, (int64_t)idx);
	bind_text(st, 3, r->workload);
	bind_text(st, 4, r->variant);
	sqlite3_bind_int64(st, 5, r->size);
	sqlite3_bind_int64(st, 6, r->reps);
	sqlite3_bind_int64(st, 7, r->ops);
	sqlite3_bind_int64(st, 8, r->duration_ns);
	bind_opt_f64(st, 9, r->ops_per_sec.mean);
	bind_opt_f64(st, 10, r->bytes_per_sec.mean);
	bind_opt_f64(st, 11, r->bounce_rate);
	per_rep = r->per_rep ? json_dumps(r->per_rep, JSON_COMPACT) : NULL;
	if (r->per_rep && !per_rep)
		return -ENOMEM;
	bind_text(st, 12, per_rep);
	err = exec_stmt(s, st, "insert result");
	free(per_rep); /* bound SQLITE_STATIC: used by the step, which is over */
	if (err)
		return err;
	id = sqlite3_last_insert_rowid(s->db);

	if ((err = put_series(s, id, "ops_per_sec", &r->ops_per_sec)) ||
	    (err = put_series(s, id, "bytes_per_sec", &r->bytes_per_sec)) ||
	    (err = put_counters(s, id, r)))
		return err;

	for (int i = 0; i < BL_LAT_COUNT; i++)
		any_lat |= r->latency_ns[i].set;
	if (any_lat) {
		if (!(st = stmt(s, ST_LAT_INS)))
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		for (int i = 0; i < BL_LAT_COUNT; i++)
			bind_opt_i64(st, 2 + i, r->latency_ns[i]);
		if ((err = exec_stmt(s, st, "insert latency")))
			return err;
	}

	if (r->failed_ops || r->failed_errno.set || r->failed_error || r->kernel_log) {
		char *log = r->kernel_log ? json_dumps(r->kernel_log, JSON_COMPACT) : NULL;

		if (!(st = stmt(s, ST_FAIL_INS))) {
			free(log);
			return -EIO;
		}
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, r->failed_ops);
		bind_opt_i64(st, 3, r->failed_errno);
		bind_text(st, 4, r->failed_error);
		bind_text(st, 5, log);
		err = exec_stmt(s, st, "insert failures");
		free(log);
		if (err)
			return err;
	}
	return 0;
}

/* One run inside an open transaction. */
static int put_one(struct bl_store *s, const struct bl_resultdoc *d, enum bl_put_outcome *outcome)
{
	int64_t host = 0, kernel = 0, boot = 0, dev = 0, imp = 0, run;
	char *text = NULL, *params = NULL;
	sqlite3_stmt *st;
	int err, rc;

	/* The text as received when there is one (nothing lost, no re-serialising). */
	text = d->text && strlen(d->text) == d->text_len ? NULL : json_dumps(d->root, JSON_COMPACT);
	if (!text && !d->text) {
		seterr(s, "store: run %s: cannot serialise the document", d->run_id);
		return -ENOMEM;
	}
	/* Stored already? Then nothing is written; say whether the content differs. */
	if (!(st = stmt(s, ST_RUN_DOC_BY_UUID))) {
		err = -EIO;
		goto out;
	}
	sqlite3_bind_text(st, 1, d->run_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *old = col_text(st, 0);
		bool same = old && !strcmp(old, text ? text : d->text);

		if (!same && old) {
			/* same content written differently (spacing, member order)? */
			json_t *o = json_loads(old, 0, NULL);

			same = o && json_equal(o, d->root);
			json_decref(o);
		}
		*outcome = same ? BL_PUT_DUPLICATE : BL_PUT_DUPLICATE_CHANGED;
		sqlite3_reset(st);
		err = 0;
		goto out;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		err = sqlerr(s, rc, "look up run");
		goto out;
	}

	if (d->hostname &&
	    (err = get_or_insert(s, ST_HOST_GET, ST_HOST_INS, "host", bind_host, d, &host)))
		goto out;
	if (d->kernel_release &&
	    (err = get_or_insert(s, ST_KERNEL_GET, ST_KERNEL_INS, "kernel", bind_kernel, d,
				 &kernel)))
		goto out;
	if (host || kernel || d->cmdline || d->swiotlb || d->iommu || d->swiotlb_slabs.set) {
		struct boot_key k = { d, host, kernel };

		err = get_or_insert(s, ST_BOOT_GET, ST_BOOT_INS, "boot", bind_boot, &k, &boot);
		if (err)
			goto out;
	}
	if (d->has_device) {
		struct dev_key k = { d->dev_driver, d->dev_node, d->dev_driver_version,
				     d->dev_pci_id };

		if ((err = get_or_insert(s, ST_DEV_GET, ST_DEV_INS, "device", bind_dev, &k, &dev)))
			goto out;
	}
	if (d->has_importer) {
		struct dev_key k = { d->imp_driver, d->imp_node, d->imp_driver_version,
				     d->imp_pci_id };

		err = get_or_insert(s, ST_DEV_GET, ST_DEV_INS, "importer", bind_dev, &k, &imp);
		if (err)
			goto out;
	}

	if (d->job_params && !(params = json_dumps(d->job_params, JSON_COMPACT))) {
		err = -ENOMEM;
		goto out;
	}
	if (!(st = stmt(s, ST_RUN_INS))) {
		err = -EIO;
		goto out;
	}
	sqlite3_bind_text(st, 1, d->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, d->format);
	sqlite3_bind_text(st, 3, bl_run_status_names[d->status], -1, SQLITE_STATIC);
	bind_text(st, 4, d->error);
	bind_text(st, 5, d->tool_name);
	bind_text(st, 6, d->tool_version);
	bind_text(st, 7, d->started_at);
	sqlite3_bind_int64(st, 8, d->started_unix);
	bind_text(st, 9, d->finished_at);
	bind_opt_i64(st, 10, d->finished_unix);
	bind_id(st, 11, boot);
	bind_id(st, 12, dev);
	bind_id(st, 13, imp);
	bind_text(st, 14, d->job_name);
	bind_text(st, 15, d->job_backend);
	bind_text(st, 16, d->job_workload);
	bind_text(st, 17, params);
	bind_text(st, 18, text ? text : d->text);
	bind_text(st, 19, d->boot_id);
	if ((err = exec_stmt(s, st, "insert run")))
		goto out;
	run = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; i < d->n_results; i++)
		if ((err = put_result(s, run, i, &d->results[i])))
			goto out;
	*outcome = BL_PUT_INSERTED;
out:
	if (err && !strstr(s->errmsg, d->run_id)) {
		char tmp[sizeof(s->errmsg)];

		memcpy(tmp, s->errmsg, sizeof(tmp));
		seterr(s, "%s (run %s)", tmp, d->run_id);
	}
	free(params);
	free(text);
	return err;
}

int bl_store_put_runs(struct bl_store *s, struct bl_resultdoc *const *docs, size_t n,
		      enum bl_put_outcome *outcomes)
{
	int err;

	s->errmsg[0] = '\0';
	if (s->in_query) {
		seterr(s, "store: put run: called from a query callback");
		return -EBUSY;
	}
	if ((err = exec_id(s, ST_BEGIN, "begin")))
		return err;
	for (size_t i = 0; i < n; i++) {
		if ((err = put_one(s, docs[i], &outcomes[i]))) {
			rollback(s);
			return err;
		}
	}
	if ((err = exec_id(s, ST_COMMIT, "commit"))) {
		rollback(s);
		return err;
	}
	return 0;
}

int bl_store_put_run(struct bl_store *s, const struct bl_resultdoc *doc,
		     enum bl_put_outcome *outcome)
{
	struct bl_resultdoc *one = (struct bl_resultdoc *)doc; /* not modified */

	return bl_store_put_runs(s, &one, 1, outcome);
}

/* --- queries ------------------------------------------------------------- */

static int begin_query(struct bl_store *s)
{
	s->errmsg[0] = '\0';
	if (s->in_query) {
		seterr(s,
			 "store: query: called from a query callback (not re-entrant)");
		return -EBUSY;
	}
	return 0;
}

static void bind_filter(sqlite3_stmt *st, const struct bl_run_filter *f)
{
	static const struct bl_run_filter none;

	if (!f)
		f = &none;
	bind_text(st, 1, f->kernel);
	bind_text(st, 2, f->swiotlb);
	bind_text(st, 3, f->iommu);
	bind_text(st, 4, f->device);
	bind_text(st, 5, f->importer);
	bind_text(st, 6, f->backend);
	bind_text(st, 7, f->workload);
	bind_text(st, 8, f->job);
	bind_text(st, 9, f->status);
	bind_text(st, 10, f->host);
	bind_text(st, 11, f->run_id);
	if (f->since)
		sqlite3_bind_int64(st, 12, f->since);
	if (f->until)
		sqlite3_bind_int64(st, 13, f->until);
}

static void read_run(sqlite3_stmt *st, struct bl_run_row *r)
{
	int c = 0;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, c++);
	r->run_id = col_text(st, c++);
	r->status = col_text(st, c++);
	r->error = col_text(st, c++);
	r->started_at = col_text(st, c++);
	r->finished_at = col_text(st, c++);
	r->started_unix = sqlite3_column_int64(st, c++);
	r->finished_unix = col_opt_i64(st, c++);
	r->stored_at = col_text(st, c++);
	r->tool_name = col_text(st, c++);
	r->tool_version = col_text(st, c++);
	r->job = col_text(st, c++);
	r->backend = col_text(st, c++);
	r->workload = col_text(st, c++);
	r->params_json = col_text(st, c++);
	r->hostname = col_text(st, c++);
	r->cpu = col_text(st, c++);
	r->mem_bytes = col_opt_i64(st, c++);
	r->kernel_release = col_text(st, c++);
	r->kernel_version = col_text(st, c++);
	r->package_version = col_text(st, c++);
	r->kernel_package = col_text(st, c++);
	r->cmdline = col_text(st, c++);
	r->swiotlb = col_text(st, c++);
	r->iommu = col_text(st, c++);
	r->swiotlb_slabs = col_opt_i64(st, c++);
	r->dev_driver = col_text(st, c++);
	r->dev_node = col_text(st, c++);
	r->dev_driver_version = col_text(st, c++);
	r->dev_pci_id = col_text(st, c++);
	r->imp_driver = col_text(st, c++);
	r->imp_node = col_text(st, c++);
	r->imp_driver_version = col_text(st, c++);
	r->imp_pci_id = col_text(st, c++);
	r->n_results = sqlite3_column_int(st, c++);
	r->kernel_boot_id = col_text(st, c++);
}

/* Appends @v to scratch series @which (0 ops_per_sec, 1 bytes_per_sec). */
static int push_val(struct bl_store *s, int which, size_t *n, double v)
{
	if (*n == s->vals_cap[which]) {
		size_t cap = s->vals_cap[which] ? 2 * s->vals_cap[which] : 16;
		double *p = realloc(s->vals[which], cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->vals[which] = p;
		s->vals_cap[which] = cap;
	}
	s->vals[which][(*n)++] = v;
	return 0;
}

/*
 * The `unavailable` reasons of one result row. They are copied because the
 * counters statement runs to its end (SQLITE_DONE), which frees its row.
 */
struct reason_buf {
	char text[BL_COUNTER_COUNT + 1][160]; /* the counters', then bounce_rate's */
};

/* Fills the counters, reasons and repetition values of result @id into @v. */
static int read_result_details(struct bl_store *s, int64_t id, struct bl_result_view *v,
			       struct reason_buf *rb)
{
	sqlite3_stmt *st = stmt(s, ST_COUNTERS_OF_RESULT);
	size_t n[2] = { 0, 0 };
	int rc, err = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = col_text(st, 0);

		if (name && !strcmp(name, "bounce_rate") && col_text(st, 2)) {
			snprintf(rb->text[BL_COUNTER_COUNT], sizeof(rb->text[0]), "%s",
				 col_text(st, 2));
			v->bounce_rate_unavailable = rb->text[BL_COUNTER_COUNT];
		}
		for (int i = 0; i < BL_COUNTER_COUNT; i++) {
			if (name && !strcmp(name, bl_counter_names[i])) {
				v->counters[i] = col_opt_i64(st, 1);
				if (col_text(st, 2)) {
					snprintf(rb->text[i], sizeof(rb->text[i]), "%s",
						 col_text(st, 2));
					v->unavailable[i] = rb->text[i];
				}
			}
		}
	}
	if (rc != SQLITE_DONE)
		return sqlerr(s, rc, "read counters");

	st = stmt(s, ST_REPS_OF_RESULT);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *metric = col_text(st, 0);
		int which = metric && !strcmp(metric, "bytes_per_sec") ? 1 :
			    metric && !strcmp(metric, "ops_per_sec") ? 0 : -1;

		if (which >= 0)
			err = push_val(s, which, &n[which], sqlite3_column_double(st, 1));
	}
	if (err)
		return err;
	if (rc != SQLITE_DONE)
		return sqlerr(s, rc, "read repetitions");
	v->ops_per_sec_values = n[0] ? s->vals[0] : NULL;
	v->n_ops_per_sec = n[0];
	v->bytes_per_sec_values = n[1] ? s->vals[1] : NULL;
	v->n_bytes_per_sec = n[1];
	return 0;
}

static int results_of_run(struct bl_store *s, const struct bl_run_row *run, bl_result_cb cb,
			  void *user)
{
	sqlite3_stmt *st = stmt(s, ST_RESULTS_OF_RUN);
	struct reason_buf reasons;
	int rc, ret = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, run->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct bl_result_view v;
		int64_t id = sqlite3_column_int64(st, 0);
		int c = 1;

		memset(&v, 0, sizeof(v));
		v.run = run->id;
		v.idx = sqlite3_column_int(st, c++);
		v.workload = col_text(st, c++);
		v.variant = col_text(st, c++);
		v.size = sqlite3_column_int64(st, c++);
		v.reps = sqlite3_column_int64(st, c++);
		v.ops = sqlite3_column_int64(st, c++);
		v.duration_ns = sqlite3_column_int64(st, c++);
		v.ops_per_sec_mean = col_opt_f64(st, c++);
		v.bytes_per_sec_mean = col_opt_f64(st, c++);
		v.bounce_rate = col_opt_f64(st, c++);
		for (int i = 0; i < BL_LAT_COUNT; i++)
			v.latency_ns[i] = col_opt_i64(st, c++);
		v.failed_ops = sqlite3_column_int64(st, c++);
		v.failed_errno = col_opt_i64(st, c++);
		v.failed_error = col_text(st, c++);
		v.kernel_log_json = col_text(st, c++);
		v.per_rep_json = col_text(st, c++);
		ret = read_result_details(s, id, &v, &reasons);
		if (ret)
			break;
		ret = cb(run, &v, user);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlerr(s, rc, "read results");
	sqlite3_reset(st);
	return ret;
}

/* Walks the runs of @f; for each calls @run_cb and/or the results of the run. */
static int walk_runs(struct bl_store *s, const struct bl_run_filter *f, bl_run_cb run_cb,
		     bl_result_cb res_cb, void *user)
{
	sqlite3_stmt *st;
	struct bl_run_row r;
	int rc, ret = 0;

	if ((ret = begin_query(s)))
		return ret;
	if (!(st = stmt(s, ST_RUNS_QUERY)))
		return -EIO;
	bind_filter(st, f);
	sqlite3_bind_int(st, 14, f && f->oldest_first);
	sqlite3_bind_int64(st, 15, f && f->limit > 0 ? f->limit : -1);
	s->in_query = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_run(st, &r);
		if (run_cb && (ret = run_cb(&r, user)))
			break;
		if (res_cb && (ret = results_of_run(s, &r, res_cb, user)))
			break;
	}
	s->in_query = false;
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = sqlerr(s, rc, "query runs");
	sqlite3_reset(st);
	return ret;
}

int bl_store_query_runs(struct bl_store *s, const struct bl_run_filter *f, bl_run_cb cb,
			void *user)
{
	return walk_runs(s, f, cb, NULL, user);
}

int bl_store_query_results(struct bl_store *s, const struct bl_run_filter *f, bl_result_cb cb,
			   void *user)
{
	return walk_runs(s, f, NULL, cb, user);
}

int bl_store_query(struct bl_store *s, const struct bl_run_filter *f, bl_run_cb run_cb,
		   bl_result_cb res_cb, void *user)
{
	return walk_runs(s, f, run_cb, res_cb, user);
}

int bl_store_count_runs(struct bl_store *s, const struct bl_run_filter *f, int64_t *count)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = begin_query(s)))
		return ret;
	if (!(st = stmt(s, ST_RUNS_COUNT)))
		return -EIO;
	bind_filter(st, f);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	else
		ret = sqlerr(s, rc, "count runs");
	sqlite3_reset(st);
	return ret;
}

int bl_store_get_document(struct bl_store *s, const char *uuid, char **json)
{
	char lower[37];
	sqlite3_stmt *st;
	int rc, ret;

	*json = NULL;
	if ((ret = begin_query(s)))
		return ret;
	if (!bl_uuid_valid(uuid)) {
		seterr(s, "store: get run: \"%.40s\" is not a UUID", uuid);
		return -EINVAL;
	}
	for (int i = 0; i < 37; i++)
		lower[i] = (char)(uuid[i] >= 'A' && uuid[i] <= 'F' ? uuid[i] - 'A' + 'a' : uuid[i]);
	if (!(st = stmt(s, ST_RUN_DOC_BY_UUID)))
		return -EIO;
	sqlite3_bind_text(st, 1, lower, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*json = strdup(col_text(st, 0) ? col_text(st, 0) : "null");
		ret = *json ? 0 : -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		seterr(s, "store: run %s: not stored", lower);
		ret = -ENOENT;
	} else {
		ret = sqlerr(s, rc, "get run");
	}
	sqlite3_reset(st);
	return ret;
}

int bl_store_info(struct bl_store *s, struct bl_store_info *info)
{
	sqlite3_stmt *st;
	int rc, ret;

	memset(info, 0, sizeof(*info));
	if ((ret = begin_query(s)))
		return ret;
	if (!(st = stmt(s, ST_USER_VERSION)))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		info->schema_version = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return sqlerr(s, rc, "schema version");
	if (!(st = stmt(s, ST_INFO_COUNTS)))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		info->runs = sqlite3_column_int64(st, 0);
		info->results = sqlite3_column_int64(st, 1);
		info->monitor_samples = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return sqlerr(s, rc, "count runs");
	if (!(st = stmt(s, ST_INFO_LAST)))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(info->last_run_id, sizeof(info->last_run_id), "%s", col_text(st, 0));
		snprintf(info->last_started_at, sizeof(info->last_started_at), "%s",
			 col_text(st, 1));
		snprintf(info->last_status, sizeof(info->last_status), "%s", col_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlerr(s, rc, "last run");
	return 0;
}

/* --- monitor ------------------------------------------------------------- */

int bl_store_put_monitor_samples(struct bl_store *s, const struct bl_monitor_sample *m, size_t n)
{
	int err;

	s->errmsg[0] = '\0';
	if (s->in_query)
		return -EBUSY;
	if ((err = exec_id(s, ST_BEGIN, "begin")))
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		sqlite3_stmt *st = stmt(s, ST_MON_INS);

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
		err = exec_stmt(s, st, "insert monitor sample");
	}
	if (!err)
		err = exec_id(s, ST_COMMIT, "commit");
	if (err)
		rollback(s);
	return err;
}

int bl_store_query_monitor(struct bl_store *s, const char *device, int64_t since_ns,
			   int64_t until_ns, bl_monitor_cb cb, void *user)
{
	struct bl_monitor_sample m;
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = begin_query(s)))
		return ret;
	if (!(st = stmt(s, ST_MON_QUERY)))
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
		if ((ret = cb(&m, user)))
			break;
	}
	s->in_query = false;
	if (!ret && rc != SQLITE_DONE)
		ret = sqlerr(s, rc, "query monitor samples");
	sqlite3_reset(st);
	return ret;
}

/* --- scheduler ----------------------------------------------------------- */

int bl_store_schedule_begin(struct bl_store *s, const char *name, const char *job_file,
			    int64_t planned_unix, int64_t started_unix, int64_t *id)
{
	sqlite3_stmt *st;
	int err;

	if ((err = begin_query(s)))
		return err;
	if (!(st = stmt(s, ST_SCHED_BEGIN)))
		return -EIO;
	bind_text(st, 1, name);
	bind_text(st, 2, job_file);
	sqlite3_bind_int64(st, 3, planned_unix);
	sqlite3_bind_int64(st, 4, started_unix);
	err = exec_stmt(s, st, "record scheduled run");
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

	if ((err = begin_query(s)))
		return err;
	if (!(st = stmt(s, ST_SCHED_FINISH)))
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, status);
	sqlite3_bind_int(st, 3, exit_code);
	bind_text(st, 4, run_id);
	bind_text(st, 5, stderr_tail);
	bind_text(st, 6, summary);
	sqlite3_bind_int64(st, 7, finished_unix);
	err = exec_stmt(s, st, "finish scheduled run");
	if (!err && sqlite3_changes(s->db) != 1) {
		seterr(s, "store: scheduled run %lld: not recorded",
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
	if ((err = begin_query(s)))
		return err;
	if (!(st = stmt(s, ST_SCHED_LAST)))
		return -EIO;
	bind_text(st, 1, name);
	err = select_id(s, st, "last scheduled run", &v);
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
	if ((err = begin_query(s)))
		return err;
	if (!(st = stmt(s, ST_SCHED_ABANDON)))
		return -EIO;
	bind_text(st, 1, summary);
	sqlite3_bind_int64(st, 2, finished_unix);
	err = exec_stmt(s, st, "close abandoned scheduled runs");
	if (!err && count)
		*count = sqlite3_changes(s->db);
	return err;
}

/* --- verdicts ------------------------------------------------------------ */

int bl_store_put_verdicts(struct bl_store *s, int64_t at_unix, const struct bl_verdict *v,
			  size_t n)
{
	int err;

	if ((err = begin_query(s)))
		return err;
	if ((err = exec_id(s, ST_BEGIN, "begin")))
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		sqlite3_stmt *st = stmt(s, ST_VERDICT_INS);

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
		err = exec_stmt(s, st, "insert verdict");
	}
	if (!err)
		err = exec_id(s, ST_COMMIT, "commit");
	if (err)
		rollback(s);
	return err;
}

int bl_store_query_verdicts(struct bl_store *s, const char *subject, bl_verdict_cb cb, void *user)
{
	struct bl_verdict v;
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = begin_query(s)))
		return ret;
	if (!(st = stmt(s, ST_VERDICT_QUERY)))
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
		if ((ret = cb(&v, at, user)))
			break;
	}
	s->in_query = false;
	if (!ret && rc != SQLITE_DONE)
		ret = sqlerr(s, rc, "query verdicts");
	sqlite3_reset(st);
	return ret;
}

/*
 * For lib/store_*.c only (declared there, not in store.h): the connection,
 * for queries that live in their own file (lib/store_summary.c). The
 * store.c split moves this into its private header.
 */
sqlite3 *bl_store_sqlite_(struct bl_store *s);
sqlite3 *bl_store_sqlite_(struct bl_store *s)
{
	return s->db;
}
