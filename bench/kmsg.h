/*
 * Kernel log lines printed while a row ran, read from /dev/kmsg (each open
 * file has its own read position; we start at the end, so only new lines
 * are seen). A refused DMA mapping shows up here as "swiotlb buffer is
 * full", which is why failures carry these lines.
 */
#ifndef GB_KMSG_H
#define GB_KMSG_H

#include <jansson.h>

struct gb_kmsg;

/* Opens /dev/kmsg at its end. -errno when it cannot (the caller says why). */
int gb_kmsg_open(struct gb_kmsg **out);
void gb_kmsg_close(struct gb_kmsg *k);
/* Skips everything logged so far. */
void gb_kmsg_skip(struct gb_kmsg *k);
/*
 * Appends the messages logged since the last call to @lines (strings), at
 * most @max in the array; returns how many were logged in all (>= 0).
 */
int gb_kmsg_collect(struct gb_kmsg *k, json_t *lines, size_t max);

/* Extracts the message text of one /dev/kmsg record ("6,123,456,-;text"). */
const char *gb_kmsg_text(const char *record, size_t *len);

#endif
