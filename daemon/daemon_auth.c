/*
 * Bearer tokens (see daemon_auth.h). The comparison walks the whole
 * expected token whatever the offered one is, folding every difference
 * (and the length difference) into one accumulator, so it has no early
 * exit an attacker could time.
 */
#include "daemon_auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"

int bld_token_load(const char *path, char **out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t n, len;
	int ret;
	char *nl;

	ret = bl_read_file(path, BLD_TOKEN_MAX, &buf, &n);
	if (ret == -EFBIG) {
		snprintf(err, errlen, "token file %s: read: larger than %d bytes (a token is one line)", path,
			 BLD_TOKEN_MAX);
		return ret;
	}
	if (ret < 0) {
		snprintf(err, errlen, "token file %s: read: %s", path, strerror(-ret));
		return ret;
	}
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	len = strlen(buf);
	while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len < 16) {
		ret = -EINVAL;
		snprintf(err, errlen, "token file %s: token too short (%zu characters, need at least 16)", path, len);
		goto out;
	}
	*out = strdup(buf);
	ret = *out ? 0 : -ENOMEM;
	if (ret)
		snprintf(err, errlen, "token file %s: out of memory", path);
out:
	explicit_bzero(buf, n);
	free(buf);
	return ret;
}

int bld_ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	volatile unsigned char diff = (unsigned char)((la != lb) ? 1 : 0);

	for (size_t i = 0; i < lb; i++) {
		/* Read within @a only; past its end compare with 0 (differs from b[i] != 0). */
		unsigned char ca = i < la ? (unsigned char)a[i] : 0;

		diff |= (unsigned char)(ca ^ (unsigned char)b[i]);
	}
	return diff == 0;
}

int bld_auth_ok(const char *authorization, const char *token)
{
	const char *p;

	if (!authorization || !token)
		return 0;
	if (strncasecmp(authorization, "Bearer ", 7))
		return 0;
	p = authorization + 7;
	while (*p == ' ')
		p++;
	return bld_ct_streq(p, token);
}
