/*
 * Request heads checked as their bytes arrive, before evhttp reads a body,
 * and a cap on the request bytes held over all connections (see
 * daemon_api.h).
 *
 * libevent 2.1 gives a server no hook between a request's headers and its
 * body: evhttp_request_set_header_cb() needs the request, and evhttp hands
 * a server its requests only once the body is in (evhttp_set_newreqcb is
 * 2.2). So each connection's input buffer carries a callback that sees
 * every byte read from the socket, before evhttp's read callback runs:
 *
 *  - At the start of a request it waits for the empty line that ends the
 *    head and reads the head. A request that announces a body on a
 *    listener where writes need the token, without a valid token, or one
 *    with two different Content-Length values, has its head replaced by
 *    its request line with "Content-Length: 0" and "Connection: close":
 *    evhttp completes it without reading the body, request_cb answers it
 *    (401 or 400) from the verdict kept here, and the connection closes.
 *    The body is never held.
 *  - Every byte of a request not yet handed to its handler counts against
 *    max_held over all connections; the connection that would go over it
 *    is answered 503 on its socket and closed. 30 connections announcing
 *    15 MiB each and holding one byte short held 473 MB before this.
 */
#include "daemon_api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "daemon.h"
#include "daemon_auth.h"
#include "daemon_http.h"

/* Bytes released at once that make a malloc_trim worth it (housekeeping does it). */
#define TRIM_AFTER (1u << 20)

enum guard_state {
	G_HEAD,	   /* waiting for a request's head */
	G_BODY,	   /* head read and let through; evhttp reads the rest */
	G_CHUNKED, /* head let through, a chunked body: its chunk sizes are checked */
	G_CLOSING, /* refused: input is discarded until the connection goes */
};

struct bld_guard {
	struct bld_ctx *ctx;
	const struct bld_listener *l;
	struct bufferevent *bev;
	struct evbuffer_cb_entry *cbent; /* on_input on the bev's input buffer */
	enum guard_state state;
	enum bld_guard_verdict verdict; /* for request_cb, once the rewritten head arrives */
	size_t held;			/* this connection's bytes counted in h->held */
	size_t chunk_off;		/* G_CHUNKED: where the next chunk-size line starts in the input */
	uint64_t chunk_left;		/* G_CHUNKED: data bytes of the current chunk not yet seen */
	bool rewriting;			/* our own edit of the buffer: not new input */
};

static void set_held(struct bld_guard *g, size_t n)
{
	struct bld_http *h = g->ctx->http;

	if (g->held >= n + TRIM_AFTER)
		h->trim_wanted = true;
	h->held = h->held - g->held + n;
	g->held = n;
}

/* The cap: max_held, but never below one max_body document. */
static size_t held_cap(const struct bld_ctx *ctx)
{
	size_t cap = ctx->cfg.max_held;
	size_t one = ctx->cfg.max_body + ctx->cfg.max_headers;

	return cap > one ? cap : one;
}

/* A header line's value if its name is @name (case-insensitive), else NULL. */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *v, *end = line + len;

	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	v = line + n + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*vlen = (size_t)(end - v);
	return v;
}

/*
 * Reads the complete head @head (@len bytes, lines ending in LF or CRLF,
 * the empty line included): the verdict, and the request line's length.
 */
static enum bld_guard_verdict judge_head(const struct bld_guard *g, const char *head, size_t len,
					 size_t *first_len, bool *chunked)
{
	const char *p = head, *end = head + len, *cl = NULL, *auth = NULL;
	size_t cl_len = 0, auth_len = 0;
	bool body = false, read_only;
	char authbuf[BLD_TOKEN_MAX + 16];

	*first_len = 0;
	for (bool first = true; p < end; first = false) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p), vlen;
		const char *v;

		if (n && p[n - 1] == '\r')
			n--;
		if (first) {
			*first_len = n;
		} else if ((v = header_value(p, n, "Content-Length", &vlen))) {
			if (cl && (vlen != cl_len || memcmp(v, cl, vlen)))
				return BLD_GUARD_LENGTH_TWICE;
			cl = v;
			cl_len = vlen;
			body |= !(vlen == 1 && v[0] == '0');
		} else if ((v = header_value(p, n, "Transfer-Encoding", &vlen))) {
			body = true;
			*chunked = vlen == 7 && !strncasecmp(v, "chunked", 7);
		} else if ((v = header_value(p, n, "Authorization", &vlen)) && !auth) {
			auth = v;
			auth_len = vlen;
		}
		p = nl ? nl + 1 : end;
	}
	read_only = (*first_len >= 4 && !strncmp(head, "GET ", 4)) ||
		    (*first_len >= 5 && !strncmp(head, "HEAD ", 5));
	if (!g->l->auth_writes || read_only || !body)
		return BLD_GUARD_PASS;
	if (auth && auth_len < sizeof(authbuf)) {
		memcpy(authbuf, auth, auth_len);
		authbuf[auth_len] = '\0';
		if (bld_auth_ok(authbuf, g->ctx->token))
			return BLD_GUARD_PASS;
	}
	return BLD_GUARD_UNAUTHORIZED;
}

/* Replaces the head's @len bytes by its request line, no body, and close. */
static int rewrite_head(struct bld_guard *g, struct evbuffer *buf, size_t len, size_t first_len)
{
	static const char tail[] = "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	char *line = malloc(first_len + sizeof(tail));
	int ret = -ENOMEM;

	if (!line)
		return ret;
	g->rewriting = true;
	if (evbuffer_remove(buf, line, first_len) == (int)first_len) {
		memcpy(line + first_len, tail, sizeof(tail));
		evbuffer_drain(buf, len - first_len);
		ret = evbuffer_prepend(buf, line, first_len + sizeof(tail) - 1) ? -ENOMEM : 0;
	}
	g->rewriting = false;
	free(line);
	return ret;
}

/*
 * Answers @status on the socket itself (evhttp is mid-request and has
 * nothing queued) and closes; evhttp frees the connection its own way, as
 * for a client that closed.
 */
static void refuse_on_socket(struct bld_guard *g, struct evbuffer *buf, const char *status,
			     const char *error)
{
	char msg[768];
	int fd = bufferevent_getfd(g->bev);
	int n = snprintf(msg, sizeof(msg),
			 "HTTP/1.1 %s\r\nContent-Type: application/json\r\n%sConnection: close\r\n"
			 "Content-Length: %zu\r\n\r\n{\"error\":\"%s\"}\n",
			 status, !strncmp(status, "503", 3) ? "Retry-After: 1\r\n" : "",
			 strlen(error) + 13, error);

	g->state = G_CLOSING;
	g->rewriting = true;
	evbuffer_drain(buf, evbuffer_get_length(buf));
	g->rewriting = false;
	set_held(g, 0);
	if (fd >= 0 && n > 0 && (size_t)n < sizeof(msg)) {
		if (send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			(void)0; /* the client is gone: the shutdown below is all that is left */
		shutdown(fd, SHUT_RDWR);
	}
	bufferevent_trigger_event(g->bev, BEV_EVENT_EOF | BEV_EVENT_READING, BEV_TRIG_DEFER_CALLBACKS);
}

static void refuse_full(struct bld_guard *g, struct evbuffer *buf)
{
	g->ctx->stats.held_refused++;
	refuse_on_socket(g, buf, "503 Service Unavailable",
			 "daemon: too many request bytes held at once (max_held); try again");
	bl_complain_at(&g->ctx->http->c_held, bld_now_ns(),
		       "http: %zu request bytes held over all connections (max_held): refusing more",
		       g->ctx->http->held);
}

/*
 * In G_CHUNKED: reads the chunk-size lines as they arrive, as evhttp will
 * (hexadecimal, then the end or a space; empty lines skipped). evhttp
 * answers a corrupt one 413, as if the body were too large; it is a
 * malformed request, 400.
 */
static void check_chunks(struct bld_guard *g, struct evbuffer *buf)
{
	size_t len = evbuffer_get_length(buf);

	while (g->chunk_off < len) {
		struct evbuffer_ptr pos, eol;
		size_t eol_len = 0, n;
		char line[40], *end;
		long long size;

		if (g->chunk_left) {
			size_t take = len - g->chunk_off;

			if (take > g->chunk_left)
				take = (size_t)g->chunk_left;
			g->chunk_off += take;
			g->chunk_left -= take;
			continue;
		}
		if (evbuffer_ptr_set(buf, &pos, g->chunk_off, EVBUFFER_PTR_SET) < 0)
			return;
		eol = evbuffer_search_eol(buf, &pos, &eol_len, EVBUFFER_EOL_CRLF);
		if (eol.pos < 0) {
			if (len - g->chunk_off < sizeof(line))
				return; /* the rest of the line is to come */
			n = sizeof(line); /* longer than any size: corrupt */
		} else {
			n = (size_t)eol.pos - g->chunk_off;
		}
		if (n >= sizeof(line)) {
			refuse_on_socket(g, buf, "400 Bad Request", "body: a chunk size line is too long");
			return;
		}
		evbuffer_copyout_from(buf, &pos, line, n);
		line[n] = '\0';
		g->chunk_off = (size_t)eol.pos + eol_len;
		if (!n)
			continue;
		errno = 0;
		size = strtoll(line, &end, 16);
		if (end == line || (*end && *end != ' ') || size < 0 || errno) {
			refuse_on_socket(g, buf, "400 Bad Request", "body: corrupt chunk size");
			return;
		}
		if (!size) {
			g->state = G_BODY; /* the last chunk; evhttp reads the trailer */
			return;
		}
		g->chunk_left = (uint64_t)size;
	}
}

/* In G_HEAD: judges the head once it is complete. */
static void check_head(struct bld_guard *g, struct evbuffer *buf)
{
	struct evbuffer_ptr pos;
	size_t eol_len = 0, len = 0;
	size_t limit = g->ctx->cfg.max_headers + 8192; /* the request line comes on top */
	enum bld_guard_verdict v;
	size_t first_len;
	const char *head;
	bool chunked = false;

	if (evbuffer_ptr_set(buf, &pos, 0, EVBUFFER_PTR_SET) < 0)
		return;
	for (;;) { /* line by line, as evhttp reads them (EVBUFFER_EOL_CRLF) */
		struct evbuffer_ptr eol = evbuffer_search_eol(buf, &pos, &eol_len, EVBUFFER_EOL_CRLF);
		size_t line;

		if (eol.pos < 0) {
			return; /* incomplete: more to come (evhttp refuses an oversized head) */
		}
		line = (size_t)(eol.pos - pos.pos);
		len = (size_t)eol.pos + eol_len;
		if (len > limit)
			return;
		if (!line && pos.pos == 0) {
			g->state = G_BODY; /* no request line: evhttp answers 400 */
			return;
		}
		if (!line)
			break; /* the empty line: the head is complete */
		if (evbuffer_ptr_set(buf, &pos, len, EVBUFFER_PTR_SET) < 0)
			return;
	}
	head = (const char *)evbuffer_pullup(buf, (ev_ssize_t)len);
	if (!head)
		return;
	v = judge_head(g, head, len, &first_len, &chunked);
	g->state = G_BODY;
	if (v == BLD_GUARD_PASS) {
		if (chunked) {
			g->state = G_CHUNKED;
			g->chunk_off = len;
			g->chunk_left = 0;
			check_chunks(g, buf);
		}
		return;
	}
	if (rewrite_head(g, buf, len, first_len) < 0) {
		refuse_full(g, buf); /* out of memory: the safe answer is none */
		return;
	}
	g->verdict = v;
	set_held(g, evbuffer_get_length(buf));
}

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct bld_guard *g = arg;
	bufferevent_event_cb errcb = NULL;

	if (g->rewriting)
		return;
	if (g->state == G_CHUNKED) /* evhttp consumed some: our place moves with it */
		g->chunk_off -= info->n_deleted < g->chunk_off ? info->n_deleted : g->chunk_off;
	if (!info->n_added)
		return;
	bufferevent_getcb(g->bev, NULL, NULL, &errcb, NULL);
	if (!errcb || g->state == G_CLOSING) {
		/* evhttp is done with this connection, or we refused it: nobody reads this. */
		g->rewriting = true;
		evbuffer_drain(buf, evbuffer_get_length(buf));
		g->rewriting = false;
		set_held(g, 0);
		return;
	}
	set_held(g, g->held + info->n_added);
	if (g->ctx->http->held > held_cap(g->ctx)) {
		refuse_full(g, buf);
		return;
	}
	if (g->state == G_HEAD)
		check_head(g, buf);
	else if (g->state == G_CHUNKED)
		check_chunks(g, buf);
}

int bld_guard_new(struct bld_ctx *ctx, const struct bld_listener *l, struct bufferevent *bev,
		  struct bld_guard **out)
{
	struct bld_guard *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	*g = (struct bld_guard){ .ctx = ctx, .l = l, .bev = bev, .state = G_HEAD };
	g->cbent = evbuffer_add_cb(bufferevent_get_input(bev), on_input, g);
	if (!g->cbent) {
		free(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
}

void bld_guard_free(struct bld_guard *g)
{
	if (!g)
		return;
	evbuffer_remove_cb_entry(bufferevent_get_input(g->bev), g->cbent);
	set_held(g, 0);
	free(g);
}

enum bld_guard_verdict bld_guard_request(struct bld_ctx *ctx, struct evhttp_request *req)
{
	struct bld_conn *c = ctx->http ? bld_conn_of(ctx->http, req) : NULL;
	struct bld_guard *g = c ? c->guard : NULL;
	struct evbuffer *in;
	enum bld_guard_verdict v;

	if (!g)
		return BLD_GUARD_PASS;
	v = g->verdict;
	g->verdict = BLD_GUARD_PASS;
	in = bufferevent_get_input(g->bev);
	/* The request is the handler's now; what is left is the next one's. */
	set_held(g, evbuffer_get_length(in));
	if (v != BLD_GUARD_PASS) {
		g->state = G_CLOSING; /* its body follows; the connection closes after the answer */
		return v;
	}
	g->state = G_HEAD;
	check_head(g, in); /* a pipelined request evhttp reads from the buffer later */
	return v;
}
