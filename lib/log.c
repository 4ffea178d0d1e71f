/*
 * Diagnostics: see log.h. The state is process-wide on purpose: every module
 * logs, and threading a logger through each call would buy nothing. The
 * complaint back-off's state is the caller's, one struct per source.
 */
#include "log.h"

#include "docwrite.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "bouncelab";
static enum bl_log_level log_max = BL_LOG_INFO;
static FILE *log_file; /* NULL = stderr */

static const char *const level_names[] = {
	[BL_LOG_ERR] = "error",
	[BL_LOG_WARN] = "warning",
	[BL_LOG_INFO] = "info",
	[BL_LOG_DEBUG] = "debug",
};

/*
 * stderr is the journal's stream (systemd sets $JOURNAL_STREAM to its
 * "device:inode"): each line then starts with its syslog priority, "<3>"
 * for an error, so journalctl -p err finds them.
 */
static bool log_journal;

static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void bl_log_init(const char *progname, enum bl_log_level max_level)
{
	log_prog = progname;
	log_max = max_level;
	log_journal = stderr_is_journal();
}

int bl_log_open(const char *path)
{
	FILE *f = NULL;

	if (path) {
		f = fopen(path, "ae");
		if (!f)
			return -errno;
		setvbuf(f, NULL, _IOLBF, 0);
	}
	if (log_file)
		fclose(log_file);
	log_file = f;
	return 0;
}

void bl_vlog(enum bl_log_level level, const char *fmt, va_list ap)
{
	FILE *out = log_file ? log_file : stderr;

	if (level > log_max)
		return;
	if (log_file) {
		/* A log file is read later: say when. */
		char stamp[BL_RFC3339_LEN];

		bl_rfc3339(NULL, stamp);
		fprintf(out, "%s ", stamp);
	}
	if (!log_file && log_journal) {
		/* syslog priorities: err 3, warning 4, info 6, debug 7 */
		static const int prio[] = { [BL_LOG_ERR] = 3, [BL_LOG_WARN] = 4, [BL_LOG_INFO] = 6, [BL_LOG_DEBUG] = 7 };

		fprintf(out, "<%d>", prio[level]);
	}
	fprintf(out, "%s: ", log_prog);
	if (level != BL_LOG_INFO)
		fprintf(out, "%s: ", level_names[level]);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
}

void bl_log(enum bl_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bl_vlog(level, fmt, ap);
	va_end(ap);
}

static __attribute__((format(printf, 3, 0))) int
complain_v(struct bl_complain *c, int64_t now_ns, const char *fmt, va_list ap)
{
	if (c->failing && now_ns < c->next_ns) {
		c->suppressed++;
		return 0;
	}
	c->interval_ns = c->failing ? c->interval_ns * 2 : BL_COMPLAIN_FIRST_NS;
	if (c->interval_ns > BL_COMPLAIN_MAX_NS)
		c->interval_ns = BL_COMPLAIN_MAX_NS;
	c->next_ns = now_ns + c->interval_ns;
	c->failing = true;
	c->suppressed = 0;
	bl_vlog(BL_LOG_WARN, fmt, ap);
	return 1;
}

int bl_complain_at(struct bl_complain *c, int64_t now_ns, const char *fmt, ...)
{
	va_list ap;
	int logged;

	va_start(ap, fmt);
	logged = complain_v(c, now_ns, fmt, ap);
	va_end(ap);
	return logged;
}

int bl_complain(struct bl_complain *c, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;
	int logged;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	va_start(ap, fmt);
	logged = complain_v(c, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, fmt, ap);
	va_end(ap);
	return logged;
}

void bl_complain_release(struct bl_complain *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->failing)
		return;
	*c = (struct bl_complain){ 0 };
	va_start(ap, fmt);
	bl_vlog(BL_LOG_INFO, fmt, ap);
	va_end(ap);
}

void bl_seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}
