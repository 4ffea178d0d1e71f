/*
 * The report's "Change points" section (issue 14): the change points of
 * every series of the runs the report's selector picks, over every package
 * version of them and whatever the night (analysis/changes.h), one table
 * row each, naming the package version where the new level starts and the
 * one before it. Two metrics: bounces per op (a count) and throughput (a
 * time; a series never mixes guest clocks).
 */
#include <stdio.h>

#include "changes.h"
#include "report_int.h"

static const char *const cp_metrics[] = { "bounces_per_op", "ops_per_sec", NULL };

static void row(FILE *f, const struct an_cp_series *s, const struct an_change_point *cp)
{
	const struct an_run *at = s->pt[cp->index].run, *before = s->pt[cp->index - 1].run;
	char size[24], change[32];

	bl_size_str(s->size, size, sizeof(size));
	if (cp->before != 0)
		snprintf(change, sizeof(change), "%+.1f%%", 100 * cp->change);
	else
		snprintf(change, sizeof(change), "%+.4g (abs)", cp->change);
	fprintf(f, "| ");
	rp_md_cell(f, rp_nz(s->first->job, "?"));
	fprintf(f, " | ");
	rp_md_cell(f, s->workload);
	fprintf(f, "%s", *s->variant ? " " : "");
	rp_md_cell(f, s->variant);
	fprintf(f, " | %s | %s | ", size, s->metric);
	rp_md_cell(f, rp_nz(s->first->mode, "?"));
	fprintf(f, " | %s | ", s->series);
	rp_md_cell(f, rp_nz(before->package_version, "?"));
	fprintf(f, " | ");
	rp_md_cell(f, rp_nz(at->package_version, "?"));
	fprintf(f, " (%s) | %.6g | %.6g | %s | %.3g | %zu |\n", rp_nz(at->started_at, "?"), cp->before, cp->after,
		change, cp->p, s->n);
}

int rp_change_points(struct report_ctx *c, const struct bl_run_filter *filter)
{
	struct an_changes ch;
	size_t found = 0;
	int ret = an_changes_find(c->s, filter, cp_metrics, &ch);

	if (ret < 0) {
		an_changes_free(&ch);
		return ret;
	}
	for (size_t i = 0; i < ch.n; i++)
		found += ch.s[i].ncp;
	fprintf(c->f, "## Change points\n\n"
		      "Each series of one job, devices, workload, size, metric (bounces per op, throughput), "
		      "DMA mode, guest clock and kernel series, its runs in the order of their Debian package "
		      "versions (then of time), searched for shifts of level with E-divisive means and a "
		      "permutation test (%u shuffles, p <= %.3g, a change of at least %.0f%% with %zu runs or "
		      "more on each side; analysis/changepoint.h). A series needs %zu runs or more to be "
		      "searched, and about 15 before p can get that low at all. ",
		ch.opts.shuffles, ch.opts.p_max, 100 * ch.opts.min_change, ch.opts.min_size, 2 * ch.opts.min_size);
	if (!found) {
		fprintf(c->f, "%zu series searched: no change point.\n\n", ch.searched);
		an_changes_free(&ch);
		return 0;
	}
	fprintf(c->f, "%zu series searched, %zu change point%s:\n\n", ch.searched, found, found == 1 ? "" : "s");
	fprintf(c->f, "| job | workload | size | metric | mode | series | before (package) | from (package, run) | "
		      "level before | level after | change | p | runs |\n"
		      "| --- | --- | --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
	for (size_t i = 0; i < ch.n; i++)
		for (size_t k = 0; k < ch.s[i].ncp; k++)
			row(c->f, &ch.s[i], &ch.s[i].cp[k]);
	fputc('\n', c->f);
	an_changes_free(&ch);
	return 0;
}
