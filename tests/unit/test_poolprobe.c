/*
 * Unit tests for analysis/poolprobe.c: what one probe boot's documents say
 * to the pool search. The documents are inline JSON shaped like the lab's
 * (a refused 1 MiB dma-heap import, the slot counters, a boot that died).
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

#include "poolprobe.h"

#define FIXTURES "tests/fixtures/"

/* Two rows: 64K imports fine, 1M is refused (as on 6.12 with a dma-heap buffer). */
static const char heap_doc[] =
	"{\"status\":\"ok\",\"job\":{\"name\":\"pool-dmaheap-vgem-import\"},"
	"\"kernel\":{\"release\":\"6.12.118+deb12-amd64\"},\"dma\":{\"swiotlb_slabs\":4096},\"testbed\":{\"status\":\"ok\",\"guest_mem_mib\":6144},"
	"\"results\":["
	"{\"size\":65536,\"counters\":{\"swiotlb_bounced\":4,\"swiotlb_bounced_bytes\":262144,"
	"\"io_tlb_used_peak\":2032,\"io_tlb_used_before\":2000,\"io_tlb_used_after\":2000},"
	"\"failures\":{\"ops\":0,\"kernel_log\":[]}},"
	"{\"size\":1048576,\"counters\":{\"swiotlb_bounced\":4,\"swiotlb_bounced_bytes\":4194304,"
	"\"io_tlb_used_peak\":null,\"io_tlb_used_before\":2000,\"io_tlb_used_after\":2000},"
	"\"failures\":{\"ops\":4,\"error\":\"DRM_IOCTL_PRIME_FD_TO_HANDLE: Input/output error\","
	"\"kernel_log\":[\"platform vgem: swiotlb buffer is full (sz: 1048576 bytes), total 524288 (slots), "
	"used 2000 (slots)\"]}}]}";

/* A row whose peak comes from io_tlb_used polled (no hiwater) and failed without a kernel line. */
static const char udmabuf_doc[] =
	"{\"status\":\"ok\",\"job\":{\"name\":\"pool-udmabuf-vgem-import\"},\"testbed\":{\"status\":\"ok\"},"
	"\"results\":[{\"size\":4194304,\"counters\":{\"swiotlb_bounced\":4096,\"swiotlb_bounced_bytes\":16777216,"
	"\"io_tlb_used_peak\":4048},\"failures\":{\"ops\":1,\"error\":\"import: Input/output error\","
	"\"kernel_log\":[]}}]}";

/* The lab's document for a boot that yielded nothing. */
static const char died_doc[] =
	"{\"status\":\"failed\",\"error\":\"no END line: the guest died\",\"job\":{\"name\":\"unknown\"},"
	"\"testbed\":{\"status\":\"timeout\"},\"results\":[]}";

static void add(struct ps_obs *o, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	assert_int_equal(pp_add_doc(o, j), 0);
	json_decref(j);
}

static void init(struct ps_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->peak_slots = o->largest_refused = o->largest_bounce = o->ram_mib = o->alloc_slabs = -1;
}

static void test_refused_bytes(void **state)
{
	(void)state;
	assert_int_equal(pp_refused_bytes("vgem: swiotlb buffer is full (sz: 1048576 bytes), total 1"), 1048576);
	assert_int_equal(pp_refused_bytes("swiotlb buffer is full (sz: x bytes)"), -1); /* no number */
	assert_int_equal(pp_refused_bytes("something else"), -1);
	assert_int_equal(pp_refused_bytes(NULL), -1);
}

static void test_rows_and_counters(void **state)
{
	struct ps_obs o;

	(void)state;
	init(&o);
	add(&o, heap_doc);
	add(&o, udmabuf_doc);
	assert_int_equal(o.nrows, 3);
	assert_int_equal(o.nfailed, 2);
	assert_string_equal(o.failed[0], "pool-dmaheap-vgem-import 1048576");
	assert_string_equal(o.failed[1], "pool-udmabuf-vgem-import 4194304");
	assert_int_equal(o.failed_ops, 5);
	assert_int_equal(o.row_ops[0], 4); /* per row, for the search to leave out excluded rows */
	assert_int_equal(o.row_ops[1], 1);
	assert_string_equal(o.row_line[1], "pool-udmabuf-vgem-import 4194304: import: Input/output error");
	assert_int_equal(o.peak_slots, 4048);		/* the highest of every row's readings */
	assert_int_equal(o.largest_refused, 1048576);	/* from the kernel line */
	assert_int_equal(o.largest_bounce, 1048576);	/* 4194304 bytes in 4 bounces */
	assert_int_equal(o.ram_mib, 6144);
	assert_int_equal(o.alloc_slabs, 4096);		/* what the kernel allocated */
	assert_string_equal(o.kernel, "6.12.118+deb12-amd64");
	/* the first failure's kernel line, named by its row */
	assert_non_null(strstr(o.first_line, "pool-dmaheap-vgem-import 1048576: platform vgem: swiotlb buffer"));
	ps_obs_clear(&o);
	/* without a kernel line the op's error is the line */
	init(&o);
	add(&o, udmabuf_doc);
	assert_string_equal(o.first_line, "pool-udmabuf-vgem-import 4194304: import: Input/output error");
	assert_int_equal(o.largest_refused, -1);
	ps_obs_clear(&o);
}

/* Writes @doc as @dir/@sub/run.json (a lab boot folder). */
static void write_doc(const char *dir, const char *sub, const json_t *doc, char *path, size_t len)
{
	char folder[128];

	snprintf(folder, sizeof(folder), "%s/%s", dir, sub);
	assert_int_equal(mkdir(folder, 0700), 0);
	snprintf(path, len, "%s/run.json", folder);
	assert_int_equal(json_dump_file(doc, path, 0), 0);
}

/*
 * A lab folder read from disk: a real 6.12 force document (the lab's boot
 * went fine) is a boot with rows; the same document marked as a boot that
 * timed out is a dead boot whose error is the line; a folder with nothing
 * of the contract is no boot either.
 */
static void test_read_dir(void **state)
{
	char dir[] = "/tmp/test_poolprobe.XXXXXX", ok[160], died[160], junk[160], console[160];
	json_t *doc = json_load_file(FIXTURES "real-6.12-force-udmabuf-vgem-occupancy.json", 0, NULL);
	struct ps_obs o;
	FILE *f;

	(void)state;
	assert_non_null(doc);
	assert_non_null(mkdtemp(dir));
	write_doc(dir, "ok", doc, ok, sizeof(ok));
	init(&o);
	snprintf(junk, sizeof(junk), "%s/ok", dir);
	assert_int_equal(pp_read_dir(&o, junk), 0);
	assert_true(o.boot_ok);
	assert_int_equal(o.nrows, 3);
	assert_int_equal(o.nfailed, 0);
	assert_int_equal(o.peak_slots, 2134);
	ps_obs_clear(&o);
	/* the same boot with a kernel error on its console: one more row, failed */
	snprintf(console, sizeof(console), "%s/ok/console.log", dir);
	assert_non_null(f = fopen(console, "w"));
	fputs("init: cmdline\n[    3.3] virtio-pci: [drm] *ERROR* fbdev-shmem: Failed (ret=-5)\n", f);
	fclose(f);
	init(&o);
	assert_int_equal(pp_read_dir(&o, dir), 0); /* a probe folder: DIR/<boot>/console.log */
	assert_int_equal(o.nrows, 4);
	assert_int_equal(o.nfailed, 1);
	assert_string_equal(o.failed[0], "boot: virtio-pci: [drm] *ERROR* fbdev-shmem: Failed (ret=-5)");
	ps_obs_clear(&o);

	json_object_set_new(json_object_get(doc, "testbed"), "status", json_string("timeout"));
	json_object_set_new(doc, "error", json_string("killed at --timeout 900 s"));
	write_doc(dir, "died", doc, died, sizeof(died));
	init(&o);
	snprintf(junk, sizeof(junk), "%s/died", dir);
	assert_int_equal(pp_read_dir(&o, junk), 0);
	assert_false(o.boot_ok);
	assert_string_equal(o.first_line, "boot timeout: killed at --timeout 900 s");
	ps_obs_clear(&o);

	snprintf(junk, sizeof(junk), "%s/junk.json", dir);
	assert_non_null(f = fopen(junk, "w"));
	fputs("not a document", f);
	fclose(f);
	init(&o);
	assert_int_equal(pp_read_dir(&o, dir), 0); /* reads ok/, died/ and junk.json */
	assert_false(o.boot_ok);		  /* one dead boot document is enough */
	ps_obs_clear(&o);

	/* the dead boot document of the lab through the one-document reader: a failed row */
	init(&o);
	add(&o, died_doc);
	assert_int_equal(o.nfailed, 1);
	assert_string_equal(o.failed[0], "unknown");
	assert_non_null(strstr(o.first_line, "the guest died"));
	ps_obs_clear(&o);

	unlink(ok);
	unlink(console);
	unlink(died);
	unlink(junk);
	snprintf(junk, sizeof(junk), "%s/ok", dir);
	rmdir(junk);
	snprintf(junk, sizeof(junk), "%s/died", dir);
	rmdir(junk);
	rmdir(dir);
	json_decref(doc);
}

/* The console: kernel lines are rows (the lab boots quiet: only errors), the guest's output is not. */
static void test_console_lines(void **state)
{
	struct ps_obs o;

	(void)state;
	init(&o);
	assert_int_equal(pp_console_line(&o, "init: 6.12.118+deb12-amd64 cmdline: swiotlb=2048,force\n"), 0);
	assert_int_equal(pp_console_line(&o, "== pool-udmabuf-vgem-import: import on udmabuf\n"), 0);
	assert_int_equal(o.nrows, 0);
	assert_int_equal(pp_console_line(&o, "[    3.328627] virtio-pci 0000:00:01.0: [drm] *ERROR* "
						 "fbdev-shmem: Failed to setup emulation (ret=-5)\r\n"), 0);
	assert_int_equal(o.nrows, 1);
	assert_int_equal(o.nfailed, 1);
	assert_string_equal(o.failed[0], "boot: virtio-pci 0000:00:01.0: [drm] *ERROR* fbdev-shmem: Failed to "
					 "setup emulation (ret=-5)");
	assert_int_equal(o.row_ops[0], 0); /* a line, not an op of the job */
	assert_int_equal(pp_console_line(&o, "[    9.1] vgem: swiotlb buffer is full (sz: 8192 bytes), total 1\n"), 0);
	assert_int_equal(o.largest_refused, 8192);
	ps_obs_clear(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_bytes),
		cmocka_unit_test(test_read_dir),
		cmocka_unit_test(test_rows_and_counters),
		cmocka_unit_test(test_console_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
