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
#include "workload.h"

const struct gb_option gb_options[] = {
	{ "workload", GB_OPT_NAME, NULL, 0,
	  "what to measure: create populate mmap export import sync integrity occupancy "
	  "bind pread userptr userptr-scattered. Required in a job file; on the command "
	  "line without a job file, omitting it runs every workload the backend can do "
	  "(those needing an importer only with --importer)" },
	{ "backend", GB_OPT_NAME, NULL, 0,
	  "who makes the buffers: dumb (any DRM driver), udmabuf, dmaheap, i915. "
	  "[default: the device when it names a backend (--device i915 = --backend i915), "
	  "else dumb]" },
	{ "device", GB_OPT_STR, NULL, 0,
	  "the backend's device: DRM driver name (vgem, virtio_gpu, i915) or node path; heap "
	  "name for dmaheap. Absent or not ours to open: the job is skipped (exit 77)" },
	{ "importer", GB_OPT_STR, NULL, 0,
	  "DRM driver name or node the buffers are imported into (import, integrity, occupancy)" },
	{ "variant", GB_OPT_STR, NULL, 0, "run only this variant (e.g. an mmap type); default all" },
	{ "sizes", GB_OPT_SIZES, "4K,64K,1M", 0,
	  "buffer sizes: list (4K,64K,1M) or power-of-two range (4K..16M); multiples of 4K" },
	{ "iterations", GB_OPT_UINT, "100", 1, "measured operations per repetition" },
	{ "duration", GB_OPT_DURATION, "0", 0,
	  "measured time per repetition (500ms, 2s); overrides iterations when set" },
	{ "reps", GB_OPT_UINT, "3", 1, "repetitions per (workload, size); each one is kept" },
	{ "warmup", GB_OPT_UINT, "2", 0, "unmeasured operations before the first repetition" },
	{ "cycles", GB_OPT_UINT, "0", 0,
	  "occupancy: create/map/close cycles per repetition (0 = iterations)" },
	{ "log_wait", GB_OPT_DURATION, "5s", 0,
	  "after a row whose failures the kernel logged, wait until this long after its start "
	  "so the kernel's rate-limited warnings (10 per 5 s) show in the next row; 0 = never" },
	{ "profile", GB_OPT_STR, "false", 0,
	  "true: record each row's measured region with `perf record -g` and keep the top "
	  "kernel/user symbols and folded stacks in the row (\"profile\"); without perf or "
	  "permission the row says why (--profile alone means true)" },
	{ NULL, 0, NULL, 0, NULL },
};

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

static const struct gb_option *find_option(const char *key)
{
	for (const struct gb_option *o = gb_options; o->name; o++)
		if (!strcmp(o->name, key))
			return o;
	return NULL;
}

int gb_parse_size(const char *text, uint64_t *out, char *why, size_t why_len)
{
	const char *p = text;
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p)) {
		snprintf(why, why_len, "'%s' is not a size (e.g. 4K, 64K, 1M)", text);
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno) {
		snprintf(why, why_len, "'%s' is out of range", text);
		return -EINVAL;
	}
	switch (toupper((unsigned char)*end)) {
	case 'K': mult = 1ull << 10; end++; break;
	case 'M': mult = 1ull << 20; end++; break;
	case 'G': mult = 1ull << 30; end++; break;
	default: break;
	}
	if (mult > 1 && (*end == 'i' || *end == 'I') && toupper((unsigned char)end[1]) == 'B')
		end += 2;
	else if (toupper((unsigned char)*end) == 'B')
		end++;
	while (isspace((unsigned char)*end))
		end++;
	if (*end) {
		snprintf(why, why_len, "'%s' has an unknown unit (use K, M or G)", text);
		return -EINVAL;
	}
	if (v == 0) {
		snprintf(why, why_len, "size '%s' is zero", text);
		return -EINVAL;
	}
	if (v > (1ull << 40) / mult) {
		snprintf(why, why_len, "size '%s' is larger than 1T", text);
		return -EINVAL;
	}
	v *= mult;
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
	const char *p = text;
	char *end;
	double v, mult = 1e9;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p) && *p != '.') {
		snprintf(why, why_len, "'%s' is not a duration (e.g. 500ms, 2s)", text);
		return -EINVAL;
	}
	errno = 0;
	v = strtod(p, &end);
	if (errno || v < 0) {
		snprintf(why, why_len, "'%s' is out of range", text);
		return -EINVAL;
	}
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mult = 1e9;
	else if (!strcmp(end, "ms"))
		mult = 1e6;
	else if (!strcmp(end, "us"))
		mult = 1e3;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mult = 60e9;
	else {
		snprintf(why, why_len, "'%s' has an unknown unit (use ms, s or m)", text);
		return -EINVAL;
	}
	if (v * mult > 86400e9) {
		snprintf(why, why_len, "'%s' is longer than a day", text);
		return -EINVAL;
	}
	*ns = (uint64_t)(v * mult);
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

static int parse_uint(const char *text, uint64_t min, uint64_t *out, char *why, size_t why_len)
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

int gb_job_set(struct gb_job *job, const char *key, const char *value, const char *where,
	       struct gb_opt_error *err)
{
	const struct gb_option *o = find_option(key);
	char why[256] = "";
	int rc = 0;

	if (!o) {
		set_err(err, "%s: unknown key '%s' (see gembench --help)", where, key);
		return -EINVAL;
	}
	if (!strcmp(key, "workload")) {
		if (!gb_workload_find(value)) {
			snprintf(why, sizeof(why), "unknown workload '%s' (see gembench --list)", value);
			rc = -EINVAL;
		} else {
			rc = copy_str(job->workload, sizeof(job->workload), value, why, sizeof(why));
		}
	} else if (!strcmp(key, "backend")) {
		if (!gb_backend_find(value)) {
			snprintf(why, sizeof(why), "unknown backend '%s' (see gembench --list)", value);
			rc = -EINVAL;
		} else {
			rc = copy_str(job->backend, sizeof(job->backend), value, why, sizeof(why));
			job->backend_given = !rc;
		}
	} else if (!strcmp(key, "device")) {
		rc = copy_str(job->device, sizeof(job->device), value, why, sizeof(why));
	} else if (!strcmp(key, "importer")) {
		rc = copy_str(job->importer, sizeof(job->importer), value, why, sizeof(why));
	} else if (!strcmp(key, "variant")) {
		rc = copy_str(job->variant, sizeof(job->variant), value, why, sizeof(why));
	} else if (!strcmp(key, "sizes")) {
		rc = gb_parse_sizes(value, job->sizes, GB_MAX_SIZES, &job->nsizes, why, sizeof(why));
	} else if (!strcmp(key, "duration")) {
		rc = gb_parse_duration(value, &job->duration_ns, why, sizeof(why));
	} else if (!strcmp(key, "log_wait")) {
		rc = gb_parse_duration(value, &job->log_wait_ns, why, sizeof(why));
	} else if (!strcmp(key, "profile")) {
		rc = parse_bool(value, &job->profile, why, sizeof(why));
	} else {
		uint64_t *dst = !strcmp(key, "iterations") ? &job->iterations :
				!strcmp(key, "reps")       ? &job->reps :
				!strcmp(key, "warmup")     ? &job->warmup :
							     &job->cycles;

		rc = parse_uint(value, o->min, dst, why, sizeof(why));
		if (!rc && dst == &job->reps && *dst > GB_MAX_REPS) {
			snprintf(why, sizeof(why), "'%s' is above the maximum %d", value, GB_MAX_REPS);
			rc = -EINVAL;
		}
	}
	if (rc) {
		set_err(err, "%s: key '%s': %s", where, key, why);
		return -EINVAL;
	}
	return 0;
}

void gb_job_defaults(struct gb_job *job)
{
	struct gb_opt_error err;

	memset(job, 0, sizeof(*job));
	for (const struct gb_option *o = gb_options; o->name; o++) {
		int rc;

		if (!o->def)
			continue;
		rc = gb_job_set(job, o->name, o->def, "defaults", &err);
		(void)rc;
		/* The table's own defaults are valid; the unit test checks that. */
	}
	/* No table default: the device may name the backend (resolve_backend). */
	snprintf(job->backend, sizeof(job->backend), "dumb");
	job->backend_given = false;
}

/*
 * Without a 'backend' key, a device given as a bare name that is also a
 * backend's name selects that backend: `--device i915` means the i915
 * backend (dumb buffers on an i915 node: --backend dumb --device i915).
 */
static void resolve_backend(struct gb_job *job)
{
	const struct gb_backend_ops *ops;

	if (job->backend_given || !job->device[0] || strchr(job->device, '/'))
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
};

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

void gb_options_help(FILE *out)
{
	fprintf(out, "Job keys (in a job file, or --KEY VALUE on the command line):\n");
	for (const struct gb_option *o = gb_options; o->name; o++)
		fprintf(out, "  --%-11s %s%s%s%s\n", o->name, o->help, o->def ? " [default: " : "",
			o->def ? o->def : "", o->def ? "]" : "");
}
