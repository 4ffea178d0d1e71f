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
	}
	return 0;
}

/* A row worth a bar: its boot had SWIOTLB debugfs and a pool in use. */
static bool slot_shows(const struct slot_row *r)
{
	return r->known && (r->before || r->peak || r->after);
}

/*
 * One chart per kernel, a cluster per (mode, workload, devices) whose boot
 * had a SWIOTLB pool in use; rows with no debugfs or nothing in use are
 * counted in the subtitle, not drawn.
 */
int fig_slots(struct render_ctx *c)
{
	struct slot_ctx sc = { .last_run = INT64_MIN };
	int ret = 0;

	for (size_t i = 0; i < c->ds->n && !ret; i++)
		ret = slots_add(&sc, &c->ds->runs.r[c->ds->rows[i].run], &c->ds->rows[i].v);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < sc.n && !ret; i++) {
		const char *rel = sc.rows[i].rel;
		char rslug[128], data[200], image[200], width[16], sub[512], modes[128] = "";
		char caption[300];
		size_t shown = 0, zero = 0, unknown = 0, nmodes = 0;
		bool first = true;
		FILE *out;

		for (size_t j = 0; j < i; j++)
			if (!strcmp(sc.rows[j].rel, rel))
				first = false;
		if (!first)
			continue;
		for (size_t j = i; j < sc.n; j++) {
			const struct slot_row *r = &sc.rows[j];

			if (strcmp(r->rel, rel))
				continue;
			if (!r->known) {
				unknown++;
			} else if (!slot_shows(r)) {
				zero++;
			} else {
				char w[40];

				shown++;
				snprintf(w, sizeof(w), " %s,", r->mode);
				if (!strstr(modes, w)) {
					size_t off = strlen(modes);

					snprintf(modes + off, sizeof(modes) - off, "%s", w);
					nmodes++;
				}
			}
		}
		if (!shown)
			continue;
		fig_slug(rel, rslug, sizeof(rslug));
		snprintf(data, sizeof(data), "slots-%s.dat", rslug);
		snprintf(image, sizeof(image), "slots-%s.%s", rslug, c->o->fmt);
		out = fig_open_data(c, data, "SWIOTLB slots before / peak / after on one kernel, per "
					 "mode, workload and devices (the row with the highest peak)",
				"label before peak after");
		if (!out) {
			ret = -EIO;
			break;
		}
		fprintf(out, "label before peak after\n");
		for (size_t j = i; j < sc.n; j++) {
			const struct slot_row *r = &sc.rows[j];

			if (strcmp(r->rel, rel) || !slot_shows(r))
				continue;
			/* gnuplot turns "\n" inside a double-quoted label into a line break */
			const char *plus = strchr(r->devices, '+');

			/* "import\nudmabuf\n+vgem": a device per line keeps clusters narrow */
			fprintf(out, "\"%s%s", nmodes > 1 ? r->mode : "", nmodes > 1 ? "\\n" : "");
			fig_data_label(out, r->workload);
			fprintf(out, "\\n%.*s%s%s\"", plus ? (int)(plus - r->devices) : (int)strlen(r->devices),
				r->devices, plus ? "\\n" : "", plus ? plus : "");
			fprintf(out, " %" PRId64 " %" PRId64 " %" PRId64 "\n", r->before, r->peak,
				r->after);
		}
		ret = fig_close_data(out, data);
		if (ret)
			break;
		modes[strlen(modes) - 1] = '\0'; /* the last ',' */
		snprintf(sub, sizeof(sub),
			 "kernel %s, mode%s%s; not drawn: %zu row%s with no slot in use (no "
			 "SWIOTLB pool), %zu without SWIOTLB debugfs", rel, nmodes > 1 ? "s" : "",
			 modes, zero, zero == 1 ? "" : "s", unknown);
		snprintf(caption, sizeof(caption),
			 "SWIOTLB slots in use before, at peak and after teardown on %s (%s)", rel,
			 modes + 1);
		/* about 110 px per cluster of three bars and its two-line label */
		size_t px = shown * 110 + 250;

		snprintf(width, sizeof(width), "%zu", px < 1000 ? 1000 : px > 2600 ? 2600 : px);
		char clock[200];

		/* slots are counts, but the figure says where its runs ran all the same */
		fig_clock_text(fig_clocks(c, rel, NULL, NULL), clock, sizeof(clock));
		ret = fig_render(c, "slots", "slots", data, image, caption, sub, clock,
			     (const char *const[]){ "width", width, NULL });
	}
out:
	free(sc.rows);
	return ret;
}

