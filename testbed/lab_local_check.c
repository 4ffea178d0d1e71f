/*
 * The checks of a local kernel build that need no boot (lab_local.h): the
 * bzImage boot header and its version string, the modules tree against the
 * image's release, a .deb's package name, the image's SHA-256. Pure but for
 * reading the files; every refusal names the file and what was wrong, so a
 * user who passed arch/x86/boot/compressed/vmlinux or the modules of last
 * week's build learns it before waiting for a boot.
 */
#include "lab_local.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "fsutil.h"

/* Offsets of the x86 boot header (Documentation/arch/x86/boot.rst). */
#define BZ_BOOT_FLAG  0x1fe /* u16 0xAA55 */
#define BZ_HEADER     0x202 /* "HdrS" */
#define BZ_VERSION    0x206 /* u16 boot protocol */
#define BZ_KVER_PTR   0x20e /* u16: the version string is at this + 0x200 */
#define BZ_LOADFLAGS  0x211 /* bit 0: LOADED_HIGH, a bzImage */
#define BZ_HEADER_END 0x212 /* what must be there to read the above */
#define BZ_KVER_BASE  0x200
#define BZ_MIN_PROTO  0x0200 /* kernel_version exists from 2.00 on */

const char *const lab_local_modules_needed[] = {"vgem", "virtio_gpu", NULL};

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

int lab_bzimage_read(const char *path, struct lab_bzimage *out, char *err, size_t errlen)
{
	unsigned char hdr[BZ_HEADER_END];
	char ver[sizeof(out->version)];
	struct stat st;
	unsigned ptr;
	ssize_t n;
	int fd, ret = -EINVAL;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n >= 4 && !memcmp(hdr, "\177ELF", 4)) {
		snprintf(err, errlen,
			 "%s: an ELF file (a vmlinux), not a bzImage: pass arch/x86/boot/bzImage "
			 "or /boot/vmlinuz-*",
			 path);
		goto out;
	}
	if (n < (ssize_t)sizeof(hdr)) {
		snprintf(err, errlen,
			 "%s: %lld bytes, too short for an x86 boot header: not a bzImage", path,
			 (long long)st.st_size);
		goto out;
	}
	if (memcmp(hdr + BZ_HEADER, "HdrS", 4) || le16(hdr + BZ_BOOT_FLAG) != 0xAA55) {
		snprintf(err, errlen,
			 "%s: no x86 boot header ('HdrS' at 0x202, 0xAA55 at 0x1fe): not a bzImage",
			 path);
		goto out;
	}
	out->protocol = le16(hdr + BZ_VERSION);
	if (out->protocol < BZ_MIN_PROTO || !(hdr[BZ_LOADFLAGS] & 1)) {
		snprintf(err, errlen, "%s: boot protocol %u.%02u%s: not a bzImage the lab can boot",
			 path, out->protocol >> 8, out->protocol & 0xff,
			 hdr[BZ_LOADFLAGS] & 1 ? "" : ", loaded low (a zImage)");
		goto out;
	}
	ptr = le16(hdr + BZ_KVER_PTR);
	if (!ptr || (off_t)(ptr + BZ_KVER_BASE) >= st.st_size) {
		snprintf(err, errlen,
			 "%s: no kernel version string (pointer 0x%x at 0x20e): not a bzImage",
			 path, ptr);
		goto out;
	}
	n = pread(fd, ver, sizeof(ver) - 1, (off_t)ptr + BZ_KVER_BASE);
	if (n <= 0) {
		snprintf(err, errlen, "%s: reading the version string at 0x%x: %s", path,
			 ptr + BZ_KVER_BASE, n < 0 ? strerror(errno) : "end of file");
		goto out;
	}
	ver[n] = '\0';
	for (char *p = ver; *p; p++) {
		if (!isprint((unsigned char)*p)) {
			*p = '\0';
			break;
		}
	}
	/* a release starts with its version number: 6.12.118+deb12-amd64 */
	if (!isdigit((unsigned char)ver[0]) || !strchr(ver, '.')) {
		snprintf(err, errlen,
			 "%s: the version string at 0x%x is '%.60s', not a kernel release: not a "
			 "bzImage",
			 path, ptr + BZ_KVER_BASE, ver);
		goto out;
	}
	snprintf(out->version, sizeof(out->version), "%s", ver);
	snprintf(out->release, sizeof(out->release), "%.*s", (int)strcspn(ver, " "), ver);
	ret = 0;
out:
	close(fd);
	return ret;
}

/* Is module @name (underscores) a line of @file (modules.dep: "path: deps", modules.builtin:
 * "path")? */
static int module_listed(const char *file, const char *name, bool *found)
{
	char *text = NULL, *save = NULL;
	size_t len;
	int ret;

	*found = false;
	if ((ret = bl_read_file(file, 64u << 20, &text, &len)))
		return ret;
	for (char *l = strtok_r(text, "\n", &save); l && !*found; l = strtok_r(NULL, "\n", &save)) {
		char *base, *end;

		l[strcspn(l, ":")] = '\0';
		base = strrchr(l, '/');
		base = base ? base + 1 : l;
		end = strstr(base, ".ko");
		if (!end)
			continue;
		*end = '\0';
		for (char *p = base; *p; p++)
			if (*p == '-')
				*p = '_';
		*found = !strcmp(base, name);
	}
	free(text);
	return 0;
}

/* The releases under @root/lib/modules, for a message: "6.1.0-57-amd64, 6.12.1". */
static void releases_in(const char *dir, char *buf, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t off = 0;

	buf[0] = '\0';
	while (d && (e = readdir(d)) && off < len) {
		if (e->d_name[0] == '.')
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", e->d_name);
	}
	if (d)
		closedir(d);
}

int lab_modules_check(const char *root, const char *what, const char *release,
		      const char *const *needed, char *err, size_t errlen)
{
	char dir[4096], file[4200], have[512];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/lib/modules", root);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
			 "%s: no lib/modules/ inside: expected the tree of `make modules_install "
			 "INSTALL_MOD_PATH=%s`",
			 what, root);
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s/lib/modules/%s", root, release);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(file, sizeof(file), "%s/lib/modules", root);
		releases_in(file, have, sizeof(have));
		snprintf(err, errlen,
			 "%s: modules of release %s, not %s (the image's release): the modules of "
			 "another build",
			 what, *have ? have : "(none)", release);
		return -EINVAL;
	}
	snprintf(file, sizeof(file), "%s/modules.dep", dir);
	if (access(file, R_OK)) {
		snprintf(err, errlen, "%s: lib/modules/%s/modules.dep missing: run depmod -b %s %s",
			 what, release, root, release);
		return -EINVAL;
	}
	for (size_t i = 0; needed && needed[i]; i++) {
		bool found = false;
		int ret = module_listed(file, needed[i], &found);

		if (ret) {
			snprintf(err, errlen, "%s: %s: %s", what, file, strerror(-ret));
			return ret;
		}
		if (!found) {
			char builtin[4200];

			snprintf(builtin, sizeof(builtin), "%s/modules.builtin", dir);
			if (!access(builtin, R_OK) &&
			    module_listed(builtin, needed[i], &found) == 0 && found)
				continue;
			snprintf(err, errlen,
				 "%s: release %s has no %s module (neither in modules.dep nor "
				 "modules.builtin): every lab guest loads vgem and virtio-gpu "
				 "(CONFIG_DRM_VGEM, "
				 "CONFIG_DRM_VIRTIO_GPU)",
				 what, release, needed[i]);
			return -EINVAL;
		}
	}
	return 0;
}

bool lab_deb_is_kernel(const char *package)
{
	/* linux-image-6.12.118+deb12-amd64-unsigned, linux-image-6.13.0-rc1 (make bindeb-pkg) */
	return package && !strncmp(package, "linux-image-", 12) && package[12] &&
	       strncmp(package + 12, "amd64", 5) != 0; /* the meta package has no image */
}

int lab_sha256_file(const char *path, char hex[LAB_SHA256_HEX + 1])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE], buf[1 << 16];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	sha256_init(&ctx);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&ctx, (size_t)n, buf);
	if (n < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	close(fd);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return 0;
}
