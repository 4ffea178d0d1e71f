/*
 * The report's "Pool sizing" section: where one kernel and DMA mode ran
 * with more than one SWIOTLB pool size (bouncelab pool's probes, lab
 * MODE:pool=SIZE), one table per kernel and mode of failed ops and peak
 * slots in use against the pool the boot really had (dma.swiotlb_slabs).
 * Nothing is written when no kernel and mode ran with two pool sizes: a
 * report of ordinary runs (one default pool each) has no such section.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

struct pool_line {
	const char *release, *mode; /* borrowed from the dataset's runs */
	int64_t slabs;
	size_t runs;
	int64_t failed_ops;
	int64_t peak; /* -1 unknown */
	int64_t bounced;
};

static int cmp_line(const void *a, const void *b)
{
	const struct pool_line *x = a, *y = b;
	int c = strcmp(x->release, y->release);

	if (!c)
		c = strcmp(x->mode, y->mode);
	if (!c)
		c = (x->slabs > y->slabs) - (x->slabs < y->slabs);
	return c;
}

static struct pool_line *find_line(struct pool_line *v, size_t n, const struct an_run *r)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].slabs == r->swiotlb_slabs && !strcmp(v[i].release, r->kernel_release) &&
		    !strcmp(v[i].mode, r->mode))
			return &v[i];
	return NULL;
}

/* Whether the kernel and mode of @l ran with another pool size too. */
static bool several_pools(const struct pool_line *v, size_t n, const struct pool_line *l)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].slabs != l->slabs && !strcmp(v[i].release, l->release) &&
		    !strcmp(v[i].mode, l->mode))
			return true;
	return false;
}

int rp_pool_section(FILE *f, const struct an_dataset *ds)
{
	struct pool_line *v = calloc(ds->runs.n ? ds->runs.n : 1, sizeof(*v));
	const char *cur_release = NULL, *cur_mode = NULL;
	size_t n = 0;
	bool heading = false;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < ds->runs.n; i++) {
		const struct an_run *r = &ds->runs.r[i];
		struct pool_line *l;

		if (r->swiotlb_slabs <= 0 || !r->kernel_release || !r->mode)
			continue;
		if (!(l = find_line(v, n, r))) {
			l = &v[n++];
			*l = (struct pool_line){.release = r->kernel_release,
						.mode = r->mode,
						.slabs = r->swiotlb_slabs,
						.peak = -1};
		}
		l->runs++;
	}
	for (size_t i = 0; i < ds->n; i++) {
		const struct an_run *r = &ds->runs.r[ds->rows[i].run];
		const struct bl_result_view *res = &ds->rows[i].v;
		struct pool_line *l = r->swiotlb_slabs > 0 && r->kernel_release && r->mode
					  ? find_line(v, n, r)
					  : NULL;

		if (!l)
			continue;
		l->failed_ops += res->failed_ops;
		if (res->counters[BL_C_IO_TLB_USED_PEAK].set &&
		    res->counters[BL_C_IO_TLB_USED_PEAK].v > l->peak)
			l->peak = res->counters[BL_C_IO_TLB_USED_PEAK].v;
		if (res->counters[BL_C_SWIOTLB_BOUNCED].set)
			l->bounced += res->counters[BL_C_SWIOTLB_BOUNCED].v;
	}
	qsort(v, n, sizeof(*v), cmp_line);
	for (size_t i = 0; i < n; i++) {
		const struct pool_line *l = &v[i];

		if (!several_pools(v, n, l))
			continue;
		if (!heading) {
			fprintf(
			    f,
			    "## Pool sizing\n\n"
			    "Kernels and DMA modes that ran with more than one SWIOTLB pool size "
			    "(`bouncelab pool`, `bouncelab lab --modes MODE:pool=SIZE`): failed "
			    "ops "
			    "and the peak of slots in use against the pool the boot really had "
			    "(`dma.swiotlb_slabs`; the kernel may round a request up). A pool too "
			    "small refuses mappings (\"swiotlb buffer is full\"); failed ops that "
			    "stay at every size are mappings no pool helps (over 256 KiB). "
			    "`pool=SIZE` selects these runs in compare, plot and report.\n\n");
			heading = true;
		}
		if (!cur_release || strcmp(cur_release, l->release) || strcmp(cur_mode, l->mode)) {
			fprintf(f,
				"%s**%s, %s**\n\n| pool | slots | runs | failed ops | peak slots "
				"used | bounces |\n"
				"| ---: | ---: | ---: | ---: | ---: | ---: |\n",
				cur_release ? "\n" : "", l->release, l->mode);
			cur_release = l->release;
			cur_mode = l->mode;
		}
		fprintf(f, "| %.2f MiB | %" PRId64 " | %zu | %" PRId64 " | ",
			(double)l->slabs * 2048 / (1 << 20), l->slabs, l->runs, l->failed_ops);
		if (l->peak >= 0)
			fprintf(f, "%" PRId64 " | %" PRId64 " |\n", l->peak, l->bounced);
		else
			fprintf(f, "unknown | %" PRId64 " |\n", l->bounced);
	}
	if (heading)
		fputs("\n", f);
	free(v);
	return 0;
}

void rp_pool_figures(FILE *f, const struct an_figures *figs, const char *plots_rel)
{
	/* the pool figures (figures_pool.c) close the section: one per kernel and mode */
	for (size_t i = 0; figs && !*figs->why && i < figs->n; i++)
		if (!strcmp(figs->f[i].kind, "pool"))
			fprintf(f, "![%s](%s/%s)\n%s\n\n", figs->f[i].caption, plots_rel,
				figs->f[i].image, figs->f[i].caption);
}
