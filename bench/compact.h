/* Compacting memory before a row (job key compact; see compact.c). */
#ifndef GB_COMPACT_H
#define GB_COMPACT_H

#include <stddef.h>

/* Writes "1" to /proc/sys/vm/compact_memory: 0, or -errno with @why naming the file and the error. */
int gb_compact_memory(char *why, size_t why_len);
/* The same with another file in its place (the unit test's). */
int gb_compact_memory_at(const char *path, char *why, size_t why_len);

#endif
