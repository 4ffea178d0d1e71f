/*
 * The dashboard's figures, drawn off the event loop (daemon_render.c).
 */
#ifndef BLD_RENDER_H
#define BLD_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <event2/event.h>

struct bld_render;

/* A renderer whose completion events run on @base. 0 or -errno. */
int bld_render_new(struct event_base *base, struct bld_render **out);

/*
 * Starts drawing the figures of the store at @db_path (the runs of the
 * last @night_hours) into @dir on a worker thread, with the thread's own
 * read-only connection. 0, -EBUSY when a render is running, else -errno.
 */
int bld_render_start(struct bld_render *r, const char *db_path, const char *dir, int night_hours);

/* Is a render running, and since when (*@since may be NULL)? */
bool bld_render_running(const struct bld_render *r, time_t *since);

/*
 * The last finished render of @dir: its result (0 or -errno), what it said
 * (@why: "No figures: ..." or "") and when it finished (*@finished).
 * -ENOENT when none finished for @dir.
 */
int bld_render_last(const struct bld_render *r, const char *dir, char *why, size_t len,
		    time_t *finished);

/* Waits for a running render (shutdown: its files must not be left half-written), then frees. */
void bld_render_free(struct bld_render *r);

#endif
