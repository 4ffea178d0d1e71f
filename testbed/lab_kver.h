/*
 * Kernel selectors: what one item of `--kernels` may say (issue 14).
 *
 *   6.12                 a series: its newest version in apt's index
 *   6.12.111, 6.1.0-53   an exact Debian version, as the package name spells
 *                        it without +debNN (linux-image-6.12.111+deb12-...,
 *                        linux-image-6.1.0-53-...)
 *   6.12.107..6.12.118   a range: every version of one series in apt's
 *                        index from the first to the last, both included
 *   6.12:cloud           any of these in a flavour (cloud, rt); none = the
 *                        plain -amd64 kernels
 *
 * This file checks the form only (pure, unit-tested in test_lab_kver.c):
 * digits and dots, a range whose ends are exact versions of one series, a
 * known flavour. Whether apt knows the versions, and which versions a
 * range holds, testbed/fetch-kernel.sh answers (lab_kernel.c asks it), still
 * before anything boots. The two must agree on the grammar; the script's
 * own checks say the same things with the same words.
 */
#ifndef BL_LAB_KVER_H
#define BL_LAB_KVER_H

#include <stdbool.h>
#include <stddef.h>

#define LAB_KVER_MAX 47 /* characters in one selector ("6.1.0-47..6.1.0-57:cloud" is 24) */

enum lab_kver_kind {
	LAB_KVER_SERIES, /* 6.12 */
	LAB_KVER_EXACT,	 /* 6.12.111, 6.1.0-53 */
	LAB_KVER_RANGE,	 /* FIRST..LAST */
};

struct lab_kver {
	enum lab_kver_kind kind;
	char series[LAB_KVER_MAX + 1];	/* 6.12 (the first two numbers) */
	char first[LAB_KVER_MAX + 1];	/* the version, or the range's first; the series for SERIES */
	char last[LAB_KVER_MAX + 1];	/* the range's last; "" otherwise */
	char flavour[LAB_KVER_MAX + 1]; /* "cloud", "rt"; "" for the plain kernels */
};

/*
 * Parses one selector. 0, or -EINVAL with @err naming the selector and what
 * is wrong ("--kernels '6.1.0-47..6.12.118': a range crosses series ...").
 * A range whose first is newer than its last is refused here too (an empty
 * range), by the numbers' order; apt's index is not consulted.
 */
int lab_kver_parse(const char *text, struct lab_kver *out, char *err, size_t errlen);

/* Is @a older than @b? Both exact versions of lab_kver_parse's form; numbers compared in order. */
int lab_kver_cmp(const char *a, const char *b);

#endif
