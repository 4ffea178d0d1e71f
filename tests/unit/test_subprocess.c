/*
 * Unit tests for lib/subprocess (fork + exec with captured output, timeouts,
 * process groups): negative cases first. The children are /bin/sh, cat,
 * head and sleep, present on every machine the tests run on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "subprocess.h"

#define SH(script) ((char *[]){ "/bin/sh", "-c", (script), NULL })

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* No child of ours is left, running or as a zombie. */
static void assert_no_children(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_refuses_bad_arguments(void **state)
{
	static const struct {
		enum bl_spawn_io in, out, err;
	} bad[] = {
		{ BL_SPAWN_CAPTURE, 0, 0 },   /* stdin cannot be captured */
		{ BL_SPAWN_PIPE, 0, 0 },      /* nor piped out */
		{ BL_SPAWN_TO_STDOUT, 0, 0 }, /* stdin is not stderr */
		{ 0, BL_SPAWN_TO_STDOUT, 0 }, /* stdout to itself */
	};
	struct bl_spawn_result res;
	struct bl_spawn c;
	char *empty[] = { NULL };

	assert_int_equal(bl_spawn_start(NULL, NULL, &c), -EINVAL);
	assert_int_equal(bl_spawn_start(empty, NULL, &c), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bl_spawn_opts o = { .in = bad[i].in, .out = bad[i].out, .err = bad[i].err };

		assert_int_equal(bl_spawn_start(SH("true"), &o, &c), -EINVAL);
	}
	/* run() has nobody to read a PIPE */
	assert_int_equal(bl_spawn_run(SH("true"), &(struct bl_spawn_opts){ .out = BL_SPAWN_PIPE },
				      &res),
			 -EINVAL);
	assert_no_children();
}

/* A file of @mode with @text, in /tmp; its path into @path. */
static void make_file(char *path, const char *text, mode_t mode)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_exec_errors_are_errno(void **state)
{
	char plain[] = "/tmp/bl-test-spawn-plain-XXXXXX", junk[] = "/tmp/bl-test-spawn-junk-XXXXXX";
	const struct {
		const char *prog;
		bool exact; /* no_path_search */
		int err;
	} cases[] = {
		{ "bl-no-such-program-here", false, -ENOENT }, /* not in PATH */
		{ "/nonexistent/prog", true, -ENOENT },	      /* no such path */
		{ plain, true, -EACCES },		      /* not executable */
		{ "/", true, -EACCES },			      /* a folder */
		{ junk, true, -ENOEXEC },		      /* executable, no format */
	};
	struct bl_spawn_result res;

	make_file(plain, "#!/bin/sh\nexit 0\n", 0644);
	make_file(junk, "\x01\x02 not a program\n", 0755);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { (char *)cases[i].prog, NULL };
		struct bl_spawn_opts o = { .no_path_search = cases[i].exact };

		assert_int_equal(bl_spawn_run(argv, &o, &res), cases[i].err);
		assert_null(res.out);
	}
	unlink(plain);
	unlink(junk);
	assert_no_children();
}

static void test_exit_codes_and_signals(void **state)
{
	static const struct {
		const char *script;
		int exit_code, signal, code;
	} cases[] = {
		{ "exit 3", 3, 0, 3 },
		{ "exit 0", 0, 0, 0 },
		{ "kill -TERM $$", -1, SIGTERM, 128 + SIGTERM },
		{ "kill -KILL $$", -1, SIGKILL, 128 + SIGKILL },
	};
	struct bl_spawn_result res;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(bl_spawn_run(SH((char *)cases[i].script), NULL, &res), 0);
		assert_int_equal(res.exit_code, cases[i].exit_code);
		assert_int_equal(res.signal, cases[i].signal);
		assert_int_equal(bl_spawn_code(&res), cases[i].code);
		assert_false(res.timed_out);
		assert_null(res.out);
		assert_null(res.err);
	}
	assert_no_children();
}

static void test_capture(void **state)
{
	struct bl_spawn_opts o = { .in = BL_SPAWN_NULL, .out = BL_SPAWN_CAPTURE,
				   .err = BL_SPAWN_CAPTURE };
	struct bl_spawn_result res;

	/* Separately, and stdin from /dev/null: cat ends at once. */
	assert_int_equal(bl_spawn_run(SH("echo out; echo err >&2; cat"), &o, &res), 0);
	assert_string_equal(res.out, "out\n");
	assert_int_equal(res.out_len, 4);
	assert_string_equal(res.err, "err\n");
	assert_false(res.out_truncated || res.err_truncated);
	bl_spawn_result_free(&res);
	/* Nothing written: "" rather than NULL. */
	assert_int_equal(bl_spawn_run(SH("true"), &o, &res), 0);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "");
	bl_spawn_result_free(&res);
	/* 2>&1 */
	o.err = BL_SPAWN_TO_STDOUT;
	assert_int_equal(bl_spawn_run(SH("echo a; echo b >&2; echo c"), &o, &res), 0);
	assert_string_equal(res.out, "a\nb\nc\n");
	assert_null(res.err);
	bl_spawn_result_free(&res);
	assert_no_children();
}

static void test_capture_is_bounded(void **state)
{
	struct bl_spawn_opts o = { .out = BL_SPAWN_CAPTURE, .capture_max = 10 };
	struct bl_spawn_result res;

	/* 1 MB into a 10-byte capture: the rest is drained, the child not blocked. */
	assert_int_equal(bl_spawn_run(SH("head -c 1000000 /dev/zero | tr '\\0' x"), &o, &res), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.out_len, 10);
	assert_string_equal(res.out, "xxxxxxxxxx");
	assert_true(res.out_truncated);
	bl_spawn_result_free(&res);
	/* Exactly the limit is not truncated. */
	assert_int_equal(bl_spawn_run(SH("printf 0123456789"), &o, &res), 0);
	assert_int_equal(res.out_len, 10);
	assert_false(res.out_truncated);
	bl_spawn_result_free(&res);
}

static void test_fds_in_and_out(void **state)
{
	char in_path[] = "/tmp/bl-test-spawn-in-XXXXXX";
	char out_path[] = "/tmp/bl-test-spawn-out-XXXXXX";
	int in = mkostemp(in_path, O_CLOEXEC), out = mkostemp(out_path, O_CLOEXEC);
	struct bl_spawn_opts o = { .in = BL_SPAWN_FD, .out = BL_SPAWN_FD,
				   .err = BL_SPAWN_TO_STDOUT };
	struct bl_spawn_result res;
	char buf[64] = "";

	assert_true(in >= 0 && out >= 0);
	assert_int_equal(write(in, "hello\n", 6), 6);
	assert_int_equal(lseek(in, 0, SEEK_SET), 0);
	o.in_fd = in;
	o.out_fd = out;
	assert_int_equal(bl_spawn_run(SH("cat; echo err >&2"), &o, &res), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(pread(out, buf, sizeof(buf) - 1, 0), 10);
	assert_string_equal(buf, "hello\nerr\n");
	/* The caller's descriptors stay open. */
	assert_true(fcntl(in, F_GETFD) >= 0 && fcntl(out, F_GETFD) >= 0);
	close(in);
	close(out);
	unlink(in_path);
	unlink(out_path);
}

static void test_timeout_terminates(void **state)
{
	struct bl_spawn_opts o = { .timeout_ms = 200, .new_pgroup = true };
	struct bl_spawn_result res;
	long long t0 = ms_now();

	assert_int_equal(bl_spawn_run((char *[]){ "sleep", "10", NULL }, &o, &res), 0);
	assert_true(res.timed_out);
	assert_int_equal(res.signal, SIGTERM);
	assert_true(ms_now() - t0 < 2000);
	/* SIGTERM ignored: SIGKILL after the grace period. */
	o.kill_grace_ms = 200;
	t0 = ms_now();
	assert_int_equal(bl_spawn_run(SH("trap '' TERM; sleep 10; exit 0"), &o, &res), 0);
	assert_true(res.timed_out);
	assert_int_equal(res.signal, SIGKILL);
	assert_true(ms_now() - t0 < 2000);
	assert_no_children();
}

static void test_timeout_reaches_the_group(void **state)
{
	struct bl_spawn_opts o = { .out = BL_SPAWN_CAPTURE, .timeout_ms = 300, .new_pgroup = true };
	struct bl_spawn_result res;
	long long t0 = ms_now();

	/* The shell exits at once; its background sleep holds stdout until the group is killed. */
	assert_int_equal(bl_spawn_run(SH("sleep 10 & echo started"), &o, &res), 0);
	assert_int_equal(res.exit_code, 0);
	assert_true(res.timed_out);
	assert_string_equal(res.out, "started\n");
	assert_true(ms_now() - t0 < 2000);
	bl_spawn_result_free(&res);
}

static void test_start_try_wait_kill(void **state)
{
	struct bl_spawn_opts o = { .in = BL_SPAWN_NULL, .out = BL_SPAWN_NULL, .new_pgroup = true };
	struct bl_spawn_result res;
	struct bl_spawn c;

	assert_int_equal(bl_spawn_start((char *[]){ "sleep", "10", NULL }, &o, &c), 0);
	assert_true(c.pid > 0);
	assert_int_equal(getpgid(c.pid), c.pid);
	assert_int_equal(bl_spawn_try_wait(&c, &res), 0);
	assert_int_equal(bl_spawn_kill(&c, SIGTERM), 0);
	assert_int_equal(bl_spawn_wait(&c, &res), 0);
	assert_int_equal(res.signal, SIGTERM);
	assert_false(res.timed_out);
	/* Reaped: nothing left to wait for or signal. */
	assert_int_equal(c.pid, -1);
	assert_int_equal(bl_spawn_try_wait(&c, &res), -ECHILD);
	assert_int_equal(bl_spawn_kill(&c, SIGTERM), -ESRCH);
	/* try_wait that sees the exit reaps. */
	assert_int_equal(bl_spawn_start(SH("exit 5"), &o, &c), 0);
	for (int i = 0; i < 500; i++) {
		int r = bl_spawn_try_wait(&c, &res);

		assert_true(r >= 0);
		if (r == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(res.exit_code, 5);
	assert_no_children();
}

static void test_pipe_for_an_event_loop(void **state)
{
	struct bl_spawn_opts o = { .out = BL_SPAWN_PIPE, .err = BL_SPAWN_NULL };
	struct bl_spawn_result res;
	struct bl_spawn c;
	char buf[64];
	size_t len = 0;

	assert_int_equal(bl_spawn_start(SH("echo via-pipe"), &o, &c), 0);
	assert_true(c.out_fd >= 0);
	assert_int_equal(c.err_fd, -1);
	assert_true(fcntl(c.out_fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(c.out_fd, F_GETFD) & FD_CLOEXEC);
	for (;;) {
		ssize_t n = read(c.out_fd, buf + len, sizeof(buf) - 1 - len);

		if (n == 0)
			break;
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			usleep(1000);
			continue;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	assert_string_equal(buf, "via-pipe\n");
	assert_int_equal(bl_spawn_wait(&c, &res), 0);
	assert_int_equal(res.exit_code, 0);
	/* The read end is the caller's to close. */
	assert_true(c.out_fd >= 0);
	close(c.out_fd);
	assert_no_children();
}

/* The child sees none of our O_CLOEXEC descriptors: its own are 0-2 plus what we leak anyway. */
static void test_no_descriptor_leaks(void **state)
{
	struct bl_spawn_opts o = { .in = BL_SPAWN_NULL, .out = BL_SPAWN_CAPTURE,
				   .err = BL_SPAWN_CAPTURE, .timeout_ms = 5000 };
	struct bl_spawn_result res;
	bool inherited[1024] = { false };
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		skip();
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd < 1024 && fd != dirfd(d) && !(fcntl(fd, F_GETFD) & FD_CLOEXEC))
			inherited[fd] = true;
	}
	closedir(d);
	/* The shell lists its own descriptors (ls opens its own only in itself). */
	assert_int_equal(bl_spawn_run(SH("ls /proc/$$/fd"), &o, &res), 0);
	assert_int_equal(res.exit_code, 0);
	for (char *p = res.out; *p;) {
		int fd = atoi(p);

		if (fd > 2)
			assert_true(fd < 1024 && inherited[fd]);
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	bl_spawn_result_free(&res);
}

static void test_signal_mask_is_cleared(void **state)
{
	struct bl_spawn_opts o = { .timeout_ms = 300 };
	struct bl_spawn_result res;
	sigset_t block, old;

	/* A parent that blocks SIGTERM (as a daemon may) must still time out its child. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	assert_int_equal(bl_spawn_run((char *[]){ "sleep", "10", NULL }, &o, &res), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_true(res.timed_out);
	assert_int_equal(res.signal, SIGTERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_bad_arguments),
		cmocka_unit_test(test_exec_errors_are_errno),
		cmocka_unit_test(test_exit_codes_and_signals),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_capture_is_bounded),
		cmocka_unit_test(test_fds_in_and_out),
		cmocka_unit_test(test_timeout_terminates),
		cmocka_unit_test(test_timeout_reaches_the_group),
		cmocka_unit_test(test_start_try_wait_kill),
		cmocka_unit_test(test_pipe_for_an_event_loop),
		cmocka_unit_test(test_no_descriptor_leaks),
		cmocka_unit_test(test_signal_mask_is_cleared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
