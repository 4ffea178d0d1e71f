/*
 * Judging one row of a comparison with the boot as the unit of
 * replication (issue 12).
 *
 * Under QEMU the speed of a guest moves from boot to boot (with the wall
 * clock by the host's load; even with the icount clock by the state a boot
 * leaves the kernel in and by host timing that leaks in through device
 * I/O), while the repetitions inside one boot agree to a few percent.
 * Treating repetitions of one boot as independent samples therefore flags
 * half the rows of two identical boots. So:
 *
 *  - times (throughput, latency): the repetitions of a boot are reduced to
 *    one value first, their median (bl_boot_value): on the icount clock
 *    whatever else the guest runs meanwhile (a kworker, RCU callbacks, a
 *    device's completion) only ever adds instructions to the repetition it
 *    lands in, so one disturbed repetition would move a mean but not the
 *    median. With two boots or more on both sides these boot values are
 *    compared with Welch's t (unequal variances, a t interval of the
 *    difference at the chosen confidence, relative to the base mean). It is
 *    chosen over a hierarchical bootstrap because with 2-5 boots a side a
 *    bootstrap of boot values has too few distinct resamples to give an
 *    interval, while Welch's t uses the t distribution's small-sample
 *    widening. One boot against several (tonight against the last nights):
 *    the several give the between-boot spread s, and the one boot is
 *    judged as one more draw, se = s sqrt(1/n + 1), t with n - 1 degrees
 *    of freedom. With one boot on both sides there is no between-boot
 *    spread to measure, and the repetitions of one boot cannot tell how
 *    far another boot falls: the row's measured noise floor (bouncelab
 *    calibrate: the spread between A/A boots) decides alone, the change
 *    must clear max(noise, k x floor). The bootstrap interval of the two
 *    medians is shown, not required. Without a floor the answer is
 *    "unknown: calibrate or run more boots", never a verdict.
 *  - counts (bounces, bytes bounced, mapped segments, bytes synced per op,
 *    failed operations, slots left): exact numbers, compared exactly
 *    (mapped segments only when asked for: see segments_per_op in stats.c). A
 *    change is significant when the two sides' ranges of values do not
 *    overlap and the difference of their means is larger than the count's
 *    own A/A variation (zero for most counts: then any change is one).
 *    No minimum number of values: one exact count is a measurement.
 *
 * A change must always also clear the threshold max(noise, k x floor),
 * shown with every row, so that "significant" never means "smaller than
 * what two identical boots differ by".
 */
#ifndef BL_JUDGE_H
#define BL_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"

/* The values one boot contributed to a row: its repetitions (or one value). */
struct bl_boot_sample {
	const double *v;
	size_t n;
};

struct bl_judge_opts {
	double noise;	     /* the least relative change that counts for times (0.02) */
	double floor_k;	     /* the threshold is max(noise, floor_k x floor) (2) */
	double noise_one_boot; /* noise instead when one side has a single boot (BL_NOISE_ONE_BOOT) */
	double floor_k_one_boot; /* floor_k then (BL_FLOOR_K_ONE_BOOT) */
	double confidence;   /* of the intervals (0.95) */
	size_t min_boots;    /* boots per side for Welch's t (2); fewer: the floor decides */
	unsigned resamples;  /* bootstrap resamples within one boot (2000) */
	unsigned long long seed; /* bootstrap seed */
};

void bl_judge_opts_default(struct bl_judge_opts *o);

enum bl_judge_method {
	BL_JUDGE_WELCH,	      /* boot values, Welch's t */
	BL_JUDGE_ONE_VS_BOOTS, /* one boot against several: t with the several's spread */
	BL_JUDGE_WITHIN_BOOT, /* one boot a side: repetitions' bootstrap + the noise floor */
	BL_JUDGE_EXACT,	      /* counts: ranges and the count's A/A floor */
};

struct bl_judgement {
	enum bl_change_verdict verdict; /* BL_VERDICT_TOO_FEW doubles as "unknown" */
	enum bl_judge_method method;
	size_t base_boots, new_boots;
	double base_mean, new_mean;	/* of boot values (times) or of all values (counts) */
	bool relative;			/* change and interval relative to base_mean */
	double change, ci_lo, ci_hi;	/* NAN when not computed */
	double threshold;		/* what |change| had to exceed (relative for times) */
	bool calibrated;		/* a measured noise floor took part */
	const char *why;		/* one line when unknown or not judged, else NULL */
};

/*
 * Judges a time metric. @floor is the row's measured relative A/A spread
 * (NAN: uncalibrated). 0, or -EINVAL for bad options / non-finite values,
 * -ENOMEM.
 */
int bl_judge_time(const struct bl_boot_sample *base, size_t nb, const struct bl_boot_sample *nw,
		  size_t nn, enum bl_direction dir, double floor, const struct bl_judge_opts *o,
		  struct bl_judgement *out);

/*
 * Judges a count metric (lower is better for every count bouncelab keeps,
 * but @dir is honoured). @floor is the count's absolute A/A spread (NAN or
 * 0: none measured, any change beyond the ranges counts). 0 or -EINVAL.
 */
int bl_judge_count(const struct bl_boot_sample *base, size_t nb, const struct bl_boot_sample *nw,
		   size_t nn, enum bl_direction dir, double floor, const struct bl_judge_opts *o,
		   struct bl_judgement *out);

/*
 * The noise floor of a row from A/A boots of one configuration: for times
 * the relative spread of the boot values, their medians (max / min - 1); for
 * counts the absolute spread (max - min) of their means. NAN for fewer than two boots or a time
 * whose boot values are not all positive.
 */
double bl_floor_time(const double *boot_means, size_t n);
double bl_floor_count(const double *boot_means, size_t n);

/*
 * Is the compare metric called @name an exact count (bounces, bytes synced
 * per op, slots, failed operations), judged with bl_judge_count? Times
 * (throughput, latency) are not.
 */
bool bl_metric_is_count(const char *name);

/* The value one boot gives a time row: the median of its repetitions (see above). */
double bl_boot_value(const double *reps, size_t n);

/*
 * An import row maps one exported buffer over and over (gembench exports it
 * once per row), so its time follows how many DMA segments that buffer's
 * pages make, and that is a draw of the page allocator's state, different
 * every boot (2 MiB virtio-gpu buffers: 144-288 segments in four A/A
 * boots, and the time with them, 9 % between boots). With one boot a side
 * whose mapped segments per op differ by more than this share, the two
 * boots timed two page layouts, not two kernels: the time rows are
 * "unknown" (compare --metric segments_per_op shows the counts). The same
 * holds for one boot against several (tonight against the last nights):
 * the one boot timed one layout. Several boots on both sides are judged as
 * usual, the layouts' spread is then in the boots'.
 */
#define BL_LAYOUT_TOLERANCE 0.02
#define BL_LAYOUTS_DIFFER_WHY                                                                    \
	"a single boot on a side, and the import's buffers had different page layouts (mapped "   \
	"segments per op differ by more than 2 %; --metric segments_per_op): the time is the "    \
	"layout's, not the kernel's; run more boots a side"
/* Do @base and @new (mapped segments per op of one import row) differ beyond the tolerance? */
bool bl_judge_layouts_differ(double base, double new_v);

const char *bl_judge_method_name(enum bl_judge_method m); /* "welch", "within-boot", "exact" */

#endif
