/*
 * The reference loop for gembench's overhead benchmark: the same ioctls as
 * the "create" workload on the dumb backend (MODE_CREATE_DUMB + GEM_CLOSE
 * through libdrm's drmIoctl), with nothing else in the loop: no per-op
 * clock, no counters, no histogram. bench/scripts/overhead.sh compares
 * gembench's ops/s against it in the same boot.
 */
#ifndef GB_BARELOOP_H
#define GB_BARELOOP_H

#include <stdint.h>
#include <stdio.h>

/*
 * Opens DRM device @spec, runs @reps loops of @iterations create+close of
 * @size bytes and writes one JSON line with each loop's ops/s to @out.
 * 0, or -errno (with a message on stderr).
 */
int gb_bare_loop(const char *spec, uint64_t size, uint64_t iterations, uint64_t reps, FILE *out);

#endif
