/*
 * Small helpers of the lab runner (see lab_internal.h): bounded string
 * formatting, the monotonic clock, the tail of a file (a console log), and
 * running a helper script (fetch-kernel.sh, mkinitramfs.sh, gembench
 * --check) with its output captured, through lib/subprocess.h. Whole files
 * are read with lib/fsutil.h's bl_read_file(). Nothing here knows about
 * kernels, boots or documents.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "lab_internal.h"
#include "paths.h"
#include "subprocess.h"

#define LAB_CAPTURE_MAX (1u << 20) /* output kept from a helper script */

/*
 * Reports truncation instead of leaving the compiler to guess: paths and
 * messages here are bounded, and a cut message is still a message.
 */
int lab_sfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

double lab_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


bool lab_is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

int lab_read_tail(const char *path, size_t max, char **buf, size_t *len)
{
	struct stat st;
	int fd, ret;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Only a regular file has a size to count back from; anything else is read whole. */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max &&
	    lseek(fd, st.st_size - (off_t)max, SEEK_SET) < 0) {
		ret = -errno;
		goto out;
	}
	ret = bl_read_fd(fd, max, buf, len);
out:
	close(fd);
	return ret;
}

int lab_run_capture(char *const argv[], char **out, char **err)
{
	struct bl_spawn_result res;
	int ret;

	*out = *err = NULL;
	ret = bl_spawn_run(argv,
			   &(struct bl_spawn_opts){ .in = BL_SPAWN_NULL,
						    .out = BL_SPAWN_CAPTURE,
						    .err = BL_SPAWN_CAPTURE,
						    .capture_max = LAB_CAPTURE_MAX },
			   &res);
	if (ret)
		return ret;
	*out = res.out;
	*err = res.err;
	return bl_spawn_code(&res);
}

void lab_one_line(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ';';
}

int lab_kv_get(const char *text, const char *key, char *dst, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t n = strcspn(v, "\n");

			if (n >= len)
				return -ENAMETOOLONG;
			memcpy(dst, v, n);
			dst[n] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}
