/*
 * gembench option table, job-file reader and value parsers (see options.h).
 * inih parses the INI syntax; we feed it through our own line reader so an
 * error can name the line of the offending key (the Debian inih does not
 * pass line numbers to the handler).
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend.h"
#include "fsutil.h"
#include "units.h"
#include "workload.h"

static const char *workload_choice(size_t i)
{
	return gb_workloads[i] ? gb_workloads[i]->name : NULL;
}

static const char *backend_choice(size_t i)
{
	return gb_backends[i] ? gb_backends[i]->name : NULL;
}

/* Where a key's value lives in struct gb_job: its offset and size. */
#define JOB(m) .offset = offsetof(struct gb_job, m), .size = sizeof(((struct gb_job *)0)->m)

const struct gb_option gb_options[] = {
	{ "workload", GB_OPT_ENUM, JOB(workload), .choice = workload_choice,
	  .help = "what to measure. Required in a job file; on the command line without a job "
		  "file, omitting it runs every workload the backend can do (those needing an "
		  "importer only with --importer)" },
	{ "backend", GB_OPT_ENUM, JOB(backend), .choice = backend_choice, .def = "dumb",
	  .help = "who makes the buffers (gembench --list says what each does). When not given, "
		  "a device that names a backend selects it (--device i915 = --backend i915)" },
	{ "device", GB_OPT_STR, JOB(device),
	  .help = "the backend's device: DRM driver name (vgem, virtio_gpu, i915) or node path; "
		  "heap name for dmaheap. Absent or not ours to open: the job is skipped (exit 77)" },
	{ "importer", GB_OPT_STR, JOB(importer),
	  .help = "DRM driver name or node the buffers are imported into: needed by import and "
		  "integrity, optional for occupancy and sync" },
	{ "variant", GB_OPT_STR, JOB(variant),
	  .help = "run only this variant (e.g. an mmap type; gembench --list names them); "
		  "default all" },
	{ "sizes", GB_OPT_SIZES, JOB(sizes), .count_offset = offsetof(struct gb_job, nsizes),
	  .def = "4K,64K,1M",
	  .help = "buffer sizes: list (4K,64K,1M) or power-of-two range (4K..16M); multiples of "
		  "4K, at most 1T" },
	{ "iterations", GB_OPT_UINT, JOB(iterations), .min = 1, .max = UINT64_MAX, .def = "100",
	  .help = "measured operations per repetition" },
	{ "duration", GB_OPT_DURATION, JOB(duration_ns), .def = "0",
	  .help = "measured time per repetition (500ms, 2s); overrides iterations when set" },
	{ "reps", GB_OPT_UINT, JOB(reps), .min = 1, .max = GB_MAX_REPS, .def = "3",
	  .help = "repetitions per (workload, size); each one is kept" },
	{ "warmup", GB_OPT_UINT, JOB(warmup), .min = 0, .max = UINT64_MAX, .def = "2",
	  .help = "unmeasured operations before the first repetition" },
	{ "warmup_time", GB_OPT_DURATION, JOB(warmup_ns), .def = "0",
	  .help = "unmeasured operations for at least this long (20ms) before the first repetition, "
		  "after the warmup ones: the kernel's caches settle into the row's steady state "
		  "before it is measured; 0 = warmup operations only" },
	{ "cycles", GB_OPT_UINT, JOB(cycles), .min = 0, .max = UINT64_MAX, .def = "0",
	  .help = "occupancy: create/map/close cycles per repetition (0 = iterations)" },
	{ "log_wait", GB_OPT_DURATION, JOB(log_wait_ns), .def = "5s",
	  .help = "after a row whose failures the kernel logged, wait until this long after its "
		  "start so the kernel's rate-limited warnings (10 per 5 s) show in the next row; "
		  "0 = never" },
	{ "compact", GB_OPT_BOOL, JOB(compact), .def = "false",
	  .help = "before each row, compact memory (/proc/sys/vm/compact_memory, root): every "
		  "row starts from the same free memory, boot after boot, whatever ran before it; "
		  "each row says whether it was done (\"memory_compacted\")" },
	{ "profile", GB_OPT_BOOL, JOB(profile), .def = "false",
	  .help = "record each row's measured region with `perf record -g` and keep the top "
		  "kernel/user symbols and folded stacks in the row (\"profile\"); without perf "
		  "or permission the row says why" },
	{ .name = NULL },
};

/* struct gb_job.given has one bit per key. */
_Static_assert(sizeof(gb_options) / sizeof(gb_options[0]) - 1 <= 32, "gb_job.given is 32 bits");

static void set_err(struct gb_opt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_err(struct gb_opt_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

const struct gb_option *gb_option_find(const char *key)
{
	for (const struct gb_option *o = gb_options; o->name; o++)
		if (!strcmp(o->name, key))
			return o;
	return NULL;
}

int gb_parse_size(const char *text, uint64_t *out, char *why, size_t why_len)
{
	uint64_t v;
	int ret = bl_parse_size(text, &v);

	/* the syntax is lib/units' (one parser for every program); the limits are gembench's */
	if (ret == -ERANGE) {
		snprintf(why, why_len, "'%s' is out of range", text);
		return -EINVAL;
	}
	if (ret) {
		const char *p = text + strspn(text, " \t");

		if (isdigit((unsigned char)*p))
			snprintf(why, why_len, "'%s' has an unknown unit (use K, M or G)", text);
		else
			snprintf(why, why_len, "'%s' is not a size (e.g. 4K, 64K, 1M)", text);
		return -EINVAL;
	}
	if (v == 0) {
		snprintf(why, why_len, "size '%s' is zero", text);
		return -EINVAL;
	}
	if (v > (1ull << 40)) {
		snprintf(why, why_len, "size '%s' is larger than 1T", text);
		return -EINVAL;
	}
	if (v % 4096) {
		snprintf(why, why_len, "size '%s' is not a multiple of 4K", text);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int gb_parse_sizes(const char *text, uint64_t *sizes, unsigned max, unsigned *n, char *why,
		   size_t why_len)
{
	char buf[512];
	char *save = NULL, *item;
	unsigned count = 0;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(why, why_len, "size list too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *dots = strstr(item, "..");
		uint64_t a, b;

		if (dots) {
			*dots = '\0';
			if (gb_parse_size(item, &a, why, why_len) ||
			    gb_parse_size(dots + 2, &b, why, why_len))
				return -EINVAL;
			if ((a & (a - 1)) || (b & (b - 1))) {
				snprintf(why, why_len, "range %s..%s: ends must be powers of two",
					 item, dots + 2);
				return -EINVAL;
			}
			if (a > b) {
				snprintf(why, why_len, "range %s..%s runs backwards", item, dots + 2);
				return -EINVAL;
			}
			for (uint64_t s = a; s <= b; s *= 2) {
				if (count == max) {
					snprintf(why, why_len, "more than %u sizes", max);
					return -EINVAL;
				}
				sizes[count++] = s;
			}
		} else {
			if (gb_parse_size(item, &a, why, why_len))
				return -EINVAL;
			if (count == max) {
				snprintf(why, why_len, "more than %u sizes", max);
				return -EINVAL;
			}
			sizes[count++] = a;
		}
	}
	if (!count) {
		snprintf(why, why_len, "no sizes given");
		return -EINVAL;
	}
	*n = count;
	return 0;
}

int gb_parse_duration(const char *text, uint64_t *ns, char *why, size_t why_len)
{
	uint64_t v;
	int ret = bl_parse_duration_ns(text, &v);

	if (ret == -ERANGE || (!ret && v > 86400ull * 1000000000ull)) {
		snprintf(why, why_len, "'%s' is longer than a day", text);
		return -EINVAL;
	}
	if (ret) {
		const char *p = text + strspn(text, " \t");

		if (isdigit((unsigned char)*p) || *p == '.')
			snprintf(why, why_len, "'%s' has an unknown unit (use ms, s or m)", text);
		else
			snprintf(why, why_len, "'%s' is not a duration (e.g. 500ms, 2s)", text);
		return -EINVAL;
	}
	*ns = v;
	return 0;
}

void gb_format_size(uint64_t size, char *buf, size_t len)
{
	if (size >= (1ull << 30) && !(size % (1ull << 30)))
		snprintf(buf, len, "%" PRIu64 "G", size >> 30);
	else if (size >= (1ull << 20) && !(size % (1ull << 20)))
		snprintf(buf, len, "%" PRIu64 "M", size >> 20);
	else if (size >= 1024 && !(size % 1024))
		snprintf(buf, len, "%" PRIu64 "K", size >> 10);
	else
		snprintf(buf, len, "%" PRIu64, size);
}

static int parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out, char *why,
		      size_t why_len)
{
	const char *p = text;
	char *end;
	unsigned long long v;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p)) {
		snprintf(why, why_len, "'%s' is not a whole number", text);
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(p, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || *end) {
		snprintf(why, why_len, "'%s' is not a whole number", text);
		return -EINVAL;
	}
	if (v < min) {
		snprintf(why, why_len, "'%s' is below the minimum %" PRIu64, text, min);
		return -EINVAL;
	}
	if (v > max) {
		snprintf(why, why_len, "'%s' is above the maximum %" PRIu64, text, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_bool(const char *text, bool *out, char *why, size_t why_len)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(text, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*out = false;
			return 0;
		}
	}
	snprintf(why, why_len, "'%s' is not true or false", text);
	return -EINVAL;
}

static int copy_str(char *dst, size_t len, const char *value, char *why, size_t why_len)
{
	if (strlen(value) >= len) {
		snprintf(why, why_len, "value longer than %zu characters", len - 1);
		return -EINVAL;
	}
	snprintf(dst, len, "%s", value);
	return 0;
}

/* @text as one of @o's choices, or -EINVAL naming them. */
static int parse_choice(const struct gb_option *o, const char *text, char *dst, char *why,
			size_t why_len)
{
	const char *c;

	for (size_t i = 0; (c = o->choice(i)); i++)
		if (!strcmp(c, text))
			return copy_str(dst, o->size, text, why, why_len);
	snprintf(why, why_len, "unknown %s '%s' (see gembench --list)", o->name, text);
	return -EINVAL;
}

/* Writes @value into @job where @o says, as @o's type says. 0 or -EINVAL with @why. */
static int set_value(struct gb_job *job, const struct gb_option *o, const char *value,
		     char *why, size_t why_len)
{
	void *field = (char *)job + o->offset;

	switch (o->type) {
	case GB_OPT_STR:
		return copy_str(field, o->size, value, why, why_len);
	case GB_OPT_ENUM:
		return parse_choice(o, value, field, why, why_len);
	case GB_OPT_SIZES:
		return gb_parse_sizes(value, field, (unsigned)(o->size / sizeof(uint64_t)),
				      (unsigned *)((char *)job + o->count_offset), why, why_len);
	case GB_OPT_UINT:
		return parse_uint(value, o->min, o->max, field, why, why_len);
	case GB_OPT_DURATION:
		return gb_parse_duration(value, field, why, why_len);
	case GB_OPT_BOOL:
		return parse_bool(value, field, why, why_len);
	}
	snprintf(why, why_len, "key has no type"); /* a broken table row; the unit test catches it */
	return -EINVAL;
}

int gb_job_set(struct gb_job *job, const char *key, const char *value, const char *where,
	       struct gb_opt_error *err)
{
	const struct gb_option *o = gb_option_find(key);
	char why[256] = "";

	if (!o) {
		set_err(err, "%s: unknown key '%s' (see gembench --help)", where, key);
		return -EINVAL;
	}
	if (set_value(job, o, value, why, sizeof(why))) {
		set_err(err, "%s: key '%s': %s", where, key, why);
		return -EINVAL;
	}
	job->given |= 1u << (o - gb_options);
	return 0;
}

bool gb_job_given(const struct gb_job *job, const char *key)
{
	const struct gb_option *o = gb_option_find(key);

	return o && (job->given & (1u << (o - gb_options)));
}

void gb_job_defaults(struct gb_job *job)
{
	char why[256];

	memset(job, 0, sizeof(*job));
	for (const struct gb_option *o = gb_options; o->name; o++) {
		int rc;

		if (!o->def)
			continue;
		rc = set_value(job, o, o->def, why, sizeof(why));
		(void)rc; /* the table's own defaults are valid; the unit test checks that */
	}
}

/*
 * Without a 'backend' key, a device given as a bare name that is also a
 * backend's name selects that backend: `--device i915` means the i915
 * backend (dumb buffers on an i915 node: --backend dumb --device i915).
 */
static void resolve_backend(struct gb_job *job)
{
	const struct gb_backend_ops *ops;

	if (gb_job_given(job, "backend") || !job->device[0] || strchr(job->device, '/'))
		return;
	ops = gb_backend_find(job->device);
	if (ops)
		snprintf(job->backend, sizeof(job->backend), "%s", ops->name);
}

bool gb_workload_fits(const struct gb_workload *w, const struct gb_job *job)
{
	const struct gb_backend_ops *ops = gb_backend_find(job->backend);
	const struct gb_variant *v;

	if (!ops || (w->caps & ~ops->caps) || (w->needs_importer && !job->importer[0]))
		return false;
	if (!job->variant[0])
		return true;
	for (v = gb_backend_variants(ops, w->feature); v && v->name; v++)
		if (!strcmp(v->name, job->variant))
			return true;
	return false;
}

/* --- job files ------------------------------------------------------------ */

#define MAX_PAIRS 1024

struct pair {
	char section[64];
	char key[64];
	char value[512];
	unsigned line;
};

struct reader {
	FILE *f;
	unsigned line;         /* lines handed to inih so far */
	struct pair *pairs;
	size_t npairs;
	char sections[GB_MAX_JOBS][64];
	unsigned section_line[GB_MAX_JOBS];
	size_t nsections;
	const char *path;
	struct gb_opt_error *err;
	int failed;
	char last_header[64];  /* name of the last "[section]" line read */
	unsigned last_header_line;
	char headers[GB_MAX_JOBS + 1][64]; /* every "[section]" line so far ([global] too) */
	unsigned header_line[GB_MAX_JOBS + 1];
	size_t nheaders;
};

/* A "[section]" line: refused when the section was given before (merging them hides a typo). */
static void note_header(struct reader *r)
{
	for (size_t i = 0; i < r->nheaders; i++) {
		if (strcmp(r->headers[i], r->last_header))
			continue;
		if (!r->failed) {
			set_err(r->err, "%s:%u: section [%s] given twice (first at line %u); one section per job",
				r->path, r->line, r->last_header, r->header_line[i]);
			r->failed = -EINVAL;
		}
		return;
	}
	if (r->nheaders < sizeof(r->headers) / sizeof(r->headers[0])) { /* more: on_pair refuses them */
		snprintf(r->headers[r->nheaders], sizeof(r->headers[0]), "%s", r->last_header);
		r->header_line[r->nheaders++] = r->line;
	}
}

static char *reader_gets(char *str, int num, void *stream)
{
	struct reader *r = stream;
	char *s = fgets(str, num, r->f);

	if (s) {
		const char *p = s;

		r->line++;
		/* inih reports no line for a section header; remember it here. */
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[' && !strchr(p, ']') && !r->failed) {
			set_err(r->err, "%s:%u: not INI syntax: section header without ']'",
				r->path, r->line);
			r->failed = -EINVAL;
		}
		if (*p == '[') {
			size_t n = strcspn(p + 1, "]\r\n");

			if (n >= sizeof(r->last_header))
				n = sizeof(r->last_header) - 1;
			memcpy(r->last_header, p + 1, n);
			r->last_header[n] = '\0';
			r->last_header_line = r->line;
			note_header(r);
		}
	}
	return s;
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;
	struct pair *p;
	bool known = false;

	if (r->failed)
		return 0;
	if (!section[0]) {
		set_err(r->err, "%s:%u: key '%s' outside any section (put it under [global])",
			r->path, r->line, name);
		r->failed = -EINVAL;
		return 0;
	}
	for (size_t i = 0; i < r->nsections; i++)
		if (!strcmp(r->sections[i], section))
			known = true;
	if (!known && strcmp(section, "global")) {
		if (r->nsections == GB_MAX_JOBS) {
			set_err(r->err, "%s:%u: more than %d jobs", r->path, r->line, GB_MAX_JOBS);
			r->failed = -EINVAL;
			return 0;
		}
		if (strlen(section) >= sizeof(r->sections[0])) {
			set_err(r->err, "%s:%u: section name too long", r->path, r->line);
			r->failed = -EINVAL;
			return 0;
		}
		snprintf(r->sections[r->nsections], sizeof(r->sections[0]), "%s", section);
		r->section_line[r->nsections++] =
			!strcmp(r->last_header, section) ? r->last_header_line : r->line;
	}
	if (r->npairs == MAX_PAIRS || strlen(name) >= sizeof(p->key) ||
	    strlen(value) >= sizeof(p->value)) {
		set_err(r->err, "%s:%u: key '%s': too many keys or value too long", r->path,
			r->line, name);
		r->failed = -EINVAL;
		return 0;
	}
	for (size_t i = 0; i < r->npairs; i++) {
		/* The last value silently winning hides the first: refuse, naming both lines. */
		if (!strcmp(r->pairs[i].section, section) && !strcmp(r->pairs[i].key, name)) {
			set_err(r->err, "%s:%u [%s]: key '%s' given twice (first at line %u)", r->path,
				r->line, section, name, r->pairs[i].line);
			r->failed = -EINVAL;
			return 0;
		}
	}
	p = &r->pairs[r->npairs++];
	snprintf(p->section, sizeof(p->section), "%s", section);
	snprintf(p->key, sizeof(p->key), "%s", name);
	snprintf(p->value, sizeof(p->value), "%s", value);
	p->line = r->line;
	/* Validate now so the first error names its own line. */
	{
		struct gb_job scratch;
		char where[400];

		gb_job_defaults(&scratch);
		snprintf(where, sizeof(where), "%s:%u [%s]", r->path, r->line, section);
		if (gb_job_set(&scratch, name, value, where, r->err))
			r->failed = -EINVAL;
	}
	return 1;
}

static int check_job(struct gb_job *job, struct gb_opt_error *err)
{
	const struct gb_workload *w;

	resolve_backend(job);
	if (!job->workload[0]) {
		set_err(err, "%s: job '%s': no 'workload' key", job->source, job->name);
		return -EINVAL;
	}
	w = gb_workload_find(job->workload);
	if (w && w->needs_importer && !job->importer[0]) {
		set_err(err, "%s: job '%s': workload '%s' needs an 'importer'", job->source,
			job->name, job->workload);
		return -EINVAL;
	}
	return 0;
}

/*
 * The command line named no workload: jobs[0] becomes one job per workload
 * the backend can do (gb_workload_fits), named "cli-WORKLOAD", in the
 * registration table's order.
 */
static int expand_workloads(struct gb_job *jobs, size_t max_jobs, size_t *njobs,
			    struct gb_opt_error *err)
{
	struct gb_job proto = jobs[0];
	size_t n = 0;

	resolve_backend(&proto);
	for (size_t i = 0; gb_workloads[i]; i++) {
		const struct gb_workload *w = gb_workloads[i];

		if (!gb_workload_fits(w, &proto))
			continue;
		if (n == max_jobs) {
			set_err(err, "command line: backend %s can do more than %zu workloads; "
				"name one with --workload", proto.backend, max_jobs);
			return -EINVAL;
		}
		jobs[n] = proto;
		snprintf(jobs[n].workload, sizeof(jobs[n].workload), "%s", w->name);
		snprintf(jobs[n].name, sizeof(jobs[n].name), "cli-%s", w->name);
		n++;
	}
	if (!n) {
		set_err(err, "command line: no workload given and backend %s can do none%s%s%s "
			"(see gembench --list)", proto.backend,
			proto.variant[0] ? " with variant '" : "", proto.variant,
			proto.variant[0] ? "'" : "");
		return -EINVAL;
	}
	*njobs = n;
	return 0;
}

static int apply_cli(struct gb_job *job, const struct gb_cli_opt *cli, size_t n_cli,
		     struct gb_opt_error *err)
{
	for (size_t i = 0; i < n_cli; i++) {
		char where[96];

		snprintf(where, sizeof(where), "command line --%s", cli[i].key);
		if (gb_job_set(job, cli[i].key, cli[i].value, where, err))
			return -EINVAL;
	}
	return 0;
}

int gb_jobs_load(const char *path, const struct gb_cli_opt *cli, size_t n_cli,
		 struct gb_job *jobs, size_t max_jobs, size_t *njobs, struct gb_opt_error *err)
{
	struct reader r;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	*njobs = 0;
	if (!path) {
		if (!max_jobs)
			return -EINVAL;
		gb_job_defaults(&jobs[0]);
		snprintf(jobs[0].name, sizeof(jobs[0].name), "cli");
		snprintf(jobs[0].source, sizeof(jobs[0].source), "command line");
		rc = apply_cli(&jobs[0], cli, n_cli, err);
		if (rc)
			return rc;
		if (!jobs[0].workload[0])
			return expand_workloads(jobs, max_jobs, njobs, err);
		rc = check_job(&jobs[0], err);
		if (!rc)
			*njobs = 1;
		return rc;
	}
	r.path = path;
	r.err = err;
	{
		char why[sizeof(err->msg)];
		int line;

		/* /dev/zero or a FIFO would never end a line, and the reader would wait forever. */
		rc = bl_check_text_file(path, BL_TEXT_FILE_MAX, why, sizeof(why));
		if (rc) {
			set_err(err, "%s", why);
			return rc;
		}

		if (bl_first_long_line(path, INI_MAX_LINE - 1, &line) == 1) {
			set_err(err, "%s:%d: line longer than %d characters (the INI reader's limit)",
				path, line, INI_MAX_LINE - 1);
			return -EINVAL;
		}
	}
	r.f = fopen(path, "re");
	if (!r.f) {
		rc = -errno;
		set_err(err, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	r.pairs = calloc(MAX_PAIRS, sizeof(*r.pairs));
	if (!r.pairs) {
		rc = -ENOMEM;
		goto out;
	}
	rc = ini_parse_stream(reader_gets, &r, on_pair, &r);
	if (r.failed) {
		rc = r.failed;
		goto out;
	}
	if (rc) {
		set_err(err, "%s:%d: not INI syntax (expected [section] or key = value)", path,
			rc > 0 ? rc : (int)r.line);
		rc = -EINVAL;
		goto out;
	}
	if (!r.nsections) {
		set_err(err, "%s: no job sections (only [global])", path);
		rc = -EINVAL;
		goto out;
	}
	if (r.nsections > max_jobs) {
		set_err(err, "%s: more than %zu jobs", path, max_jobs);
		rc = -EINVAL;
		goto out;
	}
	for (size_t j = 0; j < r.nsections; j++) {
		struct gb_job *job = &jobs[j];

		gb_job_defaults(job);
		snprintf(job->name, sizeof(job->name), "%s", r.sections[j]);
		snprintf(job->source, sizeof(job->source), "%s:%u", path, r.section_line[j]);
		/* [global] first, then the job's own keys: later wins. */
		for (int pass = 0; pass < 2; pass++) {
			for (size_t i = 0; i < r.npairs; i++) {
				const struct pair *p = &r.pairs[i];
				char where[400];

				if (strcmp(p->section, pass ? r.sections[j] : "global"))
					continue;
				snprintf(where, sizeof(where), "%s:%u [%s]", path, p->line, p->section);
				if (gb_job_set(job, p->key, p->value, where, err)) {
					rc = -EINVAL;
					goto out;
				}
			}
		}
		rc = apply_cli(job, cli, n_cli, err);
		if (!rc)
			rc = check_job(job, err);
		if (rc)
			goto out;
	}
	*njobs = r.nsections;
out:
	free(r.pairs);
	fclose(r.f);
	return rc;
}

/* "--reps N": the key and what its value looks like. */
static const char *metavar(enum gb_opt_type type)
{
	switch (type) {
	case GB_OPT_STR: return " TEXT";
	case GB_OPT_ENUM: return " NAME";
	case GB_OPT_SIZES: return " SIZES";
	case GB_OPT_UINT: return " N";
	case GB_OPT_DURATION: return " TIME";
	case GB_OPT_BOOL: return "[=BOOL]"; /* getopt: an optional value must be attached */
	}
	return " VALUE";
}

/* Prints @text after @indent columns, wrapped at blanks to 79 columns. */
static void print_wrapped(FILE *out, const char *text, int indent)
{
	const int width = 79 - indent;

	while (*text) {
		int n = (int)strlen(text);

		if (n > width) {
			n = width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0) /* one word longer than the line */
				n = (int)strcspn(text, " ");
		}
		fprintf(out, "%.*s\n", n, text);
		text += n;
		while (*text == ' ')
			text++;
		if (*text)
			fprintf(out, "%*s", indent, "");
	}
}

/*
 * One key's description as --help and the bouncelab-jobs(5) page give it:
 * the help, the choices or range, the default. 0, or -ENOMEM.
 */
static int describe(const struct gb_option *o, char *text, size_t size)
{
	FILE *m = fmemopen(text, size, "w");
	const char *c;
	long len;

	if (!m)
		return -ENOMEM;
	fprintf(m, "%s", o->help);
	if (o->type == GB_OPT_ENUM) {
		fprintf(m, ". One of:");
		for (size_t i = 0; (c = o->choice(i)); i++)
			fprintf(m, " %s", c);
	}
	if (o->type == GB_OPT_UINT && o->max != UINT64_MAX)
		fprintf(m, " (%" PRIu64 "..%" PRIu64 ")", o->min, o->max);
	else if (o->type == GB_OPT_UINT && o->min)
		fprintf(m, " (>= %" PRIu64 ")", o->min);
	if (o->type == GB_OPT_BOOL)
		fprintf(m, ". true or false; --%s alone means true", o->name);
	if (o->def)
		fprintf(m, " [default: %s]", o->def);
	len = ftell(m);
	fclose(m);
	len = len < 0 ? 0 : len;
	text[(size_t)len < size ? (size_t)len : size - 1] = '\0';
	return 0;
}

#define GB_FORMS_HELP                                                                    \
	"SIZES: 4K, 64K, 1M, 2G or bytes (multiples of 4K). TIME: 500ms, 2s, 1m\n"       \
	"(us, ms, s, m; a bare number is seconds; at most a day).\n"

void gb_options_help(FILE *out)
{
	fprintf(out, "Job keys (in a job file as KEY = VALUE, or --KEY VALUE on the command line):\n");
	for (const struct gb_option *o = gb_options; o->name; o++) {
		char head[40], text[1024];

		if (describe(o, text, sizeof(text)))
			return;
		snprintf(head, sizeof(head), "--%s%s", o->name, metavar(o->type));
		fprintf(out, "  %-20s ", head);
		if (strlen(head) > 20)
			fprintf(out, "\n%*s", 23, "");
		print_wrapped(out, text, 23);
	}
	fprintf(out, GB_FORMS_HELP);
}

/* Text for scdoc(5): its markup characters ('*', '_', '\\') escaped. */
static void scdoc_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '*' || *s == '_' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
}

void gb_options_scdoc(FILE *out)
{
	for (const struct gb_option *o = gb_options; o->name; o++) {
		char text[1024];

		if (describe(o, text, sizeof(text)))
			return;
		fputc('*', out);
		scdoc_text(out, o->name);
		/* in a job file a bool takes a value like any key */
		fprintf(out, "* = _%s_\n\t", o->type == GB_OPT_BOOL ? "BOOL" : metavar(o->type) + 1);
		scdoc_text(out, text);
		fprintf(out, "\n\n");
	}
	scdoc_text(out, GB_FORMS_HELP);
}
