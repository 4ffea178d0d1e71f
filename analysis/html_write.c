/*
 * The dashboard as files: `bouncelab report --html DIR` writes the pages
 * bouncelabd serves, with relative links, for people without the daemon;
 * and the figures both of them show, rendered once per state of the store
 * (an_html_figures), since gnuplot takes a second or more per figure and
 * the store changes once a night.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "fsutil.h"
#include "html_int.h"
#include "night.h"
#include "log.h"
#include "store_summary.h"

#define STAMP ".rendered"
#define CAPTIONS ".captions" /* "image<TAB>caption" per line, in the figure code's order */

/* What the figures of @dir were rendered from: the runs stored and the newest one. */
static int store_stamp(struct bl_store *s, int night_hours, char *buf, size_t len)
{
	struct bl_store_info info;
	int ret = bl_store_info(s, &info);

	if (ret < 0) {
		bl_err("dashboard: store info: %s", bl_store_errmsg(s));
		return ret;
	}
	snprintf(buf, len, "%lld %s %d\n", (long long)info.runs, info.last_run_id, night_hours);
	return 0;
}

static bool stamp_matches(const char *path, const char *stamp)
{
	char have[128] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	if (!fgets(have, sizeof(have), f))
		have[0] = '\0';
	fclose(f);
	return !strcmp(have, stamp);
}

/* Removes the figures and data files of an older state: a gone configuration's figure must go. */
static void clear_figures(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 4 && (!strcmp(de->d_name + n - 4, ".svg") ||
			      !strcmp(de->d_name + n - 4, ".dat")) &&
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
}

/*
 * The figures' order and captions for the index: the figure code lists the
 * exact counts first and says in each caption what it shows and on which
 * clock, which a file name cannot.
 */
static int write_captions(const char *dir, const struct an_figures *figs)
{
	char path[PATH_MAX];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/" CAPTIONS, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (!f) {
		bl_err("dashboard: %s: create: %s", path, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < figs->n; i++) {
		/* one line each: a caption is the figure code's text, tabs and newlines not in it */
		fputs(figs->f[i].image, f);
		fputc('\t', f);
		for (const char *p = figs->f[i].caption; *p; p++)
			fputc(*p == '\n' || *p == '\t' ? ' ' : *p, f);
		fputc('\n', f);
	}
	if (ferror(f) | fclose(f)) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

int an_html_figures_fresh(struct bl_store *s, int night_hours, const char *dir)
{
	char stamp[128], spath[PATH_MAX];
	int ret;

	if (snprintf(spath, sizeof(spath), "%s/" STAMP, dir) >= (int)sizeof(spath))
		return -ENAMETOOLONG;
	ret = store_stamp(s, night_hours, stamp, sizeof(stamp));
	if (ret < 0)
		return ret;
	return stamp_matches(spath, stamp);
}

int an_html_figures(struct bl_store *s, int night_hours, const char *dir, char *why, size_t len)
{
	struct bl_run_filter f = { .oldest_first = true };
	struct an_figures figs = { 0 };
	struct bl_stats_opts stats;
	char stamp[128], spath[PATH_MAX], err[256] = "";
	int64_t newest = 0;
	FILE *sf;
	int ret;

	why[0] = '\0';
	if (snprintf(spath, sizeof(spath), "%s/" STAMP, dir) >= (int)sizeof(spath))
		return -ENAMETOOLONG;
	ret = store_stamp(s, night_hours, stamp, sizeof(stamp));
	if (ret < 0)
		return ret;
	if (stamp_matches(spath, stamp))
		return 0;
	ret = bl_mkdir_p(dir, 0777);
	if (ret < 0) {
		bl_err("dashboard: %s: mkdir: %s", dir, strerror(-ret));
		return ret;
	}
	clear_figures(dir);
	unlink(spath);
	if (night_hours > 0) {
		ret = bl_store_summary_newest(s, &newest, err, sizeof(err));
		if (ret < 0) {
			bl_err("%s", err);
			return ret;
		}
		if (newest)
			f.since = newest - (int64_t)night_hours * 3600;
	}
	bl_stats_opts_default(&stats);
	ret = an_plots_render(s, &f, &(struct an_plot_opts){ .outdir = dir, .fmt = "svg",
							     .metric = "ops_per_sec",
							     .stats = &stats }, &figs);
	if (ret < 0)
		goto out;
	if (!figs.rendered)
		snprintf(why, len, "No figures: %s", figs.why[0] ? figs.why : "nothing to draw");
	ret = write_captions(dir, &figs);
	if (ret < 0)
		goto out;
	/* stamped only when gnuplot drew something: a missing gnuplot is retried next time */
	if (figs.rendered && (sf = fopen(spath, "we"))) {
		fputs(stamp, sf);
		if (fclose(sf))
			unlink(spath);
	}
out:
	an_figures_free(&figs);
	return ret;
}

/* What one page is: the index (uuid and night 0), a run's page (uuid), a night's page (night). */
struct page {
	const char *uuid;
	int64_t night;
};

/* Writes one page to @path through a temporary file, so a reader never sees half of it. */
static int write_page_of(const char *path, struct bl_store *s, const struct page *pg,
			 const struct an_html_opts *o)
{
	char tmp[PATH_MAX];
	FILE *f;
	int ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f) {
		ret = -errno;
		bl_err("report: %s: create: %s", tmp, strerror(errno));
		return ret;
	}
	ret = pg->night ? an_html_night(f, s, pg->night, o) :
	      pg->uuid	? an_html_run(f, s, pg->uuid, o) :
			  an_html_index(f, s, o);
	if ((ferror(f) | fclose(f)) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		bl_err("report: %s: %s", path, strerror(-ret));
		unlink(tmp);
	}
	return ret;
}

static int write_page(const char *path, struct bl_store *s, const char *uuid,
		      const struct an_html_opts *o)
{
	return write_page_of(path, s, &(struct page){ .uuid = uuid }, o);
}

/*
 * The latest night's page, nights/ID.html, and the pages of its runs and
 * of their last nights (the night's numbers link to both), beside the
 * index's runs. No night recorded: nothing. 0 or -errno.
 */
static int write_night_pages(struct bl_store *s, const char *dir, const struct an_html_opts *o)
{
	char path[PATH_MAX], page[PATH_MAX];
	struct an_night n;
	int ret = an_night_load(s, 0, &n);

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	for (size_t i = 0; !ret && i < n.n_runs; i++) {
		const char *uuids[] = { n.runs[i].uuid, n.runs[i].last_uuid };

		for (size_t k = 0; !ret && k < 2; k++) {
			if (!uuids[k] || !bl_uuid_valid(uuids[k]))
				continue;
			snprintf(path, sizeof(path), "%s/runs/%s.html", dir, uuids[k]);
			ret = write_page(path, s, uuids[k], o);
		}
	}
	if (!ret && (snprintf(path, sizeof(path), "%s/nights", dir) >= (int)sizeof(path) ||
		     snprintf(page, sizeof(page), "%s/nights/%" PRId64 ".html", dir, n.id) >=
			     (int)sizeof(page)))
		ret = -ENAMETOOLONG;
	if (!ret && (ret = bl_mkdir_p(path, 0777)) < 0)
		bl_err("report: %s: mkdir: %s", path, strerror(-ret));
	if (!ret)
		ret = write_page_of(page, s, &(struct page){ .night = n.id }, o);
	an_night_free(&n);
	return ret;
}

int an_html_write_dir(struct bl_store *s, const char *dir, int night_hours, bool no_figures)
{
	struct an_html_opts o = { .links = AN_HTML_FILES, .night_hours = night_hours };
	char path[PATH_MAX], figdir[PATH_MAX], why[512] = "";
	struct an_dataset ds = { 0 };
	int ret;

	if (snprintf(figdir, sizeof(figdir), "%s/figures", dir) >= (int)sizeof(figdir) ||
	    snprintf(path, sizeof(path), "%s/runs", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	ret = bl_mkdir_p(path, 0777);
	if (ret < 0) {
		bl_err("report: %s: mkdir: %s", path, strerror(-ret));
		return ret;
	}
	if (no_figures) {
		o.figures_why = "Figures left out (--no-plots).";
	} else {
		ret = an_html_figures(s, night_hours, figdir, why, sizeof(why));
		if (ret < 0)
			return ret;
		o.figures = figdir;
		o.figures_why = why;
	}
	ret = html_load_night(s, night_hours, &ds);
	for (size_t i = 0; !ret && i < ds.runs.n; i++) {
		if (!ds.runs.r[i].run_id || !bl_uuid_valid(ds.runs.r[i].run_id))
			continue; /* the store only holds valid ones; a page name must be one */
		snprintf(path, sizeof(path), "%s/runs/%s.html", dir, ds.runs.r[i].run_id);
		ret = write_page(path, s, ds.runs.r[i].run_id, &o);
	}
	an_dataset_free(&ds);
	if (!ret)
		ret = write_night_pages(s, dir, &o);
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/index.html", dir);
	return write_page(path, s, NULL, &o);
}
