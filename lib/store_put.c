/*
 * Storing runs (bl_store_put_runs): one validated result document becomes
 * its identity rows (host, kernel, boot, devices: looked up, inserted when
 * missing), the run row with the document's text, and per result row the
 * result, its repetitions, counters, latency and failure. A batch is one
 * BEGIN IMMEDIATE transaction; any error rolls the whole batch back.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store_internal.h"

const char *const bl_put_outcome_names[] = {
	[BL_PUT_INSERTED] = "inserted",
	[BL_PUT_DUPLICATE] = "duplicate",
	[BL_PUT_DUPLICATE_CHANGED] = "duplicate-changed",
};

/*
 * Repetitions and counters, the most numerous rows, are inserted up to
 * MULTI_MAX rows per statement: one step instead of one per row. The
 * statement for k rows is generated once from a fixed pattern (the table's
 * INSERT head and k "(?, ?, ?, ?)" tuples) and cached like the others.
 */
static const char *const multi_head[MULTI_COUNT] = {
	[MULTI_REPS] = "INSERT INTO repetitions (result_id, metric, rep, value) VALUES ",
	[MULTI_COUNTERS] = "INSERT INTO counters (result_id, name, value, unavailable) VALUES ",
};

/* Looks up an identity row and inserts it when missing: @bind binds both statements alike. */
static int get_or_insert(struct bl_store *s, enum stmt_id get, enum stmt_id ins, const char *what,
			 void (*bind)(sqlite3_stmt *, const void *), const void *arg, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, get);
	int err;

	if (!st)
		return -EIO;
	bind(st, arg);
	err = store_select_id(s, st, what, id);
	if (err || *id)
		return err;
	st = store_stmt(s, ins);
	if (!st)
		return -EIO;
	bind(st, arg);
	err = store_exec(s, st, what);
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
	sqlite3_stmt *st;
	size_t len;
	int rc;

	assert(id < MULTI_COUNT && k >= 1 && k <= MULTI_MAX);
	st = s->multi[id][k];
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
		store_sqlerr(s, rc, "prepare");
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
		err = store_exec(s, st, "insert repetitions");
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
		err = store_exec(s, st, "insert counters");
	}
	free(rows);
	return err;
}

static int put_result(struct bl_store *s, int64_t run, size_t idx, const struct bl_result_row *r)
{
	sqlite3_stmt *st = store_stmt(s, ST_RESULT_INS);
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
	err = store_exec(s, st, "insert result");
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
		if (!(st = store_stmt(s, ST_LAT_INS)))
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		for (int i = 0; i < BL_LAT_COUNT; i++)
			bind_opt_i64(st, 2 + i, r->latency_ns[i]);
		if ((err = store_exec(s, st, "insert latency")))
			return err;
	}

	if (r->failed_ops || r->failed_errno.set || r->failed_error || r->kernel_log) {
		char *log = r->kernel_log ? json_dumps(r->kernel_log, JSON_COMPACT) : NULL;

		if (!(st = store_stmt(s, ST_FAIL_INS))) {
			free(log);
			return -EIO;
		}
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, r->failed_ops);
		bind_opt_i64(st, 3, r->failed_errno);
		bind_text(st, 4, r->failed_error);
		bind_text(st, 5, log);
		err = store_exec(s, st, "insert failures");
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
		store_seterr(s, "store: run %s: cannot serialise the document", d->run_id);
		return -ENOMEM;
	}
	/* Stored already? Then nothing is written; say whether the content differs. */
	if (!(st = store_stmt(s, ST_RUN_DOC_BY_UUID))) {
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
		err = store_sqlerr(s, rc, "look up run");
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
	if (!(st = store_stmt(s, ST_RUN_INS))) {
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
	bind_text(st, 20, d->testbed_clock);
	bind_opt_i64(st, 21, d->testbed_boot_index);
	bind_text(st, 22, d->hypervisor);
	bind_opt_i64(st, 23, d->balloon_bytes);
	if ((err = store_exec(s, st, "insert run")))
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
		store_seterr(s, "%s (run %s)", tmp, d->run_id);
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
		store_seterr(s, "store: put run: called from a query callback");
		return -EBUSY;
	}
	if ((err = store_exec_id(s, ST_BEGIN, "begin")))
		return err;
	for (size_t i = 0; i < n; i++) {
		if ((err = put_one(s, docs[i], &outcomes[i]))) {
			store_rollback(s);
			return err;
		}
	}
	if ((err = store_exec_id(s, ST_COMMIT, "commit"))) {
		store_rollback(s);
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
