/*
 * Diagnostics for every bouncelab program: one line per message on stderr
 * (or a log file the daemon reopens on SIGHUP), prefixed with the program
 * name and the level. Result documents never carry diagnostics; they go here.
 */
#ifndef BL_LOG_H
#define BL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum bl_log_level {
	BL_LOG_ERR,   /* the operation failed */
	BL_LOG_WARN,  /* something is missing or odd; work goes on */
	BL_LOG_INFO,  /* what happened, for a person watching */
	BL_LOG_DEBUG, /* only with -v */
};

/* Sets the prefix ("gembench") and the most verbose level printed. */
void bl_log_init(const char *progname, enum bl_log_level max_level);
/* Sends messages to @path (appending) instead of stderr; NULL = stderr. 0 or -errno. */
int bl_log_open(const char *path);
void bl_log(enum bl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bl_vlog(enum bl_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define bl_err(...)   bl_log(BL_LOG_ERR, __VA_ARGS__)
#define bl_warn(...)  bl_log(BL_LOG_WARN, __VA_ARGS__)
#define bl_info(...)  bl_log(BL_LOG_INFO, __VA_ARGS__)
#define bl_debug(...) bl_log(BL_LOG_DEBUG, __VA_ARGS__)

/*
 * Log back-off for a source that keeps failing (collectd's c_complain): a
 * daemon that retries every few seconds says the failure once, then again
 * after 1, 2, 4 ... minutes (at most once a day), and once more, as info,
 * when it works again. One zero-initialised struct per source of failure.
 */
struct bl_complain {
	int64_t next_ns;     /* do not log again before this (CLOCK_MONOTONIC) */
	int64_t interval_ns; /* the wait after the last message: doubles, up to a day */
	bool failing;	     /* a failure was logged and has not been released */
	uint64_t suppressed; /* failures not logged since the last message */
};

#define BL_COMPLAIN_FIRST_NS (60LL * 1000000000LL)	   /* the first wait */
#define BL_COMPLAIN_MAX_NS   (86400LL * 1000000000LL) /* the longest wait */

/* Logs a warning now or not at all, by @c's back-off. Returns 1 when it logged, else 0. */
int bl_complain(struct bl_complain *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* bl_complain() at @now_ns (monotonic), for a caller that has the time already, and tests. */
int bl_complain_at(struct bl_complain *c, int64_t now_ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The failure is over: logs @fmt (info) once when a failure had been logged, and resets @c. */
void bl_complain_release(struct bl_complain *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Formats into @err (@len bytes, truncated); nothing when @err is NULL or @len 0. */
void bl_seterr(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
