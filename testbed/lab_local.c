/*
 * A local kernel build in the lab (see lab_internal.h, lab_local.h):
 * --kernel-image with --modules, or --kernel-deb (unpacked into the cache
 * by testbed/unpack-local-deb.sh). Checked before anything boots (a
 * bzImage, modules of its release with what every guest loads), then it
 * becomes one more struct lab_kernel, booted like a Debian kernel: the
 * same initramfs (its modules tree as the kernel dir), the same modes.
 *
 * What names it in documents and in the store: testbed.kernel_package
 * "local" and testbed.package_version "local-<16 hex of the image's
 * SHA-256>", so two builds of one release are two kernels to the store
 * and to compare (never pooled), and `kernel=local-<hex>` selects one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab_internal.h"
#include "lab_local.h"
#include "paths.h"

/* unpack-local-deb.sh: fills k (deb fields, dir, vmlinuz) or @err. */
static int unpack_deb(struct lab_ctx *c, struct lab_kernel *k, char *err, size_t errlen)
{
	char script[PATH_MAX + 32];
	char *argv[] = {"bash", script, (char *)c->cfg.kernel_deb, NULL};
	char *out = NULL, *serr = NULL;
	int rc;

	bl_shipped_path("testbed/unpack-local-deb.sh", BL_SHIPPED_LIB,
			"testbed/unpack-local-deb.sh", script, sizeof(script));
	rc = lab_run_capture(argv, &out, &serr);
	if (rc < 0) {
		lab_sfmt(err, errlen, "--kernel-deb %s: running %s: %s", c->cfg.kernel_deb, script,
			 strerror(-rc));
		return -EIO;
	}
	if (rc) {
		lab_one_line(serr);
		lab_sfmt(err, errlen, "%s",
			 *serr ? serr : "unpack-local-deb.sh failed without a message");
	} else {
		if (serr && *serr)
			fputs(serr, stderr); /* extracting ... */
		if (lab_kv_get(out, "package", k->deb_package, sizeof(k->deb_package)) ||
		    lab_kv_get(out, "version", k->deb_version, sizeof(k->deb_version)) ||
		    lab_kv_get(out, "dir", k->dir, sizeof(k->dir)) ||
		    lab_kv_get(out, "vmlinuz", k->vmlinuz, sizeof(k->vmlinuz))) {
			lab_sfmt(err, errlen,
				 "--kernel-deb %s: unpack-local-deb.sh printed no "
				 "package/version/dir/vmlinuz",
				 c->cfg.kernel_deb);
			rc = 1;
		}
	}
	free(out);
	free(serr);
	return rc == 0 ? 0 : rc == 2 ? -EINVAL : -EIO;
}

/* "6.12" of "6.12.118+deb12-amd64": the first two numbers. */
static void series_of(const char *release, char *buf, size_t len)
{
	size_t n = strspn(release, "0123456789");

	if (release[n] == '.')
		n += 1 + strspn(release + n + 1, "0123456789");
	lab_sfmt(buf, len, "%.*s", (int)n, release);
}

int lab_local_resolve(struct lab_ctx *c, char *err, size_t errlen)
{
	const struct lab_config *cfg = &c->cfg;
	struct lab_kernel *k;
	struct lab_bzimage bz;
	char what[PATH_MAX + 32], why[1024];
	int ret;

	if (!lab_config_has_local(cfg))
		return 0;
	if (c->nkernels == LAB_MAX_KERNELS) {
		lab_sfmt(err, errlen, "a local build after %d kernels: more than %d kernels in all",
			 LAB_MAX_KERNELS, LAB_MAX_KERNELS);
		return -EINVAL;
	}
	k = &c->kernels[c->nkernels];
	memset(k, 0, sizeof(*k));
	k->local = true;
	if (cfg->kernel_deb) {
		lab_sfmt(k->deb, sizeof(k->deb), "%s", cfg->kernel_deb);
		lab_sfmt(what, sizeof(what), "--kernel-deb %s", cfg->kernel_deb);
		if ((ret = unpack_deb(c, k, err, errlen)))
			return ret;
	} else {
		lab_sfmt(k->vmlinuz, sizeof(k->vmlinuz), "%s", cfg->kernel_image);
		lab_sfmt(k->dir, sizeof(k->dir), "%s", cfg->kernel_modules);
		lab_sfmt(what, sizeof(what), "--modules %s", cfg->kernel_modules);
	}
	ret = lab_bzimage_read(k->vmlinuz, &bz, why, sizeof(why));
	if (ret) {
		lab_sfmt(err, errlen, "%s: %s", cfg->kernel_deb ? what : "--kernel-image", why);
		return -EINVAL;
	}
	if ((ret = lab_modules_check(k->dir, what, bz.release, lab_local_modules_needed, err,
				     errlen)))
		return -EINVAL;
	ret = lab_sha256_file(k->vmlinuz, k->image_sha256);
	if (ret) {
		lab_sfmt(err, errlen, "%s: SHA-256: %s", k->vmlinuz, strerror(-ret));
		return -EIO;
	}
	/* Xen's multiboot module list cannot carry such a path (lab_xen_path_ok) */
	if (c->need_xen && (!lab_xen_path_ok(k->vmlinuz) || !lab_xen_path_ok(k->dir))) {
		lab_sfmt(
		    err, errlen,
		    "%s: a Xen mode passes the image to QEMU's multiboot loader, which splits on "
		    "',' and ' ': use a path without either",
		    k->vmlinuz);
		return -EINVAL;
	}
	lab_sfmt(k->release, sizeof(k->release), "%s", bz.release);
	lab_sfmt(k->image_version, sizeof(k->image_version), "%s", bz.version);
	series_of(bz.release, k->series_buf, sizeof(k->series_buf));
	k->series = k->series_buf;
	lab_sfmt(k->package, sizeof(k->package), "%s", LAB_LOCAL_PACKAGE);
	lab_sfmt(k->version, sizeof(k->version), "local-%.*s", LAB_LOCAL_ID_HEX, k->image_sha256);
	lab_sfmt(k->label, sizeof(k->label), "%s", k->version);
	lab_sfmt(k->sel, sizeof(k->sel), "%s", k->version);
	/* folders local-<release>-<mode>: "local" says it is no Debian package */
	lab_sfmt(k->name, sizeof(k->name), "local-%s", bz.release);
	c->nkernels++;
	if (*k->deb)
		printf("lab: --kernel-deb %s: %s %s\n", k->deb, k->deb_package, k->deb_version);
	printf("lab: local build %s: release %s, sha256 %s, modules %s\n", k->vmlinuz, k->release,
	       k->image_sha256, k->dir);
	printf("lab: local build %s: %s\n", k->label, k->image_version);
	fflush(stdout);
	return 0;
}
