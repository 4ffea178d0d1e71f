/*
 * The store (see store.h): bouncelab's only SQL. This file opens and
 * closes the handle and holds what every part of the store shares: the
 * table of statements, their cache, stepping and error messages. The parts
 * (each behind store_internal.h) are store_migrate.c (the schema
 * migrations), store_ckpt.c (the background checkpointer), store_put.c
 * (storing runs), store_query.c (reading runs, results, documents, info),
 * store_monitor.c, store_sched.c and store_verdict.c.
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
 * bl_store_opts.bg_checkpoint moves WAL checkpoints to a helper thread
 * (store_ckpt.c says why and when).
 *
 * Identity rows (hosts, kernels, boots, devices) are looked up and inserted
 * when missing inside the run's BEGIN IMMEDIATE transaction: the write lock
 * is held from the start, so two writers cannot both insert the same row.
 */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fsutil.h"
#include "schema_sql.h"
#include "store_internal.h"

/*
 * The run filter as SQL; ?1..?13 and ?16..?20 are the members of struct
 * bl_run_filter. ?18: '' matches runs without a hypervisor; ?19: -1 matches
 * runs without a balloon; ?20: the SWIOTLB pool in slabs.
 */
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
	" AND (?13 IS NULL OR r.started_unix < ?13)"                                      \
	" AND (?16 IS NULL OR r.testbed_clock = ?16)"                                      \
	" AND (?17 IS NULL OR r.testbed_boot_index = ?17)"                                 \
	" AND (?18 IS NULL OR ifnull(r.hypervisor, '') = ?18)"                             \
	" AND (?19 IS NULL OR ifnull(r.balloon_bytes, -1) = ?19)"                          \
	" AND (?20 IS NULL OR b.swiotlb_slabs = ?20)"

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
		" importer_id, job_name, backend, workload, params, document, kernel_boot_id,"
		" testbed_clock, testbed_boot_index, hypervisor, balloon_bytes)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
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
		" WHERE x.run_id = r.id), r.kernel_boot_id, r.testbed_clock, r.testbed_boot_index,"
		" r.hypervisor, r.balloon_bytes"
		RUN_FROM
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
	[ST_FLOOR_INS] =
		"INSERT OR REPLACE INTO noise_floors (job, workload, variant, size, metric, clock,"
		" floor, boots, kernel, mode, runs, measured_unix) VALUES (?1, ?2, ifnull(?3, ''),"
		" ?4, ?5, ifnull(?6, ''), ?7, ?8, ?9, ?10, ?11, ?12)",
	[ST_FLOOR_QUERY] =
		"SELECT job, workload, variant, size, metric, clock, floor, boots, kernel, mode,"
		" runs, measured_unix FROM noise_floors WHERE (?1 IS NULL OR clock = ?1)"
		" ORDER BY job, workload, variant, size, metric, clock",
	/* nights (store_night.c) */
	[ST_NIGHT_INS] =
		"INSERT INTO nights (label, source, started_unix, status) VALUES (?1, ?2, ?3, 'open')",
	[ST_NIGHT_GET] =
		"SELECT n.id, n.label, n.source, n.status, n.baseline, n.started_unix,"
		" n.finished_unix, (SELECT count(*) FROM night_runs r WHERE r.night_id = n.id)"
		" FROM nights n WHERE (?1 = 0 OR n.id = ?1) ORDER BY n.started_unix DESC, n.id DESC"
		" LIMIT 1",
	[ST_NIGHT_PREV] =
		"SELECT p.id FROM nights p, nights n WHERE n.id = ?1 AND p.source = n.source AND"
		" p.id != n.id AND (p.started_unix < n.started_unix OR (p.started_unix ="
		" n.started_unix AND p.id < n.id)) ORDER BY p.started_unix DESC, p.id DESC LIMIT 1",
	[ST_NIGHT_OF_RUN] =
		"SELECT r.night_id FROM night_runs r JOIN nights n ON n.id = r.night_id WHERE"
		" r.run_uuid = lower(?1) ORDER BY n.started_unix DESC, n.id DESC LIMIT 1",
	[ST_NIGHT_EXISTS] = "SELECT id FROM nights WHERE id = ?1",
	[ST_RUN_EXISTS] = "SELECT id FROM runs WHERE uuid = lower(?1)",
	[ST_NIGHT_RUN_INS] =
		"INSERT OR IGNORE INTO night_runs (night_id, run_uuid) VALUES (?1, lower(?2))",
	[ST_NIGHT_RUNS] =
		"SELECT r.run_uuid, r.last_uuid, r.baseline_why FROM night_runs r JOIN runs u ON"
		" u.uuid = r.run_uuid WHERE r.night_id = ?1 ORDER BY u.started_unix, u.id",
	[ST_NIGHT_RUN_SET] =
		"UPDATE night_runs SET last_uuid = lower(?3), baseline_why = ?4 WHERE night_id = ?1"
		" AND run_uuid = lower(?2)",
	[ST_NIGHT_SET_JUDGED] =
		"UPDATE nights SET status = 'judged', baseline = ?2, finished_unix = ?3 WHERE id = ?1",
	[ST_NIGHT_VERDICT_DEL] = "DELETE FROM verdicts WHERE night_id = ?1",
	[ST_NIGHT_VERDICT_INS] =
		"INSERT INTO verdicts (at_unix, subject, baseline, workload, variant, size,"
		" metric, baseline_value, value, change, p_value, verdict, detail, night_id,"
		" threshold, calibrated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16)",
	[ST_NIGHT_VERDICTS] =
		"SELECT subject, baseline, workload, variant, size, metric, baseline_value, value,"
		" change, p_value, verdict, detail, threshold, calibrated FROM verdicts WHERE"
		" night_id = ?1 ORDER BY id",
	[ST_SCHED_KERNEL_GET] = "SELECT version FROM schedule_kernels WHERE schedule = ?1 AND series = ?2",
	[ST_SCHED_KERNEL_SET] =
		"INSERT INTO schedule_kernels (schedule, series, version, started_unix) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (schedule, series) DO UPDATE SET version = ?3, started_unix = ?4",
};

/* --- errors, the statement cache, stepping (store_internal.h) ----------- */

void store_seterr(struct bl_store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
}

int store_sqlerr(struct bl_store *s, int rc, const char *what)
{
	store_seterr(s, "store: %s: %s", what, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
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


sqlite3_stmt *store_stmt(struct bl_store *s, enum stmt_id id)
{
	sqlite3_stmt *st;
	int rc;

	/* Ids come from the enum, never from input: anything else is our bug. */
	assert((unsigned)id < ST_COUNT && stmt_sql[id]);
	assert(s->db); /* only an opened handle reaches a statement */
	st = s->stmt[id];
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		store_sqlerr(s, rc, "prepare");
		return NULL;
	}
	s->stmt[id] = st;
	return st;
}

int store_exec(struct bl_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		int err = store_sqlerr(s, rc, what);

		sqlite3_reset(st);
		return err;
	}
	sqlite3_reset(st);
	return 0;
}

int store_exec_id(struct bl_store *s, enum stmt_id id, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, id);

	return st ? store_exec(s, st, what) : -EIO;
}

void store_rollback(struct bl_store *s)
{
	/* After some errors SQLite has already rolled back; that is fine. */
	if (!sqlite3_get_autocommit(s->db)) {
		char keep[sizeof(s->errmsg)];

		memcpy(keep, s->errmsg, sizeof(keep));
		store_exec_id(s, ST_ROLLBACK, "rollback");
		memcpy(s->errmsg, keep, sizeof(keep));
	}
}

int store_select_id(struct bl_store *s, sqlite3_stmt *st, const char *what, int64_t *id)
{
	int rc = sqlite3_step(st);

	*id = 0;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sqlerr(s, rc, what);
}

int store_begin_query(struct bl_store *s)
{
	s->errmsg[0] = '\0';
	if (s->in_query) {
		store_seterr(s, "store: query: called from a query callback (not re-entrant)");
		return -EBUSY;
	}
	return 0;
}

/* --- open and close ------------------------------------------------------ */

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
		ret = bl_make_parent(path, 0755);
		if (ret) {
			store_seterr(s, "store: %s: create parent folder: %s", path,
				     strerror(-ret));
			goto fail;
		}
	}
	flags = o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		char what[PATH_MAX + 16];

		snprintf(what, sizeof(what), "open %s", path);
		ret = store_sqlerr(s, rc, what);
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
		ret = store_sqlerr(s, rc, what);
		goto fail;
	}
	/* Before migrating: a damaged file is named as such, not as a failed migration. */
	if (o.quick_check && (ret = store_quick_check(s)))
		goto fail;
	if (o.read_only)
		ret = store_check_version(s, n ? migs[n - 1].version : 0);
	else
		ret = store_migrate(s, migs, n);
	if (ret)
		goto fail;
	if (o.bg_checkpoint && !o.read_only && (ret = store_ckpt_start(s, o.busy_timeout_ms))) {
		store_seterr(s, "store: %s: start the checkpoint thread: %s", path, strerror(-ret));
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
	store_ckpt_stop(s);
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
