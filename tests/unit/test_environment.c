/*
 * Unit tests for lib/environment.c: the "dma" object records the SWIOTLB
 * pool the kernel really has (debugfs io_tlb_nslabs), never what swiotlb=
 * asked for; the request is kept apart in swiotlb_slabs_requested. The
 * "hypervisor" object reads /sys/hypervisor as a real Xen 4.17 PV dom0 has
 * it (a fake tree in a temporary folder), and off Xen every member is null
 * with a reason.
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
#include <cmocka.h>

#include "environment.h"

/* A 2 GiB guest booted with swiotlb=524288 (a 1 GiB request): no pool. */
static void test_requested_pool_not_created(void **state)
{
	json_t *dma = bl_env_dma_from("console=ttyS0 swiotlb=524288 panic=-1", -ENOENT, 0, 0);
	json_t *why;

	(void)state;
	assert_non_null(dma);
	assert_true(json_is_null(json_object_get(dma, "swiotlb_slabs")));
	assert_int_equal(json_integer_value(json_object_get(dma, "swiotlb_slabs_requested")),
			 524288);
	why = json_object_get(json_object_get(dma, "unavailable"), "swiotlb_slabs");
	assert_true(json_is_string(why));
	assert_non_null(strstr(json_string_value(why), "io_tlb_nslabs"));
	assert_non_null(strstr(json_string_value(why), "swiotlb=524288 asked for a pool"));
	assert_string_equal(json_string_value(json_object_get(dma, "swiotlb")), "default");
	json_decref(dma);
}

/* The kernel made a pool of another size than asked (it rounds, or shrinks
 * it when memory is short): the document says what it got. */
static void test_real_pool_wins(void **state)
{
	json_t *dma = bl_env_dma_from("swiotlb=524288,force", 0, 32768, 0);

	(void)state;
	assert_non_null(dma);
	assert_int_equal(json_integer_value(json_object_get(dma, "swiotlb_slabs")), 32768);
	assert_int_equal(json_integer_value(json_object_get(dma, "swiotlb_slabs_requested")),
			 524288);
	assert_null(json_object_get(dma, "unavailable"));
	assert_string_equal(json_string_value(json_object_get(dma, "swiotlb")), "force");
	json_decref(dma);
}

/* No swiotlb= at all: the default pool is recorded, no request. */
static void test_default_pool(void **state)
{
	json_t *dma = bl_env_dma_from("quiet", 0, 32768, 3);

	(void)state;
	assert_non_null(dma);
	assert_int_equal(json_integer_value(json_object_get(dma, "swiotlb_slabs")), 32768);
	assert_true(json_is_null(json_object_get(dma, "swiotlb_slabs_requested")));
	assert_string_equal(json_string_value(json_object_get(dma, "iommu")), "on");
	assert_int_equal(json_integer_value(json_object_get(dma, "iommu_groups")), 3);
	json_decref(dma);
}

/* A read error that is not "missing" is still null, with its cause. */
static void test_read_error_is_null(void **state)
{
	json_t *dma = bl_env_dma_from(NULL, -EACCES, 12345, 0);
	json_t *why;

	(void)state;
	assert_non_null(dma);
	assert_true(json_is_null(json_object_get(dma, "swiotlb_slabs")));
	why = json_object_get(json_object_get(dma, "unavailable"), "swiotlb_slabs");
	assert_non_null(strstr(json_string_value(why), "Permission denied"));
	json_decref(dma);
}

/* What this machine reports: whatever debugfs says, never the request. */
static void test_live_matches_debugfs_or_null(void **state)
{
	json_t *dma = bl_env_dma();
	json_t *slabs;

	(void)state;
	assert_non_null(dma);
	slabs = json_object_get(dma, "swiotlb_slabs");
	assert_true(json_is_null(slabs) || json_is_integer(slabs));
	if (json_is_null(slabs))
		assert_non_null(json_object_get(json_object_get(dma, "unavailable"),
						"swiotlb_slabs"));
	json_decref(dma);
}

/* kernel.boot_id is this boot's /proc/sys/kernel/random/boot_id, or null when unreadable. */
static void test_kernel_boot_id(void **state)
{
	json_t *k = bl_env_kernel();
	json_t *id;
	char want[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	(void)state;
	assert_non_null(k);
	id = json_object_get(k, "boot_id");
	assert_non_null(id);
	if (f && fgets(want, sizeof(want), f)) {
		want[strcspn(want, "\n")] = '\0';
		assert_string_equal(json_string_value(id), want);
	} else {
		assert_true(json_is_null(id));
	}
	if (f)
		fclose(f);
	json_decref(k);
}

/* kernel.proc_version is /proc/version's line, or null when unreadable. */
static void test_kernel_proc_version(void **state)
{
	json_t *k = bl_env_kernel();
	json_t *v;
	char want[512] = "";
	FILE *f = fopen("/proc/version", "r");

	(void)state;
	assert_non_null(k);
	v = json_object_get(k, "proc_version");
	assert_non_null(v);
	if (f && fgets(want, sizeof(want), f)) {
		want[strcspn(want, "\n")] = '\0';
		while (*want && want[strlen(want) - 1] == ' ')
			want[strlen(want) - 1] = '\0';
		assert_string_equal(json_string_value(v), want);
		assert_non_null(strstr(want, "Linux version "));
	} else {
		assert_true(json_is_null(v));
	}
	if (f)
		fclose(f);
	json_decref(k);
}

/* Writes @text to @dir/@rel, making its folder. */
static void put_file(const char *dir, const char *rel, const char *text)
{
	char path[256], sub[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(sub, sizeof(sub), "%s", path);
	*strrchr(sub, '/') = '\0';
	mkdir(sub, 0755);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* /sys/hypervisor of a 6.12 dom0 on Xen 4.17.7 (checked 2026-12-03), then 6.1's (no start_flags). */
static void test_hypervisor_xen(void **state)
{
	char dir[] = "/tmp/test_env_hv.XXXXXX", caps[64], cmd[96];
	json_t *hv, *una;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put_file(dir, "type", "xen\n");
	put_file(dir, "version/major", "4\n");
	put_file(dir, "version/minor", "17\n");
	put_file(dir, "version/extra", ".7\n");
	put_file(dir, "guest_type", "PV\n");
	put_file(dir, "start_flags/initdomain", "1\n");
	put_file(dir, "properties/pagesize", "1000\n"); /* hex */
	put_file(dir, "properties/changeset", "\n");	  /* empty on a release build */
	snprintf(caps, sizeof(caps), "%s/capabilities", dir);
	hv = bl_env_hypervisor_at(dir, caps);
	assert_non_null(hv);
	una = json_object_get(hv, "unavailable");
	assert_string_equal(str(hv, "type"), "xen");
	assert_string_equal(str(hv, "version"), "4.17.7");
	assert_int_equal(json_integer_value(json_object_get(hv, "major")), 4);
	assert_int_equal(json_integer_value(json_object_get(hv, "minor")), 17);
	assert_string_equal(str(hv, "extra"), ".7");
	assert_string_equal(str(hv, "guest_type"), "PV");
	assert_true(json_is_true(json_object_get(hv, "dom0")));
	assert_non_null(strstr(str(hv, "dom0_source"), "start_flags/initdomain"));
	assert_int_equal(json_integer_value(json_object_get(hv, "pagesize")), 4096);
	assert_true(json_is_null(json_object_get(hv, "changeset")));
	assert_non_null(strstr(str(una, "changeset"), "missing or empty"));
	assert_true(json_is_null(json_object_get(hv, "capabilities")));
	assert_non_null(strstr(str(una, "capabilities"), "xenfs"));
	assert_null(json_object_get(una, "type"));
	assert_string_equal(bl_env_swiotlb_impl(hv), "xen-swiotlb");
	json_decref(hv);

	/* 6.1: no start_flags; dom0-ness from xenfs' capabilities */
	snprintf(cmd, sizeof(cmd), "rm -r '%s/start_flags'", dir);
	assert_int_equal(system(cmd), 0);
	put_file(dir, "capabilities", "control_d\n");
	put_file(dir, "properties/pagesize", "zz\n");
	hv = bl_env_hypervisor_at(dir, caps);
	assert_true(json_is_true(json_object_get(hv, "dom0")));
	assert_string_equal(str(hv, "dom0_source"), caps);
	assert_string_equal(str(hv, "capabilities"), "control_d");
	/* a pagesize that is not hex: null with the reason, never 0 */
	assert_true(json_is_null(json_object_get(hv, "pagesize")));
	assert_non_null(strstr(str(json_object_get(hv, "unavailable"), "pagesize"), "'zz' is not a hex number"));
	json_decref(hv);

	/* a domU (HVM): not dom0, not xen-swiotlb */
	put_file(dir, "capabilities", "\n");
	put_file(dir, "guest_type", "HVM\n");
	hv = bl_env_hypervisor_at(dir, caps);
	assert_true(json_is_false(json_object_get(hv, "dom0")));
	assert_string_equal(bl_env_swiotlb_impl(hv), "swiotlb");
	json_decref(hv);
	snprintf(cmd, sizeof(cmd), "rm -r '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Off Xen: every member null with its reason; this machine's own as well. */
static void test_hypervisor_none(void **state)
{
	static const char *const keys[] = { "type",  "version", "major",	 "minor",     "extra",	  "guest_type",
					    "dom0",  "capabilities", "changeset", "pagesize" };
	json_t *hv = bl_env_hypervisor_at("/nonexistent/hypervisor", "/nonexistent/capabilities");
	json_t *una = json_object_get(hv, "unavailable");

	(void)state;
	assert_non_null(hv);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!json_is_null(json_object_get(hv, keys[i])))
			fail_msg("hypervisor.%s is not null off Xen", keys[i]);
		if (!str(una, keys[i]))
			fail_msg("hypervisor.%s has no reason", keys[i]);
	}
	assert_non_null(strstr(str(una, "type"), "no hypervisor"));
	assert_string_equal(str(una, "dom0"), "no hypervisor");
	assert_string_equal(bl_env_swiotlb_impl(hv), "swiotlb");
	json_decref(hv);
	/* the live reading: an object, type a string or null with a reason */
	hv = bl_env_hypervisor();
	assert_non_null(hv);
	assert_true(json_is_string(json_object_get(hv, "type")) ||
		    str(json_object_get(hv, "unavailable"), "type") != NULL);
	json_decref(hv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requested_pool_not_created),
		cmocka_unit_test(test_real_pool_wins),
		cmocka_unit_test(test_default_pool),
		cmocka_unit_test(test_read_error_is_null),
		cmocka_unit_test(test_live_matches_debugfs_or_null),
		cmocka_unit_test(test_kernel_boot_id),
		cmocka_unit_test(test_kernel_proc_version),
		cmocka_unit_test(test_hypervisor_xen),
		cmocka_unit_test(test_hypervisor_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
