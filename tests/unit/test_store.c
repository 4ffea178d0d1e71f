/*
 * Tests for lib/store.c, each on a fresh database in a temporary folder.
 *
 * Negative cases first: a database newer than the binary, a file that is
 * not a bouncelab database, a migration that fails (everything rolled
 * back), a locked database (nothing half-written). Then storing runs
 * (duplicates stored once), NULL counters staying NULL, the filters the
 * compare and plots code builds on, monitor samples, the scheduler's
 * records, verdicts, and several processes storing the same runs at once.
 *
 * The tests read the database with plain sqlite3 only to CHECK what the
 * store wrote (e.g. that a NULL is a NULL); they never write through it
 * except to hold a lock or fake a foreign file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "schema_sql.h"
#include "store.h"

#define FIXTURES "tests/fixtures/"

static const char *const fixture_files[] = {
	"result-6.12-force-udmabuf-import.json",   /* 6.12 force, vgem <- udmabuf, ok */
	"result-6.12-noforce-udmabuf-import.json", /* 6.12 noforce, ok */
	"result-6.1-force-virtio-create.json",	   /* 6.1 force, virtio_gpu, nulls */
	"result-6.12-force-heap-import-eio.json",  /* failed, with kernel log */
	"result-skipped-no-device.json",	   /* skipped, laptop, no device */
};
#define N_FIXTURES (sizeof(fixture_files) / sizeof(fixture_files[0]))

struct tmp {
	char dir[64];
	char db[128];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	snprintf(t->dir, sizeof(t->dir), "/tmp/bl-test-store-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	/* a sub-folder that does not exist yet: the store creates it */
	snprintf(t->db, sizeof(t->db), "%s/var/bouncelab.db", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd))
		return -1;
	free(t);
	return 0;
}

static struct bl_store *open_ok(const char *path)
{
	struct bl_store *s = NULL;
	char err[512] = "";

	if (bl_store_open(path, NULL, &s, err, sizeof(err)))
		fail_msg("open %s: %s", path, err);
	return s;
}

static struct bl_resultdoc *fixture(const char *name, const char *uuid)
{
	char path[256], err[256];
	struct bl_resultdoc *d = NULL;
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	j = json_load_file(path, 0, &e);
	if (!j)
		fail_msg("%s: %s (run from the repository root)", path, e.text);
	if (uuid)
		json_object_set_new(j, "run_id", json_string(uuid));
	if (bl_resultdoc_from_json(j, &d, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	json_decref(j);
	return d;
}

static void put_all_fixtures(struct bl_store *s)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		struct bl_resultdoc *d = fixture(fixture_files[i], NULL);
		enum bl_put_outcome o;

		if (bl_store_put_run(s, d, &o))
			fail_msg("put %s: %s", fixture_files[i], bl_store_errmsg(s));
		assert_int_equal(o, BL_PUT_INSERTED);
		bl_resultdoc_free(d);
	}
}

/* One value from the database through a separate read-only connection. */
static long long sql_int(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -999;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* One text value (first row, first column), copied into @buf. */
static const char *sql_text(const char *db, const char *sql, char *buf, size_t len)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;

	snprintf(buf, len, "<no row>");
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return buf;
}

/* --- negative cases ------------------------------------------------------ */

static void test_newer_schema_refused(void **state)
{
	struct tmp *t = *state;
	const struct bl_migration future[] = {
		{ 1, "0001_a", "CREATE TABLE a (x);" },
		{ 99, "0099_future", "CREATE TABLE z (x);" },
	};
	struct bl_store *s = NULL;
	char err[512] = "";
	int ret;

	/* a database migrated by a "future" bouncelab (version 99) */
	assert_int_equal(bl_store_open_migrations(t->db, NULL, future, 2, &s, err, sizeof(err)), 0);
	bl_store_close(s);
	assert_int_equal(sql_int(t->db, "PRAGMA user_version"), 99);

	ret = bl_store_open(t->db, NULL, &s, err, sizeof(err));
	assert_int_equal(ret, -EPROTO);
	assert_null(s);
	assert_non_null(strstr(err, "schema version 99 is newer than this bouncelab knows"));
	assert_non_null(strstr(err, t->db));
	/* and untouched */
	assert_int_equal(sql_int(t->db, "PRAGMA user_version"), 99);
}

static void test_foreign_database_refused(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = NULL;
	sqlite3 *h = NULL;
	char err[512] = "", cmd[256];
	FILE *f;

	/* some other program's SQLite database */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/var", t->dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sqlite3_open(t->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE notes (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(bl_store_open(t->db, NULL, &s, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "not a bouncelab database"));

	/* not SQLite at all */
	f = fopen(t->db, "w");
	assert_non_null(f);
	fputs("this is a text file, long enough to have a header of sorts..........................."
	      "...............................................................................\n", f);
	fclose(f);
	assert_int_equal(bl_store_open(t->db, NULL, &s, err, sizeof(err)), -ENOTSUP);
	assert_null(s);
	assert_non_null(strstr(err, "file is not a database"));
}

static void test_migration_failure_rolls_back(void **state)
{
	struct tmp *t = *state;
	const struct bl_migration bad[] = {
		{ 1, "0001_good", "CREATE TABLE good (x);" },
		{ 2, "0002_bad", "CREATE TABLE half (x); CREATE TABLE oops (;" },
	};
	struct bl_store *s = NULL;
	char err[512] = "";

	assert_int_equal(bl_store_open_migrations(t->db, NULL, bad, 2, &s, err, sizeof(err)), -EIO);
	assert_null(s);
	assert_non_null(strstr(err, "migration 0002_bad failed"));
	assert_non_null(strstr(err, "nothing was changed"));
	/* neither migration left anything behind, and no version was stamped */
	assert_int_equal(sql_int(t->db, "PRAGMA user_version"), 0);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM sqlite_schema"), 0);
	/* the real schema then applies cleanly */
	s = open_ok(t->db);
	assert_int_equal(sql_int(t->db, "PRAGMA user_version"), bl_store_schema_latest());
	bl_store_close(s);
}

static void test_locked_database(void **state)
{
	struct tmp *t = *state;
	struct bl_store_opts o = { .busy_timeout_ms = 50 };
	struct bl_store *s = NULL;
	struct bl_resultdoc *d = fixture(fixture_files[0], NULL);
	enum bl_put_outcome out;
	sqlite3 *h = NULL;
	char err[512];

	assert_int_equal(bl_store_open(t->db, &o, &s, err, sizeof(err)), 0);
	/* another writer holds the write lock */
	assert_int_equal(sqlite3_open(t->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(bl_store_put_run(s, d, &out), -EBUSY);
	assert_non_null(strstr(bl_store_errmsg(s), "locked"));
	assert_int_equal(sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM runs"), 0);
	/* once the lock is gone it is stored */
	assert_int_equal(bl_store_put_run(s, d, &out), 0);
	assert_int_equal(out, BL_PUT_INSERTED);
	bl_resultdoc_free(d);
	bl_store_close(s);
}

/* --- storing runs -------------------------------------------------------- */

static void test_put_and_duplicate(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	struct bl_resultdoc *d = fixture(fixture_files[0], NULL), *d2;
	struct bl_store_info info;
	enum bl_put_outcome o;
	char *text = NULL;
	json_t *j;

	assert_int_equal(bl_store_put_run(s, d, &o), 0);
	assert_int_equal(o, BL_PUT_INSERTED);
	assert_int_equal(bl_store_put_run(s, d, &o), 0);
	assert_int_equal(o, BL_PUT_DUPLICATE);
	assert_string_equal(bl_put_outcome_names[o], "duplicate");

	/* same UUID in upper case, different content: still stored once */
	j = json_deep_copy(d->root);
	json_object_set_new(j, "run_id", json_string("3F6C1A52-8D2E-4B7A-9C61-0E5D2F9A1B01"));
	json_object_set_new(j, "error", json_string("changed"));
	assert_int_equal(bl_resultdoc_from_json(j, &d2, NULL, 0), 0);
	json_decref(j);
	assert_int_equal(bl_store_put_run(s, d2, &o), 0);
	assert_int_equal(o, BL_PUT_DUPLICATE_CHANGED);
	bl_resultdoc_free(d2);

	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM results"), 3);
	/* 5 reps x 2 series x 3 rows */
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM repetitions"), 30);
	assert_int_equal(bl_store_info(s, &info), 0);
	assert_int_equal(info.runs, 1);
	assert_int_equal(info.schema_version, bl_store_schema_latest());
	assert_string_equal(info.last_run_id, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01");

	/* the stored document is the whole original (extra members included) */
	assert_int_equal(bl_store_get_document(s, "3F6C1A52-8D2E-4B7A-9C61-0E5D2F9A1B01", &text), 0);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	assert_true(json_equal(j, d->root));
	assert_non_null(json_object_get(j, "fixture"));
	json_decref(j);
	free(text);
	assert_int_equal(bl_store_get_document(s, "00000000-0000-4000-8000-000000000000", &text),
			 -ENOENT);
	assert_int_equal(bl_store_get_document(s, "../etc/passwd", &text), -EINVAL);
	bl_resultdoc_free(d);
	bl_store_close(s);
}

/* The text as received is stored; the same document reformatted is a plain duplicate. */
static void test_duplicate_reformatted(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	struct bl_resultdoc *pretty = NULL, *compact = NULL;
	enum bl_put_outcome o;
	char *text = NULL, *stored = NULL, err[256];
	size_t len = 0;
	FILE *f = fopen(FIXTURES "result-6.1-force-virtio-create.json", "r");

	assert_non_null(f);
	text = calloc(1, 1 << 16);
	len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	assert_int_equal(bl_resultdoc_parse(text, len, &pretty, err, sizeof(err)), 0);
	assert_int_equal(bl_store_put_run(s, pretty, &o), 0);
	assert_int_equal(o, BL_PUT_INSERTED);
	assert_int_equal(bl_store_get_document(s, pretty->run_id, &stored), 0);
	assert_string_equal(stored, text); /* byte for byte */
	free(stored);

	free(text);
	text = json_dumps(pretty->root, JSON_COMPACT | JSON_SORT_KEYS);
	assert_int_equal(bl_resultdoc_parse(text, strlen(text), &compact, err, sizeof(err)), 0);
	assert_int_equal(bl_store_put_run(s, compact, &o), 0);
	assert_int_equal(o, BL_PUT_DUPLICATE);
	free(text);
	bl_resultdoc_free(pretty);
	bl_resultdoc_free(compact);
	bl_store_close(s);
}

/* Rows inserted several per statement: more counters and values than one statement takes. */
static void test_many_rows(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	json_error_t e;
	json_t *j = json_load_file(FIXTURES "result-6.12-force-udmabuf-import.json", 0, &e);
	json_t *row, *counters, *why, *vals;
	struct bl_resultdoc *d = NULL;
	enum bl_put_outcome o;
	char name[32];

	assert_non_null(j);
	row = json_array_get(json_object_get(j, "results"), 0);
	counters = json_object_get(row, "counters");
	why = json_object_get(row, "unavailable");
	for (int i = 0; i < 40; i++) { /* 9 + 40 counters, every 7th null */
		snprintf(name, sizeof(name), "x_extra_%02d", i);
		json_object_set_new(counters, name, i % 7 ? json_integer(i) : json_null());
	}
	for (int i = 0; i < 3; i++) { /* 3 reasons without a counter */
		snprintf(name, sizeof(name), "x_missing_%d", i);
		json_object_set_new(why, name, json_string("not on this kernel"));
	}
	vals = json_object_get(json_object_get(row, "ops_per_sec"), "values");
	for (int i = 0; i < 35; i++) /* 5 + 35 values */
		json_array_append_new(vals, json_real(1000.0 + i));
	json_object_set_new(row, "reps", json_integer(40)); /* one value per repetition */
	assert_int_equal(bl_resultdoc_from_json(j, &d, NULL, 0), 0);
	assert_int_equal(bl_store_put_run(s, d, &o), 0);
	assert_int_equal(o, BL_PUT_INSERTED);
	bl_resultdoc_free(d);
	json_decref(j);
	bl_store_close(s);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM counters c JOIN results x ON x.id = c.result_id"
					" WHERE x.idx = 0"), 9 + 40 + 3);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM counters WHERE name LIKE 'x_extra_%'"
					" AND value IS NULL"), 6);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM repetitions r JOIN results x ON x.id = r.result_id"
					" WHERE x.idx = 0 AND r.metric = 'ops_per_sec'"), 40);
	/* in order: rep 39 is the last value appended */
	assert_int_equal(sql_int(t->db, "SELECT CAST(value AS INTEGER) FROM repetitions r JOIN results x"
					" ON x.id = r.result_id WHERE x.idx = 0 AND r.metric = 'ops_per_sec'"
					" AND r.rep = 39"), 1034);
}

/*
 * bg_checkpoint: many small commits push the WAL past the threshold; the
 * helper thread (not the committing call, whose automatic checkpoint is
 * off) copies it into the database file while the handle is still open,
 * and nothing is lost or duplicated.
 */
static void test_bg_checkpoint(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = NULL;
	char err[512] = "", uuid[40], sql[128];
	struct stat st0, st;
	bool grew = false;

	if (bl_store_open(t->db, &(struct bl_store_opts){ .bg_checkpoint = true }, &s, err, sizeof(err)))
		fail_msg("open %s: %s", t->db, err);
	assert_int_equal(stat(t->db, &st0), 0);
	for (int i = 0; i < 300; i++) {
		struct bl_resultdoc *d;
		enum bl_put_outcome o;

		snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012d", i);
		d = fixture("result-6.12-force-udmabuf-import.json", uuid);
		if (bl_store_put_run(s, d, &o))
			fail_msg("put %d: %s", i, bl_store_errmsg(s));
		assert_int_equal(o, BL_PUT_INSERTED);
		bl_resultdoc_free(d);
	}
	/* The database file itself grows only by checkpoints. */
	for (int i = 0; i < 500 && !grew; i++) {
		assert_int_equal(stat(t->db, &st), 0);
		grew = st.st_size > st0.st_size;
		if (!grew)
			usleep(10000);
	}
	assert_true(grew);
	bl_store_close(s);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM runs"), 300);
	snprintf(sql, sizeof(sql), "SELECT count(DISTINCT uuid) FROM runs");
	assert_int_equal(sql_int(t->db, sql), 300);
	assert_string_equal(sql_text(t->db, "PRAGMA integrity_check", err, sizeof(err)), "ok");
}

/* Counters the kernel cannot give are NULL in the database, with their reason. */
static void test_null_counters_stay_null(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);

	put_all_fixtures(s);
	bl_store_close(s);
	/* 6.1: dma_map_sg is NULL (2 rows), with the reason */
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM counters c JOIN results x ON x.id = c.result_id"
					" JOIN runs r ON r.id = x.run_id WHERE r.uuid LIKE '9b1e44d0%'"
					" AND c.name = 'dma_map_sg' AND c.value IS NULL"
					" AND c.unavailable = 'no dma:* tracepoints on this kernel'"), 2);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM counters WHERE name = 'dma_map_sg'"
					" AND value = 0"), 0);
	/* bounce_rate NULL, not 0 */
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM results x JOIN runs r ON r.id = x.run_id"
					" WHERE r.uuid LIKE '9b1e44d0%' AND x.bounce_rate IS NULL"), 2);
	/* a reason for a non-counter (bounce_rate) is kept too */
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM counters WHERE name = 'bounce_rate'"
					" AND value IS NULL AND unavailable = 'needs dma_map_segments'"), 2);
	/* noforce: debugfs counters NULL, the measured bounces a real 0 */
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM counters WHERE name = 'io_tlb_used_peak'"
					" AND value IS NULL"), 3);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM counters c JOIN results x ON x.id = c.result_id"
					" JOIN runs r ON r.id = x.run_id WHERE r.uuid LIKE '3f6c1a52%02'"
					" AND c.name = 'swiotlb_bounced' AND c.value = 0"), 3);
	char buf[64];

	assert_string_equal(sql_text(t->db, "PRAGMA foreign_key_check", buf, sizeof(buf)), "<no row>");
	assert_string_equal(sql_text(t->db, "PRAGMA integrity_check", buf, sizeof(buf)), "ok");
}

struct collect {
	int n;
	char ids[16][37];
	int n_results;
	const char *want_null_counter;
	int null_seen, reason_seen;
	double first_rep_value;
	size_t reps;
};

static int collect_run(const struct bl_run_row *r, void *user)
{
	struct collect *c = user;

	if (c->n < 16)
		snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", r->run_id);
	c->n++;
	return 0;
}

static struct collect query(struct bl_store *s, const struct bl_run_filter *f)
{
	struct collect c;

	memset(&c, 0, sizeof(c));
	if (bl_store_query_runs(s, f, collect_run, &c))
		fail_msg("query: %s", bl_store_errmsg(s));
	return c;
}

struct filter_case {
	struct bl_run_filter f;
	int want;		/* runs matched */
	const char *first;	/* UUID prefix of the first (newest) match, or NULL */
};

static void test_filters(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	int64_t since = 0;
	/* started: ...a1b01 02:00:05, a1b02 02:01:10, 9b1e 02:05:00, c0ffee 02:10:00, 5d2a 03:00:00 */
	const struct filter_case cases[] = {
		/* no filter: all, newest first */
		{ { 0 }, 5, "5d2a7e10" },
		/* kernel series: 6.12 is not 6.1 and vice versa */
		{ { .kernel = "6.12" }, 4, "5d2a7e10" },
		{ { .kernel = "6.1" }, 1, "9b1e44d0" },
		{ { .kernel = "6" }, 5, NULL },
		{ { .kernel = "6.12.57+deb13-amd64" }, 4, NULL },
		{ { .kernel = "6.1.158" }, 1, "9b1e44d0" }, /* Debian package version */
		{ { .kernel = "6.1.15" }, 0, NULL },	    /* a prefix must end at a separator */
		{ { .kernel = "%" }, 0, NULL },		    /* no LIKE wildcards */
		/* DMA mode */
		{ { .swiotlb = "force" }, 3, "c0ffee00" },
		{ { .swiotlb = "force", .kernel = "6.12" }, 2, "c0ffee00" },
		{ { .swiotlb = "noforce" }, 1, "3f6c1a52" },
		{ { .iommu = "on" }, 1, "5d2a7e10" },
		/* SWIOTLB pool in slots (selector pool=64M): noforce has none */
		{ { .pool_slabs = 32768 }, 4, "5d2a7e10" },
		{ { .pool_slabs = 32768, .swiotlb = "force" }, 3, "c0ffee00" },
		{ { .pool_slabs = 8192 }, 0, NULL },
		/* device: driver or node; importer */
		{ { .device = "vgem" }, 3, "c0ffee00" },
		{ { .device = "/dev/dri/card0" }, 1, "9b1e44d0" },
		{ { .importer = "udmabuf" }, 2, NULL },
		/* backend, workload, job, status, host */
		{ { .backend = "dmaheap" }, 1, "c0ffee00" },
		{ { .workload = "import" }, 3, NULL },
		{ { .job = "udmabuf-import" }, 2, "3f6c1a52" },
		{ { .status = "failed" }, 1, "c0ffee00" },
		{ { .status = "timeout" }, 0, NULL },
		{ { .host = "laptop" }, 1, "5d2a7e10" },
		{ { .run_id = "9B1E44D0-7C3F-4E21-A0D4-5F8E6C2B7A03" }, 1, "9b1e44d0" },
		/* date range [since, until) */
		{ { .since = 1795140005 + 65 }, 4, NULL },	   /* from 02:01:10 */
		{ { .until = 1795140005 + 65 }, 1, "3f6c1a52" },  /* before 02:01:10 */
		{ { .since = 1795140005, .until = 1795140005 + 600 }, 4, "c0ffee00" },
		{ { .since = 1795140005, .until = 1795140005 + 595 }, 3, "9b1e44d0" },
		/* guest clock: testbed documents from before the clock was recorded are wall */
		{ { .clock = "wall" }, 4, "c0ffee00" },
		{ { .clock = "icount" }, 0, NULL },
		/* limit and order */
		{ { .limit = 2 }, 2, "5d2a7e10" },
		{ { .limit = 1, .oldest_first = true }, 1, "3f6c1a52" },
	};

	put_all_fixtures(s);
	assert_int_equal(bl_parse_time("2026-11-20T02:00:05Z", &since), 0);
	assert_int_equal(since, 1795140005);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct collect c = query(s, &cases[i].f);
		int64_t count = -1;

		if (c.n != cases[i].want)
			fail_msg("case %zu: %d runs, want %d", i, c.n, cases[i].want);
		if (cases[i].first && strncmp(c.ids[0], cases[i].first, 8))
			fail_msg("case %zu: first %s, want %s", i, c.ids[0], cases[i].first);
		if (!cases[i].f.limit) {
			assert_int_equal(bl_store_count_runs(s, &cases[i].f, &count), 0);
			assert_int_equal(count, cases[i].want);
		}
	}
	bl_store_close(s);
}

/* Reads back what names a run's mode besides swiotlb: the hypervisor and the balloon. */
static int check_xen_run(const struct bl_run_row *run, void *user)
{
	int *seen = user;

	if (!strncmp(run->run_id, "0e000000", 8)) {
		assert_null(run->hypervisor);
		assert_false(run->balloon_bytes.set);
	} else {
		assert_string_equal(run->hypervisor, "xen-pv");
		assert_int_equal(run->balloon_bytes.set, !strncmp(run->run_id, "0e000002", 8));
		if (run->balloon_bytes.set)
			assert_int_equal(run->balloon_bytes.v, 1536ll << 20);
	}
	(*seen)++;
	return 0;
}

/*
 * A bare boot, a Xen PV dom0 and a ballooned dom0, all swiotlb "default"
 * (issue 13): the filter's hypervisor and balloon tell them apart, so a
 * mode=default selection never takes a dom0.
 */
static void test_hypervisor_filter(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	static const char *const ids[] = { "0e000000-0000-4000-8000-000000000000",
					   "0e000001-0000-4000-8000-000000000000",
					   "0e000002-0000-4000-8000-000000000000" };
	const struct filter_case cases[] = {
		{ { .swiotlb = "default" }, 3, NULL },		   /* swiotlb alone pools them */
		{ { .hypervisor = "" }, 1, "0e000000" },	   /* bare metal (or a bare guest) */
		{ { .hypervisor = "xen-pv" }, 2, NULL },
		{ { .hypervisor = "xen-pv", .balloon = -1 }, 1, "0e000001" }, /* no balloon */
		{ { .hypervisor = "xen-pv", .balloon = 1536ll << 20 }, 1, "0e000002" },
		{ { .balloon = 256ll << 20 }, 0, NULL },
		{ { .hypervisor = "xen-hvm" }, 0, NULL },
	};
	int seen = 0;

	for (size_t i = 0; i < 3; i++) {
		char path[256], err[256];
		struct bl_resultdoc *d = NULL;
		enum bl_put_outcome o;
		json_t *j;

		snprintf(path, sizeof(path), FIXTURES "%s", "result-6.12-force-udmabuf-import.json");
		j = json_load_file(path, 0, NULL);
		assert_non_null(j);
		json_object_set_new(j, "run_id", json_string(ids[i]));
		json_object_set_new(json_object_get(j, "dma"), "swiotlb", json_string("default"));
		if (i > 0)
			json_object_set_new(j, "hypervisor", json_pack("{s:s, s:s}", "type", "xen", "guest_type", "PV"));
		if (i == 2)
			json_object_set_new(json_object_get(j, "testbed"), "balloon_bytes", json_integer(1536ll << 20));
		if (bl_resultdoc_from_json(j, &d, err, sizeof(err)))
			fail_msg("document %zu: %s", i, err);
		if (bl_store_put_run(s, d, &o))
			fail_msg("put %zu: %s", i, bl_store_errmsg(s));
		bl_resultdoc_free(d);
		json_decref(j);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct collect c = query(s, &cases[i].f);

		if (c.n != cases[i].want)
			fail_msg("case %zu: %d runs, want %d", i, c.n, cases[i].want);
		if (cases[i].first && strncmp(c.ids[0], cases[i].first, 8))
			fail_msg("case %zu: first %s, want %s", i, c.ids[0], cases[i].first);
	}
	assert_int_equal(bl_store_query_runs(s, NULL, check_xen_run, &seen), 0);
	assert_int_equal(seen, 3);
	bl_store_close(s);
}

static int check_result(const struct bl_run_row *run, const struct bl_result_view *v, void *user)
{
	struct collect *c = user;

	c->n_results++;
	if (!strcmp(run->kernel_release, "6.1.0-41-amd64")) {
		assert_null(run->kernel_boot_id); /* a document without kernel.boot_id */
		assert_null(v->per_rep_json); /* nor per_rep */
		/* NULL counters come back unset, with their reason */
		if (!v->counters[BL_C_DMA_MAP_SG].set)
			c->null_seen++;
		if (v->unavailable[BL_C_DMA_MAP_SG] &&
		    !strcmp(v->unavailable[BL_C_DMA_MAP_SG], "no dma:* tracepoints on this kernel"))
			c->reason_seen++;
		assert_false(v->bounce_rate.set);
		assert_string_equal(v->bounce_rate_unavailable, "needs dma_map_segments");
		assert_true(v->counters[BL_C_SWIOTLB_BOUNCED].set);
	}
	if (v->idx == 2 && !strcmp(run->run_id, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01")) {
		assert_string_equal(v->workload, "import");
		assert_string_equal(v->variant, "");
		assert_int_equal(v->size, 1048576);
		assert_int_equal(v->n_ops_per_sec, 5);
		assert_int_equal(v->n_bytes_per_sec, 5);
		c->first_rep_value = v->ops_per_sec_values[0];
		assert_true(v->bytes_per_sec_values[4] > v->bytes_per_sec_values[0]);
		assert_true(v->bounce_rate.set && v->bounce_rate.v == 1.0);
		assert_int_equal(v->counters[BL_C_SWIOTLB_BOUNCED].v, 256000);
		assert_non_null(v->per_rep_json); /* results[].per_rep, compact */
		assert_non_null(strstr(v->per_rep_json, "\"swiotlb_bounced\":[51200,51200,51200,51200,51200]"));
		assert_int_equal(v->latency_ns[BL_LAT_P99].v, 7900000);
		assert_string_equal(run->swiotlb, "force");
		assert_string_equal(run->dev_driver, "vgem");
		assert_string_equal(run->imp_driver, "udmabuf");
		assert_string_equal(run->package_version, "6.12.57-1");
		assert_string_equal(run->kernel_boot_id, "6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8");
		assert_int_equal(run->n_results, 3);
		assert_non_null(strstr(run->params_json, "\"sizes\""));
	}
	if (!strcmp(run->status, "failed") && v->size == 1048576) {
		assert_int_equal(v->failed_ops, 60);
		assert_int_equal(v->failed_errno.v, 5);
		assert_non_null(strstr(v->kernel_log_json, "swiotlb buffer is full"));
	}
	return 0;
}

static void test_query_results(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	struct collect c;

	put_all_fixtures(s);
	memset(&c, 0, sizeof(c));
	assert_int_equal(bl_store_query_results(s, NULL, check_result, &c), 0);
	assert_int_equal(c.n_results, 3 + 3 + 2 + 2);
	assert_int_equal(c.null_seen, 2);
	assert_int_equal(c.reason_seen, 2);
	/* fixture value: 1e9 / 6.1e6 * 0.98, rounded to 0.1 */
	assert_true(c.first_rep_value > 160.0 && c.first_rep_value < 161.0);
	bl_store_close(s);
}

static int stop_at_first(const struct bl_run_row *r, void *user)
{
	struct bl_store *s = user;
	struct bl_store_info info;

	/* re-entering the store from a callback is refused, not corrupting */
	assert_int_equal(bl_store_info(s, &info), -EBUSY);
	return 42;
}

static void test_callback_stops(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);

	put_all_fixtures(s);
	assert_int_equal(bl_store_query_runs(s, NULL, stop_at_first, s), 42);
	/* and the store is usable afterwards */
	assert_int_equal(query(s, NULL).n, 5);
	bl_store_close(s);
}

static int sum_bounces(const struct bl_monitor_sample *m, void *user)
{
	int64_t *sum = user;

	*sum += m->bounces;
	return 0;
}

static void test_monitor_samples(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	const int64_t t0 = 1795140000LL * 1000000000LL, ten = 10LL * 1000000000LL;
	struct bl_monitor_sample m[] = {
		{ t0 + ten, ten, "vgem", 1024, 4194304, { 1024, true }, { 1024, true },
		  { 2000, true }, { 32768, true }, { 0, false } },
		{ t0 + ten, ten, "0000:00:02.0", 7, 28672, { 0, false }, { 0, false },
		  { 2000, true }, { 32768, true }, { 0, false } },
		{ t0 + 2 * ten, ten, "vgem", 512, 2097152, { 512, true }, { 512, true },
		  { 2000, true }, { 32768, true }, { 0, false } },
	};
	int64_t sum = 0;

	assert_int_equal(bl_store_put_monitor_samples(s, m, 3), 0);
	assert_int_equal(bl_store_query_monitor(s, "vgem", 0, 0, sum_bounces, &sum), 0);
	assert_int_equal(sum, 1536);
	sum = 0;
	assert_int_equal(bl_store_query_monitor(s, NULL, t0 + ten, t0 + 2 * ten, sum_bounces, &sum), 0);
	assert_int_equal(sum, 1031);
	bl_store_close(s);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM monitor_samples WHERE map_calls IS NULL"), 1);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM monitor_samples WHERE slots_hiwater IS NULL"), 3);
}

static void test_schedule_records(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	int64_t id = 0, last = -1;

	assert_int_equal(bl_store_schedule_last(s, "nightly", &last), 0);
	assert_int_equal(last, 0); /* never ran */
	assert_int_equal(bl_store_schedule_begin(s, "nightly", "configs/jobs/nightly.ini", 1795140000,
						 1795140003, &id), 0);
	assert_true(id > 0);
	assert_int_equal(bl_store_schedule_finish(s, id, "timeout", -9, NULL, "gembench: still waiting\n",
						  "nightly: timeout after 600 s", 1795140603), 0);
	assert_int_equal(bl_store_schedule_finish(s, id + 100, "ok", 0, NULL, NULL, NULL, 0), -ENOENT);
	assert_int_equal(bl_store_schedule_finish(s, id, "bogus", 0, NULL, NULL, NULL, 0), -EINVAL);

	/* a run the daemon was in when it died stays "running" until abandoned */
	assert_int_equal(bl_store_schedule_begin(s, "nightly", "j.ini", 1795140100, 1795140101, &id), 0);
	bl_store_close(s);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM scheduled_runs WHERE status = 'running'"), 1);

	/* a restart closes it and sees the last planned time */
	s = open_ok(t->db);
	{
		int n = -1;

		assert_int_equal(bl_store_schedule_abandon(s, "daemon stopped during the run", 1795140200, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(bl_store_schedule_abandon(s, "again", 1795140300, &n), 0);
		assert_int_equal(n, 0);
	}
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM scheduled_runs WHERE status = 'failed'"
					" AND summary = 'daemon stopped during the run'"), 1);
	assert_int_equal(bl_store_schedule_last(s, "nightly", &last), 0);
	assert_int_equal(last, 1795140100);
	assert_int_equal(bl_store_schedule_last(s, "other", &last), 0);
	assert_int_equal(last, 0);
	bl_store_close(s);
}

static int count_verdicts(const struct bl_verdict *v, int64_t at, void *user)
{
	int *n = user;

	assert_int_equal(at, 1795140000);
	assert_string_equal(v->subject, "night-2026-11-20");
	(*n)++;
	return 0;
}

static void test_verdicts(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	const struct bl_verdict v[] = {
		{ "night-2026-11-20", "6.1", "import", NULL, 4096, "ops_per_sec", { 100, true },
		  { 80, true }, { -0.2, true }, { 0.01, true }, "worse", "fixture" },
		{ "night-2026-11-20", "6.1", "import", NULL, 65536, "swiotlb_bounced/op", { 16, true },
		  { 16, true }, { 0, true }, { 0, false }, "same", NULL },
	};
	int n = 0;

	assert_int_equal(bl_store_put_verdicts(s, 1795140000, v, 2), 0);
	assert_int_equal(bl_store_query_verdicts(s, "night-2026-11-20", count_verdicts, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(bl_store_query_verdicts(s, "other", count_verdicts, &n), 0);
	assert_int_equal(n, 0);
	bl_store_close(s);
}

static int collect_floor(const struct bl_noise_floor *f, void *user)
{
	double *sum = user;

	assert_string_equal(f->clock, "icount");
	assert_string_equal(f->variant, "");
	assert_int_equal(f->measured_unix, 1795140000);
	*sum += f->floor;
	return 0;
}

/* Noise floors: refused when malformed, replaced per key, selected by clock. */
static void test_noise_floors(void **state)
{
	struct tmp *t = *state;
	struct bl_store *s = open_ok(t->db);
	struct bl_noise_floor f[] = {
		{ .job = "import-udmabuf-vgem", .workload = "import", .size = 4096,
		  .metric = "ops_per_sec", .clock = "icount", .floor = 0.01, .boots = 2 },
		{ .job = "import-udmabuf-vgem", .workload = "import", .size = 4096,
		  .metric = "bounces_per_op", .clock = "icount", .floor = 0, .boots = 2 },
	};
	struct bl_noise_floor bad = f[0];
	double sum = 0;

	bad.boots = 1; /* one boot has no spread */
	assert_int_equal(bl_store_put_floors(s, 1795140000, &bad, 1), -EINVAL);
	assert_non_null(strstr(bl_store_errmsg(s), "2 boots"));
	bad = f[0];
	bad.floor = -0.5;
	assert_int_equal(bl_store_put_floors(s, 1795140000, &bad, 1), -EINVAL);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM noise_floors"), 0);

	assert_int_equal(bl_store_put_floors(s, 1795130000, f, 2), 0);
	f[0].floor = 0.03; /* recalibrated: replaces the first */
	assert_int_equal(bl_store_put_floors(s, 1795140000, f, 2), 0);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM noise_floors"), 2);
	assert_int_equal(bl_store_query_floors(s, "icount", collect_floor, &sum), 0);
	assert_float_equal(sum, 0.03, 1e-12);
	sum = 0;
	assert_int_equal(bl_store_query_floors(s, "wall", collect_floor, &sum), 0);
	assert_float_equal(sum, 0, 0);
	bl_store_close(s);
}

/* Several processes store the same 30 runs at once: each is stored exactly once. */
static void test_concurrent_writers(void **state)
{
	struct tmp *t = *state;
	enum { PROCS = 4, DOCS = 30 };
	struct bl_store *s = open_ok(t->db); /* create + migrate first */
	int inserted_total = 0;
	int fds[PROCS][2];
	pid_t pids[PROCS];

	bl_store_close(s);
	for (int p = 0; p < PROCS; p++) {
		assert_int_equal(pipe(fds[p]), 0);
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			int inserted = 0, rc = 0;

			close(fds[p][0]);
			s = open_ok(t->db);
			for (int i = 0; i < DOCS; i++) {
				char uuid[37];
				struct bl_resultdoc *d;
				enum bl_put_outcome o;

				/* each process walks the runs in a different order */
				snprintf(uuid, sizeof(uuid), "00000000-0000-4000-8000-%012d",
					 (i * 7 + p * 11) % DOCS);
				d = fixture(fixture_files[i % 3], uuid);
				if (bl_store_put_run(s, d, &o)) {
					fprintf(stderr, "child %d: %s\n", p, bl_store_errmsg(s));
					rc = 1;
				} else if (o == BL_PUT_INSERTED) {
					inserted++;
				}
				bl_resultdoc_free(d);
			}
			bl_store_close(s);
			if (write(fds[p][1], &inserted, sizeof(inserted)) != sizeof(inserted))
				rc = 1;
			_exit(rc);
		}
		close(fds[p][1]);
	}
	for (int p = 0; p < PROCS; p++) {
		int status, n = 0;

		assert_int_equal(read(fds[p][0], &n, sizeof(n)), sizeof(n));
		close(fds[p][0]);
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		inserted_total += n;
	}
	assert_int_equal(inserted_total, DOCS);
	assert_int_equal(sql_int(t->db, "SELECT count(*) FROM runs"), DOCS);
	assert_int_equal(sql_int(t->db, "SELECT count(DISTINCT uuid) FROM runs"), DOCS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_failure_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_and_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_reformatted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bg_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_counters_stay_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitor_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schedule_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verdicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noise_floors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hypervisor_filter, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
