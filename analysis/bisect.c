/*
 * The bisection of `bouncelab bisect` (see bisect.h): both ends, then the
 * middle of the versions still in doubt, every version judged against the
 * first one (not against its neighbour), so a row's verdict always has the
 * same base and a drift of many small steps is caught at the step that
 * takes it beyond the noise floor.
 */
#include "bisect.h"

#include <errno.h>

const char *an_bisect_verdict_name(enum an_bisect_verdict v)
{
	switch (v) {
	case AN_BISECT_SAME:
		return "same";
	case AN_BISECT_CHANGED:
		return "changed";
	case AN_BISECT_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Boots @i and judges it against version 0. */
static int probe(const struct an_bisect_ops *ops, size_t i, struct an_bisect_result *out,
		 enum an_bisect_verdict *v)
{
	int ret = ops->boot(ops->user, i);

	if (ret)
		return ret < 0 ? ret : -EIO;
	out->boots++;
	ret = ops->judge(ops->user, 0, i, v);
	return ret < 0 ? ret : ret ? -EIO : 0;
}

int an_bisect(size_t n, const struct an_bisect_ops *ops, struct an_bisect_result *out)
{
	enum an_bisect_verdict v;
	size_t lo = 0, hi = n - 1;
	int ret;

	*out = (struct an_bisect_result){ 0 };
	if (n < 2 || !ops || !ops->boot || !ops->judge)
		return -EINVAL;
	if ((ret = ops->boot(ops->user, 0)))
		return ret < 0 ? ret : -EIO;
	out->boots++;
	/* the far end first: no change across the list, nothing to bisect */
	if ((ret = probe(ops, hi, out, &v)))
		return ret;
	if (v == AN_BISECT_SAME) {
		out->outcome = AN_BISECT_NO_CHANGE;
		return 0;
	}
	while (v != AN_BISECT_UNKNOWN && hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if ((ret = probe(ops, mid, out, &v)))
			return ret;
		if (v == AN_BISECT_CHANGED)
			hi = mid;
		else if (v == AN_BISECT_SAME)
			lo = mid;
		else
			hi = mid; /* reported as undecided below */
	}
	if (v == AN_BISECT_UNKNOWN) {
		out->outcome = AN_BISECT_UNDECIDED;
		out->undecided = hi;
		return 0;
	}
	out->outcome = AN_BISECT_FOUND;
	out->first_changed = hi;
	out->last_same = lo;
	return 0;
}
