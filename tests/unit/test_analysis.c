/*
 * Tests for analysis/analysis.c's pure helpers: the testbed's mode names,
 * short kernel names and the group labels that decide which rows pool
 * into one sample (a wrong label would mix different jobs or devices).
 * The store-backed parts are exercised end to end by
 * tests/integration/report_fixture.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analysis.h"

static void test_short_release(void **state)
{
	static const struct {
		const char *release, *short_name;
	} cases[] = {
		{ NULL, "?" },
		{ "6.12.57+deb13-amd64", "6.12.57" },
		{ "6.12.117+deb12-amd64", "6.12.117" },
		{ "6.1.0-41-amd64", "6.1.0-41" }, /* Debian 6.1 keeps its ABI number */
		{ "6.18.44-fc-v782", "6.18.44-fc-v782" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		an_short_release(cases[i].release, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].short_name);
	}
}

static void test_group_labels(void **state)
{
	struct bl_run_row run = {
		.run_id = "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01",
		.started_unix = 1795226400,
		.job = "udmabuf-import",
		.kernel_release = "6.12.57+deb13-amd64",
		.swiotlb = "force",
		.iommu = "off",
		.dev_driver = "vgem",
		.imp_driver = "udmabuf",
	};
	char buf[256];

	(void)state;
	an_group_label(&run, AN_GROUP_NONE, buf, sizeof(buf));
	assert_string_equal(buf, "");
	an_group_label(&run, AN_GROUP_JOB, buf, sizeof(buf));
	assert_string_equal(buf, "[udmabuf-import vgem+udmabuf]");
	an_group_label(&run, AN_GROUP_KERNEL_MODE, buf, sizeof(buf));
	assert_string_equal(buf, "6.12.57 force vgem+udmabuf");
	an_group_label(&run, AN_GROUP_RUN, buf, sizeof(buf));
	assert_string_equal(buf, "00000000001795226400 3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01");

	/* no importer, a device known only by its node, no job */
	run.imp_driver = NULL;
	run.dev_driver = NULL;
	run.dev_node = "/dev/dri/card0";
	run.job = NULL;
	an_group_label(&run, AN_GROUP_JOB, buf, sizeof(buf));
	assert_string_equal(buf, "[? /dev/dri/card0]");
	an_group_label(&run, AN_GROUP_KERNEL_MODE, buf, sizeof(buf));
	assert_string_equal(buf, "6.12.57 force /dev/dri/card0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_release),
		cmocka_unit_test(test_group_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
