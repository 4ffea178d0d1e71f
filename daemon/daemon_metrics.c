/*
 * What operators poll (see daemon_http.h): GET /healthz (200 while the
 * daemon can serve) and GET /metrics in Prometheus' text format: the
 * daemon's own counters (struct bld_stats), what the store holds, the
 * newest bounce rate and throughput per kernel, mode, device, workload and
 * size, the latest night's verdicts (daemon_api_nights.c), and the bounce
 * monitor's totals.
 */
#include "daemon_api.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon.h"
#include "daemon_http.h"
#include "daemon_latest.h"
#include "daemon_monitor.h"
#include "daemon_night.h"
#include "store.h"
#include "textsafe.h"

void bld_api_healthz(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		     const char *arg, struct bld_reply *r)
{
	const char *why;

	r->code = bld_health_ok(ctx, &why) ? 200 : 503;
	r->reason = r->code == 200 ? "OK" : "Service Unavailable";
	r->content_type = "text/plain";
	evbuffer_add_printf(r->body, "%s\n", why);
}

/*
 * Prometheus label value: backslash, double quote and newline escaped (the
 * format's only escapes); other control characters and text-reordering
 * ones (CR, ESC, U+202E) become U+FFFD, so a scrape shown in a terminal or
 * a dashboard cannot be driven by a document's text.
 */
static void label(struct evbuffer *b, const char *name, const char *v, bool last)
{
	evbuffer_add_printf(b, "%s=\"", name);
	for (const char *p = v ? v : ""; *p;) {
		size_t n = bl_unsafe_len(p);

		if (*p == '\\' || *p == '"')
			evbuffer_add_printf(b, "\\%c", *p);
		else if (*p == '\n')
			evbuffer_add(b, "\\n", 2);
		else if (n)
			evbuffer_add(b, "\xef\xbf\xbd", 3); /* U+FFFD */
		else
			evbuffer_add(b, p, 1);
		p += n ? n : 1;
	}
	evbuffer_add(b, last ? "\"" : "\",", last ? 1 : 2);
}

void bld_prom_label(struct evbuffer *b, const char *name, const char *v, bool last)
{
	label(b, name, v, last);
}

/* One gauge over the series: @ops picks throughput, else the bounce rate. */
static void latest_gauge(struct evbuffer *b, const struct bld_latest *l, bool ops)
{
	const char *name = ops ? "bouncelab_latest_operations_per_second" : "bouncelab_latest_bounce_rate";

	evbuffer_add_printf(b, "# HELP %s %s, newest run per kernel/mode/device/workload/size.\n# TYPE %s gauge\n",
			    name, ops ? "Mean operations per second" : "Bounces per mapped segment", name);
	for (size_t i = 0; i < sizeof(l->slot) / sizeof(l->slot[0]); i++) {
		const struct bld_series *sr = &l->slot[i];
		struct bl_opt_f64 v = ops ? sr->ops : sr->bounce_rate;
		char size[32];

		if (!sr->hash || !v.set)
			continue; /* null stays absent, never 0 */
		snprintf(size, sizeof(size), "%" PRId64, sr->size);
		evbuffer_add_printf(b, "%s{", name);
		label(b, "kernel", sr->kernel, false);
		label(b, "swiotlb", sr->swiotlb, false);
		label(b, "iommu", sr->iommu, false);
		label(b, "device", sr->device, false);
		label(b, "workload", sr->workload, false);
		label(b, "variant", sr->variant, false);
		label(b, "size", size, true);
		evbuffer_add_printf(b, "} %.9g\n", v.v);
	}
}

void bld_api_metrics(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		     const char *arg, struct bld_reply *r)
{
	struct evbuffer *b = r->body;
	struct bld_stats *s = &ctx->stats;
	struct bl_store_info info;

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
	COUNTER("bouncelabd_held_refused_total",
		"Connections answered 503 because the request bytes held over all connections reached max_held.",
		s->held_refused);
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
	/*
	 * The newest value per series is kept as documents are committed
	 * (daemon_latest.c): read from the store once, at the first scrape,
	 * then a scrape costs the same whatever was stored.
	 */
	if (!ctx->latest && bld_latest_new(&ctx->latest) < 0)
		ctx->latest = NULL;
	if (ctx->latest && !ctx->latest->loaded)
		bld_latest_load(ctx->latest, ctx->store);
	if (ctx->latest && ctx->latest->loaded) {
		latest_gauge(b, ctx->latest, false);
		latest_gauge(b, ctx->latest, true);
	}
	bld_night_metrics(ctx, b); /* the latest night: what regressed */
	if (ctx->monitor)
		bld_monitor_metrics(ctx->monitor, b);
#undef COUNTER
#undef GAUGE
}
