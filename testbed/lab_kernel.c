/*
 * The lab's kernels (see lab_internal.h): which series to boot when none
 * is given (configs/kernels), resolving a series to the newest Debian
 * package and fetching it (testbed/fetch-kernel.sh, cached in
 * testbed/cache/), and building the initramfs each kernel boots with
 * (testbed/mkinitramfs.sh: its modules, the guest programs, the job).
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
#include "log.h"
#include "paths.h"

#define LAB_KERNELS_FILE_MAX (64u << 10) /* configs/kernels: a few lines */

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

int lab_kernels_default(struct lab_ctx *c, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], *buf = NULL, list[256] = "";
	size_t len;
	int ret;

	bl_shipped_path(LAB_DEFAULT_KERNELS_FILE, BL_SHIPPED_DATA, "kernels", path, sizeof(path));
	ret = bl_read_file(path, LAB_KERNELS_FILE_MAX, &buf, &len);
	/* A list that large is not a list of series: refused, not cut or replaced. */
	if (ret == -EFBIG) {
		lab_sfmt(err, errlen, "%s: larger than %u KiB: not a list of kernel series", path,
			 LAB_KERNELS_FILE_MAX >> 10);
		return -EINVAL;
	}
	if (ret)
		return lab_config_set_kernels(&c->cfg, LAB_DEFAULT_KERNELS, err, errlen);
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
		lab_sfmt(err, errlen, "%s names no kernel series", path);
		return -EINVAL;
	}
	return lab_config_set_kernels(&c->cfg, list, err, errlen);
}

/* fetch-kernel.sh [--resolve-only | --package P=V] SERIES; fills k or k->error. */
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
	argv[i++] = (char *)k->series;
	argv[i] = NULL;
	rc = lab_run_capture(argv, &out, &err);
	if (rc < 0) {
		lab_sfmt(k->error, sizeof(k->error), "kernel %s: running %s: %s", k->series, script, strerror(-rc));
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
	kv_get(out, "package", k->package, sizeof(k->package));
	kv_get(out, "version", k->version, sizeof(k->version));
	/* Debian names the package after the release: linux-image-<uname -r>-
	 * unsigned. Known before the fetch, so a kernel that cannot be fetched
	 * still gets its release into the failed documents. */
	if (resolve_only && !strncmp(k->package, "linux-image-", 12) && strlen(k->package) > 12 + 9 &&
	    !strcmp(k->package + strlen(k->package) - 9, "-unsigned"))
		lab_sfmt(k->release, sizeof(k->release), "%.*s", (int)(strlen(k->package) - 12 - 9), k->package + 12);
	if (!resolve_only &&
	    (kv_get(out, "release", k->release, sizeof(k->release)) || kv_get(out, "dir", k->dir, sizeof(k->dir)) ||
	     kv_get(out, "vmlinuz", k->vmlinuz, sizeof(k->vmlinuz)))) {
		lab_sfmt(k->error, sizeof(k->error), "kernel %s: fetch-kernel.sh printed no release/dir/vmlinuz",
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

	bl_shipped_path("testbed/mkinitramfs.sh", BL_SHIPPED_LIB, "testbed/mkinitramfs.sh", script,
			sizeof(script));
	lab_sfmt(k->initrd, sizeof(k->initrd), "%s/initramfs-%s.cpio", c->work, k->series);
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
		lab_sfmt(k->error, sizeof(k->error), "kernel %s: initramfs: %s", k->series,
			 rc < 0 ? strerror(-rc) : (err ? err : "mkinitramfs.sh failed"));
	} else if (err && *err) {
		fputs(err, stderr);
	}
	free(out);
	free(err);
	return rc ? -EIO : 0;
}
int lab_kernel_resolve(struct lab_ctx *c, struct lab_kernel *k)
{
	return fetch_kernel(c, k, true);
}

void lab_kernels_fetch(struct lab_ctx *c)
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

