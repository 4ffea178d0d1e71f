/*
 * GET /api/v1/monitor (see daemon_http.h): the samples the bounce monitor
 * (daemon_monitor.h) stored, oldest first, capped at @limit in the answer,
 * and their totals over every sample in the range. Its parameters are not
 * a run selector: device (a dev_name, "" for the system-wide row), since
 * and until (as the selector writes times), limit (samples listed, 0 for
 * the totals alone).
 */
#include "daemon_api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "daemon.h"
#include "store.h"

#define MONITOR_LIMIT_DEFAULT 1000
#define MONITOR_LIMIT_MAX     100000

struct mon_state {
	json_t *arr;	      /* the samples listed */
	int64_t bounces;      /* totals over every sample in the range */
	int64_t bytes;
	size_t limit;	      /* samples listed at most */
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
	o = json_object();
	if (!o || json_object_set_new(o, "at_ns", json_integer((json_int_t)m->at_ns)) ||
	    json_object_set_new(o, "interval_ns", json_integer((json_int_t)m->interval_ns)) ||
	    json_object_set_new(o, "device", json_string(m->device ? m->device : "")) ||
	    json_object_set_new(o, "bounces", json_integer((json_int_t)m->bounces)) ||
	    json_object_set_new(o, "bounced_bytes", json_integer((json_int_t)m->bounced_bytes)) ||
	    json_object_set_new(o, "map_calls", opt_i64(m->map_calls)) ||
	    json_object_set_new(o, "map_segments", opt_i64(m->map_segments)) ||
	    json_object_set_new(o, "slots_used", opt_i64(m->slots_used)) ||
	    json_object_set_new(o, "slots_total", opt_i64(m->slots_total)) ||
	    json_object_set_new(o, "slots_hiwater", opt_i64(m->slots_hiwater)) ||
	    json_array_append_new(st->arr, o)) {
		json_decref(o);
		return -ENOMEM;
	}
	return 0;
}

/* The query into @device, @since_ns, @until_ns and st->limit; 0 or -EINVAL with @err. */
static int monitor_query(const struct evkeyvalq *q, const char **device, int64_t *since_ns,
			 int64_t *until_ns, struct mon_state *st, char *err, size_t errlen)
{
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, q, next) {
		if (!strcmp(kv->key, "device")) {
			*device = kv->value;
		} else if (!strcmp(kv->key, "since") || !strcmp(kv->key, "until")) {
			int64_t t;

			if (bl_parse_time(kv->value, &t) < 0) {
				snprintf(err, errlen, "%s: expected an RFC 3339 time or a date", kv->key);
				return -EINVAL;
			}
			*(kv->key[0] == 's' ? since_ns : until_ns) = t * 1000000000LL;
		} else if (!strcmp(kv->key, "limit")) {
			char *end;
			long v = strtol(kv->value, &end, 10);

			if (end == kv->value || *end || v < 0 || v > MONITOR_LIMIT_MAX) {
				snprintf(err, errlen, "limit: expected an integer 0..%d", MONITOR_LIMIT_MAX);
				return -EINVAL;
			}
			st->limit = (size_t)v;
		} else {
			snprintf(err, errlen, "%.64s: unknown parameter (known: device since until limit)",
				 kv->key);
			return -EINVAL;
		}
	}
	return 0;
}

void bld_api_monitor(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		     const char *arg, struct bld_reply *r)
{
	struct mon_state st = { .limit = MONITOR_LIMIT_DEFAULT };
	struct evkeyvalq q;
	const char *device = NULL;
	int64_t since = 0, until = 0;
	char err[256];
	int ret;

	if (bld_query_parse(req, &q, r) < 0)
		return;
	if (monitor_query(&q, &device, &since, &until, &st, err, sizeof(err)) < 0) {
		bld_reply_error(r, 400, "Bad Request", err);
		goto out;
	}
	st.arr = json_array();
	ret = st.arr ? bl_store_query_monitor(ctx->store, device, since, until, mon_cb, &st) : -ENOMEM;
	if (ret < 0) {
		json_decref(st.arr);
		snprintf(err, sizeof(err), "store: query monitor: %s", bl_store_errmsg(ctx->store));
		bld_reply_error(r, 503, "Service Unavailable", err);
		goto out;
	}
	bld_reply_json(r, 200, "OK",
		       json_pack("{s:{s:I, s:I}, s:o}", "totals", "bounces", (json_int_t)st.bounces,
				 "bounced_bytes", (json_int_t)st.bytes, "samples", st.arr));
out:
	evhttp_clear_headers(&q);
}
