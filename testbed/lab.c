/*
 * `bouncelab lab` as a library: lab_run(), the testbed matrix runner. For
 * each kernel series it fetches the newest Debian kernel and builds an
 * initramfs with the guest programs and the job (lab_kernel.c), then boots
 * QEMU cfg->boots times per DMA mode, in interleaved rounds, up to
 * cfg->parallel at a time, each killed at the timeout (lab_boot.c), on the
 * icount or the wall clock. The guest's results come back on a
 * dedicated serial port (lab_channel.h); each result document is stored as
 * <out>/<series>-<mode>[-boot<K>]/<run_id>.json with a "testbed" object added
 * (lab_doc.c). A boot that yields no document (a panic, a hang, a kernel
 * that could not be fetched) gets a failed document of its own, so every
 * boot leaves at least one valid document behind.
 *
 * Order of work: everything the caller can get wrong is checked first
 * (the configuration, job file, guest script, programs, kernel series
 * against apt), so bad input is refused before anything is downloaded or
 * booted.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "installdirs.h"
#include "lab.h"
#include "lab_internal.h"
#include "log.h"
#include "paths.h"

/*
 * The source tree (paths.h, bl_source_root), else the installed
 * lib/bouncelab folder: what c->root names. Files are found through
 * bl_shipped_path(), which knows where each one is installed.
 */
static void find_root(char *root, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char cache[PATH_MAX];

	if (!bl_source_root(root, len))
		return;
	lab_sfmt(root, len, "%s", bl_pkglibdir);
	/* Installed, fetch-kernel.sh's own folder is not writable: the kernels
	 * it downloads go to the user's cache unless BOUNCELAB_CACHE says where. */
	if (getenv("BOUNCELAB_CACHE"))
		return;
	if (xdg && *xdg)
		lab_sfmt(cache, sizeof(cache), "%s/bouncelab", xdg);
	else
		lab_sfmt(cache, sizeof(cache), "%s/.cache/bouncelab", home && *home ? home : "/tmp");
	setenv("BOUNCELAB_CACHE", cache, 0);
}

/* --- the job file ---------------------------------------------------------- */

static int job_handler(void *user, const char *section, const char *name, const char *value)
{
	struct lab_job *j = user;
	bool global = !strcmp(section, "global");
	char *dst = NULL;

	/* inih calls this once per key: a section is counted at its first. */
	if (!global && strcmp(section, j->current)) {
		lab_sfmt(j->current, sizeof(j->current), "%s", section);
		if (!j->sections++)
			lab_sfmt(j->first, sizeof(j->first), "%s", section);
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
		lab_sfmt(dst, 64, "%s", value);
	return 1;
}

/* Checks the job file is a readable INI file with at least one job. */
static int check_job(struct lab_ctx *c)
{
	char why[512];
	FILE *f;
	int line;

	/* /dev/zero or a FIFO would never end a line: the INI reader would wait forever. */
	line = bl_check_text_file(c->job, BL_TEXT_FILE_MAX, why, sizeof(why));
	if (line) {
		bl_err("job file %s", why);
		return line;
	}
	f = fopen(c->job, "re");
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

	rc = lab_run_capture(help_argv, &out, &err);
	if (rc < 0 || !out || (!strstr(out, "--check") && !(err && strstr(err, "--check"))))
		goto done;
	free(out);
	free(err);
	out = err = NULL;
	rc = lab_run_capture(check_argv, &out, &err);
	if (rc < 0) {
		bl_err("job file %s: gembench --check: %s", c->job, strerror(-rc));
		ret = rc;
	} else if (rc != 0) {
		lab_one_line(err ? err : (char[1]){ 0 });
		bl_err("job file %s: gembench --check refused it (exit %d): %s", c->job, rc, err ? err : "");
		ret = -EINVAL;
	}
done:
	free(out);
	free(err);
	return ret;
}

/* --- the matrix ------------------------------------------------------------ */

/*
 * Boots every kernel x mode cfg.boots times, in lab_boot_order's
 * interleaved rounds (A B A B: drift during the run reaches every
 * configuration alike), up to cfg.parallel at once.
 */
static int run_matrix(struct lab_ctx *c)
{
	size_t n = c->nkernels * c->cfg.nmodes * c->cfg.boots, next = 0, done = 0, running = 0, ok = 0;
	struct lab_boot *boots = calloc(n, sizeof(*boots));
	double t0 = lab_mono_now();

	if (!boots)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct lab_boot *b = &boots[i];
		char name[NAME_MAX + 1];
		size_t ki, mi;

		lab_boot_order(c->nkernels, c->cfg.nmodes, c->cfg.boots, i, &ki, &mi, &b->round);
		b->k = &c->kernels[ki];
		b->mode = &c->cfg.modes[mi];
		b->rc = -1;
		lab_boot_dirname(b->k->name, b->mode, b->round, c->cfg.boots, name, sizeof(name));
		lab_sfmt(b->dir, sizeof(b->dir), "%s/%s", c->out, name);
	}
	while (done < n) {
		while (running < c->cfg.parallel && next < n) {
			struct lab_boot *b = &boots[next++];
			int ret = bl_mkdir_p(b->dir, 0755);

			if (ret) {
				bl_err("%s: mkdir: %s", b->dir, strerror(-ret));
				b->status = "failed";
				b->state = LAB_BOOT_DONE;
				done++;
				continue;
			}
			if (!b->k->ok || (lab_mode_is_xen(b->mode) && !c->xen.ok)) {
				/* Nothing to boot: record why, once per mode. */
				bl_rfc3339(NULL, b->started_at);
				lab_boot_collect(c, b);
				lab_boot_summary(c, b);
				done++;
				continue;
			}
			ret = lab_boot_start(c, b);
			if (ret) {
				/* A boot that never ran still leaves its failed document. */
				bl_err("%s: starting qemu: %s", b->dir, strerror(-ret));
				b->start_err = ret;
				lab_boot_collect(c, b);
				lab_boot_summary(c, b);
				done++;
				continue;
			}
			running++;
		}
		if (running) {
			lab_boots_reap(c, boots, n);
			running--;
			done++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		ok += boots[i].ok;
		lab_argv_free(&boots[i].argv);
	}
	printf("lab: %zu boot(s), %zu ok, %zu failed, %.1f s, clock %s; results in %s\n", n, ok, n - ok,
	       lab_mono_now() - t0, lab_clock_name(c->clock), c->out);
	if (c->summary)
		fprintf(c->summary, "lab: %zu boot(s), %zu ok, %zu failed, %.1f s, clock %s\n", n, ok, n - ok,
			lab_mono_now() - t0, lab_clock_name(c->clock));
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

		lab_sfmt(found, sizeof(found), "%.*s/qemu-system-x86_64", (int)n, p);
		if (!access(found, X_OK))
			return found;
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

/*
 * `qemu --version`, once per run, for every document's testbed object: a
 * comparison across QEMU versions is a comparison across cost models.
 * Unknown ("", null in the documents) when QEMU does not say; not fatal.
 */
static void read_qemu_version(struct lab_ctx *c)
{
	char *argv[] = { (char *)c->qemu, "--version", NULL };
	char *out = NULL, *err = NULL;
	int rc = lab_run_capture(argv, &out, &err);

	if (rc < 0) {
		bl_warn("%s --version: %s (testbed.qemu_version will be null)", c->qemu, strerror(-rc));
	} else if (rc || lab_qemu_version_parse(out, c->qemu_version, sizeof(c->qemu_version))) {
		lab_one_line(out ? out : (char[1]){ 0 });
		bl_warn("%s --version: exit %d, no version in '%.80s' (testbed.qemu_version will be null)", c->qemu,
			rc, out ? out : "");
	}
	free(out);
	free(err);
}

static int prepare(struct lab_ctx *c)
{
	const char *static_dir;
	char err[2048];
	long ncpu;
	int ret;

	find_root(c->root, sizeof(c->root));
	/* a local build alone boots alone; with --kernels, after them */
	if (!c->cfg.nkernels && !lab_config_has_local(&c->cfg) && lab_kernels_default(c, err, sizeof(err))) {
		bl_err("%s", err);
		return -EINVAL;
	}
	if (c->cfg.job)
		lab_sfmt(c->job, sizeof(c->job), "%s", c->cfg.job);
	else
		bl_shipped_path(LAB_DEFAULT_JOB, BL_SHIPPED_DATA, "jobs/standard.ini", c->job,
				sizeof(c->job));
	if ((ret = check_job(c)))
		return ret;
	if (c->cfg.guest_script && access(c->cfg.guest_script, R_OK)) {
		bl_err("guest script %s: %s", c->cfg.guest_script, strerror(errno));
		return -errno;
	}
	/* The static guest programs: make static puts them in build-static/. */
	static_dir = getenv("BOUNCELAB_STATIC_DIR");
	if (static_dir && *static_dir) {
		lab_sfmt(c->gembench, sizeof(c->gembench), "%s/gembench", static_dir);
		lab_sfmt(c->bouncelabd, sizeof(c->bouncelabd), "%s/bouncelabd", static_dir);
	} else {
		/* installed: make install puts them in lib/bouncelab/guest/ */
		bl_shipped_path("build-static/gembench", BL_SHIPPED_LIB, "guest/gembench",
				c->gembench, sizeof(c->gembench));
		bl_shipped_path("build-static/bouncelabd", BL_SHIPPED_LIB, "guest/bouncelabd",
				c->bouncelabd, sizeof(c->bouncelabd));
	}
	c->have_gembench = lab_is_file(c->gembench);
	c->have_bouncelabd = lab_is_file(c->bouncelabd);
	if (!c->have_gembench && !c->cfg.guest_script) {
		bl_err("%s: not found: run `make static`, or pass --guest-script", c->gembench);
		return -ENOENT;
	}
	if (c->have_gembench && (ret = gembench_check(c)))
		return ret;
	/* gembench writes one document per job section; a script at least one. */
	c->expected_docs = c->cfg.guest_script ? 1 : c->jobinfo.sections;

	c->qemu = find_qemu();
	if (!c->qemu) {
		bl_err("qemu-system-x86_64: not found in PATH (Debian package qemu-system-x86; make deps)");
		return -ENOENT;
	}
	if (c->cfg.kvm && access("/dev/kvm", R_OK | W_OK)) {
		bl_err("--kvm: /dev/kvm: %s", strerror(errno));
		return -errno;
	}
	read_qemu_version(c);
	c->clock = lab_config_clock(&c->cfg);
	c->timeout_s = lab_config_timeout(&c->cfg);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	/*
	 * Under icount one host thread runs every vCPU, so more than one buys no
	 * speed; and Debian's 6.1 hangs at "Booting SMP configuration" with two
	 * of them on that clock. One vCPU unless --smp says otherwise.
	 */
	if (c->cfg.smp)
		c->smp = c->cfg.smp;
	else if (c->clock == LAB_CLOCK_ICOUNT)
		c->smp = 1;
	else
		c->smp = (unsigned)(ncpu > 0 ? ncpu : 1) / c->cfg.parallel;
	if (!c->smp)
		c->smp = 1;

	/* Xen, when a mode needs it: in apt's index, and paths QEMU's multiboot -initrd can carry. */
	for (size_t i = 0; i < c->cfg.nmodes; i++)
		c->need_xen |= lab_mode_is_xen(&c->cfg.modes[i]);
	if (c->need_xen) {
		ret = lab_xen_resolve(c);
		if (ret == -ENOENT) {
			bl_err("--modes: a Xen mode needs Debian's Xen hypervisor: %s", c->xen.error);
			return -EINVAL;
		}
		if (ret)
			bl_warn("%s (will try again when fetching)", c->xen.error);
	}

	/* Every kernel must exist in apt's index before anything boots. */
	if ((ret = lab_kernels_resolve(c, err, sizeof(err)))) {
		bl_err("%s", err);
		return ret == -EIO ? -EIO : -EINVAL;
	}

	if (c->cfg.out) {
		lab_sfmt(c->out, sizeof(c->out), "%s", c->cfg.out);
	} else {
		bl_default_out_dir("lab", c->out, sizeof(c->out));
	}
	lab_sfmt(c->work, sizeof(c->work), "%s/.work", c->out);
	/* The initramfs under .work and the cached kernels are Xen's multiboot modules. */
	if (c->need_xen && (!lab_xen_path_ok(c->work) || !lab_xen_path_ok(c->root))) {
		bl_err("--out %s (source tree %s): a Xen mode passes its files to QEMU's multiboot loader, which "
		       "splits on ',' and ' ': use a path without either",
		       c->out, c->root);
		return -EINVAL;
	}
	if ((ret = bl_mkdir_p(c->work, 0755))) {
		bl_err("--out %s: mkdir: %s", c->out, strerror(-ret));
		return ret;
	}
	return 0;
}


static void cleanup_work(struct lab_ctx *c)
{
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < c->nkernels; i++) {
		if (!*c->kernels[i].initrd)
			continue;
		unlink(c->kernels[i].initrd);
	}
	lab_sfmt(path, sizeof(path), "%s", c->work);
	rmdir(path);
}

/* <out>/summary.txt: the terminal summary kept beside the boot folders. */
static void open_summary(struct lab_ctx *c)
{
	char path[PATH_MAX + 16];

	lab_sfmt(path, sizeof(path), "%s/summary.txt", c->out);
	c->summary = fopen(path, "we");
	if (!c->summary)
		bl_warn("%s: %s (the summary goes to the terminal only)", path, strerror(errno));
}

int lab_resolve(const struct lab_config *cfg, struct lab_kernel_version *out, size_t max, size_t *n)
{
	struct lab_ctx *c;
	char err[2048];
	int ret;

	if (n)
		*n = 0;
	if (lab_config_check(cfg, err, sizeof(err))) {
		bl_err("lab: %s", err);
		return 2;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		bl_err("lab: out of memory");
		return 1;
	}
	c->cfg = *cfg;
	find_root(c->root, sizeof(c->root));
	/* a local build alone boots alone; with --kernels, after them */
	if (!c->cfg.nkernels && !lab_config_has_local(&c->cfg) && lab_kernels_default(c, err, sizeof(err))) {
		bl_err("%s", err);
		ret = 2;
		goto out;
	}
	ret = lab_kernels_resolve(c, err, sizeof(err));
	if (ret) {
		bl_err("%s", err);
		ret = ret == -EIO ? 1 : 2;
		goto out;
	}
	if (c->nkernels > max && out) {
		bl_err("lab: %zu kernels resolved, room for %zu", c->nkernels, max);
		ret = 2;
		goto out;
	}
	for (size_t i = 0; out && i < c->nkernels; i++) {
		const struct lab_kernel *k = &c->kernels[i];

		lab_sfmt(out[i].series, sizeof(out[i].series), "%s", k->series);
		lab_sfmt(out[i].label, sizeof(out[i].label), "%s", k->label);
		lab_sfmt(out[i].package, sizeof(out[i].package), "%s", k->package);
		lab_sfmt(out[i].version, sizeof(out[i].version), "%s", k->version);
	}
	if (n)
		*n = c->nkernels;
out:
	free(c);
	return ret;
}

int lab_run(const struct lab_config *cfg)
{
	struct lab_ctx *c;
	char err[512];
	int ret;

	if (lab_config_check(cfg, err, sizeof(err))) {
		bl_err("lab: %s", err);
		return 2;
	}
	/* --resolve: what the kernels are, without the job, QEMU or a boot. */
	if (cfg->resolve_only)
		return lab_resolve(cfg, NULL, 0, NULL);
	c = calloc(1, sizeof(*c));
	if (!c) {
		bl_err("lab: out of memory");
		return 1;
	}
	c->cfg = *cfg;
	if (prepare(c)) {
		ret = 2;
		goto out;
	}
	bl_info("lab: %zu kernel(s) x %zu mode(s) x %u boot(s), %u at once, %u vCPU and %u MiB each, %s, clock %s, "
		"QEMU %s, timeout %u s, out %s",
		c->nkernels, c->cfg.nmodes, c->cfg.boots, c->cfg.parallel, c->smp, c->cfg.mem_mib,
		c->cfg.kvm ? "KVM" : "TCG", lab_clock_name(c->clock), *c->qemu_version ? c->qemu_version : "?",
		c->timeout_s, c->out);
	open_summary(c);
	lab_kernels_fetch(c);
	ret = run_matrix(c);
	cleanup_work(c);
	if (c->summary)
		fclose(c->summary);
	if (ret < 0) {
		bl_err("lab: running the matrix: %s", strerror(-ret));
		ret = 1;
	}
out:
	free(c);
	return ret;
}
