/*
 * Statistics for comparisons: see stats.h.
 *
 * The confidence interval is a percentile bootstrap: both samples are
 * resampled with replacement (independently, each at its own size), the
 * relative change of the resampled means is recorded, and the interval is
 * read off the sorted changes. It needs no assumption of normality, which
 * benchmark timings rarely satisfy, and with a fixed seed it is reproducible.
 *
 * With few repetitions the plain percentile interval is too narrow: the
 * bootstrap variance of a mean is (n - 1) / n of the unbiased one, and it
 * uses normal rather than Student t tails. Measured on identical
 * distributions with 5 repetitions it excluded zero in 11% of seeds instead
 * of 5%. So the interval is Hesterberg's "expanded percentile" interval: the
 * percentiles are read at alpha' instead of alpha, where
 * z(alpha'/2) = k * t(alpha/2, df), k undoes the (n - 1) / n shrinkage of
 * both samples and df is the Welch-Satterthwaite degrees of freedom.
 * (T. Hesterberg, "What teachers should know about the bootstrap", 2015.)
 *
 * Large samples (more than opts->bootstrap_max values together) get the
 * interval the bootstrap converges to instead: a Welch t interval of the
 * relative change, its standard error by the delta method for a ratio of
 * means (bl_compare_summaries). It costs O(n) instead of O(resamples x n)
 * and is also what trends use, from summaries the store aggregates.
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double bl_mean(const double *v, size_t n)
{
	double sum = 0;

	if (!n)
		return NAN;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

double bl_median(const double *v, size_t n)
{
	double *c, m;

	if (!n || !(c = malloc(n * sizeof(*c))))
		return NAN;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), bl_cmp_double);
	m = bl_quantile_sorted(c, n, 0.5);
	free(c);
	return m;
}

double bl_stddev(const double *v, size_t n)
{
	double m, ss = 0;

	if (!n)
		return NAN;
	if (n == 1)
		return 0;
	m = bl_mean(v, n);
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	return sqrt(ss / (double)(n - 1));
}

double bl_cv(const double *v, size_t n)
{
	double m = bl_mean(v, n);

	if (!n || m == 0)
		return NAN;
	return bl_stddev(v, n) / fabs(m);
}

int bl_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bl_quantile_sorted(const double *sorted, size_t n, double q)
{
	double pos, frac;
	size_t lo;

	if (!n)
		return NAN;
	if (q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	pos = q * (double)(n - 1);
	lo = (size_t)pos;
	frac = pos - (double)lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

/* --- Student t tail, for the expanded interval -------------------------------- */

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-15;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double ibeta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * betacf(a, b, x) / a;
	return 1 - front * betacf(b, a, 1 - x) / b;
}

double bl_t_two_tail(double t, double df)
{
	if (!(df > 0))
		return NAN;
	if (isinf(df))
		return erfc(fabs(t) / M_SQRT2);
	return ibeta(df / 2, 0.5, df / (df + t * t));
}

/* The Student t density at @t with @df degrees of freedom (finite df). */
static double t_density(double t, double df)
{
	return exp(lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * M_PI) -
		   (df + 1) / 2 * log1p(t * t / df));
}

double bl_t_quantile_two_sided(double p, double df)
{
	double lo = 0, hi = 1, t;

	if (!(p > 0 && p < 1) || !(df > 0))
		return NAN;
	while (bl_t_two_tail(hi, df) > p && hi < 1e12)
		hi *= 2;
	/*
	 * Newton's method on the two-sided tail (its derivative is twice the
	 * density) from the middle of the bracket, kept inside it: a handful
	 * of tail evaluations where bisection took forty. Trends call this for
	 * every point of months of nights. Bisection finishes what Newton
	 * does not (no convergence, or an infinite df).
	 */
	t = (lo + hi) / 2;
	for (int i = 0; i < 30 && isfinite(df); i++) {
		double f = bl_t_two_tail(t, df) - p, d = -2 * t_density(t, df), next;

		if (f > 0)
			lo = t;
		else
			hi = t;
		if (!(d < 0))
			break;
		next = t - f / d;
		if (!(next > lo && next < hi))
			next = (lo + hi) / 2;
		if (fabs(next - t) <= 1e-15 * next)
			return next;
		t = next;
	}
	for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		double mid = (lo + hi) / 2;

		if (bl_t_two_tail(mid, df) > p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/*
 * alpha' of the expanded percentile interval for two samples (see the top
 * of the file). Falls back to @alpha when the samples have no spread.
 */
static double expanded_alpha(const double *base, size_t nb, const double *nv, size_t nn,
			     double alpha)
{
	double sb = bl_stddev(base, nb), sn = bl_stddev(nv, nn);
	double a = sb * sb / (double)nb, b = sn * sn / (double)nn;
	double boot_var = a * (double)(nb - 1) / (double)nb + b * (double)(nn - 1) / (double)nn;
	double df, k, t;

	if (!(a + b > 0) || !(boot_var > 0))
		return alpha;
	df = (a + b) * (a + b) / (a * a / (double)(nb - 1) + b * b / (double)(nn - 1));
	k = sqrt((a + b) / boot_var);
	t = bl_t_quantile_two_sided(alpha, df);
	if (!isfinite(t))
		return alpha;
	return erfc(k * t / M_SQRT2);
}

/* --- xoshiro256** (Blackman & Vigna), seeded by splitmix64 ----------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void bl_rng_seed(struct bl_rng *rng, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&seed);
	/* splitmix64 never yields four zeros in a row, but be explicit. */
	if (!(rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]))
		rng->s[0] = 1;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t bl_rng_next(struct bl_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t bl_rng_below(struct bl_rng *rng, uint64_t bound)
{
	/* Rejection of the short last bucket keeps every value equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	uint64_t x;

	do
		x = bl_rng_next(rng);
	while (x >= limit);
	return x % bound;
}

double bl_rng_double(struct bl_rng *rng)
{
	return (double)(bl_rng_next(rng) >> 11) * 0x1.0p-53;
}

double bl_rng_normal(struct bl_rng *rng)
{
	double u1, u2;

	do
		u1 = bl_rng_double(rng);
	while (u1 <= 0);
	u2 = bl_rng_double(rng);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* --- metrics ---------------------------------------------------------------- */

const struct bl_metric bl_metrics[] = {
	/* counts first: exact numbers, and they lead every comparison */
	/* the share of a row's operations the kernel refused: 0 -> more is a regression; a
	 * share, because how many operations a duration-bounded row ran is timing */
	{ "failed_share", "share of operations refused", "of ops", BL_LOWER_IS_BETTER, true, false },
	{ "failed_ops", "failed operations", "ops", BL_LOWER_IS_BETTER, true, true },
	/* a run whose job ended failed or skipped (1) where it was ok (0) */
	{ "job_failed", "job not ok", "runs", BL_LOWER_IS_BETTER, true, false },
	{ "bounces_per_op", "bounces per op", "bounces/op", BL_LOWER_IS_BETTER, true, false },
	{ "bounce_rate", "bounce rate", "bounced/mapped segments", BL_LOWER_IS_BETTER, true, false },
	/*
	 * DMA segments mapped per op: what the buffer's page layout made of one
	 * mapping. Compared only when named: for buffers of shmem pages (vgem,
	 * virtio-gpu) it is a draw of the page allocator's state, different
	 * every boot (2 MiB virtio-gpu buffers: 144-288 segments in four A/A
	 * boots), which one pair of calibration boots cannot bound.
	 */
	{ "segments_per_op", "mapped segments per op", "segments/op", BL_LOWER_IS_BETTER, true,
	  true },
	/* dma_sync_sg_* bytes per op: copies through the bounce buffer when the mapping bounced */
	{ "sync_mib_per_op", "MiB synced per op", "MiB/op", BL_LOWER_IS_BETTER, true, false },
	/* slots above the level before the row ran: what the workload itself held */
	{ "slots_peak", "SWIOTLB slots held at peak", "slots", BL_LOWER_IS_BETTER, true, false },
	{ "slots_after", "SWIOTLB slots left after teardown", "slots", BL_LOWER_IS_BETTER, true,
	  false },
	/* times: on the guest clock the runs were measured on */
	{ "ops_per_sec", "throughput", "ops/s", BL_HIGHER_IS_BETTER, false, false },
	{ "mib_per_sec", "bandwidth", "MiB/s", BL_HIGHER_IS_BETTER, false, true },
	{ "latency_p50_ns", "latency p50", "ns", BL_LOWER_IS_BETTER, false, false },
	{ "latency_p90_ns", "latency p90", "ns", BL_LOWER_IS_BETTER, false, false },
	{ "latency_p99_ns", "latency p99", "ns", BL_LOWER_IS_BETTER, false, false },
	{ "latency_p999_ns", "latency p99.9", "ns", BL_LOWER_IS_BETTER, false, false },
	{ "latency_max_ns", "latency max", "ns", BL_LOWER_IS_BETTER, false, false },
	{ NULL, NULL, NULL, BL_LOWER_IS_BETTER, false, false },
};

const struct bl_metric *bl_metric_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct bl_metric *m = bl_metrics; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/* --- comparing ---------------------------------------------------------------- */

void bl_stats_opts_default(struct bl_stats_opts *opts)
{
	opts->noise = 0.02;
	opts->confidence = 0.95;
	opts->resamples = 2000;
	opts->min_reps = 3;
	opts->seed = 0x626f756e63656c61ULL; /* "bouncela" */
	opts->floor_k = 2;
	opts->noise_one_boot = BL_NOISE_ONE_BOOT;
	opts->floor_k_one_boot = BL_FLOOR_K_ONE_BOOT;
	opts->min_boots = 2;
	opts->floor_of = NULL;
	opts->floor_user = NULL;
	opts->floor_clock = "";
	/*
	 * A year of nightly runs pooled is thousands of values per sample:
	 * 2000 resamples of each cost seconds per row. From 32 values a side
	 * the t interval and the bootstrap agree; one night never gets there.
	 */
	opts->bootstrap_max = 64;
}

const char *bl_verdict_name(enum bl_change_verdict v)
{
	switch (v) {
	case BL_VERDICT_SAME:
		return "same";
	case BL_VERDICT_BETTER:
		return "better";
	case BL_VERDICT_WORSE:
		return "worse";
	case BL_VERDICT_TOO_FEW:
		return "unknown"; /* too few values, too few boots, or no noise floor */
	}
	return "?";
}


/* The verdict of a change whose interval is known (both comparisons). */
static void judge(struct bl_change *out, enum bl_direction dir, const struct bl_stats_opts *opts)
{
	bool improved;

	out->significant = (out->ci_lo > 0 || out->ci_hi < 0) &&
			   (!out->relative || fabs(out->change) > opts->noise);
	if (!out->significant) {
		out->verdict = BL_VERDICT_SAME;
		return;
	}
	improved = dir == BL_HIGHER_IS_BETTER ? out->change > 0 : out->change < 0;
	out->verdict = improved ? BL_VERDICT_BETTER : BL_VERDICT_WORSE;
}

/*
 * The k-th smallest of v[0..n) (0-based), partially reordering v: Hoare's
 * selection. The bootstrap needs two quantiles of its resamples, not their
 * order: selecting is O(n) where sorting them was most of a comparison's time.
 */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

/* bl_quantile_sorted(sorted(v), n, q), from unsorted @v (which it reorders). */
static double quantile_select(double *v, size_t n, double q)
{
	double pos, frac, a, b;
	size_t lo;

	if (q <= 0)
		q = 0;
	if (q >= 1)
		return select_kth(v, n, n - 1);
	pos = q * (double)(n - 1);
	lo = (size_t)pos;
	frac = pos - (double)lo;
	a = select_kth(v, n, lo);
	if (lo + 1 >= n)
		return a;
	/* the next order statistic: the smallest of what selection left above lo */
	b = v[lo + 1];
	for (size_t i = lo + 2; i < n; i++)
		if (v[i] < b)
			b = v[i];
	return a + frac * (b - a);
}

static double resampled_mean(struct bl_rng *rng, const double *v, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += v[bl_rng_below(rng, n)];
	return sum / (double)n;
}

static bool all_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

int bl_compare_samples(const double *base, size_t base_n, const double *new_v, size_t new_n,
		       enum bl_direction dir, const struct bl_stats_opts *opts,
		       struct bl_change *out)
{
	struct bl_rng rng;
	double *boot = NULL;
	double alpha;

	if (!opts || !out || opts->resamples < 10 || !(opts->confidence > 0 && opts->confidence < 1) ||
	    !(opts->noise >= 0) || (base_n && !base) || (new_n && !new_v))
		return -EINVAL;
	if (!all_finite(base, base_n) || !all_finite(new_v, new_n))
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	out->base_n = base_n;
	out->new_n = new_n;
	out->base_mean = bl_mean(base, base_n);
	out->new_mean = bl_mean(new_v, new_n);
	out->base_cv = bl_cv(base, base_n);
	out->new_cv = bl_cv(new_v, new_n);
	out->relative = true;
	out->change = NAN;
	out->ci_lo = NAN;
	out->ci_hi = NAN;
	out->verdict = BL_VERDICT_TOO_FEW;

	if (base_n && new_n) {
		if (out->base_mean != 0) {
			out->change = (out->new_mean - out->base_mean) / out->base_mean;
		} else if (out->new_mean == 0) {
			out->change = 0;
		} else {
			out->relative = false;
			out->change = out->new_mean - out->base_mean;
		}
	}
	/* One value has no spread to judge by, whatever min_reps says. */
	if (base_n < opts->min_reps || new_n < opts->min_reps || base_n < 2 || new_n < 2)
		return 0; /* the point estimate is shown, the verdict is "too few" */

	if (opts->bootstrap_max && base_n + new_n > opts->bootstrap_max) {
		struct bl_summary b = { base_n, out->base_mean, bl_stddev(base, base_n) };
		struct bl_summary n = { new_n, out->new_mean, bl_stddev(new_v, new_n) };

		return bl_compare_summaries(&b, &n, dir, opts, out);
	}
	boot = malloc(opts->resamples * sizeof(*boot));
	if (!boot)
		return -ENOMEM;
	bl_rng_seed(&rng, opts->seed);
	for (unsigned i = 0; i < opts->resamples; i++) {
		double b = resampled_mean(&rng, base, base_n);
		double n = resampled_mean(&rng, new_v, new_n);

		if (!out->relative)
			boot[i] = n - b;
		else if (b != 0)
			boot[i] = (n - b) / b;
		else
			/*
			 * A resample of an all-positive base cannot average 0, so
			 * this is a base with zeros in it: treat the resample as
			 * "no change" rather than dividing by zero.
			 */
			boot[i] = 0;
	}
	alpha = expanded_alpha(base, base_n, new_v, new_n, 1 - opts->confidence);
	out->ci_lo = quantile_select(boot, opts->resamples, alpha / 2);
	out->ci_hi = quantile_select(boot, opts->resamples, 1 - alpha / 2);
	free(boot);

	judge(out, dir, opts);
	return 0;
}

int bl_compare_summaries(const struct bl_summary *base, const struct bl_summary *new_s,
			 enum bl_direction dir, const struct bl_stats_opts *opts,
			 struct bl_change *out)
{
	double mb = base->mean, mn = new_s->mean, a, b, se, df, t;

	if (!opts || !out || !(opts->confidence > 0 && opts->confidence < 1) || !(opts->noise >= 0))
		return -EINVAL;
	if ((base->n && !(isfinite(mb) && isfinite(base->sd))) ||
	    (new_s->n && !(isfinite(mn) && isfinite(new_s->sd))))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->base_n = base->n;
	out->new_n = new_s->n;
	out->base_mean = base->n ? mb : NAN;
	out->new_mean = new_s->n ? mn : NAN;
	out->base_cv = base->n && mb != 0 ? base->sd / fabs(mb) : NAN;
	out->new_cv = new_s->n && mn != 0 ? new_s->sd / fabs(mn) : NAN;
	out->relative = true;
	out->change = NAN;
	out->ci_lo = NAN;
	out->ci_hi = NAN;
	out->verdict = BL_VERDICT_TOO_FEW;
	if (base->n && new_s->n) {
		if (mb != 0)
			out->change = (mn - mb) / mb;
		else if (mn == 0)
			out->change = 0;
		else
			out->relative = false, out->change = mn - mb;
	}
	if (base->n < opts->min_reps || new_s->n < opts->min_reps || base->n < 2 || new_s->n < 2)
		return 0;
	/* the variances of the two means, and Welch-Satterthwaite's degrees of freedom */
	a = base->sd * base->sd / (double)base->n;
	b = new_s->sd * new_s->sd / (double)new_s->n;
	if (!out->relative || mb == 0)
		se = sqrt(a + b); /* an absolute difference (or no change of nothing) */
	else
		se = sqrt(b / (mb * mb) + mn * mn * a / (mb * mb * mb * mb));
	df = a + b > 0 ? (a + b) * (a + b) /
				 (a * a / (double)(base->n - 1) + b * b / (double)(new_s->n - 1)) :
			 INFINITY;
	t = bl_t_quantile_two_sided(1 - opts->confidence, df);
	out->ci_lo = out->change - t * se;
	out->ci_hi = out->change + t * se;
	judge(out, dir, opts);
	return 0;
}
