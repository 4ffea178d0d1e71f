/*
 * The dashboard (GET /, /runs/{uuid}, /nights/{id}, /figures/{name}.svg): the pages of
 * analysis/html.h served from the store, on the same listeners and under
 * the same limits as the API, read-only. A page is built into memory first
 * and sent whole, so a store error becomes a 503, never half a page.
 *
 * The figures are rendered by gnuplot into a folder beside the store
 * (DB.figures/) on the first GET / after the stored runs changed, and
 * served from there until they change again. Rendering runs on the event
 * loop: a night's figures take seconds once per night, and the alternative,
 * a child process per render, costs a second process table entry and a
 * completion path for a page nobody may be waiting for.
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
#include "html.h"
#include "log.h"

/* The dashboard's night: as `bouncelab report` (a nightly matrix takes a few hours). */
#define DASH_NIGHT_HOURS 12
#define HTML_TYPE "text/html; charset=utf-8"

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

void bld_dash_index(struct bld_ctx *ctx, const struct bld_listener *l, struct evhttp_request *req,
		    const char *arg, struct bld_reply *r)
{
	struct an_html_opts o = { .links = AN_HTML_SERVED, .night_hours = DASH_NIGHT_HOURS };
	char dir[PATH_MAX], why[512] = "";
	char *text = NULL;
	size_t n = 0;
	FILE *f;
	int ret;

	if (figures_dir(ctx, dir, sizeof(dir)) == 0 &&
	    an_html_figures(ctx->store, DASH_NIGHT_HOURS, dir, why, sizeof(why)) == 0) {
		o.figures = dir;
		o.figures_why = why;
	} else {
		o.figures_why = "No figures: rendering them failed (see the daemon's log).";
	}
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
