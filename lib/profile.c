/*
 * CPU profiles with linux-perf: see profile.h.
 *
 * perf is driven as a program (fork + exec), not through libperf: Debian
 * ships no libperf-dev matching linux-perf, and `perf record` / `perf
 * script` already resolve symbols of the kernel, modules and user space.
 * The `perf script` text is parsed here into counts keyed by string in a
 * small open-addressing hash (a profile has thousands of distinct stacks,
 * too many for a linear search per sample).
 */
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SCRIPT_BYTES (512u << 20) /* perf script text we are willing to hold */

static void seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* --- running perf ----------------------------------------------------------------- */

/*
 * fork + exec @argv with stdin from /dev/null, stdout to @out_fd (-1 =
 * /dev/null) and stderr to /dev/null. Returns the child's pid or -errno.
 */
static pid_t spawn(char *const argv[], int out_fd)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 0);
			dup2(out_fd >= 0 ? out_fd : null, 1);
			dup2(null, 2);
		}
		/* our own process group: a terminal's ^C reaches perf only through us */
		setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

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
	int status, paranoid = 2;
	FILE *f;
	pid_t pid = spawn(argv, -1);

	if (pid < 0 || wait_child(pid, &status) < 0) {
		seterr(why, whylen, "perf: cannot run: %s", strerror(pid < 0 ? (int)-pid : errno));
		return -ENOENT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		seterr(why, whylen, "perf: `perf --version` failed (exit %d): install linux-perf "
				    "matching this kernel",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -ENOENT;
	}
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	if (f) {
		if (fscanf(f, "%d", &paranoid) != 1)
			paranoid = 2;
		fclose(f);
	}
	if (geteuid() != 0 && paranoid > 2) {
		seterr(why, whylen, "perf: perf_event_paranoid is %d and we are not root: "
				    "profiling refused",
		       paranoid);
		return -EACCES;
	}
	if (geteuid() != 0 && paranoid > 1)
		seterr(why, whylen, "perf: perf_event_paranoid is %d: user-space frames only, "
				    "no kernel symbols",
		       paranoid);
	else
		seterr(why, whylen, "%s", "");
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
		seterr(why, whylen, "perf: record exited early: not permitted, or pid %d is gone",
		       (int)target);
	else
		seterr(why, whylen, "perf: record exited early (%s %d): not permitted, "
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

	snprintf(pid_s, sizeof(pid_s), "%d", (int)target);
	snprintf(freq_s, sizeof(freq_s), "%u", freq_hz ? freq_hz : 999);
	unlink(rec->data_path);
	rec->perf_pid = spawn(argv, -1);
	if (rec->perf_pid < 0) {
		int err = (int)-rec->perf_pid;

		rec->perf_pid = -1;
		seterr(why, whylen, "perf: record: %s", strerror(err));
		return -err;
	}
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
		seterr(why, whylen, "perf: %s: cannot make a folder for the control FIFOs: %s", tmp,
		       strerror(errno));
		return -EOPNOTSUPP;
	}
	snprintf(ctl, sizeof(ctl), "%s/ctl", dir);
	snprintf(ack, sizeof(ack), "%s/ack", dir);
	snprintf(arg, sizeof(arg), "--control=fifo:%s,%s", ctl, ack);
	if (mkfifo(ctl, 0600) < 0 || mkfifo(ack, 0600) < 0) {
		seterr(why, whylen, "perf: %s: mkfifo: %s", dir, strerror(errno));
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
		seterr(why, whylen, "perf: %s: open: %s", ctl_fd < 0 ? ctl : ack, strerror(-ret));
		goto out;
	}
	/* 7 bytes into an empty pipe: written at once, read when perf gets to it */
	if (write(ctl_fd, "enable\n", 7) != 7) {
		ret = -EIO;
		seterr(why, whylen, "perf: %s: write: %s", ctl, strerror(errno));
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
				seterr(why, whylen, "perf: record knows no --delay=-1 or "
						    "--control=fifo: (exit 129)");
				ret = -EOPNOTSUPP;
			} else {
				ret = early_exit(status, target, why, whylen);
			}
			unlink(rec->data_path);
			goto out;
		}
		if (now_ms() >= deadline) {
			seterr(why, whylen, "perf: record did not acknowledge 'enable' within %d s",
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
			seterr(why, whylen, "perf: %s: read: %s", ack, strerror(-ret));
			break;
		}
		got += (size_t)n;
		reply[got] = '\0';
		if (!strchr(reply, '\n') && got < sizeof(reply) - 1)
			continue;
		if (strcmp(reply, "ack\n")) {
			reply[strcspn(reply, "\n")] = '\0';
			seterr(why, whylen, "perf: record answered '%s' to 'enable', not 'ack'",
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
	seterr(why, whylen, "perf: record did not start within %d s", FILE_TIMEOUT_MS / 1000);
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
		seterr(why, whylen, "perf: record: bad arguments");
		return -EINVAL;
	}
	snprintf(rec->data_path, sizeof(rec->data_path), "%s", data_path);
	ret = start_acked(rec, target, freq_hz, old_way, sizeof(old_way));
	if (ret != -EOPNOTSUPP) {
		seterr(why, whylen, "%s", ret ? old_way : "");
		return ret;
	}
	ret = start_guessed(rec, target, freq_hz, why, whylen);
	if (!ret)
		seterr(why, whylen, "%s: perf started without a control FIFO, the region's first "
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

/* --- a string -> count hash ----------------------------------------------------------- */

struct counter {
	char **keys;
	uint64_t *counts;
	size_t cap, n; /* cap is a power of two */
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static int counter_grow(struct counter *c)
{
	size_t cap = c->cap ? c->cap * 2 : 256;
	char **keys = calloc(cap, sizeof(*keys));
	uint64_t *counts = calloc(cap, sizeof(*counts));

	if (!keys || !counts) {
		free(keys);
		free(counts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->cap; i++) {
		size_t j;

		if (!c->keys[i])
			continue;
		for (j = fnv1a(c->keys[i]) & (cap - 1); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = c->keys[i];
		counts[j] = c->counts[i];
	}
	free(c->keys);
	free(c->counts);
	c->keys = keys;
	c->counts = counts;
	c->cap = cap;
	return 0;
}

static int counter_add(struct counter *c, const char *key, uint64_t n)
{
	size_t j;

	if ((c->n + 1) * 2 > c->cap && counter_grow(c) < 0)
		return -ENOMEM;
	for (j = fnv1a(key) & (c->cap - 1); c->keys[j]; j = (j + 1) & (c->cap - 1))
		if (!strcmp(c->keys[j], key)) {
			c->counts[j] += n;
			return 0;
		}
	c->keys[j] = strdup(key);
	if (!c->keys[j])
		return -ENOMEM;
	c->counts[j] = n;
	c->n++;
	return 0;
}

static void counter_free(struct counter *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->keys[i]);
	free(c->keys);
	free(c->counts);
	memset(c, 0, sizeof(*c));
}

static int cmp_sym(const void *a, const void *b)
{
	const struct bl_profile_sym *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int cmp_stack(const void *a, const void *b)
{
	const struct bl_profile_stack *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return strcmp(x->folded, y->folded);
}

/* Moves the counter's keys into a sorted symbol array (the counter keeps nothing). */
static int to_syms(struct counter *c, uint64_t total, struct bl_profile_sym **out, size_t *n)
{
	size_t k = 0;

	*out = calloc(c->n ? c->n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->keys[i])
			continue;
		(*out)[k].name = c->keys[i];
		(*out)[k].samples = c->counts[i];
		(*out)[k].share = total ? (double)c->counts[i] / (double)total : 0;
		c->keys[i] = NULL;
		k++;
	}
	*n = k;
	qsort(*out, k, sizeof(**out), cmp_sym);
	return 0;
}

/* --- parsing perf script ------------------------------------------------------------------ */

struct frame {
	char *sym; /* points into the line buffer */
	bool kernel;
};

struct parse_state {
	struct counter kern, user, stacks;
	char comm[256];
	struct frame *frames;
	size_t n_frames, cap_frames;
	char **lines; /* the sample's frame lines (copies), owned */
	uint64_t samples;
	char *event;
};

static bool is_kernel_dso(const char *dso, const char *addr)
{
	if (!strcmp(dso, "[kernel.kallsyms]") || !strncmp(dso, "[kernel.", 8))
		return true;
	/* modules appear as "[vgem]"; these bracketed ones are user space */
	if (dso[0] == '[' && strcmp(dso, "[unknown]") && strcmp(dso, "[vdso]") &&
	    strcmp(dso, "[vsyscall]") && strcmp(dso, "[heap]") && strcmp(dso, "[stack]"))
		return true;
	/* no dso: the canonical upper half of x86-64 addresses is the kernel's */
	return !strcmp(dso, "[unknown]") && strlen(addr) == 16 && !strncmp(addr, "ffff", 4);
}

/* Parses "  addr sym+0x1f (dso)" in place. 0, or -EINVAL. */
static int parse_frame(char *line, struct frame *fr)
{
	char *p = line, *addr, *dso, *sym, *plus;
	size_t len;

	while (*p == ' ' || *p == '\t')
		p++;
	addr = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (p == addr || !*p)
		return -EINVAL;
	*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	sym = p;
	len = strlen(sym);
	while (len && (sym[len - 1] == ' ' || sym[len - 1] == '\r'))
		sym[--len] = '\0';
	dso = "";
	if (len && sym[len - 1] == ')') {
		char *open = strrchr(sym, '(');

		/* the dso is the last parenthesised group, after a space */
		if (open && open > sym && open[-1] == ' ') {
			sym[len - 1] = '\0';
			dso = open + 1;
			open[-1] = '\0';
		}
	}
	if (!*sym)
		sym = "[unknown]";
	plus = NULL;
	for (char *q = strstr(sym, "+0x"); q; q = strstr(q + 1, "+0x"))
		plus = q;
	if (plus && plus != sym)
		*plus = '\0';
	fr->sym = sym;
	fr->kernel = is_kernel_dso(dso, addr);
	return 0;
}

/* Parses the header "comm pid[/tid] [cpu] secs.usecs: period event:". */
static int parse_header(struct parse_state *st, char *line)
{
	char *tok[64], *save = NULL, *t;
	size_t n = 0, ts = 0, comm_end;

	for (t = strtok_r(line, " \t", &save); t && n < 64; t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	for (ts = 0; ts < n; ts++) {
		size_t l = strlen(tok[ts]);

		if (l > 1 && tok[ts][l - 1] == ':' && strchr(tok[ts], '.') &&
		    strspn(tok[ts], "0123456789.") == l - 1)
			break;
	}
	if (ts == n || ts < 2)
		return -EINVAL;
	/* before the time: comm (may contain spaces), pid[/tid], optional [cpu] */
	comm_end = ts - 1;
	if (tok[comm_end][0] == '[')
		comm_end--;
	if (comm_end < 1 || strspn(tok[comm_end], "0123456789/") != strlen(tok[comm_end]))
		return -EINVAL;
	st->comm[0] = '\0';
	for (size_t i = 0; i < comm_end; i++) {
		size_t off = strlen(st->comm);

		snprintf(st->comm + off, sizeof(st->comm) - off, "%s%s", i ? " " : "", tok[i]);
	}
	/* the event: the token after the (optional numeric) period, without its ':' */
	if (!st->event) {
		size_t e = ts + 1;

		if (e < n && strspn(tok[e], "0123456789") == strlen(tok[e]))
			e++;
		if (e < n) {
			char *colon;

			st->event = strdup(tok[e]);
			if (!st->event)
				return -ENOMEM;
			colon = strchr(st->event, ':');
			if (colon)
				*colon = '\0';
		}
	}
	return 0;
}

/* Adds the sample whose frames were collected (leaf first). */
static int finish_sample(struct parse_state *st)
{
	size_t len = strlen(st->comm) + 1;
	char *folded, *p;
	const struct frame *leaf;
	int ret;

	for (size_t i = 0; i < st->n_frames; i++)
		len += strlen(st->frames[i].sym) + 5;
	folded = malloc(len + 1);
	if (!folded)
		return -ENOMEM;
	p = folded + sprintf(folded, "%s", st->comm);
	/* folded stacks read root first */
	for (size_t i = st->n_frames; i-- > 0;) {
		/* ';' separates frames in folded form: keep it out of names */
		*p++ = ';';
		for (const char *s = st->frames[i].sym; *s; s++)
			*p++ = *s == ';' ? ':' : *s;
		if (st->frames[i].kernel)
			p += sprintf(p, "_[k]");
	}
	*p = '\0';
	ret = counter_add(&st->stacks, folded, 1);
	free(folded);
	if (ret)
		return ret;
	leaf = st->n_frames ? &st->frames[0] : &(struct frame){ "[unknown]", false };
	ret = counter_add(leaf->kernel ? &st->kern : &st->user, leaf->sym, 1);
	if (ret)
		return ret;
	st->samples++;
	for (size_t i = 0; i < st->n_frames; i++)
		free(st->lines[i]);
	st->n_frames = 0;
	return 0;
}

static int add_frame(struct parse_state *st, const char *line)
{
	char *copy;

	if (st->n_frames == st->cap_frames) {
		size_t cap = st->cap_frames ? st->cap_frames * 2 : 64;
		struct frame *nf = realloc(st->frames, cap * sizeof(*nf));
		char **nl;

		if (!nf)
			return -ENOMEM;
		st->frames = nf;
		nl = realloc(st->lines, cap * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		st->lines = nl;
		st->cap_frames = cap;
	}
	copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	if (parse_frame(copy, &st->frames[st->n_frames]) < 0) {
		free(copy);
		return -EINVAL;
	}
	st->lines[st->n_frames++] = copy;
	return 0;
}

int bl_profile_parse_script(const char *text, size_t len, struct bl_profile *out, char *err,
			    size_t errlen)
{
	struct parse_state st = { 0 };
	bool in_sample = false;
	size_t pos = 0, lineno = 0;
	char *line = NULL;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *nline = realloc(line, l + 1);

		if (!nline) {
			ret = -ENOMEM;
			break;
		}
		line = nline;
		memcpy(line, text + pos, l);
		line[l] = '\0';
		pos += l + (nl ? 1 : 0);
		lineno++;
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';

		if (line[0] == '#')
			continue;
		if (strspn(line, " \t") == l) { /* blank: the sample ends */
			if (in_sample)
				ret = finish_sample(&st);
			in_sample = false;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			if (!in_sample) {
				seterr(err, errlen, "perf script line %zu: a frame outside a sample",
				       lineno);
				ret = -EINVAL;
			} else if ((ret = add_frame(&st, line)) == -EINVAL) {
				seterr(err, errlen, "perf script line %zu: not 'addr symbol (dso)'",
				       lineno);
			}
			continue;
		}
		if (in_sample && (ret = finish_sample(&st)))
			break;
		ret = parse_header(&st, line);
		if (ret == -EINVAL)
			seterr(err, errlen, "perf script line %zu: not a sample header "
					    "'comm pid time: period event:'",
			       lineno);
		in_sample = true;
	}
	if (!ret && in_sample)
		ret = finish_sample(&st);
	if (!ret && !st.samples) {
		seterr(err, errlen, "perf script: no samples");
		ret = -EINVAL;
	}
	if (!ret)
		ret = to_syms(&st.kern, st.samples, &out->kernel, &out->n_kernel);
	if (!ret)
		ret = to_syms(&st.user, st.samples, &out->user, &out->n_user);
	if (!ret) {
		size_t k = 0;

		out->stacks = calloc(st.stacks.n ? st.stacks.n : 1, sizeof(*out->stacks));
		if (!out->stacks) {
			ret = -ENOMEM;
		} else {
			for (size_t i = 0; i < st.stacks.cap; i++) {
				if (!st.stacks.keys[i])
					continue;
				out->stacks[k].folded = st.stacks.keys[i];
				out->stacks[k].samples = st.stacks.counts[i];
				st.stacks.keys[i] = NULL;
				k++;
			}
			out->n_stacks = k;
			qsort(out->stacks, k, sizeof(*out->stacks), cmp_stack);
		}
	}
	out->samples = st.samples;
	out->event = st.event;
	st.event = NULL;
	for (size_t i = 0; i < st.n_frames; i++)
		free(st.lines[i]);
	free(st.lines);
	free(st.frames);
	free(st.event);
	free(line);
	counter_free(&st.kern);
	counter_free(&st.user);
	counter_free(&st.stacks);
	if (ret)
		bl_profile_free(out);
	return ret;
}

int bl_profile_collect(const char *data_path, struct bl_profile *out, char *why, size_t whylen)
{
	char *argv[] = { "perf", "script", "-i", (char *)data_path, NULL };
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fds[2] = { -1, -1 }, status, ret = 0;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (pipe2(fds, O_CLOEXEC) < 0) {
		seterr(why, whylen, "perf: script: pipe: %s", strerror(errno));
		return -errno;
	}
	pid = spawn(argv, fds[1]);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		seterr(why, whylen, "perf: script: %s", strerror((int)-pid));
		return (int)pid;
	}
	for (;;) {
		ssize_t n;

		if (len + 65536 > cap) {
			char *nb;

			if (cap >= MAX_SCRIPT_BYTES) {
				ret = -E2BIG;
				break;
			}
			cap = cap ? cap * 2 : 1 << 20;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fds[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	if (ret)
		kill(pid, SIGKILL);
	if (wait_child(pid, &status) < 0 && !ret)
		ret = -ECHILD;
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		seterr(why, whylen, "perf: script -i %s failed (status %d)", data_path, status);
		ret = -EIO;
	} else if (ret) {
		seterr(why, whylen, "perf: script: %s", strerror(-ret));
	} else {
		ret = bl_profile_parse_script(buf, len, out, why, whylen);
	}
	free(buf);
	return ret;
}

void bl_profile_free(struct bl_profile *p)
{
	for (size_t i = 0; i < p->n_kernel; i++)
		free(p->kernel[i].name);
	for (size_t i = 0; i < p->n_user; i++)
		free(p->user[i].name);
	for (size_t i = 0; i < p->n_stacks; i++)
		free(p->stacks[i].folded);
	free(p->kernel);
	free(p->user);
	free(p->stacks);
	free(p->event);
	memset(p, 0, sizeof(*p));
}

/* --- JSON and differences ------------------------------------------------------------- */

static json_t *syms_json(const struct bl_profile_sym *s, size_t n, size_t top)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n && i < top; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:I, s:f}", "symbol", s[i].name,
						       "samples", (json_int_t)s[i].samples,
						       "share", s[i].share))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *bl_profile_to_json(const struct bl_profile *p, size_t top, size_t stacks)
{
	json_t *folded = json_array(), *o;

	for (size_t i = 0; folded && i < p->n_stacks && i < stacks; i++) {
		char *line = NULL;

		if (asprintf(&line, "%s %llu", p->stacks[i].folded,
			     (unsigned long long)p->stacks[i].samples) < 0 ||
		    json_array_append_new(folded, json_string(line))) {
			free(line);
			json_decref(folded);
			return NULL;
		}
		free(line);
	}
	if (!folded)
		return NULL;
	o = json_pack("{s:s, s:s?, s:I, s:o*, s:o*, s:o, s:I}", "tool", "perf", "event", p->event,
		      "samples", (json_int_t)p->samples, "top_kernel",
		      syms_json(p->kernel, p->n_kernel, top), "top_user",
		      syms_json(p->user, p->n_user, top), "folded", folded, "stacks_total",
		      (json_int_t)p->n_stacks);
	return o;
}

static double share_of(const json_t *list, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
	{
		const char *sym = json_string_value(json_object_get(e, "symbol"));

		if (sym && !strcmp(sym, name))
			return json_number_value(json_object_get(e, "share"));
	}
	return 0;
}

static int cmp_change(const void *a, const void *b)
{
	const struct bl_profile_change *x = a, *y = b;
	double dx = x->new_share - x->base_share, dy = y->new_share - y->base_share;

	dx = dx < 0 ? -dx : dx;
	dy = dy < 0 ? -dy : dy;
	if (dx != dy)
		return dx < dy ? 1 : -1;
	return strcmp(x->name, y->name);
}

int bl_profile_diff(const json_t *base, const json_t *new_p, struct bl_profile_change *out,
		    size_t max)
{
	static const char *const sides[2] = { "top_kernel", "top_user" };
	struct bl_profile_change *all = NULL;
	size_t n = 0, cap = 0;

	if (!json_is_object(base) || !json_is_object(new_p))
		return -EINVAL;
	for (int side = 0; side < 2; side++) {
		const json_t *lists[2] = { json_object_get(base, sides[side]),
					   json_object_get(new_p, sides[side]) };

		for (int which = 0; which < 2; which++) {
			size_t i;
			json_t *e;

			json_array_foreach(lists[which], i, e) {
				const char *name = json_string_value(json_object_get(e, "symbol"));
				bool dup = false;

				if (!name)
					continue;
				for (size_t k = 0; k < n; k++)
					if (all[k].kernel == !side && !strcmp(all[k].name, name))
						dup = true;
				if (dup)
					continue;
				if (n == cap) {
					size_t nc = cap ? cap * 2 : 64;
					struct bl_profile_change *na = realloc(all, nc * sizeof(*na));

					if (!na) {
						free(all);
						return -ENOMEM;
					}
					all = na;
					cap = nc;
				}
				snprintf(all[n].name, sizeof(all[n].name), "%s", name);
				all[n].kernel = !side;
				all[n].base_share = share_of(lists[0], name);
				all[n].new_share = share_of(lists[1], name);
				n++;
			}
		}
	}
	if (n)
		qsort(all, n, sizeof(*all), cmp_change);
	if (n > max)
		n = max;
	if (n)
		memcpy(out, all, n * sizeof(*out));
	free(all);
	return (int)n;
}
