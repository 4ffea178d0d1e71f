/*
 * Sizes and durations (see units.h). Both are parsed by hand, not with
 * strtoull/strtod: those accept signs, leading blanks in the middle of a
 * list, hex, exponents and "inf", and a double loses nanoseconds above
 * about 104 days; here every accepted form is listed in this file.
 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static const char *skip_blanks(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* Digits at *@pp into *@v, moving *@pp past them. -EINVAL when none, -ERANGE on overflow. */
static int digits(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	uint64_t n = 0;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	*pp = p;
	*v = n;
	return 0;
}

int bl_parse_size(const char *s, uint64_t *bytes)
{
	const char *p;
	unsigned shift = 0;
	uint64_t v;
	int err;

	if (!s)
		return -EINVAL;
	p = skip_blanks(s);
	if ((err = digits(&p, &v)))
		return err;
	switch (toupper((unsigned char)*p)) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	default: break;
	}
	if (shift) {
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*skip_blanks(p))
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

int bl_parse_duration_ns(const char *s, uint64_t *ns)
{
	/* Matched whole: "m" is minutes, "ms" milliseconds, "min" minutes too. */
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "ms", 1000000 },
		{ "min", 60000000000ull },
		{ "s", 1000000000ull },
		{ "m", 60000000000ull },
		{ "h", 3600000000000ull },
		{ "d", 86400000000000ull },
	};
	const char *p, *frac = NULL, *end;
	uint64_t whole = 0, mult = 1000000000ull, v, part;
	size_t unit_len;
	bool found = false;
	int err;

	if (!s)
		return -EINVAL;
	p = skip_blanks(s);
	if (*p == '.' && isdigit((unsigned char)p[1])) {
		frac = p + 1;
	} else {
		if ((err = digits(&p, &whole)))
			return err;
		if (*p == '.')
			frac = p + 1;
	}
	/* The unit starts after the fraction's digits ("1." is allowed, as strtod allows it). */
	end = frac ? frac + strspn(frac, "0123456789") : p;
	unit_len = strcspn(end, " \t\n\v\f\r");
	if (*skip_blanks(end + unit_len))
		return -EINVAL;
	if (unit_len) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strlen(units[i].name) == unit_len &&
			    !strncmp(end, units[i].name, unit_len)) {
				mult = units[i].ns;
				found = true;
				break;
			}
		}
		if (!found)
			return -EINVAL;
	}
	if (whole > UINT64_MAX / mult)
		return -ERANGE;
	v = whole * mult;
	/* Each fraction digit is worth a tenth of the one before: exact while that is >= 1 ns. */
	part = mult;
	for (const char *f = frac; f && f < end && part >= 10; f++) {
		uint64_t add;

		part /= 10;
		add = (uint64_t)(*f - '0') * part;
		if (v > UINT64_MAX - add)
			return -ERANGE;
		v += add;
	}
	*ns = v;
	return 0;
}
