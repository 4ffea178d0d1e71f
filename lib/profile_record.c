/*
 * CPU profiles, the recording half (see profile.h): whether perf can run
 * here, `perf record` started on a process with its events switched on
 * through perf's control FIFO (or the old way, watching its output file),
 * stopped with SIGINT, and `perf script` run on the data for
 * bl_profile_parse_script() (profile.c).
 *
 * perf is driven as a program (lib/subprocess), not through libperf: Debian
 * ships no libperf-dev matching linux-perf, and `perf record` / `perf
 * script` already resolve symbols of the kernel, modules and user space.
 */
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "subprocess.h"

#define MAX_SCRIPT_BYTES (512u << 20) /* perf script text we are willing to hold */

/*
 * perf's streams: stdin and stderr /dev/null, stdout /dev/null unless a
 * caller captures it; its own process group, so that a terminal's ^C
 * reaches perf only through us.
 */
static const struct bl_spawn_opts perf_opts = {
	.in = BL_SPAWN_NULL,
	.out = BL_SPAWN_NULL,
	.err = BL_SPAWN_NULL,
	.new_pgroup = true,
};

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int bl_profile_check(char *why, size_t whylen)
{
	char *const argv[] = { "perf", "--version", NULL };
	struct bl_spawn_result res;
	int paranoid = 2, ret;
	FILE *f;

	ret = bl_spawn_run(argv, &perf_opts, &res);
	if (ret < 0) {
		bl_seterr(why, whylen, "perf: cannot run: %s", strerror(-ret));
		return -ENOENT;
	}
	if (res.exit_code != 0) {
		bl_seterr(why, whylen, "perf: `perf --version` failed (exit %d): install linux-perf "
				    "matching this kernel",
		       res.exit_code);
		return -ENOENT;
	}
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	if (f) {
		if (fscanf(f, "%d", &paranoid) != 1)
			paranoid = 2;
		fclose(f);
	}
	if (geteuid() != 0 && paranoid > 2) {
		bl_seterr(why, whylen, "perf: perf_event_paranoid is %d and we are not root: "
				    "profiling refused",
		       paranoid);
		return -EACCES;
	}
	if (geteuid() != 0 && paranoid > 1)
		bl_seterr(why, whylen, "perf: perf_event_paranoid is %d: user-space frames only, "
				    "no kernel symbols",
		       paranoid);
	else
		bl_seterr(why, whylen, "%s", "");
	return 0;
}

/*
 * How long bl_profile_start() waits. perf reads its control FIFO only in
 * its main loop, after it has opened the events and synthesized the
 * target's threads, maps and the kernel's modules: 0.1-0.3 s here, seconds
 * under TCG (bench/profiling.c allows 60 s for it). The old way, the output
 * file appears before that synthesis.
 */
#define ACK_TIMEOUT_MS	60000
#define FILE_TIMEOUT_MS 5000
#define POLL_MS		10 /* how often perf's exit is looked at meanwhile */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Has the perf child exited? 1 with its wait status in @status (-1 when
 * somebody else reaped it: SIGCHLD ignored), the pid then forgotten; 0
 * while it runs.
 */
static int perf_exited(struct bl_profile_rec *rec, int *status)
{
	pid_t r = waitpid(rec->perf_pid, status, WNOHANG);

	if (r == 0 || (r < 0 && errno == EINTR))
		return 0;
	if (r < 0)
		*status = -1;
	rec->perf_pid = -1;
	return 1;
}

/* perf gave up before recording: the same words whichever way it was started. */
static int early_exit(int status, pid_t target, char *why, size_t whylen)
{
	if (status == -1)
		bl_seterr(why, whylen, "perf: record exited early: not permitted, or pid %d is gone",
		       (int)target);
	else
		bl_seterr(why, whylen, "perf: record exited early (%s %d): not permitted, "
				    "or pid %d is gone",
		       WIFEXITED(status) ? "exit" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), (int)target);
	return -EPERM;
}

/* Ends a perf that is of no use (start failed): it and its file go. */
static void kill_perf(struct bl_profile_rec *rec)
{
	int status;

	if (rec->perf_pid > 0) {
		/* its process group (spawn made one); perf alone if it has not set it up yet */
		if (kill(-rec->perf_pid, SIGKILL) < 0)
			kill(rec->perf_pid, SIGKILL);
		wait_child(rec->perf_pid, &status);
		rec->perf_pid = -1;
	}
	unlink(rec->data_path);
}

/* Starts `perf record` on @target, with @ctl_arg (--control=...) and its events off if given. */
static int spawn_record(struct bl_profile_rec *rec, pid_t target, unsigned freq_hz,
			const char *ctl_arg, char *why, size_t whylen)
{
	char pid_s[24], freq_s[24];
	char *argv[] = { "perf", "record", "-g", "-q", "-F", freq_s, "-p", pid_s, "-o",
			 rec->data_path, ctl_arg ? "--delay=-1" : NULL, (char *)ctl_arg, NULL };
	struct bl_spawn child;
	int ret;

	snprintf(pid_s, sizeof(pid_s), "%d", (int)target);
	snprintf(freq_s, sizeof(freq_s), "%u", freq_hz ? freq_hz : 999);
	unlink(rec->data_path);
	rec->perf_pid = -1;
	ret = bl_spawn_start(argv, &perf_opts, &child);
	if (ret) {
		bl_seterr(why, whylen, "perf: record: %s", strerror(-ret));
		return ret;
	}
	/* The pid in rec is what the public struct carries: we reap perf ourselves. */
	rec->perf_pid = bl_spawn_detach(&child);
	return 0;
}

/*
 * The exact way: perf starts with its events disabled (--delay=-1) and
 * listens on a control FIFO (--control=fifo:CTL,ACK); "enable" goes in,
 * and once "ack" comes back the events are on. 0 then; -EOPNOTSUPP with
 * the reason in @why when this perf or this machine cannot (the caller
 * falls back to the old way); else -errno with @why. The FIFOs and their
 * folder are gone when this returns: perf opened them while parsing its
 * options (it has them open by the time it acknowledges), and nothing
 * opens them again.
 */
static int start_acked(struct bl_profile_rec *rec, pid_t target, unsigned freq_hz, char *why,
		       size_t whylen)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096], ctl[4160], ack[4160], arg[8400], reply[64];
	size_t got = 0;
	int ctl_fd = -1, ack_fd = -1, status, ret;
	long long deadline;

	/* --control splits its argument at ',': such a folder name would not parse */
	if (!tmp || !*tmp || strchr(tmp, ',') || strlen(tmp) > 3000)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/bl-perf-ctl.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		bl_seterr(why, whylen, "perf: %s: cannot make a folder for the control FIFOs: %s", tmp,
		       strerror(errno));
		return -EOPNOTSUPP;
	}
	snprintf(ctl, sizeof(ctl), "%s/ctl", dir);
	snprintf(ack, sizeof(ack), "%s/ack", dir);
	snprintf(arg, sizeof(arg), "--control=fifo:%s,%s", ctl, ack);
	if (mkfifo(ctl, 0600) < 0 || mkfifo(ack, 0600) < 0) {
		bl_seterr(why, whylen, "perf: %s: mkfifo: %s", dir, strerror(errno));
		ret = -EOPNOTSUPP;
		goto out;
	}
	/*
	 * Both FIFOs O_RDWR: an open for reading or for writing alone blocks
	 * until the other side opens it, and perf may die before it does.
	 * Holding both ends ourselves, neither open blocks, "enable" waits in
	 * the FIFO until perf reads it, and no write can raise SIGPIPE - but
	 * perf's exit gives no EOF or POLLHUP either: waitpid watches it.
	 */
	ctl_fd = open(ctl, O_RDWR | O_CLOEXEC);
	if (ctl_fd >= 0)
		ack_fd = open(ack, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (ctl_fd < 0 || ack_fd < 0) {
		ret = -errno;
		bl_seterr(why, whylen, "perf: %s: open: %s", ctl_fd < 0 ? ctl : ack, strerror(-ret));
		goto out;
	}
	/* 7 bytes into an empty pipe: written at once, read when perf gets to it */
	if (write(ctl_fd, "enable\n", 7) != 7) {
		ret = -EIO;
		bl_seterr(why, whylen, "perf: %s: write: %s", ctl, strerror(errno));
		goto out;
	}
	ret = spawn_record(rec, target, freq_hz, arg, why, whylen);
	if (ret)
		goto out;
	deadline = now_ms() + ACK_TIMEOUT_MS;
	for (;;) {
		struct pollfd pfd = { .fd = ack_fd, .events = POLLIN };
		ssize_t n;

		if (perf_exited(rec, &status)) {
			/* 129: perf's usage error, an option it does not know */
			if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 129) {
				bl_seterr(why, whylen, "perf: record knows no --delay=-1 or "
						    "--control=fifo: (exit 129)");
				ret = -EOPNOTSUPP;
			} else {
				ret = early_exit(status, target, why, whylen);
			}
			unlink(rec->data_path);
			goto out;
		}
		if (now_ms() >= deadline) {
			bl_seterr(why, whylen, "perf: record did not acknowledge 'enable' within %d s",
			       ACK_TIMEOUT_MS / 1000);
			ret = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, POLL_MS) <= 0)
			continue; /* nothing yet, or EINTR */
		n = read(ack_fd, reply + got, sizeof(reply) - 1 - got);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) { /* EOF cannot be: we hold a writing end ourselves */
			ret = n < 0 ? -errno : -EIO;
			bl_seterr(why, whylen, "perf: %s: read: %s", ack, strerror(-ret));
			break;
		}
		got += (size_t)n;
		reply[got] = '\0';
		if (!strchr(reply, '\n') && got < sizeof(reply) - 1)
			continue;
		if (strcmp(reply, "ack\n")) {
			reply[strcspn(reply, "\n")] = '\0';
			bl_seterr(why, whylen, "perf: record answered '%s' to 'enable', not 'ack'",
			       reply);
			ret = -EPROTO;
			break;
		}
		rec->acked = true;
		ret = 0;
		break;
	}
	if (ret)
		kill_perf(rec);
out:
	if (ctl_fd >= 0)
		close(ctl_fd);
	if (ack_fd >= 0)
		close(ack_fd);
	unlink(ctl);
	unlink(ack);
	rmdir(dir);
	return ret;
}

/*
 * The old way, for a perf without --control: it creates its output file
 * once the events are open, and enables them (for -p) a little later,
 * after synthesizing the target's maps; samples of the region's start may
 * be lost. At most 5 s; perf giving up (no permission, no such pid) is
 * noticed.
 */
static int start_guessed(struct bl_profile_rec *rec, pid_t target, unsigned freq_hz, char *why,
			 size_t whylen)
{
	struct stat st;
	int status, ret;

	ret = spawn_record(rec, target, freq_hz, NULL, why, whylen);
	if (ret)
		return ret;
	for (int waited = 0; waited < FILE_TIMEOUT_MS; waited += POLL_MS) {
		if (perf_exited(rec, &status)) {
			unlink(rec->data_path);
			return early_exit(status, target, why, whylen);
		}
		if (!stat(rec->data_path, &st) && st.st_size > 0)
			return 0;
		nanosleep(&(struct timespec){ 0, POLL_MS * 1000 * 1000 }, NULL);
	}
	kill_perf(rec);
	bl_seterr(why, whylen, "perf: record did not start within %d s", FILE_TIMEOUT_MS / 1000);
	return -ETIMEDOUT;
}

int bl_profile_start(struct bl_profile_rec *rec, pid_t target, const char *data_path,
		     unsigned freq_hz, char *why, size_t whylen)
{
	char old_way[256];
	int ret;

	rec->perf_pid = -1;
	rec->acked = false;
	if (!data_path || strlen(data_path) >= sizeof(rec->data_path) || target <= 0) {
		bl_seterr(why, whylen, "perf: record: bad arguments");
		return -EINVAL;
	}
	snprintf(rec->data_path, sizeof(rec->data_path), "%s", data_path);
	ret = start_acked(rec, target, freq_hz, old_way, sizeof(old_way));
	if (ret != -EOPNOTSUPP) {
		bl_seterr(why, whylen, "%s", ret ? old_way : "");
		return ret;
	}
	ret = start_guessed(rec, target, freq_hz, why, whylen);
	if (!ret)
		bl_seterr(why, whylen, "%s: perf started without a control FIFO, the region's first "
				    "samples may be lost",
		       old_way);
	return ret;
}

int bl_profile_stop(struct bl_profile_rec *rec)
{
	int status, ret;

	if (rec->perf_pid <= 0)
		return -ECHILD;
	/*
	 * SIGINT alone, no "disable" through the control FIFO first: between
	 * the region's end and perf's exit the target runs only this function
	 * (kill, then asleep in waitpid), which a cpu-clock or cycles event
	 * hardly samples, while a "disable" round trip would add a way to fail
	 * (perf busy, or started the old way without a FIFO) for nothing. The
	 * FIFOs themselves went at the end of bl_profile_start().
	 */
	kill(rec->perf_pid, SIGINT);
	ret = wait_child(rec->perf_pid, &status);
	rec->perf_pid = -1;
	if (ret < 0)
		return ret;
	/* perf record exits 0 (or by the SIGINT itself) after writing its file */
	if ((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	    (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT))
		return 0;
	return -EIO;
}

int bl_profile_collect(const char *data_path, struct bl_profile *out, char *why, size_t whylen)
{
	char *argv[] = { "perf", "script", "-i", (char *)data_path, NULL };
	struct bl_spawn_opts o = perf_opts;
	struct bl_spawn_result res;
	int ret;

	memset(out, 0, sizeof(*out));
	o.out = BL_SPAWN_CAPTURE;
	o.capture_max = MAX_SCRIPT_BYTES;
	ret = bl_spawn_run(argv, &o, &res);
	if (!ret && res.out_truncated)
		ret = -E2BIG;
	if (ret) {
		bl_seterr(why, whylen, "perf: script: %s", strerror(-ret));
	} else if (res.exit_code != 0) {
		bl_seterr(why, whylen, "perf: script -i %s failed (status %d)", data_path,
			       res.status);
		ret = -EIO;
	} else {
		ret = bl_profile_parse_script(res.out, res.out_len, out, why, whylen);
	}
	bl_spawn_result_free(&res);
	return ret;
}
