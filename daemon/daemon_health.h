/*
 * bouncelabd's health: whether a write would succeed now, probed cheaply
 * and cached for a second (daemon_health.c says what is probed). GET
 * /healthz answers 200 with "ok" or 503 with the reason.
 */
#ifndef BLD_HEALTH_H
#define BLD_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

struct bld_ctx;

/* The probe's state, in the daemon's context. */
struct bld_health {
	int64_t probed_ns;	 /* when the cached answer was made (0: never) */
	bool ok;		 /* the cached answer */
	char why[384];		 /* the reason when not ok */
	bool write_failed;	 /* the writer's last commit failed */
	int64_t write_failed_ns; /* when */
	char write_err[256];	 /* its message */
};

/* Whether the daemon can serve now; *@why is "ok" or the reason (valid until the next call). */
bool bld_health_ok(struct bld_ctx *ctx, const char **why);
/* The writer's outcome for a batch (bld_api_on_written): @ret < 0 with @errmsg when it failed. */
void bld_health_written(struct bld_ctx *ctx, int ret, const char *errmsg);

#endif
