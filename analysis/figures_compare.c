/*
 * The mode charts (see figures.c): per kernel and DMA mode, the relative
 * change of one metric against the baseline mode (BL_MODE_BASELINE) of
 * every job, each compared on its own (an_compare on the loaded runs: same
 * kernel, job and devices on both sides), the largest changes drawn.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"

/* --- mode comparison charts ---------------------------------------------------------- */

/* A compared row of a mode chart: label and change in %, class as in compare.gp. */
struct cmp_bar {
	char label[160];
	double change, lo, hi;
	int cls;
};

/* The largest judged changes first; rows too few to judge after every judged one. */
static int bar_by_size(const void *a, const void *b)
{
	const struct cmp_bar *x = a, *y = b;
	double ax = fabs(x->change), ay = fabs(y->change);

	if ((x->cls == 3) != (y->cls == 3))
		return x->cls == 3 ? 1 : -1;
	return ax < ay ? 1 : ax > ay ? -1 : strcmp(x->label, y->label);
}

static int bar_by_change(const void *a, const void *b)
{
	const struct cmp_bar *x = a, *y = b;

	return x->change < y->change ? -1 : x->change > y->change ? 1 : 0;
}

/* the bars one mode chart shows: enough to see the pattern, few enough to read */
#define COMPARE_TOP 30

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
		char sz[24];

		if (row->base_all_failed || row->new_all_failed) {
			++*nfailed;
			continue;
		}
		if (!row->base || !row->new_s || !row->ch.relative || isnan(row->ch.change))
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
		bl_size_str(row->size, sz, sizeof(sz));
		/* the job names its workload and devices; say the workload when it does not */
		snprintf(b->label, sizeof(b->label), "%s%s%s%s%s %s", job,
			 strncmp(job, row->workload, strlen(row->workload)) ? ":" : "",
			 strncmp(job, row->workload, strlen(row->workload)) ? row->workload : "",
			 *row->variant ? "/" : "", row->variant, sz);
		b->change = row->ch.change * 100;
		b->lo = row->ch.ci_lo * 100;
		b->hi = row->ch.ci_hi * 100;
		b->cls = row->ch.verdict == BL_VERDICT_BETTER ? 1 :
			 row->ch.verdict == BL_VERDICT_WORSE  ? 2 :
			 row->ch.verdict == BL_VERDICT_TOO_FEW ? 3 : 0;
	}
	an_comparison_free(&cmp);
	return ret;
}

/*
 * Each mode of each kernel against the baseline mode, one chart per (kernel, mode):
 * every job of that kernel compared on its own (same job and devices on
 * both sides), then the COMPARE_TOP largest changes drawn, sorted by
 * change. The data file holds every row, the chart the largest.
 */
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

int fig_compare(struct render_ctx *c)
{
	const struct bl_metric *m = bl_metric_find(c->o->metric);
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
		if (!ret && nbars) {
			char rel[128], dslug[300], data[400], image[400], caption[512], mlabel[160];
			char noise[32], sub[512], width[16];
			size_t worse = 0, better = 0, shown = nbars < COMPARE_TOP ? nbars : COMPARE_TOP;
			FILE *out;

			an_short_release(r->kernel_release, rel, sizeof(rel));
			snprintf(caption, sizeof(caption), "%s %s", rel, r->mode);
			fig_slug(caption, dslug, sizeof(dslug));
			snprintf(data, sizeof(data), "compare-%s-vs-" BL_MODE_BASELINE ".dat", dslug);
			snprintf(image, sizeof(image), "compare-%s-vs-" BL_MODE_BASELINE ".%s", dslug,
				 c->o->fmt);
			for (size_t k = 0; k < nbars; k++) {
				worse += bars[k].cls == 2;
				better += bars[k].cls == 1;
			}
			qsort(bars, nbars, sizeof(*bars), bar_by_size);
			qsort(bars, shown, sizeof(*bars), bar_by_change);
			out = fig_open_data(c, data, "relative change per row, mode vs " BL_MODE_BASELINE " (the first "
						 "rows, the largest changes, are the ones drawn)",
					"index label change_pct ci_lo_pct ci_hi_pct class "
					"(0 same, 1 better, 2 worse, 3 unknown)");
			if (!out) {
				ret = -EIO;
			} else {
				for (size_t k = 0; k < nbars; k++) {
					fprintf(out, "%zu \"", k);
					fig_data_label(out, bars[k].label);
					fprintf(out, "\" %.4g", bars[k].change);
					if (isnan(bars[k].lo))
						fprintf(out, " ? ? %d\n", bars[k].cls);
					else
						fprintf(out, " %.4g %.4g %d\n", bars[k].lo, bars[k].hi,
							bars[k].cls);
				}
				ret = fig_close_data(out, data);
			}
			snprintf(mlabel, sizeof(mlabel), "%s (%s)", m->label, m->unit);
			snprintf(noise, sizeof(noise), "%g", c->o->stats->noise * 100);
			snprintf(caption, sizeof(caption),
				 "What %s costs on %s: %s change vs " BL_MODE_BASELINE ", the %zu largest of %zu rows",
				 r->mode, rel, m->label, shown, nbars);
			snprintf(sub, sizeof(sub),
				 "kernel %s, mode %s against " BL_MODE_BASELINE ", same job and devices; %zu jobs, "
				 "%zu rows: %zu significantly worse, %zu better; the %zu largest changes "
				 "drawn (%zu %s runs, %zu " BL_MODE_BASELINE ")", rel, r->mode, jobs, nbars, worse,
				 better, shown, nruns, r->mode, bruns);
			if (nfailed)
				snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub),
					 "; %zu row%s left out: every operation failed on one side",
					 nfailed, nfailed == 1 ? "" : "s");
			snprintf(width, sizeof(width), "%zu", shown * 42 + 300 < 1000 ? 1000 :
							      shown * 42 + 300);
			const char *vars[] = { "metric_label", mlabel, "noise_pct", noise,
					       "count", "", "width", width, "height", "820", NULL };
			char count[16];

			snprintf(count, sizeof(count), "%zu", shown);
			vars[5] = count;
			char clock[200];

			fig_clock_text(fig_clocks(c, rel, r->mode, NULL) |
					       fig_clocks(c, rel, BL_MODE_BASELINE, NULL),
				       clock, sizeof(clock));
			if (!ret)
				ret = fig_render(c, "compare", "compare", data, image, caption, sub,
						 clock, vars);
		}
		free(bars);
	}
	free(pl);
	return ret;
}

