/*
 * The pool figure (see figures.c): where one kernel and DMA mode ran with
 * two SWIOTLB pool sizes or more (bouncelab pool's probes, lab
 * MODE:pool=SIZE), failed operations and the peak of slots in use against
 * the pool the boot really had (dma.swiotlb_slabs), one figure per kernel
 * and mode. The same selection and sums as the report's "Pool sizing"
 * table (report_pool.c), drawn: a pool too small refuses mappings (failed
 * ops fall as the pool grows); failures that stay at every size are
 * mappings no pool helps (over 256 KiB).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"

struct pool_point {
	const char *release, *mode; /* borrowed from the dataset's runs */
	int64_t slabs;		    /* the pool the boot had (2 KiB slots) */
	size_t runs;		    /* documents (a boot stores one per job section) */
	size_t boots;		    /* the boots they came from */
	int64_t failed_ops;	    /* over all its boots */
	int64_t peak;		    /* highest io_tlb_used peak of its rows, -1 unknown */
};

static struct pool_point *find_point(struct pool_point *v, size_t n, const struct an_run *r)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].slabs == r->swiotlb_slabs && !strcmp(v[i].release, r->kernel_release) &&
		    !strcmp(v[i].mode, r->mode))
			return &v[i];
	return NULL;
}

static int by_pool(const void *a, const void *b)
{
	const struct pool_point *x = a, *y = b;
	int c = strcmp(x->release, y->release);

	if (!c)
		c = strcmp(x->mode, y->mode);
	return c ? c : (x->slabs > y->slabs) - (x->slabs < y->slabs);
}

/* Writes and renders the figure of the points @v[0..@n) (one kernel and mode, by pool). */
static int pool_chart(struct render_ctx *c, const struct pool_point *v, size_t n)
{
	char rel[128], slug[200], data[260], image[260], caption[400], sub[300], clock[200];
	int64_t failed_total = 0;
	FILE *out;
	int ret;

	an_short_release(v[0].release, rel, sizeof(rel));
	snprintf(caption, sizeof(caption), "%s %s", rel, v[0].mode);
	fig_slug(caption, slug, sizeof(slug));
	snprintf(data, sizeof(data), "pool-%s.dat", slug);
	snprintf(image, sizeof(image), "pool-%s.%s", slug, c->o->fmt);
	out = fig_open_data(c, data, "failed ops and peak SWIOTLB slots in use against the pool the "
				 "boot had, one kernel and mode",
			    "pool_slots failed_ops_per_boot peak_slots_used runs boots ('?' = no debugfs "
			    "count)");
	if (!out)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		/* per boot: a pool size probed by six boots must not look six times as bad */
		fprintf(out, "%" PRId64 " %.4g", v[i].slabs,
			(double)v[i].failed_ops / (double)(v[i].boots ? v[i].boots : 1));
		if (v[i].peak >= 0)
			fprintf(out, " %" PRId64, v[i].peak);
		else
			fputs(" ?", out);
		fprintf(out, " %zu %zu\n", v[i].runs, v[i].boots);
		failed_total += v[i].failed_ops;
	}
	ret = fig_close_data(out, data);
	if (ret)
		return ret;
	snprintf(sub, sizeof(sub), "%zu pool sizes from %" PRId64 " to %" PRId64 " slots (2 KiB "
				   "each); bars: failed ops per boot (%" PRId64 " in all)", n, v[0].slabs,
		 v[n - 1].slabs, failed_total);
	snprintf(caption, sizeof(caption),
		 "Failed ops and peak SWIOTLB slots in use against the pool size on %s, mode %s "
		 "(%zu pool sizes)", rel, v[0].mode, n);
	fig_clock_text(fig_clocks(c, rel, v[0].mode, NULL), clock, sizeof(clock));
	return fig_render(c, "pool", "pool", data, image, caption, sub, clock,
			  (const char *const[]){ "kernel", rel, "mode", v[0].mode, NULL });
}

int fig_pool(struct render_ctx *c)
{
	const struct an_dataset *ds = c->ds;
	struct pool_point *v = calloc(ds->runs.n ? ds->runs.n : 1, sizeof(*v));
	size_t n = 0;
	int ret = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < ds->runs.n; i++) {
		const struct an_run *r = &ds->runs.r[i];
		struct pool_point *p;

		if (r->swiotlb_slabs <= 0 || !r->kernel_release || !r->mode)
			continue;
		if (!(p = find_point(v, n, r))) {
			p = &v[n++];
			*p = (struct pool_point){ .release = r->kernel_release, .mode = r->mode,
						  .slabs = r->swiotlb_slabs, .peak = -1 };
		}
		p->runs++;
		/* one run per boot is its boot's unit (the first run of it, dataset.h) */
		p->boots += r->unit == i;
	}
	for (size_t i = 0; i < ds->n; i++) {
		const struct an_run *r = &ds->runs.r[ds->rows[i].run];
		const struct bl_opt_i64 *peak = &ds->rows[i].v.counters[BL_C_IO_TLB_USED_PEAK];
		struct pool_point *p = r->swiotlb_slabs > 0 && r->kernel_release && r->mode ?
					       find_point(v, n, r) : NULL;

		if (!p)
			continue;
		p->failed_ops += ds->rows[i].v.failed_ops;
		if (peak->set && peak->v > p->peak)
			p->peak = peak->v;
	}
	qsort(v, n, sizeof(*v), by_pool);
	/* a figure per kernel and mode with two pool sizes or more */
	for (size_t i = 0, j; i < n && !ret; i = j) {
		for (j = i + 1; j < n && !strcmp(v[j].release, v[i].release) &&
				!strcmp(v[j].mode, v[i].mode); j++)
			;
		if (j - i >= 2)
			ret = pool_chart(c, &v[i], j - i);
	}
	free(v);
	return ret;
}
