/*
 * bouncelabd's system-wide bounce monitor: per-CPU perf rings on
 * swiotlb:swiotlb_bounced (and dma:dma_map_sg / dma_map_page /
 * dma_map_phys where the kernel has them) driven by the daemon's event
 * loop, one event per ring fd. Bounces, bounced bytes, mapping calls and
 * mapped segments are summed per device name and written to the store as
 * one sample per device per interval, plus a system-wide row ("") with
 * the exact hit count and SWIOTLB slot usage from debugfs.
 *
 * A missing tracefs, event or permission is said once (then with back-off,
 * as collectd's c_complain does) and the daemon goes on without the monitor;
 * set-up is retried at growing intervals.
 */
#ifndef BLD_MONITOR_H
#define BLD_MONITOR_H

#include <stdint.h>

struct bld_ctx;
struct bld_monitor;
struct evbuffer;

/* Always succeeds unless out of memory: a source that cannot open is retried later. */
int bld_monitor_new(struct bld_ctx *ctx, struct bld_monitor **out);
void bld_monitor_free(struct bld_monitor *m);
/* From the housekeeping timer: drains rings, writes samples when an interval ended, retries set-up. */
void bld_monitor_tick(struct bld_monitor *m, int64_t now_ns);
/* Writes the monitor's Prometheus lines (totals per device since start). */
void bld_monitor_metrics(struct bld_monitor *m, struct evbuffer *out);

/* collectd-style log back-off: say a failure once, then at growing intervals. */
struct bld_complain {
	int64_t next_ns;     /* do not log again before this (monotonic) */
	int64_t interval_ns; /* doubles after each message, up to a day */
	int failing;	     /* a failure was reported and not yet cleared */
};
/* Logs @msg (a warning) now or not at all, per @c's back-off. Returns 1 if logged. */
int bld_complain(struct bld_complain *c, int64_t now_ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The failure is over: logs @msg (info) when one had been reported. */
void bld_complain_release(struct bld_complain *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
