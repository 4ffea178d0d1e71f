/*
 * Unit tests for testbed/lab_local_check.c: the bzImage header reader, the
 * modules tree checks against the image's release, the .deb package name
 * rule, the SHA-256, and the configuration's local-build combinations
 * (lab_config_check). Tiny fabricated files in a temporary folder: not a
 * kernel, an ELF, a zImage, a header pointing nowhere, modules of another
 * release, a tree without vgem. Negative cases first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lab_config.h"
#include "lab_local.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/bl-lab-local.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A made-up bzImage of 4 KiB: boot flag, "HdrS", protocol 2.15, @loadflags, version string @ver at
 * 0x500. */
static void write_image(const char *path, const char *ver, unsigned char loadflags, unsigned ptr)
{
	unsigned char img[4096] = {0};

	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f; /* 2.15 */
	img[0x207] = 0x02;
	img[0x20e] = (unsigned char)(ptr & 0xff);
	img[0x20f] = (unsigned char)(ptr >> 8);
	img[0x211] = loadflags;
	if (ver)
		memcpy(img + 0x500, ver, strlen(ver) + 1);
	write_bytes(path, img, sizeof(img));
}

static void test_bzimage_refuses(void **state)
{
	static const char elf[64] = "\177ELF\2\1\1";
	char path[128], err[512];
	struct lab_bzimage bz;

	/* a missing file: -ENOENT, named */
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(lab_bzimage_read(path, &bz, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	/* a text file (System.map): too short for a boot header */
	snprintf(path, sizeof(path), "%s/System.map", dir);
	write_bytes(path, "ffffffff81000000 T _text\n", 25);
	assert_int_equal(lab_bzimage_read(path, &bz, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a bzImage"));
	/* an ELF vmlinux: said so, with what to pass instead */
	snprintf(path, sizeof(path), "%s/vmlinux", dir);
	write_bytes(path, elf, sizeof(elf));
	assert_int_equal(lab_bzimage_read(path, &bz, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ELF"));
	assert_non_null(strstr(err, "bzImage"));
	/* 4 KiB of zeros: no HdrS */
	snprintf(path, sizeof(path), "%s/zeros", dir);
	{
		unsigned char z[4096] = {0};

		write_bytes(path, z, sizeof(z));
	}
	assert_int_equal(lab_bzimage_read(path, &bz, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "HdrS"));
	/* loaded low: a zImage */
	snprintf(path, sizeof(path), "%s/zImage", dir);
	write_image(path, "6.12.99-test (me@host) #1 SMP", 0, 0x300);
	assert_int_equal(lab_bzimage_read(path, &bz, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "zImage"));
	/* a version pointer past the end of the file */
	snprintf(path, sizeof(path), "%s/short-ptr", dir);
	write_image(path, "6.12.99-test (me@host) #1 SMP", 1, 0xf000);
	assert_int_equal(lab_bzimage_read(path, &bz, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version string"));
	/* a version string that is no release */
	snprintf(path, sizeof(path), "%s/garbage-ver", dir);
	write_image(path, "hello world", 1, 0x300);
	assert_int_equal(lab_bzimage_read(path, &bz, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'hello world'"));
}

static void test_bzimage_reads(void **state)
{
	char path[128], err[512] = "";
	struct lab_bzimage bz;

	snprintf(path, sizeof(path), "%s/bzImage", dir);
	write_image(path, "6.12.99-test+ (me@host) #1 SMP PREEMPT_DYNAMIC Thu Dec  3 2026", 1,
		    0x300);
	assert_int_equal(lab_bzimage_read(path, &bz, err, sizeof(err)), 0);
	assert_string_equal(bz.release, "6.12.99-test+");
	assert_string_equal(bz.version,
			    "6.12.99-test+ (me@host) #1 SMP PREEMPT_DYNAMIC Thu Dec  3 2026");
	assert_int_equal(bz.protocol, 0x020f);
}

static void mkdirs(const char *path)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static void put_file(const char *root, const char *rel, const char *name, const char *text)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/lib/modules/%s/%s", root, rel, name);
	write_bytes(path, text, strlen(text));
}

static void test_modules_refuses(void **state)
{
	char root[128], path[200], err[512];
	const char *rel = "6.12.99-test";

	/* no lib/modules at all: named, with what was expected */
	snprintf(root, sizeof(root), "%s/empty", dir);
	mkdirs(root);
	assert_int_equal(
	    lab_modules_check(root, "--modules X", rel, lab_local_modules_needed, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "--modules X"));
	assert_non_null(strstr(err, "modules_install"));
	/* the modules of another release: both releases named */
	snprintf(root, sizeof(root), "%s/other", dir);
	snprintf(path, sizeof(path), "%s/lib/modules/6.1.0-57-amd64", root);
	mkdirs(path);
	assert_int_equal(
	    lab_modules_check(root, "--modules X", rel, lab_local_modules_needed, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "6.1.0-57-amd64"));
	assert_non_null(strstr(err, rel));
	/* the right release without modules.dep: depmod named */
	snprintf(root, sizeof(root), "%s/nodep", dir);
	snprintf(path, sizeof(path), "%s/lib/modules/%s", root, rel);
	mkdirs(path);
	assert_int_equal(
	    lab_modules_check(root, "--modules X", rel, lab_local_modules_needed, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "depmod -b"));
	/* virtio-gpu there, vgem missing (vgem_fence is not vgem): vgem named */
	snprintf(root, sizeof(root), "%s/novgem", dir);
	snprintf(path, sizeof(path), "%s/lib/modules/%s", root, rel);
	mkdirs(path);
	put_file(
	    root, rel, "modules.dep",
	    "kernel/drivers/gpu/drm/virtio/virtio-gpu.ko.xz: kernel/drivers/gpu/drm/drm.ko.xz\n"
	    "kernel/drivers/gpu/drm/vgem/vgem_fence.ko: \n");
	assert_int_equal(
	    lab_modules_check(root, "--modules X", rel, lab_local_modules_needed, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "no vgem module"));
	assert_non_null(strstr(err, rel));
}

static void test_modules_accepts(void **state)
{
	char root[128], path[200], err[512] = "";
	const char *rel = "6.12.99-test";

	/* vgem a module (.ko.zst), virtio-gpu built in ('-' as '_') */
	snprintf(root, sizeof(root), "%s/good", dir);
	snprintf(path, sizeof(path), "%s/lib/modules/%s", root, rel);
	mkdirs(path);
	/* and another release beside it: INSTALL_MOD_PATH reused */
	snprintf(path, sizeof(path), "%s/lib/modules/6.12.98-old", root);
	mkdirs(path);
	put_file(root, rel, "modules.dep",
		 "kernel/drivers/gpu/drm/vgem/vgem.ko.zst: kernel/drivers/gpu/drm/drm.ko\n");
	put_file(root, rel, "modules.builtin", "kernel/drivers/gpu/drm/virtio/virtio-gpu.ko\n");
	assert_int_equal(
	    lab_modules_check(root, "--modules X", rel, lab_local_modules_needed, err, sizeof(err)),
	    0);
}

static void test_deb_is_kernel(void **state)
{
	static const struct {
		const char *package;
		bool kernel;
	} rows[] = {
	    {NULL, false},		      /* no Package field */
	    {"", false},		      /* empty */
	    {"linux-headers-6.12.99", false}, /* headers, not an image */
	    {"linux-image-", false},	      /* nothing after the prefix */
	    {"linux-image-amd64", false},     /* Debian's meta package: no image inside */
	    {"busybox-static", false},	      /* another package */
	    {"linux-image-6.12.118+deb12-amd64-unsigned", true}, /* Debian's */
	    {"linux-image-6.13.0-rc1-00042-gdeadbeef", true},	 /* make bindeb-pkg */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (lab_deb_is_kernel(rows[i].package) != rows[i].kernel)
			fail_msg("'%s': expected %d", rows[i].package ? rows[i].package : "(null)",
				 rows[i].kernel);
}

static void test_sha256(void **state)
{
	char path[128], hex[LAB_SHA256_HEX + 1];

	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(lab_sha256_file(path, hex), -ENOENT);
	snprintf(path, sizeof(path), "%s/abc", dir);
	write_bytes(path, "abc", 3);
	assert_int_equal(lab_sha256_file(path, hex), 0);
	/* FIPS 180-2's example */
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_config_local(void **state)
{
	struct lab_config cfg;
	char err[512];

	lab_config_init(&cfg);
	assert_false(lab_config_has_local(&cfg));
	/* an image and a .deb: one local build per run, both named */
	cfg.kernel_image = "/x/bzImage";
	cfg.kernel_modules = "/x/mods";
	cfg.kernel_deb = "/x/linux-image-6.12.99.deb";
	assert_int_equal(lab_config_check(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/x/bzImage"));
	assert_non_null(strstr(err, "/x/linux-image-6.12.99.deb"));
	/* each alone is fine */
	cfg.kernel_deb = NULL;
	assert_int_equal(lab_config_check(&cfg, err, sizeof(err)), 0);
	assert_true(lab_config_has_local(&cfg));
	cfg.kernel_image = cfg.kernel_modules = NULL;
	cfg.kernel_deb = "/x/linux-image-6.12.99.deb";
	assert_int_equal(lab_config_check(&cfg, err, sizeof(err)), 0);
	assert_true(lab_config_has_local(&cfg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bzimage_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bzimage_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_modules_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_modules_accepts, setup, teardown),
	    cmocka_unit_test(test_deb_is_kernel),
	    cmocka_unit_test_setup_teardown(test_sha256, setup, teardown),
	    cmocka_unit_test(test_config_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
