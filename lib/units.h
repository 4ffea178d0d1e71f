/*
 * Sizes and durations as people write them in job files, options and the
 * daemon's config ("64K", "1GiB", "500ms", "2m"), parsed one way for every
 * program. Only the syntax and the range of the type are checked here;
 * what a caller allows on top (gembench: a multiple of 4K, at most 1T;
 * at most a day) stays with the caller.
 */
#ifndef BL_UNITS_H
#define BL_UNITS_H

#include <stdint.h>

/*
 * Decimal digits with an optional binary suffix K, M, G or T (powers of
 * 1024, any case), which may be followed by "i", "B" or "iB" ("4K", "4k",
 * "4KB", "4Ki", "4KiB"); a bare number may end in "B" ("4096B"). Blanks
 * around it are ignored. No sign, fraction or other base. 0 with
 * *@bytes set; -EINVAL for anything else (*@bytes untouched); -ERANGE
 * when the value does not fit in 64 bits.
 */
int bl_parse_size(const char *s, uint64_t *bytes);

/*
 * A decimal number, with an optional fraction ("1.5s", ".5s"), and an
 * optional unit: ns, us, ms, s, m or min, h, d; none means seconds. Blanks
 * around it are ignored; no sign or exponent. The result is exact to the
 * nanosecond (integer arithmetic; digits below a nanosecond are dropped).
 * 0 with *@ns set; -EINVAL for anything else (*@ns untouched); -ERANGE
 * when it does not fit in 64 bits of nanoseconds (about 584 years).
 */
int bl_parse_duration_ns(const char *s, uint64_t *ns);

#endif
