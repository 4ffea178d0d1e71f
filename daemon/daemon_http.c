/*
 * bouncelabd's HTTP server (see daemon_http.h), after libevent's
 * sample/http-server.c: the listeners (a unix socket, and a loopback TCP
 * port where writes need the bearer token), each with evhttp's limits set
 * (methods, body and header size, timeout); one generic callback that
 * checks the path and dispatches through the route table below; and the
 * replies. The handlers live by purpose in daemon_api_runs.c,
 * daemon_api_monitor.c and daemon_metrics.c, the connection limit in
 * daemon_conn.c (daemon_api.h lists them).
 *
 * Exactly one reply per request: route handlers never call evhttp_send_*;
 * they fill a struct bld_reply and the dispatcher sends it, or they hand
 * the request on (r->deferred) to the parse pool or the writer, and
 * bld_api_on_parsed() or bld_api_on_written() sends its one reply.
 */
#include "daemon_http.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "daemon.h"
#include "daemon_api.h"
#include "daemon_parse.h"
#include "daemon_writer.h"
#include "log.h"

/* --- replies ------------------------------------------------------------------- */

void bld_reply_json(struct bld_reply *r, int code, const char *reason, json_t *obj)
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

void bld_reply_error(struct bld_reply *r, int code, const char *reason, const char *msg)
{
	bld_reply_json(r, code, reason, json_pack("{s:s}", "error", msg ? msg : reason));
}

void bld_reply_send(struct bld_ctx *ctx, struct evhttp_request *req, struct bld_reply *r)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	assert(r->code >= 200 && r->code <= 599); /* every handler answers with a status */
	if (r->content_type)
		evhttp_add_header(out, "Content-Type", r->content_type);
	if (r->allow)
		evhttp_add_header(out, "Allow", r->allow);
	if (r->www_auth)
		evhttp_add_header(out, "WWW-Authenticate", "Bearer realm=\"bouncelabd\"");
	if (r->code == 503)
		evhttp_add_header(out, "Retry-After", "1");
	ctx->stats.replies[r->code / 100 < 6 ? r->code / 100 : 5]++;
	bld_conn_inflight(ctx, req, -1);
	evhttp_send_reply(req, r->code, r->reason, r->body);
}

void bld_reply_send_error(struct bld_ctx *ctx, struct evhttp_request *req, int code,
			  const char *reason, const char *msg)
{
	struct bld_reply r = { .body = evbuffer_new() };

	if (!r.body) {
		evhttp_send_error(req, 503, "out of memory");
		return;
	}
	bld_reply_error(&r, code, reason, msg);
	bld_reply_send(ctx, req, &r);
	evbuffer_free(r.body);
}

int bld_query_parse(struct evhttp_request *req, struct evkeyvalq *q, struct bld_reply *r)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));

	TAILQ_INIT(q);
	if (query && evhttp_parse_query_str(query, q) < 0) {
		bld_reply_error(r, 400, "Bad Request", "query: not a valid query string");
		return -EINVAL;
	}
	return 0;
}

/* --- paths and routes ------------------------------------------------------------ */

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

/* Every route, in one place. A path may have a row per method. */
static const struct bld_route routes[] = {
	{ "/api/v1/runs", BLD_PATH_SLASH_OK, BLD_GET, bld_api_list_runs },
	{ "/api/v1/runs", BLD_PATH_SLASH_OK, BLD_POST, bld_api_post_run },
	{ "/api/v1/runs", BLD_PATH_SEGMENT, BLD_GET, bld_api_get_run },
	{ "/api/v1/monitor", BLD_PATH_EXACT, BLD_GET, bld_api_monitor },
	{ "/api/v1/nights", BLD_PATH_SEGMENT, BLD_GET, bld_api_get_night },
	{ "/metrics", BLD_PATH_EXACT, BLD_GET, bld_api_metrics },
	{ "/healthz", BLD_PATH_EXACT, BLD_GET, bld_api_healthz },
	{ "/", BLD_PATH_EXACT, BLD_GET, bld_dash_index },
	{ "/runs", BLD_PATH_SEGMENT, BLD_GET, bld_dash_run },
	{ "/nights", BLD_PATH_SEGMENT, BLD_GET, bld_dash_night },
	{ "/figures", BLD_PATH_SEGMENT, BLD_GET, bld_dash_figure },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Does @path match @rt? The variable segment goes to *@arg. */
static bool route_matches(const struct bld_route *rt, const char *path, const char **arg)
{
	size_t n = strlen(rt->path);

	if (strncmp(path, rt->path, n))
		return false;
	path += n;
	switch (rt->match) {
	case BLD_PATH_EXACT:
		return !*path;
	case BLD_PATH_SLASH_OK:
		return !*path || !strcmp(path, "/");
	case BLD_PATH_SEGMENT:
		if (path[0] != '/' || !path[1] || strchr(path + 1, '/'))
			return false;
		*arg = path + 1;
		return true;
	}
	assert(!"route: unknown path match");
	return false;
}

const struct bld_route *bld_route_find(const char *path, unsigned method, const char **arg,
				       unsigned *allowed)
{
	const struct bld_route *found = NULL;

	*allowed = 0;
	*arg = NULL;
	for (size_t i = 0; i < NROUTES; i++) {
		const char *a = NULL;

		assert(routes[i].fn && routes[i].methods); /* every row is complete */
		if (!route_matches(&routes[i], path, &a))
			continue;
		*allowed |= routes[i].methods;
		if (!found && (routes[i].methods & method)) {
			found = &routes[i];
			*arg = a;
		}
	}
	return found;
}

/* The Allow header and the 405 message for the methods in @allowed. */
static void method_not_allowed(unsigned allowed, struct bld_reply *r)
{
	static const struct {
		unsigned methods;
		const char *allow, *msg;
	} answers[] = {
		{ BLD_GET, "GET, HEAD", "method: use GET" },
		{ BLD_POST, "POST", "method: use POST" },
		{ BLD_GET | BLD_POST, "GET, HEAD, POST", "method: use GET or POST" },
	};

	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		if (answers[i].methods != allowed)
			continue;
		r->allow = answers[i].allow;
		bld_reply_error(r, 405, "Method Not Allowed", answers[i].msg);
		return;
	}
	assert(!"route: a method set without an Allow line");
}

static void dispatch(struct bld_ctx *ctx, struct bld_listener *l, struct evhttp_request *req,
		     struct bld_reply *r)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	/* No route takes any other method (0): its path answers 405, or 404. */
	unsigned method = cmd == EVHTTP_REQ_POST				  ? BLD_POST
			  : cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD ? BLD_GET
									    : 0;
	const struct bld_route *rt;
	const char *arg;
	unsigned allowed;
	size_t plen = 0;
	char *path;

	if (!raw || !*raw) {
		bld_reply_error(r, 400, "Bad Request", "path: missing");
		return;
	}
	path = evhttp_uridecode(raw, 0, &plen);
	if (!path) {
		bld_reply_error(r, 503, "Service Unavailable", "path: out of memory");
		return;
	}
	if (!bld_path_safe(path, plen)) {
		bld_reply_error(r, 400, "Bad Request",
				"path: '.' or '..' segments, NUL or backslash are not allowed");
	} else if ((rt = bld_route_find(path, method, &arg, &allowed))) {
		rt->fn(ctx, l, req, arg, r);
	} else if (allowed) {
		method_not_allowed(allowed, r);
	} else {
		bld_reply_error(r, 404, "Not Found", "path: no such route");
	}
	free(path);
}

static void request_cb(struct evhttp_request *req, void *arg)
{
	struct bld_listener *l = arg;
	struct bld_ctx *ctx = l->ctx;
	struct bld_reply r = { .body = evbuffer_new() };

	ctx->stats.requests++;
	if (!r.body) {
		evhttp_send_error(req, 503, "out of memory");
		return;
	}
	switch (bld_guard_request(ctx, req)) {
	case BLD_GUARD_UNAUTHORIZED: /* refused at its head: the body was never read */
		ctx->stats.auth_refused++;
		r.www_auth = true;
		bld_reply_error(&r, 401, "Unauthorized",
				"authorization: a valid bearer token is required for writes");
		break;
	case BLD_GUARD_LENGTH_TWICE:
		bld_reply_error(&r, 400, "Bad Request", "Content-Length: given twice with different values");
		break;
	case BLD_GUARD_PASS:
		if (ctx->stopping)
			bld_reply_error(&r, 503, "Service Unavailable", "daemon: stopping");
		else
			dispatch(ctx, l, req, &r);
		break;
	}
	/* One reply: either the handler filled @r, or it handed the request on. */
	assert(r.deferred ? !r.code : r.code != 0);
	if (!r.deferred)
		bld_reply_send(ctx, req, &r);
	else if (!r.answered)
		bld_conn_inflight(ctx, req, +1); /* not to be evicted while it waits */
	evbuffer_free(r.body);
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

/* --- listeners ------------------------------------------------------------- */

static struct evhttp *new_evhttp(struct bld_ctx *ctx, struct bld_listener *l)
{
	const struct bld_config *c = &ctx->cfg;
	struct evhttp *http = evhttp_new(ctx->base);
	struct timeval tv = { .tv_sec = c->timeout_ms / 1000, .tv_usec = (c->timeout_ms % 1000) * 1000 };

	if (!http)
		return NULL;
	/*
	 * Every method evhttp knows reaches dispatch(), which answers the ones
	 * no route takes 405 with Allow; evhttp's own refusal is a 501, which
	 * monitors read as a server fault.
	 */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
						 EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
						 EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(http, (ev_ssize_t)c->max_body);
	evhttp_set_max_headers_size(http, (ev_ssize_t)c->max_headers);
	evhttp_set_timeout_tv(http, &tv);
	evhttp_set_gencb(http, request_cb, l);
	evhttp_set_bevcb(http, bld_conn_bevcb, l);
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
	ret = bld_conn_start(ctx);
	if (ret < 0)
		goto fail;
	ret = bld_writer_new(ctx->base, c->db_path, c->fsync_commits, bld_api_on_written, ctx, &h->writer);
	if (ret < 0)
		goto fail;
	if (c->parse_threads > 0) {
		ret = bld_parse_pool_new(ctx->base, c->parse_threads, bld_api_on_parsed, ctx, &h->pool);
		if (ret < 0)
			goto fail;
	}
	for (int i = 0; i < 2; i++) {
		h->l[i].ctx = ctx;
		h->l[i].kind = (enum bld_listener_kind)i;
	}
	if (c->socket_path) {
		struct bld_listener *l = &h->l[BLD_L_UNIX];

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
		struct bld_listener *l = &h->l[BLD_L_TCP];
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
		h->l[i].bound = NULL; /* a sweep must not re-enable it */
		if (h->l[i].http)
			evhttp_free(h->l[i].http); /* closes its socket and connections */
		h->l[i].http = NULL;
	}
	bld_conn_stop(ctx); /* evhttp_free freed the connections: drop our references */
	if (h->unix_path) {
		unlink(h->unix_path);
		free(h->unix_path);
	}
	free(h);
	ctx->http = NULL;
}
