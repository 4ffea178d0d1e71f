/*
 * The dashboard's nights (issue 16): the page of one judged night
 * (/nights/{id}, nights/ID.html in a folder) with its runs, their last
 * nights and every row not judged "same", and the index's "Latest night"
 * section (its counts and worse rows, linking to the night's page). Every
 * number links to the run it came from: tonight's values to tonight's
 * run, last night's to last night's. All text from the store is escaped.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "compare.h"
#include "html_int.h"
#include "log.h"
#include "night.h"

/* Worse rows the index's section lists before "and N more" (the night's page has all). */
#define INDEX_NIGHT_ROWS 15

void html_href_night(FILE *f, const struct an_html_opts *o, int depth, int64_t id)
{
	if (o->links == AN_HTML_SERVED) {
		fprintf(f, "/nights/%" PRId64, id);
		return;
	}
	for (int i = 0; i < depth; i++)
		fputs("../", f);
	fprintf(f, "nights/%" PRId64 ".html", id);
}

static void when(int64_t unix_s, char *buf, size_t len)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, len, "?");
}

/* A value as a link to the run it was measured in; "&ndash;" when there is none. */
static void value_cell(FILE *f, double v, const char *uuid, const struct an_html_opts *o,
		       int depth)
{
	fputs("<td class=\"n\">", f);
	if (!isfinite(v)) {
		fputs("&ndash;</td>", f);
		return;
	}
	if (uuid) {
		fputs("<a href=\"", f);
		html_href_run(f, o, depth, uuid);
		fprintf(f, "\">%.6g</a></td>", v);
	} else {
		fprintf(f, "%.6g</td>", v);
	}
}

/* The uuid after "last-night:" in a row's baseline label, or NULL (a baseline selector). */
static const char *base_run(const struct an_night_row *r, const struct an_night *n)
{
	if (r->against == AN_AGAINST_LAST_NIGHT)
		return n->runs[r->run].last_uuid;
	return NULL;
}

static void row_html(FILE *f, const struct an_night *n, const struct an_night_row *r,
		     const struct an_html_opts *o, int depth)
{
	const struct an_night_run *run = &n->runs[r->run];
	const char *cls = !strcmp(r->verdict, "worse") ? "worse" :
			  !strcmp(r->verdict, "better") ? "better" : "other";
	char sz[24];

	bl_size_str(r->size, sz, sizeof(sz));
	fputs("<tr><td><a href=\"", f);
	html_href_run(f, o, depth, run->uuid);
	fputs("\">", f);
	html_text(f, run->config ? run->config : run->uuid, false);
	fputs("</a></td><td>", f);
	html_text(f, an_night_against_name(r->against), false);
	fputs("</td><td>", f);
	html_text(f, r->workload, false);
	if (*r->variant) {
		fputs("/", f);
		html_text(f, r->variant, false);
	}
	fprintf(f, "</td><td class=\"n\">%s</td><td>", sz);
	html_text(f, r->metric, false);
	fputs("</td>", f);
	value_cell(f, r->base_value, base_run(r, n), o, depth);
	value_cell(f, r->value, run->uuid, o, depth);
	fputs("<td class=\"n\">", f);
	if (isfinite(r->change))
		fprintf(f, "%+.1f%%", 100 * r->change);
	fputs("</td><td>", f);
	if (!isfinite(r->threshold))
		fputs("not judged", f);
	else if (r->count)
		fprintf(f, "%.4g%s", r->threshold, r->calibrated ? " (noise floor)" : "");
	else
		fprintf(f, "%.1f%% (%s)", 100 * r->threshold,
			r->calibrated ? "noise floor" : "uncalibrated");
	/* the class is ours, never the store's text */
	fprintf(f, "</td><td class=\"%s\">", cls);
	html_text(f, r->verdict, false);
	if (r->failure && !strcmp(r->verdict, "worse"))
		fputs(" (now failing)", f);
	fputs("</td></tr>\n", f);
}

static void rows_head(FILE *f, const char *id)
{
	fprintf(f, "<table id=\"%s\">\n<tr><th>run (configuration)</th><th>against</th>"
		   "<th>workload</th><th>size</th><th>metric</th><th>before</th><th>tonight</th>"
		   "<th>change</th><th>threshold</th><th>verdict</th></tr>\n", id);
}

static void counts_p(FILE *f, const char *what, const struct an_night_counts *c)
{
	fputs("<p>Against ", f);
	html_text(f, what, false);
	fprintf(f, ": <span class=\"worse\">%zu worse</span>", c->worse);
	if (c->failed_new)
		fprintf(f, " (%zu now failing)", c->failed_new);
	fprintf(f, ", <span class=\"better\">%zu better</span>, %zu same, %zu not judged.</p>\n",
		c->better, c->same, c->unknown);
}

/* The night's heading paragraph: label, source, when, runs. */
static void night_intro(FILE *f, const struct an_night *n)
{
	char at[40], done[40];

	when(n->started_unix, at, sizeof(at));
	when(n->finished_unix, done, sizeof(done));
	fputs("<p>", f);
	html_text(f, n->label, false);
	fputs(" (", f);
	html_text(f, n->source, false);
	fprintf(f, "), started %s, %zu run%s, ", at, n->n_runs, n->n_runs == 1 ? "" : "s");
	if (!strcmp(n->status, "judged"))
		fprintf(f, "judged %s.</p>\n", done);
	else
		fputs("not judged yet.</p>\n", f);
}

int an_html_night(FILE *f, struct bl_store *s, int64_t id, const struct an_html_opts *o)
{
	struct an_night n;
	char title[96], at[40];
	int ret = an_night_load(s, id, &n);

	if (ret < 0)
		return ret; /* -ENOENT: no such night */
	snprintf(title, sizeof(title), "night %" PRId64, n.id);
	html_page_start(f, title, o, 1);
	night_intro(f, &n);
	if (n.previous_id && o->links == AN_HTML_SERVED) {
		fputs("<p><a href=\"", f);
		html_href_night(f, o, 1, n.previous_id);
		fprintf(f, "\">the night before (%" PRId64 ")</a></p>\n", n.previous_id);
	}
	fputs("<h2 id=\"runs\">Runs</h2>\n<table id=\"night-runs\">\n<tr><th>run (configuration)"
	      "</th><th>status</th><th>last night</th><th>worse</th><th>better</th><th>same</th>"
	      "<th>not judged</th></tr>\n", f);
	for (size_t i = 0; i < n.n_runs; i++) {
		const struct an_night_run *r = &n.runs[i];

		fputs("<tr><td><a href=\"", f);
		html_href_run(f, o, 1, r->uuid);
		fputs("\">", f);
		html_text(f, r->config ? r->config : r->uuid, false);
		fputs("</a></td><td>", f);
		html_text(f, r->status, false);
		fputs("</td><td>", f);
		if (r->last_uuid) {
			when(r->last_started_unix, at, sizeof(at));
			fputs("<a href=\"", f);
			html_href_run(f, o, 1, r->last_uuid);
			fprintf(f, "\">%s</a>", at);
		} else {
			fputs("first night of this configuration", f);
		}
		fprintf(f, "</td><td class=\"n worse\">%zu</td><td class=\"n\">%zu</td>"
			   "<td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n",
			r->last.worse, r->last.better, r->last.same, r->last.unknown);
	}
	fputs("</table>\n<h2 id=\"verdicts\">What changed since last night</h2>\n", f);
	counts_p(f, "last night", &n.last);
	if (n.baseline) {
		char what[300];

		snprintf(what, sizeof(what), "the pinned baseline %s", n.baseline);
		counts_p(f, what, &n.base);
	}
	if (n.n_rows) {
		rows_head(f, "night-rows");
		for (size_t i = 0; i < n.n_rows; i++)
			row_html(f, &n, &n.rows[i], o, 1);
		fputs("</table>\n", f);
	} else {
		fputs("<p>Every judged row is the same.</p>\n", f);
	}
	html_page_end(f);
	an_night_free(&n);
	return 0;
}

int html_night_section(FILE *f, struct bl_store *s, const struct an_html_opts *o)
{
	struct an_night n;
	size_t shown = 0, worse = 0;
	int ret = an_night_load(s, 0, &n);

	fputs("<h2 id=\"latest-night\">Latest night</h2>\n", f);
	if (ret == -ENOENT) {
		fputs("<p>No night recorded yet (bouncelab nightly, or bouncelabd's scheduler, "
		      "records one).</p>\n", f);
		return 0;
	}
	if (ret < 0)
		return ret;
	night_intro(f, &n);
	if (!strcmp(n.status, "judged")) {
		counts_p(f, "last night", &n.last);
		if (n.baseline)
			counts_p(f, "the pinned baseline", &n.base);
		for (size_t i = 0; i < n.n_rows; i++) {
			if (strcmp(n.rows[i].verdict, "worse"))
				continue;
			if (worse++ >= INDEX_NIGHT_ROWS)
				continue;
			if (!shown++)
				rows_head(f, "latest-night-worse");
			row_html(f, &n, &n.rows[i], o, 0);
		}
		if (shown)
			fputs("</table>\n", f);
		if (worse > shown)
			fprintf(f, "<p class=\"note\">and %zu more worse rows.</p>\n", worse - shown);
	}
	fputs("<p><a href=\"", f);
	html_href_night(f, o, 0, n.id);
	fprintf(f, "\">night %" PRId64 ": every run and changed row</a></p>\n", n.id);
	an_night_free(&n);
	return 0;
}
