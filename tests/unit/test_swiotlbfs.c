/*
 * Unit tests for bl_swiotlb_reason() (lib/swiotlbfs.c): the reason a
 * SWIOTLB counter is null names the actual cause (debugfs not mounted, no
 * pool because of swiotlb=noforce or an IOMMU, a file newer than the
 * kernel) instead of guessing one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "swiotlbfs.h"

static const char *reason(const char *name, int err, struct bl_swiotlb_facts f)
{
	static char buf[256];

	bl_swiotlb_reason(name, err, &f, buf, sizeof(buf));
	return buf;
}

#define HAS(text, part) \
	do { \
		if (!strstr((text), (part))) \
			fail_msg("'%s' does not say '%s'", (text), (part)); \
	} while (0)
#define HAS_NOT(text, part) \
	do { \
		if (strstr((text), (part))) \
			fail_msg("'%s' should not say '%s'", (text), (part)); \
	} while (0)

static void test_causes(void **state)
{
	const struct bl_swiotlb_facts all = {
		.debugfs_mounted = true, .dir_exists = true, .pool_exists = true,
		.cmdline = "console=ttyS0 quiet", .release = "6.12.117+deb12-amd64",
	};
	struct bl_swiotlb_facts f;
	const char *r;

	f = all;
	f.debugfs_mounted = false;
	r = reason("io_tlb_used", -ENOENT, f);
	HAS(r, "/sys/kernel/debug/swiotlb/io_tlb_used missing: ");
	HAS(r, "debugfs is not mounted");

	f = all;
	f.dir_exists = f.pool_exists = false;
	HAS(reason("io_tlb_used", -ENOENT, f), "no /sys/kernel/debug/swiotlb on 6.12.117+deb12-amd64");

	f = all;
	f.pool_exists = false;
	f.cmdline = "console=ttyS0 swiotlb=noforce panic=-1";
	HAS(reason("io_tlb_used", -ENOENT, f), "swiotlb=noforce on the command line");

	f.cmdline = "console=ttyS0 intel_iommu=on iommu.strict=1";
	r = reason("io_tlb_nslabs", -ENOENT, f);
	HAS(r, "intel_iommu=on on the command line");
	HAS_NOT(r, "noforce");

	f.cmdline = "quiet swiotlb=65536,noforce";
	HAS(reason("io_tlb_used", -ENOENT, f), "swiotlb=65536,noforce on the command line");
	/* iommu=off asks for no IOMMU: not the reason */
	f.cmdline = "quiet iommu=off";
	HAS_NOT(reason("io_tlb_used", -ENOENT, f), "IOMMU");
	f.cmdline = "quiet iommu=pt";
	HAS(reason("io_tlb_used", -ENOENT, f), "iommu=pt on the command line");
	/* an empty folder with neither option */
	f.cmdline = "quiet swiotlb=force";
	r = reason("io_tlb_used", -ENOENT, f);
	HAS(r, "the kernel set none up");
	HAS_NOT(r, "noforce");

	f = all;
	f.release = "6.1.0-56-amd64";
	HAS(reason("io_tlb_used_hiwater", -ENOENT, f), "added in Linux 6.4, this is 6.1.0-56-amd64");
	HAS(reason("io_tlb_transient_nslabs", -ENOENT, f), "added in Linux 6.9");
	/* on a kernel that should have it, a missing file is only that */
	f = all;
	r = reason("io_tlb_used_hiwater", -ENOENT, f);
	HAS(r, "io_tlb_used_hiwater missing: not on 6.12.117");
	HAS_NOT(r, "added in");

	f = all;
	HAS(reason("io_tlb_used", -EACCES, f), "Permission denied");
}

static void test_odd_inputs(void **state)
{
	struct bl_swiotlb_facts f = { .debugfs_mounted = true, .dir_exists = true };
	char small[16];

	/* no cmdline, no release: still a sentence, never a crash */
	HAS(reason("io_tlb_used", -ENOENT, f), "the kernel set none up");
	f.pool_exists = true;
	HAS(reason("io_tlb_used_hiwater", -ENOENT, f), "missing: not on this kernel");
	f.release = "not-a-version";
	HAS(reason("io_tlb_used_hiwater", -ENOENT, f), "missing: not on not-a-version");
	/* truncated to the buffer */
	bl_swiotlb_reason("io_tlb_used", -ENOENT, &f, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_causes),
		cmocka_unit_test(test_odd_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
