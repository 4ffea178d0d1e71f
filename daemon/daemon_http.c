/*
 * bouncelabd's HTTP API (see daemon_http.h), after libevent's
 * sample/http-server.c: one generic callback dispatches on the path.
 *
 * Exactly one reply per request: route handlers never call evhttp_send_*;
 * they fill a struct reply and the dispatcher sends it, or they hand the
 * request on (r->deferred) to the parse pool or the writer, and on_parsed()
 * or on_written() sends its one reply.
 *
 * Group commit: a POST body is parsed and validated on the loop when it is
 * small (PARSE_INLINE_MAX: a typical document takes ~60 us, less than two
 * thread hand-offs cost here) and on the parse pool (daemon_parse.h)
 * otherwise; on_parsed() answers 400/413 without touching the store and
 * queues valid documents for the writer thread (daemon_writer.h), which
 * commits everything queued with one bl_store_put_runs() transaction each
 * time it is idle. Only then, in on_written(), does each client get its 201
 * (or 200 for a UUID already stored); if the commit fails, every client of
 * the batch gets 503 and may retry (a retried UUID that did make it is
 * answered 200, never stored twice).
 *
 * Connection limit: evhttp 2.1 has none and no close hook for a connection
 * that never sent a request, so our bevcb creates each connection's
 * bufferevent and keeps a reference to it; conn_sweep() (at accept time
 * when at the limit, and from the 1 s housekeeping timer) drops the
 * connections evhttp has freed. At max_connections the oldest connection
 * with no request waiting for its answer is shut down to make room (so an
 * idle flood cannot lock clients out); only when every connection has work
 * in flight do both listeners stop accepting until one goes.
 */
#include "daemon_http.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "daemon.h"
#include "daemon_auth.h"
#include "daemon_monitor.h"
#include "daemon_parse.h"
#include "daemon_writer.h"
#include "daemon_sched.h"
#include "log.h"
#include "resultdoc.h"
#include "store.h"


enum listener_kind { L_UNIX, L_TCP };

struct listener {
	struct bld_ctx *ctx;
	enum listener_kind kind;
	struct evhttp *http;			/* NULL when not configured */
	struct evhttp_bound_socket *bound;
	bool auth_writes;			/* writes need the bearer token */
};

/* One accepted connection, as we track it (evhttp owns the rest). */
struct conn {
	struct bufferevent *bev; /* we hold a reference */
	uint64_t seq;		 /* accept order */
	int inflight;		 /* deferred requests not yet answered */
	bool evicted;		 /* shut down by us to make room; evhttp frees it */
};

struct bld_http {
	struct listener l[2];	       /* [L_UNIX], [L_TCP] */
	char *unix_path;	       /* socket file we created (unlinked at stop) */
	int nconn;		       /* open connections over both listeners */
	struct conn *conns;	       /* one reference each, see conn_sweep() */
	size_t nconns, cap;
	uint64_t seq;		       /* accept counter: lower = older */
	struct event *sweep_ev;	       /* a sweep soon after evictions */
	struct bld_complain c_limit;   /* log back-off for the connection limit */
	bool paused;		       /* listeners disabled at max_connections */
	struct bld_writer *writer;     /* commits queued documents, off the loop */
	struct bld_parse_pool *pool;   /* parses large POST bodies off the loop */
};

/* What a route handler answers; the dispatcher sends it. */
struct reply {
	int code;
	const char *reason;
	const char *content_type;
	struct evbuffer *body;
	const char *allow;	       /* for 405 */
	bool www_auth;		       /* for 401 */
	bool deferred;		       /* handed to the batch: no reply now */
	bool answered;		       /* deferred, but already answered meanwhile */
};

static void conn_inflight(struct bld_ctx *ctx, struct evhttp_request *req, int delta);

/* --- replies ------------------------------------------------------------- */

static void reply_json(struct reply *r, int code, const char *reason, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	r->code = code;
	r->reason = reason;
	r->content_type = "application/json";
	if (text) {
		evbuffer_add(r->body, text, strlen(text));
		evbuffer_add(r->body, "\n", 1);
		free(text);
	}
	json_decref(obj);
}

static void reply_error(struct reply *r, int code, const char *reason, const char *msg)
{
	reply_json(r, code, reason, json_pack("{s:s}", "error", msg ? msg : reason));
}

static void send_reply(struct bld_ctx *ctx, struct evhttp_request *req, struct reply *r)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	if (r->content_type)
		evhttp_add_header(out, "Content-Type", r->content_type);
	if (r->allow)
		evhttp_add_header(out, "Allow", r->allow);
	if (r->www_auth)
		evhttp_add_header(out, "WWW-Authenticate", "Bearer realm=\"bouncelabd\"");
	if (r->code == 503)
		evhttp_add_header(out, "Retry-After", "1");
	ctx->stats.replies[r->code / 100 < 6 ? r->code / 100 : 5]++;
	conn_inflight(ctx, req, -1);
	evhttp_send_reply(req, r->code, r->reason, r->body);
}

/* --- paths and query parameters ------------------------------------------ */

int bld_path_safe(const char *path, size_t len)
{
	const char *p = path, *end = path + len;

	if (!len || path[0] != '/' || memchr(path, '\0', len) || memchr(path, '\\', len))
		return 0;
	while (p < end) {
		const char *seg = ++p; /* after a '/' */
		size_t n;

		while (p < end && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
	}
	return 1;
}

struct filter_param {
	const char *name;
	size_t offset; /* of a const char * in struct bl_run_filter */
};

#define FP(m) { #m, offsetof(struct bl_run_filter, m) }
static const struct filter_param filter_params[] = {
	FP(kernel), FP(swiotlb), FP(iommu), FP(device), FP(importer), FP(backend),
	FP(workload), FP(job), FP(status), FP(host), FP(run_id),
};

/* Fills @f from the query string; 0 or -EINVAL with @err naming the parameter. */
static int parse_filter(struct evkeyvalq *q, struct bl_run_filter *f, char *err, size_t errlen)
{
	struct evkeyval *kv;

	memset(f, 0, sizeof(*f));
	f->limit = 100;
	TAILQ_FOREACH(kv, q, next) {
		bool known = false;

		for (size_t i = 0; i < sizeof(filter_params) / sizeof(filter_params[0]); i++) {
			if (strcmp(kv->key, filter_params[i].name))
				continue;
			*(const char **)((char *)f + filter_params[i].offset) = kv->value;
			known = true;
		}
		if (known)
			continue;
		if (!strcmp(kv->key, "since") || !strcmp(kv->key, "until")) {
			int64_t t;

			if (bl_parse_time(kv->value, &t) < 0) {
				snprintf(err, errlen, "%s: expected an RFC 3339 time or a date, got '%.64s'",
					 kv->key, kv->value);
				return -EINVAL;
			}
			if (kv->key[0] == 's')
				f->since = t;
			else
				f->until = t;
		} else if (!strcmp(kv->key, "limit")) {
			char *end;
			long v = strtol(kv->value, &end, 10);

			if (end == kv->value || *end || v < 1 || v > 100000) {
				snprintf(err, errlen, "limit: expected an integer 1..100000, got '%.64s'", kv->value);
				return -EINVAL;
			}
			f->limit = (int)v;
		} else if (!strcmp(kv->key, "order")) {
			if (!strcmp(kv->value, "oldest"))
				f->oldest_first = true;
			else if (strcmp(kv->value, "newest")) {
				snprintf(err, errlen, "order: expected oldest or newest");
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "%.64s: unknown filter (known: kernel swiotlb iommu device importer "
				 "backend workload job status host run_id since until limit order)", kv->key);
			return -EINVAL;
		}
	}
	return 0;
}

/* --- routes -------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int run_to_json(const struct bl_run_row *run, void *user)
{
	json_t *arr = user;
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o}",
			      "run_id", jstr(run->run_id), "status", jstr(run->status), "error", jstr(run->error),
			      "started_at", jstr(run->started_at), "finished_at", jstr(run->finished_at),
			      "stored_at", jstr(run->stored_at), "job", jstr(run->job), "backend",
			      jstr(run->backend), "workload", jstr(run->workload), "host", jstr(run->hostname),
			      "kernel", jstr(run->kernel_release), "swiotlb", jstr(run->swiotlb), "iommu",
			      jstr(run->iommu), "device", jstr(run->dev_driver), "importer",
			      jstr(run->imp_driver), "results", run->n_results, "boot_id",
			      jstr(run->kernel_boot_id));

	if (!o || json_array_append_new(arr, o))
		return -ENOMEM;
	return 0;
}

static void route_list_runs(struct bld_ctx *ctx, struct evhttp_request *req, struct reply *r)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q = { 0 };
	struct bl_run_filter f;
	char err[256];
	json_t *arr;
	int ret;

	TAILQ_INIT(&q);
	if (query && evhttp_parse_query_str(query, &q) < 0) {
		reply_error(r, 400, "Bad Request", "query: not a valid query string");
		return;
	}
	if (parse_filter(&q, &f, err, sizeof(err)) < 0) {
		reply_error(r, 400, "Bad Request", err);
		goto out;
	}
	arr = json_array();
	ret = arr ? bl_store_query_runs(ctx->store, &f, run_to_json, arr) : -ENOMEM;
	if (ret < 0) {
		json_decref(arr);
		snprintf(err, sizeof(err), "store: query runs: %s", bl_store_errmsg(ctx->store));
		reply_error(r, 503, "Service Unavailable", err);
		goto out;
	}
	reply_json(r, 200, "OK", json_pack("{s:i, s:o}", "count", (json_int_t)json_array_size(arr), "runs", arr));
out:
	evhttp_clear_headers(&q);
}

static void route_get_run(struct bld_ctx *ctx, const char *uuid, struct reply *r)
{
	char *doc = NULL;
	char err[256];
	int ret;

	if (!bl_uuid_valid(uuid)) {
		reply_error(r, 400, "Bad Request", "run_id: not a UUID (8-4-4-4-12 hex)");
		return;
	}
	ret = bl_store_get_document(ctx->store, uuid, &doc);
	if (ret == -ENOENT) {
		reply_error(r, 404, "Not Found", "run_id: no such run");
		return;
	}
	if (ret < 0) {
		snprintf(err, sizeof(err), "store: get %s: %s", uuid, bl_store_errmsg(ctx->store));
		reply_error(r, 503, "Service Unavailable", err);
		return;
	}
	r->code = 200;
	r->reason = "OK";
	r->content_type = "application/json";
	evbuffer_add(r->body, doc, strlen(doc));
	free(doc);
}

static void on_parsed(void *user, void *item, int ret, struct bl_resultdoc *doc, const char *err);

/*
 * Bodies up to this size are parsed on the loop: about 1 ms of jansson at
 * most, and no hand-off to the pool and back. Larger ones go to the pool
 * (when parse_threads > 0) so that the loop keeps serving meanwhile.
 */
#define PARSE_INLINE_MAX (64 * 1024)

static void route_post_run(struct bld_ctx *ctx, struct listener *l, struct evhttp_request *req,
			   struct reply *r)
{
	struct bld_http *h = ctx->http;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *text;

	if (l->auth_writes &&
	    !bld_auth_ok(evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization"), ctx->token)) {
		ctx->stats.auth_refused++;
		r->www_auth = true;
		reply_error(r, 401, "Unauthorized", "authorization: a valid bearer token is required for writes");
		return;
	}
	if (len > ctx->cfg.max_body || len > BL_RESULTDOC_MAX_BYTES) {
		ctx->stats.ingest_rejected++;
		reply_error(r, 413, "Payload Too Large", "body: larger than the limit");
		return;
	}
	if (!len) {
		ctx->stats.ingest_rejected++;
		reply_error(r, 400, "Bad Request", "body: empty (expected a result document)");
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
		r->answered = true; /* counted here, not in request_cb(): on_parsed() may answer at once */
		if (ret == 0)
			conn_inflight(ctx, req, +1);
		on_parsed(ctx, req, ret, doc, err);
		return;
	}
	text = malloc(len);
	if (!text || evbuffer_remove(in, text, len) != (int)len) {
		free(text);
		reply_error(r, 503, "Service Unavailable", "body: out of memory");
		return;
	}
	if (bld_parse_pool_submit(h->pool, text, len, req) < 0) { /* it freed text */
		reply_error(r, 503, "Service Unavailable", "body: out of memory");
		return;
	}
	/* on_parsed() takes it from here: a 400/413 at once, or a place in the batch. */
	r->deferred = true;
}

/* A POSTed document came back from the parse pool (on the loop thread). */
static void on_parsed(void *user, void *item, int ret, struct bl_resultdoc *doc, const char *err)
{
	struct bld_ctx *ctx = user;
	struct bld_http *h = ctx->http;
	struct evhttp_request *req = item;

	if (ret < 0) {
		struct reply r = { .body = evbuffer_new() };

		if (!r.body) {
			evhttp_send_error(req, 503, "out of memory");
			return;
		}
		ctx->stats.ingest_rejected++;
		if (ret == -E2BIG)
			reply_error(&r, 413, "Payload Too Large", err);
		else if (ret == -ENOMEM)
			reply_error(&r, 503, "Service Unavailable", err);
		else
			reply_error(&r, 400, "Bad Request", err);
		send_reply(ctx, req, &r);
		evbuffer_free(r.body);
		return;
	}
	if (bld_writer_add(h->writer, doc, req) < 0) {
		struct reply r = { .body = evbuffer_new() };

		bl_resultdoc_free(doc);
		if (!r.body) {
			evhttp_send_error(req, 503, "out of memory");
			return;
		}
		reply_error(&r, 503, "Service Unavailable", "batch: out of memory");
		send_reply(ctx, req, &r);
		evbuffer_free(r.body);
	}
}

static void route_healthz(struct bld_ctx *ctx, struct reply *r)
{
	r->code = ctx->store && !ctx->stopping ? 200 : 503;
	r->reason = r->code == 200 ? "OK" : "Service Unavailable";
	r->content_type = "text/plain";
	evbuffer_add_printf(r->body, "%s\n", r->code == 200 ? "ok" : "unavailable");
}

/* --- monitor samples ------------------------------------------------------ */

struct mon_state {
	json_t *arr;
	int64_t bounces, bytes;
	size_t limit;
};

static json_t *opt_i64(struct bl_opt_i64 v)
{
	return v.set ? json_integer((json_int_t)v.v) : json_null();
}

static int mon_cb(const struct bl_monitor_sample *m, void *user)
{
	struct mon_state *st = user;
	json_t *o;

	st->bounces += m->bounces;
	st->bytes += m->bounced_bytes;
	if (json_array_size(st->arr) >= st->limit)
		return 0; /* totals cover every sample; the list is capped */
	o = json_pack("{s:I, s:I, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "at_ns", (json_int_t)m->at_ns,
		      "interval_ns", (json_int_t)m->interval_ns, "device", m->device ? m->device : "", "bounces",
		      (json_int_t)m->bounces, "bounced_bytes", (json_int_t)m->bounced_bytes, "map_calls",
		      opt_i64(m->map_calls), "map_segments", opt_i64(m->map_segments), "slots_used",
		      opt_i64(m->slots_used), "slots_total", opt_i64(m->slots_total), "slots_hiwater",
		      opt_i64(m->slots_hiwater));
	if (!o || json_array_append_new(st->arr, o))
		return -ENOMEM;
	return 0;
}

/* GET /api/v1/monitor?device=NAME&since=T&until=T&limit=N: stored samples, oldest first, and their totals. */
static void route_monitor(struct bld_ctx *ctx, struct evhttp_request *req, struct reply *r)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct mon_state st = { .limit = 1000 };
	struct evkeyvalq q;
	struct evkeyval *kv;
	const char *device = NULL;
	int64_t since = 0, until = 0;
	char err[256];
	int ret;

	TAILQ_INIT(&q);
	if (query && evhttp_parse_query_str(query, &q) < 0) {
		reply_error(r, 400, "Bad Request", "query: not a valid query string");
		return;
	}
	TAILQ_FOREACH(kv, &q, next) {
		if (!strcmp(kv->key, "device")) {
			device = kv->value;
		} else if (!strcmp(kv->key, "since") || !strcmp(kv->key, "until")) {
			int64_t t;

			if (bl_parse_time(kv->value, &t) < 0) {
				snprintf(err, sizeof(err), "%s: expected an RFC 3339 time or a date", kv->key);
				reply_error(r, 400, "Bad Request", err);
				goto out;
			}
			*(kv->key[0] == 's' ? &since : &until) = t * 1000000000LL;
		} else if (!strcmp(kv->key, "limit")) {
			char *end;
			long v = strtol(kv->value, &end, 10);

			if (end == kv->value || *end || v < 0 || v > 100000) {
				reply_error(r, 400, "Bad Request", "limit: expected an integer 0..100000");
				goto out;
			}
			st.limit = (size_t)v;
		} else {
			snprintf(err, sizeof(err), "%.64s: unknown parameter (known: device since until limit)", kv->key);
			reply_error(r, 400, "Bad Request", err);
			goto out;
		}
	}
	st.arr = json_array();
	ret = st.arr ? bl_store_query_monitor(ctx->store, device, since, until, mon_cb, &st) : -ENOMEM;
	if (ret < 0) {
		json_decref(st.arr);
		snprintf(err, sizeof(err), "store: query monitor: %s", bl_store_errmsg(ctx->store));
		reply_error(r, 503, "Service Unavailable", err);
		goto out;
	}
	reply_json(r, 200, "OK",
		   json_pack("{s:{s:I, s:I}, s:o}", "totals", "bounces", (json_int_t)st.bounces, "bounced_bytes",
			     (json_int_t)st.bytes, "samples", st.arr));
out:
	evhttp_clear_headers(&q);
}

/* --- metrics ------------------------------------------------------------- */

/* Prometheus label value: backslash, double quote and newline escaped. */
static void label(struct evbuffer *b, const char *name, const char *v, bool last)
{
	evbuffer_add_printf(b, "%s=\"", name);
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			evbuffer_add_printf(b, "\\%c", *p);
		else if (*p == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, p, 1);
	}
	evbuffer_add(b, last ? "\"" : "\",", last ? 1 : 2);
}

#define LATEST_MAX 512
struct latest {
	char key[256];
	bool seen;
};
struct latest_state {
	struct evbuffer *bounce, *ops;
	struct latest *seen;
	size_t n;
};

/* First row seen per (kernel, swiotlb, iommu, workload, variant, size): the newest. */
static int latest_cb(const struct bl_run_row *run, const struct bl_result_view *res, void *user)
{
	struct latest_state *st = user;
	char key[256], size[32];

	if (run->status && strcmp(run->status, "ok"))
		return 0;
	snprintf(key, sizeof(key), "%s|%s|%s|%s|%s|%s|%" PRId64, run->kernel_release ? run->kernel_release : "",
		 run->swiotlb ? run->swiotlb : "", run->iommu ? run->iommu : "", run->dev_driver ? run->dev_driver : "",
		 res->workload ? res->workload : "", res->variant ? res->variant : "", res->size);
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->seen[i].key, key))
			return 0;
	if (st->n == LATEST_MAX)
		return 0;
	snprintf(st->seen[st->n++].key, sizeof(key), "%s", key);
	snprintf(size, sizeof(size), "%" PRId64, res->size);
	for (int m = 0; m < 2; m++) {
		struct evbuffer *b = m ? st->ops : st->bounce;
		struct bl_opt_f64 v = m ? res->ops_per_sec_mean : res->bounce_rate;

		if (!v.set || !isfinite(v.v))
			continue; /* null stays absent, never 0 */
		evbuffer_add_printf(b, "%s{", m ? "bouncelab_latest_ops_per_sec" : "bouncelab_latest_bounce_rate");
		label(b, "kernel", run->kernel_release, false);
		label(b, "swiotlb", run->swiotlb, false);
		label(b, "iommu", run->iommu, false);
		label(b, "device", run->dev_driver, false);
		label(b, "workload", res->workload, false);
		label(b, "variant", res->variant, false);
		label(b, "size", size, true);
		evbuffer_add_printf(b, "} %.9g\n", v.v);
	}
	return 0;
}

static void route_metrics(struct bld_ctx *ctx, struct reply *r)
{
	struct evbuffer *b = r->body;
	struct bld_stats *s = &ctx->stats;
	struct bl_store_info info;
	struct bl_run_filter f = { .limit = 200 };
	struct latest_state st = { 0 };

	r->code = 200;
	r->reason = "OK";
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
#define COUNTER(name, help, v)                                                                  \
	evbuffer_add_printf(b, "# HELP " name " " help "\n# TYPE " name " counter\n" name " %" PRIu64 "\n", \
			    (uint64_t)(v))
#define GAUGE(name, help, fmt, v) \
	evbuffer_add_printf(b, "# HELP " name " " help "\n# TYPE " name " gauge\n" name " " fmt "\n", v)
	COUNTER("bouncelabd_http_requests_total", "HTTP requests dispatched.", s->requests);
	evbuffer_add_printf(b, "# HELP bouncelabd_http_replies_total HTTP replies by status class.\n"
			       "# TYPE bouncelabd_http_replies_total counter\n");
	for (int c = 2; c <= 5; c++)
		evbuffer_add_printf(b, "bouncelabd_http_replies_total{class=\"%dxx\"} %" PRIu64 "\n", c, s->replies[c]);
	COUNTER("bouncelabd_runs_inserted_total", "Posted documents stored as new runs.", s->runs_inserted);
	COUNTER("bouncelabd_runs_duplicate_total", "Posted documents whose run UUID was already stored.",
		s->runs_duplicate);
	COUNTER("bouncelabd_ingest_errors_total", "Posted documents refused (bad JSON, contract, size).",
		s->ingest_rejected);
	COUNTER("bouncelabd_ingest_store_failures_total", "Ingest transactions the store could not commit.",
		s->ingest_failed);
	COUNTER("bouncelabd_ingest_batches_total", "Ingest transactions (group commits).", s->batches);
	COUNTER("bouncelabd_auth_refused_total", "Writes refused for a missing or wrong bearer token.",
		s->auth_refused);
	COUNTER("bouncelabd_connections_accepted_total", "HTTP connections accepted.", s->conn_accepted);
	COUNTER("bouncelabd_connections_evicted_total", "Idle connections closed at max_connections.",
		s->conn_evicted);
	GAUGE("bouncelabd_connections_open", "HTTP connections open now.", "%d", bld_http_connections(ctx));
	COUNTER("bouncelabd_scheduled_runs_total", "Scheduled runs finished.", s->sched_runs);
	COUNTER("bouncelabd_scheduled_timeouts_total", "Scheduled runs killed at their timeout.", s->sched_timeouts);
	GAUGE("bouncelabd_start_time_seconds", "When the daemon started (unix time).", "%lld",
	      (long long)ctx->started);
	if (bl_store_info(ctx->store, &info) == 0) {
		GAUGE("bouncelab_runs_stored", "Runs in the database.", "%" PRId64, info.runs);
		GAUGE("bouncelab_results_stored", "Result rows in the database.", "%" PRId64, info.results);
		GAUGE("bouncelab_monitor_samples_stored", "Monitor samples in the database.", "%" PRId64,
		      info.monitor_samples);
	}
	st.bounce = evbuffer_new();
	st.ops = evbuffer_new();
	st.seen = calloc(LATEST_MAX, sizeof(*st.seen));
	if (st.bounce && st.ops && st.seen &&
	    bl_store_query_results(ctx->store, &f, latest_cb, &st) == 0) {
		evbuffer_add_printf(b, "# HELP bouncelab_latest_bounce_rate Bounces per mapped segment, newest run "
				       "per kernel/mode/device/workload/size.\n"
				       "# TYPE bouncelab_latest_bounce_rate gauge\n");
		evbuffer_add_buffer(b, st.bounce);
		evbuffer_add_printf(b, "# HELP bouncelab_latest_ops_per_sec Mean operations per second, newest run "
				       "per kernel/mode/device/workload/size.\n"
				       "# TYPE bouncelab_latest_ops_per_sec gauge\n");
		evbuffer_add_buffer(b, st.ops);
	}
	if (st.bounce)
		evbuffer_free(st.bounce);
	if (st.ops)
		evbuffer_free(st.ops);
	free(st.seen);
	if (ctx->monitor)
		bld_monitor_metrics(ctx->monitor, b);
#undef COUNTER
#undef GAUGE
}

/* --- dispatch ------------------------------------------------------------ */

#define RUNS_PATH "/api/v1/runs"

static void dispatch(struct bld_ctx *ctx, struct listener *l, struct evhttp_request *req, struct reply *r)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	bool get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
	size_t plen = 0;
	char *path;

	if (!raw || !*raw) {
		reply_error(r, 400, "Bad Request", "path: missing");
		return;
	}
	path = evhttp_uridecode(raw, 0, &plen);
	if (!path) {
		reply_error(r, 503, "Service Unavailable", "path: out of memory");
		return;
	}
	if (!bld_path_safe(path, plen)) {
		reply_error(r, 400, "Bad Request", "path: '.' or '..' segments, NUL or backslash are not allowed");
	} else if (!strcmp(path, RUNS_PATH) || !strcmp(path, RUNS_PATH "/")) {
		if (cmd == EVHTTP_REQ_POST)
			route_post_run(ctx, l, req, r);
		else if (get)
			route_list_runs(ctx, req, r);
		else {
			r->allow = "GET, HEAD, POST";
			reply_error(r, 405, "Method Not Allowed", "method: use GET or POST");
		}
	} else if (!strncmp(path, RUNS_PATH "/", sizeof(RUNS_PATH)) && !strchr(path + sizeof(RUNS_PATH), '/')) {
		if (get)
			route_get_run(ctx, path + sizeof(RUNS_PATH), r);
		else {
			r->allow = "GET, HEAD";
			reply_error(r, 405, "Method Not Allowed", "method: use GET");
		}
	} else if (!strcmp(path, "/api/v1/monitor")) {
		if (get)
			route_monitor(ctx, req, r);
		else {
			r->allow = "GET, HEAD";
			reply_error(r, 405, "Method Not Allowed", "method: use GET");
		}
	} else if (!strcmp(path, "/metrics") || !strcmp(path, "/healthz")) {
		if (!get) {
			r->allow = "GET, HEAD";
			reply_error(r, 405, "Method Not Allowed", "method: use GET");
		} else if (path[1] == 'm')
			route_metrics(ctx, r);
		else
			route_healthz(ctx, r);
	} else {
		reply_error(r, 404, "Not Found", "path: no such route");
	}
	free(path);
}

static void request_cb(struct evhttp_request *req, void *arg)
{
	struct listener *l = arg;
	struct bld_ctx *ctx = l->ctx;
	struct reply r = { .body = evbuffer_new() };

	ctx->stats.requests++;
	if (!r.body) {
		evhttp_send_error(req, 503, "out of memory");
		return;
	}
	if (ctx->stopping) {
		r.code = 503;
		reply_error(&r, 503, "Service Unavailable", "daemon: stopping");
	} else {
		dispatch(ctx, l, req, &r);
	}
	if (!r.deferred)
		send_reply(ctx, req, &r);
	else if (!r.answered)
		conn_inflight(ctx, req, +1); /* not to be evicted while it waits */
	evbuffer_free(r.body);
}

/* --- the ingest batch ---------------------------------------------------- */

/* The writer committed (or failed) batch @b: answer every client in it. */
static void on_written(void *user, const struct bld_batch *b)
{
	struct bld_ctx *ctx = user;

	ctx->stats.batches++;
	if (b->ret < 0) {
		ctx->stats.ingest_failed++;
		bl_err("store: commit %zu runs: %s", b->n, b->errmsg);
	}
	for (size_t i = 0; i < b->n; i++) {
		struct evhttp_request *req = b->items[i];
		struct reply r = { .body = evbuffer_new() };

		if (!r.body) {
			evhttp_send_error(req, 503, "out of memory");
			continue;
		}
		if (b->ret < 0) {
			char err[300];

			snprintf(err, sizeof(err), "store: %s", b->errmsg);
			reply_error(&r, 503, "Service Unavailable", err);
		} else {
			bool fresh = b->outcomes[i] == BL_PUT_INSERTED;

			if (fresh)
				ctx->stats.runs_inserted++;
			else
				ctx->stats.runs_duplicate++;
			/* Printed, not packed: a checked UUID and a fixed word need no escaping. */
			r.code = fresh ? 201 : 200;
			r.reason = fresh ? "Created" : "OK";
			r.content_type = "application/json";
			evbuffer_add_printf(r.body, "{\"run_id\":\"%s\",\"outcome\":\"%s\"}\n",
					    b->run_ids[i], bl_put_outcome_names[b->outcomes[i]]);
		}
		send_reply(ctx, req, &r);
		evbuffer_free(r.body);
	}
}

void bld_http_flush_all(struct bld_ctx *ctx)
{
	struct bld_http *h = ctx->http;

	if (!h)
		return;
	if (h->pool)
		bld_parse_pool_drain(h->pool); /* parsed documents join the writer's queue */
	if (h->writer)
		bld_writer_drain(h->writer); /* commits, delivers, answers */
}

/* --- connections ----------------------------------------------------------- */

static void set_paused(struct bld_ctx *ctx, bool pause)
{
	struct bld_http *h = ctx->http;

	if (h->paused == pause)
		return;
	h->paused = pause;
	if (pause)
		ctx->stats.conn_paused++;
	for (int i = 0; i < 2; i++) {
		struct evconnlistener *lev;

		if (!h->l[i].bound)
			continue;
		lev = evhttp_bound_socket_get_listener(h->l[i].bound);
		if (pause)
			evconnlistener_disable(lev);
		else
			evconnlistener_enable(lev);
	}
	if (pause)
		bld_complain(&h->c_limit, bld_now_ns(),
			     "http: %d connections open (max_connections): not accepting until one closes", h->nconn);
}

/*
 * Releases the connections evhttp has freed: evhttp_connection_free()
 * clears a bufferevent's callbacks (bufferevent_free) and drops its
 * reference; ours keeps the object (and its fd, already shut down for
 * writing, so the client has its EOF) until this sweep sees the cleared
 * error callback, which a live evhttp connection always has.
 */
static void conn_sweep(struct bld_ctx *ctx)
{
	struct bld_http *h = ctx->http;

	for (size_t i = 0; i < h->nconns;) {
		struct bufferevent *bev = h->conns[i].bev;
		bufferevent_event_cb errcb = NULL;

		bufferevent_getcb(bev, NULL, NULL, &errcb, NULL);
		if (errcb) {
			i++;
			continue;
		}
		bufferevent_disable(bev, EV_READ | EV_WRITE);
		bufferevent_decref(bev); /* the last reference: closes the fd */
		h->conns[i] = h->conns[--h->nconns];
	}
	h->nconn = (int)h->nconns;
	if (h->paused) {
		/* Accept again when there is room, or an idle connection to make room with. */
		bool evictable = false;

		for (size_t i = 0; i < h->nconns && !evictable; i++)
			evictable = !h->conns[i].evicted && !h->conns[i].inflight;
		if (h->nconn < ctx->cfg.max_connections || (evictable && h->nconn < 2 * ctx->cfg.max_connections))
			set_paused(ctx, false);
	}
}

/* The tracked connection a request arrived on, or NULL. */
static struct conn *conn_of(struct bld_http *h, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;

	for (size_t i = 0; bev && i < h->nconns; i++)
		if (h->conns[i].bev == bev)
			return &h->conns[i];
	return NULL;
}

/* A request on @req's connection was deferred (+1) or answered (-1). */
static void conn_inflight(struct bld_ctx *ctx, struct evhttp_request *req, int delta)
{
	struct conn *c = ctx->http ? conn_of(ctx->http, req) : NULL;

	if (c && c->inflight + delta >= 0)
		c->inflight += delta;
}

/*
 * At max_connections: shuts down the oldest connection with no request
 * waiting for an answer (an idle keep-alive client or one that never sent
 * anything: a slow-loris); evhttp frees it its own way (an EOF event).
 * HTTP clients must expect a server to close idle connections. Returns false when every connection
 * has work in flight.
 */
static bool conn_evict_oldest(struct bld_ctx *ctx)
{
	struct bld_http *h = ctx->http;
	struct conn *oldest = NULL;

	for (size_t i = 0; i < h->nconns; i++) {
		struct conn *c = &h->conns[i];

		if (c->evicted || c->inflight)
			continue;
		if (!oldest || c->seq < oldest->seq)
			oldest = c;
	}
	if (!oldest || bufferevent_getfd(oldest->bev) < 0)
		return false;
	/*
	 * Close our side for the client, and tell evhttp as if the client had
	 * closed (its own EOF path, safe in any state); deferred to the loop,
	 * as evhttp is in the middle of accepting right now.
	 */
	shutdown(bufferevent_getfd(oldest->bev), SHUT_RDWR);
	bufferevent_trigger_event(oldest->bev, BEV_EVENT_EOF | BEV_EVENT_READING, BEV_TRIG_DEFER_CALLBACKS);
	oldest->evicted = true;
	if (h->sweep_ev && !evtimer_pending(h->sweep_ev, NULL)) {
		struct timeval soon = { 0, 5000 }; /* evhttp reads the end meanwhile */

		evtimer_add(h->sweep_ev, &soon);
	}
	ctx->stats.conn_evicted++;
	bld_complain(&h->c_limit, bld_now_ns(),
		     "http: %d connections open (max_connections): closing the oldest idle ones to make room",
		     h->nconn);
	return true;
}

static struct bufferevent *conn_bevcb(struct event_base *base, void *arg)
{
	struct bld_ctx *ctx = arg;
	struct bld_http *h = ctx->http;
	struct bufferevent *bev;
	int live = 0;

	/* Sweep before adding: a new bufferevent has no callbacks until evhttp sets them. */
	if (h->nconn + 1 >= ctx->cfg.max_connections)
		conn_sweep(ctx);
	for (size_t i = 0; i < h->nconns; i++)
		live += !h->conns[i].evicted;
	if (live + 1 > ctx->cfg.max_connections && !conn_evict_oldest(ctx))
		set_paused(ctx, true); /* all busy: further clients wait in the backlog */
	if (h->nconns == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct conn *grown = realloc(h->conns, cap * sizeof(*grown));

		if (!grown)
			return NULL; /* evhttp makes its own; this connection goes uncounted */
		h->conns = grown;
		h->cap = cap;
	}
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		return NULL;
	bufferevent_incref(bev);
	h->conns[h->nconns++] = (struct conn){ .bev = bev, .seq = ++h->seq };
	h->nconn = (int)h->nconns;
	ctx->stats.conn_accepted++;
	/* Evicted ones linger until evhttp reads their end; never more than twice the limit. */
	if (h->nconn >= 2 * ctx->cfg.max_connections)
		set_paused(ctx, true);
	return bev;
}

static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_sweep(arg);
}

void bld_http_housekeeping(struct bld_ctx *ctx)
{
	if (ctx->http)
		conn_sweep(ctx);
}

int bld_http_connections(const struct bld_ctx *ctx)
{
	return ctx->http ? ctx->http->nconn : 0;
}

/* --- listeners ------------------------------------------------------------- */

static struct evhttp *new_evhttp(struct bld_ctx *ctx, struct listener *l)
{
	const struct bld_config *c = &ctx->cfg;
	struct evhttp *http = evhttp_new(ctx->base);
	struct timeval tv = { .tv_sec = c->timeout_ms / 1000, .tv_usec = (c->timeout_ms % 1000) * 1000 };

	if (!http)
		return NULL;
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_max_body_size(http, (ev_ssize_t)c->max_body);
	evhttp_set_max_headers_size(http, (ev_ssize_t)c->max_headers);
	evhttp_set_timeout_tv(http, &tv);
	evhttp_set_gencb(http, request_cb, l);
	evhttp_set_bevcb(http, conn_bevcb, ctx);
	evhttp_set_default_content_type(http, "application/json");
	return http;
}

/*
 * Binds the unix socket. A socket file left by a daemon that died is
 * removed; one that still answers means another daemon owns it.
 */
static int bind_unix(const char *path, int mode, int *out_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd = -1, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		bl_err("socket %s: path longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		bl_err("socket %s: socket: %s", path, strerror(-ret));
		return ret;
	}
	if (lstat(path, &st) == 0) {
		int probe;

		if (!S_ISSOCK(st.st_mode)) {
			bl_err("socket %s: exists and is not a socket; not removing it", path);
			ret = -EEXIST;
			goto fail;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			bl_err("socket %s: another daemon answers on it", path);
			ret = -EADDRINUSE;
			goto fail;
		}
		if (probe >= 0)
			close(probe);
		unlink(path); /* stale: its daemon is gone */
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		bl_err("socket %s: bind: %s", path, strerror(-ret));
		goto fail;
	}
	/* chmod after bind: the window is closed by the folder's permissions. */
	if (chmod(path, (mode_t)mode) < 0) {
		ret = -errno;
		bl_err("socket %s: chmod %o: %s", path, mode, strerror(-ret));
		unlink(path);
		goto fail;
	}
	if (listen(fd, 511) < 0) {
		ret = -errno;
		bl_err("socket %s: listen: %s", path, strerror(-ret));
		unlink(path);
		goto fail;
	}
	*out_fd = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

/* "127.0.0.1:PORT" or "[::1]:PORT" or "localhost:PORT"; loopback only. */
static int parse_listen(const char *spec, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon = strrchr(spec, ':');
	char *end;
	long p;
	size_t hl;
	struct in_addr a4;
	struct in6_addr a6;

	if (!colon)
		return -EINVAL;
	hl = (size_t)(colon - spec);
	if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (hl == 0 || hl >= hostlen)
		return -EINVAL;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || p < 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	if (!strcmp(host, "localhost")) {
		snprintf(host, hostlen, "127.0.0.1");
		return 0;
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127 ? 0 : -EPERM;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ? 0 : -EPERM;
	return -EINVAL;
}

int bld_http_start(struct bld_ctx *ctx)
{
	struct bld_http *h;
	const struct bld_config *c = &ctx->cfg;
	int fd = -1, ret;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	ctx->http = h;
	h->sweep_ev = evtimer_new(ctx->base, sweep_cb, ctx);
	if (!h->sweep_ev) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = bld_writer_new(ctx->base, c->db_path, c->fsync_commits, on_written, ctx, &h->writer);
	if (ret < 0)
		goto fail;
	if (c->parse_threads > 0) {
		ret = bld_parse_pool_new(ctx->base, c->parse_threads, on_parsed, ctx, &h->pool);
		if (ret < 0)
			goto fail;
	}
	for (int i = 0; i < 2; i++) {
		h->l[i].ctx = ctx;
		h->l[i].kind = (enum listener_kind)i;
	}
	if (c->socket_path) {
		struct listener *l = &h->l[L_UNIX];

		ret = bind_unix(c->socket_path, c->socket_mode, &fd);
		if (ret < 0)
			goto fail;
		h->unix_path = strdup(c->socket_path);
		l->http = new_evhttp(ctx, l);
		if (!h->unix_path || !l->http) {
			close(fd);
			ret = -ENOMEM;
			goto fail;
		}
		l->bound = evhttp_accept_socket_with_handle(l->http, fd);
		if (!l->bound) {
			close(fd);
			ret = -EIO;
			bl_err("socket %s: evhttp accept: failed", c->socket_path);
			goto fail;
		}
		bl_info("http: listening on unix socket %s (mode %04o)", c->socket_path, c->socket_mode);
	}
	if (c->listen) {
		struct listener *l = &h->l[L_TCP];
		char host[64];
		uint16_t port;

		ret = parse_listen(c->listen, host, sizeof(host), &port);
		if (ret == -EPERM) {
			bl_err("listen %s: not a loopback address (TCP is for this machine only; use the unix socket "
			       "or a proxy)", c->listen);
			goto fail;
		}
		if (ret < 0) {
			bl_err("listen %s: expected 127.0.0.1:PORT", c->listen);
			goto fail;
		}
		l->auth_writes = true;
		l->http = new_evhttp(ctx, l);
		if (!l->http) {
			ret = -ENOMEM;
			goto fail;
		}
		l->bound = evhttp_bind_socket_with_handle(l->http, host, port);
		if (!l->bound) {
			ret = -EADDRINUSE;
			bl_err("listen %s: bind: %s", c->listen, strerror(errno ? errno : EADDRINUSE));
			goto fail;
		}
		bl_info("http: listening on %s (writes need the bearer token)", c->listen);
	}
	return 0;
fail:
	bld_http_stop(ctx);
	return ret;
}

void bld_http_stop(struct bld_ctx *ctx)
{
	struct bld_http *h = ctx->http;

	if (!h)
		return;
	bld_http_flush_all(ctx); /* answers everything received */
	bld_parse_pool_free(h->pool);
	h->pool = NULL;
	bld_writer_free(h->writer);
	h->writer = NULL;
	for (int i = 1; i >= 0; i--) {
		h->l[i].bound = NULL; /* conn_freed() must not re-enable it */
		if (h->l[i].http)
			evhttp_free(h->l[i].http); /* closes its socket and connections */
		h->l[i].http = NULL;
	}
	conn_sweep(ctx); /* evhttp_free freed them all: drop our references */
	free(h->conns);
	if (h->sweep_ev)
		event_free(h->sweep_ev);
	if (h->unix_path) {
		unlink(h->unix_path);
		free(h->unix_path);
	}
	free(h);
	ctx->http = NULL;
}
