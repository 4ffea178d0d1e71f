/*
 * Diagnostics for every bouncelab program: one line per message on stderr
 * (or a log file the daemon reopens on SIGHUP), prefixed with the program
 * name and the level. Result documents never carry diagnostics; they go here.
 */
#ifndef BL_LOG_H
#define BL_LOG_H

#include <stdarg.h>
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
void bl_vlog(enum bl_log_level level, const char *fmt, va_list ap);

#define bl_err(...)   bl_log(BL_LOG_ERR, __VA_ARGS__)
#define bl_warn(...)  bl_log(BL_LOG_WARN, __VA_ARGS__)
#define bl_info(...)  bl_log(BL_LOG_INFO, __VA_ARGS__)
#define bl_debug(...) bl_log(BL_LOG_DEBUG, __VA_ARGS__)

#endif
