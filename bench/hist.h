/*
 * A log-linear latency histogram (HdrHistogram-like): values below 32 are
 * exact; above, each power-of-two range is split into 32 equal buckets, so
 * a percentile is off by at most 1/64 of its value (about 1.6%). Recording
 * is a few instructions and never allocates, which keeps it out of the way
 * of the cheapest ioctl. min and max are kept exactly.
 */
#ifndef GB_HIST_H
#define GB_HIST_H

#include <stdint.h>

#define GB_HIST_SUB_BITS 5
#define GB_HIST_SUB (1u << GB_HIST_SUB_BITS)
#define GB_HIST_BUCKETS ((64 - GB_HIST_SUB_BITS + 1) * GB_HIST_SUB)

struct gb_hist {
	uint64_t count;                    /* values recorded */
	uint64_t min, max;                 /* exact; min is UINT64_MAX while empty */
	uint64_t buckets[GB_HIST_BUCKETS];
};

void gb_hist_init(struct gb_hist *h);
void gb_hist_record(struct gb_hist *h, uint64_t value);
/* Adds @src's values to @dst. */
void gb_hist_merge(struct gb_hist *dst, const struct gb_hist *src);
/*
 * The value at quantile @q (0 < q <= 1): the midpoint of the bucket holding
 * the ceil(q * count)-th smallest value, clamped to [min, max]; q = 1 gives
 * max exactly. 0 when empty.
 */
uint64_t gb_hist_quantile(const struct gb_hist *h, double q);

/* Bucket index of @value and the range [lo, hi] that bucket covers (exposed for tests). */
unsigned gb_hist_bucket(uint64_t value);
void gb_hist_bucket_range(unsigned bucket, uint64_t *lo, uint64_t *hi);

#endif
