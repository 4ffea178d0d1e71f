/*
 * What operators poll (see daemon_http.h): GET /healthz (200 while the
 * daemon can serve) and GET /metrics in Prometheus' text format: the
 * daemon's own counters (struct bld_stats), what the store holds, the
 * newest bounce rate and throughput per kernel, mode, device, workload and
 * size, and the bounce monitor's totals.
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
#include "daemon_monitor.h"
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

#define LATEST_MAX 512 /* series listed at most per metric */
struct latest {
	char key[256]; /* kernel|swiotlb|iommu|device|workload|variant|size */
};
struct latest_state {
	struct evbuffer *bounce, *ops; /* the two metrics' lines, joined at the end */
	struct latest *seen;	       /* series already listed (the newest row won) */
	size_t n;		       /* used entries of seen[] */
};

/* First row seen per (kernel, swiotlb, iommu, device, workload, variant, size): the newest. */
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
		evbuffer_add_printf(b, "%s{", m ? "bouncelab_latest_operations_per_second" : "bouncelab_latest_bounce_rate");
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

void bld_api_metrics(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		     const char *arg, struct bld_reply *r)
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
	st.bounce = evbuffer_new();
	st.ops = evbuffer_new();
	st.seen = calloc(LATEST_MAX, sizeof(*st.seen));
	if (st.bounce && st.ops && st.seen &&
	    bl_store_query_results(ctx->store, &f, latest_cb, &st) == 0) {
		evbuffer_add_printf(b, "# HELP bouncelab_latest_bounce_rate Bounces per mapped segment, newest run "
				       "per kernel/mode/device/workload/size.\n"
				       "# TYPE bouncelab_latest_bounce_rate gauge\n");
		evbuffer_add_buffer(b, st.bounce);
		evbuffer_add_printf(b, "# HELP bouncelab_latest_operations_per_second Mean operations per second, newest run "
				       "per kernel/mode/device/workload/size.\n"
				       "# TYPE bouncelab_latest_operations_per_second gauge\n");
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
