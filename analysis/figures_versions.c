/*
 * Version figures (see figures.c): each series with a change point
 * (analysis/changes.h: runs in Debian package version order) drawn over
 * its runs, the package version on the x axis where it changes from one
 * run to the next, the level of each segment and the change points marked
 * (plots/versions.gp). Only series with change points get a figure: a
 * store holds hundreds of series, and a flat one says nothing a table
 * does not. The series are those of the figures' jobs and modes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "changes.h"
#include "figures_int.h"
#include "judge.h"
#include "log.h"

static const char *const version_metrics[] = { "bounces_per_op", "ops_per_sec", NULL };

/* Does the figures' dataset hold a run of @r's job and mode (what the figures are about)? */
static bool shown(const struct render_ctx *c, const struct an_run *r)
{
	for (size_t i = 0; i < c->ds->runs.n; i++) {
		const struct an_run *d = &c->ds->runs.r[i];

		if (d->job && r->job && !strcmp(d->job, r->job) && !strcmp(d->mode, r->mode))
			return true;
	}
	return false;
}

static int write_series(struct render_ctx *c, const struct an_cp_series *s, size_t nth)
{
	const struct bl_metric *m = bl_metric_find(s->metric);
	char size[24], cfg[256], slug[256], data[320], image[320], caption[512], sub[400], mlabel[160];
	const char *vars[] = { "workload", s->workload, "metric_label", mlabel, NULL };
	char clock[200];
	unsigned clocks;
	FILE *out;
	int ret;

	bl_size_str(s->size, size, sizeof(size));
	snprintf(cfg, sizeof(cfg), "%s %s%s%s %s %s %s", s->first->job ? s->first->job : "?", s->workload,
		 *s->variant ? " " : "", s->variant, size, s->first->mode, s->series);
	fig_slug(cfg, slug, sizeof(slug));
	/* nth keeps two series of one slug (devices differ) in two files */
	snprintf(data, sizeof(data), "versions-%s-%s-%zu.dat", s->metric, slug, nth);
	snprintf(image, sizeof(image), "versions-%s-%s-%zu.%s", s->metric, slug, nth, c->o->fmt);
	out = fig_open_data(c, data, "one series over Debian package versions with its change points",
			    "index package_version value segment_mean change_point(1 = the first run of a new level)");
	if (!out)
		return -EIO;
	fig_put_header(out, cfg, 4);
	/* segment k runs from bound(k) to bound(k + 1): 0, the change points, n */
	for (size_t k = 0, i = 0; k <= s->ncp; k++) {
		size_t from = k ? s->cp[k - 1].index : 0, to = k < s->ncp ? s->cp[k].index : s->n;
		double level = 0;

		for (size_t j = from; j < to; j++)
			level += s->pt[j].mean;
		level /= (double)(to - from);
		for (i = from; i < to; i++) {
			const char *pv = s->pt[i].run->package_version ? s->pt[i].run->package_version : "?";
			const char *prev = i ? s->pt[i - 1].run->package_version : NULL;

			/* the version labels the first run of it only: nights of one version share it */
			fprintf(out, "%zu \"%s\" %.6g %.6g %d\n", i, prev && !strcmp(prev, pv) ? "" : pv,
				s->pt[i].mean, level, k > 0 && i == from);
		}
	}
	ret = fig_close_data(out, data);
	if (ret)
		return ret;
	snprintf(mlabel, sizeof(mlabel), "%s (%s)", m ? m->label : s->metric, m ? m->unit : "?");
	snprintf(caption, sizeof(caption), "Change points of %s for '%s' %s on %s %s over %zu runs", s->metric,
		 s->workload, size, s->first->mode, s->series, s->n);
	snprintf(sub, sizeof(sub), "%s, %zu change point%s (E-divisive means, p <= 0.001)", cfg, s->ncp,
		 s->ncp == 1 ? "" : "s");
	/* a time names its clock (icount and wall never compare); a count needs none */
	clocks = bl_metric_is_count(s->metric) ? 0
		 : !s->first->clock		? FIG_CLOCK_HOST
		 : !strcmp(s->first->clock, "icount") ? FIG_CLOCK_ICOUNT
						      : FIG_CLOCK_WALL;
	fig_clock_text(clocks, clock, sizeof(clock));
	return fig_render(c, "versions", "versions", data, image, caption, sub, clock, vars);
}

int fig_versions(struct render_ctx *c)
{
	struct an_changes ch;
	int ret;

	if (!c->ds || !c->ds->runs.n)
		return 0;
	ret = an_changes_find(c->s, NULL, version_metrics, &ch);
	for (size_t i = 0; i < ch.n && !ret; i++)
		if (shown(c, ch.s[i].first))
			ret = write_series(c, &ch.s[i], i);
	an_changes_free(&ch);
	return ret;
}
