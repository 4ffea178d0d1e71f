/*
 * Unit tests for testbed/lab_doc.c: the failed document of a boot that
 * produced none (built from lib/docwrite's bare document, then kernel, dma and
 * testbed as the lab knows them), the testbed object (clock, icount shift,
 * QEMU version, boot index and count), the hypervisor object (a bare mode's
 * nulls with reasons; a Xen mode's facts, package and balloon, also in a
 * failed document so the boot is filed under its mode), and writing
 * documents (a valid one as <run_id>.json, one the contract refuses kept
 * as .json.invalid and reported). Runs in a temporary folder; no QEMU.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lab_internal.h"
#include "resultdoc.h"

struct fixture {
	char dir[64]; /* the boot's folder */
	struct lab_ctx c;
	struct lab_kernel k;
	struct lab_mode mode;
	struct lab_boot b;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128], err[128];
	FILE *con;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_lab_doc.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	/* a console that panicked, with more lines after the panic than are kept */
	snprintf(path, sizeof(path), "%s/console.log", f->dir);
	con = fopen(path, "w");
	if (!con)
		return -1;
	fprintf(con, "[    0.000000] Linux version 6.12.1-amd64\r\n");
	fprintf(con, "[    1.000000] Kernel panic - not syncing: sysrq triggered crash\r\n");
	for (int i = 0; i < 60; i++)
		fprintf(con, "[    1.%06d] trace line %d\r\n", i, i);
	fclose(con);

	lab_config_init(&f->c.cfg);
	f->c.cfg.mem_mib = 2048;
	f->c.smp = 1;
	f->c.cfg.boots = 3;
	f->c.clock = LAB_CLOCK_ICOUNT;
	snprintf(f->c.qemu_version, sizeof(f->c.qemu_version), "7.2.22");
	snprintf(f->c.jobinfo.first, sizeof(f->c.jobinfo.first), "smoke");
	snprintf(f->c.jobinfo.global_workload, sizeof(f->c.jobinfo.global_workload), "import");
	snprintf(f->c.jobinfo.backend, sizeof(f->c.jobinfo.backend), "udmabuf");
	f->k.series = "6.12";
	snprintf(f->k.package, sizeof(f->k.package), "linux-image-6.12.1-amd64-unsigned");
	snprintf(f->k.version, sizeof(f->k.version), "6.12.1-1");
	snprintf(f->k.release, sizeof(f->k.release), "6.12.1-amd64");
	if (lab_mode_parse("force:pool=16M", &f->mode, err, sizeof(err)))
		return -1;
	f->b.k = &f->k;
	f->b.mode = &f->mode;
	snprintf(f->b.dir, sizeof(f->b.dir), "%s", f->dir);
	bl_rfc3339(NULL, f->b.started_at);
	bl_rfc3339(NULL, f->b.finished_at);
	f->b.status = "failed";
	f->b.rc = -1;
	f->b.round = 2; /* the third of three boots */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

static const char *str(json_t *doc, const char *a, const char *b)
{
	json_t *v = json_object_get(doc, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

static void test_failed_document(void **state)
{
	struct fixture *f = *state;
	struct bl_resultdoc *valid = NULL;
	char err[256];
	json_t *doc = lab_doc_failed(&f->c, &f->b, "the guest died before BOUNCELAB-RESULTS-END", NULL, NULL);
	const char *error;

	assert_non_null(doc);
	/* the contract the store applies */
	assert_int_equal(bl_resultdoc_from_json(doc, &valid, err, sizeof(err)), 0);
	bl_resultdoc_free(valid);
	assert_string_equal(str(doc, "status", NULL), "failed");
	assert_true(bl_uuid_valid(str(doc, "run_id", NULL)));
	assert_string_equal(str(doc, "tool", "name"), "bouncelab-lab");
	/* the boot's own times, with milliseconds */
	assert_string_equal(str(doc, "started_at", NULL), f->b.started_at);
	assert_string_equal(str(doc, "finished_at", NULL), f->b.finished_at);
	assert_int_equal(str(doc, "started_at", NULL)[19], '.');
	/* the reason, the panic line (out of the tail by now), the last 40 lines */
	error = str(doc, "error", NULL);
	assert_non_null(strstr(error, "died before"));
	assert_non_null(strstr(error, "\nconsole: [    1.000000] Kernel panic - not syncing"));
	assert_non_null(strstr(error, "--- last 40 lines of the console ---\n"));
	assert_non_null(strstr(error, "trace line 59"));
	assert_null(strstr(error, "trace line 19\n"));
	assert_null(strchr(error, '\r'));
	/* what the lab knows although the guest never said it */
	assert_string_equal(str(doc, "kernel", "release"), "6.12.1-amd64");
	assert_non_null(strstr(str(doc, "kernel", "cmdline"), "swiotlb=8192,force"));
	assert_string_equal(str(doc, "dma", "swiotlb"), "force");
	assert_string_equal(str(doc, "dma", "iommu"), "off");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "dma"), "swiotlb_slabs_requested")),
			 8192);
	assert_true(json_is_null(json_object_get(json_object_get(doc, "dma"), "swiotlb_slabs")));
	assert_non_null(str(json_object_get(doc, "dma"), "unavailable", "swiotlb_slabs"));
	/* the job as the job file names it: section, then key or [global] */
	assert_string_equal(str(doc, "job", "name"), "smoke");
	assert_string_equal(str(doc, "job", "backend"), "udmabuf");
	assert_string_equal(str(doc, "job", "workload"), "import");
	assert_string_equal(str(doc, "testbed", "mode"), "force");
	assert_string_equal(str(doc, "testbed", "mode_spec"), "force:pool=16M");
	assert_string_equal(str(doc, "testbed", "kernel_package"), "linux-image-6.12.1-amd64-unsigned");
	assert_string_equal(str(doc, "testbed", "status"), "failed");
	/* the clock, the emulator's version, which boot of how many (issue 12) */
	assert_string_equal(str(doc, "testbed", "clock"), "icount");
	assert_string_equal(str(doc, "testbed", "qemu_version"), "7.2.22");
	assert_string_equal(str(doc, "testbed", "accel"), "tcg");
	json_t *t = json_object_get(doc, "testbed");
	assert_true(json_is_integer(json_object_get(t, "icount_shift")));
	assert_int_equal(json_integer_value(json_object_get(t, "icount_shift")), 0);
	assert_int_equal(json_integer_value(json_object_get(t, "boot_index")), 2);
	assert_int_equal(json_integer_value(json_object_get(t, "boots")), 3);
	/* a bare mode: a hypervisor object all the same, nulls with the reason */
	json_t *hv = json_object_get(doc, "hypervisor");
	assert_true(json_is_object(hv));
	assert_true(json_is_null(json_object_get(hv, "type")));
	assert_non_null(strstr(str(hv, "unavailable", "type"), "no hypervisor booted"));
	assert_null(json_object_get(hv, "xen_package"));
	assert_string_equal(str(doc, "dma", "swiotlb_impl"), "swiotlb");
	assert_true(json_is_null(json_object_get(t, "hypervisor")));
	json_decref(doc);
}

/* The guest facts the channel carries (testbed/guest-balloon.sh on a real 6.12 dom0). */
static const char balloon_line[] =
	"{\"balloon_kb\":262144,\"current_kb_before\":6291456,\"target_kb_low\":6029312,\"current_kb_low\":"
	"6029312,\"target_kb_restored\":6291456,\"current_kb_restored\":6291456,\"reached_low\":true,"
	"\"reached_restored\":true,\"waited_low_ms\":1900,\"waited_restored_ms\":100,\"waited_ms\":2000,"
	"\"timeout_s\":120,\"error\":null}";
static const char hv_line[] =
	"{\"type\":\"xen\",\"version\":\"4.17.7\",\"major\":4,\"minor\":17,\"extra\":\".7\",\"guest_type\":"
	"\"PV\",\"dom0\":true,\"dom0_source\":\"/sys/hypervisor/start_flags/initdomain\",\"capabilities\":"
	"\"control_d\",\"changeset\":null,\"pagesize\":4096,\"unavailable\":{\"changeset\":\"missing\"}}";

/* A Xen boot that died after its init reported: the failed document is filed under xen-pv with a balloon. */
static void test_failed_xen(void **state)
{
	struct fixture *f = *state;
	struct bl_resultdoc *valid = NULL;
	char err[256];
	json_t *balloon = json_loads(balloon_line, 0, NULL), *guest = json_loads(hv_line, 0, NULL);
	json_t *doc, *hv, *t;

	assert_non_null(balloon);
	assert_non_null(guest);
	assert_int_equal(lab_mode_parse("xen-pv:balloon=256M", &f->mode, err, sizeof(err)), 0);
	snprintf(f->c.xen.package, sizeof(f->c.xen.package), "xen-hypervisor-4.17-amd64");
	snprintf(f->c.xen.version, sizeof(f->c.xen.version), "4.17.7+13-g2445b30a44-0+deb12u1");
	snprintf(f->c.xen.xen_version, sizeof(f->c.xen.xen_version), "4.17.7");
	doc = lab_doc_failed(&f->c, &f->b, "the guest died", guest, balloon);
	assert_non_null(doc);
	assert_int_equal(bl_resultdoc_from_json(doc, &valid, err, sizeof(err)), 0);
	/* the store's view: the mode key is the hypervisor's and the balloon's */
	assert_string_equal(valid->hypervisor, "xen-pv");
	assert_true(valid->balloon_bytes.set);
	assert_int_equal(valid->balloon_bytes.v, 256 << 20);
	bl_resultdoc_free(valid);
	hv = json_object_get(doc, "hypervisor");
	assert_string_equal(str(hv, "type", NULL), "xen");
	assert_string_equal(str(hv, "guest_type", NULL), "PV");
	assert_true(json_is_true(json_object_get(hv, "dom0")));
	assert_string_equal(str(hv, "xen_package_version", NULL), "4.17.7+13-g2445b30a44-0+deb12u1");
	assert_int_equal(json_integer_value(json_object_get(hv, "balloon_requested_bytes")), 256 << 20);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(hv, "balloon"), "current_kb_low")),
			 6029312);
	assert_string_equal(str(doc, "dma", "swiotlb"), "default"); /* what the command line asked */
	assert_string_equal(str(doc, "dma", "swiotlb_impl"), "xen-swiotlb");
	assert_non_null(strstr(str(doc, "kernel", "cmdline"), "console=hvc0"));
	assert_non_null(strstr(str(doc, "kernel", "cmdline"), "bouncelab.balloon=256M"));
	t = json_object_get(doc, "testbed");
	assert_string_equal(str(t, "mode_spec", NULL), "xen-pv:balloon=256M");
	assert_string_equal(str(t, "hypervisor", NULL), "xen-pv");
	assert_string_equal(str(t, "xen_cmdline", NULL), "console=com1 dom0_mem=2048M,max:2048M");
	assert_int_equal(json_integer_value(json_object_get(t, "qemu_mem_mib")), 2048 + LAB_XEN_HEADROOM_MIB);
	json_decref(doc);

	/* the guest never said anything: the lab's side alone, reasons for the rest */
	lab_mode_init(&f->mode, BL_MODE_XEN_PV);
	doc = lab_doc_failed(&f->c, &f->b, "xen: fetch failed", NULL, NULL);
	assert_non_null(doc);
	hv = json_object_get(doc, "hypervisor");
	assert_true(json_is_null(json_object_get(hv, "type")));
	assert_non_null(strstr(str(hv, "unavailable", "type"), "did not report (mode xen-pv)"));
	assert_true(json_is_null(json_object_get(hv, "balloon")));
	assert_non_null(strstr(str(hv, "unavailable", "balloon"), "no balloon requested"));
	assert_string_equal(str(hv, "xen_package", NULL), "xen-hypervisor-4.17-amd64");
	json_decref(doc);
	json_decref(balloon);
	json_decref(guest);
}

/* The wall clock has no shift; an unknown QEMU version is null, not "". */
static void test_testbed_wall(void **state)
{
	struct fixture *f = *state;
	json_t *t;

	f->c.clock = LAB_CLOCK_WALL;
	f->c.cfg.boots = 1;
	f->b.round = 0;
	f->c.qemu_version[0] = '\0';
	t = lab_doc_testbed(&f->c, &f->b);
	assert_non_null(t);
	assert_string_equal(json_string_value(json_object_get(t, "clock")), "wall");
	assert_true(json_is_null(json_object_get(t, "icount_shift")));
	assert_true(json_is_null(json_object_get(t, "qemu_version")));
	assert_int_equal(json_integer_value(json_object_get(t, "boot_index")), 0);
	assert_int_equal(json_integer_value(json_object_get(t, "boots")), 1);
	/* the fields there were before, still there */
	static const char *const keys[] = { "series", "kernel_package", "package_version", "kernel_release", "mode",
					    "mode_spec", "swiotlb", "iommu", "cmdline", "qemu_args", "guest_mem_mib",
					    "guest_cpus", "accel", "boot_seconds", "status", "started_at" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_object_get(t, keys[i]))
			fail_msg("testbed.%s is missing", keys[i]);
	json_decref(t);
}

/* A local build's failed document: kernel_package "local", its SHA-256 and image; valid and storable. */
static void test_failed_local_build(void **state)
{
	struct fixture *f = *state;
	struct bl_resultdoc *valid = NULL;
	char err[256];
	json_t *doc, *t;

	f->k.local = true;
	snprintf(f->k.package, sizeof(f->k.package), "local");
	snprintf(f->k.version, sizeof(f->k.version), "local-a3a6fa50e0464427");
	snprintf(f->k.image_sha256, sizeof(f->k.image_sha256), "%s",
		 "a3a6fa50e046442753875145efda7185abfce5f5a71dc0a8c285cdadb172cfb8");
	snprintf(f->k.image_version, sizeof(f->k.image_version), "6.12.1-amd64 (me@host) #1 SMP");
	snprintf(f->k.vmlinuz, sizeof(f->k.vmlinuz), "/src/linux/arch/x86/boot/bzImage");
	snprintf(f->k.dir, sizeof(f->k.dir), "/tmp/mods");
	doc = lab_doc_failed(&f->c, &f->b, "the guest died", NULL, NULL);
	assert_non_null(doc);
	assert_int_equal(bl_resultdoc_from_json(doc, &valid, err, sizeof(err)), 0);
	/* the store keys the kernel by these: two builds of one release are two kernels */
	assert_string_equal(valid->kernel_package, "local");
	assert_string_equal(valid->package_version, "local-a3a6fa50e0464427");
	bl_resultdoc_free(valid);
	t = json_object_get(doc, "testbed");
	assert_string_equal(json_string_value(json_object_get(t, "kernel_image_sha256")), f->k.image_sha256);
	assert_string_equal(json_string_value(json_object_get(t, "kernel_image")), f->k.vmlinuz);
	assert_string_equal(json_string_value(json_object_get(t, "kernel_image_version")), f->k.image_version);
	assert_string_equal(json_string_value(json_object_get(t, "kernel_modules")), "/tmp/mods");
	assert_true(json_is_null(json_object_get(t, "kernel_deb"))); /* from an image, not a .deb */
	json_decref(doc);
}

/* A Debian kernel's testbed object has none of a local build's keys. */
static void test_debian_has_no_local_keys(void **state)
{
	struct fixture *f = *state;
	json_t *t = lab_doc_testbed(&f->c, &f->b);

	assert_non_null(t);
	assert_null(json_object_get(t, "kernel_image_sha256"));
	assert_null(json_object_get(t, "kernel_image"));
	json_decref(t);
}

/* A kernel that could not even be resolved: no kernel object, the rest as before. */
static void test_failed_unknown_kernel(void **state)
{
	struct fixture *f = *state;
	struct bl_resultdoc *valid = NULL;
	char err[256];
	json_t *doc;

	f->k.release[0] = f->k.package[0] = f->k.version[0] = '\0';
	lab_mode_init(&f->mode, BL_MODE_IOMMU_PT);
	f->c.jobinfo.first[0] = f->c.jobinfo.backend[0] = f->c.jobinfo.global_workload[0] = '\0';
	doc = lab_doc_failed(&f->c, &f->b, "kernel 6.12: fetch failed", NULL, NULL);
	assert_non_null(doc);
	assert_int_equal(bl_resultdoc_from_json(doc, &valid, err, sizeof(err)), 0);
	bl_resultdoc_free(valid);
	assert_true(json_is_null(json_object_get(doc, "kernel")));
	assert_string_equal(str(doc, "dma", "iommu"), "pt");
	assert_true(json_is_null(json_object_get(json_object_get(doc, "dma"), "swiotlb_slabs_requested")));
	assert_string_equal(str(doc, "job", "name"), "lab");
	assert_string_equal(str(doc, "job", "backend"), "none");
	assert_true(json_is_null(json_object_get(json_object_get(doc, "testbed"), "kernel_package")));
	json_decref(doc);
}

static void test_write(void **state)
{
	struct fixture *f = *state;
	char path[256], why[512] = "";
	json_t *doc = lab_doc_failed(&f->c, &f->b, "reason", NULL, NULL);
	json_t *bad;
	glob_t g;

	/* a valid document: <run_id>.json */
	assert_int_equal(lab_doc_write(&f->b, doc, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "%s/%s.json", f->dir, str(doc, "run_id", NULL));
	assert_int_equal(access(path, R_OK), 0);
	assert_string_equal(why, "");
	/* one the contract refuses, with a run_id that would walk out of the folder */
	bad = json_pack("{s:i, s:s}", "format", 1, "run_id", "../escape");
	assert_int_equal(lab_doc_write(&f->b, bad, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "breaks the result-document contract"));
	snprintf(path, sizeof(path), "%s/../escape.json.invalid", f->dir);
	assert_int_not_equal(access(path, F_OK), 0);
	/* it is kept inside the folder under a fresh UUID instead */
	snprintf(path, sizeof(path), "%s/*-*-4*.json.invalid", f->dir);
	assert_int_equal(glob(path, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 1);
	globfree(&g);
	json_decref(bad);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_document, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_unknown_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_local_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debian_has_no_local_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_xen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_testbed_wall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
