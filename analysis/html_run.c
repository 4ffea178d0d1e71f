/*
 * One run's dashboard page: what ran (kernel, mode, job, devices, status),
 * its result rows as a table (the numbers the headline summed), and the
 * stored document itself, so that every number on the index is one link
 * from the document it came from. The rows are read from the document, not
 * from the store's columns: the page shows what was posted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis.h"
#include "html_int.h"
#include "log.h"
#include "resultdoc.h"

static void field(FILE *f, const char *name, const char *value)
{
	fputs("<tr><th>", f);
	html_text(f, name, false);
	fputs("</th><td>", f);
	html_text(f, value && *value ? value : "-", false);
	fputs("</td></tr>\n", f);
}

/* A JSON number or null as a cell. */
static void num_cell(FILE *f, json_t *v, double scale)
{
	double x = json_number_value(v) * scale;

	/* whole numbers past 10^4 in full: "11111", not "1.111e+04" */
	if (json_is_number(v) && (x >= 1e4 || x <= -1e4))
		fprintf(f, "<td class=\"n\">%.0f</td>", x);
	else if (json_is_number(v))
		fprintf(f, "<td class=\"n\">%.4g</td>", x);
	else
		fputs("<td class=\"n\">&ndash;</td>", f);
}

static void results_table(FILE *f, json_t *doc)
{
	json_t *results = json_object_get(doc, "results"), *row;
	size_t i;

	if (!json_is_array(results) || !json_array_size(results)) {
		fputs("<p>No result rows.</p>\n", f);
		return;
	}
	fputs("<table id=\"results\">\n<tr><th>workload</th><th>size</th><th>ops</th><th>ops/s</th>"
	      "<th>p50 ns</th><th>bounces</th><th>bounced MiB</th><th>slots peak</th>"
	      "<th>refused ops</th><th>error</th></tr>\n", f);
	json_array_foreach(results, i, row) {
		json_t *c = json_object_get(row, "counters");
		json_t *fl = json_object_get(row, "failures");
		json_int_t failed = json_integer_value(json_object_get(fl, "ops"));
		char sz[24];

		bl_size_str(json_integer_value(json_object_get(row, "size")), sz, sizeof(sz));
		fputs("<tr><td>", f);
		html_text(f, json_string_value(json_object_get(row, "workload")), false);
		if (json_is_string(json_object_get(row, "variant"))) {
			fputs("/", f);
			html_text(f, json_string_value(json_object_get(row, "variant")), false);
		}
		fprintf(f, "</td><td class=\"n\">%s</td>", sz);
		num_cell(f, json_object_get(row, "ops"), 1);
		num_cell(f, json_object_get(json_object_get(row, "ops_per_sec"), "mean"), 1);
		num_cell(f, json_object_get(json_object_get(row, "latency_ns"), "p50"), 1);
		num_cell(f, json_object_get(c, "swiotlb_bounced"), 1);
		num_cell(f, json_object_get(c, "swiotlb_bounced_bytes"), 1.0 / (1024 * 1024));
		num_cell(f, json_object_get(c, "io_tlb_used_peak"), 1);
		fprintf(f, "<td class=\"n%s\">%lld</td><td>", failed ? " refused" : "",
			(long long)failed);
		html_text(f, json_string_value(json_object_get(fl, "error")), false);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

int an_html_run(FILE *f, struct bl_store *s, const char *uuid, const struct an_html_opts *o)
{
	struct bl_run_filter flt = { .run_id = uuid };
	struct an_runs runs = { 0 };
	const struct an_run *r;
	char *text = NULL, *pretty = NULL, title[128];
	json_t *doc = NULL;
	int ret;

	if (!bl_uuid_valid(uuid))
		return -EINVAL;
	ret = bl_store_get_document(s, uuid, &text);
	if (ret < 0)
		return ret; /* -ENOENT: no such run */
	ret = an_load_runs(s, &flt, &runs);
	if (ret < 0)
		goto out;
	if (!runs.n) {
		ret = -ENOENT;
		goto out;
	}
	r = &runs.r[0];
	doc = json_loads(text, 0, NULL);
	/* stored documents were validated on the way in; one that no longer parses is shown raw */
	pretty = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	snprintf(title, sizeof(title), "run %s", uuid);
	html_page_start(f, title, o, 1);
	fputs("<table id=\"run\">\n", f);
	field(f, "status", r->status);
	field(f, "error", r->error);
	field(f, "started", r->started_at);
	field(f, "kernel", r->kernel_release);
	field(f, "package", r->package_version);
	field(f, "mode", r->mode);
	field(f, "clock", r->clock ? r->clock : "host");
	field(f, "job", r->job);
	field(f, "backend", r->backend);
	field(f, "workload", r->workload);
	field(f, "device", r->device);
	field(f, "importer", r->importer);
	field(f, "host", r->hostname);
	fputs("</table>\n<h2 id=\"results\">Result rows</h2>\n", f);
	if (doc)
		results_table(f, doc);
	fputs("<h2 id=\"document\">Stored document</h2>\n<pre>", f);
	html_text(f, pretty ? pretty : text, true);
	fputs("</pre>\n", f);
	html_page_end(f);
out:
	free(pretty);
	json_decref(doc);
	free(text);
	an_runs_free(&runs);
	return ret;
}
