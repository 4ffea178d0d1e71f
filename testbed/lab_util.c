/*
 * Small helpers of the lab runner (see lab_internal.h): bounded string
 * formatting, the monotonic clock, reading a whole file, and running a
 * helper script (fetch-kernel.sh, mkinitramfs.sh, gembench --check) with
 * its output captured. Nothing here knows about kernels, boots or
 * documents.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab_internal.h"

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

int lab_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = -1, ret = 0;
	size_t cap = 4096, n = 0;
	char *b = NULL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b = malloc(cap + 1);
	if (!b) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap >= max)
				break;
			cap *= 2;
			nb = realloc(b, cap + 1);
			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	close(fd);
	return ret;
}


/* Two pipes read with poll, so neither helper output fills up and blocks it. */
int lab_run_capture(char *const argv[], char **out, char **err)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	char *buf[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };
	pid_t pid = -1;
	int ret, status;

	*out = *err = NULL;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		ret = -errno;
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		buf[i] = calloc(1, LAB_CAPTURE_MAX + 1);
		if (!buf[i]) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto fail;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: exec: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	{
		struct pollfd pfd[2] = { { .fd = po[0], .events = POLLIN }, { .fd = pe[0], .events = POLLIN } };
		int open_fds = 2;

		while (open_fds) {
			if (poll(pfd, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (int i = 0; i < 2; i++) {
				char tmp[4096];
				ssize_t r;

				if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				r = read(pfd[i].fd, tmp, sizeof(tmp));
				if (r <= 0) {
					pfd[i].fd = -1;
					open_fds--;
					continue;
				}
				if (len[i] + (size_t)r > LAB_CAPTURE_MAX)
					r = (ssize_t)(LAB_CAPTURE_MAX - len[i]);
				memcpy(buf[i] + len[i], tmp, (size_t)r);
				len[i] += (size_t)r;
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			goto fail;
		}
	}
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	*out = buf[0];
	*err = buf[1];
	buf[0] = buf[1] = NULL;
fail:
	for (int i = 0; i < 2; i++) {
		free(buf[i]);
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return ret;
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

