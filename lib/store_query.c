/*
 * Reading the store: runs matching a filter (struct bl_run_filter, bound to
 * the one RUN_FROM statement), the result rows of each run with their
 * counters, reasons and repetition values, the count of matching runs, one
 * stored document by UUID, and the summary bl_store_info() gives. Callbacks
 * run while the statement is stepped: the handle refuses re-entry.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_internal.h"

static void bind_filter(sqlite3_stmt *st, const struct bl_run_filter *f)
{
	static const struct bl_run_filter none;

	if (!f)
		f = &none;
	/* Both users of RUN_FROM take its ?1..?13 and ?16..?20 (the runs query ?14, ?15). */
	assert(sqlite3_bind_parameter_count(st) >= 20);
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
	bind_text(st, 16, f->clock);
	if (f->boot > 0)
		sqlite3_bind_int64(st, 17, f->boot - 1);
	bind_text(st, 18, f->hypervisor);
	if (f->balloon)
		sqlite3_bind_int64(st, 19, f->balloon);
	if (f->pool_slabs > 0)
		sqlite3_bind_int64(st, 20, f->pool_slabs);
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
	r->testbed_clock = col_text(st, c++);
	r->testbed_boot_index = col_opt_i64(st, c++);
	r->hypervisor = col_text(st, c++);
	r->balloon_bytes = col_opt_i64(st, c++);
	/* The reader and ST_RUNS_QUERY's column list must not drift apart. */
	assert(c == sqlite3_column_count(st));
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
	sqlite3_stmt *st = store_stmt(s, ST_COUNTERS_OF_RESULT);
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
		return store_sqlerr(s, rc, "read counters");

	st = store_stmt(s, ST_REPS_OF_RESULT);
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
		return store_sqlerr(s, rc, "read repetitions");
	v->ops_per_sec_values = n[0] ? s->vals[0] : NULL;
	v->n_ops_per_sec = n[0];
	v->bytes_per_sec_values = n[1] ? s->vals[1] : NULL;
	v->n_bytes_per_sec = n[1];
	return 0;
}

static int results_of_run(struct bl_store *s, const struct bl_run_row *run, bl_result_cb cb,
			  void *user)
{
	sqlite3_stmt *st = store_stmt(s, ST_RESULTS_OF_RUN);
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
		assert(c == sqlite3_column_count(st)); /* ST_RESULTS_OF_RUN's columns, all read */
		ret = read_result_details(s, id, &v, &reasons);
		if (ret)
			break;
		ret = cb(run, &v, user);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_sqlerr(s, rc, "read results");
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

	if ((ret = store_begin_query(s)))
		return ret;
	if (!(st = store_stmt(s, ST_RUNS_QUERY)))
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
		ret = store_sqlerr(s, rc, "query runs");
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

	if ((ret = store_begin_query(s)))
		return ret;
	if (!(st = store_stmt(s, ST_RUNS_COUNT)))
		return -EIO;
	bind_filter(st, f);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	else
		ret = store_sqlerr(s, rc, "count runs");
	sqlite3_reset(st);
	return ret;
}

int bl_store_get_document(struct bl_store *s, const char *uuid, char **json)
{
	char lower[37];
	sqlite3_stmt *st;
	int rc, ret;

	*json = NULL;
	if ((ret = store_begin_query(s)))
		return ret;
	if (!bl_uuid_valid(uuid)) {
		store_seterr(s, "store: get run: \"%.40s\" is not a UUID", uuid);
		return -EINVAL;
	}
	for (int i = 0; i < 37; i++)
		lower[i] = (char)(uuid[i] >= 'A' && uuid[i] <= 'F' ? uuid[i] - 'A' + 'a' : uuid[i]);
	if (!(st = store_stmt(s, ST_RUN_DOC_BY_UUID)))
		return -EIO;
	sqlite3_bind_text(st, 1, lower, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*json = strdup(col_text(st, 0) ? col_text(st, 0) : "null");
		ret = *json ? 0 : -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		store_seterr(s, "store: run %s: not stored", lower);
		ret = -ENOENT;
	} else {
		ret = store_sqlerr(s, rc, "get run");
	}
	sqlite3_reset(st);
	return ret;
}

int bl_store_info(struct bl_store *s, struct bl_store_info *info)
{
	sqlite3_stmt *st;
	int rc, ret;

	memset(info, 0, sizeof(*info));
	if ((ret = store_begin_query(s)))
		return ret;
	if (!(st = store_stmt(s, ST_USER_VERSION)))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		info->schema_version = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, rc, "schema version");
	if (!(st = store_stmt(s, ST_INFO_COUNTS)))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		info->runs = sqlite3_column_int64(st, 0);
		info->results = sqlite3_column_int64(st, 1);
		info->monitor_samples = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, rc, "count runs");
	if (!(st = store_stmt(s, ST_INFO_LAST)))
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
		return store_sqlerr(s, rc, "last run");
	return 0;
}
