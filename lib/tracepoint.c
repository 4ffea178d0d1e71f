/*
 * Tracepoints through perf_event_open: tracefs format parsing, per-CPU
 * system-wide perf fds, and a reader for their PERF_SAMPLE_RAW rings. See
 * tracepoint.h for the API and the exactness rules.
 *
 * The ring reader follows the perf ABI (include/uapi/linux/perf_event.h):
 * data_head is read with acquire semantics, records are copied out (a record
 * may wrap around the end of the ring), and data_tail is published with
 * release semantics so the kernel can reuse the space. The mapping is
 * writable, which puts the ring in "no overwrite" mode: when it is full the
 * kernel drops records and later says how many in a PERF_RECORD_LOST.
 */
#include "tracepoint.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"

#define TP_DEFAULT_RING_PAGES 64u

struct tp_cpu {
	int cpu;               /* CPU number */
	int fd;                /* perf fd; -1 when not open */
	void *base;            /* mmap of the control page + ring; NULL when counting only */
	size_t data_size;      /* bytes of ring data (power of two) */
};

struct tp_event {
	struct tp_format fmt;  /* copy: the caller's may go away */
	unsigned flags;
	unsigned ncpus;
	uint64_t lost;         /* from PERF_RECORD_LOST notices */
	size_t page_size;
	unsigned char *scratch; /* a wrapped record is reassembled here */
	size_t scratch_len;
	struct tp_cpu cpus[];
};

static void set_why(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

/* --- format files ------------------------------------------------------- */

/* Parses "key:NUMBER;" at *p (after optional whitespace); advances *p. */
static int parse_keyed_uint(const char **p, const char *key, unsigned long *out)
{
	const char *s = *p;
	size_t klen = strlen(key);
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, key, klen) || s[klen] != ':')
		return -EINVAL;
	s += klen + 1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (end == s || errno || *end != ';')
		return -EINVAL;
	*p = end + 1;
	return 0;
}

/* One "field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" line (after "field:"). */
static int parse_field(const char *line, struct tp_field *f)
{
	const char *semi = strchr(line, ';');
	const char *name_end, *name_start, *p;
	unsigned long off, size, sgn;
	size_t tlen, nlen;

	memset(f, 0, sizeof(*f));
	if (!semi)
		return -EINVAL;
	name_end = semi;
	while (name_end > line && isspace((unsigned char)name_end[-1]))
		name_end--;
	/* "char comm[16]": the array suffix belongs to the name's token. */
	if (name_end > line && name_end[-1] == ']') {
		const char *lb = name_end;

		while (lb > line && *lb != '[')
			lb--;
		if (*lb != '[')
			return -EINVAL;
		f->is_array = true;
		name_end = lb;
	}
	name_start = name_end;
	while (name_start > line && !isspace((unsigned char)name_start[-1]))
		name_start--;
	nlen = (size_t)(name_end - name_start);
	if (!nlen || nlen >= sizeof(f->name))
		return -EINVAL;
	memcpy(f->name, name_start, nlen);
	tlen = (size_t)(name_start - line);
	while (tlen && isspace((unsigned char)line[tlen - 1]))
		tlen--;
	if (!tlen || tlen >= sizeof(f->type))
		return -EINVAL;
	memcpy(f->type, line, tlen);
	f->data_loc = !strncmp(f->type, "__data_loc", 10);
	f->rel_loc = !strncmp(f->type, "__rel_loc", 9);
	if (f->data_loc || f->rel_loc)
		f->is_array = false; /* the field itself is the 4-byte locator */

	p = semi + 1;
	if (parse_keyed_uint(&p, "offset", &off) || parse_keyed_uint(&p, "size", &size))
		return -EINVAL;
	/* "signed:" exists on every kernel we target; tolerate its absence. */
	if (parse_keyed_uint(&p, "signed", &sgn))
		sgn = 0;
	if (off > 65535 || size == 0 || size > 65535)
		return -EINVAL;
	f->offset = (unsigned)off;
	f->size = (unsigned)size;
	f->is_signed = sgn != 0;
	return 0;
}

int tp_format_parse(const char *text, struct tp_format *fmt, char *why, size_t why_len)
{
	const char *line = text;
	bool have_id = false;
	unsigned lineno = 0;

	memset(fmt, 0, sizeof(*fmt));
	if (!text) {
		set_why(why, why_len, "no text");
		return -EINVAL;
	}
	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char buf[512];
		const char *s;

		lineno++;
		if (len >= sizeof(buf)) {
			/* Only "print fmt:" lines get this long; they carry no layout. */
			if (strncmp(line, "print fmt:", 10)) {
				set_why(why, why_len, "line %u: too long", lineno);
				return -EINVAL;
			}
			len = sizeof(buf) - 1;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!strncmp(s, "name:", 5)) {
			s += 5;
			while (*s == ' ')
				s++;
			snprintf(fmt->name, sizeof(fmt->name), "%s", s);
		} else if (!strncmp(s, "ID:", 3)) {
			char *end;

			errno = 0;
			fmt->id = strtoull(s + 3, &end, 10);
			if (errno || end == s + 3) {
				set_why(why, why_len, "line %u: bad ID", lineno);
				return -EINVAL;
			}
			have_id = true;
		} else if (!strncmp(s, "field:", 6)) {
			struct tp_field f;

			if (parse_field(s + 6, &f)) {
				set_why(why, why_len, "line %u: malformed field: %s", lineno, s);
				return -EINVAL;
			}
			if (fmt->nfields == TP_MAX_FIELDS) {
				set_why(why, why_len, "line %u: more than %d fields", lineno,
					TP_MAX_FIELDS);
				return -EINVAL;
			}
			fmt->fields[fmt->nfields++] = f;
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	if (!have_id) {
		set_why(why, why_len, "no ID line");
		return -EINVAL;
	}
	if (!fmt->nfields) {
		set_why(why, why_len, "no fields");
		return -EINVAL;
	}
	return 0;
}

const struct tp_field *tp_field_find(const struct tp_format *fmt, const char *name)
{
	for (unsigned i = 0; i < fmt->nfields; i++)
		if (!strcmp(fmt->fields[i].name, name))
			return &fmt->fields[i];
	return NULL;
}

int tp_field_uint(const struct tp_field *f, const void *raw, size_t len, uint64_t *out)
{
	const unsigned char *p = raw;

	if (f->data_loc || f->rel_loc || f->is_array)
		return -EINVAL;
	if ((size_t)f->offset + f->size > len)
		return -ERANGE;
	p += f->offset;
	switch (f->size) {
	case 1: *out = p[0]; return 0;
	case 2: { uint16_t v; memcpy(&v, p, 2); *out = v; return 0; }
	case 4: { uint32_t v; memcpy(&v, p, 4); *out = v; return 0; }
	case 8: { uint64_t v; memcpy(&v, p, 8); *out = v; return 0; }
	default: return -EINVAL;
	}
}

int tp_field_bytes(const struct tp_field *f, const void *raw, size_t len, const void **data,
		   size_t *dlen)
{
	const unsigned char *p = raw;
	size_t start, n;

	if ((size_t)f->offset + f->size > len)
		return -ERANGE;
	if (f->data_loc || f->rel_loc) {
		uint32_t loc;

		if (f->size != 4)
			return -EINVAL;
		memcpy(&loc, p + f->offset, 4);
		start = loc & 0xffff;
		n = loc >> 16;
		if (f->rel_loc)
			start += (size_t)f->offset + f->size;
	} else if (f->is_array) {
		start = f->offset;
		n = f->size;
	} else {
		return -EINVAL;
	}
	if (start > len || n > len - start)
		return -ERANGE;
	*data = p + start;
	*dlen = n;
	return 0;
}

int tp_field_str(const struct tp_field *f, const void *raw, size_t len, char *buf, size_t buflen)
{
	const void *data;
	size_t n;
	int err;

	if (!buflen)
		return -EINVAL;
	err = tp_field_bytes(f, raw, len, &data, &n);
	if (err)
		return err;
	/* The kernel stores the NUL (dynamic) or pads with NULs (char[N]). */
	const char *nul = memchr(data, '\0', n);

	if (nul)
		n = (size_t)(nul - (const char *)data);
	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, data, n);
	buf[n] = '\0';
	return 0;
}

int tp_dma_sg_nents(const struct tp_format *fmt, const void *raw, size_t len, uint64_t *nents)
{
	const struct tp_field *f = tp_field_find(fmt, "full_nents");
	const void *data;
	size_t dlen;
	uint64_t v;
	int err;

	if (!f)
		f = tp_field_find(fmt, "nents");
	if (f) {
		err = tp_field_uint(f, raw, len, &v);
		if (err)
			return err;
		*nents = (uint32_t)v; /* an int in the record */
		return 0;
	}
	f = tp_field_find(fmt, "phys_addrs");
	if (!f)
		return -ENOENT;
	err = tp_field_bytes(f, raw, len, &data, &dlen);
	if (err)
		return err;
	*nents = dlen / 8;
	return 0;
}

/* --- tracefs ------------------------------------------------------------- */

static bool has_events(const char *root)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events", root);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int tp_tracefs_root(char *buf, size_t len, bool may_mount)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
			if (has_events(roots[i])) {
				snprintf(buf, len, "%s", roots[i]);
				return 0;
			}
		}
		if (pass || !may_mount)
			break;
		/* Failures are fine here: the second pass decides. */
		if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) &&
		    errno != EBUSY) {
			/* Old kernels expose tracing only under debugfs. */
		}
		if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) && errno != EBUSY) {
			/* may already be mounted or not allowed */
		}
	}
	return -ENOENT;
}

/* tracefs and sysfs files here are a few KB; anything near this is not one of them. */
#define TP_FILE_MAX (1 << 20)

int tp_format_load(const char *root, const char *system, const char *event,
		   struct tp_format *fmt, char *why, size_t why_len)
{
	char path[512];
	char *text = NULL;
	int err;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, system, event);
	err = bl_read_file(path, TP_FILE_MAX, &text, NULL);
	if (err) {
		set_why(why, why_len, "%s: %s", path, strerror(-err));
		return err;
	}
	err = tp_format_parse(text, fmt, why, why_len);
	free(text);
	if (err)
		return err;
	snprintf(fmt->system, sizeof(fmt->system), "%s", system);
	if (!fmt->name[0])
		snprintf(fmt->name, sizeof(fmt->name), "%s", event);
	return 0;
}

/* --- perf events --------------------------------------------------------- */

/* Online CPUs from sysfs ("0-3,6"); falls back to 0..nprocs_conf-1. */
static int online_cpus(int **out, unsigned *n)
{
	char *text = NULL;
	int *cpus = NULL;
	unsigned count = 0, cap = 0;
	const char *p;
	int err;

	err = bl_read_file("/sys/devices/system/cpu/online", TP_FILE_MAX, &text, NULL);
	if (err) {
		long nc = sysconf(_SC_NPROCESSORS_CONF);

		if (nc < 1)
			nc = 1;
		cpus = calloc((size_t)nc, sizeof(*cpus));
		if (!cpus)
			return -ENOMEM;
		for (long i = 0; i < nc; i++)
			cpus[i] = (int)i;
		*out = cpus;
		*n = (unsigned)nc;
		return 0;
	}
	p = text;
	while (*p && *p != '\n') {
		char *end;
		long a = strtol(p, &end, 10), b = a;

		if (end == p)
			break;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		for (long c = a; c <= b; c++) {
			if (count == cap) {
				int *nc2 = realloc(cpus, (cap ? cap * 2 : 8) * sizeof(*cpus));

				if (!nc2) {
					free(cpus);
					free(text);
					return -ENOMEM;
				}
				cpus = nc2;
				cap = cap ? cap * 2 : 8;
			}
			cpus[count++] = (int)c;
		}
		if (*p == ',')
			p++;
	}
	free(text);
	if (!count) {
		free(cpus);
		return -EINVAL;
	}
	*out = cpus;
	*n = count;
	return 0;
}

static long sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
				unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
}

int tp_event_open(const struct tp_format *fmt, unsigned flags, unsigned ring_pages,
		  struct tp_event **out)
{
	struct perf_event_attr attr;
	struct tp_event *ev = NULL;
	int *cpus = NULL;
	unsigned ncpus = 0;
	int err;

	if (!ring_pages)
		ring_pages = TP_DEFAULT_RING_PAGES;
	if (ring_pages & (ring_pages - 1))
		return -EINVAL;
	err = online_cpus(&cpus, &ncpus);
	if (err)
		return err;
	ev = calloc(1, sizeof(*ev) + ncpus * sizeof(ev->cpus[0]));
	if (!ev) {
		err = -ENOMEM;
		goto fail;
	}
	ev->fmt = *fmt;
	ev->flags = flags;
	ev->ncpus = ncpus;
	ev->page_size = (size_t)sysconf(_SC_PAGESIZE);
	for (unsigned i = 0; i < ncpus; i++) {
		ev->cpus[i].cpu = cpus[i];
		ev->cpus[i].fd = -1;
	}

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = fmt->id;
	attr.disabled = 1;
	if (flags & TP_EVENT_SAMPLE) {
		attr.sample_period = 1; /* one record per hit */
		attr.sample_type = PERF_SAMPLE_RAW;
		attr.watermark = 1;     /* wake a poller when a quarter is full */
		attr.wakeup_watermark = (uint32_t)(ring_pages * ev->page_size / 4);
	}

	for (unsigned i = 0; i < ncpus; i++) {
		long fd = sys_perf_event_open(&attr, -1 /* pid: every task */,
					      ev->cpus[i].cpu /* cpu */, -1 /* group_fd */,
					      PERF_FLAG_FD_CLOEXEC);

		if (fd < 0) {
			err = -errno;
			goto fail;
		}
		ev->cpus[i].fd = (int)fd;
		if (flags & TP_EVENT_SAMPLE) {
			size_t maplen = (1 + ring_pages) * ev->page_size;
			void *base = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED,
					  (int)fd, 0);

			if (base == MAP_FAILED) {
				err = -errno;
				goto fail;
			}
			ev->cpus[i].base = base;
			ev->cpus[i].data_size = ring_pages * ev->page_size;
		}
	}
	free(cpus);
	*out = ev;
	return 0;
fail:
	free(cpus);
	tp_event_close(ev);
	return err;
}

void tp_event_close(struct tp_event *ev)
{
	if (!ev)
		return;
	for (unsigned i = 0; i < ev->ncpus; i++) {
		if (ev->cpus[i].base)
			munmap(ev->cpus[i].base, ev->page_size + ev->cpus[i].data_size);
		if (ev->cpus[i].fd >= 0)
			close(ev->cpus[i].fd);
	}
	free(ev->scratch);
	free(ev);
}

static int ioctl_all(struct tp_event *ev, unsigned long req)
{
	for (unsigned i = 0; i < ev->ncpus; i++)
		if (ioctl(ev->cpus[i].fd, req, 0) < 0)
			return -errno;
	return 0;
}

int tp_event_enable(struct tp_event *ev)
{
	return ioctl_all(ev, PERF_EVENT_IOC_ENABLE);
}

int tp_event_disable(struct tp_event *ev)
{
	return ioctl_all(ev, PERF_EVENT_IOC_DISABLE);
}

int tp_event_reset(struct tp_event *ev)
{
	return ioctl_all(ev, PERF_EVENT_IOC_RESET);
}

int tp_event_read_count(struct tp_event *ev, uint64_t *count)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < ev->ncpus; i++) {
		uint64_t v;
		ssize_t n = read(ev->cpus[i].fd, &v, sizeof(v));

		if (n < 0)
			return -errno;
		if (n != sizeof(v))
			return -EIO;
		total += v;
	}
	*count = total;
	return 0;
}

const struct tp_format *tp_event_format(const struct tp_event *ev)
{
	return &ev->fmt;
}

unsigned tp_event_ncpus(const struct tp_event *ev)
{
	return ev->ncpus;
}

int tp_event_cpu_fd(const struct tp_event *ev, unsigned i)
{
	return i < ev->ncpus ? ev->cpus[i].fd : -1;
}

int tp_event_cpu(const struct tp_event *ev, unsigned i)
{
	return i < ev->ncpus ? ev->cpus[i].cpu : -1;
}

uint64_t tp_event_lost(const struct tp_event *ev)
{
	return ev->lost;
}

void tp_event_clear_lost(struct tp_event *ev)
{
	ev->lost = 0;
}

/* Bytes written to @c's ring and not read yet (0 when it is not mapped). */
static uint64_t cpu_pending(const struct tp_cpu *c)
{
	const struct perf_event_mmap_page *pg = c->base;

	if (!pg)
		return 0;
	return __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE) - pg->data_tail;
}

bool tp_event_needs_drain(const struct tp_event *ev)
{
	for (unsigned i = 0; i < ev->ncpus; i++)
		if (cpu_pending(&ev->cpus[i]) > ev->cpus[i].data_size / 2)
			return true;
	return false;
}

size_t tp_event_pending(const struct tp_event *ev, size_t *ring_size)
{
	size_t most = 0, size = 0;

	for (unsigned i = 0; i < ev->ncpus; i++) {
		const struct tp_cpu *c = &ev->cpus[i];
		uint64_t n = cpu_pending(c);

		if (!c->base)
			continue;
		if (n > most)
			most = (size_t)n;
		size = c->data_size;
	}
	if (ring_size)
		*ring_size = size;
	return most;
}

/* Copies @n bytes at ring position @pos (mod size) into @dst. */
static void ring_copy(const struct tp_cpu *c, const unsigned char *data, uint64_t pos, void *dst,
		      size_t n)
{
	size_t off = (size_t)(pos & (c->data_size - 1));
	size_t first = c->data_size - off;

	if (first >= n) {
		memcpy(dst, data + off, n);
	} else {
		memcpy(dst, data + off, first);
		memcpy((unsigned char *)dst + first, data, n - first);
	}
}

int tp_event_drain_cpu(struct tp_event *ev, unsigned i, tp_record_fn fn, void *arg)
{
	struct tp_cpu *c;
	struct perf_event_mmap_page *pg;
	const unsigned char *data;
	uint64_t head, tail;
	int samples = 0;

	if (i >= ev->ncpus)
		return -EINVAL;
	c = &ev->cpus[i];
	pg = c->base;
	if (!pg)
		return 0;
	data = (const unsigned char *)pg + ev->page_size;
	head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	tail = pg->data_tail;
	while (head - tail >= sizeof(struct perf_event_header)) {
		struct perf_event_header hdr;

		ring_copy(c, data, tail, &hdr, sizeof(hdr));
		if (hdr.size < sizeof(hdr) || head - tail < hdr.size)
			break; /* a torn header cannot happen; stop rather than loop */
		if (ev->scratch_len < hdr.size) {
			unsigned char *ns = realloc(ev->scratch, hdr.size);

			if (!ns)
				return -ENOMEM;
			ev->scratch = ns;
			ev->scratch_len = hdr.size;
		}
		ring_copy(c, data, tail, ev->scratch, hdr.size);
		if (hdr.type == PERF_RECORD_SAMPLE) {
			uint32_t rawlen;

			/* sample_type is PERF_SAMPLE_RAW only: u32 size, then the bytes. */
			if (hdr.size >= sizeof(hdr) + 4) {
				memcpy(&rawlen, ev->scratch + sizeof(hdr), 4);
				if (rawlen <= hdr.size - sizeof(hdr) - 4) {
					if (fn)
						fn(ev, c->cpu, ev->scratch + sizeof(hdr) + 4, rawlen,
						   arg);
					samples++;
				}
			}
		} else if (hdr.type == PERF_RECORD_LOST) {
			/* struct { header; u64 id; u64 lost; } */
			uint64_t lost;

			if (hdr.size >= sizeof(hdr) + 16) {
				memcpy(&lost, ev->scratch + sizeof(hdr) + 8, 8);
				ev->lost += lost;
			}
		}
		tail += hdr.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
	return samples;
}

int tp_event_drain(struct tp_event *ev, tp_record_fn fn, void *arg)
{
	int total = 0;

	for (unsigned i = 0; i < ev->ncpus; i++) {
		int n = tp_event_drain_cpu(ev, i, fn, arg);

		if (n < 0)
			return n;
		total += n;
	}
	return total;
}
