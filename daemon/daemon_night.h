/*
 * The latest night's gauges for /metrics (daemon_api_nights.c), kept
 * rendered between scrapes: a scrape asks the store only for the newest
 * night's id, status and run count (one row of a small table) and renders
 * the night again only when that changed, whoever judged it (the daemon's
 * schedules or `bouncelab nightly` in another process).
 */
#ifndef BLD_NIGHT_H
#define BLD_NIGHT_H

#include <stdint.h>

struct bld_ctx;
struct evbuffer;
struct bld_night_cache;

/* Appends the latest night's gauges to @b (nothing when no night is recorded). */
void bld_night_metrics(struct bld_ctx *ctx, struct evbuffer *b);
void bld_night_cache_free(struct bld_night_cache *c);

/*
 * A night as a URL names it: "latest" (*@id = 0) or its id, 1 to 2^53.
 * 0 or -EINVAL.
 */
int bld_night_id_parse(const char *arg, long long *id);

#endif
