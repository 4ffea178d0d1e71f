/*
 * The headline: one row per (kernel, DMA mode) of a set of runs, what a
 * reader takes in first: what bouncing costs at a few sizes, what the
 * kernel refused, what the SWIOTLB pool went through, and throughput
 * against the baseline mode judged like `bouncelab compare --modes`. One
 * model, two renderings: the Markdown report (report_headline.c) and the
 * dashboard (html_headline.c), so the two never disagree.
 */
#ifndef AN_HEADLINE_H
#define AN_HEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"

/* The sizes the headline shows: a page, a 64 KiB chunk, past SWIOTLB's 256 KiB segment limit. */
#define AN_HEADLINE_SIZES 3
extern const int64_t an_headline_sizes[AN_HEADLINE_SIZES];

struct an_headline_row {
	const char *release, *mode; /* point into the dataset's runs */
	const char *clock;	    /* the first run's; NULL outside the testbed */
	bool mixed_clock;
	/* the largest bounces and bounced bytes per op any row (job, workload) has
	 * at each size, over rows where an operation succeeded; NAN: no such row */
	double bounces[AN_HEADLINE_SIZES], bytes[AN_HEADLINE_SIZES];
	/* refused rows (job, workload, variant, size) this mode has and the
	 * baseline mode of the same kernel runs; and those refused there too */
	size_t refused_own, refused_shared;
	int64_t refused_ops;  /* failed operations of the own refused rows */
	char *first_refusal;  /* "[job] workload SIZE: error: first kernel line" */
	int64_t nslabs, peak; /* pool size and the highest use any row saw; -1 unknown */
	int64_t held_after;   /* most slots a row still held after teardown; -1 unknown */
	size_t *run_idx, runs; /* its runs, as indices into the dataset */
	/* throughput against the baseline mode (not for the baseline itself) */
	const char *not_compared; /* why there is no change, or NULL */
	double median_change;	  /* relative, over the rows both sides have */
	size_t rows_compared, worse, better, same, unknown;
};

struct an_headline {
	struct an_headline_row *r; /* by kernel; the baseline mode first, then the table's order */
	size_t n;
};

/*
 * Builds the headline of @ds's runs; @stats judges the throughput (with its
 * noise floors, if any). 0 or -errno; free with an_headline_free().
 */
int an_headline_build(struct bl_store *s, const struct an_dataset *ds,
		      const struct bl_stats_opts *stats, struct an_headline *out);
void an_headline_free(struct an_headline *h);

#endif
