/*
 * daemon_idle: opens N connections to bouncelabd's unix socket and sends
 * nothing (a slow-loris / idle flood), checks that /healthz on a fresh
 * connection is still answered meanwhile, then waits for the daemon to
 * cut the idle connections off at its timeout.
 *
 *   daemon_idle --socket PATH [--conns N] [--wait SECONDS]
 *
 * Prints "opened=.. refused=.. healthz_code=.. healthz_ms=..
 * closed_by_server=.. still_open=.." once --wait seconds have passed (or
 * every connection is gone). Exit 0 when healthz answered 200 and no
 * connection is still open at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int open_conn(const char *path, int nonblock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* GET /healthz on a new connection; the status code, or -1. */
static int healthz(const char *path, double limit_ms)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n";
	char buf[512];
	struct timeval tv = { (time_t)(limit_ms / 1000), 0 };
	int fd = open_conn(path, 0), code = -1;
	ssize_t n;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
				code = -1;
		}
	}
	close(fd);
	return code;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "conns", required_argument, NULL, 'n' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	long n = 1000, opened = 0, refused = 0, closed = 0;
	double wait_s = 10, t0, hz_ms;
	struct rlimit rl;
	struct pollfd *p;
	int opt, code;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 's': path = optarg; break;
		case 'n': n = atol(optarg); break;
		case 'w': wait_s = atof(optarg); break;
		default: return 2;
		}
	}
	if (!path || n < 1) {
		fprintf(stderr, "usage: daemon_idle --socket PATH [--conns N] [--wait S]\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 64 ? rl.rlim_max : (rlim_t)n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	p = calloc((size_t)n, sizeof(*p));
	if (!p)
		return 1;
	for (long i = 0; i < n; i++) {
		/* Non-blocking: past the daemon's backlog a connect fails (EAGAIN) instead of waiting. */
		int fd = open_conn(path, 1);

		p[i].fd = fd >= 0 ? fd : -1;
		p[i].events = POLLIN;
		if (fd >= 0)
			opened++;
		else
			refused++;
	}
	t0 = now_ms();
	code = healthz(path, wait_s * 1000);
	hz_ms = now_ms() - t0;
	/* Wait for the daemon to close them: a read of 0 (EOF) or an error. */
	while (now_ms() - t0 < wait_s * 1000 && closed < opened) {
		if (poll(p, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
		for (long i = 0; i < n; i++) {
			char c;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (read(p[i].fd, &c, 1) <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				closed++;
			}
		}
	}
	printf("opened=%ld refused=%ld healthz_code=%d healthz_ms=%.0f closed_by_server=%ld still_open=%ld\n", opened,
	       refused, code, hz_ms, closed, opened - closed);
	for (long i = 0; i < n; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	free(p);
	return code == 200 && closed == opened ? 0 : 1;
}
