/*
 * `bouncelab lab`: the testbed matrix runner. For each kernel series it
 * fetches the newest Debian kernel (testbed/fetch-kernel.sh, cached),
 * builds an initramfs with the guest programs and the job
 * (testbed/mkinitramfs.sh), then boots QEMU once per DMA mode, up to
 * --parallel at a time, each killed at --timeout. The guest's results come
 * back on a dedicated serial port (lab_channel.h); each result document is
 * stored as <out>/<series>-<mode>/<run_id>.json with a "testbed" object
 * added (package, exact version, mode, QEMU arguments, boot time, status).
 * A boot that yields no document (a panic, a hang, a kernel that could not
 * be fetched) gets a failed document of its own, so every boot leaves at
 * least one valid document behind.
 *
 * Order of work: everything the user can get wrong is checked first
 * (options, job file, guest script, programs, kernel series against apt),
 * so bad input is refused before anything is downloaded or booted.
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "lab_channel.h"
#include "lab_opts.h"
#include "lab_spec.h"
#include "log.h"
#include "resultdoc.h"

#define LAB_TAIL_LINES	   40		/* console lines kept in a failed document */
#define LAB_CHANNEL_MAX	   (64u << 20)	/* larger channel files are truncated */
#define LAB_CAPTURE_MAX	   (1u << 20)	/* output kept from a helper script */
#define LAB_KILL_GRACE_S   5		/* SIGTERM, then SIGKILL after this */

struct lab_kernel {
	const char *series;
	char package[160];
	char version[96];
	char release[128];
	char dir[PATH_MAX];
	char vmlinuz[PATH_MAX];
	char initrd[PATH_MAX];
	bool ok;	    /* fetched and initramfs built */
	char error[2048];   /* why not, when !ok */
};

enum boot_state { BOOT_PENDING, BOOT_RUNNING, BOOT_DONE };

struct lab_boot {
	struct lab_kernel *k;
	const struct lab_mode *mode;
	char dir[PATH_MAX];	/* <out>/<series>-<slug> */
	struct lab_argv argv;
	enum boot_state state;
	pid_t pid;
	struct timespec t0;
	char started_at[32], finished_at[32];
	double deadline;	/* monotonic seconds */
	bool term_sent, timed_out;
	int wstatus;
	double seconds;
	/* outcome */
	bool ok;
	const char *status;	/* testbed.status: ok | failed | timeout */
	size_t ndocs;
	int rc;			/* guest command's exit code, -1 unknown */
	int64_t bounced;
	bool bounced_known;
};

struct lab_job {
	size_t sections;	/* job sections (not [global]) */
	char first[64];		/* the first job section's name */
	char current[64];	/* the section being read */
	char workload[64], backend[64];
	char global_workload[64], global_backend[64];
	bool profile;		/* some section (or [global]) sets profile = true: the guest needs perf */
};

struct lab_ctx {
	struct lab_opts o;
	char root[PATH_MAX];	/* source tree: testbed/, configs/, build-static/ */
	char job[PATH_MAX];
	char out[PATH_MAX];
	char work[PATH_MAX];	/* <out>/.work: initramfs images */
	char gembench[PATH_MAX], bouncelabd[PATH_MAX];
	bool have_gembench, have_bouncelabd;
	const char *qemu;
	unsigned smp;
	struct lab_job jobinfo;
	size_t expected_docs;	/* per boot */
	struct lab_kernel kernels[LAB_MAX_KERNELS];
	size_t nkernels;
	FILE *summary;		/* <out>/summary.txt, or NULL */
};

/*
 * snprintf that reports truncation (-ENAMETOOLONG) instead of leaving the
 * compiler to guess: paths and messages here are bounded, and a cut message
 * is still a message.
 */
static int sfmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rfc3339_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* Reads a whole file (at most @max bytes), NUL-terminated. 0 or -errno. */
static int read_file(const char *path, size_t max, char **buf, size_t *len)
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

/* The last @lines lines of a file (a console log), NUL-terminated, owned. */
static char *file_tail(const char *path, int lines)
{
	char *buf = NULL, *p;
	size_t len = 0;
	int seen = 0;

	if (read_file(path, LAB_CHANNEL_MAX, &buf, &len))
		return strdup("(no console log)");
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	for (p = buf + len; p > buf; p--) {
		if (p[-1] == '\n' && ++seen == lines)
			break;
	}
	memmove(buf, p, strlen(p) + 1);
	/* Strip carriage returns so the document reads as plain lines. */
	for (char *s = buf, *d = buf;; s++) {
		if (*s != '\r')
			*d++ = *s;
		if (!*s)
			break;
	}
	return buf;
}

/*
 * Runs argv with stdout and stderr captured (each at most LAB_CAPTURE_MAX
 * bytes, NUL-terminated, owned by the caller). Returns the exit code, or
 * -errno when it could not run.
 */
static int run_capture(char *const argv[], char **out, char **err)
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

/* Value of "key=" in key=value lines, copied into dst. 0 or -ENOENT. */
static int kv_get(const char *text, const char *key, char *dst, size_t len)
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

/* Trims trailing newlines and joins lines with "; " for one-line messages. */
static void one_line(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ';';
}

/* The source tree: $BOUNCELAB_ROOT, else the parent of the binary's folder
 * (build/bouncelab), else the working folder. */
static void find_root(char *root, size_t len)
{
	const char *env = getenv("BOUNCELAB_ROOT");
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t n;

	if (env && *env) {
		sfmt(root, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		for (int up = 0; up < 2 && (slash = strrchr(exe, '/')); up++)
			*slash = '\0';
		sfmt(probe, sizeof(probe), "%s/testbed/fetch-kernel.sh", exe);
		if (*exe && is_file(probe)) {
			sfmt(root, len, "%s", exe);
			return;
		}
	}
	sfmt(root, len, ".");
}

/* --- the job file ---------------------------------------------------------- */

static int job_handler(void *user, const char *section, const char *name, const char *value)
{
	struct lab_job *j = user;
	bool global = !strcmp(section, "global");
	char *dst = NULL;

	/* inih calls this once per key: a section is counted at its first. */
	if (!global && strcmp(section, j->current)) {
		sfmt(j->current, sizeof(j->current), "%s", section);
		if (!j->sections++)
			sfmt(j->first, sizeof(j->first), "%s", section);
	}
	if (!strcmp(name, "profile") &&
	    (!strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcasecmp(value, "on") ||
	     !strcmp(value, "1")))
		j->profile = true;
	if (!strcmp(name, "workload"))
		dst = global ? j->global_workload : !strcmp(section, j->first) ? j->workload : NULL;
	else if (!strcmp(name, "backend"))
		dst = global ? j->global_backend : !strcmp(section, j->first) ? j->backend : NULL;
	if (dst)
		sfmt(dst, 64, "%s", value);
	return 1;
}

/* Checks the job file is a readable INI file with at least one job. */
static int check_job(struct lab_ctx *c)
{
	FILE *f = fopen(c->job, "re");
	int line;

	if (!f) {
		bl_err("job file %s: open: %s", c->job, strerror(errno));
		return -errno;
	}
	memset(&c->jobinfo, 0, sizeof(c->jobinfo));
	line = ini_parse_file(f, job_handler, &c->jobinfo);
	fclose(f);
	if (line) {
		bl_err("job file %s: line %d: not valid INI (expected [section] or key = value)", c->job, line);
		return -EINVAL;
	}
	if (!c->jobinfo.sections) {
		bl_err("job file %s: no job section (only [global] or nothing): nothing to run", c->job);
		return -EINVAL;
	}
	return 0;
}

/* Lets gembench validate the job's keys on the host when it offers --check. */
static int gembench_check(struct lab_ctx *c)
{
	char *help_argv[] = { c->gembench, "--help", NULL };
	char *check_argv[] = { c->gembench, "--job", c->job, "--check", NULL };
	char *out = NULL, *err = NULL;
	int rc, ret = 0;

	rc = run_capture(help_argv, &out, &err);
	if (rc < 0 || !out || (!strstr(out, "--check") && !(err && strstr(err, "--check"))))
		goto done;
	free(out);
	free(err);
	out = err = NULL;
	rc = run_capture(check_argv, &out, &err);
	if (rc != 0) {
		one_line(err ? err : (char[1]){ 0 });
		bl_err("job file %s: gembench --check refused it (exit %d): %s", c->job, rc, err ? err : "");
		ret = -EINVAL;
	}
done:
	free(out);
	free(err);
	return ret;
}

/* --- kernels ------------------------------------------------------------- */

static int load_default_kernels(struct lab_ctx *c, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], *buf = NULL, list[256] = "";
	size_t len;

	sfmt(path, sizeof(path), "%s/%s", c->root, LAB_DEFAULT_KERNELS_FILE);
	if (read_file(path, 1 << 16, &buf, &len))
		return lab_opts_set_kernels(&c->o, LAB_DEFAULT_KERNELS, err, errlen);
	/* One series a line; '#' starts a comment. */
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(l, '#');
		char word[32];

		if (hash)
			*hash = '\0';
		if (sscanf(l, "%31s", word) != 1)
			continue;
		if (strlen(list) + strlen(word) + 2 > sizeof(list))
			break;
		if (*list)
			strcat(list, ",");
		strcat(list, word);
	}
	free(buf);
	if (!*list) {
		sfmt(err, errlen, "%s names no kernel series", path);
		return -EINVAL;
	}
	return lab_opts_set_kernels(&c->o, list, err, errlen);
}

/* fetch-kernel.sh [--resolve-only] SERIES; fills k or k->error. */
static int fetch_kernel(struct lab_ctx *c, struct lab_kernel *k, bool resolve_only)
{
	char script[PATH_MAX + 32], pinned[sizeof(k->package) + sizeof(k->version) + 2];
	char *argv[8];
	char *out = NULL, *err = NULL;
	int rc, i = 0;

	sfmt(script, sizeof(script), "%s/testbed/fetch-kernel.sh", c->root);
	/* Through bash: a checkout that lost the executable bit still works. */
	argv[i++] = "bash";
	argv[i++] = script;
	if (resolve_only) {
		argv[i++] = "--resolve-only";
	} else if (*k->package && *k->version) {
		/* Fetch exactly what was resolved before: apt is slow to ask twice,
		 * and the index could move in between. */
		sfmt(pinned, sizeof(pinned), "%s=%s", k->package, k->version);
		argv[i++] = "--package";
		argv[i++] = pinned;
	}
	argv[i++] = (char *)k->series;
	argv[i] = NULL;
	rc = run_capture(argv, &out, &err);
	if (rc < 0) {
		sfmt(k->error, sizeof(k->error), "kernel %s: running %s: %s", k->series, script, strerror(-rc));
		return rc;
	}
	/* Progress lines (downloading, extracting) are worth showing. */
	if (!resolve_only && rc == 0 && err && *err)
		fputs(err, stderr);
	if (rc != 0) {
		one_line(err);
		sfmt(k->error, sizeof(k->error), "%s", *err ? err : "fetch-kernel.sh failed without a message");
		free(out);
		free(err);
		return rc == 2 ? -ENOENT : -EIO;
	}
	kv_get(out, "package", k->package, sizeof(k->package));
	kv_get(out, "version", k->version, sizeof(k->version));
	/* Debian names the package after the release: linux-image-<uname -r>-
	 * unsigned. Known before the fetch, so a kernel that cannot be fetched
	 * still gets its release into the failed documents. */
	if (resolve_only && !strncmp(k->package, "linux-image-", 12) && strlen(k->package) > 12 + 9 &&
	    !strcmp(k->package + strlen(k->package) - 9, "-unsigned"))
		sfmt(k->release, sizeof(k->release), "%.*s", (int)(strlen(k->package) - 12 - 9), k->package + 12);
	if (!resolve_only &&
	    (kv_get(out, "release", k->release, sizeof(k->release)) || kv_get(out, "dir", k->dir, sizeof(k->dir)) ||
	     kv_get(out, "vmlinuz", k->vmlinuz, sizeof(k->vmlinuz)))) {
		sfmt(k->error, sizeof(k->error), "kernel %s: fetch-kernel.sh printed no release/dir/vmlinuz",
			 k->series);
		rc = -EIO;
	}
	free(out);
	free(err);
	return rc ? -EIO : 0;
}

static int build_initramfs(struct lab_ctx *c, struct lab_kernel *k)
{
	char script[PATH_MAX + 32];
	char *argv[20];
	char *out = NULL, *err = NULL;
	int rc, i = 0;

	sfmt(script, sizeof(script), "%s/testbed/mkinitramfs.sh", c->root);
	sfmt(k->initrd, sizeof(k->initrd), "%s/initramfs-%s.cpio", c->work, k->series);
	argv[i++] = "bash";
	argv[i++] = script;
	argv[i++] = "--kernel-dir";
	argv[i++] = k->dir;
	argv[i++] = "--out";
	argv[i++] = k->initrd;
	argv[i++] = "--job";
	argv[i++] = c->job;
	if (c->have_gembench) {
		argv[i++] = "--gembench";
		argv[i++] = c->gembench;
	}
	if (c->have_bouncelabd) {
		argv[i++] = "--bouncelabd";
		argv[i++] = c->bouncelabd;
	}
	if (c->o.guest_script) {
		argv[i++] = "--guest-script";
		argv[i++] = (char *)c->o.guest_script;
	}
	/*
	 * perf and its shared libraries add ~35 MB to the image (slower boots
	 * under TCG): only jobs that profile get them.
	 */
	if (c->jobinfo.profile) {
		argv[i++] = "--perf";
		argv[i++] = "auto";
	}
	argv[i] = NULL;
	rc = run_capture(argv, &out, &err);
	if (rc != 0) {
		if (err)
			one_line(err);
		sfmt(k->error, sizeof(k->error), "kernel %s: initramfs: %s", k->series,
			 rc < 0 ? strerror(-rc) : (err ? err : "mkinitramfs.sh failed"));
	} else if (err && *err) {
		fputs(err, stderr);
	}
	free(out);
	free(err);
	return rc ? -EIO : 0;
}

/* --- one boot ------------------------------------------------------------ */

static int boot_start(struct lab_ctx *c, struct lab_boot *b)
{
	char console[PATH_MAX + 16], channel[PATH_MAX + 16];
	struct lab_qemu_cfg cfg;
	int fd = -1, ret;

	rfc3339_now(b->started_at, sizeof(b->started_at));
	clock_gettime(CLOCK_MONOTONIC, &b->t0);
	sfmt(console, sizeof(console), "%s/console.log", b->dir);
	sfmt(channel, sizeof(channel), "%s/channel.txt", b->dir);
	cfg = (struct lab_qemu_cfg){
		.qemu = c->qemu,
		.kernel = b->k->vmlinuz,
		.initrd = b->k->initrd,
		.channel_path = channel,
		.mode = b->mode,
		.mem_mib = c->o.mem_mib,
		.smp = c->smp,
		.kvm = c->o.kvm,
	};
	ret = lab_qemu_argv(&cfg, &b->argv);
	if (ret)
		return ret;
	unlink(channel);
	fd = open(console, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	b->pid = fork();
	if (b->pid < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (!b->pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		/* The console (QEMU's stdout) and QEMU's own errors, together. */
		dup2(fd, 1);
		dup2(fd, 2);
		/* A lab that is killed takes its guests with it: a hung guest
		 * must not outlive the run that would have timed it out. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		execvp(b->argv.v[0], b->argv.v);
		fprintf(stderr, "%s: exec: %s\n", b->argv.v[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	b->state = BOOT_RUNNING;
	b->deadline = mono_now() + c->o.timeout_s;
	return 0;
}

static json_t *testbed_object(struct lab_ctx *c, const struct lab_boot *b)
{
	json_t *args = json_array();
	char cmdline[256] = "";

	lab_mode_cmdline(b->mode, cmdline, sizeof(cmdline));
	for (size_t i = 0; i < b->argv.n; i++)
		json_array_append_new(args, json_string(b->argv.v[i]));
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:s, s:f, s:s, s:s}",
			 "series", b->k->series,
			 "kernel_package", *b->k->package ? b->k->package : NULL,
			 "package_version", *b->k->version ? b->k->version : NULL,
			 "kernel_release", *b->k->release ? b->k->release : NULL,
			 "mode", lab_dma_names[b->mode->dma],
			 "mode_spec", b->mode->spec,
			 "swiotlb", lab_mode_swiotlb_name(b->mode),
			 "iommu", lab_mode_iommu_name(b->mode),
			 "cmdline", cmdline,
			 "qemu_args", args,
			 "guest_mem_mib", (json_int_t)c->o.mem_mib,
			 "guest_cpus", (json_int_t)c->smp,
			 "accel", c->o.kvm ? "kvm" : "tcg",
			 "boot_seconds", b->seconds,
			 "status", b->status,
			 "started_at", b->started_at);
}

static bool run_id_safe(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F') || *s == '-'))
			return false;
	return true;
}

static void new_uuid(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/uuid", "re");

	if (!f || !fgets(buf, (int)len, f)) {
		/* Not expected on Linux; still make a well-formed v4-style id. */
		sfmt(buf, len, "%08lx-0000-4000-8000-%012lx", (unsigned long)time(NULL),
			 (unsigned long)getpid());
	}
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * Writes @doc as <dir>/<run_id>.json. A document the result-document
 * contract refuses (lib/resultdoc.h, the same check the store applies) is
 * kept as <run_id>.json.invalid for inspection and reported in @why:
 * returns -EINVAL then, so the boot does not count it.
 */
static int write_doc(const struct lab_boot *b, json_t *doc, char *why, size_t whylen)
{
	char path[PATH_MAX + 96], tmp[PATH_MAX + 100], verr[256];
	struct bl_resultdoc *valid = NULL;
	int invalid;
	const char *id = json_string_value(json_object_get(doc, "run_id"));
	char fresh[64];

	if (!id || !run_id_safe(id)) {
		/* A document without a usable run_id still gets stored. */
		new_uuid(fresh, sizeof(fresh));
		bl_warn("%s: a document has no usable run_id; stored as %s.json", b->dir, fresh);
		id = fresh;
	}
	invalid = bl_resultdoc_from_json(doc, &valid, verr, sizeof(verr));
	bl_resultdoc_free(valid);
	if (invalid && why)
		sfmt(why, whylen, "document %s breaks the result-document contract: %s", id, verr);
	if (invalid)
		bl_err("%s: document %s: %s (kept as %s.json.invalid)", b->dir, id, verr, id);
	sfmt(path, sizeof(path), "%s/%s.json%s", b->dir, id, invalid ? ".invalid" : "");
	sfmt(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(doc, tmp, JSON_INDENT(2))) {
		bl_err("%s: write failed", tmp);
		return -EIO;
	}
	if (rename(tmp, path)) {
		bl_err("%s: rename: %s", path, strerror(errno));
		return -errno;
	}
	return invalid ? -EINVAL : 0;
}

/*
 * The first line of the console that says why a kernel died ("Kernel
 * panic - not syncing: ...", "BUG: ...", "Oops: ..."): a call trace can push
 * it out of the tail. Owned by the caller; NULL when there is none.
 */
static char *console_headline(const char *path)
{
	static const char *const marks[] = { "Kernel panic", "BUG: ", "Oops: ", "general protection fault" };
	char *buf = NULL, *line, *save = NULL, *found = NULL;
	size_t len;

	if (read_file(path, LAB_CHANNEL_MAX, &buf, &len))
		return NULL;
	for (line = strtok_r(buf, "\r\n", &save); line && !found; line = strtok_r(NULL, "\r\n", &save))
		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]) && !found; i++)
			if (strstr(line, marks[i]))
				found = strdup(line);
	free(buf);
	return found;
}

/* The document of a boot that produced none (or too few) of its own. */
static json_t *failed_doc(struct lab_ctx *c, const struct lab_boot *b, const char *reason)
{
	char console[PATH_MAX + 16], uuid[64], cmdline[256] = "", finished[32];
	char *tail, *error, *headline;
	const char *workload, *backend;
	json_t *doc, *kernel;

	sfmt(console, sizeof(console), "%s/console.log", b->dir);
	tail = file_tail(console, LAB_TAIL_LINES);
	headline = console_headline(console);
	if (asprintf(&error, "%s%s%s\n--- last %d lines of the console ---\n%s", reason,
		     headline ? "\nconsole: " : "", headline ? headline : "", LAB_TAIL_LINES, tail ? tail : "") < 0)
		error = NULL;
	free(headline);
	new_uuid(uuid, sizeof(uuid));
	lab_mode_cmdline(b->mode, cmdline, sizeof(cmdline));
	rfc3339_now(finished, sizeof(finished));
	workload = *c->jobinfo.workload ? c->jobinfo.workload : c->jobinfo.global_workload;
	backend = *c->jobinfo.backend ? c->jobinfo.backend : c->jobinfo.global_backend;
	/* What the guest would have reported: the release from the package,
	 * the command line we gave it. Unknown release: no kernel object. */
	kernel = *b->k->release ? json_pack("{s:s, s:n, s:s}", "release", b->k->release, "version", "cmdline", cmdline)
				: json_null();
	doc = json_pack("{s:i, s:s, s:s, s:s?, s:{s:s, s:s}, s:s, s:s, s:n,"
			" s:o, s:{s:s, s:o, s:s, s:n, s:{s:s}}, s:n, s:n,"
			" s:{s:s, s:s, s:s, s:{}}, s:[], s:o}",
			"format", 1, "run_id", uuid, "status", "failed", "error", error,
			"tool", "name", "bouncelab-lab", "version", BOUNCELAB_VERSION,
			"started_at", b->started_at, "finished_at", finished, "host",
			"kernel", kernel,
			"dma", "swiotlb", lab_mode_swiotlb_name(b->mode), "swiotlb_slabs_requested",
			b->mode->pool_bytes ? json_integer((json_int_t)(b->mode->pool_bytes / LAB_SLOT_BYTES))
					    : json_null(),
			"iommu", lab_mode_iommu_name(b->mode),
			/* The pool the guest really got is unknown: it never reported. */
			"swiotlb_slabs", "unavailable", "swiotlb_slabs", "the guest did not report its pool",
			"device", "importer",
			"job", "name", *c->jobinfo.first ? c->jobinfo.first : "lab",
			"backend", *backend ? backend : "none", "workload", *workload ? workload : "none", "params",
			"results", "testbed", testbed_object(c, b));
	free(tail);
	free(error);
	return doc;
}

/* Sums results[].counters.swiotlb_bounced where the kernel could tell. */
static void add_bounces(struct lab_boot *b, json_t *doc)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, row) {
		json_t *v = json_object_get(json_object_get(row, "counters"), "swiotlb_bounced");

		if (json_is_integer(v)) {
			b->bounced += json_integer_value(v);
			b->bounced_known = true;
		}
	}
}

static void boot_collect(struct lab_ctx *c, struct lab_boot *b)
{
	char channel[PATH_MAX + 16], reason[1024] = "", invalid[512] = "";
	struct lab_channel ch = { 0 };
	char *text = NULL;
	size_t len = 0;
	int ret;

	b->state = BOOT_DONE;
	rfc3339_now(b->finished_at, sizeof(b->finished_at));
	b->rc = -1;
	b->status = "failed";
	sfmt(channel, sizeof(channel), "%s/channel.txt", b->dir);
	if (!b->k->ok) {
		sfmt(reason, sizeof(reason), "%s", b->k->error);
		goto synthesize;
	}
	ret = read_file(channel, LAB_CHANNEL_MAX, &text, &len);
	if (ret && ret != -ENOENT)
		bl_warn("%s: read: %s", channel, strerror(-ret));
	if (!ret && lab_channel_parse(text, len, &ch)) {
		sfmt(reason, sizeof(reason), "out of memory parsing %s", channel);
		goto synthesize;
	}
	if (ch.end) {
		b->status = "ok";
		b->rc = ch.rc;
	} else if (b->timed_out) {
		b->status = "timeout";
	}
	for (size_t i = 0; i < ch.ndocs; i++) {
		json_object_set_new(ch.docs[i], "testbed", testbed_object(c, b));
		add_bounces(b, ch.docs[i]);
		if (!write_doc(b, ch.docs[i], *invalid ? NULL : invalid, sizeof(invalid)))
			b->ndocs++;
	}

	if (b->timed_out)
		sfmt(reason, sizeof(reason), "the guest did not finish within --timeout %u s and was killed%s",
			 c->o.timeout_s, ch.begin ? " (its command had started)" : " (its command never started)");
	else if (!ch.end && WIFEXITED(b->wstatus) && WEXITSTATUS(b->wstatus) == 127)
		sfmt(reason, sizeof(reason), "%s could not be started (see console.log)", c->qemu);
	else if (!ch.end)
		sfmt(reason, sizeof(reason),
			 "the guest died before BOUNCELAB-RESULTS-END (%s; qemu exit status %d): a panic, a crash "
			 "or a failed boot",
			 ch.begin ? "its command had started" : "its command never started",
			 WIFEXITED(b->wstatus) ? WEXITSTATUS(b->wstatus) : -1);
	else if (ch.bad_lines)
		sfmt(reason, sizeof(reason), "%zu malformed line(s) on the result channel; the first: %s",
			 ch.bad_lines, ch.error);
	else if (*invalid)
		sfmt(reason, sizeof(reason), "%s", invalid);
	else if (b->ndocs < c->expected_docs)
		sfmt(reason, sizeof(reason),
			 "the guest command exited %d after %zu of %zu expected result document(s)", ch.rc, b->ndocs,
			 c->expected_docs);
	if (!*reason)
		b->ok = true;
	lab_channel_free(&ch);
	free(text);
	text = NULL;
	if (b->ok)
		return;
synthesize: {
	json_t *doc = failed_doc(c, b, reason);

	if (!doc)
		bl_err("%s: building the failed document: out of memory", b->dir);
	else if (!write_doc(b, doc, NULL, 0))
		b->ndocs++;
	json_decref(doc);
}
	free(text);
}

/* One line per boot on stdout, and the same line in <out>/summary.txt. */
static void boot_summary(struct lab_ctx *c, const struct lab_boot *b)
{
	const char *status = "ok";
	char bounced[32] = "n/a", line[512];

	if (b->bounced_known)
		sfmt(bounced, sizeof(bounced), "%" PRId64, b->bounced);
	/* The boot may have been fine (testbed.status ok) and its documents
	 * not: the summary says whether the boot as a whole succeeded. */
	if (!b->ok)
		status = strcmp(b->status, "ok") ? b->status : "failed";
	sfmt(line, sizeof(line), "%-22s %-20s %-18s %-7s %7.1fs  docs=%zu  rc=%-3d swiotlb_bounced=%s%s\n",
	     *b->k->release ? b->k->release : b->k->series, *b->k->version ? b->k->version : "?", b->mode->spec,
	     status, b->seconds, b->ndocs, b->rc, bounced, b->ok ? "" : "  (see failed document)");
	fputs(line, stdout);
	fflush(stdout);
	if (c->summary)
		fputs(line, c->summary);
}

/* Waits for running boots, enforcing deadlines; returns when one finished. */
static void boots_reap(struct lab_ctx *c, struct lab_boot *boots, size_t n)
{
	for (;;) {
		double now = mono_now();

		for (size_t i = 0; i < n; i++) {
			struct lab_boot *b = &boots[i];
			pid_t r;

			if (b->state != BOOT_RUNNING)
				continue;
			r = waitpid(b->pid, &b->wstatus, WNOHANG);
			if (r == b->pid || (r < 0 && errno == ECHILD)) {
				struct timespec t1;

				clock_gettime(CLOCK_MONOTONIC, &t1);
				b->seconds = (double)(t1.tv_sec - b->t0.tv_sec) +
					     (double)(t1.tv_nsec - b->t0.tv_nsec) / 1e9;
				boot_collect(c, b);
				boot_summary(c, b);
				return;
			}
			if (now > b->deadline && !b->term_sent) {
				b->timed_out = true;
				b->term_sent = true;
				kill(b->pid, SIGTERM);
			} else if (b->term_sent && now > b->deadline + LAB_KILL_GRACE_S) {
				kill(b->pid, SIGKILL);
			}
		}
		usleep(100 * 1000);
	}
}

static int run_matrix(struct lab_ctx *c)
{
	size_t n = c->nkernels * c->o.nmodes, next = 0, done = 0, running = 0, ok = 0;
	struct lab_boot *boots = calloc(n, sizeof(*boots));
	double t0 = mono_now();

	if (!boots)
		return -ENOMEM;
	for (size_t ki = 0; ki < c->nkernels; ki++) {
		for (size_t mi = 0; mi < c->o.nmodes; mi++) {
			struct lab_boot *b = &boots[ki * c->o.nmodes + mi];

			b->k = &c->kernels[ki];
			b->mode = &c->o.modes[mi];
			b->rc = -1;
			sfmt(b->dir, sizeof(b->dir), "%s/%s-%s", c->out, b->k->series, b->mode->slug);
		}
	}
	while (done < n) {
		while (running < c->o.parallel && next < n) {
			struct lab_boot *b = &boots[next++];
			int ret = bl_mkdir_p(b->dir, 0755);

			if (ret) {
				bl_err("%s: mkdir: %s", b->dir, strerror(-ret));
				b->status = "failed";
				b->state = BOOT_DONE;
				done++;
				continue;
			}
			if (!b->k->ok) {
				/* Nothing to boot: record why, once per mode. */
				rfc3339_now(b->started_at, sizeof(b->started_at));
				boot_collect(c, b);
				boot_summary(c, b);
				done++;
				continue;
			}
			ret = boot_start(c, b);
			if (ret) {
				bl_err("%s: starting qemu: %s", b->dir, strerror(-ret));
				b->status = "failed";
				b->state = BOOT_DONE;
				done++;
				continue;
			}
			running++;
		}
		if (running) {
			boots_reap(c, boots, n);
			running--;
			done++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		ok += boots[i].ok;
		lab_argv_free(&boots[i].argv);
	}
	printf("lab: %zu boot(s), %zu ok, %zu failed, %.1f s; results in %s\n", n, ok, n - ok, mono_now() - t0,
	       c->out);
	if (c->summary)
		fprintf(c->summary, "lab: %zu boot(s), %zu ok, %zu failed, %.1f s\n", n, ok, n - ok, mono_now() - t0);
	free(boots);
	return ok == n ? 0 : 1;
}

/* --- set-up ---------------------------------------------------------------- */

static const char *find_qemu(void)
{
	const char *env = getenv("BOUNCELAB_QEMU");
	const char *path = getenv("PATH");
	static char found[PATH_MAX];

	if (env && *env)
		return env;
	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
		size_t n = strcspn(p, ":");

		sfmt(found, sizeof(found), "%.*s/qemu-system-x86_64", (int)n, p);
		if (!access(found, X_OK))
			return found;
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

static int prepare(struct lab_ctx *c)
{
	const char *static_dir;
	char err[512];
	long ncpu;
	int ret;

	find_root(c->root, sizeof(c->root));
	if (!c->o.nkernels && load_default_kernels(c, err, sizeof(err))) {
		bl_err("%s", err);
		return -EINVAL;
	}
	if (c->o.job)
		sfmt(c->job, sizeof(c->job), "%s", c->o.job);
	else
		sfmt(c->job, sizeof(c->job), "%s/%s", c->root, LAB_DEFAULT_JOB);
	if ((ret = check_job(c)))
		return ret;
	if (c->o.guest_script && access(c->o.guest_script, R_OK)) {
		bl_err("guest script %s: %s", c->o.guest_script, strerror(errno));
		return -errno;
	}
	/* The static guest programs: make static puts them in build-static/. */
	static_dir = getenv("BOUNCELAB_STATIC_DIR");
	if (static_dir && *static_dir) {
		sfmt(c->gembench, sizeof(c->gembench), "%s/gembench", static_dir);
		sfmt(c->bouncelabd, sizeof(c->bouncelabd), "%s/bouncelabd", static_dir);
	} else {
		sfmt(c->gembench, sizeof(c->gembench), "%s/build-static/gembench", c->root);
		sfmt(c->bouncelabd, sizeof(c->bouncelabd), "%s/build-static/bouncelabd", c->root);
	}
	c->have_gembench = is_file(c->gembench);
	c->have_bouncelabd = is_file(c->bouncelabd);
	if (!c->have_gembench && !c->o.guest_script) {
		bl_err("%s: not found: run `make static`, or pass --guest-script", c->gembench);
		return -ENOENT;
	}
	if (c->have_gembench && (ret = gembench_check(c)))
		return ret;
	/* gembench writes one document per job section; a script at least one. */
	c->expected_docs = c->o.guest_script ? 1 : c->jobinfo.sections;

	c->qemu = find_qemu();
	if (!c->qemu) {
		bl_err("qemu-system-x86_64: not found in PATH (Debian package qemu-system-x86; make deps)");
		return -ENOENT;
	}
	if (c->o.kvm && access("/dev/kvm", R_OK | W_OK)) {
		bl_err("--kvm: /dev/kvm: %s", strerror(errno));
		return -errno;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	c->smp = c->o.smp ? c->o.smp : (unsigned)(ncpu > 0 ? ncpu : 1) / c->o.parallel;
	if (!c->smp)
		c->smp = 1;

	/* Every series must exist in apt's index before anything boots. */
	c->nkernels = c->o.nkernels;
	for (size_t i = 0; i < c->nkernels; i++) {
		struct lab_kernel *k = &c->kernels[i];

		k->series = c->o.kernels[i];
		ret = fetch_kernel(c, k, true);
		if (ret == -ENOENT) {
			bl_err("--kernels: %s", k->error);
			return -EINVAL;
		}
		if (ret)
			bl_warn("%s (will try again when fetching)", k->error);
	}

	if (c->o.out) {
		sfmt(c->out, sizeof(c->out), "%s", c->o.out);
	} else {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		sfmt(c->out, sizeof(c->out), "var/lab/%s", stamp);
	}
	sfmt(c->work, sizeof(c->work), "%s/.work", c->out);
	if ((ret = bl_mkdir_p(c->work, 0755))) {
		bl_err("--out %s: mkdir: %s", c->out, strerror(-ret));
		return ret;
	}
	return 0;
}

static void fetch_all(struct lab_ctx *c)
{
	for (size_t i = 0; i < c->nkernels; i++) {
		struct lab_kernel *k = &c->kernels[i];

		k->error[0] = '\0';
		if (fetch_kernel(c, k, false) || build_initramfs(c, k)) {
			bl_err("%s; its boots are recorded as failed, the other kernels go on", k->error);
			continue;
		}
		k->ok = true;
	}
}

static void cleanup_work(struct lab_ctx *c)
{
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < c->nkernels; i++) {
		if (!*c->kernels[i].initrd)
			continue;
		unlink(c->kernels[i].initrd);
	}
	sfmt(path, sizeof(path), "%s", c->work);
	rmdir(path);
}

int lab_run(const struct lab_opts *o)
{
	struct lab_ctx *c = calloc(1, sizeof(*c));
	int ret;

	if (!c) {
		bl_err("lab: out of memory");
		return 1;
	}
	c->o = *o;
	/* kernels[] point into kernels_buf: point them into the copy's */
	for (size_t i = 0; i < c->o.nkernels; i++)
		c->o.kernels[i] = c->o.kernels_buf + (o->kernels[i] - o->kernels_buf);
	if (prepare(c)) {
		free(c);
		return 2;
	}
	bl_info("lab: %zu kernel(s) x %zu mode(s), %u at once, %u vCPU and %u MiB each, %s, timeout %u s, out %s",
		c->nkernels, c->o.nmodes, c->o.parallel, c->smp, c->o.mem_mib, c->o.kvm ? "KVM" : "TCG",
		c->o.timeout_s, c->out);
	{
		char path[PATH_MAX + 16];

		sfmt(path, sizeof(path), "%s/summary.txt", c->out);
		c->summary = fopen(path, "we");
		if (!c->summary)
			bl_warn("%s: %s (the summary goes to the terminal only)", path, strerror(errno));
	}
	fetch_all(c);
	ret = run_matrix(c);
	cleanup_work(c);
	if (c->summary)
		fclose(c->summary);
	free(c);
	return ret < 0 ? 1 : ret;
}
