/*
 * bouncelabd's HTTP API (libevent evhttp): a unix socket (always, mode
 * from the config) and optionally a loopback TCP listener on which every
 * write needs "Authorization: Bearer <token>". Routes:
 *   POST /api/v1/runs         a result document; 201 after commit, 200 duplicate,
 *                             400 naming the bad field, 413 too large, 401 no token
 *   GET  /api/v1/runs         runs as JSON, newest first; the query is a selector
 *                             (analysis/compare.h: kernel, mode, swiotlb, iommu,
 *                             device, importer, backend, workload, job, host,
 *                             status, run, since, until, last; run_id and limit
 *                             are the same as run and last) plus order=oldest;
 *                             100 runs unless last= says (at most 100000); a bad
 *                             or unknown key is a 400 naming it
 *   GET  /api/v1/runs/{uuid}  the stored document
 *   GET  /api/v1/monitor      the bounce monitor's stored samples (device, since,
 *                             until, limit) with their totals
 *   GET  /metrics             Prometheus text format
 *   GET  /healthz             200 when the daemon can serve
 *   GET  /, /runs/{uuid}, /figures/{name}.svg
 *                             the dashboard (daemon_dash.c): HTML pages, 400 for a
 *                             bad id or name, 404 for an unknown one
 * POSTed documents are validated on a thread pool and committed by a writer
 * thread in batches (group commit), each answered after its commit. The
 * server's own files share daemon_api.h.
 */
#ifndef BLD_HTTP_H
#define BLD_HTTP_H

#include <stddef.h>

struct bld_ctx;

/* Creates the listeners from ctx->cfg. 0 or -errno (logged). */
int bld_http_start(struct bld_ctx *ctx);
/* Answers what is pending, closes the listeners, removes the socket file. */
void bld_http_stop(struct bld_ctx *ctx);
/* Waits for the documents being parsed, then commits and answers everything (SIGTERM). */
void bld_http_flush_all(struct bld_ctx *ctx);
/* From the housekeeping timer: releases closed connections. */
void bld_http_housekeeping(struct bld_ctx *ctx);

/* Open HTTP connections (both listeners). */
int bld_http_connections(const struct bld_ctx *ctx);

/*
 * 1 when the decoded request path @path is safe to route: starts with '/',
 * no "." or ".." segment, no NUL, no backslash.
 */
int bld_path_safe(const char *path, size_t len);

#endif
