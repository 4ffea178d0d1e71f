/*
 * Kernel counters for gembench rows (see counters.h). Each tracepoint is one
 * sampling perf event per CPU: its fds' counts are exact; its raw records
 * give the device name, the bounced size and the sg entry count. A figure
 * built from records is reported only when the records seen equal the exact
 * count and none were lost, so a dropped record turns a number into null
 * with a reason instead of an undercount.
 */
#include "counters.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "swiotlbfs.h"
#include "tracepoint.h"

#define RING_PAGES 256 /* 1 MiB per CPU: a 16 MiB udmabuf import is 4096 records */
#define MAX_DEVS 32
#define MAX_SCOPE 8

enum { EV_BOUNCED, EV_MAP_SG, EV_MAP_PAGE, EV_SYNC_CPU, EV_SYNC_DEV, EV_COUNT };

static const char *const ev_key[EV_COUNT] = { "swiotlb_bounced", "dma_map_sg", "dma_map_page",
					      "dma_sync_sg_for_cpu", "dma_sync_sg_for_device" };

/*
 * The sync events matter because swiotlb:swiotlb_bounced fires only when a
 * mapping is made: a dma_sync_sg_* of a bounced mapping copies its bytes
 * through the bounce buffer again, untraced by SWIOTLB (measured: sync on
 * a udmabuf imported into vgem under swiotlb=force lost 99.7% of its
 * throughput at 16M with 0 bounces counted). dma_sync_bytes (the sum of
 * the synced segments' lengths) says how much such copying there was to do.
 */
static bool is_sync(int e)
{
	return e == EV_SYNC_CPU || e == EV_SYNC_DEV;
}

/*
 * A dma_sync_sg_* record carries 12 bytes per segment (address and length)
 * with no cap on 6.12, and perf takes no trace record over 8 KiB
 * (PERF_MAX_TRACE_SIZE): a larger one is not delivered, and the kernel
 * logs a WARNING (and taints) the first time ("perf buffer not large
 * enough, wanted 49188, have 8192" for a 16 MiB udmabuf). A buffer of one
 * segment per 4 KiB page stays under that up to 2 MiB (512 segments, 6 KiB),
 * so larger rows leave the sync events off and report them null.
 */
#define SYNC_TRACE_MAX_BYTES (2u << 20)
static const char why_sync_off[] =
	"not traced for buffers over 2 MiB: a dma_sync_sg record would exceed perf's 8 KiB "
	"trace record limit, be lost, and make the kernel WARN";

struct dev_counts {
	char name[64];
	uint64_t v[EV_COUNT]; /* records per event */
	uint64_t bytes;       /* swiotlb_bounced size field */
	uint64_t segments;    /* dma_map_sg nents + dma_map_page calls */
	uint64_t sync_bytes;  /* dma_sync_sg_for_cpu/_for_device: sum of lengths[] */
	uint64_t own[EV_COUNT];  /* the same, only records from gembench's own process */
	uint64_t own_bytes;
	uint64_t own_segments;
	uint64_t own_sync_bytes;
};

struct ev_state {
	struct tp_event *ev;            /* NULL when unavailable */
	char why[256];                  /* why it is unavailable */
	char tp_name[64];               /* "dma_map_phys" when renamed */
	const struct tp_field *f_dev;   /* device name field */
	const struct tp_field *f_size;  /* bounced: size */
	const struct tp_field *f_nents; /* map_sg: full_nents or nents, if the kernel has it */
	const struct tp_field *f_phys;  /* map_sg: phys_addrs[] (nents = bytes / 8; may be truncated) */
	const struct tp_field *f_lengths; /* sync_sg: lengths[] (unsigned int per segment) */
	const struct tp_field *f_pid;   /* common_pid: whose context the event fired in */
	uint64_t count;                 /* exact, this row */
	uint64_t samples;               /* records seen, this row */
	uint64_t lost_at_begin;
	uint64_t bad;                   /* records we could not decode */
};

struct gb_counters {
	struct ev_state ev[EV_COUNT];
	bool sync_off;		 /* this row's buffers are too large to trace syncs */
	struct dev_counts devs[MAX_DEVS];
	int ndevs;
	uint64_t overflow_devs;          /* records of devices beyond MAX_DEVS */
	char scope[MAX_SCOPE][64];
	int nscope;
	uint64_t pid;                    /* ours, for the own-context split */
	/* debugfs */
	bool have_used, have_hiwater, have_nslabs;
	char why_used[256], why_hiwater[256], why_nslabs[256];
	uint64_t nslabs, used_before, used_after, polled_peak;
	uint64_t used_low;		 /* lowest io_tlb_used seen (the standing traffic); UINT64_MAX: none yet */
	unsigned settle_before_ms, settle_after_ms;
	bool polled;
	bool in_rep;
	/*
	 * Ring polling between operations adapts: every op while records
	 * arrive, backing off to every POLL_MAX ops while the rings stay
	 * empty, so a cheap op that makes no records pays almost nothing.
	 */
	unsigned poll_every, poll_countdown;
	/*
	 * The scope's bounces per measured repetition (differences of the
	 * drained totals at each rep_end), so that a single run gives compare
	 * a sample per repetition instead of one total.
	 */
	uint64_t rep_bounced[GB_MAX_REPS], rep_bytes[GB_MAX_REPS], rep_sync[GB_MAX_REPS];
	uint64_t seen_bounced, seen_bytes, seen_sync; /* the scope's totals at the last rep_end */
	unsigned nreps;
};

/* Event @e is open and on in this row (the sync events are off for large buffers). */
static bool traced(const struct gb_counters *c, int e)
{
	return c->ev[e].ev && !(is_sync(e) && c->sync_off);
}

#define POLL_MAX 32

static void open_event(struct ev_state *s, const char *root, const char *system,
		       const char *const *names)
{
	struct tp_format fmt;
	char why[256] = "";
	int err = -ENOENT;

	for (const char *const *n = names; *n; n++) {
		err = tp_format_load(root, system, *n, &fmt, why, sizeof(why));
		if (!err) {
			snprintf(s->tp_name, sizeof(s->tp_name), "%s", *n);
			break;
		}
	}
	if (err == -ENOENT) {
		if (!strcmp(system, "dma"))
			snprintf(s->why, sizeof(s->why),
				 "no dma:%s tracepoint on this kernel (dma:* events exist from Linux 6.12)",
				 names[0]);
		else
			snprintf(s->why, sizeof(s->why), "no %s:%s tracepoint on this kernel", system,
				 names[0]);
		return;
	}
	if (err) {
		snprintf(s->why, sizeof(s->why), "%s:%s format: %s", system, names[0], why);
		return;
	}
	err = tp_event_open(&fmt, TP_EVENT_SAMPLE, RING_PAGES, &s->ev);
	if (err) {
		snprintf(s->why, sizeof(s->why), "perf_event_open %s:%s: %s%s", system, s->tp_name,
			 strerror(-err),
			 err == -EACCES || err == -EPERM ?
				 " (needs root or CAP_PERFMON; see kernel.perf_event_paranoid)" : "");
		s->ev = NULL;
		return;
	}
	/* Field pointers must point into the event's own copy of the format. */
	const struct tp_format *f = tp_event_format(s->ev);

	s->f_dev = tp_field_find(f, "dev_name");
	if (!s->f_dev)
		s->f_dev = tp_field_find(f, "device");
	s->f_size = tp_field_find(f, "size");
	/* 6.12 has full_nents (its arrays stop at 128 entries); accept a plain nents too. */
	s->f_nents = tp_field_find(f, "full_nents");
	if (!s->f_nents)
		s->f_nents = tp_field_find(f, "nents");
	s->f_phys = tp_field_find(f, "phys_addrs");
	s->f_lengths = tp_field_find(f, "lengths");
	s->f_pid = tp_field_find(f, "common_pid");
}

int gb_counters_open(struct gb_counters **out, bool may_mount)
{
	static const char *const bounced[] = { "swiotlb_bounced", NULL };
	static const char *const map_sg[] = { "dma_map_sg", NULL };
	static const char *const map_page[] = { "dma_map_page", "dma_map_phys", NULL };
	static const char *const sync_cpu[] = { "dma_sync_sg_for_cpu", NULL };
	static const char *const sync_dev[] = { "dma_sync_sg_for_device", NULL };
	struct gb_counters *c = calloc(1, sizeof(*c));
	char root[256];
	uint64_t v;
	int err;

	if (!c)
		return -ENOMEM;
	c->pid = (uint64_t)getpid();
	c->used_low = UINT64_MAX;
	bl_debugfs_mount(may_mount);
	err = tp_tracefs_root(root, sizeof(root), may_mount);
	if (err) {
		for (int e = 0; e < EV_COUNT; e++)
			snprintf(c->ev[e].why, sizeof(c->ev[e].why),
				 "tracefs not found (not mounted and could not mount it)");
	} else {
		open_event(&c->ev[EV_BOUNCED], root, "swiotlb", bounced);
		open_event(&c->ev[EV_MAP_SG], root, "dma", map_sg);
		open_event(&c->ev[EV_MAP_PAGE], root, "dma", map_page);
		open_event(&c->ev[EV_SYNC_CPU], root, "dma", sync_cpu);
		open_event(&c->ev[EV_SYNC_DEV], root, "dma", sync_dev);
	}
	err = bl_swiotlb_read("io_tlb_nslabs", &v);
	c->have_nslabs = !err;
	if (err)
		bl_swiotlb_why("io_tlb_nslabs", err, c->why_nslabs, sizeof(c->why_nslabs));
	err = bl_swiotlb_read("io_tlb_used", &v);
	c->have_used = !err;
	if (err)
		bl_swiotlb_why("io_tlb_used", err, c->why_used, sizeof(c->why_used));
	err = bl_swiotlb_read("io_tlb_used_hiwater", &v);
	c->have_hiwater = !err;
	if (err)
		bl_swiotlb_why("io_tlb_used_hiwater", err, c->why_hiwater, sizeof(c->why_hiwater));
	*out = c;
	return 0;
}

void gb_counters_close(struct gb_counters *c)
{
	if (!c)
		return;
	for (int e = 0; e < EV_COUNT; e++)
		tp_event_close(c->ev[e].ev);
	free(c);
}

json_t *gb_counters_describe(const struct gb_counters *c)
{
	json_t *o = json_object();

	for (int e = 0; e < EV_COUNT; e++) {
		const struct ev_state *s = &c->ev[e];
		char name[96];

		snprintf(name, sizeof(name), "%s:%s", e == EV_BOUNCED ? "swiotlb" : "dma",
			 s->tp_name[0] ? s->tp_name : ev_key[e]);
		json_object_set_new(o, name, s->ev ? json_true() : json_string(s->why));
	}
	json_object_set_new(o, "debugfs:io_tlb_nslabs",
			    c->have_nslabs ? json_true() : json_string(c->why_nslabs));
	json_object_set_new(o, "debugfs:io_tlb_used",
			    c->have_used ? json_true() : json_string(c->why_used));
	json_object_set_new(o, "debugfs:io_tlb_used_hiwater",
			    c->have_hiwater ? json_true() : json_string(c->why_hiwater));
	return o;
}

/*
 * io_tlb_used once it has stopped falling. Some drivers unmap after the
 * destroy has returned (virtio-gpu frees an object's pages when the host
 * answers its unref), so a reading right after the warm-up or the last
 * operation counts slots that are on their way back: 6.1 force, virtio-gpu
 * create 16M showed 8,195 slots "left behind" (the last 16 MiB buffer),
 * and a row's "before" held the warm-up's last buffer. While the count is
 * above the lowest ever seen here, poll every 10 ms until 5 polls bring no
 * new low, at most 1 s; at that low (the usual case) no wait at all.
 * 0 or -errno; *@waited_ms says how long it waited.
 */
static int used_settled(struct gb_counters *c, uint64_t *out, unsigned *waited_ms)
{
	unsigned still = 0, ms = 0;
	uint64_t v, low;
	int err = bl_swiotlb_read("io_tlb_used", &v);

	if (err)
		return err;
	if (v < c->used_low)
		c->used_low = v;
	low = v;
	while (v > c->used_low && still < 5 && ms < 1000) {
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		ms += 10;
		if (bl_swiotlb_read("io_tlb_used", &v))
			break;
		if (v < low) {
			low = v;
			still = 0;
		} else {
			still++;
		}
		if (v < c->used_low)
			c->used_low = v;
	}
	*out = v;
	*waited_ms = ms;
	return 0;
}

void gb_counters_row_begin(struct gb_counters *c, char names[][64], int n, uint64_t size)
{
	uint64_t v;

	c->sync_off = size > SYNC_TRACE_MAX_BYTES;

	c->ndevs = 0;
	c->overflow_devs = 0;
	memset(c->devs, 0, sizeof(c->devs));
	c->nreps = 0;
	c->seen_bounced = c->seen_bytes = c->seen_sync = 0;
	c->nscope = 0;
	for (int i = 0; i < n && c->nscope < MAX_SCOPE; i++) {
		bool dup = false;

		for (int j = 0; j < c->nscope; j++)
			dup |= !strcmp(c->scope[j], names[i]);
		if (!dup && names[i][0])
			snprintf(c->scope[c->nscope++], 64, "%s", names[i]);
	}
	for (int e = 0; e < EV_COUNT; e++) {
		struct ev_state *s = &c->ev[e];

		s->count = s->samples = s->bad = 0;
		if (s->ev) {
			/* Records from before the row are not ours. */
			tp_event_drain(s->ev, NULL, NULL);
			s->lost_at_begin = tp_event_lost(s->ev);
		}
	}
	c->polled = false;
	c->polled_peak = 0;
	c->poll_every = c->poll_countdown = 1;
	c->settle_before_ms = c->settle_after_ms = 0;
	c->have_used = used_settled(c, &v, &c->settle_before_ms) == 0;
	c->used_before = c->have_used ? v : 0;
	c->have_nslabs = bl_swiotlb_read("io_tlb_nslabs", &v) == 0;
	c->nslabs = c->have_nslabs ? v : 0;
	if (c->have_hiwater && bl_swiotlb_reset_hiwater())
		c->have_hiwater = false; /* cannot reset: its value would not be this row's */
}

int gb_counters_rep_begin(struct gb_counters *c)
{
	for (int e = 0; e < EV_COUNT; e++) {
		struct ev_state *s = &c->ev[e];
		int err;

		if (!traced(c, e))
			continue;
		err = tp_event_reset(s->ev);
		if (!err)
			err = tp_event_enable(s->ev);
		if (err)
			return err;
	}
	c->in_rep = true;
	return 0;
}

static struct dev_counts *dev_slot(struct gb_counters *c, const char *name)
{
	for (int i = 0; i < c->ndevs; i++)
		if (!strcmp(c->devs[i].name, name))
			return &c->devs[i];
	if (c->ndevs == MAX_DEVS)
		return NULL;
	snprintf(c->devs[c->ndevs].name, sizeof(c->devs[0].name), "%s", name);
	return &c->devs[c->ndevs++];
}

struct drain_arg {
	struct gb_counters *c;
	int e;
};

static void on_record(const struct tp_event *ev, int cpu, const void *raw, size_t len, void *arg)
{
	struct drain_arg *a = arg;
	struct ev_state *s = &a->c->ev[a->e];
	struct dev_counts *d;
	char name[64] = "";
	uint64_t pid = 0, add_bytes = 0, add_segments = 0, add_sync = 0;
	bool own;

	s->samples++;
	if (!s->f_dev || tp_field_str(s->f_dev, raw, len, name, sizeof(name))) {
		s->bad++;
		return;
	}
	d = dev_slot(a->c, name);
	if (!d) {
		a->c->overflow_devs++;
		return;
	}
	own = s->f_pid && !tp_field_uint(s->f_pid, raw, len, &pid) &&
	      (uint32_t)pid == (uint32_t)a->c->pid;
	if (a->e == EV_BOUNCED) {
		uint64_t size;

		if (!s->f_size || tp_field_uint(s->f_size, raw, len, &size))
			s->bad++;
		else
			add_bytes = size;
	} else if (a->e == EV_MAP_SG) {
		uint64_t nents;
		const void *data;
		size_t dlen;

		if (s->f_nents && !tp_field_uint(s->f_nents, raw, len, &nents))
			add_segments = (uint32_t)nents;
		else if (s->f_phys && !tp_field_bytes(s->f_phys, raw, len, &data, &dlen))
			add_segments = dlen / 8; /* one u64 physical address per entry */
		else
			s->bad++;
	} else if (is_sync(a->e)) {
		const void *data;
		size_t dlen;

		if (s->f_lengths && !tp_field_bytes(s->f_lengths, raw, len, &data, &dlen)) {
			const unsigned char *p = data;

			for (size_t i = 0; i + 4 <= dlen; i += 4) { /* unsigned int, host order */
				uint32_t l;

				memcpy(&l, p + i, 4);
				add_sync += l;
			}
		} else {
			s->bad++;
		}
	} else {
		add_segments = 1;
	}
	d->v[a->e]++;
	d->bytes += add_bytes;
	d->segments += add_segments;
	d->sync_bytes += add_sync;
	if (own) {
		d->own[a->e]++;
		d->own_bytes += add_bytes;
		d->own_segments += add_segments;
		d->own_sync_bytes += add_sync;
	}
}

static void drain_all(struct gb_counters *c)
{
	for (int e = 0; e < EV_COUNT; e++) {
		struct drain_arg a = { c, e };

		if (c->ev[e].ev)
			tp_event_drain(c->ev[e].ev, on_record, &a);
	}
}

static bool in_scope(const struct gb_counters *c, const char *name)
{
	for (int i = 0; i < c->nscope; i++)
		if (!strcmp(c->scope[i], name))
			return true;
	return false;
}

/* After a repetition's records are drained: what the scope bounced and synced in it. */
static void rep_totals(struct gb_counters *c)
{
	uint64_t bounced = 0, bytes = 0, sync = 0;

	for (int i = 0; i < c->ndevs; i++) {
		if (in_scope(c, c->devs[i].name)) {
			bounced += c->devs[i].v[EV_BOUNCED];
			bytes += c->devs[i].bytes;
			sync += c->devs[i].sync_bytes;
		}
	}
	if (c->nreps < GB_MAX_REPS) {
		c->rep_bounced[c->nreps] = bounced - c->seen_bounced;
		c->rep_bytes[c->nreps] = bytes - c->seen_bytes;
		c->rep_sync[c->nreps] = sync - c->seen_sync;
		c->nreps++;
	}
	c->seen_bounced = bounced;
	c->seen_bytes = bytes;
	c->seen_sync = sync;
}

/* @v[0..n) as a JSON array of integers. */
static json_t *int_array(const uint64_t *v, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

int gb_counters_rep_end(struct gb_counters *c)
{
	int first = 0;

	for (int e = 0; e < EV_COUNT; e++) {
		struct ev_state *s = &c->ev[e];
		uint64_t n;
		int err;

		if (!traced(c, e))
			continue;
		err = tp_event_disable(s->ev);
		if (!err)
			err = tp_event_read_count(s->ev, &n);
		if (err) {
			first = first ? first : err;
			continue;
		}
		s->count += n;
	}
	drain_all(c);
	c->in_rep = false;
	rep_totals(c);
	return first;
}

bool gb_counters_poll(struct gb_counters *c)
{
	bool drained = false, pending = false;

	if (c->poll_countdown > 1) {
		c->poll_countdown--;
		return false;
	}
	for (int e = 0; e < EV_COUNT; e++) {
		struct drain_arg a = { c, e };
		size_t ring = 0, n;

		if (!c->ev[e].ev)
			continue;
		n = tp_event_pending(c->ev[e].ev, &ring);
		pending |= n > 0;
		/* Drain at an eighth: an op may add a lot before the next poll. */
		if (n > ring / 8) {
			tp_event_drain(c->ev[e].ev, on_record, &a);
			drained = true;
		}
	}
	if (pending)
		c->poll_every = 1;
	else if (c->poll_every < POLL_MAX)
		c->poll_every = c->poll_every ? c->poll_every * 2 : 1;
	c->poll_countdown = c->poll_every;
	return drained;
}

void gb_counters_note_used(struct gb_counters *c, uint64_t used)
{
	if (!c->polled || used > c->polled_peak)
		c->polled_peak = used;
	c->polled = true;
}

/* Why the per-device split of event @e is not exact, or NULL when it is. */
static const char *inexact(struct gb_counters *c, int e, char *buf, size_t len)
{
	struct ev_state *s = &c->ev[e];
	uint64_t lost = s->ev ? tp_event_lost(s->ev) - s->lost_at_begin : 0;

	if (!s->ev)
		return s->why;
	if (!traced(c, e))
		return why_sync_off;
	if (lost) {
		snprintf(buf, len, "%" PRIu64 " %s trace records lost (ring full); per-device figures unknown",
			 lost, ev_key[e]);
		return buf;
	}
	if (s->bad) {
		snprintf(buf, len, "%" PRIu64 " %s trace records could not be decoded", s->bad,
			 ev_key[e]);
		return buf;
	}
	if (c->overflow_devs) {
		snprintf(buf, len, "more than %d devices traced; per-device figures incomplete",
			 MAX_DEVS);
		return buf;
	}
	if (s->samples != s->count) {
		snprintf(buf, len, "%s: %" PRIu64 " records for %" PRIu64 " events; per-device figures unknown",
			 ev_key[e], s->samples, s->count);
		return buf;
	}
	return NULL;
}

json_t *gb_counters_scope(const struct gb_counters *c)
{
	json_t *a = json_array();

	for (int i = 0; i < c->nscope; i++)
		json_array_append_new(a, json_string(c->scope[i]));
	return a;
}

static void unavail(json_t *u, const char *key, const char *why)
{
	json_object_set_new(u, key, json_string(why));
}

void gb_counters_row_end(struct gb_counters *c, json_t *row)
{
	json_t *counters = json_object(), *system = json_object(), *by = json_object();
	json_t *u = json_object_get(row, "unavailable");
	char why[EV_COUNT][256];
	const char *bad[EV_COUNT];
	uint64_t tot[EV_COUNT] = { 0 }, bytes = 0, segments = 0, sync_bytes = 0;
	uint64_t own[EV_COUNT] = { 0 }, own_bytes = 0, own_segments = 0, own_sync_bytes = 0;
	const char *bad_sync;
	json_t *ownj = json_object();
	uint64_t v, hiwater = 0;
	bool have_hw = false;

	if (!u) {
		u = json_object();
		json_object_set_new(row, "unavailable", u);
	}
	for (int e = 0; e < EV_COUNT; e++)
		bad[e] = inexact(c, e, why[e], sizeof(why[e]));
	bad_sync = bad[EV_SYNC_CPU] ? bad[EV_SYNC_CPU] : bad[EV_SYNC_DEV];
	for (int i = 0; i < c->ndevs; i++) {
		const struct dev_counts *d = &c->devs[i];
		json_t *o = json_object();

		for (int e = 0; e < EV_COUNT; e++)
			json_object_set_new(o, ev_key[e], bad[e] ? json_null() : json_integer((json_int_t)d->v[e]));
		json_object_set_new(o, "swiotlb_bounced_bytes",
				    bad[EV_BOUNCED] ? json_null() : json_integer((json_int_t)d->bytes));
		json_object_set_new(o, "dma_map_segments",
				    bad[EV_MAP_SG] || bad[EV_MAP_PAGE] ? json_null() :
				    json_integer((json_int_t)d->segments));
		json_object_set_new(o, "dma_sync_bytes",
				    bad_sync ? json_null() : json_integer((json_int_t)d->sync_bytes));
		json_object_set_new(by, d->name, o);
		if (in_scope(c, d->name)) {
			for (int e = 0; e < EV_COUNT; e++)
				tot[e] += d->v[e];
			bytes += d->bytes;
			segments += d->segments;
			for (int e = 0; e < EV_COUNT; e++)
				own[e] += d->own[e];
			own_bytes += d->own_bytes;
			own_segments += d->own_segments;
			sync_bytes += d->sync_bytes;
			own_sync_bytes += d->own_sync_bytes;
		}
	}
	for (int e = 0; e < EV_COUNT; e++) {
		json_object_set_new(system, ev_key[e],
				    traced(c, e) ?
					    json_integer((json_int_t)c->ev[e].count) :
					    json_null());
		json_object_set_new(counters, ev_key[e],
				    bad[e] ? json_null() : json_integer((json_int_t)tot[e]));
		json_object_set_new(ownj, ev_key[e],
				    bad[e] ? json_null() : json_integer((json_int_t)own[e]));
		if (bad[e])
			unavail(u, ev_key[e], bad[e]);
	}
	json_object_set_new(ownj, "swiotlb_bounced_bytes",
			    bad[EV_BOUNCED] ? json_null() : json_integer((json_int_t)own_bytes));
	json_object_set_new(ownj, "dma_map_segments",
			    bad[EV_MAP_SG] || bad[EV_MAP_PAGE] ? json_null() :
			    json_integer((json_int_t)own_segments));
	json_object_set_new(ownj, "dma_sync_bytes",
			    bad_sync ? json_null() : json_integer((json_int_t)own_sync_bytes));
	json_object_set_new(counters, "dma_sync_bytes",
			    bad_sync ? json_null() : json_integer((json_int_t)sync_bytes));
	if (bad_sync)
		unavail(u, "dma_sync_bytes", bad_sync);
	json_object_set_new(counters, "swiotlb_bounced_bytes",
			    bad[EV_BOUNCED] ? json_null() : json_integer((json_int_t)bytes));
	if (!bad[EV_BOUNCED] || !bad_sync) {
		/* exact per repetition only where the row's total is */
		json_t *per = json_object();

		if (!bad[EV_BOUNCED]) {
			json_object_set_new(per, "swiotlb_bounced", int_array(c->rep_bounced, c->nreps));
			json_object_set_new(per, "swiotlb_bounced_bytes", int_array(c->rep_bytes, c->nreps));
		}
		if (!bad_sync)
			json_object_set_new(per, "dma_sync_bytes", int_array(c->rep_sync, c->nreps));
		json_object_set_new(row, "per_rep", per);
	}
	if (bad[EV_BOUNCED])
		unavail(u, "swiotlb_bounced_bytes", bad[EV_BOUNCED]);
	if (bad[EV_MAP_SG] || bad[EV_MAP_PAGE]) {
		json_object_set_new(counters, "dma_map_segments", json_null());
		unavail(u, "dma_map_segments", bad[EV_MAP_SG] ? bad[EV_MAP_SG] : bad[EV_MAP_PAGE]);
	} else {
		json_object_set_new(counters, "dma_map_segments", json_integer((json_int_t)segments));
	}

	/* debugfs */
	if (c->have_nslabs) {
		json_object_set_new(counters, "io_tlb_nslabs", json_integer((json_int_t)c->nslabs));
	} else {
		json_object_set_new(counters, "io_tlb_nslabs", json_null());
		unavail(u, "io_tlb_nslabs", c->why_nslabs);
	}
	if (c->have_used && used_settled(c, &v, &c->settle_after_ms) == 0) {
		c->used_after = v;
		json_object_set_new(row, "io_tlb_used_settle_ms",
				    json_pack("{s:i, s:i}", "before", c->settle_before_ms, "after",
					      c->settle_after_ms));
		json_object_set_new(counters, "io_tlb_used_before", json_integer((json_int_t)c->used_before));
		json_object_set_new(counters, "io_tlb_used_after", json_integer((json_int_t)v));
	} else {
		json_object_set_new(counters, "io_tlb_used_before", json_null());
		json_object_set_new(counters, "io_tlb_used_after", json_null());
		unavail(u, "io_tlb_used_before", c->why_used[0] ? c->why_used : "io_tlb_used unreadable");
		unavail(u, "io_tlb_used_after", c->why_used[0] ? c->why_used : "io_tlb_used unreadable");
	}
	if (c->have_hiwater && bl_swiotlb_read("io_tlb_used_hiwater", &v) == 0) {
		hiwater = v;
		have_hw = true;
	}
	if (have_hw || c->polled) {
		uint64_t peak = have_hw ? hiwater : c->polled_peak;

		/* hiwater restarts at 0 and only moves on an allocation. */
		if (c->have_used && c->used_before > peak)
			peak = c->used_before;
		if (c->have_used && c->used_after > peak)
			peak = c->used_after;
		if (c->polled && c->polled_peak > peak)
			peak = c->polled_peak;
		json_object_set_new(counters, "io_tlb_used_peak", json_integer((json_int_t)peak));
		json_object_set_new(row, "io_tlb_used_peak_source",
				    json_string(have_hw ? "io_tlb_used_hiwater" :
							  "io_tlb_used polled between operations"));
	} else {
		json_object_set_new(counters, "io_tlb_used_peak", json_null());
		unavail(u, "io_tlb_used_peak", c->why_hiwater[0] ? c->why_hiwater :
				      "io_tlb_used_hiwater could not be reset");
	}

	/* bounce_rate = bounced / mapped segments, in [0, 1], where both exist. */
	if (bad[EV_BOUNCED] || bad[EV_MAP_SG] || bad[EV_MAP_PAGE]) {
		json_object_set_new(row, "bounce_rate", json_null());
		unavail(u, "bounce_rate", bad[EV_MAP_SG] ? bad[EV_MAP_SG] :
					  bad[EV_MAP_PAGE] ? bad[EV_MAP_PAGE] : bad[EV_BOUNCED]);
	} else if (!segments && tot[EV_BOUNCED]) {
		/* dma:dma_map_sg fires only for mappings that succeed; swiotlb_bounced also for refused ones */
		json_object_set_new(row, "bounce_rate", json_null());
		unavail(u, "bounce_rate",
			"no DMA mapping of the job's devices succeeded in this row although SWIOTLB was asked to "
			"bounce: the mappings failed (see failures)");
	} else if (!segments) {
		json_object_set_new(row, "bounce_rate", json_null());
		unavail(u, "bounce_rate", "no DMA mappings of the job's devices in this row");
	} else if (tot[EV_BOUNCED] > segments) {
		json_object_set_new(row, "bounce_rate", json_null());
		unavail(u, "bounce_rate",
			"more bounces than dma_map_sg/dma_map_page segments (mapped by another path)");
	} else {
		json_object_set_new(row, "bounce_rate",
				    json_real((double)tot[EV_BOUNCED] / (double)segments));
	}
	json_object_set_new(row, "counters", counters);
	json_object_set_new(row, "counters_scope", gb_counters_scope(c));
	json_object_set_new(row, "counters_system", system);
	json_object_set_new(row, "counters_by_device", by);
	/* The scope's events that fired in gembench's own process context (its
	 * ioctls), without device work done later by kernel threads. */
	json_object_set_new(row, "counters_own_context", ownj);
}
