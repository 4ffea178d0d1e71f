/*
 * /api/v1/nights/{latest|id}: a night and its verdicts as JSON
 * (analysis/night.h's model, an_night_to_json), 404 when there is none;
 * and the latest night's gauges for /metrics, rendered once per change of
 * the night (daemon_night.h) so that a scrape costs one small query.
 */
#include "daemon_api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon.h"
#include "daemon_night.h"
#include "night.h"
#include "store.h"

int bld_night_id_parse(const char *arg, long long *id)
{
	char *end;
	long long n;

	if (!arg)
		return -EINVAL;
	if (!strcmp(arg, "latest")) {
		*id = 0;
		return 0;
	}
	/* digits only: no sign, no blanks, no leading zero, at most 2^53 (a JSON number) */
	if (!*arg || arg[0] == '0' || strspn(arg, "0123456789") != strlen(arg) || strlen(arg) > 16)
		return -EINVAL;
	errno = 0;
	n = strtoll(arg, &end, 10);
	if (errno || *end || n < 1 || n > (1LL << 53))
		return -EINVAL;
	*id = n;
	return 0;
}

void bld_api_get_night(struct bld_ctx *ctx, const struct bld_listener *l,
		       struct evhttp_request *req, const char *arg, struct bld_reply *r)
{
	struct an_night n;
	long long id;
	json_t *j;
	int ret;

	if (bld_night_id_parse(arg, &id) < 0) {
		bld_reply_error(r, 400, "Bad Request", "night: expected latest or a night's id (1, 2, ...)");
		return;
	}
	ret = an_night_load(ctx->store, id, &n);
	if (ret == -ENOENT) {
		bld_reply_error(r, 404, "Not Found",
				id ? "night: no such night" : "night: none recorded yet");
		return;
	}
	if (ret < 0) {
		bld_reply_error(r, 503, "Service Unavailable", "night: the store failed (logged)");
		return;
	}
	j = an_night_to_json(&n);
	an_night_free(&n);
	if (!j) {
		bld_reply_error(r, 503, "Service Unavailable", "night: out of memory");
		return;
	}
	bld_reply_json(r, 200, "OK", j);
}

/* --- /metrics -------------------------------------------------------------------- */

struct bld_night_cache {
	int64_t id, finished, n_runs; /* what the text was rendered from */
	char *status;
	char *text;		      /* the gauges; NULL: nothing rendered yet */
};

void bld_night_cache_free(struct bld_night_cache *c)
{
	if (!c)
		return;
	free(c->status);
	free(c->text);
	free(c);
}

struct night_key {
	int64_t id, finished, n_runs;
	char status[16];
};

static int key_cb(const struct bl_night_row *r, void *user)
{
	struct night_key *k = user;

	k->id = r->id;
	k->finished = r->finished_unix.set ? r->finished_unix.v : 0;
	k->n_runs = r->n_runs;
	snprintf(k->status, sizeof(k->status), "%s", r->status ? r->status : "");
	return 0;
}

static void help(struct evbuffer *b, const char *name, const char *text)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, text, name);
}

/* bouncelab_night_rows{against,verdict} for one side. */
static void rows_by_verdict(struct evbuffer *b, const char *against, const struct an_night_counts *c)
{
	const struct {
		const char *verdict;
		size_t n;
	} v[] = { { "worse", c->worse }, { "better", c->better }, { "same", c->same },
		  { "unknown", c->unknown } };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		evbuffer_add_printf(b, "bouncelab_night_rows{");
		bld_prom_label(b, "against", against, false);
		bld_prom_label(b, "verdict", v[i].verdict, true);
		evbuffer_add_printf(b, "} %zu\n", v[i].n);
	}
}

static void render(struct evbuffer *b, const struct an_night *n)
{
	char id[24];

	snprintf(id, sizeof(id), "%" PRId64, n->id);
	help(b, "bouncelab_night_info", "The latest night (GET /api/v1/nights/latest), always 1.");
	evbuffer_add_printf(b, "bouncelab_night_info{");
	bld_prom_label(b, "id", id, false);
	bld_prom_label(b, "label", n->label, false);
	bld_prom_label(b, "source", n->source, false);
	bld_prom_label(b, "status", n->status, true);
	evbuffer_add_printf(b, "} 1\n");
	help(b, "bouncelab_night_started_time_seconds", "When the latest night started (unix time).");
	evbuffer_add_printf(b, "bouncelab_night_started_time_seconds %" PRId64 "\n", n->started_unix);
	help(b, "bouncelab_night_runs", "Runs of the latest night.");
	evbuffer_add_printf(b, "bouncelab_night_runs %zu\n", n->n_runs);
	if (strcmp(n->status, "judged"))
		return; /* not judged yet: no verdict gauges (absent, never 0) */
	help(b, "bouncelab_night_first_runs",
	     "Runs of the latest night without a last night of their configuration.");
	evbuffer_add_printf(b, "bouncelab_night_first_runs %zu\n", n->first_nights);
	help(b, "bouncelab_night_worse_rows",
	     "Rows of the latest night judged worse (regressions), against last night or the pinned baseline.");
	evbuffer_add_printf(b, "bouncelab_night_worse_rows{against=\"last-night\"} %zu\n", n->last.worse);
	if (n->baseline)
		evbuffer_add_printf(b, "bouncelab_night_worse_rows{against=\"baseline\"} %zu\n",
				    n->base.worse);
	help(b, "bouncelab_night_failed_new_rows",
	     "Rows of the latest night whose operations or job started failing.");
	evbuffer_add_printf(b, "bouncelab_night_failed_new_rows{against=\"last-night\"} %zu\n",
			    n->last.failed_new);
	if (n->baseline)
		evbuffer_add_printf(b, "bouncelab_night_failed_new_rows{against=\"baseline\"} %zu\n",
				    n->base.failed_new);
	help(b, "bouncelab_night_rows", "Rows of the latest night by verdict.");
	rows_by_verdict(b, "last-night", &n->last);
	if (n->baseline)
		rows_by_verdict(b, "baseline", &n->base);
	help(b, "bouncelab_night_run_worse_rows",
	     "Rows judged worse against last night, per run of the latest night (absent: first night).");
	for (size_t i = 0; i < n->n_runs; i++) {
		const struct an_night_run *r = &n->runs[i];

		if (!r->last_uuid)
			continue;
		evbuffer_add_printf(b, "bouncelab_night_run_worse_rows{");
		bld_prom_label(b, "run_id", r->uuid, false);
		bld_prom_label(b, "config", r->config ? r->config : "", true);
		evbuffer_add_printf(b, "} %zu\n", r->last.worse);
	}
}

void bld_night_metrics(struct bld_ctx *ctx, struct evbuffer *b)
{
	struct bld_night_cache *c = ctx->night_cache;
	struct night_key k = { 0 };
	struct evbuffer *out;
	struct an_night n;
	size_t len;

	if (bl_store_night_get(ctx->store, 0, key_cb, &k) < 0)
		return; /* none recorded, or the store failed: no gauges */
	if (!c && !(c = ctx->night_cache = calloc(1, sizeof(*c))))
		return;
	if (c->text && c->id == k.id && c->finished == k.finished && c->n_runs == k.n_runs &&
	    c->status && !strcmp(c->status, k.status)) {
		evbuffer_add(b, c->text, strlen(c->text));
		return;
	}
	if (an_night_load(ctx->store, k.id, &n) < 0)
		return;
	out = evbuffer_new();
	if (out) {
		render(out, &n);
		len = evbuffer_get_length(out);
		free(c->text);
		free(c->status);
		c->status = strdup(k.status);
		c->text = malloc(len + 1);
		if (c->text && c->status) {
			evbuffer_remove(out, c->text, len);
			c->text[len] = '\0';
			c->id = k.id;
			c->finished = k.finished;
			c->n_runs = k.n_runs;
			evbuffer_add(b, c->text, len);
		} else {
			free(c->text);
			c->text = NULL; /* rendered again at the next scrape */
		}
		evbuffer_free(out);
	}
	an_night_free(&n);
}
