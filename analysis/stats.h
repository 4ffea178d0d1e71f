/*
 * Statistics for comparing two sets of measurements: mean, standard
 * deviation, coefficient of variation, and a seeded, reproducible bootstrap
 * 95% confidence interval of the relative change between two samples
 * (expanded percentile interval, see stats.c), with a
 * verdict that takes the metric's direction (is higher better?) and a noise
 * threshold into account.
 *
 * A change is significant only when the interval excludes zero AND the
 * change itself is larger than the noise threshold (default 2%), and only
 * when both samples have at least min_reps values: with fewer the verdict is
 * BL_VERDICT_TOO_FEW and never significant.
 *
 * The random numbers come from our own xoshiro256** seeded through
 * splitmix64, so the same seed gives the same interval on every libc.
 */
#ifndef BL_STATS_H
#define BL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- descriptive statistics ---------------------------------------------- */

/* Arithmetic mean; NAN for n == 0. */
double bl_mean(const double *v, size_t n);
/* Median (the mean of the two middle values for even n); NAN for n == 0 or
 * when memory runs out. Leaves @v as it was. */
double bl_median(const double *v, size_t n);
/* Sample standard deviation (n - 1 in the denominator); 0 for n == 1, NAN for 0. */
double bl_stddev(const double *v, size_t n);
/* Coefficient of variation stddev / |mean|; NAN when n == 0 or the mean is 0. */
double bl_cv(const double *v, size_t n);
/* Quantile q in [0, 1] of sorted values, linear interpolation between ranks. */
double bl_quantile_sorted(const double *sorted, size_t n, double q);
/* qsort() comparison of doubles, ascending (for bl_quantile_sorted's input). */
int bl_cmp_double(const void *a, const void *b);

/* P(|T| > t) for Student's t with @df degrees of freedom (df may be fractional
 * or INFINITY for the normal distribution). */
double bl_t_two_tail(double t, double df);
/* The t with P(|T| > t) = p: bl_t_quantile_two_sided(0.05, 4) = 2.776. */
double bl_t_quantile_two_sided(double p, double df);

/* --- random numbers -------------------------------------------------------- */

struct bl_rng {
	uint64_t s[4]; /* xoshiro256** state, never all zero */
};

/* Seeds the generator from one 64-bit value (expanded with splitmix64). */
void bl_rng_seed(struct bl_rng *rng, uint64_t seed);
uint64_t bl_rng_next(struct bl_rng *rng);
/* Uniform integer in [0, bound), without modulo bias; bound > 0. */
uint64_t bl_rng_below(struct bl_rng *rng, uint64_t bound);
/* Uniform double in [0, 1). */
double bl_rng_double(struct bl_rng *rng);
/* Standard normal deviate (Box-Muller); for synthetic test data. */
double bl_rng_normal(struct bl_rng *rng);

/* --- metrics ---------------------------------------------------------------- */

enum bl_direction {
	BL_HIGHER_IS_BETTER, /* throughput */
	BL_LOWER_IS_BETTER,  /* latency, bounces, slots */
};

struct bl_metric {
	const char *name;  /* "ops_per_sec", used in selectors, CSV headers and JSON */
	const char *label; /* "throughput" for tables and plot titles */
	const char *unit;  /* "ops/s" */
	enum bl_direction direction;
	bool count;	   /* an exact count, judged exactly (analysis/judge.h); else a time */
	bool on_request;   /* compared only when named (mib_per_sec: ops/s times the size,
			      the same relative change as ops_per_sec) */
};

/* The metrics bouncelab compares, in display order; NULL name ends it. */
extern const struct bl_metric bl_metrics[];
/* Looks a metric up by name; NULL when there is none of that name. */
const struct bl_metric *bl_metric_find(const char *name);

/* --- comparing two samples -------------------------------------------------- */

enum bl_change_verdict {
	BL_VERDICT_SAME,    /* no significant change */
	BL_VERDICT_BETTER,  /* significant change the good way */
	BL_VERDICT_WORSE,   /* significant change the bad way: a regression */
	BL_VERDICT_TOO_FEW, /* unknown: too few values or boots, or no noise floor, to judge */
};

/*
 * The least relative change of a time that counts with one boot a side:
 * above the 99th percentile of what two identical boots' values differ by
 * on the icount clock (2.6-2.7 % over 2910 A/A pairs of rows of the standard
 * job, rows an import's page layout decides left out; analysis/judge.h).
 */
#define BL_NOISE_ONE_BOOT 0.03
/*
 * And the multiple of the row's floor it must exceed: the floor is one A/A
 * pair's difference, and above the 3 % minimum only the rows that spread
 * more than that meet it. 1.5 rather than the 2 of several boots: on the
 * same A/A data both keep false alarms under 1 %, and 1.5 catches 95.9 %
 * of a 5 % drop where 2 catches 95.0 % (tests/unit/test_judge_aa.c).
 */
#define BL_FLOOR_K_ONE_BOOT 1.5

struct bl_stats_opts {
	double noise;         /* |relative change| must exceed this (0.02 = 2%) */
	double confidence;    /* 0.95 */
	unsigned resamples;   /* bootstrap resamples, e.g. 2000 */
	size_t min_reps;      /* fewer values than this in a sample: TOO_FEW */
	uint64_t seed;        /* bootstrap seed: same seed, same interval */
	size_t bootstrap_max; /* more values than this in both samples together: the
				 large-sample interval (bl_compare_summaries) instead
				 of the bootstrap; 0 = always bootstrap */
	/* boots as the unit of replication (analysis/judge.h) */
	double floor_k;	      /* a change must exceed max(noise, floor_k x the row's A/A floor) */
	double noise_one_boot; /* the noise with one boot a side (0.03; analysis/judge.h) */
	double floor_k_one_boot; /* floor_k with one boot a side (1.5) */
	size_t min_boots;     /* boots a side for Welch's t on boot values (>= 2) */
	/* the row's measured noise floor on @clock, NAN when uncalibrated; NULL: none */
	double (*floor_of)(void *user, const char *clock, const char *group, const char *workload,
			   const char *variant, int64_t size, const char *metric);
	void *floor_user;
	const char *floor_clock; /* the compared runs' guest clock ("" outside the testbed) */
};

/* noise 2%, 95%, 2000 resamples, min_reps 3, a fixed seed, bootstrap up to 64 values. */
void bl_stats_opts_default(struct bl_stats_opts *opts);

struct bl_change {
	size_t base_n, new_n;
	double base_mean, new_mean;
	double base_cv, new_cv;  /* NAN when the mean is 0 */
	/*
	 * relative == true: change, ci_lo and ci_hi are relative
	 * (new - base) / base, e.g. -0.10 for a 10% drop.
	 * relative == false: the base mean is 0 and new is not, so a relative
	 * change is undefined; change and the interval are absolute differences
	 * new - base in the metric's unit, and the noise threshold does not apply
	 * (any non-zero count against an exact zero is real when the interval
	 * excludes zero).
	 */
	bool relative;
	double change;
	double ci_lo, ci_hi;
	bool significant;        /* interval excludes 0 and |change| > threshold */
	enum bl_change_verdict verdict;
	/* how it was judged (analysis/judge.h; compare fills these, bl_compare_samples not) */
	const char *method;	 /* "welch", "within-boot", "exact", NULL: bl_compare_samples */
	size_t base_boots, new_boots;
	double threshold;	 /* what |change| had to exceed (relative for times, absolute
				    for counts); NAN when not judged */
	bool calibrated;	 /* a measured noise floor took part */
	const char *why;	 /* why a row is not judged (verdict TOO_FEW), else NULL */
};

/*
 * Compares sample @new against sample @base for a metric of direction @dir.
 * Returns 0 with @out filled (TOO_FEW is a verdict, not an error), -EINVAL for
 * bad options or a non-finite value, -ENOMEM.
 */
int bl_compare_samples(const double *base, size_t base_n, const double *new_v, size_t new_n,
		       enum bl_direction dir, const struct bl_stats_opts *opts,
		       struct bl_change *out);

/*
 * A sample reduced to its size, mean and standard deviation: what the
 * large-sample interval needs, and what the store can aggregate in SQL
 * (a run's repetitions, for trends).
 */
struct bl_summary {
	size_t n;
	double mean;
	double sd; /* sample standard deviation (n - 1); 0 for n == 1 */
};

/*
 * The comparison of bl_compare_samples() from summaries: the relative
 * change of the means with a Welch t interval (delta method for the ratio
 * of means; absolute when the base mean is 0), the same noise, min_reps
 * and verdict rules. Used by bl_compare_samples() for samples larger than
 * opts->bootstrap_max, where the bootstrap costs resamples x n and has
 * converged to this interval anyway. 0 or -EINVAL.
 */
int bl_compare_summaries(const struct bl_summary *base, const struct bl_summary *new_s,
			 enum bl_direction dir, const struct bl_stats_opts *opts,
			 struct bl_change *out);

const char *bl_verdict_name(enum bl_change_verdict v); /* "same", "better", "worse", "unknown" */

#endif
