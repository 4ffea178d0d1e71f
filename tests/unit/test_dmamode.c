/*
 * Unit tests for lib/dmamode.c: the kernel command line -> DMA mode.
 * Table-driven, one comment per row; odd and malformed lines first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dmamode.h"

struct row {
	const char *cmdline;
	const char *swiotlb;   /* expected mode name */
	int64_t slabs;         /* expected pool size, -1 = not given */
	const char *iommu;     /* with IOMMU groups present */
	const char *iommu_nogroups;
};

static const struct row rows[] = {
	/* empty and NULL-like input: defaults */
	{ "", "default", -1, "on", "off" },
	/* garbage values are ignored, not misread */
	{ "swiotlb=bogus iommu=maybe intel_iommu=", "default", -1, "on", "off" },
	/* "forced" is not "force" */
	{ "swiotlb=forced", "default", -1, "on", "off" },
	/* options after "--" belong to init */
	{ "quiet -- swiotlb=force", "default", -1, "on", "off" },
	/* a word that merely contains the key */
	{ "xswiotlb=force", "default", -1, "on", "off" },
	/* the testbed's force boot */
	{ "console=ttyS0 quiet swiotlb=force panic=-1", "force", -1, "on", "off" },
	{ "swiotlb=noforce", "noforce", -1, "on", "off" },
	/* pool size and mode together, areas in between */
	{ "swiotlb=8192,force", "force", 8192, "on", "off" },
	{ "swiotlb=65536,4,noforce", "noforce", 65536, "on", "off" },
	/* hex slabs, as the kernel's memparse-less simple_strtoul(..., 0) allows */
	{ "swiotlb=0x2000", "default", 8192, "on", "off" },
	/* last one wins, as in the kernel */
	{ "swiotlb=force swiotlb=noforce", "noforce", -1, "on", "off" },
	/* IOMMU passthrough, both spellings */
	{ "intel_iommu=on iommu=pt", "default", -1, "pt", "off" },
	{ "iommu.passthrough=1", "default", -1, "pt", "off" },
	/* iommu=off wins over groups (they would not exist anyway) */
	{ "iommu=off", "default", -1, "off", "off" },
	/* tabs and multiple spaces */
	{ "a=b\t swiotlb=force\t\tintel_iommu=on,sm_on", "force", -1, "on", "off" },
};

static void test_rows(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct bl_dma_cmdline c;

		bl_dma_parse_cmdline(rows[i].cmdline, &c);
		assert_string_equal(bl_swiotlb_mode_name(c.swiotlb), rows[i].swiotlb);
		assert_int_equal(c.swiotlb_slabs, rows[i].slabs);
		assert_string_equal(bl_dma_iommu_mode(&c, true), rows[i].iommu);
		assert_string_equal(bl_dma_iommu_mode(&c, false), rows[i].iommu_nogroups);
	}
}

static void test_null_and_flags(void **state)
{
	struct bl_dma_cmdline c;

	bl_dma_parse_cmdline(NULL, &c);
	assert_int_equal(c.swiotlb, BL_SWIOTLB_DEFAULT);
	bl_dma_parse_cmdline("intel_iommu=off amd_iommu=off iommu.strict=0", &c);
	assert_int_equal(c.intel, BL_IOMMU_REQ_OFF);
	assert_int_equal(c.amd, BL_IOMMU_REQ_OFF);
	assert_true(c.strict_given);
	assert_false(c.strict);
	bl_dma_parse_cmdline("intel_iommu=on", &c);
	assert_int_equal(c.intel, BL_IOMMU_REQ_ON);
}

/* A run's mode from its document's dma.swiotlb, dma.iommu and hypervisor. */
static void test_mode_of(void **state)
{
	static const struct {
		const char *swiotlb, *iommu, *hypervisor, *mode;
	} cases[] = {
		{ NULL, NULL, NULL, "?" },	     /* the run does not say */
		{ "bogus", "off", NULL, "?" },	     /* not a mode of the table */
		{ "force", "off", NULL, "force" },
		{ "noforce", NULL, NULL, "noforce" },
		{ "default", "off", NULL, "default" },
		{ "default", "off", "", "default" }, /* "" is no hypervisor too */
		{ "default", "on", NULL, "iommu" },  /* an IOMMU boot, whatever swiotlb says */
		{ "force", "on", NULL, "iommu" },
		{ "default", "pt", NULL, "iommu-pt" },
		/* a Xen PV dom0 is never pooled with a bare boot */
		{ "default", "off", "xen-pv", "xen-pv" },
		{ "force", "off", "xen-pv", "xen-pv-force" },
		{ "noforce", "off", "xen-pv", "?" },	/* no such Xen row */
		{ "default", "off", "xen-hvm", "?" },	/* another hypervisor: not a bare default */
		{ NULL, NULL, "xen-pv", "?" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(bl_mode_of(cases[i].swiotlb, cases[i].iommu, cases[i].hypervisor), cases[i].mode);
}

/* The hypervisor key from a document's hypervisor.type and guest_type, and the mode key with a balloon. */
static void test_mode_key(void **state)
{
	char buf[64];

	(void)state;
	assert_null(bl_hypervisor_key(NULL, "PV", buf, sizeof(buf)));
	assert_null(bl_hypervisor_key("", "PV", buf, sizeof(buf)));
	assert_string_equal(bl_hypervisor_key("xen", "PV", buf, sizeof(buf)), "xen-pv");
	assert_string_equal(bl_hypervisor_key("xen", "HVM", buf, sizeof(buf)), "xen-hvm");
	assert_string_equal(bl_hypervisor_key("xen", NULL, buf, sizeof(buf)), "xen");
	assert_string_equal(bl_mode_key("default", "off", "xen-pv", 0, buf, sizeof(buf)), "xen-pv");
	assert_string_equal(bl_mode_key("default", "off", "xen-pv", 1536ll << 20, buf, sizeof(buf)),
			    "xen-pv:balloon=1536M");
	assert_string_equal(bl_mode_key("force", "off", "xen-pv", 1ll << 30, buf, sizeof(buf)),
			    "xen-pv-force:balloon=1G");
	assert_string_equal(bl_mode_key("force", "off", NULL, -1, buf, sizeof(buf)), "force");
	/* a balloon key is not a row of the table */
	assert_int_equal(bl_mode_rank("xen-pv:balloon=1536M"), BL_MODE_COUNT);
	bl_size_short(256 << 10, buf, sizeof(buf));
	assert_string_equal(buf, "256K");
	bl_size_short(3ull << 30, buf, sizeof(buf));
	assert_string_equal(buf, "3G");
}

/* The table: indexed by id, each mode maps back to itself, names listed in order. */
static void test_mode_table(void **state)
{
	char names[128];

	(void)state;
	assert_null(bl_mode_find(NULL));
	assert_null(bl_mode_find("forced"));
	assert_int_equal(bl_mode_rank("nope"), BL_MODE_COUNT);
	for (int i = 0; i < BL_MODE_COUNT; i++) {
		const struct bl_mode_info *m = &bl_modes[i];

		assert_int_equal(m->id, i);
		assert_ptr_equal(bl_mode_find(m->name), m);
		assert_int_equal(bl_mode_rank(m->name), i);
		/* what a boot in this mode writes into its document names the mode again */
		assert_string_equal(bl_mode_of(m->swiotlb, m->iommu, m->hypervisor), m->name);
		assert_non_null(m->description);
	}
	assert_non_null(bl_mode_find(BL_MODE_BASELINE));
	bl_mode_names(names, sizeof(names));
	assert_string_equal(names, "default, force, noforce, iommu, iommu-pt, xen-pv, xen-pv-force");
	/* the default matrix: every row, xen-pv ballooned after it; each key names its row again */
	const char *keys[BL_MODE_MATRIX_MAX];
	size_t n = bl_mode_matrix(keys);
	assert_int_equal(n, BL_MODE_COUNT + 1);
	assert_string_equal(keys[BL_MODE_XEN_PV + 1], "xen-pv:balloon=1536M");
	assert_string_equal(bl_mode_key("default", "off", "xen-pv", 1536ll << 20, names, sizeof(names)),
			    keys[BL_MODE_XEN_PV + 1]);
	bl_mode_names(names, 8); /* truncates, stays terminated */
	assert_int_equal(strlen(names), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_null_and_flags),
		cmocka_unit_test(test_mode_of),
		cmocka_unit_test(test_mode_key),
		cmocka_unit_test(test_mode_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
