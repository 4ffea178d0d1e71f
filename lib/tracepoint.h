/*
 * Kernel tracepoints through perf_event_open, shared by gembench (counters
 * around a measured region) and bouncelabd (the system-wide bounce monitor).
 *
 * Three layers:
 *  1. tracefs: find (and, when allowed, mount) tracefs; read an event's
 *     `format` file and parse it into its id and field layout. Offsets are
 *     never hard-coded: swiotlb_bounced's layout differs between kernels.
 *  2. tp_event: one tracepoint opened system-wide, one perf fd per online
 *     CPU. A counting fd's read() gives the exact number of hits, even when
 *     sample records are lost. With TP_EVENT_SAMPLE each fd also has a ring
 *     buffer of PERF_SAMPLE_RAW records (sample_period 1: one record per hit).
 *  3. records: tp_event_drain() hands each raw record to a callback as
 *     (event, cpu, raw bytes); field accessors read fields out of it using
 *     the parsed format. Lost records (PERF_RECORD_LOST) are counted, so a
 *     figure computed from samples can be declared unknown instead of wrong:
 *     it is exact only when tp_event_lost() is 0 and the samples drained
 *     equal the count.
 *
 * Event-loop use (the daemon): tp_event_cpu_fd() gives each ring's fd; it
 * polls readable when the ring is a quarter full (wakeup watermark); call
 * tp_event_drain_cpu() for that CPU, or tp_event_drain() for all.
 *
 * All functions return 0 or -errno unless they say otherwise.
 */
#ifndef BL_TRACEPOINT_H
#define BL_TRACEPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_MAX_FIELDS 32

struct tp_field {
	char name[64];     /* "size", "dev_name" */
	char type[96];     /* as the kernel wrote it: "size_t", "__data_loc char[]" */
	unsigned offset;   /* bytes from the start of the raw record */
	unsigned size;     /* bytes of the field itself (4 for a __data_loc word) */
	bool is_signed;
	bool data_loc;     /* __data_loc: a u32 (length << 16 | offset from record start) */
	bool rel_loc;      /* __rel_loc: offset is relative to the end of this field */
	bool is_array;     /* a fixed array: "char comm[16]" */
};

struct tp_format {
	char system[64];   /* "swiotlb" (filled by tp_format_load) */
	char name[64];     /* "swiotlb_bounced" */
	uint64_t id;       /* perf_event_attr.config for PERF_TYPE_TRACEPOINT */
	unsigned nfields;  /* common_* fields included */
	struct tp_field fields[TP_MAX_FIELDS];
};

/*
 * Parses the text of a tracefs `format` file. -EINVAL with a reason in @why
 * (may be NULL) when there is no ID, no field, or a malformed field line.
 */
int tp_format_parse(const char *text, struct tp_format *fmt, char *why, size_t why_len);

/* The field called @name, or NULL. */
const struct tp_field *tp_field_find(const struct tp_format *fmt, const char *name);

/*
 * Reads an unsigned integer field (size 1, 2, 4 or 8) from raw record @raw
 * of @len bytes. -ERANGE when the field lies outside the record, -EINVAL
 * for a field that is not a plain integer.
 */
int tp_field_uint(const struct tp_field *f, const void *raw, size_t len, uint64_t *out);

/*
 * Where a dynamic (__data_loc/__rel_loc) or fixed-array field's bytes are:
 * *data points into @raw, *dlen is its length in bytes. -ERANGE when it
 * points outside the record.
 */
int tp_field_bytes(const struct tp_field *f, const void *raw, size_t len, const void **data,
		   size_t *dlen);

/* Copies a string field (dynamic or char[N]) into @buf, NUL-terminated. */
int tp_field_str(const struct tp_field *f, const void *raw, size_t len, char *buf, size_t buflen);

/*
 * The number of scatter-gather entries a dma:dma_map_sg record maps: its
 * full_nents field (6.12: the phys_addrs/dma_addrs arrays stop at 128
 * entries, so their length undercounts large lists), else nents, else the
 * phys_addrs array length / 8. -ENOENT when the format has none of them.
 */
int tp_dma_sg_nents(const struct tp_format *fmt, const void *raw, size_t len, uint64_t *nents);

/*
 * The tracefs root (the folder holding `events/`): /sys/kernel/tracing,
 * else /sys/kernel/debug/tracing. When neither is there and @may_mount,
 * mounts tracefs on /sys/kernel/tracing (and debugfs on /sys/kernel/debug).
 * -ENOENT when tracefs cannot be found.
 */
int tp_tracefs_root(char *buf, size_t len, bool may_mount);

/* Reads and parses ROOT/events/SYSTEM/EVENT/format. -ENOENT: no such event. */
int tp_format_load(const char *root, const char *system, const char *event,
		   struct tp_format *fmt, char *why, size_t why_len);

struct tp_event;

enum tp_event_flags {
	TP_EVENT_COUNT = 0,       /* exact count only */
	TP_EVENT_SAMPLE = 1u << 0 /* plus one PERF_SAMPLE_RAW record per hit */
};

/*
 * Opens @fmt on every online CPU, system-wide (pid -1), disabled. With
 * TP_EVENT_SAMPLE each CPU gets a ring of @ring_pages data pages (a power
 * of two; 0 = 64). -EACCES/-EPERM without CAP_PERFMON (perf_event_paranoid),
 * -ENOENT/-ENODEV when the kernel cannot trace this event.
 */
int tp_event_open(const struct tp_format *fmt, unsigned flags, unsigned ring_pages,
		  struct tp_event **out);
void tp_event_close(struct tp_event *ev);

int tp_event_enable(struct tp_event *ev);
int tp_event_disable(struct tp_event *ev);
/* Zeroes the counts (not the rings, not the lost tally). */
int tp_event_reset(struct tp_event *ev);
/* The exact number of hits since open or the last reset, over all CPUs. */
int tp_event_read_count(struct tp_event *ev, uint64_t *count);

const struct tp_format *tp_event_format(const struct tp_event *ev);
unsigned tp_event_ncpus(const struct tp_event *ev);
/* The perf fd of the @i-th CPU slot (pollable when sampling), or -1. */
int tp_event_cpu_fd(const struct tp_event *ev, unsigned i);
/* The CPU number of the @i-th slot. */
int tp_event_cpu(const struct tp_event *ev, unsigned i);

/* Called once per sample; @raw is valid only during the call. */
typedef void (*tp_record_fn)(const struct tp_event *ev, int cpu, const void *raw, size_t len,
			     void *arg);

/*
 * Hands every complete record in the ring(s) to @fn and frees their space.
 * Returns the number of samples handed over (>= 0) or -errno. Lost-record
 * notices are added to tp_event_lost().
 */
int tp_event_drain(struct tp_event *ev, tp_record_fn fn, void *arg);
int tp_event_drain_cpu(struct tp_event *ev, unsigned i, tp_record_fn fn, void *arg);
/* True when some ring is more than half full (drain before it overflows). */
bool tp_event_needs_drain(const struct tp_event *ev);
/* Bytes waiting in the fullest ring, and that ring's size (0, 0 when counting only). */
size_t tp_event_pending(const struct tp_event *ev, size_t *ring_size);
/* Records the kernel dropped since open or tp_event_clear_lost(). */
uint64_t tp_event_lost(const struct tp_event *ev);
void tp_event_clear_lost(struct tp_event *ev);

#endif
