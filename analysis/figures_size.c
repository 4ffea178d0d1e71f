/*
 * The figures against buffer size (see figures.c): per (workload, kernel),
 * SWIOTLB bounces per op and bounce rate, throughput, latency, a series
 * per DMA mode x devices; and per kernel, SWIOTLB slots before / at peak /
 * after teardown of the rows whose boot had a pool in use. All from the
 * loaded runs (the render context's dataset and its kernel-and-mode
 * samples).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures_int.h"
#include "log.h"

static void put_num(FILE *f, const struct bl_sample *s, bool sd)
{
	if (!s || !s->n)
		fputs(" ?", f);
	else
		fprintf(f, " %.6g", sd ? bl_stddev(s->v, s->n) : bl_mean(s->v, s->n));
}

static const struct bl_sample *find(const struct bl_sample_set *set, const struct bl_sample *k,
				    const char *metric)
{
	return bl_sample_set_find(set, k->group, k->workload, k->variant, k->size,
				  bl_metric_find(metric));
}

/*
 * Is @k a point of a size figure whose values are @anchor's: @anchor's own
 * sample, or the failed_ops sample of a size where every operation of the
 * series' rows failed (no @anchor sample beside it: such rows add
 * failed_ops only, compare.h). The second is drawn as a marker, never as
 * a value.
 */
static bool is_point(const struct bl_sample_set *set, const struct bl_sample *k,
		     const char *anchor)
{
	if (!strcmp(k->metric->name, anchor))
		return true;
	return !strcmp(k->metric->name, "failed_ops") && k->all_failed > 0 &&
	       !find(set, k, anchor);
}

/*
 * The last column of a size figure's row: 0 when it has values, else the
 * errno every operation failed with (-1 when no errno was recorded).
 */
static int failed_col(const struct bl_sample *k, const char *anchor)
{
	if (!strcmp(k->metric->name, anchor))
		return 0;
	return k->fail_errno ? k->fail_errno : -1;
}

/* --- per-workload size figures ---------------------------------------------------- */

/*
 * The colour of a DMA mode in every figure: its palette index in
 * plots/style.gp. The modes of the table in its order, the baseline left
 * out: it is black, the reference the others are measured against.
 */
static int mode_colour(const char *mode)
{
	int colour = 1;

	if (!strcmp(mode, BL_MODE_BASELINE))
		return 7;
	for (size_t i = 0; i < BL_MODE_COUNT; i++) {
		if (!strcmp(bl_modes[i].name, BL_MODE_BASELINE))
			continue;
		if (!strcmp(mode, bl_modes[i].name))
			return colour;
		colour++;
	}
	return 8;
}

/* Splits an AN_GROUP_KERNEL_MODE label "<release> <mode> <devices>" at its spaces. */
static void split_group(const char *group, char *rel, size_t rlen, char *mode, size_t mlen,
			const char **devices)
{
	const char *sp1 = strchr(group, ' ');
	const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

	snprintf(rel, rlen, "%.*s", sp1 ? (int)(sp1 - group) : (int)strlen(group), group);
	if (sp1)
		snprintf(mode, mlen, "%.*s", sp2 ? (int)(sp2 - sp1 - 1) : (int)strlen(sp1 + 1),
			 sp1 + 1);
	else
		snprintf(mode, mlen, "?");
	*devices = sp2 ? sp2 + 1 : "";
}

/* Appends " %d" to the word list @buf (gnuplot's word() reads it). */
static void add_word(char *buf, size_t len, int v)
{
	size_t off = strlen(buf);

	if (off < len)
		snprintf(buf + off, len - off, "%s%d", off ? " " : "", v);
}

/*
 * One file per (workload, kernel) for @kind: blocks per series (DMA mode,
 * devices and variant), rows per size. The set is sorted by group,
 * workload, variant, size, metric, so a series' rows are contiguous. A
 * figure per kernel keeps it to a handful of series (4 modes x a few
 * device pairs) with a colour per mode and a point shape per devices.
 */
int fig_size(struct render_ctx *c, const char *kind)
{
	const struct bl_sample_set *set = c->set;
	const char *anchor = !strcmp(kind, "throughput") ? "ops_per_sec" :
			     !strcmp(kind, "bounces")    ? "bounces_per_op" :
							   "latency_p50_ns";
	char (*done)[256] = NULL;
	size_t ndone = 0;
	int ret = 0;

	for (size_t i = 0; i < set->n && !ret; i++) {
		const char *wl = set->s[i].workload;
		char rel[128], mode[64], key[256], wslug[128], rslug[128], data[300], image[300];
		char caption[400], series_mode[512] = "", series_dev[512] = "", height[16];
		char devs[16][160];
		size_t ndevs = 0, blocks = 0, nfailed = 0;
		int last_marker = -1; /* the kind of the block's previous row: 1 marker, 0 values */
		const char *last_group = NULL, *last_variant = NULL, *dv;
		bool seen = false, have_rate = false;
		FILE *f;

		if (!is_point(set, &set->s[i], anchor))
			continue;
		split_group(set->s[i].group, rel, sizeof(rel), mode, sizeof(mode), &dv);
		snprintf(key, sizeof(key), "%s %s", wl, rel);
		for (size_t d = 0; d < ndone; d++)
			if (!strcmp(done[d], key))
				seen = true;
		if (seen)
			continue;
		char (*nd)[256] = realloc(done, (ndone + 1) * sizeof(*nd));

		if (!nd) {
			ret = -ENOMEM;
			break;
		}
		done = nd;
		snprintf(done[ndone++], sizeof(*done), "%s", key);

		fig_slug(wl, wslug, sizeof(wslug));
		fig_slug(rel, rslug, sizeof(rslug));
		snprintf(data, sizeof(data), "%s-%s-%s.dat", kind, wslug, rslug);
		snprintf(image, sizeof(image), "%s-%s-%s.%s", kind, wslug, rslug, c->o->fmt);
		f = !strcmp(kind, "throughput") ?
			    fig_open_data(c, data, "throughput vs buffer size",
				      "size_bytes ops_per_sec_mean ops_per_sec_sd mib_per_sec_mean "
				      "mib_per_sec_sd runs failed_errno") :
		    !strcmp(kind, "bounces") ?
			    fig_open_data(c, data, "SWIOTLB bounces vs buffer size",
				      "size_bytes bounces_per_op bounce_rate runs failed_errno") :
			    fig_open_data(c, data, "latency percentiles vs buffer size",
				      "size_bytes p50_ns p90_ns p99_ns p999_ns max_ns runs failed_errno");
		if (!f) {
			ret = -EIO;
			break;
		}
		for (size_t j = i; j < set->n; j++) {
			const struct bl_sample *k = &set->s[j];
			char krel[128], kmode[64], name[320];
			const char *kdev;

			if (strcmp(k->workload, wl) || !is_point(set, k, anchor))
				continue;
			split_group(k->group, krel, sizeof(krel), kmode, sizeof(kmode), &kdev);
			if (strcmp(krel, rel))
				continue;
			if (!last_group || strcmp(last_group, k->group) ||
			    strcmp(last_variant, k->variant)) {
				char dname[160];
				size_t d;

				/* the series name without the kernel: the title names it */
				snprintf(dname, sizeof(dname), "%s%s%s", kdev, *k->variant ? " " : "",
					 k->variant);
				snprintf(name, sizeof(name), "%s %s", kmode, dname);
				for (d = 0; d < ndevs; d++)
					if (!strcmp(devs[d], dname))
						break;
				if (d == ndevs && ndevs < sizeof(devs) / sizeof(devs[0]))
					snprintf(devs[ndevs++], sizeof(devs[0]), "%s", dname);
				add_word(series_mode, sizeof(series_mode), mode_colour(kmode));
				add_word(series_dev, sizeof(series_dev), (int)d + 1);
				fputs(blocks ? "\n\n" : "", f);
				fig_put_header(f, name, !strcmp(kind, "throughput") ? 6 :
							!strcmp(kind, "bounces")  ? 4 : 7);
				blocks++;
				last_marker = -1;
				last_group = k->group;
				last_variant = k->variant;
			}
			/*
			 * One blank line where values and marker rows meet: gnuplot
			 * breaks the series' line there instead of drawing it across a
			 * size that has no value (two would end the block).
			 */
			if (last_marker >= 0 && last_marker != (failed_col(k, anchor) != 0))
				fputc('\n', f);
			last_marker = failed_col(k, anchor) != 0;
			fprintf(f, "%" PRId64, k->size);
			if (failed_col(k, anchor)) {
				/* a marker row: every operation failed, no value to draw */
				fprintf(f, "%s %zu %d\n",
					!strcmp(kind, "throughput") ? " ? ? ? ?" :
					!strcmp(kind, "bounces")    ? " ? ?" : " ? ? ? ? ?",
					k->runs, failed_col(k, anchor));
				nfailed++;
				continue;
			}
			if (!strcmp(kind, "throughput")) {
				put_num(f, k, false);
				put_num(f, k, true);
				put_num(f, find(set, k, "mib_per_sec"), false);
				put_num(f, find(set, k, "mib_per_sec"), true);
			} else if (!strcmp(kind, "bounces")) {
				const struct bl_sample *rate = find(set, k, "bounce_rate");

				put_num(f, k, false);
				put_num(f, rate, false);
				have_rate |= rate && rate->n;
			} else {
				put_num(f, k, false);
				put_num(f, find(set, k, "latency_p90_ns"), false);
				put_num(f, find(set, k, "latency_p99_ns"), false);
				put_num(f, find(set, k, "latency_p999_ns"), false);
				put_num(f, find(set, k, "latency_max_ns"), false);
			}
			fprintf(f, " %zu 0\n", k->runs);
		}
		ret = fig_close_data(f, data);
		if (ret || !blocks)
			continue;
		/* room for the key under the plot: 3 entries per 22 px row (style.gp key_rows) */
		snprintf(height, sizeof(height), "%zu", 660 + (blocks + 3 + 2) / 3 * 22);
		const char *vars[] = { "workload", wl, "kernel", rel, "series_mode", series_mode,
				       "series_dev", series_dev, "height", height,
				       "no_rate", have_rate ? "0" : "1", NULL };
		char sub[300];

		char clock[200];

		/* this figure's own subtitle: the whole selection's would name other kernels */
		snprintf(sub, sizeof(sub), "kernel %s; colour = DMA mode, point shape%s = devices%s",
			 rel, strcmp(kind, "latency") ? " and dash" : "",
			 nfailed ? "; x at the bottom = every operation failed at that size" : "");

		snprintf(caption, sizeof(caption), "%s of '%s' on %s vs buffer size, per mode and devices%s",
			 !strcmp(kind, "throughput") ? "Throughput" :
			 !strcmp(kind, "bounces")    ? "SWIOTLB bounces per op and bounce rate" :
						       "Latency p50 / p99",
			 wl, rel, nfailed ? " (x: every operation failed, no value)" : "");
		fig_clock_text(fig_clocks(c, rel, NULL, wl), clock, sizeof(clock));
		ret = fig_render(c, kind, kind, data, image, caption, sub, clock, vars);
	}
	free(done);
	return ret;
}

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

