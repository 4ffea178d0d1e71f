/*
 * The heatmap (see figures.c): per kernel, every job (workload, devices and
 * variant) against every DMA mode and buffer size at once, the colour the
 * SWIOTLB bounces per operation on a log scale. A row per job; a block of
 * columns per mode, a column per size inside it. Cells with 0 bounces are
 * white, cells where every operation failed (the kernel refused the
 * mapping) are black with an x, never a value, and cells whose kernel
 * could not count bounces are grey. The one figure that shows where
 * bouncing happens on a whole matrix; the size figures show how much.
 * Everything from the loaded samples.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"

/* Where a mode sorts: the mode table's order, a mode with options after its base mode. */
static int mode_order(const char *mode)
{
	char base[64];

	snprintf(base, sizeof(base), "%.*s", (int)strcspn(mode, ":"), mode);
	return bl_mode_rank(base) * 2 + (strchr(mode, ':') != NULL);
}

struct heat_axes {
	char (*jobs)[200];  /* rows: "<workload> <devices>[ <variant>]", in the samples' order */
	size_t njobs;
	char (*modes)[64];  /* column blocks, in mode_order */
	size_t nmodes;
	int64_t *sizes;	    /* columns inside a block, ascending */
	size_t nsizes;
};

static void axes_free(struct heat_axes *a)
{
	free(a->jobs);
	free(a->modes);
	free(a->sizes);
	memset(a, 0, sizeof(*a));
}

/* Is @k a cell of the heatmap: a bounces_per_op sample, or a size where every op failed. */
static bool is_cell(const struct bl_sample_set *set, const struct bl_sample *k)
{
	if (!strcmp(k->metric->name, "bounces_per_op"))
		return true;
	return !strcmp(k->metric->name, "failed_ops") && k->all_failed > 0 &&
	       !bl_sample_set_find(set, k->group, k->workload, k->variant, k->size,
				   bl_metric_find("bounces_per_op"));
}

static void job_of(const struct bl_sample *k, const char *dev, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s%s%s", k->workload, dev, *k->variant ? " " : "", k->variant);
}

/* The rows, mode blocks and sizes of kernel @rel. 0 or -ENOMEM. */
static int heat_axes(const struct bl_sample_set *set, const char *rel, struct heat_axes *a)
{
	size_t n = set->n ? set->n : 1;

	a->jobs = calloc(n, sizeof(*a->jobs));
	a->modes = calloc(n, sizeof(*a->modes));
	a->sizes = calloc(n, sizeof(*a->sizes));
	if (!a->jobs || !a->modes || !a->sizes)
		return -ENOMEM;
	for (size_t i = 0; i < set->n; i++) {
		const struct bl_sample *k = &set->s[i];
		char krel[128], mode[64], job[200];
		const char *dev;
		size_t j;

		if (!is_cell(set, k))
			continue;
		fig_split_group(k->group, krel, sizeof(krel), mode, sizeof(mode), &dev);
		if (strcmp(krel, rel))
			continue;
		job_of(k, dev, job, sizeof(job));
		for (j = 0; j < a->njobs && strcmp(a->jobs[j], job); j++)
			;
		if (j == a->njobs)
			snprintf(a->jobs[a->njobs++], sizeof(*a->jobs), "%s", job);
		for (j = 0; j < a->nmodes && strcmp(a->modes[j], mode); j++)
			;
		if (j == a->nmodes) {
			/* insertion in mode_order */
			for (j = a->nmodes; j > 0 && mode_order(a->modes[j - 1]) > mode_order(mode); j--)
				memcpy(a->modes[j], a->modes[j - 1], sizeof(*a->modes));
			snprintf(a->modes[j], sizeof(*a->modes), "%s", mode);
			a->nmodes++;
		}
		for (j = 0; j < a->nsizes && a->sizes[j] != k->size; j++)
			;
		if (j == a->nsizes) {
			for (j = a->nsizes; j > 0 && a->sizes[j - 1] > k->size; j--)
				a->sizes[j] = a->sizes[j - 1];
			a->sizes[j] = k->size;
			a->nsizes++;
		}
	}
	return 0;
}

static size_t index_of(char (*v)[200], size_t n, const char *s)
{
	size_t i = 0;

	while (i < n && strcmp(v[i], s))
		i++;
	return i;
}

/* Writes and renders the heatmap of kernel @rel. */
static int heat_kernel(struct render_ctx *c, const char *rel)
{
	const struct bl_sample_set *set = c->set;
	struct heat_axes a = { 0 };
	char slug[128], data[200], image[200], caption[400], sub[400], clock[200];
	char modes[600] = "", cmodes[700] = "", nsizes[16], width[24], height[24];
	size_t refused = 0, zero = 0, unknown = 0, cells = 0, px;
	FILE *out = NULL;
	int ret = heat_axes(set, rel, &a);

	if (ret < 0 || !a.njobs)
		goto out;
	fig_slug(rel, slug, sizeof(slug));
	snprintf(data, sizeof(data), "heatmap-%s.dat", slug);
	snprintf(image, sizeof(image), "heatmap-%s.%s", slug, c->o->fmt);
	out = fig_open_data(c, data, "SWIOTLB bounces per op per job, DMA mode and buffer size on "
				 "one kernel (x = mode block * (sizes + 1) + size column)",
			    "job_row x \"job\" \"mode\" size_bytes bounces_per_op state (0 a value, "
			    "1 every operation failed: no value, 2 the kernel cannot count) "
			    "failed_errno");
	if (!out) {
		ret = -EIO;
		goto out;
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct bl_sample *k = &set->s[i];
		char krel[128], mode[64], job[200];
		const char *dev;
		size_t row, m, s = 0;

		if (!is_cell(set, k))
			continue;
		fig_split_group(k->group, krel, sizeof(krel), mode, sizeof(mode), &dev);
		if (strcmp(krel, rel))
			continue;
		job_of(k, dev, job, sizeof(job));
		row = index_of(a.jobs, a.njobs, job);
		for (m = 0; m < a.nmodes && strcmp(a.modes[m], mode); m++)
			;
		while (s < a.nsizes && a.sizes[s] != k->size)
			s++;
		/* the first job on top: gnuplot's y grows upwards */
		fprintf(out, "%zu %zu \"", a.njobs - 1 - row, m * (a.nsizes + 1) + s);
		fig_data_label(out, job);
		fprintf(out, "\" \"%s\" %" PRId64, mode, k->size);
		if (strcmp(k->metric->name, "bounces_per_op")) {
			fprintf(out, " ? 1 %d\n", k->fail_errno ? k->fail_errno : -1);
			refused++;
		} else if (!k->n) {
			fputs(" ? 2 0\n", out);
			unknown++;
		} else {
			double v = bl_mean(k->v, k->n);

			fprintf(out, " %.6g 0 0\n", v);
			zero += v == 0;
		}
		cells++;
	}
	ret = fig_close_data(out, data);
	if (ret)
		goto out;
	/* gnuplot's word() reads the blocks' names space separated; the caption, commas */
	for (size_t m = 0; m < a.nmodes; m++) {
		size_t off = strlen(modes), coff = strlen(cmodes);

		snprintf(modes + off, sizeof(modes) - off, "%s%s", m ? " " : "", a.modes[m]);
		snprintf(cmodes + coff, sizeof(cmodes) - coff, "%s%s", m ? ", " : "", a.modes[m]);
	}
	snprintf(nsizes, sizeof(nsizes), "%zu", a.nsizes);
	/* about 18 px per column, 30 per job row; the job names take the left */
	px = 480 + a.nmodes * (a.nsizes + 1) * 18;
	/* at least wide enough for the title and subtitle lines */
	snprintf(width, sizeof(width), "%zu", px < 1100 ? 1100 : px);
	snprintf(height, sizeof(height), "%zu", 330 + a.njobs * 30);
	snprintf(sub, sizeof(sub),
		 "%zu jobs x %zu modes x %zu sizes: %zu cells, %zu with 0 bounces (white), %zu "
		 "refused (black x: every operation failed), %zu the kernel cannot count (grey)",
		 a.njobs, a.nmodes, a.nsizes, cells, zero, refused, unknown);
	snprintf(caption, sizeof(caption),
		 "Heatmap of SWIOTLB bounces per op on %s: every job x mode (%s) x buffer size, "
		 "log colour scale, %zu refused cells marked", rel, cmodes, refused);
	fig_clock_text(fig_clocks(c, rel, NULL, NULL), clock, sizeof(clock));
	const char *vars[] = { "kernel", rel, "modes", modes, "nsizes", nsizes, "width", width,
			       "height", height, NULL };

	ret = fig_render(c, "heatmap", "heatmap", data, image, caption, sub, clock, vars);
out:
	axes_free(&a);
	return ret;
}

int fig_heatmap(struct render_ctx *c)
{
	const struct bl_sample_set *set = c->set;
	char (*done)[128] = NULL;
	size_t ndone = 0;
	int ret = 0;

	for (size_t i = 0; i < set->n && !ret; i++) {
		char rel[128], mode[64];
		const char *dev;
		bool seen = false;

		if (!is_cell(set, &set->s[i]))
			continue;
		fig_split_group(set->s[i].group, rel, sizeof(rel), mode, sizeof(mode), &dev);
		for (size_t d = 0; d < ndone && !seen; d++)
			seen = !strcmp(done[d], rel);
		if (seen)
			continue;
		char (*nd)[128] = realloc(done, (ndone + 1) * sizeof(*nd));

		if (!nd) {
			ret = -ENOMEM;
			break;
		}
		done = nd;
		snprintf(done[ndone++], sizeof(*done), "%s", rel);
		ret = heat_kernel(c, rel);
	}
	free(done);
	return ret;
}
