/*
 * What the dashboard's files (analysis/html_*.c) share and nothing else
 * uses: escaping, the page frame, links, and the headline table.
 * html_esc.c: escaping and the frame; html_headline.c: the headline table;
 * html_index.c, html_run.c and html_night.c: the pages; html_write.c: the
 * static folder.
 */
#ifndef BL_HTML_INT_H
#define BL_HTML_INT_H

#include <stdio.h>

#include "dataset.h"
#include "html.h"

/*
 * Writes @s (NULL: nothing) as HTML text: & < > " ' as entities, and every
 * control character but newline and tab (which @pre keeps; else a space)
 * as a visible "\xNN", since a numeric reference to one is not valid HTML.
 */
void html_text(FILE *f, const char *s, bool pre);
/* printf into a buffer, then html_text: for numbers mixed with store strings. */
void html_textf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The page up to and including <body>'s heading; and its end. */
void html_page_start(FILE *f, const char *title, const struct an_html_opts *o, int depth);
void html_page_end(FILE *f);

/* The href of run @uuid's page from a page @depth folders below the root. */
void html_href_run(FILE *f, const struct an_html_opts *o, int depth, const char *uuid);
/* The href of night @id's page (html_night.c). */
void html_href_night(FILE *f, const struct an_html_opts *o, int depth, int64_t id);
/* The index's "Latest night" section (html_night.c). 0 or -errno. */
int html_night_section(FILE *f, struct bl_store *s, const struct an_html_opts *o);
/* The href of the index. */
void html_href_index(FILE *f, const struct an_html_opts *o, int depth);

/*
 * The headline table of @ds: one row per (kernel, mode). @s for the
 * comparisons against the baseline mode. 0 or -errno.
 */
int html_headline(FILE *f, struct bl_store *s, const struct an_dataset *ds,
		  const struct an_html_opts *o);

/* The runs the index covers: the newest night (o->night_hours) or all. 0 or -errno. */
int html_load_night(struct bl_store *s, int night_hours, struct an_dataset *ds);

#endif
