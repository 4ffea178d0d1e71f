/*
 * The SWIOTLB slots chart (see figures.c): per kernel, slots in use before
 * a row ran, at its peak and after teardown, for the rows whose boot had a
 * pool in use, with the pool the boot really had (the documents' swiotlb
 * nslabs) as a line and each bar's buffer size written on it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"
#include "log.h"

/* --- slots ---------------------------------------------------------------------- */

struct slot_row {
	char rel[64], mode[32], devices[128], workload[64];
	int64_t before, peak, after; /* the row with the highest peak of its group */
	int64_t size;		     /* that row's buffer size (bytes) */
	int64_t pool;		     /* the slots its boot's pool had (dma.swiotlb_slabs), -1 unknown */
	bool known;
};

struct slot_ctx {
	struct slot_row *rows;
	size_t n, cap;
	int64_t last_run;
	struct slot_row cur; /* kernel, mode and devices of the run being read */
};

/* Takes one result row of run @run into the slot rows (the highest peak per cluster). */
static int slots_add(struct slot_ctx *c, const struct an_run *run, const struct bl_result_view *res)
{
	const struct bl_opt_i64 *k = res->counters;
	struct slot_row *r = NULL;

	if (run->id != c->last_run) {
		c->last_run = run->id;
		an_short_release(run->kernel_release, c->cur.rel, sizeof(c->cur.rel));
		snprintf(c->cur.mode, sizeof(c->cur.mode), "%s", run->mode);
		snprintf(c->cur.devices, sizeof(c->cur.devices), "%s%s%s",
			 run->device ? run->device : "?", run->importer ? "+" : "",
			 run->importer ? run->importer : "");
		c->cur.pool = run->swiotlb_slabs > 0 ? run->swiotlb_slabs : -1;
	}
	for (size_t i = 0; i < c->n && !r; i++)
		if (!strcmp(c->rows[i].rel, c->cur.rel) && !strcmp(c->rows[i].mode, c->cur.mode) &&
		    !strcmp(c->rows[i].devices, c->cur.devices) &&
		    !strcmp(c->rows[i].workload, res->workload))
			r = &c->rows[i];
	if (!r) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			struct slot_row *nr = realloc(c->rows, cap * sizeof(*nr));

			if (!nr)
				return -ENOMEM;
			c->rows = nr;
			c->cap = cap;
		}
		r = &c->rows[c->n++];
		*r = c->cur;
		snprintf(r->workload, sizeof(r->workload), "%s", res->workload);
	}
	if (k[BL_C_IO_TLB_USED_BEFORE].set && k[BL_C_IO_TLB_USED_PEAK].set &&
	    k[BL_C_IO_TLB_USED_AFTER].set && (!r->known || k[BL_C_IO_TLB_USED_PEAK].v > r->peak)) {
		r->known = true;
		r->before = k[BL_C_IO_TLB_USED_BEFORE].v;
		r->peak = k[BL_C_IO_TLB_USED_PEAK].v;
		r->after = k[BL_C_IO_TLB_USED_AFTER].v;
		r->size = res->size;
		r->pool = c->cur.pool;
	}
	return 0;
}

/* A row worth a bar: its boot had SWIOTLB debugfs and a pool in use. */
static bool slot_shows(const struct slot_row *r)
{
	return r->known && (r->before || r->peak || r->after);
}

/*
 * The chart of the kernel and mode of sc->rows[@i] when @i is their first
 * row: a cluster per (workload, devices) whose boot had a SWIOTLB pool in
 * use, the size of the row at the peak written over its peak bar, the
 * pool its boot had as a line; rows with no debugfs or nothing in use are
 * counted in the subtitle, not drawn.
 */
static int slots_chart(struct render_ctx *c, const struct slot_ctx *sc, size_t i)
{
	const char *rel = sc->rows[i].rel, *mode = sc->rows[i].mode;
	char slug[160], data[200], image[200], width[16], sub[512], caption[300], clock[200];
	char pools[96] = "";
	size_t shown = 0, zero = 0, unknown = 0, px;
	int64_t pool_lo = INT64_MAX, pool_hi = -1;
	FILE *out;
	int ret;

	for (size_t j = 0; j < i; j++)
		if (!strcmp(sc->rows[j].rel, rel) && !strcmp(sc->rows[j].mode, mode))
			return 0;
	for (size_t j = i; j < sc->n; j++) {
		const struct slot_row *r = &sc->rows[j];

		if (strcmp(r->rel, rel) || strcmp(r->mode, mode))
			continue;
		if (!r->known) {
			unknown++;
		} else if (!slot_shows(r)) {
			zero++;
		} else {
			shown++;
			if (r->pool > 0 && r->pool < pool_lo)
				pool_lo = r->pool;
			if (r->pool > pool_hi)
				pool_hi = r->pool;
		}
	}
	if (!shown)
		return 0;
	snprintf(caption, sizeof(caption), "%s %s", rel, mode);
	fig_slug(caption, slug, sizeof(slug));
	snprintf(data, sizeof(data), "slots-%s.dat", slug);
	snprintf(image, sizeof(image), "slots-%s.%s", slug, c->o->fmt);
	out = fig_open_data(c, data, "SWIOTLB slots before / peak / after on one kernel and mode, "
				 "per workload and devices (the row with the highest peak, its size), "
				 "and the slots of the pool its boot had (? = unknown)",
			    "label before peak after size_bytes pool_slots");
	if (!out)
		return -EIO;
	fprintf(out, "label before peak after size pool\n");
	for (size_t j = i; j < sc->n; j++) {
		const struct slot_row *r = &sc->rows[j];
		const char *plus = strchr(r->devices, '+');

		if (strcmp(r->rel, rel) || strcmp(r->mode, mode) || !slot_shows(r))
			continue;
		/* "import\nudmabuf\n+vgem": a device per line keeps clusters narrow */
		fputc('"', out);
		fig_data_label(out, r->workload);
		fprintf(out, "\\n%.*s%s%s\"", plus ? (int)(plus - r->devices) : (int)strlen(r->devices),
			r->devices, plus ? "\\n" : "", plus ? plus : "");
		fprintf(out, " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64, r->before, r->peak,
			r->after, r->size);
		if (r->pool > 0)
			fprintf(out, " %" PRId64 "\n", r->pool);
		else
			fputs(" ?\n", out);
	}
	ret = fig_close_data(out, data);
	if (ret)
		return ret;
	if (pool_hi > 0 && pool_lo == pool_hi)
		snprintf(pools, sizeof(pools), "pool %" PRId64 " slots (%.0f MiB)", pool_hi,
			 (double)pool_hi * 2048 / (1 << 20));
	else if (pool_hi > 0)
		snprintf(pools, sizeof(pools), "pools %" PRId64 " to %" PRId64 " slots", pool_lo,
			 pool_hi);
	else
		snprintf(pools, sizeof(pools), "pool size unknown (no swiotlb nslabs in the documents)");
	snprintf(sub, sizeof(sub),
		 "%s; over each peak bar the buffer size of that row; not drawn: %zu row%s with no "
		 "slot in use, %zu without SWIOTLB debugfs", pools, zero, zero == 1 ? "" : "s",
		 unknown);
	snprintf(caption, sizeof(caption),
		 "SWIOTLB slots in use before, at peak and after teardown on %s, mode %s, against "
		 "its %s", rel, mode, pools);
	/* about 110 px per cluster of three bars and its label */
	px = shown * 110 + 250;
	snprintf(width, sizeof(width), "%zu", px < 1000 ? 1000 : px > 2600 ? 2600 : px);
	/* slots are counts, but the figure says where its runs ran all the same */
	fig_clock_text(fig_clocks(c, rel, mode, NULL), clock, sizeof(clock));
	return fig_render(c, "slots", "slots", data, image, caption, sub, clock,
			  (const char *const[]){ "width", width, "kernel", rel, "mode", mode, NULL });
}

/* One chart per kernel and mode (slots_chart). */
int fig_slots(struct render_ctx *c)
{
	struct slot_ctx sc = { .last_run = INT64_MIN };
	int ret = 0;

	for (size_t i = 0; i < c->ds->n && !ret; i++)
		ret = slots_add(&sc, &c->ds->runs.r[c->ds->rows[i].run], &c->ds->rows[i].v);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < sc.n && !ret; i++)
		ret = slots_chart(c, &sc, i);
out:
	free(sc.rows);
	return ret;
}

