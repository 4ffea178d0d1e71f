/*
 * The report's "What changed since last night" (issue 14): right after the
 * headline, when the newest judged night has runs in the report. Counts
 * first (exact: failures, bounces, slots), then times, each changed row
 * with the threshold it had to clear: the noise floor where one was
 * measured, "uncalibrated" where the 2 % default stood in. A run without a
 * last night says "first night of this configuration". What was judged is
 * read from the store (analysis/night.h); nothing is recomputed here.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "night.h"
#include "report_int.h"

/* The changed rows a table shows before "and N more" (the rest are in the store). */
#define NIGHT_TABLE_ROWS 40

static bool night_in_report(const struct an_night *n, const struct an_runs *runs)
{
	for (size_t i = 0; i < n->n_runs; i++)
		for (size_t k = 0; k < runs->n; k++)
			if (runs->r[k].run_id && !strcasecmp(runs->r[k].run_id, n->runs[i].uuid))
				return true;
	return false;
}

static void num_cell(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.6g |", v);
	else
		fputs(" ? |", f);
}

static void threshold_cell(FILE *f, const struct an_night_row *r)
{
	if (!isfinite(r->threshold))
		fputs(" not judged |", f);
	else if (r->count)
		fprintf(f, " %.4g%s |", r->threshold, r->calibrated ? " (noise floor)" : "");
	else
		fprintf(f, " %.1f %% (%s) |", 100 * r->threshold,
			r->calibrated ? "noise floor" : "uncalibrated");
}

/* One table of @n's rows against @against that are counts (@counts) or times. */
static void rows_table(FILE *f, const struct an_night *n, enum an_night_against against,
		       bool counts)
{
	size_t shown = 0, more = 0, unknown = 0;

	for (size_t i = 0; i < n->n_rows; i++) {
		const struct an_night_row *r = &n->rows[i];
		const struct an_night_run *run = &n->runs[r->run];
		char sz[24];

		if (r->against != against || r->count != counts)
			continue;
		if (strcmp(r->verdict, "worse") && strcmp(r->verdict, "better")) {
			unknown++;
			continue;
		}
		if (shown == NIGHT_TABLE_ROWS) {
			more++;
			continue;
		}
		if (!shown++)
			fputs("| run (configuration) | row | metric | before | tonight | change | "
			      "threshold | verdict |\n|---|---|---|---:|---:|---:|---|---|\n",
			      f);
		bl_size_str(r->size, sz, sizeof(sz));
		fputs("| ", f);
		rp_md_cell(f, rp_nz(run->config, run->uuid));
		fprintf(f, " (`%.8s`) | ", run->uuid);
		rp_md_cell(f, r->workload);
		if (*r->variant) {
			fputc('/', f);
			rp_md_cell(f, r->variant);
		}
		fprintf(f, " %s | %s |", sz, r->metric);
		num_cell(f, r->base_value);
		num_cell(f, r->value);
		if (isfinite(r->change))
			fprintf(f, " %+.1f %% |", 100 * r->change);
		else
			fputs(" |", f);
		threshold_cell(f, r);
		fprintf(f, " %s%s |\n", !strcmp(r->verdict, "worse") ? "**worse**" : "better",
			r->failure && !strcmp(r->verdict, "worse") ? " (now failing)" : "");
	}
	if (!shown)
		fprintf(f, "No %s changed.\n", counts ? "count" : "time");
	if (more)
		fprintf(f, "\nand %zu more changed row%s (`bouncelab night show %lld`).\n", more,
			more == 1 ? "" : "s", (long long)n->id);
	if (unknown)
		fprintf(f, "\n%zu %s row%s not judged (only on one side, too few values, or no "
			   "noise floor: `bouncelab calibrate` measures one).\n",
			unknown, counts ? "count" : "time", unknown == 1 ? "" : "s");
	fputc('\n', f);
}

static void counts_line(FILE *f, const char *what, const struct an_night_counts *c)
{
	fprintf(f, "Against %s: **%zu worse**, %zu better, %zu same, %zu not judged.\n\n", what,
		c->worse, c->better, c->same, c->unknown);
	if (c->failed_new)
		fprintf(f, "Of the worse, %zu %s failing where %s did not.\n\n", c->failed_new,
			c->failed_new == 1 ? "row is" : "rows are", what);
}

int rp_night_section(struct report_ctx *c, FILE *f)
{
	struct an_night n;
	size_t listed = 0;
	int ret = an_night_load(c->s, 0, &n);

	if (ret == -ENOENT)
		return 0; /* no night recorded: nothing to say */
	if (ret < 0)
		return ret;
	if (strcmp(n.status, "judged") || !night_in_report(&n, c->runs)) {
		an_night_free(&n);
		return 0;
	}
	fputs("## What changed since last night\n\n", f);
	fprintf(f, "Night #%lld, \"", (long long)n.id);
	rp_md_cell(f, n.label);
	fprintf(f, "\": %zu run%s, each judged against its last night, the newest earlier run of "
		   "the same configuration (job, devices, DMA mode, pool, hypervisor, guest clock, "
		   "kernel series: a new Debian version is judged against the one before). Counts "
		   "are exact; times must clear the threshold shown.\n\n",
		n.n_runs, n.n_runs == 1 ? "" : "s");
	for (size_t i = 0; i < n.n_runs; i++) {
		const char *config = rp_nz(n.runs[i].config, n.runs[i].uuid);

		/* night_load.c names last night's kernel when it was another version */
		if (n.runs[i].last_uuid && !strstr(config, "(last night: "))
			continue;
		fputs(n.runs[i].last_uuid ? "- the kernel changed: " : "- first night of this configuration: ", f);
		rp_md_cell(f, config);
		fprintf(f, " (`%.8s`)\n", n.runs[i].uuid);
		listed++;
	}
	if (listed)
		fputc('\n', f);
	if (n.first_nights < n.n_runs) {
		counts_line(f, "last night", &n.last);
		fputs("### Counts\n\n", f);
		rows_table(f, &n, AN_AGAINST_LAST_NIGHT, true);
		fputs("### Times\n\n", f);
		rows_table(f, &n, AN_AGAINST_LAST_NIGHT, false);
	}
	if (n.baseline) {
		fputs("### Against the pinned baseline\n\n", f);
		fputs("Baseline `", f);
		rp_md_cell(f, n.baseline);
		fputs("`, in each run's configuration.\n\n", f);
		counts_line(f, "the baseline", &n.base);
		rows_table(f, &n, AN_AGAINST_BASELINE, true);
		rows_table(f, &n, AN_AGAINST_BASELINE, false);
	}
	an_night_free(&n);
	return 0;
}
