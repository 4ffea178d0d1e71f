/*
 * Unit tests for lib/environment.c: the "dma" object records the SWIOTLB
 * pool the kernel really has (debugfs io_tlb_nslabs), never what swiotlb=
 * asked for; the request is kept apart in swiotlb_slabs_requested.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requested_pool_not_created),
		cmocka_unit_test(test_real_pool_wins),
		cmocka_unit_test(test_default_pool),
		cmocka_unit_test(test_read_error_is_null),
		cmocka_unit_test(test_live_matches_debugfs_or_null),
		cmocka_unit_test(test_kernel_boot_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
