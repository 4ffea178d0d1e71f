/*
 * The dashboard (GET /, /runs/{uuid}, /nights/{id}, /figures/{name}.svg): the pages of
 * analysis/html.h served from the store, on the same listeners and under
 * the same limits as the API, read-only. A page is built into memory first
 * and sent whole, so a store error becomes a 503, never half a page.
 *
 * The figures are rendered by gnuplot into a folder beside the store
 * (DB.figures/) after the stored runs changed, and served from there until
 * they change again. A GET / that finds them stale starts the drawing on a
 * worker thread (daemon_render.c: seconds of gnuplot must not stall the
 * API) and says so on the page; the next GET / after it finished shows
 * them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "daemon.h"
#include "daemon_api.h"
#include "daemon_night.h"
#include "daemon_render.h"
#include "html.h"
#include "log.h"

/* The dashboard's night: as `bouncelab report` (a nightly matrix takes a few hours). */
#define DASH_NIGHT_HOURS 12
#define HTML_TYPE "text/html; charset=utf-8"
/* A render that drew nothing (no runs to draw, no gnuplot) is tried again after this long. */
#define DASH_REDRAW_S 30

static int figures_dir(const struct bld_ctx *ctx, char *buf, size_t len)
{
	if (!ctx->cfg.db_path || snprintf(buf, len, "%s.figures", ctx->cfg.db_path) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* Sends the page in @text (@n bytes) or the error @ret as the reply. */
static void page_reply(struct bld_reply *r, int ret, char *text, size_t n)
{
	if (ret == -ENOENT) {
		bld_reply_error(r, 404, "Not Found", "run_id: no such run");
	} else if (ret == -EINVAL) {
		bld_reply_error(r, 400, "Bad Request", "run_id: not a UUID (8-4-4-4-12 hex)");
	} else if (ret < 0 || !text) {
		bld_reply_error(r, 503, "Service Unavailable", "dashboard: the store failed (logged)");
	} else {
		r->code = 200;
		r->reason = "OK";
		r->content_type = HTML_TYPE;
		evbuffer_add(r->body, text, n);
	}
}

/*
 * Which figures GET / shows (o->figures, o->figures_why): the drawn ones
 * when they are those of the store as it is now; else it starts drawing
 * them (daemon_render.c) and the page says so, or says why there are none.
 */
static void figures(struct bld_ctx *ctx, char *dir, size_t dirlen, char *why, size_t whylen,
		    struct an_html_opts *o)
{
	time_t since, done = 0;
	int fresh, last, ret;

	why[0] = '\0';
	o->figures_why = why;
	if (figures_dir(ctx, dir, dirlen) < 0) {
		snprintf(why, whylen, "No figures: the store's path is too long for its figures folder.");
		return;
	}
	fresh = an_html_figures_fresh(ctx->store, DASH_NIGHT_HOURS, dir);
	if (fresh == 1) {
		o->figures = dir;
		return;
	}
	if (fresh < 0) {
		snprintf(why, whylen, "No figures: reading the store failed (see the daemon's log).");
		return;
	}
	if (!ctx->render && (ret = bld_render_new(ctx->base, &ctx->render)) < 0) {
		snprintf(why, whylen, "No figures: %s.", strerror(-ret));
		return;
	}
	if (bld_render_running(ctx->render, &since)) {
		snprintf(why, whylen, "The figures are being drawn for the runs stored since they were last "
			 "drawn (for %lld s now): reload the page in a few seconds.",
			 (long long)(time(NULL) - since));
		return;
	}
	/*
	 * Drawn and still not fresh: nothing to draw, or no gnuplot (neither is
	 * stamped). Say what that render said; draw again once it is a while old
	 * (runs may have come since), or when it drew something the store has
	 * moved on from.
	 */
	last = bld_render_last(ctx->render, dir, why, whylen, &done);
	if (last == -ENOENT || !why[0] || time(NULL) - done > DASH_REDRAW_S) {
		ret = bld_render_start(ctx->render, ctx->cfg.db_path, dir, DASH_NIGHT_HOURS);
		snprintf(why, whylen, ret < 0 ? "No figures: drawing them could not start (see the daemon's "
						"log)." :
						"The figures are being drawn for the newest runs: reload the page "
						"in a few seconds.");
		if (ret < 0)
			bl_err("dashboard: figures: %s", strerror(-ret));
	}
}

void bld_dash_index(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		    const char *arg, struct bld_reply *r)
{
	struct an_html_opts o = { .links = AN_HTML_SERVED, .night_hours = DASH_NIGHT_HOURS };
	char dir[PATH_MAX], why[512] = "";
	char *text = NULL;
	size_t n = 0;
	FILE *f;
	int ret;

	figures(ctx, dir, sizeof(dir), why, sizeof(why), &o);
	f = open_memstream(&text, &n);
	if (!f) {
		bld_reply_error(r, 503, "Service Unavailable", "dashboard: out of memory");
		return;
	}
	ret = an_html_index(f, ctx->store, &o);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	page_reply(r, ret, text, n);
	free(text);
}

void bld_dash_run(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		  const char *uuid, struct bld_reply *r)
{
	struct an_html_opts o = { .links = AN_HTML_SERVED, .night_hours = DASH_NIGHT_HOURS };
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	int ret;

	if (!f) {
		bld_reply_error(r, 503, "Service Unavailable", "dashboard: out of memory");
		return;
	}
	ret = an_html_run(f, ctx->store, uuid, &o);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	page_reply(r, ret, text, n);
	free(text);
}

void bld_dash_night(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		    const char *arg, struct bld_reply *r)
{
	struct an_html_opts o = { .links = AN_HTML_SERVED, .night_hours = DASH_NIGHT_HOURS };
	char *text = NULL;
	size_t n = 0;
	long long id;
	FILE *f;
	int ret;

	if (bld_night_id_parse(arg, &id) < 0) {
		bld_reply_error(r, 400, "Bad Request", "night: expected latest or a night's id (1, 2, ...)");
		return;
	}
	f = open_memstream(&text, &n);
	if (!f) {
		bld_reply_error(r, 503, "Service Unavailable", "dashboard: out of memory");
		return;
	}
	ret = an_html_night(f, ctx->store, id, &o);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	if (ret == -ENOENT)
		bld_reply_error(r, 404, "Not Found", id ? "night: no such night" : "night: none recorded yet");
	else
		page_reply(r, ret, text, n);
	free(text);
}

/* A figure's name as the figure code makes them: [A-Za-z0-9._-]+.svg, not hidden. */
static bool figure_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 5 || n > 200 || name[0] == '.' || strcmp(name + n - 4, ".svg"))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       n;
}

void bld_dash_figure(struct bld_ctx *ctx, const struct bld_listener *l,
		     struct evhttp_request *req, const char *name, struct bld_reply *r)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;
	int fd;

	if (!figure_name_ok(name)) {
		bld_reply_error(r, 400, "Bad Request", "figure: not a figure name (NAME.svg)");
		return;
	}
	if (figures_dir(ctx, dir, sizeof(dir)) < 0 ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		bld_reply_error(r, 404, "Not Found", "figure: no such figure");
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		bld_reply_error(r, 404, "Not Found", "figure: no such figure");
		return;
	}
	/* the buffer takes the fd and sends the file without copying it through us;
	 * when it fails it has not taken it */
	if (evbuffer_add_file(r->body, fd, 0, st.st_size) < 0) {
		close(fd);
		bld_reply_error(r, 503, "Service Unavailable", "figure: cannot read it");
		return;
	}
	r->code = 200;
	r->reason = "OK";
	r->content_type = "image/svg+xml";
}
