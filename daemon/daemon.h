/*
 * bouncelabd's one context: everything the daemon owns hangs off struct
 * bld_ctx, which is the callback argument of every event (no globals, as in
 * redis' aeEventLoop / serverCron). bouncelabd.c sets the parts up in the
 * order they are declared here and tears them down in reverse.
 */
#ifndef BLD_DAEMON_H
#define BLD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "daemon_config.h"

struct bld_latest;
struct bld_night_cache;
#include "daemon_health.h"
#include "log.h"

struct event_base;
struct event;
struct bl_store;
struct bld_http;
struct bld_monitor;
struct bld_sched;

/* Counters exported by GET /metrics (since the daemon started). */
struct bld_stats {
	uint64_t requests;	   /* HTTP requests dispatched */
	uint64_t replies[6];	   /* by class: [2] 2xx, [4] 4xx, [5] 5xx */
	uint64_t runs_inserted;	   /* POSTed documents committed as new runs */
	uint64_t runs_duplicate;   /* POSTed documents whose UUID was stored already */
	uint64_t ingest_rejected;  /* POSTed documents refused (bad JSON/contract, too big) */
	uint64_t ingest_failed;	   /* batches the store could not commit */
	uint64_t batches;	   /* store transactions for POSTs */
	uint64_t auth_refused;	   /* writes without the right bearer token */
	uint64_t conn_accepted;	   /* HTTP connections accepted */
	uint64_t conn_paused;	   /* times the listeners were paused at max_connections */
	uint64_t held_refused;	   /* connections answered 503 at max_held */
	uint64_t conn_evicted;	   /* idle connections shut down to make room */
	uint64_t sched_runs;	   /* scheduled runs finished */
	uint64_t sched_timeouts;   /* scheduled runs killed at their timeout */
};

struct bld_ctx {
	struct event_base *base;
	struct bld_config cfg;	   /* file + command line, current */
	const char *config_path;   /* --config, re-read on SIGHUP; may be NULL */
	struct bld_config cli;	   /* what the command line set (wins over the file) */
	struct bl_store *store;
	char *token;		   /* bearer token for TCP writes, or NULL */
	struct bld_http *http;
	struct bld_monitor *monitor;
	struct bld_sched *sched;
	struct event *housekeeping; /* the one periodic timer (1 s) */
	struct event *sig_term, *sig_int, *sig_hup, *sig_chld;
	struct bld_stats stats;
	struct bld_health health;  /* /healthz's cached probe */
	struct bld_latest *latest; /* /metrics' newest value per series, kept at commit (NULL until the first scrape) */
	struct bld_night_cache *night_cache; /* /metrics' latest night, rendered (daemon_night.h); NULL until a scrape */
	struct bl_complain c_commit; /* log back-off for failing commits (a full disk fails each one) */
	time_t started;		   /* CLOCK_REALTIME seconds */
	bool stopping;		   /* SIGTERM/SIGINT seen: finish and leave */
};

/* Monotonic clock in nanoseconds. */
int64_t bld_now_ns(void);

#endif
