/*
 * Bisecting an ordered list of kernel versions for the first one whose
 * metric differs from the first version's (`bouncelab bisect`, issue 14).
 *
 * The search is pure: it decides which version to boot next and calls back
 * to boot it and to judge it against the first, so a unit test drives it
 * with a fake boot over a known change (tests/unit/test_bisect.c) and
 * cli/cmd_bisect.c with the testbed (one QEMU boot per call) and the row
 * verdicts of analysis/judge.h (the noise floor decides what "differs" is).
 *
 * It boots both ends first: when the last version does not differ from the
 * first there is nothing to find (one assumes, as git bisect does, a single
 * change along the list; a change that comes and goes again between the
 * ends is not seen). Otherwise the invariant is: version lo is judged the
 * same as the first, version hi differs, and each boot halves hi - lo, so n
 * versions take at most 2 + ceil(log2(n - 1)) boots (6 versions: 5). No
 * version is booted twice.
 */
#ifndef BL_BISECT_H
#define BL_BISECT_H

#include <stddef.h>

enum an_bisect_verdict {
	AN_BISECT_SAME,	   /* within the noise floor of the first version */
	AN_BISECT_CHANGED, /* differs beyond it */
	AN_BISECT_UNKNOWN, /* cannot tell (no floor for a time, no rows to compare) */
};

struct an_bisect_ops {
	/*
	 * Required. Boots version @i (0-based position in the list) and keeps
	 * what it measured for judge(). Called at most once per version.
	 * 0, or -errno: the search stops and an_bisect returns it.
	 */
	int (*boot)(void *user, size_t i);
	/*
	 * Required. Judges version @i against version @base (both booted):
	 * does the metric differ beyond the noise floor? 0 with *@out set, or
	 * -errno: the search stops and an_bisect returns it.
	 */
	int (*judge)(void *user, size_t base, size_t i, enum an_bisect_verdict *out);
	void *user; /* passed to both */
};

enum an_bisect_outcome {
	AN_BISECT_FOUND,     /* first_changed is the first version that differs */
	AN_BISECT_NO_CHANGE, /* the last version is the same as the first */
	AN_BISECT_UNDECIDED, /* judge() said unknown for version @undecided */
};

struct an_bisect_result {
	enum an_bisect_outcome outcome;
	size_t first_changed; /* FOUND: the first version judged to differ */
	size_t last_same;     /* FOUND: the version before it; both are booted (the evidence) */
	size_t undecided;     /* UNDECIDED: the version judge() could not tell */
	size_t boots;	      /* boot() calls made */
};

/*
 * Bisects versions 0 .. @n - 1 (oldest first) against version 0. 0 when
 * the search came to an outcome (in *@out, also for NO_CHANGE and
 * UNDECIDED); -EINVAL for fewer than 2 versions or missing callbacks; a
 * callback's -errno (then *@out has the boots made so far).
 */
int an_bisect(size_t n, const struct an_bisect_ops *ops, struct an_bisect_result *out);

const char *an_bisect_verdict_name(enum an_bisect_verdict v); /* "same", "changed", "unknown" */

#endif
