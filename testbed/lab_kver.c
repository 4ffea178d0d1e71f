/*
 * The form of a kernel selector (see lab_kver.h). Versions are compared
 * number by number, the ABI number after '-' last: for the forms accepted
 * here that is the order dpkg gives the labels (6.1.0-47 < 6.1.0-53,
 * 6.12.107 < 6.12.111), which fetch-kernel.sh uses on apt's index.
 */
#include "lab_kver.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KVER_MAX_NUMS 8 /* numbers in a version: 6.1.0-53 has four */

/*
 * Splits "6.1.0-53" into its numbers (6 1 0 53) and how many came before
 * the dash (3). false unless digits(.digits)+(-digits)?.
 */
static bool kver_numbers(const char *s, unsigned long *num, size_t *n, size_t *dotted)
{
	bool dash = false;

	*n = 0;
	*dotted = 0;
	for (;;) {
		char *end;

		if (!isdigit((unsigned char)*s) || *n == KVER_MAX_NUMS)
			return false;
		num[(*n)++] = strtoul(s, &end, 10);
		s = end;
		if (!dash)
			*dotted = *n;
		if (!*s)
			return *dotted >= 2;
		if (*s == '-' && !dash)
			dash = true;
		else if (*s != '.' || dash)
			return false;
		s++;
	}
}

static bool kver_is_exact(const char *s)
{
	unsigned long num[KVER_MAX_NUMS];
	size_t n, dotted;

	return kver_numbers(s, num, &n, &dotted) && dotted == 3;
}

int lab_kver_cmp(const char *a, const char *b)
{
	unsigned long na[KVER_MAX_NUMS], nb[KVER_MAX_NUMS];
	size_t la = 0, lb = 0, da, db;

	if (!kver_numbers(a, na, &la, &da))
		la = 0;
	if (!kver_numbers(b, nb, &lb, &db))
		lb = 0;
	for (size_t i = 0; i < la && i < lb; i++)
		if (na[i] != nb[i])
			return na[i] < nb[i] ? -1 : 1;
	return la < lb ? -1 : la > lb;
}

/* "6.12" of "6.12.111" or "6.1" of "6.1.0-53". */
static void kver_series(const char *v, char *buf, size_t len)
{
	size_t n = strcspn(v, ".");

	n += 1 + strcspn(v + n + 1, ".-");
	snprintf(buf, len, "%.*s", (int)n, v);
}

int lab_kver_parse(const char *text, struct lab_kver *out, char *err, size_t errlen)
{
	char buf[LAB_KVER_MAX + 1], *colon, *dots;
	unsigned long num[KVER_MAX_NUMS];
	size_t n, dotted;
	struct lab_kver k = { 0 };

	if (!text || strlen(text) > LAB_KVER_MAX) {
		snprintf(err, errlen, "--kernels '%.*s...': longer than %d characters", 24, text ? text : "",
			 LAB_KVER_MAX);
		return -EINVAL;
	}
	strcpy(buf, text);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		if (strcmp(colon + 1, "cloud") && strcmp(colon + 1, "rt")) {
			snprintf(err, errlen,
				 "--kernels '%s': unknown flavour '%s' (expected cloud or rt, or none for the plain "
				 "amd64 kernels)",
				 text, colon + 1);
			return -EINVAL;
		}
		strcpy(k.flavour, colon + 1);
	}
	dots = strstr(buf, "..");
	if (dots) {
		*dots = '\0';
		strcpy(k.first, buf);
		strcpy(k.last, dots + 2);
		if (!kver_is_exact(k.first) || !kver_is_exact(k.last)) {
			snprintf(err, errlen,
				 "--kernels '%s': range end '%s' is not an exact version (like 6.12.107 or 6.1.0-47)",
				 text, kver_is_exact(k.first) ? k.last : k.first);
			return -EINVAL;
		}
		kver_series(k.first, k.series, sizeof(k.series));
		kver_series(k.last, buf, sizeof(buf));
		if (strcmp(k.series, buf)) {
			snprintf(err, errlen,
				 "--kernels '%s': a range crosses series (%s is %s, %s is %s): a range stays within "
				 "one series",
				 text, k.first, k.series, k.last, buf);
			return -EINVAL;
		}
		if (lab_kver_cmp(k.first, k.last) > 0) {
			snprintf(err, errlen, "--kernels '%s': the range is empty: %s is newer than %s", text,
				 k.first, k.last);
			return -EINVAL;
		}
		k.kind = LAB_KVER_RANGE;
	} else if (kver_is_exact(buf)) {
		strcpy(k.first, buf);
		kver_series(buf, k.series, sizeof(k.series));
		k.kind = LAB_KVER_EXACT;
	} else if (kver_numbers(buf, num, &n, &dotted) && n == 2 && dotted == 2) {
		strcpy(k.first, buf);
		strcpy(k.series, buf);
		k.kind = LAB_KVER_SERIES;
	} else {
		snprintf(err, errlen,
			 "--kernels '%s': not a kernel (expected a series like 6.12, a version like 6.12.111 or "
			 "6.1.0-53, or a range like 6.12.107..6.12.118, each optionally :cloud or :rt)",
			 text);
		return -EINVAL;
	}
	*out = k;
	return 0;
}
