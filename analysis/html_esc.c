/*
 * The dashboard's escaping and page frame. Everything the pages show comes
 * from the store, and the store holds what any client POSTed (a kernel log
 * line, a job name): every such string goes through html_text(), which
 * leaves nothing a browser could read as markup. The style sheet is inline
 * because a lab's browser may have no network and the daemon serves no
 * files of its own.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "html_int.h"

void html_text(FILE *f, const char *s, bool pre)
{
	if (!s)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\n':
		case '\t':
			fputc(pre ? *p : ' ', f);
			break;
		default:
			/* C0 controls and DEL: a reference to them is a parse error */
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\x%02x", *p);
			else
				fputc(*p, f);
		}
	}
}

void html_textf(FILE *f, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	html_text(f, buf, false);
}

/* Few colours, chosen so that a verdict reads without the legend. */
static const char style[] =
	"body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:90em}"
	"h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.5em 0 .4em}"
	"table{border-collapse:collapse;font-size:.85em}"
	"th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".worse{background:#fbd5d5}.better{background:#d5f5dd}.same{background:#f4f4f4}"
	".unknown{background:#fff6d0}td.klog{min-width:14em;max-width:20em;font-family:monospace;font-size:.85em}"
	".refused{color:#a00000;font-weight:bold}"
	".note{color:#555;font-size:.9em}pre{background:#f6f6f6;padding:.8em;overflow:auto;"
	"font-size:.85em}nav a{margin-right:1em}img{width:100%;height:auto;border:1px solid #ddd}"
	"figure{display:inline-block;vertical-align:top;margin:.5em;width:36em}"
	"figcaption{font-size:.85em;color:#444}";

void html_page_start(FILE *f, const char *title, const struct an_html_opts *o, int depth)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
	html_text(f, title, false);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<nav><a href=\"", style);
	html_href_index(f, o, depth);
	fputs("\">bouncelab dashboard</a></nav>\n<h1>", f);
	html_text(f, title, false);
	fputs("</h1>\n", f);
}

void html_page_end(FILE *f)
{
	fputs("<p class=\"note\">Generated from the store by bouncelab; nothing here is "
	      "typed by hand.</p>\n</body></html>\n", f);
}

static void up(FILE *f, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("../", f);
}

void html_href_run(FILE *f, const struct an_html_opts *o, int depth, const char *uuid)
{
	if (o->links == AN_HTML_SERVED) {
		fputs("/runs/", f);
		html_text(f, uuid, false);
		return;
	}
	up(f, depth);
	fputs("runs/", f);
	html_text(f, uuid, false);
	fputs(".html", f);
}

void html_href_index(FILE *f, const struct an_html_opts *o, int depth)
{
	if (o->links == AN_HTML_SERVED) {
		fputs("/", f);
		return;
	}
	up(f, depth);
	fputs("index.html", f);
}
