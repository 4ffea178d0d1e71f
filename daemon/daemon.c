/*
 * Small helpers every part of bouncelabd uses (see daemon.h); the daemon's
 * main() is in bouncelabd.c, which the library cannot contain.
 */
#include "daemon.h"

#include <time.h>

int64_t bld_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
