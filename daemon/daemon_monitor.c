/*
 * The system-wide bounce monitor (see daemon_monitor.h).
 *
 * Sources: each tracepoint we watch is a struct source with its perf
 * event (tracepoint.h, one ring per online CPU) and one libevent read event
 * per ring fd. The kernel wakes a ring's fd at its watermark; the
 * housekeeping tick drains every ring as well, so quiet devices are not
 * left waiting in a ring past the end of their interval.
 *
 * Exactness: the swiotlb_bounced count read from the perf counters is
 * exact; per-device figures come from sampled records and are exact only
 * when no record was lost (PERF_RECORD_LOST); lost records are counted,
 * logged (with back-off) and exported, never hidden.
 */
#include "daemon_monitor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon.h"
#include "log.h"
#include "store.h"
#include "tracepoint.h"

#define DEV_MAX	     128 /* device names tracked; more fold into "(other)" */
#define DAY_NS	     (86400LL * 1000000000LL)
#define RETRY_MIN_NS (60LL * 1000000000LL)

enum src_kind { SRC_BOUNCED, SRC_MAP_SG, SRC_MAP_PAGE, SRC_MAP_PHYS, SRC_COUNT };

static const struct {
	const char *system, *event;
	bool required; /* the monitor is down without it */
} src_defs[SRC_COUNT] = {
	[SRC_BOUNCED] = { "swiotlb", "swiotlb_bounced", true },
	[SRC_MAP_SG] = { "dma", "dma_map_sg", false },
	[SRC_MAP_PAGE] = { "dma", "dma_map_page", false },
	[SRC_MAP_PHYS] = { "dma", "dma_map_phys", false },
};

struct source;
struct cpu_slot {
	struct source *src;
	unsigned idx;		 /* slot in tp_event */
	struct event *ev;	 /* EV_READ on the ring fd */
};

struct source {
	struct bld_monitor *m;
	enum src_kind kind;
	struct tp_event *tp;	 /* NULL: not open */
	const struct tp_field *f_dev, *f_size; /* into tp's format */
	struct cpu_slot *slots;
	unsigned nslots;
	uint64_t count_base;	 /* exact count at the start of the interval */
};

struct dev_stats {
	char name[64];
	uint64_t bounces, bytes, map_calls, map_segments;		/* this interval */
	uint64_t t_bounces, t_bytes, t_map_calls, t_map_segments; /* since start */
};

struct bld_monitor {
	struct bld_ctx *ctx;
	struct source src[SRC_COUNT];
	bool up;		   /* swiotlb_bounced is open */
	bool have_maps;		   /* some dma:* mapping source is open */
	struct dev_stats dev[DEV_MAX];
	size_t ndev;
	int64_t interval_start_ns; /* monotonic */
	int64_t next_setup_ns;	   /* when to retry set-up (monotonic) */
	int64_t setup_backoff_ns;
	uint64_t lost_total;
	uint64_t samples_written;
	uint64_t bounces_total;	   /* exact, from the counters */
	struct bl_complain c_setup, c_lost, c_store;
	char why_down[384];	   /* why the monitor is down, for the log */
	char why_said[384];	   /* the reason last logged */
};

/* --- per-device aggregation ----------------------------------------------- */

static struct dev_stats *dev_get(struct bld_monitor *m, const char *name)
{
	struct dev_stats *d;

	for (size_t i = 0; i < m->ndev; i++)
		if (!strcmp(m->dev[i].name, name))
			return &m->dev[i];
	if (m->ndev == DEV_MAX)
		return &m->dev[DEV_MAX - 1]; /* "(other)" */
	d = &m->dev[m->ndev++];
	snprintf(d->name, sizeof(d->name), "%s", m->ndev == DEV_MAX ? "(other)" : name);
	/* The name becomes a Prometheus label value: keep it plain. */
	for (char *p = d->name; *p; p++)
		if (*p == '"' || *p == '\\' || *p == '\n')
			*p = '_';
	return d;
}

static void on_record(const struct tp_event *ev, int cpu, const void *raw, size_t len, void *arg)
{
	struct source *s = arg;
	struct dev_stats *d;
	char name[64] = "";
	uint64_t v = 0;

	if (s->f_dev && tp_field_str(s->f_dev, raw, len, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "(unreadable)");
	if (!name[0])
		snprintf(name, sizeof(name), "(unnamed)");
	d = dev_get(s->m, name);
	if (!d)
		return;
	switch (s->kind) {
	case SRC_BOUNCED:
		d->bounces++;
		d->t_bounces++;
		if (s->f_size && tp_field_uint(s->f_size, raw, len, &v) == 0) {
			d->bytes += v;
			d->t_bytes += v;
		}
		break;
	case SRC_MAP_SG: {
		uint64_t nents = 0;

		d->map_calls++;
		d->t_map_calls++;
		/* full_nents where the kernel has it: 6.12's arrays stop at 128 entries */
		if (tp_dma_sg_nents(tp_event_format(s->tp), raw, len, &nents) == 0) {
			d->map_segments += nents;
			d->t_map_segments += nents;
		}
		break;
	}
	default: /* one page or phys range = one segment */
		d->map_calls++;
		d->t_map_calls++;
		d->map_segments++;
		d->t_map_segments++;
		break;
	}
}

static void drain_all(struct bld_monitor *m)
{
	for (int k = 0; k < SRC_COUNT; k++)
		if (m->src[k].tp)
			tp_event_drain(m->src[k].tp, on_record, &m->src[k]);
}

static void ring_ready(evutil_socket_t fd, short what, void *arg)
{
	struct cpu_slot *slot = arg;

	tp_event_drain_cpu(slot->src->tp, slot->idx, on_record, slot->src);
}

/* --- set-up --------------------------------------------------------------- */

static void source_close(struct source *s)
{
	for (unsigned i = 0; i < s->nslots; i++)
		if (s->slots[i].ev)
			event_free(s->slots[i].ev);
	free(s->slots);
	s->slots = NULL;
	s->nslots = 0;
	if (s->tp)
		tp_event_close(s->tp);
	s->tp = NULL;
}

/* Opens one source; 0, or -errno with @why set. */
static int source_open(struct bld_monitor *m, const char *root, enum src_kind k, char *why, size_t whylen)
{
	struct source *s = &m->src[k];
	struct tp_format fmt;
	const struct tp_format *f;
	char fwhy[160] = "";
	int ret;

	s->m = m;
	s->kind = k;
	ret = tp_format_load(root, src_defs[k].system, src_defs[k].event, &fmt, fwhy, sizeof(fwhy));
	if (ret < 0) {
		snprintf(why, whylen, "%s:%s: %s", src_defs[k].system, src_defs[k].event,
			 ret == -ENOENT ? "no such tracepoint on this kernel" : (fwhy[0] ? fwhy : strerror(-ret)));
		return ret;
	}
	ret = tp_event_open(&fmt, TP_EVENT_SAMPLE, 0, &s->tp);
	if (ret < 0) {
		snprintf(why, whylen, "%s:%s: perf_event_open: %s%s", src_defs[k].system, src_defs[k].event,
			 strerror(-ret),
			 ret == -EACCES || ret == -EPERM ? " (needs root or CAP_PERFMON; see perf_event_paranoid)" : "");
		s->tp = NULL;
		return ret;
	}
	f = tp_event_format(s->tp);
	s->f_dev = tp_field_find(f, "dev_name");
	if (!s->f_dev)
		s->f_dev = tp_field_find(f, "device");
	s->f_size = tp_field_find(f, "size");
	s->nslots = tp_event_ncpus(s->tp);
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	if (!s->slots) {
		source_close(s);
		snprintf(why, whylen, "monitor: out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < s->nslots; i++) {
		s->slots[i].src = s;
		s->slots[i].idx = i;
		s->slots[i].ev = event_new(m->ctx->base, tp_event_cpu_fd(s->tp, i), EV_READ | EV_PERSIST, ring_ready,
					   &s->slots[i]);
		if (!s->slots[i].ev || event_add(s->slots[i].ev, NULL) < 0) {
			source_close(s);
			snprintf(why, whylen, "monitor: event_add: failed");
			return -ENOMEM;
		}
	}
	if (tp_event_enable(s->tp) < 0 || tp_event_read_count(s->tp, &s->count_base) < 0) {
		source_close(s);
		snprintf(why, whylen, "%s:%s: enable: failed", src_defs[k].system, src_defs[k].event);
		return -EIO;
	}
	return 0;
}

static void setup(struct bld_monitor *m, int64_t now_ns)
{
	char root[256], why[320];
	int ret;

	if (m->ctx->cfg.tracefs) {
		snprintf(root, sizeof(root), "%s", m->ctx->cfg.tracefs);
		ret = 0;
	} else {
		ret = tp_tracefs_root(root, sizeof(root), false);
	}
	if (ret < 0) {
		static const char *const roots[] = { "/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events" };

		snprintf(m->why_down, sizeof(m->why_down),
			 "tracefs not found (/sys/kernel/tracing, /sys/kernel/debug/tracing not mounted)");
		/* Mounted but closed to us is a different fix than not mounted: say which. */
		for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
			if (access(roots[i], R_OK | X_OK) < 0 && errno == EACCES) {
				snprintf(m->why_down, sizeof(m->why_down), "%s: %s (needs root)", roots[i],
					 strerror(EACCES));
				break;
			}
		}
		goto down;
	}
	ret = source_open(m, root, SRC_BOUNCED, why, sizeof(why));
	if (ret < 0) {
		snprintf(m->why_down, sizeof(m->why_down), "%s", why);
		goto down;
	}
	m->up = true;
	m->why_down[0] = '\0';
	for (int k = SRC_MAP_SG; k < SRC_COUNT; k++) {
		if (source_open(m, root, (enum src_kind)k, why, sizeof(why)) == 0)
			m->have_maps = true;
		else
			bl_debug("monitor: %s", why);
	}
	if (m->c_setup.failing)
		bl_complain_release(&m->c_setup, "monitor: tracepoints available now; sampling swiotlb:swiotlb_bounced");
	bl_info("monitor: sampling swiotlb:swiotlb_bounced on %u CPUs%s, one sample per device every %.1f s",
		tp_event_ncpus(m->src[SRC_BOUNCED].tp),
		m->have_maps ? " and dma:* mapping tracepoints" : " (no dma:* mapping tracepoints)",
		(double)m->ctx->cfg.monitor_interval_ms / 1000);
	m->interval_start_ns = now_ns;
	return;
down:
	/* Said once per distinct reason; the retries themselves back off. */
	if (!m->c_setup.failing || strcmp(m->why_said, m->why_down)) {
		bl_warn("monitor: %s; running without the bounce monitor (retrying with back-off)", m->why_down);
		m->c_setup.failing = true;
		snprintf(m->why_said, sizeof(m->why_said), "%s", m->why_down);
	} else {
		bl_debug("monitor: still down: %s", m->why_down);
	}
	m->setup_backoff_ns = m->setup_backoff_ns ? m->setup_backoff_ns * 2 : RETRY_MIN_NS;
	if (m->setup_backoff_ns > DAY_NS)
		m->setup_backoff_ns = DAY_NS;
	m->next_setup_ns = now_ns + m->setup_backoff_ns;
}

/* --- samples -------------------------------------------------------------- */

/* debugfs swiotlb file as an integer; unknown (set false) when missing. */
static struct bl_opt_i64 read_debugfs(const char *name)
{
	struct bl_opt_i64 v = { 0 };
	char path[128];
	FILE *f;
	long long x;

	snprintf(path, sizeof(path), "/sys/kernel/debug/swiotlb/%s", name);
	f = fopen(path, "re");
	if (!f)
		return v;
	if (fscanf(f, "%lld", &x) == 1) {
		v.v = x;
		v.set = true;
	}
	fclose(f);
	return v;
}

static void write_samples(struct bld_monitor *m, int64_t now_ns)
{
	struct bl_monitor_sample samples[DEV_MAX + 1];
	struct source *b = &m->src[SRC_BOUNCED];
	struct timespec rt;
	uint64_t count = 0, lost = 0;
	size_t n = 0;
	int64_t at_ns, interval = now_ns - m->interval_start_ns;

	drain_all(m);
	for (int k = 0; k < SRC_COUNT; k++) {
		if (m->src[k].tp) {
			lost += tp_event_lost(m->src[k].tp);
			tp_event_clear_lost(m->src[k].tp);
		}
	}
	if (lost) {
		m->lost_total += lost;
		bl_complain_at(&m->c_lost, now_ns, "monitor: the kernel dropped %" PRIu64
			     " trace records this interval: per-device figures undercount (the total is exact)", lost);
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	at_ns = (int64_t)rt.tv_sec * 1000000000LL + rt.tv_nsec;
	if (tp_event_read_count(b->tp, &count) < 0)
		count = b->count_base;
	samples[n++] = (struct bl_monitor_sample){
		.at_ns = at_ns,
		.interval_ns = interval,
		.device = "",
		.bounces = (int64_t)(count - b->count_base),
		.bounced_bytes = 0,
		.slots_used = read_debugfs("io_tlb_used"),
		.slots_total = read_debugfs("io_tlb_nslabs"),
		.slots_hiwater = read_debugfs("io_tlb_used_hiwater"),
	};
	m->bounces_total += count - b->count_base;
	b->count_base = count;
	for (size_t i = 0; i < m->ndev; i++) {
		struct dev_stats *d = &m->dev[i];

		samples[0].bounced_bytes += (int64_t)d->bytes;
		samples[n++] = (struct bl_monitor_sample){
			.at_ns = at_ns,
			.interval_ns = interval,
			.device = d->name,
			.bounces = (int64_t)d->bounces,
			.bounced_bytes = (int64_t)d->bytes,
			.map_calls = { (int64_t)d->map_calls, m->have_maps },
			.map_segments = { (int64_t)d->map_segments, m->have_maps },
		};
	}
	if (m->have_maps) {
		samples[0].map_calls.set = samples[0].map_segments.set = true;
		for (size_t i = 0; i < m->ndev; i++) {
			samples[0].map_calls.v += (int64_t)m->dev[i].map_calls;
			samples[0].map_segments.v += (int64_t)m->dev[i].map_segments;
		}
	}
	if (bl_store_put_monitor_samples(m->ctx->store, samples, n) < 0)
		bl_complain_at(&m->c_store, now_ns, "monitor: store %zu samples: %s", n, bl_store_errmsg(m->ctx->store));
	else {
		m->samples_written += n;
		bl_complain_release(&m->c_store, "monitor: storing samples again");
	}
	for (size_t i = 0; i < m->ndev; i++)
		m->dev[i].bounces = m->dev[i].bytes = m->dev[i].map_calls = m->dev[i].map_segments = 0;
	m->interval_start_ns = now_ns;
}

void bld_monitor_tick(struct bld_monitor *m, int64_t now_ns)
{
	if (!m->up) {
		if (m->ctx->cfg.monitor && now_ns >= m->next_setup_ns)
			setup(m, now_ns);
		return;
	}
	drain_all(m);
	if (now_ns - m->interval_start_ns >= m->ctx->cfg.monitor_interval_ms * 1000000LL)
		write_samples(m, now_ns);
}

int bld_monitor_new(struct bld_ctx *ctx, struct bld_monitor **out)
{
	struct bld_monitor *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->ctx = ctx;
	if (ctx->cfg.monitor)
		setup(m, bld_now_ns());
	else
		snprintf(m->why_down, sizeof(m->why_down), "disabled in the configuration");
	*out = m;
	return 0;
}

void bld_monitor_free(struct bld_monitor *m)
{
	if (!m)
		return;
	if (m->up && m->ctx->store)
		write_samples(m, bld_now_ns()); /* the last partial interval */
	for (int k = SRC_COUNT - 1; k >= 0; k--)
		source_close(&m->src[k]);
	free(m);
}

void bld_monitor_metrics(struct bld_monitor *m, struct evbuffer *b)
{
	evbuffer_add_printf(b, "# HELP bouncelabd_monitor_up 1 when swiotlb:swiotlb_bounced is being sampled.\n"
			       "# TYPE bouncelabd_monitor_up gauge\nbouncelabd_monitor_up %d\n", m->up ? 1 : 0);
	if (!m->up)
		return;
	evbuffer_add_printf(b, "# HELP bouncelabd_monitor_lost_records_total Trace records the kernel dropped.\n"
			       "# TYPE bouncelabd_monitor_lost_records_total counter\n"
			       "bouncelabd_monitor_lost_records_total %" PRIu64 "\n", m->lost_total);
	evbuffer_add_printf(b, "# HELP bouncelabd_monitor_bounces_total swiotlb_bounced hits per device since start.\n"
			       "# TYPE bouncelabd_monitor_bounces_total counter\n");
	for (size_t i = 0; i < m->ndev; i++)
		evbuffer_add_printf(b, "bouncelabd_monitor_bounces_total{device=\"%s\"} %" PRIu64 "\n", m->dev[i].name,
				    m->dev[i].t_bounces);
	evbuffer_add_printf(b, "# HELP bouncelabd_monitor_bounced_bytes_total Bytes bounced per device since start.\n"
			       "# TYPE bouncelabd_monitor_bounced_bytes_total counter\n");
	for (size_t i = 0; i < m->ndev; i++)
		evbuffer_add_printf(b, "bouncelabd_monitor_bounced_bytes_total{device=\"%s\"} %" PRIu64 "\n",
				    m->dev[i].name, m->dev[i].t_bytes);
	if (!m->have_maps)
		return;
	evbuffer_add_printf(b, "# HELP bouncelabd_monitor_map_segments_total Segments DMA-mapped per device.\n"
			       "# TYPE bouncelabd_monitor_map_segments_total counter\n");
	for (size_t i = 0; i < m->ndev; i++)
		evbuffer_add_printf(b, "bouncelabd_monitor_map_segments_total{device=\"%s\"} %" PRIu64 "\n",
				    m->dev[i].name, m->dev[i].t_map_segments);
}
