/*
 * The dashboard's figures, drawn off the event loop (daemon_render.h).
 *
 * gnuplot takes seconds for a night's figures (a full matrix's 130 took
 * 5 s on an idle host, 16 s on a loaded one), and drawn on the event loop
 * they stalled every request meanwhile: a GET /healthz sent during a
 * GET / waited 4.4 s. So a GET / that finds the figures stale starts one
 * worker thread, which opens its own read-only connection to the store
 * (WAL: a reader never blocks the writer, and no SQLite handle is shared
 * between threads) and draws through an_html_figures(); the page says the
 * figures are being drawn meanwhile. The thread tells the loop it has
 * finished through a pipe, and the loop joins it. The worker blocks every
 * signal, so SIGTERM, SIGHUP and SIGCHLD stay the main thread's. Shutdown
 * waits for a render in progress rather than leave its files half-written.
 */
#include "daemon_render.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html.h"
#include "log.h"
#include "store.h"

struct bld_render {
	struct event *done;	/* the pipe's read end became readable: the worker finished */
	int pipe[2];		/* worker -> loop: one byte per finished render */
	pthread_t thread;
	bool running;		/* a worker exists (not yet joined) */
	time_t started, finished;
	/* the render's input, and its output once joined */
	char db_path[PATH_MAX];
	char dir[PATH_MAX];
	int night_hours;
	int ret;		/* an_html_figures' result */
	char why[512];		/* what it said */
	bool have_last;		/* a render of dir finished (ret, why valid) */
};

static void *render_main(void *arg)
{
	struct bld_render *r = arg;
	struct bl_store_opts so = { .read_only = true, .no_mkdir = true };
	struct bl_store *s = NULL;
	char err[256] = "";

	r->why[0] = '\0';
	r->ret = bl_store_open(r->db_path, &so, &s, err, sizeof(err));
	if (r->ret < 0) {
		snprintf(r->why, sizeof(r->why), "No figures: the store: %s",
			 err[0] ? err : strerror(-r->ret));
	} else {
		r->ret = an_html_figures(s, r->night_hours, r->dir, r->why, sizeof(r->why));
		bl_store_close(s);
	}
	/* the loop joins us when it reads this; a full pipe cannot happen (one byte per render) */
	if (write(r->pipe[1], "x", 1) != 1)
		bl_err("dashboard: figures: cannot tell the event loop: %s", strerror(errno));
	return NULL;
}

static void join(struct bld_render *r)
{
	pthread_join(r->thread, NULL);
	r->running = false;
	r->finished = time(NULL);
	r->have_last = true;
	if (r->ret < 0)
		bl_err("dashboard: figures: %s", r->why[0] ? r->why : strerror(-r->ret));
	else
		bl_info("dashboard: figures drawn in %lld s%s%s", (long long)(time(NULL) - r->started),
			r->why[0] ? ": " : "", r->why);
}

static void render_done(evutil_socket_t fd, short what, void *arg)
{
	struct bld_render *r = arg;
	char b[16];

	(void)what;
	if (read(fd, b, sizeof(b)) > 0 && r->running)
		join(r);
}

int bld_render_new(struct event_base *base, struct bld_render **out)
{
	struct bld_render *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	if (pipe2(r->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		int err = -errno;

		free(r);
		return err;
	}
	r->done = event_new(base, r->pipe[0], EV_READ | EV_PERSIST, render_done, r);
	if (!r->done || event_add(r->done, NULL) < 0) {
		if (r->done)
			event_free(r->done);
		close(r->pipe[0]);
		close(r->pipe[1]);
		free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

int bld_render_start(struct bld_render *r, const char *db_path, const char *dir, int night_hours)
{
	sigset_t all, old;
	int err;

	if (r->running)
		return -EBUSY;
	if (snprintf(r->db_path, sizeof(r->db_path), "%s", db_path) >= (int)sizeof(r->db_path) ||
	    snprintf(r->dir, sizeof(r->dir), "%s", dir) >= (int)sizeof(r->dir))
		return -ENAMETOOLONG;
	r->night_hours = night_hours;
	r->have_last = false;
	r->started = time(NULL);
	/* the worker inherits this mask: every signal stays the main thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&r->thread, NULL, render_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	r->running = true;
	bl_info("dashboard: drawing the figures (worker thread)");
	return 0;
}

bool bld_render_running(const struct bld_render *r, time_t *since)
{
	if (since)
		*since = r->started;
	return r->running;
}

int bld_render_last(const struct bld_render *r, const char *dir, char *why, size_t len,
		    time_t *finished)
{
	if (r->running || !r->have_last || strcmp(r->dir, dir))
		return -ENOENT;
	snprintf(why, len, "%s", r->why);
	*finished = r->finished;
	return r->ret;
}

void bld_render_free(struct bld_render *r)
{
	if (!r)
		return;
	if (r->running) {
		bl_info("dashboard: waiting for the figures being drawn");
		join(r);
	}
	event_free(r->done);
	close(r->pipe[0]);
	close(r->pipe[1]);
	free(r);
}
