/*
 * The lab's kernels (see lab_internal.h): which series to boot when none
 * is given (configs/kernels), resolving each --kernels item (a series, an
 * exact version, a range: lab_kver.h) to exact Debian packages and fetching
 * them (testbed/fetch-kernel.sh, cached in testbed/cache/), and building
 * the initramfs each kernel boots with (testbed/mkinitramfs.sh: its
 * modules, the guest programs, the job), and Debian's Xen hypervisor for
 * the Xen modes (testbed/fetch-xen.sh, the same cache and lock). A local
 * build (lab_local.c) joins the list after the Debian kernels and skips
 * the fetch.
 *
 * The scripts run through bash, so a checkout that lost the executable bit
 * still works, and report on stdout as key=value lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "lab_internal.h"
#include "lab_kernels_file.h"
#include "log.h"
#include "paths.h"


int lab_kernels_default(struct lab_ctx *c, char *err, size_t errlen)
{
	char list[1024];
	int ret = lab_kernels_file_list(list, sizeof(list), err, errlen);

	return ret ? ret : lab_config_set_kernels(&c->cfg, list, err, errlen);
}

/* fetch-kernel.sh [--resolve-only | --package P=V] k->sel; fills k or k->error. */
static int fetch_kernel(struct lab_ctx *c, struct lab_kernel *k, bool resolve_only)
{
	char script[PATH_MAX + 32], pinned[sizeof(k->package) + sizeof(k->version) + 2];
	char *argv[8];
	char *out = NULL, *err = NULL;
	int rc, i = 0;

	bl_shipped_path("testbed/fetch-kernel.sh", BL_SHIPPED_LIB, "testbed/fetch-kernel.sh", script,
			sizeof(script));
	/* Through bash: a checkout that lost the executable bit still works. */
	argv[i++] = "bash";
	argv[i++] = script;
	if (resolve_only) {
		argv[i++] = "--resolve-only";
	} else if (*k->package && *k->version) {
		/* Fetch exactly what was resolved before: apt is slow to ask twice,
		 * and the index could move in between. */
		lab_sfmt(pinned, sizeof(pinned), "%s=%s", k->package, k->version);
		argv[i++] = "--package";
		argv[i++] = pinned;
	}
	argv[i++] = k->sel;
	argv[i] = NULL;
	rc = lab_run_capture(argv, &out, &err);
	if (rc < 0) {
		lab_sfmt(k->error, sizeof(k->error), "kernel %s: running %s: %s", k->label, script, strerror(-rc));
		return rc;
	}
	/* Progress lines (downloading, extracting) are worth showing. */
	if (!resolve_only && rc == 0 && err && *err)
		fputs(err, stderr);
	if (rc != 0) {
		lab_one_line(err);
		lab_sfmt(k->error, sizeof(k->error), "%s", *err ? err : "fetch-kernel.sh failed without a message");
		free(out);
		free(err);
		return rc == 2 ? -ENOENT : -EIO;
	}
	lab_kv_get(out, "package", k->package, sizeof(k->package));
	lab_kv_get(out, "version", k->version, sizeof(k->version));
	lab_kv_get(out, "label", k->label, sizeof(k->label)); /* a script without labels: the item stays */
	/* Debian names the package after the release: linux-image-<uname -r>-
	 * unsigned. Known before the fetch, so a kernel that cannot be fetched
	 * still gets its release into the failed documents. */
	if (resolve_only && !strncmp(k->package, "linux-image-", 12) && strlen(k->package) > 12 + 9 &&
	    !strcmp(k->package + strlen(k->package) - 9, "-unsigned"))
		lab_sfmt(k->release, sizeof(k->release), "%.*s", (int)(strlen(k->package) - 12 - 9), k->package + 12);
	if (!resolve_only &&
	    (lab_kv_get(out, "release", k->release, sizeof(k->release)) || lab_kv_get(out, "dir", k->dir, sizeof(k->dir)) ||
	     lab_kv_get(out, "vmlinuz", k->vmlinuz, sizeof(k->vmlinuz)))) {
		lab_sfmt(k->error, sizeof(k->error), "kernel %s: fetch-kernel.sh printed no release/dir/vmlinuz",
			 k->label);
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

	bl_shipped_path("testbed/mkinitramfs.sh", BL_SHIPPED_LIB, "testbed/mkinitramfs.sh", script,
			sizeof(script));
	lab_sfmt(k->initrd, sizeof(k->initrd), "%s/initramfs-%s.cpio", c->work, k->name);
	argv[i++] = "bash";
	argv[i++] = script;
	argv[i++] = "--kernel-dir";
	argv[i++] = k->dir;
	argv[i++] = "--out";
	argv[i++] = k->initrd;
	argv[i++] = "--job";
	argv[i++] = c->job;
	/* a modules tree may hold several releases (INSTALL_MOD_PATH reused) */
	if (*k->release) {
		argv[i++] = "--release";
		argv[i++] = k->release;
	}
	if (c->have_gembench) {
		argv[i++] = "--gembench";
		argv[i++] = c->gembench;
	}
	if (c->have_bouncelabd) {
		argv[i++] = "--bouncelabd";
		argv[i++] = c->bouncelabd;
	}
	if (c->cfg.guest_script) {
		argv[i++] = "--guest-script";
		argv[i++] = (char *)c->cfg.guest_script;
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
	rc = lab_run_capture(argv, &out, &err);
	if (rc != 0) {
		if (err)
			lab_one_line(err);
		lab_sfmt(k->error, sizeof(k->error), "kernel %s: initramfs: %s", k->label,
			 rc < 0 ? strerror(-rc) : (err ? err : "mkinitramfs.sh failed"));
	} else if (err && *err) {
		fputs(err, stderr);
	}
	free(out);
	free(err);
	return rc ? -EIO : 0;
}

/* A kernel of item @sel (series @v->series): its names before anything is resolved. */
static struct lab_kernel *kernel_add(struct lab_ctx *c, const struct lab_kver *v, const char *sel)
{
	struct lab_kernel *k = &c->kernels[c->nkernels++];

	memset(k, 0, sizeof(*k));
	lab_sfmt(k->series_buf, sizeof(k->series_buf), "%s", v->series);
	k->series = k->series_buf;
	lab_sfmt(k->sel, sizeof(k->sel), "%s", sel);
	lab_sfmt(k->label, sizeof(k->label), "%s", sel);
	return k;
}

/*
 * A range: `fetch-kernel.sh --list`, one "LABEL PACKAGE VERSION" line per
 * version, oldest first; each becomes a kernel pinned to its package.
 */
static int resolve_range(struct lab_ctx *c, const char *item, const struct lab_kver *v, char *err, size_t errlen)
{
	char script[PATH_MAX + 32], sel[LAB_KVER_MAX + 1];
	char *argv[] = { "bash", script, "--list", (char *)item, NULL };
	char *out = NULL, *serr = NULL, *save = NULL;
	int rc, ret = 0;

	lab_sfmt(script, sizeof(script), "%s/testbed/fetch-kernel.sh", c->root);
	rc = lab_run_capture(argv, &out, &serr);
	if (rc != 0) {
		if (serr)
			lab_one_line(serr);
		if (rc > 0 && serr && *serr) /* the script's message names the item */
			lab_sfmt(err, errlen, "--kernels: %s", serr);
		else
			lab_sfmt(err, errlen, "--kernels %s: fetch-kernel.sh --list: %s", item,
				 rc < 0 ? strerror(-rc) : "failed without a message");
		free(out);
		free(serr);
		return rc == 2 ? -EINVAL : -EIO;
	}
	/* Later fetches ask for exactly the listed package, by series and flavour. */
	lab_sfmt(sel, sizeof(sel), "%s%s%s", v->series, *v->flavour ? ":" : "", v->flavour);
	for (char *l = strtok_r(out, "\n", &save); l && !ret; l = strtok_r(NULL, "\n", &save)) {
		char label[LAB_KVER_MAX + 1], package[160], version[96];
		struct lab_kernel *k;

		if (sscanf(l, "%47s %159s %95s", label, package, version) != 3) {
			lab_sfmt(err, errlen, "--kernels %s: fetch-kernel.sh --list printed '%s'", item, l);
			ret = -EIO;
		} else if (c->nkernels == LAB_MAX_KERNELS) {
			lab_sfmt(err, errlen, "--kernels %s: more than %d kernels in all", item, LAB_MAX_KERNELS);
			ret = -EINVAL;
		} else {
			k = kernel_add(c, v, sel);
			lab_sfmt(k->label, sizeof(k->label), "%s", label);
			lab_sfmt(k->package, sizeof(k->package), "%s", package);
			lab_sfmt(k->version, sizeof(k->version), "%s", version);
		}
	}
	free(out);
	free(serr);
	return ret;
}

/* Debian names the package after the release: linux-image-<uname -r>-unsigned. */
static void release_of_package(struct lab_kernel *k)
{
	size_t n = strlen(k->package);

	if (!strncmp(k->package, "linux-image-", 12) && n > 12 + 9 && !strcmp(k->package + n - 9, "-unsigned"))
		lab_sfmt(k->release, sizeof(k->release), "%.*s", (int)(n - 12 - 9), k->package + 12);
}

int lab_kernels_resolve(struct lab_ctx *c, char *err, size_t errlen)
{
	c->nkernels = 0;
	for (size_t i = 0; i < c->cfg.nkernels; i++) {
		const char *item = c->cfg.kernels[i];
		size_t from = c->nkernels;
		struct lab_kver v;
		int ret;

		if (lab_kver_parse(item, &v, err, errlen))
			return -EINVAL;
		if (v.kind == LAB_KVER_RANGE) {
			if ((ret = resolve_range(c, item, &v, err, errlen)))
				return ret;
		} else if (c->nkernels == LAB_MAX_KERNELS) {
			lab_sfmt(err, errlen, "--kernels %s: more than %d kernels in all", item, LAB_MAX_KERNELS);
			return -EINVAL;
		} else {
			struct lab_kernel *k = kernel_add(c, &v, item);

			ret = fetch_kernel(c, k, true);
			if (ret == -ENOENT) {
				lab_sfmt(err, errlen, "--kernels: %s", k->error);
				return -EINVAL;
			}
			/* apt could not be asked now: the fetch asks again, and fails the boots if it must. */
			if (ret)
				bl_warn("%s (will try again when fetching)", k->error);
		}
		for (size_t j = from; j < c->nkernels; j++) {
			struct lab_kernel *k = &c->kernels[j];

			if (!*k->release)
				release_of_package(k);
			/* 6.12 keeps its folders 6.12-<mode> (6.12:cloud 6.12-cloud-<mode>); an
			 * exact version names its own. */
			lab_sfmt(k->name, sizeof(k->name), "%s", v.kind == LAB_KVER_SERIES ? item : k->label);
			for (char *p = strchr(k->name, ':'); p; p = strchr(p, ':'))
				*p = '-';
			for (size_t m = 0; m < j; m++) {
				const struct lab_kernel *o = &c->kernels[m];

				if (*k->package && !strcmp(o->package, k->package) && !strcmp(o->version, k->version)) {
					lab_sfmt(err, errlen,
						 "--kernels %s: %s (%s %s) is already in the list: each kernel boots once "
						 "per mode (--boots repeats)",
						 item, k->label, k->package, k->version);
					return -EINVAL;
				}
			}
		}
		/* What the item became: the exact versions are what the documents record. */
		printf("lab: --kernels %s:", item);
		if (v.kind == LAB_KVER_RANGE)
			printf(" %zu version(s):", c->nkernels - from);
		for (size_t j = from; j < c->nkernels; j++)
			printf(" %s (%s)", c->kernels[j].label, *c->kernels[j].version ? c->kernels[j].version : "?");
		printf("\n");
	}
	fflush(stdout);
	/* a local build boots after the Debian kernels (lab_local.c) */
	return lab_local_resolve(c, err, errlen);
}

/* fetch-xen.sh [--resolve-only | --package P=V]; fills c->xen or c->xen.error. */
static int fetch_xen(struct lab_ctx *c, bool resolve_only)
{
	struct lab_xen *x = &c->xen;
	char script[PATH_MAX + 32], pinned[sizeof(x->package) + sizeof(x->version) + 2];
	char *argv[6];
	char *out = NULL, *err = NULL;
	int rc, i = 0;

	lab_sfmt(script, sizeof(script), "%s/testbed/fetch-xen.sh", c->root);
	argv[i++] = "bash";
	argv[i++] = script;
	if (resolve_only) {
		argv[i++] = "--resolve-only";
	} else if (*x->package && *x->version) {
		/* exactly what was resolved before the boots, as for the kernels */
		lab_sfmt(pinned, sizeof(pinned), "%s=%s", x->package, x->version);
		argv[i++] = "--package";
		argv[i++] = pinned;
	}
	argv[i] = NULL;
	rc = lab_run_capture(argv, &out, &err);
	if (rc < 0) {
		lab_sfmt(x->error, sizeof(x->error), "xen: running %s: %s", script, strerror(-rc));
		return rc;
	}
	if (!resolve_only && rc == 0 && err && *err)
		fputs(err, stderr);
	if (rc != 0) {
		lab_one_line(err);
		lab_sfmt(x->error, sizeof(x->error), "%s", *err ? err : "fetch-xen.sh failed without a message");
		free(out);
		free(err);
		return rc == 2 ? -ENOENT : -EIO;
	}
	lab_kv_get(out, "package", x->package, sizeof(x->package));
	lab_kv_get(out, "version", x->version, sizeof(x->version));
	if (!resolve_only &&
	    (lab_kv_get(out, "xen", x->xen, sizeof(x->xen)) ||
	     lab_kv_get(out, "xen_version", x->xen_version, sizeof(x->xen_version)))) {
		lab_sfmt(x->error, sizeof(x->error), "xen: fetch-xen.sh printed no xen/xen_version");
		rc = -EIO;
	}
	/* QEMU's multiboot module list cannot carry such a path (lab_xen_path_ok). */
	if (!rc && !resolve_only && !lab_xen_path_ok(x->xen)) {
		lab_sfmt(x->error, sizeof(x->error), "xen: %s: a path with a comma or a space cannot be booted",
			 x->xen);
		rc = -EIO;
	}
	free(out);
	free(err);
	return rc ? -EIO : 0;
}

int lab_xen_resolve(struct lab_ctx *c)
{
	return fetch_xen(c, true);
}

void lab_kernels_fetch(struct lab_ctx *c)
{
	if (c->need_xen) {
		c->xen.error[0] = '\0';
		if (fetch_xen(c, false))
			bl_err("%s; the Xen boots are recorded as failed, the others go on", c->xen.error);
		else
			c->xen.ok = true;
	}
	for (size_t i = 0; i < c->nkernels; i++) {
		struct lab_kernel *k = &c->kernels[i];

		k->error[0] = '\0';
		/* a local build is on disk already (lab_local_resolve checked it) */
		if ((!k->local && fetch_kernel(c, k, false)) || build_initramfs(c, k)) {
			bl_err("%s; its boots are recorded as failed, the other kernels go on", k->error);
			continue;
		}
		k->ok = true;
	}
}

