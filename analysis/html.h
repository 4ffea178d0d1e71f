/*
 * The dashboard's pages as HTML, from the store: the same bytes whether
 * bouncelabd serves them (GET /, GET /runs/{uuid}) or `bouncelab report
 * --html DIR` writes them as static files. Plain HTML and one inline style
 * sheet: no JavaScript, no external assets (a lab may be offline), every
 * string from the store HTML-escaped.
 *
 * The pages differ between the two only in their links: the daemon links
 * absolute paths ("/runs/UUID"), the static files relative ones
 * ("runs/UUID.html" from the index, "../index.html" back), so that a folder
 * of files opens in a browser without a server.
 */
#ifndef BL_HTML_H
#define BL_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

enum an_html_links {
	AN_HTML_SERVED, /* bouncelabd: "/", "/runs/UUID", "/figures/NAME" */
	AN_HTML_FILES,	/* a folder: "index.html", "runs/UUID.html", "figures/NAME" */
};

struct an_html_opts {
	enum an_html_links links;
	int night_hours;      /* the headline covers the runs within this many hours of the
				 newest one (> 0); 0: every run */
	const char *figures;  /* folder holding rendered SVG figures to show on the index
				 (their names are listed from it); NULL: none */
	const char *figures_why; /* why there are no figures ("" or NULL: nothing to say) */
};

/* The index page: headline table, latest verdicts, figures, runs. 0 or -errno (logged). */
int an_html_index(FILE *f, struct bl_store *s, const struct an_html_opts *o);

/*
 * One run's page: what it was and its stored document. -EINVAL when @uuid
 * is not a UUID, -ENOENT when there is no such run, else 0 or -errno.
 */
int an_html_run(FILE *f, struct bl_store *s, const char *uuid, const struct an_html_opts *o);

/*
 * A night's page (analysis/night.h: its runs, last nights and changed rows;
 * html_night.c). @id 0 = the latest. -ENOENT when there is no such night.
 */
int an_html_night(FILE *f, struct bl_store *s, int64_t id, const struct an_html_opts *o);

/*
 * Renders the SVG figures of the runs the index covers into @dir (created)
 * with the gnuplot scripts of `bouncelab plot`, unless @dir already holds
 * them for the store as it is now (a stamp file names the stored runs'
 * count and the newest run): the daemon renders on the first request after
 * new runs and serves the cached files until more arrive. A missing gnuplot
 * is not an error: @why says so and the pages say it. 0 or -errno (logged).
 */
int an_html_figures(struct bl_store *s, int night_hours, const char *dir, char *why, size_t len);

/*
 * Writes the pages into @dir (created): index.html, runs/UUID.html for every
 * run the index lists, nights/ID.html for the latest night (with the pages
 * of its runs and their last nights), and (unless @no_figures) the SVG figures of the same
 * runs into figures/. 0 or -errno (logged).
 */
int an_html_write_dir(struct bl_store *s, const char *dir, int night_hours, bool no_figures);

#endif
