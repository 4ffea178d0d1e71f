/*
 * E-divisive means with a permutation test (see changepoint.h for the
 * method and its sources). The statistic of every split of a segment comes
 * from running sums over the pairwise distances, so all splits cost
 * O(m^2) together instead of O(m^3); a shuffle is a permutation of indices
 * into the same distance matrix, so the distances are computed once.
 */
#include "changepoint.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

void an_cp_opts_default(struct an_cp_opts *o)
{
	o->p_max = 0.001;
	o->shuffles = 999;
	o->min_change = 0.02;
	o->min_size = 3;
	o->seed = 0x6368616e67655074ULL; /* "changePt" */
}

struct cp_ctx {
	const double *x;
	size_t n;
	double *d;	/* n x n: |x[i] - x[j]| */
	size_t *perm;	/* scratch: the segment's indices, shuffled */
	double *row;	/* scratch: per position, the sum of distances to earlier positions */
	const struct an_cp_opts *o;
	struct bl_rng rng;
	struct an_change_point *cp;
	size_t ncp, cap;
};

/*
 * The best split of the m points idx[0..m) (positions in that order):
 * returns the largest Q over splits leaving min_size on each side, its
 * position in *@at. Within-left, within-right and total distances are
 * running sums: W_L grows by the new point's distances to those before
 * it, W_R = total - W_L - B, and B from the row sums.
 */
static double best_split(struct cp_ctx *c, const size_t *idx, size_t m, size_t *at)
{
	double total = 0, wl = 0, best = -1, cross_prefix = 0;
	size_t k = c->o->min_size;

	/* row[j]: distances of point j to the points before it; total over all pairs */
	for (size_t j = 0; j < m; j++) {
		const double *dj = c->d + idx[j] * c->n;
		double s = 0;

		for (size_t i = 0; i < j; i++)
			s += dj[idx[i]];
		c->row[j] = s;
		total += s;
	}
	/*
	 * Moving point t-1 from the right side to the left: W_L gains its
	 * distances to the left (row[t-1]); the sum of all distances from
	 * left points to anything, S_L, gains its distances to every point;
	 * then B = S_L - 2 W_L and W_R = total - W_L - B.
	 */
	for (size_t t = 1; t < m; t++) {
		const double *dt = c->d + idx[t - 1] * c->n;
		double all = 0, b, wr, tau = (double)t, rest = (double)(m - t), e, q;

		for (size_t j = 0; j < m; j++)
			all += dt[idx[j]];
		wl += c->row[t - 1];
		cross_prefix += all;
		b = cross_prefix - 2 * wl;
		wr = total - wl - b;
		if (t < k || m - t < k)
			continue;
		e = 2 * b / (tau * rest) - (t > 1 ? wl / (tau * (tau - 1) / 2) : 0) -
		    (m - t > 1 ? wr / (rest * (rest - 1) / 2) : 0);
		q = tau * rest / (double)m * e;
		if (q > best) {
			best = q;
			*at = t;
		}
	}
	return best;
}

static double seg_mean(const double *x, size_t from, size_t to)
{
	double s = 0;

	for (size_t i = from; i < to; i++)
		s += x[i];
	return s / (double)(to - from);
}

static int cp_push(struct cp_ctx *c, const struct an_change_point *p)
{
	if (c->ncp == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct an_change_point *v = realloc(c->cp, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->cp = v;
		c->cap = cap;
	}
	c->cp[c->ncp++] = *p;
	return 0;
}

/* Binary segmentation of x[from..to): the best split, tested, then both sides. */
static int segment(struct cp_ctx *c, size_t from, size_t to)
{
	size_t m = to - from, at = 0, reached = 0, pat;
	struct an_change_point p = { 0 };
	double q;
	int ret;

	if (m < 2 * c->o->min_size)
		return 0;
	for (size_t i = 0; i < m; i++)
		c->perm[i] = from + i;
	q = best_split(c, c->perm, m, &at);
	if (q <= 0)
		return 0;
	p.index = from + at;
	p.before = seg_mean(c->x, from, p.index);
	p.after = seg_mean(c->x, p.index, to);
	p.change = p.before != 0 ? p.after / p.before - 1 : p.after - p.before;
	p.q = q;
	/* too small to matter: no need to test it, and its sides are left alone */
	if (!(fabs(p.change) >= c->o->min_change))
		return 0;
	for (unsigned r = 0; r < c->o->shuffles; r++) {
		/* Fisher-Yates over the segment's indices */
		for (size_t i = m - 1; i > 0; i--) {
			size_t j = (size_t)bl_rng_below(&c->rng, i + 1), t = c->perm[i];

			c->perm[i] = c->perm[j];
			c->perm[j] = t;
		}
		if (best_split(c, c->perm, m, &pat) >= q)
			reached++;
	}
	p.p = (1.0 + (double)reached) / (1.0 + (double)c->o->shuffles);
	if (p.p > c->o->p_max)
		return 0;
	if ((ret = cp_push(c, &p)) || (ret = segment(c, from, p.index)) || (ret = segment(c, p.index, to)))
		return ret;
	return 0;
}

static int cmp_index(const void *a, const void *b)
{
	const struct an_change_point *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

int an_change_points(const double *x, size_t n, const struct an_cp_opts *o, struct an_change_point **out,
		     size_t *nout)
{
	struct cp_ctx c = { .x = x, .n = n, .o = o };
	int ret;

	*out = NULL;
	*nout = 0;
	if (!o || !(o->p_max > 0) || !o->shuffles || !(o->min_change >= 0) || !o->min_size ||
	    n > AN_CP_MAX_POINTS || (n && !x))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return -EINVAL;
	if (n < 2 * o->min_size)
		return 0;
	c.d = malloc(n * n * sizeof(*c.d));
	c.perm = malloc(n * sizeof(*c.perm));
	c.row = malloc(n * sizeof(*c.row));
	if (!c.d || !c.perm || !c.row) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			c.d[i * n + j] = fabs(x[i] - x[j]);
	bl_rng_seed(&c.rng, o->seed);
	ret = segment(&c, 0, n);
	if (ret)
		goto out;
	if (c.ncp) /* qsort wants an array, even of none */
		qsort(c.cp, c.ncp, sizeof(*c.cp), cmp_index);
	/*
	 * Each change point's before/after were the means of the segment it
	 * split; with its neighbours known, recompute them over the levels
	 * between neighbouring change points, what a reader compares.
	 */
	for (size_t i = 0; i < c.ncp; i++) {
		size_t lo = i ? c.cp[i - 1].index : 0, hi = i + 1 < c.ncp ? c.cp[i + 1].index : n;
		struct an_change_point *p = &c.cp[i];

		p->before = seg_mean(x, lo, p->index);
		p->after = seg_mean(x, p->index, hi);
		p->change = p->before != 0 ? p->after / p->before - 1 : p->after - p->before;
	}
	*out = c.cp;
	*nout = c.ncp;
	c.cp = NULL;
out:
	free(c.cp);
	free(c.d);
	free(c.perm);
	free(c.row);
	return ret;
}
