/*
 * Unit tests for testbed/lab_boot.c's collection of a Xen boot (issue 13):
 * a balloon that did not reach its targets fails the boot with the guest's
 * own reason, its documents kept; one that did leaves the boot ok; a
 * ballooned boot whose guest sent no readings fails. The boot's folder is a
 * temporary one holding the channel a guest would have written; no QEMU.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lab_internal.h"

struct fixture {
	char dir[64];
	struct lab_ctx c;
	struct lab_kernel k;
	struct lab_mode mode;
	struct lab_boot b;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[128];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_lab_boot.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	lab_config_init(&f->c.cfg);
	f->c.smp = 1;
	f->c.clock = LAB_CLOCK_ICOUNT;
	f->c.xen.ok = true;
	snprintf(f->c.xen.package, sizeof(f->c.xen.package), "xen-hypervisor-4.17-amd64");
	f->c.expected_docs = 0; /* a guest script's boot: the channel's frame is what counts */
	f->k.series = "6.12";
	f->k.ok = true;
	snprintf(f->k.release, sizeof(f->k.release), "6.12.118+deb12-amd64");
	if (lab_mode_parse("xen-pv:balloon=1536M", &f->mode, err, sizeof(err)))
		return -1;
	f->b.k = &f->k;
	f->b.mode = &f->mode;
	snprintf(f->b.dir, sizeof(f->b.dir), "%s", f->dir);
	bl_rfc3339(NULL, f->b.started_at);
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

/* Writes the channel: @balloon (a BOUNCELAB-BALLOON object, or NULL for none), then an empty frame. */
static void channel(struct fixture *f, const char *balloon)
{
	char path[128];
	FILE *ch;

	snprintf(path, sizeof(path), "%s/channel.txt", f->dir);
	ch = fopen(path, "w");
	assert_non_null(ch);
	if (balloon)
		fprintf(ch, "BOUNCELAB-BALLOON %s\r\n", balloon);
	fprintf(ch, "BOUNCELAB-HYPERVISOR {\"type\":\"xen\",\"guest_type\":\"PV\",\"dom0\":true}\r\n"
		    "BOUNCELAB-RESULTS-BEGIN\r\nBOUNCELAB-RESULTS-END rc=0\r\n");
	fclose(ch);
}

/* The error of the boot's one failed document ("" when there is none). */
static void failed_error(struct fixture *f, char *buf, size_t len)
{
	char pattern[128];
	glob_t g;
	json_t *doc;

	buf[0] = '\0';
	snprintf(pattern, sizeof(pattern), "%s/*.json", f->dir);
	if (glob(pattern, 0, NULL, &g))
		return;
	assert_int_equal(g.gl_pathc, 1);
	doc = json_load_file(g.gl_pathv[0], 0, NULL);
	assert_non_null(doc);
	snprintf(buf, len, "%s", json_string_value(json_object_get(doc, "error")));
	/* filed under its mode: the guest's facts when it sent them, and the balloon asked for */
	if (!f->c.xen.ok)
		assert_true(json_is_null(json_object_get(json_object_get(doc, "hypervisor"), "type")));
	else
		assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "hypervisor"), "type")),
				    "xen");
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "testbed"), "hypervisor")),
			    "xen-pv");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "testbed"), "balloon_bytes")),
			 1536ll << 20);
	json_decref(doc);
	globfree(&g);
}

static void test_balloon_missed(void **state)
{
	struct fixture *f = *state;
	char error[4096];

	/* what guest-balloon.sh reported with --timeout 1 on a real dom0 */
	channel(f, "{\"balloon_kb\":1572864,\"current_kb_before\":3145728,\"target_kb_low\":1572864,"
		   "\"current_kb_low\":2863104,\"reached_low\":false,\"reached_restored\":true,"
		   "\"error\":\"current_kb stayed at 2863104, above the target 1572864, after 1170 ms\"}");
	lab_boot_collect(&f->c, &f->b);
	assert_false(f->b.ok);
	assert_string_equal(f->b.status, "ok"); /* the guest finished: the boot itself was fine */
	failed_error(f, error, sizeof(error));
	assert_non_null(strstr(error, "balloon: current_kb stayed at 2863104, above the target 1572864"));
	assert_non_null(strstr(error, "documents are kept"));
}

static void test_balloon_reached(void **state)
{
	struct fixture *f = *state;
	char error[4096];

	channel(f, "{\"balloon_kb\":1572864,\"reached_low\":true,\"reached_restored\":true,\"error\":null}");
	lab_boot_collect(&f->c, &f->b);
	assert_true(f->b.ok);
	failed_error(f, error, sizeof(error));
	assert_string_equal(error, ""); /* no failed document */
}

static void test_balloon_unreported(void **state)
{
	struct fixture *f = *state;
	char error[4096];

	channel(f, NULL);
	lab_boot_collect(&f->c, &f->b);
	assert_false(f->b.ok);
	failed_error(f, error, sizeof(error));
	assert_non_null(strstr(error, "balloon: the guest reported no balloon readings"));
}

/* Without a balloon, readings that say "not requested" are no failure. */
static void test_no_balloon(void **state)
{
	struct fixture *f = *state;
	char err[128];

	assert_int_equal(lab_mode_parse("xen-pv", &f->mode, err, sizeof(err)), 0);
	channel(f, "{\"balloon_kb\":null,\"reached_low\":null,\"reached_restored\":null,\"error\":\"not requested\"}");
	lab_boot_collect(&f->c, &f->b);
	assert_true(f->b.ok);
}

/* Xen could not be fetched: the Xen boot fails with that reason, without reading any channel. */
static void test_xen_missing(void **state)
{
	struct fixture *f = *state;
	char error[4096];

	f->c.xen.ok = false;
	snprintf(f->c.xen.error, sizeof(f->c.xen.error), "xen: apt-get download: E: no network");
	lab_boot_collect(&f->c, &f->b);
	assert_false(f->b.ok);
	assert_string_equal(f->b.status, "failed");
	failed_error(f, error, sizeof(error));
	assert_non_null(strstr(error, "xen: apt-get download: E: no network"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_balloon_missed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balloon_reached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balloon_unreported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_balloon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xen_missing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
