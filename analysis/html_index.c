/*
 * The dashboard's index page: the headline table of the newest night, the
 * latest verdicts the store holds (the last judgement, bouncelab nightly or
 * compare --store), the figures, and the runs with links to their pages.
 * Every run a number came from is one link away.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "html_int.h"
#include "log.h"
#include "store_summary.h"

/* The newest verdicts: at most this many rows of the latest judgement. */
#define VERDICTS_MAX 200

int html_load_night(struct bl_store *s, int night_hours, struct an_dataset *ds)
{
	struct bl_run_filter f = { .oldest_first = true };
	char err[512] = "";
	int64_t newest = 0;
	int ret;

	if (night_hours > 0) {
		ret = bl_store_summary_newest(s, &newest, err, sizeof(err));
		if (ret < 0) {
			bl_err("%s", err);
			return ret;
		}
		if (newest)
			f.since = newest - (int64_t)night_hours * 3600;
	}
	return an_dataset_load(s, &f, ds);
}

/*
 * The latest judgement: its worse rows, then its better ones, as a table;
 * the others (same, unknown, new, missing) only counted, because a night
 * judges hundreds of rows and the reader came for what changed.
 */
struct verdicts {
	FILE *worse, *better; /* the table rows of each, in the store's order */
	int64_t at;	      /* the latest judgement's time; 0 before the first verdict */
	size_t listed, left_out, total;
	size_t n_worse, n_better, n_same, n_other;
};

static void verdict_row(FILE *f, const struct bl_verdict *v, const char *cls)
{
	char sz[24];

	bl_size_str(v->size, sz, sizeof(sz));
	fputs("<tr><td>", f);
	html_text(f, v->subject, false);
	fputs("</td><td>", f);
	html_text(f, v->baseline, false);
	fputs("</td><td>", f);
	html_text(f, v->workload, false);
	if (v->variant && *v->variant) {
		fputs("/", f);
		html_text(f, v->variant, false);
	}
	fprintf(f, "</td><td class=\"n\">%s</td><td>", sz);
	html_text(f, v->metric, false);
	fputs("</td><td class=\"n\">", f);
	if (v->change.set)
		fprintf(f, "%+.1f%%", v->change.v * 100);
	fprintf(f, "</td><td class=\"%s\">", cls);
	html_text(f, v->verdict, false);
	fputs("</td></tr>\n", f);
}

static int verdict_cb(const struct bl_verdict *v, int64_t at_unix, void *user)
{
	struct verdicts *vs = user;
	const char *name = v->verdict ? v->verdict : "";
	FILE *f = NULL;

	if (!vs->at)
		vs->at = at_unix;
	if (at_unix != vs->at)
		return 1; /* an older judgement: done */
	vs->total++;
	if (!strcmp(name, "worse")) {
		vs->n_worse++;
		f = vs->worse;
	} else if (!strcmp(name, "better")) {
		vs->n_better++;
		f = vs->better;
	} else if (!strcmp(name, "same")) {
		vs->n_same++;
	} else {
		vs->n_other++;
	}
	if (!f)
		return 0;
	if (vs->listed >= VERDICTS_MAX) {
		vs->left_out++;
		return 0;
	}
	vs->listed++;
	/* the class is ours, never the store's text */
	verdict_row(f, v, f == vs->worse ? "worse" : "better");
	return 0;
}

static int verdicts_section(FILE *f, struct bl_store *s)
{
	struct verdicts vs = { 0 };
	char *wbuf = NULL, *bbuf = NULL, when[32] = "";
	size_t wlen = 0, blen = 0;
	time_t t;
	struct tm tm;
	int ret;

	fputs("<h2 id=\"latest-verdicts\">Latest verdicts</h2>\n", f);
	vs.worse = open_memstream(&wbuf, &wlen);
	vs.better = open_memstream(&bbuf, &blen);
	if (!vs.worse || !vs.better) {
		ret = -ENOMEM;
		goto out;
	}
	ret = bl_store_query_verdicts(s, NULL, verdict_cb, &vs);
	fflush(vs.worse);
	fflush(vs.better);
	if (ret < 0) {
		bl_err("dashboard: verdicts: %s", bl_store_errmsg(s));
		goto out;
	}
	ret = 0;
	if (!vs.total) {
		fputs("<p>No verdicts stored yet (bouncelab nightly, or bouncelabd's scheduler, "
		      "stores them).</p>\n", f);
		goto out;
	}
	t = (time_t)vs.at;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(f, "<p id=\"verdict-counts\">The latest judgement (%s) made %zu verdicts: "
		   "<span class=\"worse\">%zu worse</span>, <span class=\"better\">%zu "
		   "better</span>, %zu same, %zu unknown, new or missing.</p>\n",
		when, vs.total, vs.n_worse, vs.n_better, vs.n_same, vs.n_other);
	if (vs.listed) {
		fputs("<table id=\"verdicts\">\n<tr><th>subject</th><th>baseline</th>"
		      "<th>workload</th><th>size</th><th>metric</th><th>change</th>"
		      "<th>verdict</th></tr>\n", f);
		fwrite(wbuf, 1, wlen, f);
		fwrite(bbuf, 1, blen, f);
		fputs("</table>\n", f);
	}
	if (vs.left_out)
		fprintf(f, "<p class=\"note\">%zu more changed rows left out (bouncelab compare "
			   "shows all).</p>\n", vs.left_out);
out:
	if (vs.worse)
		fclose(vs.worse);
	if (vs.better)
		fclose(vs.better);
	free(wbuf);
	free(bbuf);
	return ret;
}

/*
 * The figures an_html_figures() rendered into o->figures, in the order and
 * with the captions it listed (its .captions file); a figure gnuplot could
 * not draw is left out.
 */
static int figures_section(FILE *f, const struct an_html_opts *o)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0, shown = 0;
	FILE *in;

	fputs("<h2 id=\"figures\">Figures</h2>\n", f);
	if (!o->figures) {
		fputs("<p>", f);
		html_text(f, o->figures_why && *o->figures_why ? o->figures_why : "No figures.",
			  false);
		fputs("</p>\n", f);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/.captions", o->figures);
	in = fopen(path, "re");
	while (in && getline(&line, &cap, in) > 0) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n'), ipath[PATH_MAX];

		if (!tab)
			continue;
		*tab = '\0';
		if (nl)
			*nl = '\0';
		if (snprintf(ipath, sizeof(ipath), "%s/%s", o->figures, line) >= (int)sizeof(ipath) ||
		    access(ipath, R_OK))
			continue;
		fputs("<figure><img src=\"", f);
		fputs(o->links == AN_HTML_SERVED ? "/figures/" : "figures/", f);
		html_text(f, line, false);
		fputs("\" alt=\"", f);
		html_text(f, tab + 1, false);
		fputs("\"><figcaption>", f);
		html_text(f, tab + 1, false);
		fputs("</figcaption></figure>\n", f);
		shown++;
	}
	free(line);
	if (in)
		fclose(in);
	if (!shown) {
		fputs("<p>", f);
		html_text(f, o->figures_why && *o->figures_why ? o->figures_why :
			  "No figures rendered.", false);
		fputs("</p>\n", f);
	}
	return 0;
}

static void runs_section(FILE *f, const struct an_runs *runs, const struct an_html_opts *o)
{
	fprintf(f, "<h2 id=\"runs\">Runs</h2>\n<table id=\"runs-table\">\n<tr><th>started</th>"
		   "<th>kernel</th><th>mode</th><th>job</th><th>devices</th><th>status</th>"
		   "<th>document</th></tr>\n");
	for (size_t i = runs->n; i-- > 0;) { /* newest first */
		const struct an_run *r = &runs->r[i];

		fputs("<tr><td>", f);
		html_text(f, r->started_at, false);
		fputs("</td><td>", f);
		html_text(f, r->kernel_release, false);
		fputs("</td><td>", f);
		html_text(f, r->mode, false);
		fputs("</td><td>", f);
		html_text(f, r->job, false);
		fputs("</td><td>", f);
		html_text(f, r->device, false);
		if (r->importer) {
			fputs(" &rarr; ", f);
			html_text(f, r->importer, false);
		}
		fprintf(f, "</td><td class=\"%s\">", r->status && !strcmp(r->status, "ok") ?
							   "same" : "worse");
		html_text(f, r->status, false);
		fputs("</td><td><a href=\"", f);
		html_href_run(f, o, 0, r->run_id);
		fputs("\">", f);
		html_text(f, r->run_id, false);
		fputs("</a></td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

int an_html_index(FILE *f, struct bl_store *s, const struct an_html_opts *o)
{
	struct an_dataset ds = { 0 };
	int ret;

	ret = html_load_night(s, o->night_hours, &ds);
	if (ret < 0)
		goto out;
	html_page_start(f, "bouncelab: what DMA bouncing costs", o, 0);
	if (!ds.runs.n) {
		fputs("<p>The store holds no runs yet: <code>bouncelab lab</code> or <code>bouncelab ingest</code> "
		      "adds some.</p>\n", f);
	} else {
		fprintf(f, "<p>%zu run%s, started ", ds.runs.n, ds.runs.n == 1 ? "" : "s");
		html_text(f, ds.runs.r[0].started_at, false);
		fputs(" &ndash; ", f);
		html_text(f, ds.runs.r[ds.runs.n - 1].started_at, false);
		if (o->night_hours > 0)
			fprintf(f, " (the newest night: within %d hours of the newest run)",
				o->night_hours);
		fputs(".</p>\n<h2 id=\"headline\">Headline: what each mode costs per kernel</h2>\n",
		      f);
		ret = html_headline(f, s, &ds, o);
		if (ret < 0)
			goto out;
	}
	ret = html_night_section(f, s, o);
	if (ret >= 0)
		ret = verdicts_section(f, s);
	if (ret < 0)
		goto out;
	figures_section(f, o);
	runs_section(f, &ds.runs, o);
	html_page_end(f);
out:
	an_dataset_free(&ds);
	return ret;
}
