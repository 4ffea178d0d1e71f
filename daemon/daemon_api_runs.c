/*
 * /api/v1/runs (see daemon_http.h): the runs a selector picks, one stored
 * document, and ingest.
 *
 * Which runs: the query parameters are a selector, the same one the CLI
 * takes (analysis/compare.h: kernel=6.12&mode=force&last=5 is the API's
 * form of "kernel=6.12,mode=force,last=5"); every key goes through
 * bl_selector_set(), so the CLI and the API accept the same keys with the
 * same values and say the same about a bad one. order=oldest|newest is the
 * API's own (how to sort, not which runs).
 *
 * Ingest, with group commit: a POST body is parsed and validated on the
 * loop when it is small (PARSE_INLINE_MAX: a typical document takes
 * ~60 us, less than two thread hand-offs cost here) and on the parse pool
 * (daemon_parse.h) otherwise; bld_api_on_parsed() answers 400/413 without
 * touching the store and queues valid documents for the writer thread
 * (daemon_writer.h), which commits everything queued with one
 * bl_store_put_runs() transaction each time it is idle. Only then, in
 * bld_api_on_written(), does each client get its 201 (or 200 for a UUID
 * already stored); if the commit fails, every client of the batch gets 503
 * and may retry (a retried UUID that did make it is answered 200, never
 * stored twice).
 */
#include "daemon_api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "compare.h"
#include "daemon.h"
#include "daemon_auth.h"
#include "daemon_latest.h"
#include "daemon_parse.h"
#include "daemon_writer.h"
#include "log.h"
#include "resultdoc.h"
#include "store.h"

/* --- which runs: the query is a selector -------------------------------------- */

int bld_runs_query(const struct evkeyvalq *q, struct bl_selector *sel, char *err, size_t errlen)
{
	const char *last_as = "last"; /* the name the client gave last= (for the cap's message) */
	bool oldest_first = false;
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, q, next) {
		const char *key = kv->key; /* run_id and limit are the selector's aliases of run and last */
		char why[384];
		int ret;

		if (!strcmp(kv->key, "order")) { /* the API's own: not which runs, how sorted */
			if (strcmp(kv->value, "oldest") && strcmp(kv->value, "newest")) {
				snprintf(err, errlen, "order: expected oldest or newest");
				return -EINVAL;
			}
			oldest_first = !strcmp(kv->value, "oldest");
			continue;
		}
		/* A selector is comma separated: a comma in a value would be a second key. */
		if (strchr(kv->value, ',')) {
			snprintf(err, errlen, "%.64s: a value cannot contain ','", kv->key);
			return -EINVAL;
		}
		ret = bl_selector_set(sel, key, kv->value, why, sizeof(why));
		if (ret == -ENOMEM)
			return ret;
		if (ret < 0) {
			snprintf(err, errlen, "%s", why);
			return -EINVAL;
		}
		if (!strcmp(key, "last") || !strcmp(key, "limit"))
			last_as = kv->key;
	}
	if (!sel->filter.limit) {
		sel->filter.limit = BLD_RUNS_LIMIT_DEFAULT;
	} else if (sel->filter.limit > BLD_RUNS_LIMIT_MAX) {
		snprintf(err, errlen, "%s: at most %d runs per answer", last_as, BLD_RUNS_LIMIT_MAX);
		return -EINVAL;
	}
	sel->filter.oldest_first = oldest_first;
	return 0;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int run_to_json(const struct bl_run_row *run, void *user)
{
	json_t *arr = user;
	json_t *o = json_object();

	/* One field per line: a long json_pack format is checked only by eye. */
	if (!o || json_object_set_new(o, "run_id", jstr(run->run_id)) ||
	    json_object_set_new(o, "status", jstr(run->status)) ||
	    json_object_set_new(o, "error", jstr(run->error)) ||
	    json_object_set_new(o, "started_at", jstr(run->started_at)) ||
	    json_object_set_new(o, "finished_at", jstr(run->finished_at)) ||
	    json_object_set_new(o, "stored_at", jstr(run->stored_at)) ||
	    json_object_set_new(o, "job", jstr(run->job)) ||
	    json_object_set_new(o, "backend", jstr(run->backend)) ||
	    json_object_set_new(o, "workload", jstr(run->workload)) ||
	    json_object_set_new(o, "host", jstr(run->hostname)) ||
	    json_object_set_new(o, "kernel", jstr(run->kernel_release)) ||
	    json_object_set_new(o, "swiotlb", jstr(run->swiotlb)) ||
	    json_object_set_new(o, "iommu", jstr(run->iommu)) ||
	    json_object_set_new(o, "device", jstr(run->dev_driver)) ||
	    json_object_set_new(o, "importer", jstr(run->imp_driver)) ||
	    json_object_set_new(o, "results", json_integer(run->n_results)) ||
	    json_object_set_new(o, "boot_id", jstr(run->kernel_boot_id)) ||
	    json_array_append_new(arr, o)) {
		json_decref(o);
		return -ENOMEM;
	}
	return 0;
}

void bld_api_list_runs(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		       const char *arg, struct bld_reply *r)
{
	struct evkeyvalq q;
	struct bl_selector sel;
	char err[512];
	json_t *arr = NULL;
	int ret;

	if (bld_query_parse(req, &q, r) < 0)
		return;
	ret = bl_selector_parse("", &sel, err, sizeof(err));
	if (ret < 0) {
		bld_reply_error(r, 503, "Service Unavailable", "selector: out of memory");
		goto out_query;
	}
	ret = bld_runs_query(&q, &sel, err, sizeof(err));
	if (ret == -ENOMEM) {
		bld_reply_error(r, 503, "Service Unavailable", "selector: out of memory");
		goto out;
	}
	if (ret < 0) {
		bld_reply_error(r, 400, "Bad Request", err);
		goto out;
	}
	arr = json_array();
	ret = arr ? bl_store_query_runs(ctx->store, &sel.filter, run_to_json, arr) : -ENOMEM;
	if (ret < 0) {
		json_decref(arr);
		snprintf(err, sizeof(err), "store: query runs: %s", bl_store_errmsg(ctx->store));
		bld_reply_error(r, 503, "Service Unavailable", err);
		goto out;
	}
	bld_reply_json(r, 200, "OK",
		       json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(arr), "runs", arr));
out:
	bl_selector_free(&sel);
out_query:
	evhttp_clear_headers(&q);
}

/* --- one document -------------------------------------------------------------- */

void bld_api_get_run(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		     const char *uuid, struct bld_reply *r)
{
	char *doc = NULL;
	char err[256];
	int ret;

	if (!bl_uuid_valid(uuid)) {
		bld_reply_error(r, 400, "Bad Request", "run_id: not a UUID (8-4-4-4-12 hex)");
		return;
	}
	ret = bl_store_get_document(ctx->store, uuid, &doc);
	if (ret == -ENOENT) {
		bld_reply_error(r, 404, "Not Found", "run_id: no such run");
		return;
	}
	if (ret < 0) {
		snprintf(err, sizeof(err), "store: get %s: %s", uuid, bl_store_errmsg(ctx->store));
		bld_reply_error(r, 503, "Service Unavailable", err);
		return;
	}
	r->code = 200;
	r->reason = "OK";
	r->content_type = "application/json";
	evbuffer_add(r->body, doc, strlen(doc));
	free(doc);
}

/* --- ingest -------------------------------------------------------------------- */

/*
 * Bodies up to this size are parsed on the loop: about 1 ms of jansson at
 * most, and no hand-off to the pool and back. Larger ones go to the pool
 * (when parse_threads > 0) so that the loop keeps serving meanwhile.
 */
#define PARSE_INLINE_MAX (64 * 1024)

void bld_api_post_run(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		      const char *arg, struct bld_reply *r)
{
	struct bld_http *h = ctx->http;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *auth;
	char *text;

	auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (l->auth_writes && !bld_auth_ok(auth, ctx->token)) {
		ctx->stats.auth_refused++;
		r->www_auth = true;
		bld_reply_error(r, 401, "Unauthorized",
				"authorization: a valid bearer token is required for writes");
		return;
	}
	if (len > ctx->cfg.max_body || len > BL_RESULTDOC_MAX_BYTES) {
		ctx->stats.ingest_rejected++;
		bld_reply_error(r, 413, "Payload Too Large", "body: larger than the limit");
		return;
	}
	if (!len) {
		ctx->stats.ingest_rejected++;
		bld_reply_error(r, 400, "Bad Request", "body: empty (expected a result document)");
		return;
	}
	if (!h->pool || len <= PARSE_INLINE_MAX) { /* validate here, on the loop */
		struct bl_resultdoc *doc = NULL;
		char err[512] = "";
		/* In place: the body is in one piece already unless it is large. */
		const char *body = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
		int ret = body ? bl_resultdoc_parse(body, len, &doc, err, sizeof(err)) : -ENOMEM;

		if (!body)
			snprintf(err, sizeof(err), "body: out of memory");
		r->deferred = true;
		/* Counted here, not by the dispatcher: bld_api_on_parsed() may answer at once. */
		r->answered = true;
		if (ret == 0)
			bld_conn_inflight(ctx, req, +1);
		bld_api_on_parsed(ctx, req, ret, doc, err);
		return;
	}
	text = malloc(len);
	if (!text || evbuffer_remove(in, text, len) != (int)len) {
		free(text);
		bld_reply_error(r, 503, "Service Unavailable", "body: out of memory");
		return;
	}
	if (bld_parse_pool_submit(h->pool, text, len, req) < 0) { /* it freed text */
		bld_reply_error(r, 503, "Service Unavailable", "body: out of memory");
		return;
	}
	/* bld_api_on_parsed() takes it from here: a 400/413 at once, or a place in the batch. */
	r->deferred = true;
}

void bld_api_on_parsed(void *user, void *item, int ret, struct bl_resultdoc *doc, const char *err)
{
	struct bld_ctx *ctx = user;
	struct evhttp_request *req = item;

	if (ret < 0) {
		ctx->stats.ingest_rejected++;
		if (ret == -E2BIG)
			bld_reply_send_error(ctx, req, 413, "Payload Too Large", err);
		else if (ret == -ENOMEM)
			bld_reply_send_error(ctx, req, 503, "Service Unavailable", err);
		else
			bld_reply_send_error(ctx, req, 400, "Bad Request", err);
		return;
	}
	if (bld_writer_add(ctx->http->writer, doc, req) < 0) {
		bl_resultdoc_free(doc);
		bld_reply_send_error(ctx, req, 503, "Service Unavailable", "batch: out of memory");
	}
}

void bld_api_on_written(void *user, const struct bld_batch *b)
{
	struct bld_ctx *ctx = user;

	ctx->stats.batches++;
	bld_health_written(ctx, b->ret, b->errmsg);
	/* /metrics' newest values follow the commits (once it has read the store). */
	for (size_t i = 0; b->ret >= 0 && ctx->latest && ctx->latest->loaded && i < b->n; i++)
		if (b->outcomes[i] == BL_PUT_INSERTED)
			bld_latest_add_doc(ctx->latest, b->docs[i]);
	if (b->ret < 0) {
		ctx->stats.ingest_failed++;
		/* A full disk fails every commit: say so once, then with back-off. */
		bl_complain_at(&ctx->c_commit, bld_now_ns(), "commit %zu runs: %s", b->n, b->errmsg);
	} else {
		bl_complain_release(&ctx->c_commit, "commits succeed again");
	}
	for (size_t i = 0; i < b->n; i++) {
		struct evhttp_request *req = b->items[i];
		struct bld_reply r = { .body = evbuffer_new() };
		bool fresh;

		if (b->ret < 0) {
			char err[300];

			snprintf(err, sizeof(err), "store: %s", b->errmsg);
			bld_reply_send_error(ctx, req, 503, "Service Unavailable", err);
			continue;
		}
		if (!r.body) {
			evhttp_send_error(req, 503, "out of memory");
			continue;
		}
		fresh = b->outcomes[i] == BL_PUT_INSERTED;
		if (fresh)
			ctx->stats.runs_inserted++;
		else
			ctx->stats.runs_duplicate++;
		/* Printed, not packed: a checked UUID and a fixed word need no escaping. */
		r.code = fresh ? 201 : 200;
		r.reason = fresh ? "Created" : "OK";
		r.content_type = "application/json";
		evbuffer_add_printf(r.body, "{\"run_id\":\"%s\",\"outcome\":\"%s\"}\n", b->run_ids[i],
				    bl_put_outcome_names[b->outcomes[i]]);
		bld_reply_send(ctx, req, &r);
		evbuffer_free(r.body);
	}
}
