/*
 * store_bare_loop: the baseline for the ingest throughput benchmark.
 *
 * Stores N copies of a result document (distinct run UUIDs) with the store
 * in a bare C loop, all in ONE transaction (bl_store_put_runs: cached
 * prepared statements, one BEGIN/COMMIT), and prints documents per second.
 * The HTTP benchmark divides its rate by this one. It also prints, for
 * context, the parse+validate rate (what the daemon does per body before
 * storing; all documents held, and one at a time parsed and freed) and
 * the rate with one transaction per document.
 *
 * Output is key=value lines, one per figure, for scripts:
 *   bare_loop_docs_per_sec=...   the baseline (insert only, one transaction)
 *   bare_loop_docs_per_cpu_sec=  the same per second of this process's CPU time
 *                                (steadier than wall time on a busy machine)
 *
 * usage: store_bare_loop [-n N] [--db PATH] [--doc FILE] [--sync-full]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "resultdoc.h"
#include "store.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this process: less disturbed than wall time on a shared machine. */
static double cpu_s(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* The rows one document becomes (run + per row: result, repetitions, counters, latency, failures). */
static long rows_of(const struct bl_resultdoc *d)
{
	long rows = 1;

	for (size_t i = 0; i < d->n_results; i++) {
		const struct bl_result_row *r = &d->results[i];

		rows += 1 + (long)r->ops_per_sec.n_values + (long)r->bytes_per_sec.n_values +
			(long)json_object_size(r->counters_json) + 1 /* latency */ +
			(r->failed_ops || r->kernel_log ? 1 : 0);
	}
	return rows;
}

/* @n documents as JSON text, each the template with its own run_id. */
static char **make_texts(json_t *tmpl, int n, int salt)
{
	char **texts = calloc((size_t)n, sizeof(*texts));

	if (!texts)
		return NULL;
	for (int i = 0; i < n; i++) {
		char uuid[37];

		snprintf(uuid, sizeof(uuid), "%08x-0000-4000-8000-%012d", (unsigned)salt, i);
		json_object_set_new(tmpl, "run_id", json_string(uuid));
		texts[i] = json_dumps(tmpl, JSON_COMPACT);
		if (!texts[i])
			return NULL;
	}
	return texts;
}

static int parse_all(char **texts, int n, struct bl_resultdoc **docs)
{
	for (int i = 0; i < n; i++) {
		char err[256];

		if (bl_resultdoc_parse(texts[i], strlen(texts[i]), &docs[i], err, sizeof(err))) {
			fprintf(stderr, "store_bare_loop: document %d: %s\n", i, err);
			return -EINVAL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "doc", required_argument, NULL, 'f' },
		{ "sync-full", no_argument, NULL, 'F' },
		{ 0 },
	};
	const char *doc_path = "tests/fixtures/result-6.12-force-udmabuf-import.json";
	char db_buf[64] = "", err[512];
	const char *db = NULL;
	struct bl_store_opts so = { 0 };
	struct bl_store *s = NULL;
	struct bl_resultdoc **docs = NULL, **docs2 = NULL;
	enum bl_put_outcome *out = NULL;
	char **texts = NULL, **texts2 = NULL;
	json_error_t jerr;
	json_t *tmpl = NULL;
	double t0, c0, t_parse, t_bare, t_each, c_bare, t_cycle;
	int n = 2000, c, ret = 1;

	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'd': db = optarg; break;
		case 'f': doc_path = optarg; break;
		case 'F': so.sync_full = true; break;
		default:
			fprintf(stderr, "usage: store_bare_loop [-n N] [--db PATH] [--doc FILE] [--sync-full]\n");
			return 2;
		}
	}
	if (n <= 0)
		return 2;
	if (!db) {
		/* a fresh database in a fresh folder, removed at the end */
		snprintf(db_buf, sizeof(db_buf), "/tmp/bl-bare-loop-XXXXXX");
		if (!mkdtemp(db_buf)) {
			perror("store_bare_loop: mkdtemp");
			return 1;
		}
		strcat(db_buf, "/bare.db");
		db = db_buf;
	}
	tmpl = json_load_file(doc_path, 0, &jerr);
	if (!tmpl) {
		fprintf(stderr, "store_bare_loop: %s: %s\n", doc_path, jerr.text);
		goto out;
	}
	texts = make_texts(tmpl, n, 0xba5e);
	texts2 = make_texts(tmpl, n, 0xeac4);
	docs = calloc((size_t)n, sizeof(*docs));
	docs2 = calloc((size_t)n, sizeof(*docs2));
	out = calloc((size_t)n, sizeof(*out));
	if (!texts || !texts2 || !docs || !docs2 || !out) {
		fprintf(stderr, "store_bare_loop: out of memory\n");
		goto out;
	}
	if (bl_store_open(db, &so, &s, err, sizeof(err))) {
		fprintf(stderr, "store_bare_loop: %s\n", err);
		goto out;
	}

	/* parse + validate (not part of the baseline; the HTTP path does it too) */
	t0 = now_s();
	if (parse_all(texts, n, docs))
		goto out;
	t_parse = now_s() - t0;

	/* the baseline: every document's rows in one transaction */
	t0 = now_s();
	c0 = cpu_s();
	if (bl_store_put_runs(s, docs, (size_t)n, out)) {
		fprintf(stderr, "store_bare_loop: %s\n", bl_store_errmsg(s));
		goto out;
	}
	t_bare = now_s() - t0;
	c_bare = cpu_s() - c0;
	for (int i = 0; i < n; i++) {
		if (out[i] != BL_PUT_INSERTED) {
			fprintf(stderr, "store_bare_loop: document %d was not inserted\n", i);
			goto out;
		}
	}

	/* for context: parse, validate and free one document at a time, as a server does */
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		struct bl_resultdoc *d = NULL;

		if (bl_resultdoc_parse(texts2[i], strlen(texts2[i]), &d, err, sizeof(err))) {
			fprintf(stderr, "store_bare_loop: document %d: %s\n", i, err);
			goto out;
		}
		bl_resultdoc_free(d);
	}
	t_cycle = now_s() - t0;

	/* for context: one transaction (one commit) per document */
	if (parse_all(texts2, n, docs2))
		goto out;
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		if (bl_store_put_run(s, docs2[i], &out[i]) || out[i] != BL_PUT_INSERTED) {
			fprintf(stderr, "store_bare_loop: %s\n", bl_store_errmsg(s));
			goto out;
		}
	}
	t_each = now_s() - t0;

	printf("docs=%d\n", n);
	printf("rows_per_doc=%ld\n", rows_of(docs[0]));
	printf("synchronous=%s\n", so.sync_full ? "FULL" : "NORMAL");
	printf("bare_loop_seconds=%.4f\n", t_bare);
	printf("bare_loop_docs_per_sec=%.1f\n", n / t_bare);
	printf("bare_loop_cpu_seconds=%.4f\n", c_bare);
	printf("bare_loop_docs_per_cpu_sec=%.1f\n", n / c_bare);
	printf("parse_validate_docs_per_sec=%.1f\n", n / t_parse);
	printf("parse_validate_free_docs_per_sec=%.1f\n", n / t_cycle);
	printf("txn_per_doc_docs_per_sec=%.1f\n", n / t_each);
	ret = 0;
out:
	bl_store_close(s);
	for (int i = 0; i < n; i++) {
		if (docs)
			bl_resultdoc_free(docs[i]);
		if (docs2)
			bl_resultdoc_free(docs2[i]);
		if (texts)
			free(texts[i]);
		if (texts2)
			free(texts2[i]);
	}
	free(docs);
	free(docs2);
	free(texts);
	free(texts2);
	free(out);
	json_decref(tmpl);
	if (*db_buf) {
		char path[96];

		unlink(db_buf);
		snprintf(path, sizeof(path), "%s-wal", db_buf);
		unlink(path);
		snprintf(path, sizeof(path), "%s-shm", db_buf);
		unlink(path);
		*strrchr(db_buf, '/') = '\0';
		rmdir(db_buf);
	}
	return ret;
}
