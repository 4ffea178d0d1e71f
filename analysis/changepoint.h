/*
 * Change points in a series of measurements (one value per night, or per
 * kernel package version, oldest first): where the level of the series
 * shifts, and by how much (issue 14).
 *
 * The method is E-divisive means (Matteson and James, "A Nonparametric
 * Approach for Multiple Change Point Analysis of Multivariate Data", JASA
 * 2014), with alpha = 1 and the permutation test of significance, as
 * MongoDB's performance CI uses it (Daly et al., "Change Point Detection in
 * Software Performance Testing", ICPE 2020) and from which Apache Otava
 * (Hunter) started before it replaced the permutations by a t-test:
 *
 *  - a split at tau divides the series into X = x[0..tau) and
 *    Y = x[tau..n); its statistic is the energy distance between them,
 *    Q(tau) = (tau (n - tau) / n) (2 mean|X - Y| - mean|X - X'| - mean|Y - Y'|)
 *    (means over pairs), largest where the two sides differ most in
 *    distribution, whatever the distribution (no normality assumed);
 *  - the best split's significance: the series is shuffled R times and
 *    the best split of each shuffle computed; p = (1 + shuffles whose best
 *    Q reaches the observed one) / (R + 1). With R = 999 the smallest p is
 *    0.001, so p <= 0.001 means no shuffle came near;
 *  - a significant split is kept when it is also large enough to matter:
 *    |mean(Y) / mean(X) - 1| >= min_change (times and counts alike are
 *    measured relative to the level before), and each side has at least
 *    min_size points (one outlier night is not a new level);
 *  - then each side is searched again (binary segmentation), until no
 *    segment has a kept split.
 *
 * A short series cannot reach p <= 0.001 at all: 12 points split 7 + 5
 * have only C(12, 5) = 792 distinct orders, so about one shuffle in 792
 * is the series itself. Under about 15 points no change point is found
 * however large the step; that is the price of the strict p.
 *
 * The shuffles come from the analysis's seeded generator (stats.h), so the
 * same series and seed give the same change points on every machine.
 * Cost: O(n^2) per shuffle (pairwise distances computed once), n = 60 and
 * R = 999 about 4 million steps per segment.
 */
#ifndef BL_CHANGEPOINT_H
#define BL_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

#define AN_CP_MAX_POINTS 4096 /* longer series are refused: the distances are n^2 */

struct an_cp_opts {
	double p_max;	    /* a split is significant at p <= this (0.001) */
	unsigned shuffles;  /* permutations per test (999: p can reach 0.001) */
	double min_change;  /* least |relative change of the mean| kept (0.02) */
	size_t min_size;    /* least points on each side of a split (3) */
	uint64_t seed;	    /* of the shuffles */
};

void an_cp_opts_default(struct an_cp_opts *o);

struct an_change_point {
	size_t index;	 /* the first point of the new level: x[index] */
	double before;	 /* mean of the segment before (down to the previous change point) */
	double after;	 /* mean of the segment after (up to the next) */
	double change;	 /* after / before - 1; after - before when before is 0 */
	double p;	 /* the permutation test's p-value */
	double q;	 /* the split's E-divisive statistic */
};

/*
 * Finds the change points of x[0..n) (finite values), oldest first. *@out
 * (malloc'd, free() it; NULL when none) gets them sorted by index, *@nout
 * their number. 0, -EINVAL (bad options, n above AN_CP_MAX_POINTS, a
 * non-finite value) or -ENOMEM. Fewer than 2 x min_size points: none.
 */
int an_change_points(const double *x, size_t n, const struct an_cp_opts *o, struct an_change_point **out,
		     size_t *nout);

#endif
