/*
 * A judged night for readers (night.h): as JSON for the daemon's
 * /api/v1/nights, and as a few lines of text for `bouncelab status`
 * (what regressed first, capped, with "and N more"). Unknown numbers are
 * null in JSON and "?" in text, never 0.
 */
#include "night.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "compare.h"

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *counts_json(const struct an_night_counts *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "worse", json_integer((json_int_t)c->worse));
	json_object_set_new(o, "better", json_integer((json_int_t)c->better));
	json_object_set_new(o, "same", json_integer((json_int_t)c->same));
	json_object_set_new(o, "unknown", json_integer((json_int_t)c->unknown));
	json_object_set_new(o, "failed_new", json_integer((json_int_t)c->failed_new));
	return o;
}

static json_t *run_json(const struct an_night *n, const struct an_night_run *r)
{
	json_t *o = json_object(), *b = json_object();

	json_object_set_new(o, "run_id", json_string(r->uuid));
	json_object_set_new(o, "status", str_or_null(r->status));
	json_object_set_new(o, "config", str_or_null(r->config));
	json_object_set_new(o, "first_night", json_boolean(!r->last_uuid));
	json_object_set_new(o, "last_night", str_or_null(r->last_uuid));
	json_object_set_new(o, "last_night_started_unix",
			    r->last_uuid ? json_integer(r->last_started_unix) : json_null());
	json_object_set_new(o, "against_last_night", counts_json(&r->last));
	json_object_set_new(b, "judged", json_boolean(r->baseline_judged));
	json_object_set_new(b, "why_not", str_or_null(r->baseline_why));
	json_object_set_new(b, "counts", counts_json(&r->base));
	json_object_set_new(o, "against_baseline", n->baseline ? b : json_null());
	if (!n->baseline)
		json_decref(b);
	return o;
}

static json_t *row_json(const struct an_night *n, const struct an_night_row *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "run_id", json_string(n->runs[r->run].uuid));
	json_object_set_new(o, "against", json_string(an_night_against_name(r->against)));
	json_object_set_new(o, "baseline", json_string(r->baseline));
	json_object_set_new(o, "workload", json_string(r->workload));
	json_object_set_new(o, "variant", *r->variant ? json_string(r->variant) : json_null());
	json_object_set_new(o, "size", json_integer(r->size));
	json_object_set_new(o, "metric", json_string(r->metric));
	json_object_set_new(o, "kind", json_string(r->count ? "count" : "time"));
	json_object_set_new(o, "failure", json_boolean(r->failure));
	json_object_set_new(o, "baseline_value", num_or_null(r->base_value));
	json_object_set_new(o, "value", num_or_null(r->value));
	json_object_set_new(o, "change", num_or_null(r->change));
	json_object_set_new(o, "threshold", num_or_null(r->threshold));
	json_object_set_new(o, "calibrated", json_boolean(r->calibrated));
	json_object_set_new(o, "verdict", json_string(r->verdict));
	json_object_set_new(o, "detail", str_or_null(r->detail));
	return o;
}

json_t *an_night_to_json(const struct an_night *n)
{
	json_t *o = json_object(), *runs = json_array(), *rows = json_array(), *c = json_object();

	if (!o || !runs || !rows || !c) {
		json_decref(o);
		json_decref(runs);
		json_decref(rows);
		json_decref(c);
		return NULL;
	}
	json_object_set_new(o, "id", json_integer(n->id));
	json_object_set_new(o, "label", json_string(n->label));
	json_object_set_new(o, "source", json_string(n->source));
	json_object_set_new(o, "status", json_string(n->status));
	json_object_set_new(o, "baseline", str_or_null(n->baseline));
	json_object_set_new(o, "started_unix", json_integer(n->started_unix));
	json_object_set_new(o, "finished_unix",
			    n->finished_unix ? json_integer(n->finished_unix) : json_null());
	json_object_set_new(o, "previous_night", n->previous_id ? json_integer(n->previous_id) :
								   json_null());
	json_object_set_new(o, "first_nights", json_integer((json_int_t)n->first_nights));
	json_object_set_new(c, "last_night", counts_json(&n->last));
	json_object_set_new(c, "baseline", n->baseline ? counts_json(&n->base) : json_null());
	json_object_set_new(o, "counts", c);
	for (size_t i = 0; i < n->n_runs; i++)
		json_array_append_new(runs, run_json(n, &n->runs[i]));
	for (size_t i = 0; i < n->n_rows; i++)
		json_array_append_new(rows, row_json(n, &n->rows[i]));
	json_object_set_new(o, "runs", runs);
	json_object_set_new(o, "rows", rows);
	return o;
}

static void when(int64_t unix_s, char *buf, size_t len)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, len, "?");
}

static void counts_text(FILE *f, const char *what, const struct an_night_counts *c)
{
	fprintf(f, "  against %s: %zu worse", what, c->worse);
	if (c->failed_new)
		fprintf(f, " (%zu newly failing)", c->failed_new);
	fprintf(f, ", %zu better, %zu same, %zu unknown\n", c->better, c->same, c->unknown);
}

/* "12000 -> 10500 (-12.5%, threshold 4.0%, noise floor)"; "0 -> 1 (threshold 0)" */
static void change_text(const struct an_night_row *r, char *buf, size_t len)
{
	char thr[64], rel[24] = "";

	if (!isfinite(r->threshold))
		snprintf(thr, sizeof(thr), "not judged");
	else if (r->count)
		snprintf(thr, sizeof(thr), "threshold %.4g%s", r->threshold,
			 r->calibrated ? ", noise floor" : "");
	else
		snprintf(thr, sizeof(thr), "threshold %.1f%%, %s", 100 * r->threshold,
			 r->calibrated ? "noise floor" : "uncalibrated");
	if (isfinite(r->change))
		snprintf(rel, sizeof(rel), "%+.1f%%, ", 100 * r->change);
	char b[32] = "?", v[32] = "?"; /* a side without the row */

	if (isfinite(r->base_value))
		snprintf(b, sizeof(b), "%.6g", r->base_value);
	if (isfinite(r->value))
		snprintf(v, sizeof(v), "%.6g", r->value);
	snprintf(buf, len, "%s -> %s (%s%s)", b, v, rel, thr);
}

void an_night_write_text(FILE *f, const struct an_night *n, size_t max_rows)
{
	char at[40], sz[24], ch[128];
	size_t shown = 0, worse = 0;

	when(n->started_unix, at, sizeof(at));
	fprintf(f, "night:     #%" PRId64 " '%s' (%s), started %s, %zu run%s, %s\n", n->id,
		n->label, n->source, at, n->n_runs, n->n_runs == 1 ? "" : "s", n->status);
	if (strcmp(n->status, "judged")) {
		fprintf(f, "  not judged yet\n");
		return;
	}
	counts_text(f, "last night", &n->last);
	if (n->first_nights)
		fprintf(f, "  %zu run%s without a last night (first night of the configuration)\n",
			n->first_nights, n->first_nights == 1 ? "" : "s");
	if (n->baseline)
		counts_text(f, n->baseline, &n->base);
	for (size_t i = 0; i < n->n_rows; i++) {
		const struct an_night_row *r = &n->rows[i];

		if (strcmp(r->verdict, "worse"))
			continue;
		worse++;
		if (shown >= max_rows)
			continue;
		shown++;
		bl_size_str(r->size, sz, sizeof(sz));
		change_text(r, ch, sizeof(ch));
		fprintf(f, "  worse: %s: %s%s%s %s %s %s [%s]\n", n->runs[r->run].config ?
			n->runs[r->run].config : n->runs[r->run].uuid, r->workload,
			*r->variant ? "/" : "", r->variant, sz, r->metric, ch,
			an_night_against_name(r->against));
	}
	if (worse > shown)
		fprintf(f, "  and %zu more worse row%s\n", worse - shown, worse - shown == 1 ? "" : "s");
	if (!worse)
		fprintf(f, "  nothing regressed\n");
}
