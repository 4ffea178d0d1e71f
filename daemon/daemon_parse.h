/*
 * A small pool of threads that parse and validate POSTed result documents
 * (bl_resultdoc_parse) off bouncelabd's event loop, so that JSON work on
 * one core overlaps with HTTP and SQLite work on the other. Results come
 * back on the event loop thread, through an eventfd watched by a libevent
 * event, in the order the threads finish. The store is never touched from
 * a pool thread.
 */
#ifndef BLD_PARSE_H
#define BLD_PARSE_H

#include <stddef.h>

struct event_base;
struct bl_resultdoc;
struct bld_parse_pool;

/*
 * Called on the event loop thread for each submitted document: @ret is
 * bl_resultdoc_parse()'s (0 with @doc, which the callee owns; else -errno
 * with @err naming the field).
 */
typedef void (*bld_parsed_fn)(void *user, void *item, int ret, struct bl_resultdoc *doc, const char *err);

int bld_parse_pool_new(struct event_base *base, int threads, bld_parsed_fn fn, void *user,
		       struct bld_parse_pool **out);
/* Queues @text (malloc'd; the pool frees it) for parsing. 0 or -ENOMEM. */
int bld_parse_pool_submit(struct bld_parse_pool *p, char *text, size_t len, void *item);
/* Waits until every queued document has been parsed and delivered. */
void bld_parse_pool_drain(struct bld_parse_pool *p);
/* Drains, stops the threads, frees. */
void bld_parse_pool_free(struct bld_parse_pool *p);
/* Documents submitted and not yet delivered. */
size_t bld_parse_pool_pending(const struct bld_parse_pool *p);

#endif
