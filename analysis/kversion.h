/*
 * Debian package versions of kernels, and the rule that keeps them apart
 * (issue 14): a selector that names a series (kernel=6.12) matches every
 * package version of it the store holds (6.12.111-1~deb12u1, 6.12.118-...)
 * and comparing or reporting them as one sample would mix kernels. So of
 * the runs a filter loads, only the newest package version of each series
 * (when the filter names a kernel) or of each release (when it does not:
 * a release rebuilt as -1 and -2 is one release name over two packages)
 * is kept, and what was left out is said on stderr, with how to get it:
 * versions=all keeps every version, kernel=<package version> picks one.
 * Runs without a package version (outside the testbed) are kept as they are.
 */
#ifndef BL_KVERSION_H
#define BL_KVERSION_H

#include "dataset.h"
#include "store.h"

/*
 * Orders two Debian versions as dpkg does ([epoch:]upstream[-revision];
 * '~' sorts before everything, even the end: 6.12.118-1~deb12u1 <
 * 6.12.118-1). <0, 0, >0. NULL sorts first.
 */
int an_debver_cmp(const char *a, const char *b);

/*
 * The rule above, on runs loaded with @f (NULL: no filter). Nothing is
 * dropped when @f says versions=all or names one run. Returns the number
 * of runs dropped; each dropped version is named once on stderr.
 */
size_t an_runs_newest_versions(struct an_runs *runs, const struct bl_run_filter *f);

#endif
