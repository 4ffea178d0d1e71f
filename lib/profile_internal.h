/*
 * What lib/profile*.c share and nothing else may see: the error-message
 * helper every part of the profile module writes its @why/@err with.
 */
#ifndef BL_PROFILE_INTERNAL_H
#define BL_PROFILE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Formats into @err (@len bytes, truncated); nothing when @err is NULL or @len 0. */
static inline void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

#endif
