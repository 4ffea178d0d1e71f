/*
 * The connection limit of bouncelabd's HTTP server (see daemon_api.h).
 *
 * evhttp 2.1 has none, and no close hook for a connection that never sent
 * a request, so our bevcb creates each connection's bufferevent and keeps a
 * reference to it; bld_conn_sweep() (at accept time when at the limit, and
 * from the 1 s housekeeping timer) drops the connections evhttp has freed.
 * At max_connections the oldest connection with no request waiting for its
 * answer is shut down to make room (so an idle flood cannot lock clients
 * out); only when every connection has work in flight do both listeners
 * stop accepting until one goes.
 */
#include "daemon_api.h"

#include <assert.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "daemon.h"
#include "daemon_http.h"

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
		bl_complain_at(&h->c_limit, bld_now_ns(),
			     "http: %zu connections open (max_connections): not accepting until one closes",
			     h->nconns);
}

/*
 * Releases the connections evhttp has freed: evhttp_connection_free()
 * clears a bufferevent's callbacks (bufferevent_free) and drops its
 * reference; ours keeps the object (and its fd, already shut down for
 * writing, so the client has its EOF) until this sweep sees the cleared
 * error callback, which a live evhttp connection always has.
 */
void bld_conn_sweep(struct bld_ctx *ctx)
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
		bld_guard_free(h->conns[i].guard);
		/*
		 * A body evhttp had not finished is still in the input buffer, and
		 * the last reference frees it only later (a deferred finalizer):
		 * free it now, so housekeeping's malloc_trim can hand it back.
		 */
		evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
		bufferevent_decref(bev); /* the last reference: closes the fd */
		h->conns[i] = h->conns[--h->nconns];
	}
	if (h->paused) {
		/* Accept again when there is room, or an idle connection to make room with. */
		bool evictable = false;
		int open = (int)h->nconns;

		for (size_t i = 0; i < h->nconns && !evictable; i++)
			evictable = !h->conns[i].evicted && !h->conns[i].inflight;
		if (open < ctx->cfg.max_connections || (evictable && open < 2 * ctx->cfg.max_connections))
			set_paused(ctx, false);
	}
}

struct bld_conn *bld_conn_of(struct bld_http *h, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;

	for (size_t i = 0; bev && i < h->nconns; i++)
		if (h->conns[i].bev == bev)
			return &h->conns[i];
	return NULL;
}

/* A request on @req's connection was deferred (+1) or answered (-1). */
void bld_conn_inflight(struct bld_ctx *ctx, struct evhttp_request *req, int delta)
{
	struct bld_conn *c = ctx->http ? bld_conn_of(ctx->http, req) : NULL;

	if (!c)
		return; /* evhttp's own connection (our realloc failed): not tracked */
	assert(delta == 1 || delta == -1);
	/* Every reply counts -1, only deferred requests +1: a direct reply finds 0. */
	if (c->inflight + delta >= 0)
		c->inflight += delta;
}

/*
 * At max_connections: shuts down the oldest connection with no request
 * waiting for an answer (an idle keep-alive client or one that never sent
 * anything: a slow-loris); evhttp frees it its own way (an EOF event).
 * HTTP clients must expect a server to close idle connections. Returns
 * false when every connection has work in flight.
 */
static bool conn_evict_oldest(struct bld_ctx *ctx)
{
	struct bld_http *h = ctx->http;
	struct bld_conn *oldest = NULL;

	for (size_t i = 0; i < h->nconns; i++) {
		struct bld_conn *c = &h->conns[i];

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
	bufferevent_trigger_event(oldest->bev, BEV_EVENT_EOF | BEV_EVENT_READING,
				  BEV_TRIG_DEFER_CALLBACKS);
	oldest->evicted = true;
	if (h->sweep_ev && !evtimer_pending(h->sweep_ev, NULL)) {
		struct timeval soon = { 0, 5000 }; /* evhttp reads the end meanwhile */

		evtimer_add(h->sweep_ev, &soon);
	}
	ctx->stats.conn_evicted++;
	bl_complain_at(&h->c_limit, bld_now_ns(),
		     "http: %zu connections open (max_connections): closing the oldest idle ones to make room",
		     h->nconns);
	return true;
}

struct bufferevent *bld_conn_bevcb(struct event_base *base, void *arg)
{
	const struct bld_listener *l = arg;
	struct bld_ctx *ctx = l->ctx;
	struct bld_http *h = ctx->http;
	struct bld_guard *guard;
	struct bufferevent *bev;
	int live = 0;

	/* Sweep before adding: a new bufferevent has no callbacks until evhttp sets them. */
	if ((int)h->nconns + 1 >= ctx->cfg.max_connections)
		bld_conn_sweep(ctx);
	for (size_t i = 0; i < h->nconns; i++)
		live += !h->conns[i].evicted;
	if (live + 1 > ctx->cfg.max_connections && !conn_evict_oldest(ctx))
		set_paused(ctx, true); /* all busy: further clients wait in the backlog */
	if (h->nconns == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct bld_conn *grown = realloc(h->conns, cap * sizeof(*grown));

		if (!grown)
			return NULL; /* evhttp makes its own; this connection goes uncounted */
		h->conns = grown;
		h->cap = cap;
	}
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		return NULL;
	if (bld_guard_new(ctx, l, bev, &guard) < 0) {
		bufferevent_free(bev);
		return NULL; /* evhttp makes its own; unguarded, but counted by nobody either */
	}
	bufferevent_incref(bev);
	h->conns[h->nconns++] = (struct bld_conn){ .bev = bev, .seq = ++h->seq, .guard = guard };
	ctx->stats.conn_accepted++;
	/* Evicted ones linger until evhttp reads their end; never more than twice the limit. */
	if ((int)h->nconns >= 2 * ctx->cfg.max_connections)
		set_paused(ctx, true);
	return bev;
}

static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	bld_conn_sweep(arg);
}

int bld_conn_start(struct bld_ctx *ctx)
{
	struct bld_http *h = ctx->http;

	h->sweep_ev = evtimer_new(ctx->base, sweep_cb, ctx);
	return h->sweep_ev ? 0 : -ENOMEM;
}

void bld_conn_stop(struct bld_ctx *ctx)
{
	struct bld_http *h = ctx->http;

	bld_conn_sweep(ctx); /* evhttp_free freed them all: drop our references */
	free(h->conns);
	h->conns = NULL;
	h->cap = 0;
	if (h->sweep_ev)
		event_free(h->sweep_ev);
	h->sweep_ev = NULL;
}

void bld_http_housekeeping(struct bld_ctx *ctx)
{
	if (!ctx->http)
		return;
	bld_conn_sweep(ctx);
	if (ctx->http->trim_wanted) {
		/* Held bodies were freed: hand the pages back, or RSS stays at its peak. */
		ctx->http->trim_wanted = false;
		malloc_trim(0);
	}
}

int bld_http_connections(const struct bld_ctx *ctx)
{
	return ctx->http ? (int)ctx->http->nconns : 0;
}
