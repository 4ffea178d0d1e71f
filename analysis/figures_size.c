/*
 * The figures against buffer size (see figures.c): SWIOTLB bounces per op
 * and bounce rate, throughput, latency. One figure per (workload, kernel,
 * devices): its series are the DMA modes, at most one per mode of the
 * table (8), so a key never lists 25 entries. Modes whose rows are
 * identical at every size (typically every mode that does not bounce: 0
 * bounces per op) are drawn once, their key entry naming them all and the
 * subtitle saying so, instead of eight lines on top of each other. A size
 * where every operation failed is a marker row (failed_errno, never a
 * value). All from the loaded runs (the render context's dataset and its
 * kernel-and-mode samples).
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

int fig_mode_colour(const char *mode)
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

void fig_split_group(const char *group, char *rel, size_t rlen, char *mode, size_t mlen,
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

/* One series of a size figure: a DMA mode's rows, or several modes' identical rows. */
struct series {
	char modes[256]; /* "force", or "default = iommu = noforce" once merged */
	size_t nmodes;
	int colour;	 /* the first mode's (fig_mode_colour) */
	char *body;	 /* the block's rows as written to the data file */
	size_t len;
	FILE *mf;	 /* open while rows are added */
	int last_marker; /* the kind of the previous row: 1 marker, 0 values, -1 none */
	size_t nfailed;	 /* marker rows */
	bool have_rate;
	bool merged;	 /* drawn by an earlier series with the same rows */
};

/* One row of a size figure's block for sample @k into @f. */
static void put_row(FILE *f, const struct bl_sample_set *set, const struct bl_sample *k,
		    const char *kind, const char *anchor, struct series *s)
{
	int fc = failed_col(k, anchor);

	/*
	 * One blank line where values and marker rows meet: gnuplot breaks
	 * the series' line there instead of drawing it across a size that
	 * has no value (two would end the block).
	 */
	if (s->last_marker >= 0 && s->last_marker != (fc != 0))
		fputc('\n', f);
	s->last_marker = fc != 0;
	fprintf(f, "%" PRId64, k->size);
	if (fc) {
		/* a marker row: every operation failed, no value to draw */
		fprintf(f, "%s %zu %d\n",
			!strcmp(kind, "throughput") ? " ? ? ? ?" :
			!strcmp(kind, "bounces")    ? " ? ?" : " ? ? ? ? ?", k->runs, fc);
		s->nfailed++;
		return;
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
		s->have_rate |= rate && rate->n;
	} else {
		put_num(f, k, false);
		put_num(f, find(set, k, "latency_p90_ns"), false);
		put_num(f, find(set, k, "latency_p99_ns"), false);
		put_num(f, find(set, k, "latency_p999_ns"), false);
		put_num(f, find(set, k, "latency_max_ns"), false);
	}
	fprintf(f, " %zu 0\n", k->runs);
}

/* "<devices>[ <variant>]": what one size figure is about besides workload and kernel. */
static void devices_of(const struct bl_sample *k, char *buf, size_t len)
{
	char rel[128], mode[64];
	const char *dev;

	fig_split_group(k->group, rel, sizeof(rel), mode, sizeof(mode), &dev);
	snprintf(buf, len, "%s%s%s", dev, *k->variant ? " " : "", k->variant);
}

/*
 * A row of @body without its runs column (the one before failed_errno):
 * how many runs a mode had says nothing about its values. Copies the row
 * at *@pos into @buf and advances *@pos past it; false at the end.
 */
static bool next_values(const char *body, size_t len, size_t *pos, char *buf, size_t blen)
{
	const char *row = body + *pos, *end, *last, *runs;

	if (*pos >= len)
		return false;
	end = memchr(row, '\n', len - *pos);
	end = end ? end : body + len;
	*pos = (size_t)(end - body) + 1;
	last = memrchr(row, ' ', (size_t)(end - row));
	runs = last ? memrchr(row, ' ', (size_t)(last - row)) : NULL;
	if (!runs) /* a blank line between value and marker rows */
		snprintf(buf, blen, "%.*s", (int)(end - row), row);
	else
		snprintf(buf, blen, "%.*s%.*s", (int)(runs - row), row, (int)(end - last), last);
	return true;
}

/* Are the rows of @a and @b the same sizes, values and failures (runs aside)? */
static bool same_values(const struct series *a, const struct series *b)
{
	size_t pa = 0, pb = 0;
	char ra[256], rb[256];

	for (;;) {
		bool ha = next_values(a->body, a->len, &pa, ra, sizeof(ra));
		bool hb = next_values(b->body, b->len, &pb, rb, sizeof(rb));

		if (ha != hb)
			return false;
		if (!ha)
			return true;
		if (strcmp(ra, rb))
			return false;
	}
}

/*
 * Collects the series of (@wl, @rel, @dname) from @set, a series per mode
 * (the set is sorted by group, workload, variant, size, metric, so a
 * mode's rows are contiguous), then merges the series whose rows are
 * identical into the first of them. 0 or -ENOMEM.
 */
static int collect(const struct bl_sample_set *set, size_t from, const char *wl, const char *rel,
		   const char *dname, const char *kind, const char *anchor, struct series **out,
		   size_t *nout)
{
	struct series *v = NULL, *cur = NULL;
	size_t n = 0;
	const char *last_group = NULL;
	int ret = 0;

	for (size_t j = from; j < set->n && !ret; j++) {
		const struct bl_sample *k = &set->s[j];
		char krel[128], kmode[64], kdname[200];
		const char *kdev;

		if (strcmp(k->workload, wl) || !is_point(set, k, anchor))
			continue;
		fig_split_group(k->group, krel, sizeof(krel), kmode, sizeof(kmode), &kdev);
		devices_of(k, kdname, sizeof(kdname));
		if (strcmp(krel, rel) || strcmp(kdname, dname))
			continue;
		if (!last_group || strcmp(last_group, k->group)) {
			struct series *nv;

			/* the stream writes through &cur->body: closed before the array moves */
			if (cur && fclose(cur->mf))
				ret = -ENOMEM;
			if (cur)
				cur->mf = NULL;
			nv = realloc(v, (n + 1) * sizeof(*nv));

			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			v = nv;
			cur = &v[n++];
			memset(cur, 0, sizeof(*cur));
			snprintf(cur->modes, sizeof(cur->modes), "%s", kmode);
			cur->nmodes = 1;
			cur->colour = fig_mode_colour(kmode);
			cur->last_marker = -1;
			cur->mf = open_memstream(&cur->body, &cur->len);
			if (!cur->mf) {
				n--;
				ret = -ENOMEM;
				break;
			}
			last_group = k->group;
		}
		put_row(cur->mf, set, k, kind, anchor, cur);
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].mf && fclose(v[i].mf) && !ret)
			ret = -ENOMEM;
	/* identical rows at every size: one line, its key entry naming every mode */
	for (size_t i = 0; i < n && !ret; i++) {
		for (size_t u = 0; u < i; u++) {
			size_t off = strlen(v[u].modes);

			if (v[u].merged || !same_values(&v[u], &v[i]))
				continue;
			snprintf(v[u].modes + off, sizeof(v[u].modes) - off, " = %s", v[i].modes);
			v[u].nmodes++;
			v[i].merged = true;
			break;
		}
	}
	*out = v;
	*nout = n;
	return ret;
}

static void series_free(struct series *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].body);
	free(v);
}

/* Has (@wl, @rel, @dname) been drawn? Adds it when not. -ENOMEM, 0 new, 1 done. */
static int seen_key(char (**done)[400], size_t *ndone, const char *key)
{
	char (*nd)[400];

	for (size_t d = 0; d < *ndone; d++)
		if (!strcmp((*done)[d], key))
			return 1;
	nd = realloc(*done, (*ndone + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	*done = nd;
	snprintf(nd[(*ndone)++], sizeof(*nd), "%s", key);
	return 0;
}

static FILE *open_kind(struct render_ctx *c, const char *kind, const char *data)
{
	if (!strcmp(kind, "throughput"))
		return fig_open_data(c, data, "throughput vs buffer size",
				     "size_bytes ops_per_sec_mean ops_per_sec_sd mib_per_sec_mean "
				     "mib_per_sec_sd runs failed_errno");
	if (!strcmp(kind, "bounces"))
		return fig_open_data(c, data, "SWIOTLB bounces vs buffer size (a block per DMA "
				     "mode; modes with identical values share one, runs = the first's)",
				     "size_bytes bounces_per_op bounce_rate runs failed_errno");
	return fig_open_data(c, data, "latency percentiles vs buffer size",
			     "size_bytes p50_ns p90_ns p99_ns p999_ns max_ns runs failed_errno");
}

/* Writes and renders one figure of @kind for (@wl, @rel, @dname) from its series. */
static int draw(struct render_ctx *c, const char *kind, const char *wl, const char *rel,
		const char *dname, struct series *v, size_t n)
{
	char wslug[128], rslug[128], dslug[200], data[500], image[500], caption[600];
	char series_mode[128] = "", series_dev[128] = "", height[24], sub[700] = "";
	char modes[400] = "", merged[600] = "", clock[200], panels[700] = "";
	size_t blocks = 0, nfailed = 0, key_cols = 2, keys;
	char kcols[24];
	bool have_rate = false;
	FILE *f;
	int ret;

	fig_slug(wl, wslug, sizeof(wslug));
	fig_slug(rel, rslug, sizeof(rslug));
	fig_slug(dname, dslug, sizeof(dslug));
	snprintf(data, sizeof(data), "%s-%s-%s-%s.dat", kind, wslug, rslug, dslug);
	snprintf(image, sizeof(image), "%s-%s-%s-%s.%s", kind, wslug, rslug, dslug, c->o->fmt);
	f = open_kind(c, kind, data);
	if (!f)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		size_t off = strlen(modes);

		/* the title lists every mode, merged or not: a series' own mode is its first word */
		snprintf(modes + off, sizeof(modes) - off, "%s%.*s", off ? ", " : "",
			 (int)strcspn(v[i].modes, " "), v[i].modes);
		if (v[i].merged)
			continue;
		/* the key entry of merged modes says why one line stands for several */
		if (v[i].nmodes > 1) {
			off = strlen(merged);
			snprintf(merged + off, sizeof(merged) - off, "%s%s", off ? "; " : "",
				 v[i].modes);
		}
		fputs(blocks ? "\n\n" : "", f);
		fig_put_header(f, v[i].modes, !strcmp(kind, "throughput") ? 6 :
					      !strcmp(kind, "bounces")    ? 4 : 7);
		fwrite(v[i].body, 1, v[i].len, f);
		off = strlen(panels);
		snprintf(panels + off, sizeof(panels) - off, "%s%s", off ? "|" : "", v[i].modes);
		add_word(series_mode, sizeof(series_mode), v[i].colour);
		/* a shape (and dash) per series: modes apart without colour too */
		add_word(series_dev, sizeof(series_dev), (int)blocks + 1);
		/* a name as long as half the key's width takes a row of its own */
		if (strlen(v[i].modes) > 40)
			key_cols = 1;
		nfailed += v[i].nfailed;
		have_rate |= v[i].have_rate;
		blocks++;
	}
	ret = fig_close_data(f, data);
	if (ret || !blocks)
		return ret;
	/*
	 * Room for the key under the plot, key_cols entries per 22 px row
	 * (style.gp key_rows), and under the title for a line of modes;
	 * latency has a row of panels per 4 series and its key lists the
	 * percentiles, not the series.
	 */
	keys = !strcmp(kind, "latency") ? 5 : blocks + 3;
	snprintf(height, sizeof(height), "%zu",
		 (strcmp(kind, "latency") ? 680 : 240 + (blocks + 3) / 4 * 380) +
			 (keys + key_cols - 1) / key_cols * 22);
	snprintf(kcols, sizeof(kcols), "%zu", key_cols);
	if (*merged)
		snprintf(sub, sizeof(sub), "%s", "modes identical at every size share one series "
						 "(named a = b); ");
	snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub), "%s%s",
		 strcmp(kind, "latency") ? "colour = DMA mode" :
					   "colour, point and dash = percentile",
		 nfailed ? "; x at the bottom = every operation failed at that size" : "");
	snprintf(caption, sizeof(caption), "%s of '%s' with %s on %s vs buffer size, modes %s%s%s%s",
		 !strcmp(kind, "throughput") ? "Throughput" :
		 !strcmp(kind, "bounces")    ? "SWIOTLB bounces per op and bounce rate" :
					       "Latency percentiles",
		 wl, dname, rel, modes, *merged ? " (drawn once, identical: " : "", merged,
		 *merged ? ")" : "");
	if (nfailed)
		snprintf(caption + strlen(caption), sizeof(caption) - strlen(caption), "%s",
			 "; x: every operation failed, no value");
	fig_clock_text(fig_clocks(c, rel, NULL, wl), clock, sizeof(clock));
	const char *vars[] = { "workload", wl, "kernel", rel, "devices", dname, "modes", modes,
			       "series_mode", series_mode, "series_dev", series_dev,
			       "height", height, "panels", panels, "key_cols", kcols,
			       "no_rate", have_rate ? "0" : "1", NULL };

	return fig_render(c, kind, kind, data, image, caption, sub, clock, vars);
}

/*
 * One figure per (workload, kernel, devices) for @kind: blocks per DMA
 * mode (identical ones merged), rows per size, colour = mode.
 */
int fig_size(struct render_ctx *c, const char *kind)
{
	const struct bl_sample_set *set = c->set;
	const char *anchor = !strcmp(kind, "throughput") ? "ops_per_sec" :
			     !strcmp(kind, "bounces")    ? "bounces_per_op" :
							   "latency_p50_ns";
	char (*done)[400] = NULL;
	size_t ndone = 0;
	int ret = 0;

	for (size_t i = 0; i < set->n && !ret; i++) {
		const struct bl_sample *k = &set->s[i];
		char rel[128], mode[64], dname[200], key[400];
		struct series *v = NULL;
		size_t n = 0;
		const char *dev;

		if (!is_point(set, k, anchor))
			continue;
		fig_split_group(k->group, rel, sizeof(rel), mode, sizeof(mode), &dev);
		devices_of(k, dname, sizeof(dname));
		snprintf(key, sizeof(key), "%s\t%s\t%s", k->workload, rel, dname);
		ret = seen_key(&done, &ndone, key);
		if (ret) {
			ret = ret < 0 ? ret : 0;
			continue;
		}
		ret = collect(set, i, k->workload, rel, dname, kind, anchor, &v, &n);
		if (!ret)
			ret = draw(c, kind, k->workload, rel, dname, v, n);
		series_free(v, n);
	}
	free(done);
	return ret;
}
