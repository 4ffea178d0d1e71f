/*
 * bouncelabd configuration (see daemon_config.h). inih calls kv_handler()
 * once per key; the key is looked up in one table (section, name, type,
 * default, help) that also drives --help-config, so a key cannot be
 * accepted without being documented. [schedule NAME] sections are
 * collected into cfg->schedules and checked as a whole by
 * bld_config_check() once the file and the command line are both read.
 */
#include "daemon_config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "compare.h"
#include "daemon_campaign.h"
#include "fsutil.h"
#include "lab_kver.h"
#include "log.h"
#include "paths.h"
#include "resultdoc.h"
#include "units.h"

enum key_type { K_STR, K_SIZE, K_DURATION, K_INT, K_COUNT, K_BOOL, K_MODE, K_TIME, K_ARGV, K_LAB, K_ON };

struct key_def {
	const char *section; /* "schedule" matches every [schedule NAME] */
	const char *name;
	enum key_type type;
	size_t offset;	     /* into struct bld_config, or struct bld_schedule for "schedule" */
	const char *def;     /* default as written in the file, for --help-config */
	const char *help;
};

#define CFG(m)	 offsetof(struct bld_config, m)
#define SCHED(m) offsetof(struct bld_schedule, m)

static const struct key_def keys[] = {
	{ "daemon", "db", K_STR, CFG(db_path), BL_DEFAULT_DB " ($BOUNCELAB_DB)", "SQLite database" },
	{ "daemon", "socket", K_STR, CFG(socket_path), BL_DEFAULT_SOCKET, "unix socket of the HTTP API" },
	{ "daemon", "socket_mode", K_MODE, CFG(socket_mode), "0660", "permissions of the unix socket" },
	{ "daemon", "listen", K_STR, CFG(listen), "(none)", "loopback TCP listener 127.0.0.1:PORT (needs token_file)" },
	{ "daemon", "token_file", K_STR, CFG(token_file), "(none)", "file holding the bearer token for TCP writes" },
	{ "daemon", "log_file", K_STR, CFG(log_file), "(stderr)", "log file, reopened on SIGHUP" },
	{ "daemon", "max_body", K_SIZE, CFG(max_body), "16M", "largest request body (413 above)" },
	{ "daemon", "max_held", K_SIZE, CFG(max_held), "32M",
	  "request bytes held at once over all connections (at least max_body); a connection beyond it gets 503" },
	{ "daemon", "health_min_free", K_SIZE, CFG(health_min_free), "4M",
	  "free space on the database's file system below which /healthz answers 503 (writes would fail)" },
	{ "daemon", "max_headers", K_SIZE, CFG(max_headers), "16K", "largest request header block" },
	{ "daemon", "timeout", K_DURATION, CFG(timeout_ms), "30s", "idle/read/write timeout of a connection" },
	{ "daemon", "max_connections", K_INT, CFG(max_connections), "512", "open HTTP connections at once; more wait" },
	{ "daemon", "parse_threads", K_COUNT, CFG(parse_threads), "1", "threads parsing POSTed documents over 64 KiB (smaller ones, and all with 0: on the event loop)" },
	{ "daemon", "fsync_commits", K_BOOL, CFG(fsync_commits), "false",
	  "fsync every commit (SQLite synchronous=FULL): an answered 201 survives a power loss, not only a killed daemon" },
	{ "daemon", "gembench", K_STR, CFG(gembench), "gembench", "program a schedule runs when it has no command" },
	{ "daemon", "bouncelab", K_STR, CFG(bouncelab), "bouncelab",
	  "program a lab schedule runs (`bouncelab lab`; PATH, then beside bouncelabd)" },
	{ "daemon", "campaigns", K_STR, CFG(campaigns), "(DB's folder)/campaigns",
	  "where lab campaigns write: <campaigns>/<schedule>/<UTC time>/; kept after storing" },
	{ "monitor", "enabled", K_BOOL, CFG(monitor), "true", "sample swiotlb/dma tracepoints system-wide" },
	{ "monitor", "tracefs", K_STR, CFG(tracefs), "(auto)", "tracefs root holding events/ (default: /sys/kernel/tracing, then debugfs)" },
	{ "monitor", "interval", K_DURATION, CFG(monitor_interval_ms), "10s", "one sample per device per interval" },
	{ "schedule", "every", K_DURATION, SCHED(every_s), "(none)", "run every DURATION (since the last start)" },
	{ "schedule", "at", K_TIME, SCHED(at_minute), "(none)", "run daily at HH:MM local time" },
	{ "schedule", "job", K_STR, SCHED(job), "(none)", "job file; {job} in command" },
	{ "schedule", "timeout", K_DURATION, SCHED(timeout_ms), "1h", "kill the run's process group after this" },
	{ "schedule", "baseline", K_STR, SCHED(baseline), "(none)",
	  "compare each run with the runs this selector picks (job=nightly,last=5) and store the verdict" },
	{ "schedule", "command", K_ARGV, SCHED(argv), "GEMBENCH --job {job} --json -",
	  "program and arguments split at blanks (no shell); stdout = result document(s)" },
	{ "schedule", "lab", K_LAB, SCHED(lab), "(none)",
	  "a testbed campaign instead of a command: kernels=LIST, modes=LIST, boots=N, job=FILE "
	  "(required), clock=icount|wall, timeout=DURATION of one boot; runs `bouncelab lab` and stores "
	  "every document it writes, then judges them as one night" },
	{ "schedule", "on", K_ON, SCHED(on), "(none)",
	  "new-kernel SERIES (6.12): run a lab schedule when apt's index has a version of SERIES newer "
	  "than the one it last ran (instead of every/at)" },
	{ "schedule", "poll", K_DURATION, SCHED(poll_ms), "60m", "with on = new-kernel: ask apt's index at most this often" },
};

struct load_state {
	struct bld_config *cfg;
	const char *path;
	char *err;
	size_t errlen;
	bool failed;
	bool sched_seen[BLD_SCHEDULE_MAX]; /* every/at set, to refuse both */
};

int bld_set_str(char **dst, const char *src)
{
	char *copy = NULL;

	if (src) {
		copy = strdup(src);
		if (!copy)
			return -ENOMEM;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

int bld_parse_time_of_day(const char *s, int *out_min)
{
	int h, m, n = 0;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] || h < 0 || h > 23 || m < 0 || m > 59)
		return -EINVAL;
	*out_min = h * 60 + m;
	return 0;
}

static void free_argv(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

/* Splits @s at blanks into a NULL-terminated vector. No quoting: no shell. */
static int split_argv(const char *s, char ***out)
{
	char **argv = NULL;
	size_t n = 0;
	const char *p = s;

	while (*p) {
		const char *start;
		char **grown;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		grown = realloc(argv, (n + 2) * sizeof(*argv));
		if (!grown)
			goto nomem;
		argv = grown;
		argv[n] = strndup(start, (size_t)(p - start));
		if (!argv[n])
			goto nomem;
		argv[++n] = NULL;
	}
	if (!n)
		return -EINVAL;
	*out = argv;
	return 0;
nomem:
	if (argv)
		argv[n] = NULL;
	free_argv(argv);
	return -ENOMEM;
}

static struct bld_schedule *find_schedule(struct load_state *st, const char *name, bool *fresh)
{
	struct bld_config *c = st->cfg;
	struct bld_schedule *s;

	*fresh = false;
	for (size_t i = 0; i < c->n_schedules; i++)
		if (!strcmp(c->schedules[i].name, name))
			return &c->schedules[i];
	if (c->n_schedules == BLD_SCHEDULE_MAX || strlen(name) >= BLD_NAME_MAX)
		return NULL;
	s = &c->schedules[c->n_schedules++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->every_s = -1;
	s->at_minute = -1;
	s->timeout_ms = 3600 * 1000;
	s->poll_ms = -1; /* not given: BLD_POLL_DEFAULT_MS (set after the check, which refuses it without 'on') */
	*fresh = true;
	return s;
}

static bool name_ok(const char *name)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

/* "new-kernel 6.12" -> the series, checked the way `bouncelab lab --kernels` checks one. */
static int parse_on(const char *value, char **series, char *why, size_t whylen)
{
	static const char verb[] = "new-kernel";
	struct lab_kver kv;
	const char *p = value;
	char err[256];

	if (strncmp(p, verb, sizeof(verb) - 1) || !isspace((unsigned char)p[sizeof(verb) - 1])) {
		snprintf(why, whylen, "expected new-kernel SERIES (new-kernel 6.12)");
		return -EINVAL;
	}
	p += sizeof(verb) - 1;
	while (isspace((unsigned char)*p))
		p++;
	if (lab_kver_parse(p, &kv, err, sizeof(err)) < 0) {
		snprintf(why, whylen, "%s", err);
		return -EINVAL;
	}
	if (kv.kind != LAB_KVER_SERIES) {
		snprintf(why, whylen, "'%s' is not a series (6.1, 6.12, 6.12:cloud): a new version of what?", p);
		return -EINVAL;
	}
	return bld_set_str(series, p);
}

static int set_value(const struct key_def *k, void *base, const char *value, const char **why, char *whybuf,
		     size_t whylen)
{
	void *field = (char *)base + k->offset;
	int64_t ms;

	*why = NULL;
	switch (k->type) {
	case K_STR:
		return bld_set_str(field, *value ? value : NULL);
	case K_SIZE: {
		uint64_t bytes;

		if (bl_parse_size(value, &bytes) < 0 || bytes > SIZE_MAX)
			*why = "expected a size such as 4096, 64K or 16M";
		else
			*(size_t *)field = (size_t)bytes;
		break;
	}
	case K_DURATION: {
		uint64_t ns;

		if (bl_parse_duration_ns(value, &ns) < 0) {
			*why = "expected a duration such as 500ms, 10s, 2m, 1h";
			break;
		}
		/* To the nearest ms: (ns + 500000) / 1000000, which could wrap near UINT64_MAX. */
		ms = (int64_t)(ns / 1000000 + (ns % 1000000 >= 500000));
		if (!strcmp(k->name, "every")) /* stored in seconds */
			*(int64_t *)field = ms / 1000;
		else
			*(int64_t *)field = ms;
		break;
	}
	case K_INT:
	case K_COUNT: {
		char *end;
		long v;

		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < (k->type == K_COUNT ? 0 : 1) || v > 1000000)
			*why = k->type == K_COUNT ? "expected an integer >= 0" : "expected a positive integer";
		else
			*(int *)field = (int)v;
		break;
	}
	case K_BOOL:
		if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1") || !strcmp(value, "on"))
			*(bool *)field = true;
		else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "0") || !strcmp(value, "off"))
			*(bool *)field = false;
		else
			*why = "expected true or false";
		break;
	case K_MODE: {
		char *end;
		long v = strtol(value, &end, 8);

		if (end == value || *end || v < 0 || v > 0777)
			*why = "expected an octal mode such as 0660";
		else
			*(int *)field = (int)v;
		break;
	}
	case K_TIME:
		if (bld_parse_time_of_day(value, field) < 0)
			*why = "expected a time of day HH:MM";
		break;
	case K_ARGV: {
		char **argv;
		int ret = split_argv(value, &argv);

		if (ret == -ENOMEM)
			return ret;
		if (ret < 0) {
			*why = "expected a program and its arguments";
			break;
		}
		free_argv(*(char ***)field);
		*(char ***)field = argv;
		break;
	}
	case K_LAB: {
		struct bld_lab *lab;
		int ret = bld_lab_parse(value, &lab, whybuf, whylen);

		if (ret == -ENOMEM)
			return ret;
		if (ret < 0) {
			*why = whybuf;
			break;
		}
		bld_lab_free(*(struct bld_lab **)field);
		*(struct bld_lab **)field = lab;
		break;
	}
	case K_ON: {
		struct bld_schedule *sc = base;
		int ret = parse_on(value, &sc->new_kernel, whybuf, whylen);

		if (ret == -ENOMEM)
			return ret;
		if (ret < 0)
			*why = whybuf;
		else
			return bld_set_str(field, value);
		break;
	}
	}
	return 0;
}

/*
 * Does the comma list @kernels (a lab's kernels=) name a kernel of @series
 * (on = new-kernel: 6.12, 6.12:cloud)? Both read by the lab's own selector
 * parser: same series and flavour (6.12.118 and 6.12.107..6.12.118 name
 * 6.12; 6.1 and 6.12:cloud do not).
 */
static bool kernels_name_series(const char *kernels, const char *series)
{
	char list[512], err[160];
	struct lab_kver want, k;
	char *save = NULL;

	if (lab_kver_parse(series, &want, err, sizeof(err)) < 0 ||
	    snprintf(list, sizeof(list), "%s", kernels) >= (int)sizeof(list))
		return true; /* not ours to judge: the parsers said what is wrong already */
	for (char *item = strtok_r(list, ", \t", &save); item; item = strtok_r(NULL, ", \t", &save))
		if (lab_kver_parse(item, &k, err, sizeof(err)) == 0 && !strcmp(k.series, want.series) &&
		    !strcmp(k.flavour, want.flavour))
			return true;
	return false;
}

static int kv_handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_state *st = user;
	const char *kind = section;
	const char *why = NULL;
	char whybuf[384];
	void *base = st->cfg;
	int ret;

	if (st->failed)
		return 0;
	if (!strncmp(section, "schedule", 8) && isspace((unsigned char)section[8])) {
		const char *sname = section + 9;
		bool fresh;
		struct bld_schedule *s;

		while (isspace((unsigned char)*sname))
			sname++;
		if (!name_ok(sname)) {
			snprintf(st->err, st->errlen, "%s: [%s]: schedule names are letters, digits, - _ .",
				 st->path, section);
			st->failed = true;
			return 0;
		}
		s = find_schedule(st, sname, &fresh);
		if (!s) {
			snprintf(st->err, st->errlen, "%s: [%s]: too many schedules (at most %d) or name too long",
				 st->path, section, BLD_SCHEDULE_MAX);
			st->failed = true;
			return 0;
		}
		kind = "schedule";
		base = s;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].section, kind) || strcmp(keys[i].name, name))
			continue;
		ret = set_value(&keys[i], base, value, &why, whybuf, sizeof(whybuf));
		if (ret < 0) {
			snprintf(st->err, st->errlen, "%s: [%s] %s: %s", st->path, section, name, strerror(-ret));
			st->failed = true;
			return 0;
		}
		if (why) {
			snprintf(st->err, st->errlen, "%s: [%s] %s = '%s': %s", st->path, section, name, value, why);
			st->failed = true;
			return 0;
		}
		if (base != st->cfg && !strcmp(name, "at"))
			((struct bld_schedule *)base)->when = BLD_WHEN_AT;
		else if (base != st->cfg && !strcmp(name, "every"))
			((struct bld_schedule *)base)->when = BLD_WHEN_EVERY;
		else if (base != st->cfg && !strcmp(name, "on"))
			((struct bld_schedule *)base)->when = BLD_WHEN_NEW_KERNEL;
		return 1;
	}
	snprintf(st->err, st->errlen, "%s: [%s] %s: unknown key (see bouncelabd --help-config)", st->path,
		 section, name);
	st->failed = true;
	return 0;
}

int bld_config_defaults(struct bld_config *c)
{
	memset(c, 0, sizeof(*c));
	c->socket_mode = 0660;
	c->max_body = BL_RESULTDOC_MAX_BYTES;
	c->max_held = 32 << 20;
	c->health_min_free = 4 << 20;
	c->max_headers = 16 << 10;
	c->timeout_ms = 30 * 1000;
	c->max_connections = 512;
	c->parse_threads = 1;
	c->monitor = true;
	c->monitor_interval_ms = 10 * 1000;
	if (bld_set_str(&c->db_path, bl_default_db_path()) ||
	    bld_set_str(&c->socket_path, bl_default_socket_path()) || bld_set_str(&c->gembench, "gembench") ||
	    bld_set_str(&c->bouncelab, "bouncelab")) {
		bld_config_free(c);
		return -ENOMEM;
	}
	return 0;
}

int bld_config_load(struct bld_config *c, const char *path, char *err, size_t errlen)
{
	struct load_state st = { .cfg = c, .path = path, .err = err, .errlen = errlen };
	int line;

	struct stat sb;
	int ret;

	err[0] = '\0';
	/* A device or FIFO would never end a line; a huge file is not a config. */
	ret = bl_check_text_file(path, BL_TEXT_FILE_MAX, err, errlen);
	if (ret)
		return ret;
	/* It names the database, the socket and the token file: nobody else may change it. */
	if (stat(path, &sb) == 0 && (sb.st_mode & 022)) {
		snprintf(err, errlen, "%s: mode %04o lets others change it (it names the database and the token file); "
				      "chmod go-w it",
			 path, (unsigned)(sb.st_mode & 07777));
		return -EPERM;
	}
	if (bl_first_long_line(path, INI_MAX_LINE - 1, &line) == 1) {
		snprintf(err, errlen, "%s:%d: line longer than %d characters (the INI reader's limit): "
				      "shorten it",
			 path, line, INI_MAX_LINE - 1);
		return -EINVAL;
	}
	line = ini_parse(path, kv_handler, &st);
	if (line == -1) {
		int e = errno ? errno : ENOENT;

		snprintf(err, errlen, "%s: open: %s", path, strerror(e));
		return -e;
	}
	if (line == -2) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	if (line > 0) {
		/* inih stops at the first error and returns its line. */
		if (st.failed) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", err);
			snprintf(err, errlen, "%s (line %d)", msg, line);
		} else {
			snprintf(err, errlen, "%s:%d: syntax error", path, line);
		}
		return -EINVAL;
	}
	return 0;
}

int bld_config_check(const struct bld_config *c, char *err, size_t errlen)
{
	if (c->listen && !c->token_file) {
		snprintf(err, errlen, "listen %s: a token file is required (--token-file, [daemon] token_file)",
			 c->listen);
		return -EINVAL;
	}
	if (!c->socket_path && !c->listen) {
		snprintf(err, errlen, "no listener: give a socket or listen address");
		return -EINVAL;
	}
	if (c->parse_threads > 64) {
		snprintf(err, errlen, "[daemon] parse_threads: at most 64");
		return -EINVAL;
	}
	if (c->monitor_interval_ms < 100) {
		snprintf(err, errlen, "[monitor] interval: at least 100ms");
		return -EINVAL;
	}
	if (c->timeout_ms < 100) {
		snprintf(err, errlen, "[daemon] timeout: at least 100ms");
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_schedules; i++) {
		const struct bld_schedule *s = &c->schedules[i];
		bool every = s->every_s >= 0, at = s->at_minute >= 0, on = s->on != NULL;

		if (every + at + on != 1) {
			snprintf(err, errlen, "[schedule %s]: give exactly one of 'every', 'at' or 'on'", s->name);
			return -EINVAL;
		}
		if (s->lab && s->argv) {
			snprintf(err, errlen, "[schedule %s]: 'lab' and 'command' exclude each other (a lab schedule "
					      "runs bouncelab lab)", s->name);
			return -EINVAL;
		}
		if (s->lab && s->job) {
			snprintf(err, errlen, "[schedule %s]: 'job' with 'lab': give the job file once, as lab = ... job=FILE",
				 s->name);
			return -EINVAL;
		}
		if (on && !s->lab) {
			snprintf(err, errlen, "[schedule %s] on = %s: only a lab schedule can wait for a new kernel (add "
					      "lab = ...)", s->name, s->on);
			return -EINVAL;
		}
		if (on && s->lab && s->lab->kernels && s->new_kernel &&
		    !kernels_name_series(s->lab->kernels, s->new_kernel))
			bl_warn("[schedule %s] on = new-kernel %s: lab kernels=%s boots those, not the new %s "
				"version (leave kernels= out to boot the version that appeared)",
				s->name, s->new_kernel, s->lab->kernels, s->new_kernel);
		if (!on && s->poll_ms >= 0) {
			snprintf(err, errlen, "[schedule %s] poll: only with on = new-kernel SERIES", s->name);
			return -EINVAL;
		}
		if (on && s->poll_ms >= 0 && s->poll_ms < 60 * 1000) {
			snprintf(err, errlen, "[schedule %s] poll: at least 1m (each poll asks apt's index)", s->name);
			return -EINVAL;
		}
		if (every && s->every_s < 1) {
			snprintf(err, errlen, "[schedule %s] every: at least 1s", s->name);
			return -EINVAL;
		}
		if (!s->argv && !s->job && !s->lab) {
			snprintf(err, errlen, "[schedule %s]: needs a 'job' file (or a 'command')", s->name);
			return -EINVAL;
		}
		if (s->timeout_ms < 100) {
			snprintf(err, errlen, "[schedule %s] timeout: at least 100ms", s->name);
			return -EINVAL;
		}
		if (s->baseline) {
			struct bl_selector sel;
			char why[256];

			if (bl_selector_parse(s->baseline, &sel, why, sizeof(why)) < 0) {
				snprintf(err, errlen, "[schedule %s] baseline: %s", s->name, why);
				return -EINVAL;
			}
			bl_selector_free(&sel);
		}
	}
	return 0;
}

void bld_config_free(struct bld_config *c)
{
	free(c->db_path);
	free(c->socket_path);
	free(c->listen);
	free(c->token_file);
	free(c->log_file);
	free(c->gembench);
	free(c->bouncelab);
	free(c->campaigns);
	free(c->tracefs);
	for (size_t i = 0; i < c->n_schedules; i++) {
		free(c->schedules[i].job);
		free(c->schedules[i].baseline);
		free_argv(c->schedules[i].argv);
		bld_lab_free(c->schedules[i].lab);
		free(c->schedules[i].on);
		free(c->schedules[i].new_kernel);
	}
	memset(c, 0, sizeof(*c));
}

void bld_config_help(FILE *out)
{
	const char *last = "";

	fprintf(out, "bouncelabd configuration keys (INI):\n");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(last, keys[i].section)) {
			fprintf(out, "\n[%s%s]\n", keys[i].section, strcmp(keys[i].section, "schedule") ? "" : " NAME");
			last = keys[i].section;
		}
		fprintf(out, "  %-16s %-36s default: %s\n", keys[i].name, keys[i].help, keys[i].def);
	}
}
