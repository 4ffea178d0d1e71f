/*
 * Log-linear histogram (see hist.h). Bucket b < 32 holds the value b; above,
 * b = (shift + 1) * 32 + (v >> shift) - 32 where shift = msb(v) - 5, so
 * bucket b covers [((b % 32) + 32) << shift, that + (1 << shift) - 1].
 */
#include "hist.h"

#include <math.h>
#include <string.h>

void gb_hist_init(struct gb_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned gb_hist_bucket(uint64_t value)
{
	unsigned msb, shift;

	if (value < GB_HIST_SUB)
		return (unsigned)value;
	msb = 63u - (unsigned)__builtin_clzll(value);
	shift = msb - GB_HIST_SUB_BITS;
	return (shift + 1) * GB_HIST_SUB + (unsigned)(value >> shift) - GB_HIST_SUB;
}

void gb_hist_bucket_range(unsigned bucket, uint64_t *lo, uint64_t *hi)
{
	unsigned shift;

	if (bucket < GB_HIST_SUB) {
		*lo = *hi = bucket;
		return;
	}
	shift = bucket / GB_HIST_SUB - 1;
	*lo = ((uint64_t)(bucket % GB_HIST_SUB) + GB_HIST_SUB) << shift;
	*hi = *lo + ((1ull << shift) - 1);
}

void gb_hist_record(struct gb_hist *h, uint64_t value)
{
	h->buckets[gb_hist_bucket(value)]++;
	h->count++;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
}

void gb_hist_merge(struct gb_hist *dst, const struct gb_hist *src)
{
	for (unsigned i = 0; i < GB_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t gb_hist_quantile(const struct gb_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	if (q >= 1.0)
		return h->max;
	if (q <= 0.0)
		return h->min;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < GB_HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank) {
			uint64_t lo, hi, mid;

			gb_hist_bucket_range(b, &lo, &hi);
			mid = lo + (hi - lo) / 2;
			if (mid < h->min)
				mid = h->min;
			if (mid > h->max)
				mid = h->max;
			return mid;
		}
	}
	return h->max;
}
