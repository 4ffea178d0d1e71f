/*
 * The mode charts (see figures.c): per kernel and DMA mode, the relative
 * change of one metric against the baseline mode (BL_MODE_BASELINE) of
 * every job, each compared on its own (an_compare on the loaded runs: same
 * kernel, job and devices on both sides). The chart is a grid grouped by
 * job: a row per job, a column per buffer size, the cell's colour its
 * verdict (worse, better, same, unknown, or failed: every operation of the
 * row failed on a side, never a change) and its text the change in %.
 * Thirty near-identical bars said less than that.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"

/* --- mode comparison charts ---------------------------------------------------------- */

/* A cell of a mode chart: its job (row), size (column), change in %, class as in compare.gp. */
struct cmp_bar {
	char label[160]; /* the job, with the workload and variant when its name lacks them */
	int64_t size;
	double change, lo, hi;
	int cls;	 /* 0 same, 1 better, 2 worse, 3 unknown, 4 failed */
	int err;	 /* class 4: the errno every operation failed with (0 none recorded) */
};

/*
 * Adds the rows of one job (kernel, job, devices fixed) of mode @r->mode
 * against the baseline mode to @bars. *@bruns / *@nruns grow by the runs
 * compared, *@nfailed by the rows where every operation failed on a side
 * (no change to draw: only refusals).
 */
static int compare_job(struct render_ctx *c, const struct an_run *r, struct cmp_bar **bars,
		       size_t *nbars, size_t *cap, size_t *bruns_total, size_t *nruns_total,
		       size_t *nfailed)
{
	const char *const metrics[] = { c->o->metric, NULL };
	struct an_side base = { .ds = c->ds, .label = BL_MODE_BASELINE,
				.scope = { r->kernel_release, BL_MODE_BASELINE, r->job, r->device,
					   r->importer } };
	struct an_side new_side = base;
	struct an_comparison cmp;
	int ret;

	new_side.label = r->mode;
	new_side.scope.mode = r->mode;
	ret = an_compare(c->s, &base, &new_side, AN_GROUP_JOB, metrics, c->o->stats, &cmp);
	if (ret < 0)
		return ret;
	if (!cmp.base_runs || !cmp.new_runs)
		cmp.r.n = 0; /* nothing to draw: one side has no runs of this job */
	if (cmp.r.n) {
		*bruns_total += cmp.base_runs;
		*nruns_total += cmp.new_runs;
	}
	const struct bl_cmp_result cr = cmp.r;

	for (size_t k = 0; k < cr.n && !ret; k++) {
		const struct bl_cmp_row *row = &cr.rows[k];
		const char *job = r->job ? r->job : "?";
		struct cmp_bar *b;

		bool failed = row->base_all_failed || row->new_all_failed;

		if (failed)
			++*nfailed;
		else if (!row->base || !row->new_s || !row->ch.relative || isnan(row->ch.change))
			continue;
		if (*nbars == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct cmp_bar *nb = realloc(*bars, ncap * sizeof(*nb));

			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			*bars = nb;
			*cap = ncap;
		}
		b = &(*bars)[(*nbars)++];
		/* the job names its workload and devices; say the workload when it does not */
		snprintf(b->label, sizeof(b->label), "%s%s%s%s%s", job,
			 strncmp(job, row->workload, strlen(row->workload)) ? ":" : "",
			 strncmp(job, row->workload, strlen(row->workload)) ? row->workload : "",
			 *row->variant ? "/" : "", row->variant);
		/* a job run on several device pairs is a row per pair: a name without them says them */
		if (r->device && !strstr(job, r->device)) {
			size_t off = strlen(b->label);

			snprintf(b->label + off, sizeof(b->label) - off, " (%s%s%s)", r->device,
				 r->importer ? "+" : "", r->importer ? r->importer : "");
		}
		b->size = row->size;
		b->err = row->new_all_failed ? row->new_errno : row->base_errno;
		/* a failed row has no change: its refusals' rate is not the workload's */
		b->change = failed ? NAN : row->ch.change * 100;
		b->lo = failed ? NAN : row->ch.ci_lo * 100;
		b->hi = failed ? NAN : row->ch.ci_hi * 100;
		b->cls = failed ? 4 :
			 row->ch.verdict == BL_VERDICT_BETTER ? 1 :
			 row->ch.verdict == BL_VERDICT_WORSE  ? 2 :
			 row->ch.verdict == BL_VERDICT_TOO_FEW ? 3 : 0;
	}
	an_comparison_free(&cmp);
	return ret;
}

static bool same(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The distinct (kernel, mode, job, devices) of @runs in order of appearance: their first runs. */
static int platforms(const struct an_runs *runs, const struct an_run ***out, size_t *n)
{
	const struct an_run **p = NULL;
	size_t np = 0, cap = 0;

	for (size_t i = 0; i < runs->n; i++) {
		const struct an_run *q = &runs->r[i];
		bool seen = false;

		if (!q->kernel_release)
			continue;
		for (size_t k = 0; k < np && !seen; k++)
			seen = !strcmp(p[k]->kernel_release, q->kernel_release) &&
			       !strcmp(p[k]->mode, q->mode) && same(p[k]->job, q->job) &&
			       same(p[k]->device, q->device) && same(p[k]->importer, q->importer);
		if (seen)
			continue;
		if (np == cap) {
			const struct an_run **nq = realloc(p, (cap = cap ? cap * 2 : 64) * sizeof(*nq));

			if (!nq) {
				free(p);
				return -ENOMEM;
			}
			p = nq;
		}
		p[np++] = q;
	}
	*out = p;
	*n = np;
	return 0;
}

/* Position of @size in the distinct sizes @sizes (of @n); @n when it is not there. */
static size_t size_index(const int64_t *sizes, size_t n, int64_t size)
{
	size_t i = 0;

	while (i < n && sizes[i] != size)
		i++;
	return i;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Writes and renders the chart of kernel @r->kernel_release, mode @r->mode:
 * a row per job (in the order compared, the first on top), a column per
 * buffer size, every compared row a cell.
 */
static int compare_chart(struct render_ctx *c, const struct an_run *r, const struct cmp_bar *bars,
			 size_t nbars, size_t jobs, size_t bruns, size_t nruns, size_t nfailed)
{
	const struct bl_metric *m = bl_metric_find(c->o->metric);
	char rel[128], dslug[300], data[400], image[400], caption[600], mlabel[160];
	char noise[32], sub[600], width[24], height[24], clock[200];
	size_t count[5] = { 0 }, nsizes = 0, nrows = 0;
	int64_t *sizes = calloc(nbars, sizeof(*sizes));
	const char **rows = calloc(nbars, sizeof(*rows));
	FILE *out;
	int ret = 0;

	if (!sizes || !rows) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < nbars; k++) {
		size_t j = 0;

		count[bars[k].cls]++;
		if (size_index(sizes, nsizes, bars[k].size) == nsizes)
			sizes[nsizes++] = bars[k].size;
		while (j < nrows && strcmp(rows[j], bars[k].label))
			j++;
		if (j == nrows)
			rows[nrows++] = bars[k].label;
	}
	qsort(sizes, nsizes, sizeof(*sizes), cmp_i64);
	an_short_release(r->kernel_release, rel, sizeof(rel));
	snprintf(caption, sizeof(caption), "%s %s", rel, r->mode);
	fig_slug(caption, dslug, sizeof(dslug));
	snprintf(data, sizeof(data), "compare-%s-vs-" BL_MODE_BASELINE ".dat", dslug);
	snprintf(image, sizeof(image), "compare-%s-vs-" BL_MODE_BASELINE ".%s", dslug, c->o->fmt);
	out = fig_open_data(c, data, "relative change per job and size, mode vs " BL_MODE_BASELINE,
			    "job_row size_column \"job\" size_bytes change_pct ci_lo_pct ci_hi_pct "
			    "class (0 same, 1 better, 2 worse, 3 unknown, 4 failed: every operation "
			    "failed on a side, no change) failed_errno");
	if (!out) {
		ret = -EIO;
		goto out;
	}
	for (size_t k = 0; k < nbars; k++) {
		size_t j = 0;

		while (strcmp(rows[j], bars[k].label))
			j++;
		/* the first job on top: gnuplot's y grows upwards */
		fprintf(out, "%zu %zu \"", nrows - 1 - j, size_index(sizes, nsizes, bars[k].size));
		fig_data_label(out, bars[k].label);
		fprintf(out, "\" %" PRId64, bars[k].size);
		if (bars[k].cls == 4)
			fprintf(out, " ? ? ? 4 %d\n", bars[k].err ? bars[k].err : -1);
		else if (isnan(bars[k].lo))
			fprintf(out, " %.4g ? ? %d 0\n", bars[k].change, bars[k].cls);
		else
			fprintf(out, " %.4g %.4g %.4g %d 0\n", bars[k].change, bars[k].lo, bars[k].hi,
				bars[k].cls);
	}
	ret = fig_close_data(out, data);
	if (ret)
		goto out;
	snprintf(mlabel, sizeof(mlabel), "%s (%s)", m->label, m->unit);
	snprintf(noise, sizeof(noise), "%g", c->o->stats->noise * 100);
	snprintf(caption, sizeof(caption),
		 "What %s costs on %s: %s change vs " BL_MODE_BASELINE " per job and size, the verdict "
		 "as colour (%zu worse, %zu better, %zu same, %zu unknown, %zu failed)",
		 r->mode, rel, m->label, count[2], count[1], count[0], count[3], count[4]);
	snprintf(sub, sizeof(sub),
		 "same job and devices on both sides; %zu jobs, %zu rows: %zu worse, %zu better, "
		 "%zu same, %zu unknown, %zu failed (%zu %s runs, %zu " BL_MODE_BASELINE ")", jobs,
		 nbars, count[2], count[1], count[0], count[3], nfailed, nruns, r->mode, bruns);
	/* a column per size, a row per job; the job names take the left */
	/* at least wide enough for the subtitle, centred over the grid (right of the names) */
	snprintf(width, sizeof(width), "%zu", 460 + nsizes * 80 < 1700 ? 1700 : 460 + nsizes * 80);
	snprintf(height, sizeof(height), "%zu", 280 + nrows * 34);
	fig_clock_text(fig_clocks(c, rel, r->mode, NULL) | fig_clocks(c, rel, BL_MODE_BASELINE, NULL),
		       clock, sizeof(clock));
	const char *vars[] = { "metric_label", mlabel, "noise_pct", noise, "kernel", rel,
			       "mode", r->mode, "width", width, "height", height, NULL };

	ret = fig_render(c, "compare", "compare", data, image, caption, sub, clock, vars);
out:
	free(sizes);
	free(rows);
	return ret;
}

/*
 * Each mode of each kernel against the baseline mode, one chart per
 * (kernel, mode): every job of that kernel compared on its own (same job
 * and devices on both sides), a row of cells per job.
 */
int fig_compare(struct render_ctx *c)
{
	const struct an_run **pl = NULL;
	size_t np = 0;
	int ret = platforms(&c->ds->runs, &pl, &np);

	for (size_t i = 0; i < np && !ret; i++) {
		const struct an_run *r = pl[i];
		struct cmp_bar *bars = NULL;
		size_t nbars = 0, cap = 0, bruns = 0, nruns = 0, jobs = 0, nfailed = 0;
		bool dup = false;

		if (!strcmp(r->mode, BL_MODE_BASELINE) || !strcmp(r->mode, "?"))
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(pl[j]->kernel_release, r->kernel_release) &&
			      !strcmp(pl[j]->mode, r->mode);
		if (dup)
			continue;
		/* each distinct job (and devices) of this kernel and mode */
		for (size_t j = i; j < np && !ret; j++) {
			const struct an_run *q = pl[j];
			size_t before = nbars;

			if (strcmp(q->kernel_release, r->kernel_release) || strcmp(q->mode, r->mode))
				continue;
			ret = compare_job(c, q, &bars, &nbars, &cap, &bruns, &nruns, &nfailed);
			jobs += nbars > before;
		}
		if (!ret && nbars)
			ret = compare_chart(c, r, bars, nbars, jobs, bruns, nruns, nfailed);
		free(bars);
	}
	free(pl);
	return ret;
}

