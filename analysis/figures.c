/*
 * The figures (`bouncelab plot`, the report, the nightly job): writes the data of every figure for the runs a selector
 * picks (.dat files, whitespace separated, one block per series headed by
 * its name, '?' for what a kernel cannot tell) and renders them with the
 * gnuplot scripts in plots/ (one per figure, data and output passed with
 * -e, never embedded). The data layouts are documented at the top of each
 * plots/NAME.gp and mirrored by plots/fixtures/NAME.dat.
 *
 * Figures, the exact counts first: per (workload, kernel), bounces /
 * throughput / latency vs size (a series per DMA mode x devices, colour =
 * mode, shape = devices); per kernel, SWIOTLB slots before / peak / after
 * for the rows whose boot had a pool in use; per configuration with two
 * runs or more, the trend of one metric over time; per (kernel, mode), the
 * relative change against noforce of every job, the largest drawn. One
 * figure per job would be hundreds on a full matrix.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis.h"
#include "fsutil.h"
#include "log.h"

/* --- figure list ---------------------------------------------------------------- */

static int add_figure(struct an_figures *figs, const char *kind, const char *image,
		      const char *data, const char *caption)
{
	struct an_figure *f;

	if (figs->n == figs->cap) {
		size_t cap = figs->cap ? figs->cap * 2 : 16;
		struct an_figure *nf = realloc(figs->f, cap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		figs->f = nf;
		figs->cap = cap;
	}
	f = &figs->f[figs->n];
	f->kind = strdup(kind);
	f->image = strdup(image);
	f->data = strdup(data);
	f->caption = strdup(caption);
	if (!f->kind || !f->image || !f->data || !f->caption) {
		free(f->kind);
		free(f->image);
		free(f->data);
		free(f->caption);
		return -ENOMEM;
	}
	figs->n++;
	return 0;
}

void an_figures_free(struct an_figures *figs)
{
	for (size_t i = 0; i < figs->n; i++) {
		free(figs->f[i].kind);
		free(figs->f[i].image);
		free(figs->f[i].data);
		free(figs->f[i].caption);
	}
	free(figs->f);
	memset(figs, 0, sizeof(*figs));
}

/* --- helpers -------------------------------------------------------------------- */

/* A file-name-safe copy of @s: [A-Za-z0-9.-] kept, everything else '_'. */
static void slug(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < len; i++) {
		char c = s[i];

		buf[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-') ? c : '_';
	}
	buf[i] = '\0';
}

/* A gnuplot double-quoted string cannot hold '"'; series names never need one. */
static void put_header(FILE *f, const char *name, int extra_cols)
{
	fputc('"', f);
	for (const char *p = name; *p; p++)
		fputc(*p == '"' ? '\'' : *p, f);
	fputc('"', f);
	for (int i = 0; i < extra_cols; i++)
		fputs(" ?", f);
	fputc('\n', f);
}

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

/* Where the gnuplot scripts live: $BOUNCELAB_PLOTS, ./plots, or beside the binary. */
static int find_scripts(char *buf, size_t len)
{
	const char *env = getenv("BOUNCELAB_PLOTS");
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	if (!access("plots/style.gp", R_OK)) {
		snprintf(buf, len, "plots");
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(probe, sizeof(probe), "%s/../plots/style.gp", exe);
		if (!access(probe, R_OK) && snprintf(buf, len, "%s/../plots", exe) < (int)len)
			return 0;
	}
	return -ENOENT;
}

/* Appends name='value' to a gnuplot -e string; '' escapes a quote. */
static void gp_var(char *buf, size_t len, const char *name, const char *value)
{
	size_t off = strlen(buf);

	off += (size_t)snprintf(buf + off, len > off ? len - off : 0, "%s='", name);
	for (const char *p = value; *p && off + 3 < len; p++) {
		if (*p == '\'')
			buf[off++] = '\'';
		if (*p == '\n' || *p == '\r')
			continue;
		buf[off++] = *p;
	}
	snprintf(buf + off, len > off ? len - off : 0, "'; ");
}

struct render_ctx {
	const struct an_plot_opts *o;
	struct an_figures *figs;
	char scripts[PATH_MAX];
	bool have_gnuplot;
	char subtitle[256];
};

/*
 * Copies what gnuplot said on stderr to ours, leaving out "Skipping data file
 * with no valid points": the figures draw one series per kernel x mode on
 * purpose, and a series a kernel cannot tell (bounce rate without dma:*
 * tracepoints, all '?') is expected to be empty. Everything is shown when
 * the render failed.
 */
static void gnuplot_echo_stderr(int fd, bool all)
{
	char line[1024];
	FILE *f;
	int dup_fd = dup(fd);

	if (dup_fd < 0 || lseek(dup_fd, 0, SEEK_SET) < 0)
		goto out;
	f = fdopen(dup_fd, "r");
	if (!f)
		goto out;
	dup_fd = -1;
	while (fgets(line, sizeof(line), f))
		if (all || !strstr(line, "Skipping data file with no valid points"))
			fputs(line, stderr);
	fclose(f);
out:
	if (dup_fd >= 0)
		close(dup_fd);
}

/*
 * Runs gnuplot on plots/@script.gp with @data -> @image (both inside the out
 * folder) and records the figure. 0, or -ENOMEM; a failed render is counted.
 */
static int render(struct render_ctx *c, const char *kind, const char *script, const char *data,
		  const char *image, const char *caption, const char *subtitle,
		  const char *const *vars)
{
	char expr[4096] = "", path[PATH_MAX], dpath[PATH_MAX], ipath[PATH_MAX];
	pid_t pid;
	int status, ret, errfd;
	bool ok;

	ret = add_figure(c->figs, kind, image, data, caption);
	if (ret < 0 || !c->have_gnuplot)
		return ret;
	snprintf(dpath, sizeof(dpath), "%s/%s", c->o->outdir, data);
	snprintf(ipath, sizeof(ipath), "%s/%s", c->o->outdir, image);
	if (snprintf(path, sizeof(path), "%s/%s.gp", c->scripts, script) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	gp_var(expr, sizeof(expr), "data", dpath);
	gp_var(expr, sizeof(expr), "out", ipath);
	gp_var(expr, sizeof(expr), "fmt", c->o->fmt);
	gp_var(expr, sizeof(expr), "subtitle", subtitle ? subtitle : c->subtitle);
	for (; vars && vars[0]; vars += 2)
		gp_var(expr, sizeof(expr), vars[0], vars[1]);

	fflush(NULL);
	/* gnuplot's stderr is kept aside and filtered (gnuplot_echo_stderr). */
	errfd = memfd_create("gnuplot-stderr", MFD_CLOEXEC);
	pid = fork();
	if (pid < 0) {
		bl_err("plot: fork: %s", strerror(errno));
		c->figs->failed++;
		if (errfd >= 0)
			close(errfd);
		return 0;
	}
	if (pid == 0) {
		if (errfd >= 0)
			dup2(errfd, STDERR_FILENO);
		execlp("gnuplot", "gnuplot", "-e", expr, path, (char *)NULL);
		fprintf(stderr, "plot: exec gnuplot: %s\n", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (errfd >= 0) {
		gnuplot_echo_stderr(errfd, !ok);
		close(errfd);
	}
	if (ok) {
		c->figs->rendered++;
	} else {
		bl_err("plot: gnuplot %s for %s failed (status %d)", path, data, status);
		c->figs->failed++;
	}
	return 0;
}

static FILE *open_data(struct render_ctx *c, const char *name, const char *what,
		       const char *columns)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", c->o->outdir, name);
	f = fopen(path, "we");
	if (!f) {
		bl_err("plot: %s: create: %s", path, strerror(errno));
		return NULL;
	}
	fprintf(f, "# bouncelab plot data: %s\n# columns: %s\n", what, columns);
	return f;
}

static int close_data(FILE *f, const char *name)
{
	if (ferror(f) | fclose(f)) {
		bl_err("plot: %s: write failed", name);
		return -EIO;
	}
	return 0;
}

/* --- per-workload size figures ---------------------------------------------------- */

/* The colour of a DMA mode in every figure: its palette index in plots/style.gp. */
static int mode_colour(const char *mode)
{
	static const char *const modes[] = { "default", "force", "iommu", "iommu-pt" };

	if (!strcmp(mode, "noforce"))
		return 7; /* black: the reference the others are measured against */
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(mode, modes[i]))
			return (int)i + 1;
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
static int size_figures(struct render_ctx *c, const struct bl_sample_set *set, const char *kind)
{
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
		size_t ndevs = 0, blocks = 0;
		const char *last_group = NULL, *last_variant = NULL, *dv;
		bool seen = false, have_rate = false;
		FILE *f;

		if (strcmp(set->s[i].metric->name, anchor))
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

		slug(wl, wslug, sizeof(wslug));
		slug(rel, rslug, sizeof(rslug));
		snprintf(data, sizeof(data), "%s-%s-%s.dat", kind, wslug, rslug);
		snprintf(image, sizeof(image), "%s-%s-%s.%s", kind, wslug, rslug, c->o->fmt);
		f = !strcmp(kind, "throughput") ?
			    open_data(c, data, "throughput vs buffer size",
				      "size_bytes ops_per_sec_mean ops_per_sec_sd mib_per_sec_mean "
				      "mib_per_sec_sd runs") :
		    !strcmp(kind, "bounces") ?
			    open_data(c, data, "SWIOTLB bounces vs buffer size",
				      "size_bytes bounces_per_op bounce_rate runs") :
			    open_data(c, data, "latency percentiles vs buffer size",
				      "size_bytes p50_ns p90_ns p99_ns p999_ns max_ns runs");
		if (!f) {
			ret = -EIO;
			break;
		}
		for (size_t j = i; j < set->n; j++) {
			const struct bl_sample *k = &set->s[j];
			char krel[128], kmode[64], name[320];
			const char *kdev;

			if (strcmp(k->workload, wl) || strcmp(k->metric->name, anchor))
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
				put_header(f, name, 5);
				blocks++;
				last_group = k->group;
				last_variant = k->variant;
			}
			fprintf(f, "%" PRId64, k->size);
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
			fprintf(f, " %zu\n", k->runs);
		}
		ret = close_data(f, data);
		if (ret || !blocks)
			continue;
		/* room for the key under the plot: 4 entries per 22 px row */
		snprintf(height, sizeof(height), "%zu", 660 + (blocks + 2 + 3) / 4 * 22);
		const char *vars[] = { "workload", wl, "kernel", rel, "series_mode", series_mode,
				       "series_dev", series_dev, "height", height,
				       "no_rate", have_rate ? "0" : "1", NULL };
		char sub[300];

		/* this figure's own subtitle: the whole selection's would name other kernels */
		snprintf(sub, sizeof(sub), "kernel %s; colour = DMA mode, point shape%s = devices",
			 rel, strcmp(kind, "latency") ? " and dash" : "");

		snprintf(caption, sizeof(caption), "%s of '%s' on %s vs buffer size, per mode and devices",
			 !strcmp(kind, "throughput") ? "Throughput" :
			 !strcmp(kind, "bounces")    ? "SWIOTLB bounces per op and bounce rate" :
						       "Latency p50 / p99",
			 wl, rel);
		ret = render(c, kind, kind, data, image, caption, sub, vars);
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

static int slots_cb(const struct bl_run_row *run, const struct bl_result_view *res, void *user)
{
	struct slot_ctx *c = user;
	const struct bl_opt_i64 *k = res->counters;
	struct slot_row *r = NULL;

	if (run->id != c->last_run) {
		const char *dev = run->dev_driver ? run->dev_driver : run->dev_node;
		const char *imp = run->imp_driver ? run->imp_driver : run->imp_node;

		c->last_run = run->id;
		an_short_release(run->kernel_release, c->cur.rel, sizeof(c->cur.rel));
		snprintf(c->cur.mode, sizeof(c->cur.mode), "%s", bl_mode_of(run->swiotlb, run->iommu));
		snprintf(c->cur.devices, sizeof(c->cur.devices), "%s%s%s", dev ? dev : "?",
			 imp ? "+" : "", imp ? imp : "");
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
static int slots_figure(struct render_ctx *c, struct bl_store *s, const struct bl_run_filter *f)
{
	struct slot_ctx sc = { .last_run = INT64_MIN };
	struct bl_run_filter ff = *f;
	int ret;

	ff.oldest_first = true;
	ret = bl_store_query_results(s, &ff, slots_cb, &sc);
	if (ret < 0) {
		bl_err("plot: store: %s", bl_store_errmsg(s));
		goto out;
	}
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
		slug(rel, rslug, sizeof(rslug));
		snprintf(data, sizeof(data), "slots-%s.dat", rslug);
		snprintf(image, sizeof(image), "slots-%s.%s", rslug, c->o->fmt);
		out = open_data(c, data, "SWIOTLB slots before / peak / after on one kernel, per "
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
			fprintf(out, "\"%s%s%s\\n%.*s%s%s\"", nmodes > 1 ? r->mode : "",
				nmodes > 1 ? "\\n" : "", r->workload,
				plus ? (int)(plus - r->devices) : (int)strlen(r->devices), r->devices,
				plus ? "\\n" : "", plus ? plus : "");
			fprintf(out, " %" PRId64 " %" PRId64 " %" PRId64 "\n", r->before, r->peak,
				r->after);
		}
		ret = close_data(out, data);
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
		ret = render(c, "slots", "slots", data, image, caption, sub,
			     (const char *const[]){ "width", width, NULL });
	}
out:
	free(sc.rows);
	return ret;
}

/* --- trends ---------------------------------------------------------------------- */

/*
 * For each configuration (group) with two runs or more: one file per
 * workload, blocks per size (and variant), a row per run with its mean, the
 * 95% t interval of that mean and whether it was significantly worse than
 * the run before.
 */
static int trend_figures(struct render_ctx *c, struct bl_store *s, const struct bl_run_filter *f)
{
	const struct bl_metric *m = bl_metric_find(c->o->metric);
	struct an_runs runs;
	struct bl_sample_set set, keys;
	char *labels = NULL;
	int ret;

	bl_sample_set_init(&set);
	bl_sample_set_init(&keys);
	ret = an_load_runs(s, f, &runs);
	if (ret < 0)
		return ret;
	ret = an_load_set(s, f, AN_GROUP_RUN, &set, NULL);
	if (ret < 0)
		goto out;
	/* the distinct (workload, variant, size) of the metric, over all runs, sorted */
	for (size_t i = 0; i < set.n && !ret; i++)
		if (set.s[i].metric == m)
			ret = bl_sample_set_add(&keys, "", set.s[i].workload, set.s[i].variant,
						set.s[i].size, m, 0, 0);
	if (ret < 0 || (ret = bl_sample_set_sort(&keys)) < 0)
		goto out;
	labels = calloc(runs.n ? runs.n : 1, 256);
	if (!labels) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < runs.n; i++) {
		char rel[128];

		an_short_release(runs.r[i].kernel_release, rel, sizeof(rel));
		snprintf(labels + 256 * i, 256, "%s %s %s%s%s job %s", rel, runs.r[i].mode,
			 runs.r[i].device ? runs.r[i].device : "?", runs.r[i].importer ? "+" : "",
			 runs.r[i].importer ? runs.r[i].importer : "", runs.r[i].job ? runs.r[i].job : "?");
	}
	for (size_t i = 0; i < runs.n && !ret; i++) {
		const char *cfg = labels + 256 * i;
		size_t count = 0;
		bool first = true;

		for (size_t j = 0; j < runs.n; j++)
			if (!strcmp(labels + 256 * j, cfg)) {
				count++;
				if (j < i)
					first = false;
			}
		if (count < 2 || !first)
			continue;
		/* each workload: a contiguous range of the sorted distinct keys */
		for (size_t w = 0; w < keys.n && !ret; w++) {
			const char *wl = keys.s[w].workload;
			char cslug[256], wslug[128], data[400], image[400], caption[512];
			FILE *out;
			size_t blocks = 0;

			if (w > 0 && !strcmp(keys.s[w - 1].workload, wl))
				continue;
			slug(cfg, cslug, sizeof(cslug));
			slug(wl, wslug, sizeof(wslug));
			snprintf(data, sizeof(data), "trend-%s-%s.dat", wslug, cslug);
			snprintf(image, sizeof(image), "trend-%s-%s.%s", wslug, cslug, c->o->fmt);
			out = open_data(c, data, "nightly trend of one metric, blocks per size",
					"started_unix mean ci_lo ci_hi regressed");
			if (!out) {
				ret = -EIO;
				break;
			}
			/* sizes (and variants) of this workload, then runs in time order */
			size_t nkeys = 0;

			while (w + nkeys < keys.n && !strcmp(keys.s[w + nkeys].workload, wl))
				nkeys++;
			for (size_t k = w; k < w + nkeys; k++) {
				const struct bl_sample *key = &keys.s[k];
				const struct bl_sample *prev = NULL;
				char sz[24], name[200];
				size_t pos = k - w;

				/*
				 * At most four lines stay readable over months of
				 * nights: the smallest, the largest and two between.
				 */
				if (nkeys > 4 && pos != 0 && pos != nkeys / 3 &&
				    pos != 2 * nkeys / 3 && pos != nkeys - 1)
					continue;

				bl_size_str(key->size, sz, sizeof(sz));
				snprintf(name, sizeof(name), "%s%s%s", sz, *key->variant ? " " : "",
					 key->variant);
				bool started = false; /* header only for a size this config has */

				for (size_t r = 0; r < runs.n; r++) {
					char grp[128];
					const struct bl_sample *smp;
					struct bl_change ch;
					double mean, half = 0;
					bool regressed = false;

					if (strcmp(labels + 256 * r, cfg))
						continue;
					snprintf(grp, sizeof(grp), "%020" PRId64 " %s",
						 runs.r[r].started_unix,
						 runs.r[r].run_id ? runs.r[r].run_id : "?");
					smp = bl_sample_set_find(&set, grp, wl, key->variant,
								 key->size, m);
					if (!smp || !smp->n)
						continue;
					if (!started) {
						fputs(blocks ? "\n\n" : "", out);
						put_header(out, name, 4);
						blocks++;
						started = true;
					}
					mean = bl_mean(smp->v, smp->n);
					if (smp->n >= 2)
						half = bl_t_quantile_two_sided(0.05, (double)(smp->n - 1)) *
						       bl_stddev(smp->v, smp->n) / sqrt((double)smp->n);
					if (prev &&
					    !bl_compare_samples(prev->v, prev->n, smp->v, smp->n,
								m->direction, c->o->stats, &ch))
						regressed = ch.verdict == BL_VERDICT_WORSE;
					fprintf(out, "%" PRId64 " %.6g %.6g %.6g %d\n",
						runs.r[r].started_unix, mean, mean - half, mean + half,
						regressed);
					prev = smp;
				}
			}
			ret = close_data(out, data);
			if (!ret && !blocks) {
				/* this configuration never ran the workload */
				char path[PATH_MAX];

				if (snprintf(path, sizeof(path), "%s/%s", c->o->outdir, data) <
				    (int)sizeof(path))
					unlink(path);
			}
			if (ret || !blocks)
				continue;
			char mlabel[160];
			const char *vars[] = { "workload", wl, "metric_label", mlabel, NULL };

			snprintf(mlabel, sizeof(mlabel), "%s (%s)", m->label, m->unit);
			snprintf(caption, sizeof(caption), "Trend of %s for '%s' on %s", m->label, wl,
				 cfg);
			char sub[400];

			snprintf(sub, sizeof(sub), "kernel %s, %zu runs", cfg, count);
			ret = render(c, "trend", "trend", data, image, caption, sub, vars);
		}
	}
out:
	free(labels);
	bl_sample_set_free(&keys);
	bl_sample_set_free(&set);
	an_runs_free(&runs);
	return ret;
}

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
 * against noforce to @bars. *@bruns / *@nruns grow by the runs compared.
 */
static int compare_job(struct render_ctx *c, struct bl_store *s, const struct bl_run_filter *f,
		       const struct an_run *r, struct cmp_bar **bars, size_t *nbars, size_t *cap,
		       size_t *bruns_total, size_t *nruns_total)
{
	const char *const metrics[] = { c->o->metric, NULL };
	struct bl_run_filter bf = *f, nf;
	struct bl_sample_set bset, nset;
	struct bl_cmp_result cr = { 0 };
	size_t bruns = 0, nruns = 0;
	int ret;

	bf.kernel = r->kernel_release;
	bf.job = r->job;
	bf.device = r->device;
	bf.importer = r->importer;
	bf.limit = 0;
	nf = bf;
	bl_mode_filter(&bf, "noforce");
	bl_mode_filter(&nf, r->mode);
	bl_sample_set_init(&bset);
	bl_sample_set_init(&nset);
	ret = an_load_set(s, &bf, AN_GROUP_JOB, &bset, &bruns);
	if (!ret)
		ret = an_load_set(s, &nf, AN_GROUP_JOB, &nset, &nruns);
	if (!ret && bruns && nruns)
		ret = bl_compare_sets(&bset, &nset, "noforce", r->mode, metrics, c->o->stats, &cr);
	if (!ret && cr.n) {
		*bruns_total += bruns;
		*nruns_total += nruns;
	}
	for (size_t k = 0; k < cr.n && !ret; k++) {
		const struct bl_cmp_row *row = &cr.rows[k];
		const char *job = r->job ? r->job : "?";
		struct cmp_bar *b;
		char sz[24];

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
	bl_cmp_result_free(&cr);
	bl_sample_set_free(&bset);
	bl_sample_set_free(&nset);
	return ret;
}

/*
 * Each mode of each kernel against noforce, one chart per (kernel, mode):
 * every job of that kernel compared on its own (same job and devices on
 * both sides), then the COMPARE_TOP largest changes drawn, sorted by
 * change. The data file holds every row, the chart the largest.
 */
static int compare_figures(struct render_ctx *c, struct bl_store *s, const struct bl_run_filter *f)
{
	const struct bl_metric *m = bl_metric_find(c->o->metric);
	struct an_runs runs;
	int ret = an_load_runs(s, f, &runs);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < runs.n && !ret; i++) {
		struct an_run *r = &runs.r[i];
		struct cmp_bar *bars = NULL;
		size_t nbars = 0, cap = 0, bruns = 0, nruns = 0, jobs = 0;
		bool dup = false;

		if (!strcmp(r->mode, "noforce") || !strcmp(r->mode, "?") || !r->kernel_release)
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = runs.r[j].kernel_release &&
			      !strcmp(runs.r[j].kernel_release, r->kernel_release) &&
			      !strcmp(runs.r[j].mode, r->mode);
		if (dup)
			continue;
		/* each distinct job (and devices) of this kernel and mode */
		for (size_t j = i; j < runs.n && !ret; j++) {
			struct an_run *q = &runs.r[j];
			bool seen = false;

			if (!q->kernel_release || strcmp(q->kernel_release, r->kernel_release) ||
			    strcmp(q->mode, r->mode))
				continue;
			for (size_t k = i; k < j && !seen; k++) {
				struct an_run *p = &runs.r[k];

				seen = p->kernel_release && !strcmp(p->kernel_release, q->kernel_release) &&
				       !strcmp(p->mode, q->mode) &&
				       !strcmp(p->job ? p->job : "", q->job ? q->job : "") &&
				       !strcmp(p->device ? p->device : "", q->device ? q->device : "") &&
				       !strcmp(p->importer ? p->importer : "",
					       q->importer ? q->importer : "");
			}
			if (seen)
				continue;
			size_t before = nbars;

			ret = compare_job(c, s, f, q, &bars, &nbars, &cap, &bruns, &nruns);
			jobs += nbars > before;
		}
		if (!ret && nbars) {
			char rel[128], dslug[300], data[400], image[400], caption[512], mlabel[160];
			char noise[32], sub[512], width[16];
			size_t worse = 0, better = 0, shown = nbars < COMPARE_TOP ? nbars : COMPARE_TOP;
			FILE *out;

			an_short_release(r->kernel_release, rel, sizeof(rel));
			snprintf(caption, sizeof(caption), "%s %s", rel, r->mode);
			slug(caption, dslug, sizeof(dslug));
			snprintf(data, sizeof(data), "compare-%s-vs-noforce.dat", dslug);
			snprintf(image, sizeof(image), "compare-%s-vs-noforce.%s", dslug, c->o->fmt);
			for (size_t k = 0; k < nbars; k++) {
				worse += bars[k].cls == 2;
				better += bars[k].cls == 1;
			}
			qsort(bars, nbars, sizeof(*bars), bar_by_size);
			qsort(bars, shown, sizeof(*bars), bar_by_change);
			out = open_data(c, data, "relative change per row, mode vs noforce (the first "
						 "rows, the largest changes, are the ones drawn)",
					"index label change_pct ci_lo_pct ci_hi_pct class "
					"(0 same, 1 better, 2 worse, 3 too few reps)");
			if (!out) {
				ret = -EIO;
			} else {
				for (size_t k = 0; k < nbars; k++) {
					fprintf(out, "%zu \"%s\" %.4g", k, bars[k].label, bars[k].change);
					if (isnan(bars[k].lo))
						fprintf(out, " ? ? %d\n", bars[k].cls);
					else
						fprintf(out, " %.4g %.4g %d\n", bars[k].lo, bars[k].hi,
							bars[k].cls);
				}
				ret = close_data(out, data);
			}
			snprintf(mlabel, sizeof(mlabel), "%s (%s)", m->label, m->unit);
			snprintf(noise, sizeof(noise), "%g", c->o->stats->noise * 100);
			snprintf(caption, sizeof(caption),
				 "What %s costs on %s: %s change vs noforce, the %zu largest of %zu rows",
				 r->mode, rel, m->label, shown, nbars);
			snprintf(sub, sizeof(sub),
				 "kernel %s, mode %s against noforce, same job and devices; %zu jobs, "
				 "%zu rows: %zu significantly worse, %zu better; the %zu largest changes "
				 "drawn (%zu %s runs, %zu noforce)", rel, r->mode, jobs, nbars, worse,
				 better, shown, nruns, r->mode, bruns);
			snprintf(width, sizeof(width), "%zu", shown * 42 + 300 < 1000 ? 1000 :
							      shown * 42 + 300);
			const char *vars[] = { "metric_label", mlabel, "noise_pct", noise,
					       "count", "", "width", width, "height", "820", NULL };
			char count[16];

			snprintf(count, sizeof(count), "%zu", shown);
			vars[5] = count;
			if (!ret)
				ret = render(c, "compare", "compare", data, image, caption, sub, vars);
		}
		free(bars);
	}
	an_runs_free(&runs);
	return ret;
}

/* --- entry points ------------------------------------------------------------------- */

int an_plots_render(struct bl_store *s, const struct bl_run_filter *f,
		    const struct an_plot_opts *o, struct an_figures *figs)
{
	struct render_ctx c = { .o = o, .figs = figs };
	struct bl_sample_set set;
	struct an_runs runs;
	int ret;

	memset(figs, 0, sizeof(*figs));
	if (!bl_metric_find(o->metric)) {
		bl_err("plot: unknown metric '%s'", o->metric);
		return -EINVAL;
	}
	ret = bl_mkdir_p(o->outdir, 0777);
	if (ret < 0) {
		bl_err("plot: %s: mkdir: %s", o->outdir, strerror(-ret));
		return ret;
	}
	c.have_gnuplot = find_scripts(c.scripts, sizeof(c.scripts)) == 0 &&
			 system("command -v gnuplot >/dev/null 2>&1") == 0;
	if (!c.have_gnuplot)
		snprintf(figs->why, sizeof(figs->why), "%s",
			 find_scripts(c.scripts, sizeof(c.scripts)) ?
				 "the gnuplot scripts (plots/) were not found; set BOUNCELAB_PLOTS" :
				 "gnuplot is not installed (make deps)");

	ret = an_load_runs(s, f, &runs);
	if (ret < 0)
		return ret;
	{
		/* the subtitle: kernels and how many runs */
		char kernels[200] = "";
		size_t off = 0;

		for (size_t i = 0; i < runs.n; i++) {
			char rel[128];
			bool dup = false;

			for (size_t j = 0; j < i; j++)
				if (runs.r[j].kernel_release && runs.r[i].kernel_release &&
				    !strcmp(runs.r[j].kernel_release, runs.r[i].kernel_release))
					dup = true;
			if (dup || !runs.r[i].kernel_release)
				continue;
			an_short_release(runs.r[i].kernel_release, rel, sizeof(rel));
			if (off < sizeof(kernels))
				off += (size_t)snprintf(kernels + off, sizeof(kernels) - off, "%s%s",
							off ? ", " : "", rel);
		}
		snprintf(c.subtitle, sizeof(c.subtitle), "%zu run%s; kernels %s", runs.n,
			 runs.n == 1 ? "" : "s", *kernels ? kernels : "?");
	}
	an_runs_free(&runs);

	bl_sample_set_init(&set);
	ret = an_load_set(s, f, AN_GROUP_KERNEL_MODE, &set, NULL);
	if (ret < 0 || (ret = bl_sample_set_sort(&set)) < 0)
		goto out;
	/* the exact counts first (bounces, slots), then the timings TCG makes noisy */
	if (!(ret = size_figures(&c, &set, "bounces")) && !(ret = slots_figure(&c, s, f)) &&
	    !(ret = size_figures(&c, &set, "throughput")) &&
	    !(ret = size_figures(&c, &set, "latency")) && !(ret = trend_figures(&c, s, f)))
		ret = compare_figures(&c, s, f);
out:
	bl_sample_set_free(&set);
	return ret;
}

