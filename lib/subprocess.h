/*
 * Running another program: one fork + exec for every place bouncelab
 * starts one (perf, gnuplot, QEMU, gembench, the lab), with its standard
 * streams each set up one of a few ways, an optional timeout after which
 * its process group gets SIGTERM and then SIGKILL, and exec failures
 * reported as -errno by the start itself instead of as an exit code 127.
 *
 * Two ways to use it:
 *
 *	bl_spawn_run(argv, &opts, &res)         runs to the end: 0 with
 *	                                        res.exit_code / res.signal
 *	                                        and the captured output
 *
 *	bl_spawn_start(argv, &opts, &child)     a long-running child (perf
 *	... bl_spawn_try_wait(&child, &res)     record, a QEMU guest): look
 *	... bl_spawn_kill(&child, SIGTERM)      at it, signal it, and reap it
 *	bl_spawn_wait(&child, &res)             with bl_spawn_wait()
 *
 *	bl_spawn_start(...); bl_spawn_detach()  a caller that reaps on its
 *	                                        own (SIGCHLD in an event loop)
 *
 * Every descriptor made here is O_CLOEXEC, so children started from other
 * threads inherit none of them; the child's signal mask is cleared before
 * exec (a daemon that blocks signals must not hand that on, or the timeout
 * could not end the child); signal dispositions are inherited as exec
 * leaves them (an ignored SIGPIPE stays ignored, as with posix_spawn).
 * bl_spawn_wait(), bl_spawn_run() and a bl_spawn_try_wait() that saw the
 * exit reap the child: no zombie stays.
 * Not async-signal-safe; the caller must not reap the child itself (a
 * SIGCHLD handler calling waitpid(-1, ...) would steal its status).
 *
 * The file is subprocess.h, not spawn.h: a lib/spawn.h would hide the
 * system's <spawn.h> (posix_spawn) from every file compiled with -Ilib.
 */
#ifndef BL_SUBPROCESS_H
#define BL_SUBPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What one of the child's standard streams is connected to. */
enum bl_spawn_io {
	BL_SPAWN_INHERIT = 0, /* the parent's own descriptor, as is */
	BL_SPAWN_NULL,	      /* /dev/null */
	BL_SPAWN_FD,	      /* bl_spawn_opts.{in,out,err}_fd (a file, a memfd) */
	BL_SPAWN_CAPTURE,     /* stdout/stderr only: read by bl_spawn_wait() into
				 bl_spawn_result.{out,err}, at most capture_max bytes */
	BL_SPAWN_PIPE,	      /* stdout/stderr only: a pipe whose read end (O_NONBLOCK,
				 O_CLOEXEC) is bl_spawn.{out,err}_fd, for a caller with
				 its own event loop; the caller reads and closes it */
	BL_SPAWN_TO_STDOUT,   /* stderr only: wherever stdout goes (2>&1) */
};

struct bl_spawn_opts {
	enum bl_spawn_io in, out, err; /* zero: all three inherited */
	int in_fd, out_fd, err_fd;     /* for BL_SPAWN_FD; left open, the caller's */
	size_t capture_max;	       /* per captured stream; 0 = 1 MiB. The rest is
					  read and dropped (the child never blocks on
					  a full pipe) and *_truncated set */
	int timeout_ms;		       /* bl_spawn_wait()/run(): after this long the
					  child (its group with new_pgroup) gets
					  SIGTERM; 0 = no limit */
	int kill_grace_ms;	       /* then SIGKILL this long after SIGTERM; 0 = 2000 */
	bool new_pgroup;	       /* the child leads a process group of its own:
					  signals reach what it starts too, and a
					  terminal's ^C reaches it only through us */
	bool die_with_parent;	       /* PR_SET_PDEATHSIG SIGKILL: a killed parent takes
					  the child with it (a hung guest must not
					  outlive the run) */
	bool no_path_search;	       /* execv(argv[0]) as a path; default execvp() */
};

/* A started child. Fields are read-only for the caller. */
struct bl_spawn {
	pid_t pid;	      /* > 0 until reaped, then -1 */
	bool pgroup;	      /* the child leads process group pid */
	int out_fd, err_fd;   /* CAPTURE or PIPE read ends, else -1 */
	int pidfd;	      /* readable when the child exits; -1 when the kernel has none */
	bool capture[2];      /* out/err are read by bl_spawn_wait() */
	size_t capture_max;
	int timeout_ms, kill_grace_ms;
	long long started_ms; /* CLOCK_MONOTONIC at start, for the timeout */
};

/* How a child ended, and what it wrote when captured. */
struct bl_spawn_result {
	int status;		/* the raw wait status */
	int exit_code;		/* WEXITSTATUS, or -1 when a signal ended it */
	int signal;		/* the signal that ended it, or 0 */
	bool timed_out;		/* the timeout fired and the child was signalled */
	char *out, *err;	/* captured text, NUL-terminated, malloc'd; else NULL */
	size_t out_len, err_len;
	bool out_truncated, err_truncated;
};

/*
 * Starts @argv (argv[0] looked up in PATH unless no_path_search). @opts may
 * be NULL (everything inherited, no timeout). Returns once the child has
 * exec'd: 0 with @child filled, or -errno: the exec's own error (-ENOENT for
 * a missing program, -EACCES), a pipe/fork/open error, -EINVAL for a
 * combination that cannot be (CAPTURE on stdin, TO_STDOUT on stdout). On
 * error no child is left running or unreaped.
 */
int bl_spawn_start(char *const argv[], const struct bl_spawn_opts *opts, struct bl_spawn *child);

/*
 * Reads the captured streams to their end, enforces the timeout (counted
 * from the start), and reaps the child: 0 with @res filled (free it with
 * bl_spawn_result_free), or -errno (the child is then killed and reaped if
 * it was still there). A grandchild that keeps a captured pipe open keeps
 * this reading until the timeout. PIPE read ends are left to the caller.
 */
int bl_spawn_wait(struct bl_spawn *child, struct bl_spawn_result *res);

/*
 * Without blocking: 1 and @res filled when the child has exited (reaped
 * now), 0 while it runs, -ECHILD when somebody else reaped it (SIGCHLD
 * ignored), else -errno. Captured streams are not read here (use it for a
 * child whose output goes elsewhere).
 */
int bl_spawn_try_wait(struct bl_spawn *child, struct bl_spawn_result *res);

/*
 * Sends @sig to the child's process group when it has one, else to the
 * child. 0, or -ESRCH when it has already been reaped, or -errno.
 */
int bl_spawn_kill(struct bl_spawn *child, int sig);

/*
 * Hands the child over to a caller that keeps its own books (a daemon
 * reaping on SIGCHLD, perf's pid in struct bl_profile_rec): the pidfd and
 * any CAPTURE pipe are closed, PIPE read ends stay in @child for the
 * caller, and the pid is returned; the caller must reap it (waitpid).
 */
pid_t bl_spawn_detach(struct bl_spawn *child);

/* bl_spawn_start() + bl_spawn_wait(); -EINVAL for BL_SPAWN_PIPE (nobody would read it). */
int bl_spawn_run(char *const argv[], const struct bl_spawn_opts *opts, struct bl_spawn_result *res);

/* The exit code as a shell reports it: WEXITSTATUS, or 128 + the signal. */
int bl_spawn_code(const struct bl_spawn_result *res);

/* Frees the captured text; @res may then be reused. */
void bl_spawn_result_free(struct bl_spawn_result *res);

#endif
