/*
 * Row verdicts with the boot as the unit of replication (see judge.h):
 * Welch's t on boot values, the within-boot bootstrap of medians plus a
 * measured noise floor when one side has a single boot, and exact
 * comparison of counts.
 */
#include "judge.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void bl_judge_opts_default(struct bl_judge_opts *o)
{
	struct bl_stats_opts s;

	bl_stats_opts_default(&s);
	o->noise = s.noise;
	o->floor_k = 2;
	o->noise_one_boot = BL_NOISE_ONE_BOOT;
	o->floor_k_one_boot = BL_FLOOR_K_ONE_BOOT;
	o->confidence = s.confidence;
	o->min_boots = 2;
	o->resamples = s.resamples;
	o->seed = s.seed;
}

double bl_boot_value(const double *reps, size_t n)
{
	return bl_median(reps, n);
}

bool bl_judge_layouts_differ(double base, double new_v)
{
	if (!isfinite(base) || !isfinite(new_v))
		return false;
	if (base <= 0 || new_v <= 0)
		return base != new_v;
	return fabs(new_v / base - 1) > BL_LAYOUT_TOLERANCE;
}

bool bl_metric_is_count(const char *name)
{
	const struct bl_metric *m = bl_metric_find(name);

	return m && m->count;
}

const char *bl_judge_method_name(enum bl_judge_method m)
{
	switch (m) {
	case BL_JUDGE_WELCH:
		return "welch";
	case BL_JUDGE_ONE_VS_BOOTS:
		return "1-vs-boots";
	case BL_JUDGE_WITHIN_BOOT:
		return "within-boot";
	case BL_JUDGE_EXACT:
		return "exact";
	}
	return "?";
}

static bool opts_ok(const struct bl_judge_opts *o)
{
	return o && o->noise >= 0 && o->noise_one_boot >= 0 && o->floor_k >= 0 &&
	       o->floor_k_one_boot >= 0 && o->confidence > 0 && o->confidence < 1 &&
	       o->min_boots >= 2 && o->resamples >= 10;
}

/* Checks every value is finite and counts the boots that have values. */
static int check_side(const struct bl_boot_sample *b, size_t n, size_t *boots)
{
	*boots = 0;
	if (n && !b)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (b[i].n && !b[i].v)
			return -EINVAL;
		for (size_t j = 0; j < b[i].n; j++)
			if (!isfinite(b[i].v[j]))
				return -EINVAL;
		*boots += b[i].n > 0;
	}
	return 0;
}

/*
 * One value per boot that has values, into @out (n entries): the median of
 * its repetitions (bl_boot_value). Returns the count.
 */
static size_t boot_values(const struct bl_boot_sample *b, size_t n, double *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (b[i].n)
			out[k++] = bl_boot_value(b[i].v, b[i].n);
	return k;
}

/* Every value of one side in one array (malloc'd; NULL with *len 0 when empty or OOM). */
static double *pool(const struct bl_boot_sample *b, size_t n, size_t *len)
{
	size_t total = 0, k = 0;
	double *v;

	for (size_t i = 0; i < n; i++)
		total += b[i].n;
	*len = 0;
	if (!total || !(v = malloc(total * sizeof(*v))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < b[i].n; j++)
			v[k++] = b[i].v[j];
	*len = total;
	return v;
}

static void set_change(struct bl_judgement *j)
{
	if (j->base_mean != 0) {
		j->relative = true;
		j->change = (j->new_mean - j->base_mean) / j->base_mean;
	} else {
		/* no relative change from a zero base: the difference in the metric's unit */
		j->relative = false;
		j->change = j->new_mean - j->base_mean;
	}
}

static void set_verdict(struct bl_judgement *j, bool significant, enum bl_direction dir)
{
	bool improved;

	if (!significant) {
		j->verdict = BL_VERDICT_SAME;
		return;
	}
	improved = dir == BL_HIGHER_IS_BETTER ? j->change > 0 : j->change < 0;
	j->verdict = improved ? BL_VERDICT_BETTER : BL_VERDICT_WORSE;
}

static void judgement_init(struct bl_judgement *j, enum bl_judge_method m)
{
	memset(j, 0, sizeof(*j));
	j->method = m;
	j->verdict = BL_VERDICT_TOO_FEW;
	j->base_mean = j->new_mean = NAN;
	j->change = j->ci_lo = j->ci_hi = NAN;
	j->threshold = NAN;
}

/* Welch's t interval of the difference of boot means, relative to the base mean. */
static void welch(const double *bm, size_t nb, const double *nm, size_t nn, double confidence,
		  struct bl_judgement *j)
{
	double vb = bl_stddev(bm, nb), vn = bl_stddev(nm, nn);
	double sb = vb * vb / (double)nb, sn = vn * vn / (double)nn;
	double se = sqrt(sb + sn), diff = j->new_mean - j->base_mean, half = 0;

	if (se > 0) {
		/* Welch-Satterthwaite degrees of freedom */
		double df = (sb + sn) * (sb + sn) /
			    (sb * sb / (double)(nb - 1) + sn * sn / (double)(nn - 1));

		half = bl_t_quantile_two_sided(1 - confidence, df) * se;
	}
	j->ci_lo = diff - half;
	j->ci_hi = diff + half;
	if (j->relative) {
		/* the base mean's own uncertainty is left out of the ratio: a first-order interval */
		j->ci_lo /= j->base_mean;
		j->ci_hi /= j->base_mean;
	}
}

/* Median of @n values drawn with replacement from @v into @tmp. */
static double resampled_median(const double *v, size_t n, double *tmp, struct bl_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = v[bl_rng_below(rng, n)];
	qsort(tmp, n, sizeof(*tmp), bl_cmp_double);
	return bl_quantile_sorted(tmp, n, 0.5);
}

/*
 * One boot a side: the percentile bootstrap interval of the difference of
 * the two boots' medians (relative to the base median when @relative), the
 * same statistic the change is (bl_boot_value). A median, not a mean: one
 * repetition that background work landed in would widen a mean's interval
 * until no change could clear it, while the median's stays put.
 */
static int median_interval(const double *b, size_t nb, const double *n, size_t nn, bool relative,
			   const struct bl_judge_opts *o, double *lo, double *hi)
{
	double *d = malloc(o->resamples * sizeof(*d)), *tmp = malloc((nb > nn ? nb : nn) * sizeof(*tmp));
	double base = bl_median(b, nb), alpha = 1 - o->confidence;
	struct bl_rng rng;

	if (!d || !tmp) {
		free(d);
		free(tmp);
		return -ENOMEM;
	}
	bl_rng_seed(&rng, o->seed);
	for (unsigned r = 0; r < o->resamples; r++) {
		double mb = resampled_median(b, nb, tmp, &rng), mn = resampled_median(n, nn, tmp, &rng);

		d[r] = relative ? (mn - mb) / base : mn - mb;
	}
	qsort(d, o->resamples, sizeof(*d), bl_cmp_double);
	*lo = bl_quantile_sorted(d, o->resamples, alpha / 2);
	*hi = bl_quantile_sorted(d, o->resamples, 1 - alpha / 2);
	free(d);
	free(tmp);
	return 0;
}

int bl_judge_time(const struct bl_boot_sample *base, size_t nb, const struct bl_boot_sample *nw,
		  size_t nn, enum bl_direction dir, double floor, const struct bl_judge_opts *o,
		  struct bl_judgement *out)
{
	double *bm = NULL, *nm = NULL;
	size_t kb, kn;
	bool significant;
	int ret;

	if (!out || !opts_ok(o))
		return -EINVAL;
	judgement_init(out, BL_JUDGE_WELCH);
	if ((ret = check_side(base, nb, &kb)) || (ret = check_side(nw, nn, &kn)))
		return ret;
	out->base_boots = kb;
	out->new_boots = kn;
	out->calibrated = isfinite(floor) && floor >= 0;
	out->threshold = out->calibrated ? fmax(o->noise, o->floor_k * floor) : o->noise;
	if (!kb || !kn) {
		out->why = "only on one side";
		return 0;
	}
	bm = malloc(kb * sizeof(*bm));
	nm = malloc(kn * sizeof(*nm));
	if (!bm || !nm) {
		ret = -ENOMEM;
		goto out;
	}
	boot_values(base, nb, bm);
	boot_values(nw, nn, nm);
	out->base_mean = bl_mean(bm, kb);
	out->new_mean = bl_mean(nm, kn);
	set_change(out);

	if (kb >= o->min_boots && kn >= o->min_boots) {
		welch(bm, kb, nm, kn, o->confidence, out);
	} else if ((kb == 1 && kn >= o->min_boots) || (kn == 1 && kb >= o->min_boots)) {
		/* one boot against several: the several's spread, one more draw from it */
		const double *many = kb > 1 ? bm : nm;
		size_t n = kb > 1 ? kb : kn;
		double sd = bl_stddev(many, n), half;

		out->method = BL_JUDGE_ONE_VS_BOOTS;
		half = bl_t_quantile_two_sided(1 - o->confidence, (double)(n - 1)) * sd *
		       sqrt(1.0 / (double)n + 1.0);
		out->ci_lo = out->new_mean - out->base_mean - half;
		out->ci_hi = out->new_mean - out->base_mean + half;
		if (out->relative) {
			out->ci_lo /= out->base_mean;
			out->ci_hi /= out->base_mean;
		}
	} else {
		double *pb, *pn;
		size_t lb, ln;

		out->method = BL_JUDGE_WITHIN_BOOT;
		/* one boot a side: the least change that counts is the one-boot noise */
		out->threshold = out->calibrated
					 ? fmax(o->noise_one_boot, o->floor_k_one_boot * floor)
					 : o->noise_one_boot;
		if (!out->calibrated) {
			/* the verdict would rest on repetitions of one boot: unknown */
			out->why = "one boot on a side and no noise floor: run bouncelab calibrate, "
				   "or more boots";
			goto out;
		}
		pb = pool(base, nb, &lb);
		pn = pool(nw, nn, &ln);
		if (!pb || !pn) {
			free(pb);
			free(pn);
			ret = -ENOMEM;
			goto out;
		}
		if (lb >= 2 && ln >= 2) {
			ret = median_interval(pb, lb, pn, ln, out->relative, o, &out->ci_lo,
					      &out->ci_hi);
		} else {
			/* single values: the floor alone decides, the interval is the point */
			out->ci_lo = out->ci_hi = out->change;
		}
		free(pb);
		free(pn);
		if (ret)
			goto out;
	}
	/*
	 * One boot a side: the repetitions of one boot cannot tell how far
	 * another boot would fall (the floor, measured between A/A boots, can),
	 * and with a handful of repetitions one that background work landed in
	 * stretches any interval of them across 0. The floor decides alone; the
	 * interval is shown, not required.
	 */
	significant = (out->method == BL_JUDGE_WITHIN_BOOT || out->ci_lo > 0 || out->ci_hi < 0) &&
		      (!out->relative || fabs(out->change) > out->threshold);
	set_verdict(out, significant, dir);
out:
	free(bm);
	free(nm);
	return ret;
}

/* Values closer than this (relative) are one exact count printed through doubles. */
#define COUNT_EPS 1e-9

static void range_of(const struct bl_boot_sample *b, size_t n, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < b[i].n; j++) {
			*lo = fmin(*lo, b[i].v[j]);
			*hi = fmax(*hi, b[i].v[j]);
		}
}

static bool above(double a, double b)
{
	return a - b > COUNT_EPS * fmax(1, fabs(b));
}

int bl_judge_count(const struct bl_boot_sample *base, size_t nb, const struct bl_boot_sample *nw,
		   size_t nn, enum bl_direction dir, double floor, const struct bl_judge_opts *o,
		   struct bl_judgement *out)
{
	double blo, bhi, nlo, nhi, *pb, *pn;
	size_t kb, kn, lb, ln;
	bool apart;
	int ret;

	if (!out || !opts_ok(o))
		return -EINVAL;
	judgement_init(out, BL_JUDGE_EXACT);
	if ((ret = check_side(base, nb, &kb)) || (ret = check_side(nw, nn, &kn)))
		return ret;
	out->base_boots = kb;
	out->new_boots = kn;
	out->calibrated = isfinite(floor) && floor > 0;
	out->threshold = out->calibrated ? o->floor_k * floor : 0;
	if (!kb || !kn) {
		out->why = "only on one side";
		return 0;
	}
	pb = pool(base, nb, &lb);
	pn = pool(nw, nn, &ln);
	if (!pb || !pn) {
		free(pb);
		free(pn);
		return -ENOMEM;
	}
	out->base_mean = bl_mean(pb, lb);
	out->new_mean = bl_mean(pn, ln);
	free(pb);
	free(pn);
	set_change(out);
	range_of(base, nb, &blo, &bhi);
	range_of(nw, nn, &nlo, &nhi);
	/* the interval of a count comparison: how far apart the two ranges are */
	out->ci_lo = nlo - bhi;
	out->ci_hi = nhi - blo;
	if (out->relative) {
		out->ci_lo /= out->base_mean;
		out->ci_hi /= out->base_mean;
	}
	apart = above(nlo, bhi) || above(blo, nhi);
	set_verdict(out, apart && fabs(out->new_mean - out->base_mean) > out->threshold, dir);
	return 0;
}

double bl_floor_time(const double *boot_means, size_t n)
{
	double lo = INFINITY, hi = -INFINITY;

	if (n < 2)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (!(boot_means[i] > 0) || !isfinite(boot_means[i]))
			return NAN;
		lo = fmin(lo, boot_means[i]);
		hi = fmax(hi, boot_means[i]);
	}
	return hi / lo - 1;
}

double bl_floor_count(const double *boot_means, size_t n)
{
	double lo = INFINITY, hi = -INFINITY;

	if (n < 2)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(boot_means[i]))
			return NAN;
		lo = fmin(lo, boot_means[i]);
		hi = fmax(hi, boot_means[i]);
	}
	return hi - lo;
}
