/*
 * What the files of bouncelabd's HTTP server share (daemon_http.h is the
 * server's face to the rest of the daemon; this header is for its own
 * files only):
 *
 *   daemon_http.c        the server: listeners and evhttp limits, the route
 *                        table and dispatch, replies, path safety
 *   daemon_conn.c        the connection limit (tracking, eviction, pausing)
 *   daemon_api_runs.c    /api/v1/runs: list (a selector), one document, ingest
 *   daemon_api_monitor.c /api/v1/monitor: the bounce monitor's samples
 *   daemon_api_nights.c  /api/v1/nights: a judged night; its /metrics gauges
 *   daemon_metrics.c     /metrics and /healthz
 *
 * One reply per request: a route handler never calls evhttp_send_*. It
 * fills the struct bld_reply it is given and the dispatcher sends it, or it
 * hands the request on (deferred) and whoever takes it sends exactly one
 * reply later with bld_reply_send().
 */
#ifndef BLD_API_H
#define BLD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "log.h" /* struct bl_complain */

struct bld_ctx;
struct bl_resultdoc;
struct bl_selector;
struct bld_batch;
struct bld_parse_pool;
struct bld_writer;
struct bld_guard;
struct bufferevent;
struct event;
struct event_base;
struct evbuffer;
struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;
struct evkeyvalq;

enum bld_listener_kind { BLD_L_UNIX, BLD_L_TCP };

struct bld_listener {
	struct bld_ctx *ctx;
	enum bld_listener_kind kind;
	struct evhttp *http;		   /* NULL when not configured */
	struct evhttp_bound_socket *bound; /* NULL when not listening */
	bool auth_writes;		   /* writes need the bearer token */
};

/* One accepted connection, as we track it (evhttp owns the rest). */
struct bld_conn {
	struct bufferevent *bev; /* we hold a reference */
	uint64_t seq;		 /* accept order: lower = older */
	int inflight;		 /* deferred requests not yet answered */
	bool evicted;		 /* shut down by us to make room; evhttp frees it */
	struct bld_guard *guard; /* reads each request's head as it arrives (daemon_guard.c) */
};

struct bld_http {
	struct bld_listener l[2];      /* indexed by enum bld_listener_kind */
	char *unix_path;	       /* socket file we created (unlinked at stop) */
	struct bld_conn *conns;	       /* open connections over both listeners */
	size_t nconns, cap;
	uint64_t seq;		       /* accept counter */
	struct event *sweep_ev;	       /* a sweep soon after evictions */
	struct bl_complain c_limit;    /* log back-off for the connection limit */
	struct bl_complain c_held;     /* log back-off for max_held */
	size_t held;		       /* request bytes not yet handed to a handler, all connections */
	bool trim_wanted;	       /* much was freed: housekeeping gives it back (malloc_trim) */
	bool paused;		       /* listeners disabled at max_connections */
	struct bld_writer *writer;     /* commits queued documents, off the loop */
	struct bld_parse_pool *pool;   /* parses large POST bodies off the loop; may be NULL */
};

/* --- replies (daemon_http.c) ------------------------------------------------ */

/* What a route handler answers; the dispatcher sends it. */
struct bld_reply {
	int code;		  /* 0 until the handler answers */
	const char *reason;
	const char *content_type;
	struct evbuffer *body;	  /* given to the handler, empty */
	const char *allow;	  /* for 405 */
	bool www_auth;		  /* for 401 */
	bool deferred;		  /* handed on: no reply now, someone sends it later */
	bool answered;		  /* deferred, but already answered meanwhile */
};

/* @obj (a new reference, taken) as the compact JSON body. */
void bld_reply_json(struct bld_reply *r, int code, const char *reason, json_t *obj);
/* {"error": @msg} (@reason when @msg is NULL). */
void bld_reply_error(struct bld_reply *r, int code, const char *reason, const char *msg);
/* Sends @r for @req: the one reply. The caller still frees r->body. */
void bld_reply_send(struct bld_ctx *ctx, struct evhttp_request *req, struct bld_reply *r);
/* Answers a deferred @req with an error in a reply of its own (its one reply). */
void bld_reply_send_error(struct bld_ctx *ctx, struct evhttp_request *req, int code,
			  const char *reason, const char *msg);
/* The request's query string parsed into @q (TAILQ_INIT'ed here); 400 into @r when it is not one. */
int bld_query_parse(struct evhttp_request *req, struct evkeyvalq *q, struct bld_reply *r);

/* --- routes (daemon_http.c has the table) ------------------------------------ */

enum bld_method { BLD_GET = 1 << 0 /* and HEAD */, BLD_POST = 1 << 1 };

/*
 * A route handler. @arg is the path's variable segment (the UUID of
 * /api/v1/runs/{id}), NULL for fixed paths.
 */
typedef void bld_route_fn(struct bld_ctx *ctx, const struct bld_listener *l,
			  struct evhttp_request *req, const char *arg, struct bld_reply *r);

enum bld_path_match {
	BLD_PATH_EXACT,	   /* the path itself */
	BLD_PATH_SLASH_OK, /* the path, or the path and one trailing '/' */
	BLD_PATH_SEGMENT,  /* the path, '/', one more non-empty segment (@arg) */
};

struct bld_route {
	const char *path;
	enum bld_path_match match;
	unsigned methods; /* enum bld_method bits */
	bld_route_fn *fn;
};

/*
 * The route for the decoded @path and @method (one enum bld_method bit),
 * with its variable segment in *@arg; NULL when there is none. Then
 * *@allowed has the methods of the routes the path matched (0: no such
 * path, 404; else 405 with those in Allow).
 */
const struct bld_route *bld_route_find(const char *path, unsigned method, const char **arg,
				       unsigned *allowed);

bld_route_fn bld_api_list_runs;	 /* daemon_api_runs.c */
bld_route_fn bld_api_get_run;	 /* daemon_api_runs.c */
bld_route_fn bld_api_post_run;	 /* daemon_api_runs.c */
bld_route_fn bld_api_monitor;	 /* daemon_api_monitor.c */
bld_route_fn bld_api_get_night;	 /* daemon_api_nights.c: GET /api/v1/nights/{latest|id} */
bld_route_fn bld_api_metrics;	 /* daemon_metrics.c */
bld_route_fn bld_api_healthz;	 /* daemon_metrics.c */
bld_route_fn bld_dash_index;	 /* daemon_dash.c: GET / */
bld_route_fn bld_dash_run;	 /* daemon_dash.c: GET /runs/{uuid} */
bld_route_fn bld_dash_night;	 /* daemon_dash.c: GET /nights/{latest|id} */
bld_route_fn bld_dash_figure;	 /* daemon_dash.c: GET /figures/{name}.svg */

/*
 * daemon_metrics.c: one Prometheus label, name="value" with the value
 * escaped, followed by ',' unless @last.
 */
void bld_prom_label(struct evbuffer *b, const char *name, const char *v, bool last);

/* --- the ingest path (daemon_api_runs.c) ----------------------------------- */

/* The parse pool's callback (daemon_parse.h): a POSTed body parsed, on the loop. */
void bld_api_on_parsed(void *user, void *item, int ret, struct bl_resultdoc *doc, const char *err);
/* The writer's callback (daemon_writer.h): a batch committed or failed, on the loop. */
void bld_api_on_written(void *user, const struct bld_batch *b);

/*
 * GET /api/v1/runs's query parameters into @sel (a selector made with
 * bl_selector_parse("")): every key goes through bl_selector_set
 * (analysis/compare.h), plus order=oldest|newest; the answer is capped at
 * BLD_RUNS_LIMIT_MAX runs and is BLD_RUNS_LIMIT_DEFAULT without last=.
 * 0, -EINVAL with @err naming the key as the client wrote it, or -ENOMEM.
 */
#define BLD_RUNS_LIMIT_DEFAULT 100
#define BLD_RUNS_LIMIT_MAX     100000
int bld_runs_query(const struct evkeyvalq *q, struct bl_selector *sel, char *err, size_t errlen);

/* --- connections (daemon_conn.c) --------------------------------------------- */

/* Creates the sweep timer. 0 or -ENOMEM. */
int bld_conn_start(struct bld_ctx *ctx);
/* After the listeners are freed: drops every reference, frees the timer. */
void bld_conn_stop(struct bld_ctx *ctx);
/* evhttp's bufferevent callback (@arg: the listener): tracks each new connection. */
struct bufferevent *bld_conn_bevcb(struct event_base *base, void *arg);
/* Releases the connections evhttp has freed; accepts again when there is room. */
void bld_conn_sweep(struct bld_ctx *ctx);
/* The tracked connection @req arrived on, or NULL. */
struct bld_conn *bld_conn_of(struct bld_http *h, struct evhttp_request *req);
/* A request on @req's connection was deferred (+1) or answered (-1). */
void bld_conn_inflight(struct bld_ctx *ctx, struct evhttp_request *req, int delta);

/* --- request heads and held bytes (daemon_guard.c) ---------------------------- */

/* What the guard decided about a request's head, for request_cb to answer. */
enum bld_guard_verdict {
	BLD_GUARD_PASS,		/* let through */
	BLD_GUARD_UNAUTHORIZED, /* a body announced without the token (401): not read */
	BLD_GUARD_LENGTH_TWICE, /* Content-Length given twice, differently (400): not read */
};

/* Watches @bev's input for the connection's life. 0 or -ENOMEM. */
int bld_guard_new(struct bld_ctx *ctx, const struct bld_listener *l, struct bufferevent *bev,
		  struct bld_guard **out);
/* Before our last reference to the bufferevent goes; releases its held bytes. */
void bld_guard_free(struct bld_guard *g);
/*
 * From request_cb, once per request: the verdict on its head (the request
 * is answered with it and its connection closes), and the request's bytes
 * no longer count as held.
 */
enum bld_guard_verdict bld_guard_request(struct bld_ctx *ctx, struct evhttp_request *req);

#endif
