/*
 * Summaries of stored runs (see store_summary.h): the analysis' reads,
 * set-oriented.
 *
 * bl_store_query_results() runs three statements per result row (the row,
 * its counters, its repetitions): a year of nightly runs is a million rows
 * and three million statement executions. Here the rows of a list of runs
 * come from three statements in all, walking the rows in one order, and
 * are merged in step (a merge join in C): the row, then its counters, then
 * its repetition values. The list of runs is bound as one JSON array and
 * expanded by json_each(), so each statement is prepared once per call,
 * never assembled from the ids.
 *
 * Trends need one metric per run and row, not every value: the repetition
 * values are aggregated in SQL (count, mean, sum of squares) and the
 * one-value metrics computed there from the row's totals.
 *
 * Statements are prepared per call (a call reads thousands of rows) with
 * the connection lib/store.c hands out to its own files.
 */
#include "store_summary.h"
#include "log.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_internal.h"


/*
 * The three statements walk the same results in the same order: the runs
 * of ?1 (a JSON array of run ids) by id, each run's rows in the order of
 * the UNIQUE (run_id, workload, variant, size) index, which SQLite reads
 * without sorting. Counters and repetitions come joined to their row in
 * that order, so each is a subsequence of the rows and is merged in step.
 */
#define RUNS_IN "x.run_id IN (SELECT value FROM json_each(?1))"
#define ROW_ORDER "x.run_id, x.workload, x.variant, x.size"

static const char sql_rows[] =
	"SELECT x.id, x.run_id, x.idx, x.workload, x.variant, x.size, x.reps, x.ops,"
	" x.duration_ns, x.ops_per_sec_mean, x.bytes_per_sec_mean, x.bounce_rate, l.p50_ns,"
	" l.p90_ns, l.p99_ns, l.p999_ns, l.max_ns, f.ops, f.errno, f.error, f.kernel_log,"
	" x.per_rep FROM results x LEFT JOIN latency l ON l.result_id = x.id"
	" LEFT JOIN failures f ON f.result_id = x.id WHERE " RUNS_IN " ORDER BY " ROW_ORDER;
static const char sql_counters[] =
	"SELECT x.id, c.name, c.value, c.unavailable FROM results x"
	" JOIN counters c ON c.result_id = x.id WHERE " RUNS_IN " ORDER BY " ROW_ORDER;
static const char sql_reps[] =
	"SELECT x.id, p.metric, p.value FROM results x JOIN repetitions p ON p.result_id = x.id"
	" WHERE " RUNS_IN " ORDER BY " ROW_ORDER ", p.metric, p.rep";

/* ?1 the runs, ?3 the sizes (JSON arrays; NULL = all) */
#define TREND_WHERE \
	"(?1 IS NULL OR x.run_id IN (SELECT value FROM json_each(?1)))" \
	" AND (?3 IS NULL OR x.size IN (SELECT value FROM json_each(?3)))"

/* ?2: 'ops_per_sec' or 'bytes_per_sec'. The row's mean stands in when it has no values. */
static const char sql_trend_reps[] =
	"SELECT x.run_id, x.workload, x.variant, x.size, count(p.value), avg(p.value),"
	" sum(p.value * p.value), CASE ?2 WHEN 'ops_per_sec' THEN x.ops_per_sec_mean"
	" ELSE x.bytes_per_sec_mean END FROM results x"
	" LEFT JOIN repetitions p ON p.result_id = x.id AND p.metric = ?2"
	" WHERE " TREND_WHERE " GROUP BY x.id ORDER BY x.id";

#define COUNTER(name) "(SELECT c.value FROM counters c WHERE c.result_id = x.id AND c.name = '" name "')"
/* ?2: the metric; the same definitions as analysis/compare.h's samples, one value per row. */
static const char sql_trend_one[] =
	"SELECT x.run_id, x.workload, x.variant, x.size, CASE ?2"
	" WHEN 'latency_p50_ns' THEN l.p50_ns WHEN 'latency_p90_ns' THEN l.p90_ns"
	" WHEN 'latency_p99_ns' THEN l.p99_ns WHEN 'latency_p999_ns' THEN l.p999_ns"
	" WHEN 'latency_max_ns' THEN l.max_ns WHEN 'bounce_rate' THEN x.bounce_rate"
	" WHEN 'failed_ops' THEN ifnull(f.ops, 0)"
	" WHEN 'bounces_per_op' THEN " COUNTER("swiotlb_bounced") " * 1.0 / nullif(x.ops, 0)"
	" WHEN 'segments_per_op' THEN " COUNTER("dma_map_segments") " * 1.0 / nullif(x.ops, 0)"
	" WHEN 'sync_mib_per_op' THEN " COUNTER("dma_sync_bytes") " / 1048576.0 / nullif(x.ops, 0)"
	" WHEN 'slots_peak' THEN " COUNTER("io_tlb_used_peak") " - " COUNTER("io_tlb_used_before")
	" WHEN 'slots_after' THEN " COUNTER("io_tlb_used_after") " - " COUNTER("io_tlb_used_before")
	" END FROM results x LEFT JOIN latency l ON l.result_id = x.id"
	" LEFT JOIN failures f ON f.result_id = x.id"
	" WHERE " TREND_WHERE " ORDER BY x.id";
#undef COUNTER

static const char *const one_value_metrics[] = {
	"latency_p50_ns", "latency_p90_ns", "latency_p99_ns", "latency_p999_ns", "latency_max_ns",
	"bounce_rate", "failed_ops", "bounces_per_op", "segments_per_op", "sync_mib_per_op", "slots_peak",
	"slots_after", NULL,
};

static int sql_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_NOMEM: return -ENOMEM;
	default: return -EIO;
	}
}

/* "store: summary <what>: <sqlite's reason>" into @err; the -errno of @rc. */
static int sqlfail(sqlite3 *db, int rc, const char *what, char *err, size_t errlen)
{
	bl_seterr(err, errlen, "store: summary %s: %s", what, sqlite3_errmsg(db));
	return sql_errno(rc);
}

/* "[1,2,3]": run ids (or sizes) as the JSON array a statement takes. NULL when out of memory. */
static char *ids_json(const int64_t *ids, size_t n)
{
	size_t cap = n * 21 + 3, off = 0;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	buf[off++] = '[';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s%" PRId64, i ? "," : "", ids[i]);
	snprintf(buf + off, cap - off, "]");
	return buf;
}

/* Prepares @sql with the ids bound to ?1 (the JSON text, owned by the caller). */
static int prepare(sqlite3 *db, const char *sql, const char *ids, sqlite3_stmt **st,
		   const char *what, char *err, size_t errlen)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);

	if (rc != SQLITE_OK)
		return sqlfail(db, rc, what, err, errlen);
	sqlite3_bind_text(*st, 1, ids, -1, SQLITE_STATIC);
	return 0;
}

/* A statement read in step with the rows: its current row's result id, or none left. */
struct cursor {
	sqlite3_stmt *st;
	int rc;	    /* of the last step: SQLITE_ROW while rows are left */
	int64_t id; /* result id of the current row */
};

static void cursor_step(struct cursor *c)
{
	c->rc = sqlite3_step(c->st);
	c->id = c->rc == SQLITE_ROW ? sqlite3_column_int64(c->st, 0) : -1;
}

/*
 * Is @c at a row of result @id? The cursor walks the rows' order, so when
 * it is elsewhere it is at a later row's: this one has none.
 */
static bool cursor_at(const struct cursor *c, int64_t id)
{
	return c->rc == SQLITE_ROW && c->id == id;
}

/* Growing arrays for one row's repetition values (ops_per_sec, bytes_per_sec). */
struct series {
	double *v;
	size_t n, cap;
};

static int series_push(struct series *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		double *p = realloc(s->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

/* The reasons of one row, copied: the counters cursor moves on before the callback. */
struct reasons {
	char text[BL_COUNTER_COUNT + 1][160]; /* the counters', then bounce_rate's */
};

/* Fills @v's counters (and their reasons) from the counters cursor, at result @id. */
static void read_counters(struct cursor *c, int64_t id, struct bl_result_view *v,
			  struct reasons *rb)
{
	for (; cursor_at(c, id); cursor_step(c)) {
		const char *name = col_text(c->st, 1), *why = col_text(c->st, 3);

		if (!name)
			continue;
		if (!strcmp(name, "bounce_rate") && why) {
			snprintf(rb->text[BL_COUNTER_COUNT], sizeof(rb->text[0]), "%s", why);
			v->bounce_rate_unavailable = rb->text[BL_COUNTER_COUNT];
		}
		for (int i = 0; i < BL_COUNTER_COUNT; i++) {
			if (strcmp(name, bl_counter_names[i]))
				continue;
			v->counters[i] = col_opt_i64(c->st, 2);
			if (why) {
				snprintf(rb->text[i], sizeof(rb->text[i]), "%s", why);
				v->unavailable[i] = rb->text[i];
			}
		}
	}
}

/* Fills @v's repetition values from the repetitions cursor, at result @id. */
static int read_reps(struct cursor *c, int64_t id, struct bl_result_view *v, struct series sv[2])
{
	sv[0].n = sv[1].n = 0;
	for (; cursor_at(c, id); cursor_step(c)) {
		const char *metric = col_text(c->st, 1);
		int which = metric && !strcmp(metric, "bytes_per_sec") ? 1 :
			    metric && !strcmp(metric, "ops_per_sec")   ? 0 :
									 -1;

		if (which >= 0 && series_push(&sv[which], sqlite3_column_double(c->st, 2)) < 0)
			return -ENOMEM;
	}
	v->ops_per_sec_values = sv[0].n ? sv[0].v : NULL;
	v->n_ops_per_sec = sv[0].n;
	v->bytes_per_sec_values = sv[1].n ? sv[1].v : NULL;
	v->n_bytes_per_sec = sv[1].n;
	return 0;
}

int bl_store_summary_rows(struct bl_store *s, const int64_t *ids, size_t n, bl_summary_row_cb cb,
			  void *user, char *err, size_t errlen)
{
	sqlite3 *db = s->db;
	sqlite3_stmt *rows = NULL;
	struct cursor cc = { 0 }, rc = { 0 };
	struct series sv[2] = { { 0 } };
	struct reasons *rb = malloc(sizeof(*rb));
	char *json = ids_json(ids, n);
	int step = SQLITE_DONE, ret;

	if (!json || !rb) {
		ret = -ENOMEM;
		bl_seterr(err, errlen, "store: summary rows: out of memory");
		goto out;
	}
	if ((ret = prepare(db, sql_rows, json, &rows, "rows", err, errlen)) ||
	    (ret = prepare(db, sql_counters, json, &cc.st, "counters", err, errlen)) ||
	    (ret = prepare(db, sql_reps, json, &rc.st, "repetitions", err, errlen)))
		goto out;
	cursor_step(&cc);
	cursor_step(&rc);
	while ((step = sqlite3_step(rows)) == SQLITE_ROW) {
		struct bl_result_view v;
		int64_t id = sqlite3_column_int64(rows, 0);
		int c = 1;

		memset(&v, 0, sizeof(v));
		v.run = sqlite3_column_int64(rows, c++);
		v.idx = sqlite3_column_int(rows, c++);
		v.workload = col_text(rows, c++);
		v.variant = col_text(rows, c++);
		v.size = sqlite3_column_int64(rows, c++);
		v.reps = sqlite3_column_int64(rows, c++);
		v.ops = sqlite3_column_int64(rows, c++);
		v.duration_ns = sqlite3_column_int64(rows, c++);
		v.ops_per_sec_mean = col_opt_f64(rows, c++);
		v.bytes_per_sec_mean = col_opt_f64(rows, c++);
		v.bounce_rate = col_opt_f64(rows, c++);
		for (int i = 0; i < BL_LAT_COUNT; i++)
			v.latency_ns[i] = col_opt_i64(rows, c++);
		v.failed_ops = sqlite3_column_int64(rows, c++);
		v.failed_errno = col_opt_i64(rows, c++);
		v.failed_error = col_text(rows, c++);
		v.kernel_log_json = col_text(rows, c++);
		v.per_rep_json = col_text(rows, c++);
		read_counters(&cc, id, &v, rb);
		if ((ret = read_reps(&rc, id, &v, sv))) {
			bl_seterr(err, errlen, "store: summary rows: out of memory");
			break;
		}
		if ((ret = cb(&v, user)))
			break;
	}
	if (!ret && step != SQLITE_DONE)
		ret = sqlfail(db, step, "rows", err, errlen);
	else if (!ret && cc.rc != SQLITE_DONE && cc.rc != SQLITE_ROW)
		ret = sqlfail(db, cc.rc, "counters", err, errlen);
	else if (!ret && rc.rc != SQLITE_DONE && rc.rc != SQLITE_ROW)
		ret = sqlfail(db, rc.rc, "repetitions", err, errlen);
out:
	sqlite3_finalize(rows);
	sqlite3_finalize(cc.st);
	sqlite3_finalize(rc.st);
	free(sv[0].v);
	free(sv[1].v);
	free(rb);
	free(json);
	return ret;
}

int bl_store_summary_trend(struct bl_store *s, const int64_t *ids, size_t n, const int64_t *sizes,
			   size_t nsizes, const char *metric, bl_trend_cb cb, void *user, char *err,
			   size_t errlen)
{
	sqlite3 *db = s->db;
	bool reps = metric && (!strcmp(metric, "ops_per_sec") || !strcmp(metric, "mib_per_sec"));
	bool one = false;
	double scale = metric && !strcmp(metric, "mib_per_sec") ? 1.0 / (1 << 20) : 1.0;
	sqlite3_stmt *st = NULL;
	char *json = NULL, *jsizes = NULL;
	int step = SQLITE_DONE, ret;

	for (const char *const *m = one_value_metrics; metric && *m && !one; m++)
		one = !strcmp(*m, metric);
	if (!reps && !one) {
		bl_seterr(err, errlen, "store: summary trend: no aggregate for metric '%s'",
		       metric ? metric : "(null)");
		return -EINVAL;
	}
	if (ids && !n)
		return 0; /* no runs: no rows */
	json = ids ? ids_json(ids, n) : NULL;
	jsizes = sizes ? ids_json(sizes, nsizes) : NULL;
	if ((ids && !json) || (sizes && !jsizes)) {
		bl_seterr(err, errlen, "store: summary trend: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ret = prepare(db, reps ? sql_trend_reps : sql_trend_one, json, &st, "trend", err, errlen);
	if (ret)
		goto out;
	sqlite3_bind_text(st, 3, jsizes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reps ? (scale == 1.0 ? "ops_per_sec" : "bytes_per_sec") : metric,
			  -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct bl_trend_point p = {
			.run = sqlite3_column_int64(st, 0),
			.workload = col_text(st, 1),
			.variant = col_text(st, 2),
			.size = sqlite3_column_int64(st, 3),
		};

		if (one) {
			if (sqlite3_column_type(st, 4) == SQLITE_NULL)
				continue; /* the kernel could not tell: left out, never 0 */
			p.n = 1;
			p.mean = sqlite3_column_double(st, 4);
		} else if (sqlite3_column_int64(st, 4) > 0) {
			double k = (double)sqlite3_column_int64(st, 4), m = sqlite3_column_double(st, 5);
			double var = (sqlite3_column_double(st, 6) - k * m * m) / (k - 1);

			p.n = (size_t)k;
			p.mean = m * scale;
			p.sd = k > 1 && var > 0 ? sqrt(var) * scale : 0;
		} else if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
			p.n = 1; /* no repetition values: the row's mean */
			p.mean = sqlite3_column_double(st, 7) * scale;
		} else {
			continue;
		}
		if ((ret = cb(&p, user)))
			break;
	}
	if (!ret && step != SQLITE_DONE)
		ret = sqlfail(db, step, "trend", err, errlen);
out:
	sqlite3_finalize(st);
	free(json);
	free(jsizes);
	return ret;
}

int bl_store_summary_newest(struct bl_store *s, int64_t *t, char *err, size_t errlen)
{
	sqlite3 *db = s->db;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT max(started_unix) FROM runs", -1, &st, NULL);

	*t = 0;
	if (rc != SQLITE_OK)
		return sqlfail(db, rc, "newest", err, errlen);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : sqlfail(db, rc, "newest", err, errlen);
}

/* Only columns stored before runs.document: reading them never walks its overflow pages. */
static const char sql_runs[] =
	"SELECT r.id, r.uuid, r.started_at, r.started_unix, r.job_name, k.release, b.swiotlb,"
	" b.iommu, d.driver, d.node, i.driver, i.node, r.testbed_clock, r.kernel_boot_id, r.hypervisor,"
	" r.balloon_bytes FROM runs r"
	" LEFT JOIN boots b ON b.id = r.boot_id LEFT JOIN kernels k ON k.id = b.kernel_id"
	" LEFT JOIN devices d ON d.id = r.device_id LEFT JOIN devices i ON i.id = r.importer_id"
	" ORDER BY r.started_unix, r.id";

int bl_store_summary_runs(struct bl_store *s, bl_run_cb cb, void *user, char *err, size_t errlen)
{
	sqlite3 *db = s->db;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql_runs, -1, &st, NULL), ret = 0;

	if (rc != SQLITE_OK)
		return sqlfail(db, rc, "runs", err, errlen);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct bl_run_row r;
		int c = 0;

		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(st, c++);
		r.run_id = col_text(st, c++);
		r.started_at = col_text(st, c++);
		r.started_unix = sqlite3_column_int64(st, c++);
		r.job = col_text(st, c++);
		r.kernel_release = col_text(st, c++);
		r.swiotlb = col_text(st, c++);
		r.iommu = col_text(st, c++);
		r.dev_driver = col_text(st, c++);
		r.dev_node = col_text(st, c++);
		r.imp_driver = col_text(st, c++);
		r.imp_node = col_text(st, c++);
		r.testbed_clock = col_text(st, c++);
		r.kernel_boot_id = col_text(st, c++);
		r.hypervisor = col_text(st, c++);
		r.balloon_bytes = col_opt_i64(st, c++);
		assert(c == sqlite3_column_count(st)); /* every column read */
		if ((ret = cb(&r, user)))
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlfail(db, rc, "runs", err, errlen);
	sqlite3_finalize(st);
	return ret;
}
