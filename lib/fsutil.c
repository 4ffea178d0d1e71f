/*
 * File-system helpers: see fsutil.h.
 */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int bl_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	/* Each parent in turn; EEXIST is what a second run sees. */
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int bl_make_parent(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	char *slash;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	return bl_mkdir_p(buf, mode);
}

int bl_read_fd(int fd, size_t max, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b;

	*buf = NULL;
	if (len)
		*len = 0;
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2; /* so that cap + 2 cannot wrap */
	if (cap > max)
		cap = max;
	/* +1 for the NUL, +1 so that one byte over @max is seen and refused. */
	b = malloc(cap + 2);
	if (!b)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap + 1) {
			char *nb;

			if (cap >= max) {
				free(b);
				return -EFBIG;
			}
			cap = cap > max / 2 ? max : 2 * cap;
			nb = realloc(b, cap + 2);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		r = read(fd, b + n, cap + 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(b);
			return -errno;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(b);
		return -EFBIG;
	}
	b[n] = '\0';
	*buf = b;
	if (len)
		*len = n;
	return 0;
}

int bl_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	*buf = NULL;
	if (len)
		*len = 0;
	if (fd < 0)
		return -errno;
	err = bl_read_fd(fd, max, buf, len);
	close(fd);
	return err;
}

int bl_first_long_line(const char *path, size_t max, int *lineno)
{
	FILE *f = fopen(path, "re");
	size_t len = 0;
	int c, line = 1, ret = 0;

	if (!f)
		return -errno;
	while ((c = getc(f)) != EOF) {
		if (c == '\n') {
			line++;
			len = 0;
		} else if (c != '\r' && ++len > max) {
			*lineno = line;
			ret = 1;
			break;
		}
	}
	if (!ret && ferror(f))
		ret = -EIO;
	fclose(f);
	return ret;
}

/* What a stat mode is, for the refusal. */
static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int bl_check_text_file(const char *path, off_t max, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int ret = -errno;

		bl_seterr(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		bl_seterr(err, errlen, "%s: not a regular file (%s)", path, file_kind(st.st_mode));
		return -EINVAL;
	}
	if (st.st_size > max) {
		bl_seterr(err, errlen, "%s: %lld bytes, more than the limit of %lld", path,
			  (long long)st.st_size, (long long)max);
		return -EFBIG;
	}
	return 0;
}
