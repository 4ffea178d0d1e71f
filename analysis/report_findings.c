/*
 * The report's findings and per-row tables (see report.c), computed from
 * the loaded runs: counts first (where bounces per op exceed one, what
 * syncs copy, slots left after teardown), then what force costs (collected
 * by the comparisons), refused operations with their errno and kernel log
 * line, runs that did not complete, counters a kernel could not tell; and
 * one table per kernel, mode, devices and workload with every size.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_int.h"

/* "1.234e+05 ± 2%" style: mean with its CV, or "-" when there is no sample. */
static void mean_cell(FILE *f, const struct bl_sample *s, double scale, int digits)
{
	double m, cv;

	if (!s || !s->n) {
		fputs(" - |", f);
		return;
	}
	m = bl_mean(s->v, s->n) * scale;
	cv = bl_cv(s->v, s->n);
	fprintf(f, " %.*g", digits, m);
	if (s->n > 1 && !isnan(cv))
		fprintf(f, " ± %.1f%%", cv * 100);
	fputs(" |", f);
}

static const struct bl_sample *get(const struct bl_sample_set *set, const struct bl_sample *k,
				   const char *metric)
{
	return bl_sample_set_find(set, k->group, k->workload, k->variant, k->size,
				  bl_metric_find(metric));
}


/* --- result tables ------------------------------------------------------------------ */

void rp_failed_text(int err, char *buf, size_t len)
{
	if (err > 0)
		snprintf(buf, len, "failed: errno %d (%s)", err, strerror(err));
	else
		snprintf(buf, len, "failed: no errno recorded");
}

/*
 * The failed_ops sample of @k's row when every operation of it failed in
 * every run that has it (the row then has no times, bounces or slots:
 * compare.h), else NULL.
 */
static const struct bl_sample *all_failed(const struct bl_sample_set *set,
					  const struct bl_sample *k)
{
	const struct bl_sample *f = get(set, k, "failed_ops");

	return f && f->all_failed > 0 && f->all_failed >= f->n ? f : NULL;
}

void rp_result_tables(FILE *f, const struct bl_sample_set *set)
{
	const char *last_group = NULL, *last_wl = NULL;

	fprintf(f, "## Results per kernel, mode and device\n\n"
		   "One table per kernel, DMA mode, devices and workload (click to open). "
		   "Means over all repetitions of all matching runs, ± the coefficient of "
		   "variation. Bounces per op = swiotlb_bounced / operations; bounce rate = "
		   "bounced / DMA-mapped segments (kernels with dma:* tracepoints only); slots = "
		   "SWIOTLB slots the row held at its peak and still held after teardown, "
		   "above the level before it ran. `-` = the kernel could not tell. A size "
		   "where every operation failed has no times, bounces or slots: its cells say "
		   "`failed: errno N (...)` (the refusals are listed under \"Operations the "
		   "kernel refused\").\n\n");
	for (size_t i = 0; i < set->n; i++) {
		const struct bl_sample *k = &set->s[i], *fail;
		char sz[24];

		/* one line per (group, workload, variant, size): key on the row's first metric */
		if (i > 0 && !strcmp(set->s[i - 1].group, k->group) &&
		    !strcmp(set->s[i - 1].workload, k->workload) &&
		    !strcmp(set->s[i - 1].variant, k->variant) && set->s[i - 1].size == k->size)
			continue;
		if (!last_group || strcmp(last_group, k->group) || strcmp(last_wl, k->workload)) {
			fprintf(f, "%s<details><summary>%s: %s</summary>\n\n", last_group ?
				"\n</details>\n\n" : "", k->group, k->workload);
			fprintf(f, "| size | ops/s | MiB/s | p50 µs | p99 µs | bounces/op | bounce "
				   "rate | slots peak / after | failed ops | runs |\n"
				   "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
				   "---: |\n");
			last_group = k->group;
			last_wl = k->workload;
		}
		bl_size_str(k->size, sz, sizeof(sz));
		fprintf(f, "| %s%s%s |", sz, *k->variant ? " " : "", k->variant);
		fail = all_failed(set, k);
		if (fail) {
			char why[160];

			/* the refusals' rate and latency are not the workload's: never a number */
			rp_failed_text(fail->fail_errno, why, sizeof(why));
			for (int c = 0; c < 7; c++)
				fprintf(f, " %s |", why);
			mean_cell(f, fail, 1, 6);
			fprintf(f, " %zu |\n", fail->runs);
			continue;
		}
		mean_cell(f, get(set, k, "ops_per_sec"), 1, 4);
		mean_cell(f, get(set, k, "mib_per_sec"), 1, 4);
		mean_cell(f, get(set, k, "latency_p50_ns"), 1e-3, 4);
		mean_cell(f, get(set, k, "latency_p99_ns"), 1e-3, 4);
		mean_cell(f, get(set, k, "bounces_per_op"), 1, 4);
		mean_cell(f, get(set, k, "bounce_rate"), 1, 3);
		{
			const struct bl_sample *p = get(set, k, "slots_peak");
			const struct bl_sample *a = get(set, k, "slots_after");

			if (p && a)
				fprintf(f, " %.0f / %.0f |", bl_mean(p->v, p->n), bl_mean(a->v, a->n));
			else
				fputs(" - |", f);
		}
		mean_cell(f, get(set, k, "failed_ops"), 1, 6);
		{
			const struct bl_sample *t = get(set, k, "ops_per_sec");

			fprintf(f, " %zu |\n", t ? t->runs : (size_t)0);
		}
	}
	fprintf(f, "%s\n", last_group ? "\n</details>\n" : "");
}

/* Failed rows and counters a kernel could not tell, collected from the rows. */
struct row_notes {
	FILE *failed;  /* Markdown lines */
	FILE *unavail; /* "release|counter|reason" lines, deduplicated later */
	char *failed_buf, *unavail_buf;
	size_t failed_len, unavail_len;
	int64_t last_run;
	char group[256], rel[160];
	size_t n_failed;
	/*
	 * The refused-operations line being written: consecutive rows of one
	 * run, workload and errno share a line (one size after the other).
	 */
	bool open;
	int64_t line_run, line_errno;
	char line_wl[128], line_error[512], line_klog[512], line_uuid[16];
};

/* Ends the open refused-operations line with its first message and kernel log line. */
static void close_failed_line(struct row_notes *n)
{
	if (!n->open)
		return;
	if (*n->line_error) {
		fputs("; first error: \"", n->failed);
		rp_md_cell(n->failed, n->line_error);
		fputc('"', n->failed);
	}
	if (*n->line_klog) {
		fputs("; kernel log: `", n->failed);
		rp_md_cell(n->failed, n->line_klog);
		fputc('`', n->failed);
	}
	fprintf(n->failed, " (run `%s`)\n", n->line_uuid);
	n->open = false;
}

static void notes_add(struct row_notes *n, const struct an_run *run,
		      const struct bl_result_view *res)
{
	char sz[24];

	if (run->id != n->last_run) {
		n->last_run = run->id;
		an_run_label(run, AN_GROUP_KERNEL_MODE, n->group, sizeof(n->group));
		an_short_release(run->kernel_release, n->rel, sizeof(n->rel));
		snprintf(n->rel + strlen(n->rel), sizeof(n->rel) - strlen(n->rel), " %s", run->mode);
	}
	bl_size_str(res->size, sz, sizeof(sz));
	if (res->failed_ops > 0) {
		int64_t err = res->failed_errno.set ? res->failed_errno.v : -1;
		json_t *log = res->kernel_log_json ? json_loads(res->kernel_log_json, 0, NULL) : NULL;
		const char *line = json_string_value(json_array_get(log, 0));

		if (n->open && (n->line_run != run->id || n->line_errno != err ||
				strcmp(n->line_wl, res->workload)))
			close_failed_line(n);
		if (!n->open) {
			fprintf(n->failed, "- %s, %s: ", n->group, res->workload);
			if (err >= 0)
				fprintf(n->failed, "errno %" PRId64 " (%s)", err, strerror((int)err));
			else
				fputs("refused", n->failed);
			fprintf(n->failed, " at %s %" PRId64 "/%" PRId64, sz, res->failed_ops, res->ops);
			n->open = true;
			n->line_run = run->id;
			n->line_errno = err;
			snprintf(n->line_wl, sizeof(n->line_wl), "%s", res->workload);
			snprintf(n->line_error, sizeof(n->line_error), "%s", rp_nz(res->failed_error, ""));
			snprintf(n->line_klog, sizeof(n->line_klog), "%s", "");
			snprintf(n->line_uuid, sizeof(n->line_uuid), "%.8s", rp_nz(run->run_id, "?"));
		} else {
			fprintf(n->failed, ", %s %" PRId64 "/%" PRId64, sz, res->failed_ops, res->ops);
		}
		if (line && !*n->line_klog)
			snprintf(n->line_klog, sizeof(n->line_klog), "%s", line);
		json_decref(log);
		n->n_failed++;
	}
	for (int i = 0; i < BL_COUNTER_COUNT; i++)
		if (!res->counters[i].set)
			fprintf(n->unavail, "%s|%s|%s\n", n->rel, bl_counter_names[i],
				rp_nz(res->unavailable[i], "no reason recorded"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the distinct lines of @buf (sorted) as a Markdown list. */
static void unique_lines(FILE *f, char *buf)
{
	char **lines = NULL, *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		char **nl = realloc(lines, (n + 1) * sizeof(*nl));

		if (!nl)
			break;
		lines = nl;
		lines[n++] = tok;
	}
	if (n)
		qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *rel, *counter, *reason, *p, copy[1024];

		if (i && !strcmp(lines[i], lines[i - 1]))
			continue;
		snprintf(copy, sizeof(copy), "%s", lines[i]); /* strsep cuts; keep lines[] whole */
		p = copy;
		rel = strsep(&p, "|");
		counter = strsep(&p, "|");
		reason = p;
		fprintf(f, "- `%s`: %s unknown: %s\n", rel, counter, rp_nz(reason, "?"));
	}
	free(lines);
}

/*
 * The next sample of @metric from position *@i on whose mean is above
 * @floor (the mean in *@mean), or NULL; *@i moves past it.
 */
static const struct bl_sample *next_above(const struct bl_sample_set *set, size_t *i,
					  const char *metric, double floor, double *mean)
{
	for (; *i < set->n; ++*i) {
		const struct bl_sample *s = &set->s[*i];

		if (strcmp(s->metric->name, metric) || !s->n)
			continue;
		*mean = bl_mean(s->v, s->n);
		if (*mean > floor) {
			++*i;
			return s;
		}
	}
	return NULL;
}

int rp_findings(struct report_ctx *c)
{
	const struct bl_sample_set *set = c->set;
	struct row_notes n = { .last_run = INT64_MIN };
	const struct bl_sample *s;
	double m;
	bool any;
	int ret;

	n.failed = open_memstream(&n.failed_buf, &n.failed_len);
	n.unavail = open_memstream(&n.unavail_buf, &n.unavail_len);
	if (!n.failed || !n.unavail) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c->ds->n; i++)
		notes_add(&n, &c->ds->runs.r[c->ds->rows[i].run], &c->ds->rows[i].v);
	ret = 0;
	close_failed_line(&n);
	fflush(n.failed);
	fflush(n.unavail);
	fflush(c->findings);

	/* the exact counts first: under TCG the timings are noisy, the counts are not */
	fprintf(c->f, "## Findings\n\nEach computed by `bouncelab report` from the runs below "
		      "(comparisons, figures and per-row tables follow). Counts first (exact), "
		      "then throughput (noisy under emulation).\n\n"
		      "### Where bounces per operation exceed one\n\n"
		      "Per kernel, mode, devices and workload: buffer size and mean SWIOTLB bounces "
		      "per operation, for every size above one.\n\n");
	{
		const struct bl_sample *open_line = NULL; /* the line being written */

		size_t i = 0;

		any = false;
		while ((s = next_above(set, &i, "bounces_per_op", 1, &m))) {
			char sz[24];

			bl_size_str(s->size, sz, sizeof(sz));
			if (open_line && !strcmp(open_line->group, s->group) &&
			    !strcmp(open_line->workload, s->workload) &&
			    !strcmp(open_line->variant, s->variant)) {
				fprintf(c->f, ", %s %.4g", sz, m);
			} else {
				fprintf(c->f, "%s- %s, %s%s%s: %s %.4g", open_line ? "\n" : "",
					s->group, s->workload, *s->variant ? "/" : "", s->variant,
					sz, m);
				open_line = s;
			}
			any = true;
		}
		fprintf(c->f, "%s", any ? "\n" : "No row bounced more than once per operation.\n");
	}

	fprintf(c->f, "\n### Where syncs copy through the bounce buffer\n\n"
		      "MiB passed to dma_sync_sg_for_cpu/_for_device per operation (dma:* "
		      "tracepoints, 6.12+; rows up to 2 MiB): for a bounced mapping each sync "
		      "copies that much, and swiotlb_bounced does not count it.\n\n");
	any = false;
	for (size_t i = 0; (s = next_above(set, &i, "sync_mib_per_op", 0, &m));) {
		char sz[24], per[24];

		bl_size_str(s->size, sz, sizeof(sz));
		bl_size_str((int64_t)(m * (1 << 20) + 0.5), per, sizeof(per));
		fprintf(c->f, "- %s, %s %s: %s per op (%.3g x the buffer)\n", s->group, s->workload, sz,
			per, m * (1 << 20) / (double)s->size);
		any = true;
	}
	fprintf(c->f, "%s", any ? "" : "No row synced anything (or no kernel could tell).\n");

	fprintf(c->f, "\n### SWIOTLB slots still held after teardown\n\n"
		      "Slots in use after the row's buffers were released, minus the slots in use "
		      "before it ran (the device's standing traffic). Positive = left behind.\n\n");
	any = false;
	for (size_t i = 0; (s = next_above(set, &i, "slots_after", 0, &m));) {
		const struct bl_sample *peak;
		char sz[24];

		peak = bl_sample_set_find(set, s->group, s->workload, s->variant, s->size,
					  bl_metric_find("slots_peak"));
		bl_size_str(s->size, sz, sizeof(sz));
		fprintf(c->f, "- %s, %s %s: %.0f slots (%.0f KiB) still held after teardown",
			s->group, s->workload, sz, m, m * 2);
		if (peak && peak->n)
			fprintf(c->f, ", %.0f at peak", bl_mean(peak->v, peak->n));
		fputs("\n", c->f);
		any = true;
	}
	if (!any)
		fprintf(c->f, "No row left slots behind (or no boot had SWIOTLB debugfs).\n");

	fprintf(c->f, "\n### What %s costs per size\n\n"
		      "Throughput of %s against %s per job and buffer size, 95%% CI; "
		      "significant only beyond the row's A/A noise floor (see above).\n\n",
		bl_modes[BL_MODE_FORCE].name, bl_modes[BL_MODE_FORCE].name, BL_MODE_BASELINE);
	if (c->findings_len)
		fputs(c->findings_buf, c->f);
	else
		fprintf(c->f, "No %s runs with %s runs beside them.\n", bl_modes[BL_MODE_FORCE].name,
			BL_MODE_BASELINE);

	fprintf(c->f, "\n### Operations the kernel refused\n\n"
		      "Per kernel, mode, devices and workload: the errno, then each buffer size "
		      "with refused / measured operations, the first error message and the first "
		      "kernel log line printed meanwhile.\n\n");
	fputs(n.failed_len ? n.failed_buf : "None.\n", c->f);

	fprintf(c->f, "\n### Runs that did not complete\n\n");
	any = false;
	for (size_t i = 0; i < c->runs->n; i++) {
		const struct an_run *r = &c->runs->r[i];

		if (r->status && !strcmp(r->status, "ok"))
			continue;
		fprintf(c->f, "- `%.8s` %s %s %s job %s: %s", rp_nz(r->run_id, "?"),
			rp_nz(r->kernel_release, "?"), r->mode, rp_nz(r->device, "?"), rp_nz(r->job, "?"),
			rp_nz(r->status, "?"));
		if (r->error) {
			fputs(": ", c->f);
			rp_md_cell(c->f, r->error);
		}
		fputc('\n', c->f);
		any = true;
	}
	if (!any)
		fprintf(c->f, "All runs completed.\n");

	fprintf(c->f, "\n### Counters a kernel could not tell\n\n"
		      "Recorded as null with the reason, never as 0.\n\n");
	if (n.unavail_len)
		unique_lines(c->f, n.unavail_buf);
	else
		fprintf(c->f, "Every counter was available.\n");
	fputc('\n', c->f);
out:
	if (n.failed)
		fclose(n.failed);
	if (n.unavail)
		fclose(n.unavail);
	free(n.failed_buf);
	free(n.unavail_buf);
	return ret;
}

