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
#include <sys/stat.h>

#include "fsutil.h"

int bld_token_load(const char *path, char **out, char *err, size_t errlen)
{
	char *buf = NULL, *start;
	size_t n, len;
	struct stat st;
	int ret;
	char *nl;

	/* A secret others can read is no secret (ssh refuses such keys too). */
	if (stat(path, &st) == 0 && (st.st_mode & 077)) {
		snprintf(err, errlen,
			 "token file %s: mode %04o lets others read or change it; chmod 600 it (owner only)", path,
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
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
	/*
	 * Blanks at either end are an editor's, never the token's: a client
	 * sends "Bearer TOKEN" without them, so a token kept with a leading
	 * space could never match.
	 */
	start = buf + strspn(buf, " \t");
	len = strlen(start);
	while (len && (start[len - 1] == ' ' || start[len - 1] == '\t' || start[len - 1] == '\r'))
		start[--len] = '\0';
	if (strpbrk(start, " \t")) {
		ret = -EINVAL;
		snprintf(err, errlen, "token file %s: the token contains a blank (a bearer token is one word)", path);
		goto out;
	}
	if (len < 16) {
		ret = -EINVAL;
		snprintf(err, errlen, "token file %s: token too short (%zu characters, need at least 16)", path, len);
		goto out;
	}
	*out = strdup(start);
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
