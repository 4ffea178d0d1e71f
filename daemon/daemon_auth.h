/*
 * Bearer-token authentication for bouncelabd's TCP listener: the token is
 * read from a file at start-up (and on SIGHUP), and an Authorization
 * header is compared with it in constant time, so the time a refusal takes
 * says nothing about how much of a guess was right.
 */
#ifndef BLD_AUTH_H
#define BLD_AUTH_H

#include <stddef.h>

#define BLD_TOKEN_MAX 4096 /* bytes in the token file, at most */

/*
 * Reads the token from @path: the first line, blanks at both ends removed;
 * one word of at least 16 characters. Refused: a file others may read or
 * write (any group/other mode bit, -EPERM), one larger than BLD_TOKEN_MAX
 * bytes (-EFBIG). *@out is malloc'd. 0 or -errno with @err saying why.
 */
int bld_token_load(const char *path, char **out, char *err, size_t errlen);

/* 1 when @a and @b (NUL-terminated) are equal; time depends on strlen(@b) only. */
int bld_ct_streq(const char *a, const char *b);

/*
 * 1 when @authorization (the header value, may be NULL) is
 * "Bearer <token>" with exactly @token; 0 otherwise.
 */
int bld_auth_ok(const char *authorization, const char *token);

#endif
