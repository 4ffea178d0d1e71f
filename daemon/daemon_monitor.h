/*
 * bouncelabd's system-wide bounce monitor: per-CPU perf rings on
 * swiotlb:swiotlb_bounced (and dma:dma_map_sg / dma_map_page /
 * dma_map_phys where the kernel has them) driven by the daemon's event
 * loop, one event per ring fd. Bounces, bounced bytes, mapping calls and
 * mapped segments are summed per device name and written to the store as
 * one sample per device per interval, plus a system-wide row ("") with
 * the exact hit count and SWIOTLB slot usage from debugfs.
 *
 * A missing tracefs, event or permission is said once (then with back-off:
 * lib/log.h's bl_complain, after collectd's c_complain) and the daemon goes
 * on without the monitor; set-up is retried at growing intervals.
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

#endif
