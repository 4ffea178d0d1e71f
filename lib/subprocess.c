/*
 * Running another program (see subprocess.h): fork + exec with the standard
 * streams set up in the child, a CLOEXEC "report" pipe that carries the
 * exec's errno back (it reaches EOF unread when the exec succeeds, as in
 * glibc's posix_spawn), and one poll loop that reads captured output,
 * watches the child's exit through a pidfd and enforces the timeout.
 */
#include "subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CAPTURE_MAX_DEFAULT (1u << 20)
#define KILL_GRACE_DEFAULT  2000
#define POLL_FALLBACK_MS    10 /* without a pidfd, how often the exit is looked at */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* In the child: @from becomes descriptor @to, without O_CLOEXEC. */
static int move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

/*
 * The child, between fork and exec: only async-signal-safe calls. Any
 * failure goes back through @report as an errno and the child exits 127.
 */
static void __attribute__((noreturn))
child_exec(char *const argv[], const struct bl_spawn_opts *o, pid_t parent, int null, int out_w,
	   int err_w, int report)
{
	sigset_t none;
	int err;

	if (o->new_pgroup)
		setpgid(0, 0);
	if (o->die_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The parent died before prctl: nobody would ever kill us. */
		if (getppid() != parent)
			_exit(127);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((o->in == BL_SPAWN_NULL && move_fd(null, 0)) ||
	    (o->in == BL_SPAWN_FD && move_fd(o->in_fd, 0)) ||
	    (o->out == BL_SPAWN_NULL && move_fd(null, 1)) ||
	    (o->out == BL_SPAWN_FD && move_fd(o->out_fd, 1)) ||
	    (out_w >= 0 && move_fd(out_w, 1)) ||
	    (o->err == BL_SPAWN_NULL && move_fd(null, 2)) ||
	    (o->err == BL_SPAWN_FD && move_fd(o->err_fd, 2)) ||
	    (o->err == BL_SPAWN_TO_STDOUT && move_fd(1, 2)) ||
	    (err_w >= 0 && move_fd(err_w, 2)))
		goto fail;
	if (o->no_path_search)
		execv(argv[0], argv);
	else
		execvp(argv[0], argv);
fail:
	err = errno;
	while (write(report, &err, sizeof(err)) < 0 && errno == EINTR)
		;
	_exit(127);
}

static bool is_piped(enum bl_spawn_io io)
{
	return io == BL_SPAWN_CAPTURE || io == BL_SPAWN_PIPE;
}

int bl_spawn_start(char *const argv[], const struct bl_spawn_opts *opts, struct bl_spawn *c)
{
	static const struct bl_spawn_opts inherit;
	const struct bl_spawn_opts *o = opts ? opts : &inherit;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, report[2] = { -1, -1 }, null = -1;
	pid_t parent = getpid(), pid;
	int child_errno = 0, ret = 0;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->out_fd = c->err_fd = c->pidfd = -1;
	if (!argv || !argv[0] || is_piped(o->in) || o->in == BL_SPAWN_TO_STDOUT ||
	    o->out == BL_SPAWN_TO_STDOUT)
		return -EINVAL;
	if (o->in == BL_SPAWN_NULL || o->out == BL_SPAWN_NULL || o->err == BL_SPAWN_NULL) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0)
			return -errno;
	}
	if ((is_piped(o->out) && pipe2(outp, O_CLOEXEC) < 0) ||
	    (is_piped(o->err) && pipe2(errp, O_CLOEXEC) < 0) || pipe2(report, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0)
		child_exec(argv, o, parent, null, outp[1], errp[1], report[1]);
	/* Both sides set the group: whichever runs first, it exists when we return. */
	if (o->new_pgroup)
		setpgid(pid, pid);
	close_fd(&report[1]);
	while ((n = read(report[0], &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
		;
	if (n != 0) {
		/* exec failed (or we could not tell): the child is exiting 127; reap it. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		ret = n == (ssize_t)sizeof(child_errno) && child_errno ? -child_errno : -EIO;
		goto out;
	}
	c->pid = pid;
	c->pgroup = o->new_pgroup;
	c->capture[0] = o->out == BL_SPAWN_CAPTURE;
	c->capture[1] = o->err == BL_SPAWN_CAPTURE;
	c->capture_max = o->capture_max ? o->capture_max : CAPTURE_MAX_DEFAULT;
	if (c->capture_max > SIZE_MAX / 2)
		c->capture_max = SIZE_MAX / 2; /* so that max + 1 cannot wrap */
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 0;
	c->kill_grace_ms = o->kill_grace_ms > 0 ? o->kill_grace_ms : KILL_GRACE_DEFAULT;
	c->started_ms = now_ms();
	/* A pidfd is O_CLOEXEC by definition; without one (old kernel) we poll. */
#ifdef SYS_pidfd_open
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->pidfd < 0)
		c->pidfd = -1;
#endif
	c->out_fd = outp[0];
	c->err_fd = errp[0];
	outp[0] = errp[0] = -1;
	/*
	 * Our read ends do not block (bl_spawn_wait reads whichever is ready);
	 * the child's write ends stay blocking: each end is its own file
	 * description.
	 */
	if (c->out_fd >= 0)
		fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
	if (c->err_fd >= 0)
		fcntl(c->err_fd, F_SETFL, O_NONBLOCK);
out:
	for (int i = 0; i < 2; i++) {
		close_fd(&outp[i]);
		close_fd(&errp[i]);
		close_fd(&report[i]);
	}
	close_fd(&null);
	return ret;
}

int bl_spawn_kill(struct bl_spawn *c, int sig)
{
	if (c->pid <= 0)
		return -ESRCH;
	if (c->pgroup && kill(-c->pid, sig) == 0)
		return 0;
	return kill(c->pid, sig) < 0 ? -errno : 0;
}

static void fill_result(struct bl_spawn_result *res, int status)
{
	res->status = status;
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* The child is gone: what is ours goes (PIPE read ends stay the caller's). */
static void forget(struct bl_spawn *c)
{
	c->pid = -1;
	close_fd(&c->pidfd);
	if (c->capture[0])
		close_fd(&c->out_fd);
	if (c->capture[1])
		close_fd(&c->err_fd);
}

pid_t bl_spawn_detach(struct bl_spawn *c)
{
	pid_t pid = c->pid;

	forget(c);
	return pid;
}

int bl_spawn_try_wait(struct bl_spawn *c, struct bl_spawn_result *res)
{
	int status;
	pid_t w;

	memset(res, 0, sizeof(*res));
	if (c->pid <= 0)
		return -ECHILD;
	w = waitpid(c->pid, &status, WNOHANG);
	if (w == 0 || (w < 0 && errno == EINTR))
		return 0;
	if (w < 0) {
		int err = -errno;

		if (err == -ECHILD)
			forget(c);
		return err;
	}
	fill_result(res, status);
	forget(c);
	return 1;
}

struct capture {
	char *buf;
	size_t len, cap, max;
	bool truncated;
};

/* Reads what is there from @fd into @cp; closes @fd at its end. 0 or -errno. */
static int drain(int *fd, struct capture *cp)
{
	char tmp[65536];
	ssize_t r = read(*fd, tmp, sizeof(tmp));
	size_t keep;

	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (r == 0) {
		close_fd(fd);
		return 0;
	}
	keep = cp->max - cp->len < (size_t)r ? cp->max - cp->len : (size_t)r;
	if (keep < (size_t)r)
		cp->truncated = true;
	if (cp->len + keep + 1 > cp->cap) {
		size_t cap = cp->cap ? cp->cap : 4096;
		char *nb;

		while (cap < cp->len + keep + 1)
			cap *= 2;
		if (cap > cp->max + 1)
			cap = cp->max + 1;
		nb = realloc(cp->buf, cap);
		if (!nb)
			return -ENOMEM;
		cp->buf = nb;
		cp->cap = cap;
	}
	memcpy(cp->buf + cp->len, tmp, keep);
	cp->len += keep;
	return 0;
}

/* Milliseconds until @at (>= 0), or -1 for "no limit" when @at < 0. */
static int until(long long at, long long now)
{
	if (at < 0)
		return -1;
	return at <= now ? 0 : (int)(at - now > 60000 ? 60000 : at - now);
}

static int min_wait(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int bl_spawn_wait(struct bl_spawn *c, struct bl_spawn_result *res)
{
	struct capture cp[2] = { { .max = c->capture_max }, { .max = c->capture_max } };
	int *fds[2] = { &c->out_fd, &c->err_fd };
	long long term_at = c->timeout_ms ? c->started_ms + c->timeout_ms : -1, kill_at = -1;
	pid_t group = c->pgroup ? c->pid : 0;
	bool exited = false;
	int status = 0, ret = 0;

	memset(res, 0, sizeof(*res));
	if (c->pid <= 0)
		return -ECHILD;
	for (;;) {
		bool reading = (c->capture[0] && c->out_fd >= 0) ||
			       (c->capture[1] && c->err_fd >= 0);
		struct pollfd pfd[3];
		int n = 0, wait_ms = -1;
		long long now;

		if (exited && !reading)
			break;
		now = now_ms();
		/* After the exit only a group is left to signal (a grandchild holding a pipe). */
		if (!exited || group) {
			if (term_at >= 0 && now >= term_at) {
				if (exited)
					kill(-group, SIGTERM);
				else
					bl_spawn_kill(c, SIGTERM);
				res->timed_out = true;
				term_at = -1;
				kill_at = now + c->kill_grace_ms;
			}
			if (kill_at >= 0 && now >= kill_at) {
				if (exited)
					kill(-group, SIGKILL);
				else
					bl_spawn_kill(c, SIGKILL);
				kill_at = -1;
			}
			wait_ms = min_wait(until(term_at, now), until(kill_at, now));
		}
		for (int i = 0; i < 2; i++)
			if (c->capture[i] && *fds[i] >= 0)
				pfd[n++] = (struct pollfd){ .fd = *fds[i], .events = POLLIN };
		if (!exited && c->pidfd >= 0)
			pfd[n++] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
		else if (!exited)
			wait_ms = min_wait(wait_ms, POLL_FALLBACK_MS);
		if (poll(pfd, (nfds_t)n, wait_ms) < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		for (int i = 0; i < 2 && !ret; i++)
			if (c->capture[i] && *fds[i] >= 0)
				ret = drain(fds[i], &cp[i]);
		if (ret)
			break;
		if (!exited) {
			pid_t w = waitpid(c->pid, &status, WNOHANG);

			if (w == c->pid) {
				exited = true;
				close_fd(&c->pidfd);
			} else if (w < 0 && errno != EINTR) {
				ret = -errno;
				if (ret == -ECHILD)
					exited = true; /* reaped elsewhere: nothing to kill */
				break;
			}
		}
	}
	if (ret && !exited) {
		/* Never leave a child behind: end it and reap it. */
		bl_spawn_kill(c, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	forget(c);
	for (int i = 0; i < 2 && !ret; i++) {
		if (!c->capture[i])
			continue;
		if (!cp[i].buf && !(cp[i].buf = malloc(1)))
			ret = -ENOMEM;
		else
			cp[i].buf[cp[i].len] = '\0';
	}
	if (ret) {
		free(cp[0].buf);
		free(cp[1].buf);
		res->timed_out = false;
		return ret;
	}
	fill_result(res, status);
	res->out = cp[0].buf;
	res->out_len = cp[0].len;
	res->out_truncated = cp[0].truncated;
	res->err = cp[1].buf;
	res->err_len = cp[1].len;
	res->err_truncated = cp[1].truncated;
	return 0;
}

int bl_spawn_run(char *const argv[], const struct bl_spawn_opts *opts, struct bl_spawn_result *res)
{
	struct bl_spawn c;
	int ret;

	memset(res, 0, sizeof(*res));
	/* Nobody would read a PIPE here: a full one would block the child forever. */
	if (opts && (opts->out == BL_SPAWN_PIPE || opts->err == BL_SPAWN_PIPE))
		return -EINVAL;
	ret = bl_spawn_start(argv, opts, &c);
	return ret ? ret : bl_spawn_wait(&c, res);
}

int bl_spawn_code(const struct bl_spawn_result *res)
{
	return res->signal ? 128 + res->signal : res->exit_code;
}

void bl_spawn_result_free(struct bl_spawn_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
	res->out_len = res->err_len = 0;
}
