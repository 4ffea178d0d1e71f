/*
 * Whether bouncelabd can serve now, for GET /healthz (see daemon_health.h).
 *
 * "The process answers" is not enough: with a damaged database or a full
 * disk every GET and POST answered 503 while /healthz said 200. So the
 * answer is a probe of what a write needs, cheap enough for a monitor
 * polling every second and cached for one second so a flood of polls costs
 * one probe: room on the database's file system (health_min_free), the
 * store still readable where every request reads it (its schema and the
 * newest run), and the writer's last commit, failed and not followed by a
 * success in the last few seconds.
 */
#include "daemon_health.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "daemon.h"
#include "store.h"

#define PROBE_EVERY_NS	   (1000LL * 1000000LL) /* the cache: one probe a second at most */
#define WRITE_FAIL_HOLD_NS (5000LL * 1000000LL) /* a failed commit counts this long, or until a success */

void bld_health_written(struct bld_ctx *ctx, int ret, const char *errmsg)
{
	struct bld_health *h = &ctx->health;

	h->write_failed = ret < 0;
	if (ret < 0) {
		h->write_failed_ns = bld_now_ns();
		snprintf(h->write_err, sizeof(h->write_err), "%s", errmsg);
	}
	h->probed_ns = 0; /* the next /healthz looks again */
}

/* Free bytes for us on the file system holding @db_path; -errno. */
static int free_bytes(const char *db_path, unsigned long long *out)
{
	char dir[PATH_MAX];
	struct statvfs st;

	snprintf(dir, sizeof(dir), "%s", db_path);
	if (statvfs(dirname(dir), &st) < 0)
		return -errno;
	*out = (unsigned long long)st.f_bavail * st.f_frsize;
	return 0;
}

static bool probe(struct bld_ctx *ctx, char *why, size_t len)
{
	struct bld_health *h = &ctx->health;
	unsigned long long avail = 0;
	char err[256] = "";
	int ret;

	if (!ctx->store || ctx->stopping) {
		snprintf(why, len, "daemon: %s", ctx->stopping ? "stopping" : "no store");
		return false;
	}
	ret = free_bytes(ctx->cfg.db_path, &avail);
	if (ret < 0) {
		snprintf(why, len, "store %s: statvfs: %s", ctx->cfg.db_path, strerror(-ret));
		return false;
	}
	if (avail < ctx->cfg.health_min_free) {
		snprintf(why, len, "store %s: %llu bytes free on its file system, less than health_min_free (%zu): writes would fail",
			 ctx->cfg.db_path, avail, ctx->cfg.health_min_free);
		return false;
	}
	if (bl_store_probe(ctx->store, err, sizeof(err)) < 0) {
		snprintf(why, len, "%s", err);
		return false;
	}
	if (h->write_failed && bld_now_ns() - h->write_failed_ns < WRITE_FAIL_HOLD_NS) {
		snprintf(why, len, "store: the last commit failed: %s", h->write_err);
		return false;
	}
	return true;
}

bool bld_health_ok(struct bld_ctx *ctx, const char **why)
{
	struct bld_health *h = &ctx->health;
	int64_t now = bld_now_ns();

	if (ctx->stopping || !h->probed_ns || now - h->probed_ns >= PROBE_EVERY_NS) {
		h->ok = probe(ctx, h->why, sizeof(h->why));
		h->probed_ns = now;
	}
	*why = h->ok ? "ok" : h->why;
	return h->ok;
}
