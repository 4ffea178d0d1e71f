/*
 * Unit tests for lib/tracepoint.c's format parser and field accessors, with
 * the real `format` files of swiotlb:swiotlb_bounced and dma:dma_map_sg as
 * Debian's 6.1 and 6.12 kernels print them (tests/fixtures/tracefs/, read
 * from the testbed guests' /sys/kernel/tracing). Negative cases first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "tracepoint.h"

static char *slurp(const char *rel)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "tests/fixtures/tracefs/%s", rel);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Each row: a broken format text and why it must be refused. */
static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		/* no ID line */
		"name: x\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n",
		/* ID without a number */
		"name: x\nID: abc\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n",
		/* no fields at all */
		"name: x\nID: 12\nformat:\n\nprint fmt: \"\"\n",
		/* field without offset */
		"name: x\nID: 12\nformat:\n\tfield:int a;\tsize:4;\tsigned:1;\n",
		/* field without a name */
		"name: x\nID: 12\nformat:\n\tfield:;\toffset:0;\tsize:4;\tsigned:1;\n",
		/* size zero */
		"name: x\nID: 12\nformat:\n\tfield:int a;\toffset:0;\tsize:0;\tsigned:1;\n",
		/* unterminated array suffix */
		"name: x\nID: 12\nformat:\n\tfield:char a16];\toffset:0;\tsize:16;\tsigned:1;\n",
	};
	struct tp_format fmt;
	char why[128];

	assert_int_equal(tp_format_parse(NULL, &fmt, why, sizeof(why)), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(tp_format_parse(bad[i], &fmt, why, sizeof(why)), -EINVAL);
		assert_true(why[0] != '\0');
	}
}

static void check_bounced(const char *rel, uint64_t id, bool dev_signed)
{
	char *text = slurp(rel);
	struct tp_format fmt;
	const struct tp_field *f;
	char why[128] = "";

	assert_int_equal(tp_format_parse(text, &fmt, why, sizeof(why)), 0);
	assert_string_equal(fmt.name, "swiotlb_bounced");
	assert_int_equal(fmt.id, id);
	assert_int_equal(fmt.nfields, 9); /* 4 common + 5 */
	f = tp_field_find(&fmt, "dev_name");
	assert_non_null(f);
	assert_true(f->data_loc);
	assert_int_equal(f->offset, 8);
	assert_int_equal(f->size, 4);
	assert_int_equal(f->is_signed, dev_signed);
	assert_string_equal(f->type, "__data_loc char[]");
	f = tp_field_find(&fmt, "size");
	assert_non_null(f);
	assert_int_equal(f->offset, 32);
	assert_int_equal(f->size, 8);
	assert_string_equal(f->type, "size_t");
	f = tp_field_find(&fmt, "force");
	assert_non_null(f);
	assert_int_equal(f->offset, 40);
	assert_int_equal(f->size, 1);
	assert_null(tp_field_find(&fmt, "nents"));
	free(text);
}

static void test_bounced_6_1(void **state)
{
	check_bounced("6.1/swiotlb-swiotlb_bounced.format", 349, true);
}

static void test_bounced_6_12(void **state)
{
	check_bounced("6.12/swiotlb-swiotlb_bounced.format", 382, false);
}

static void test_map_sg_6_12(void **state)
{
	char *text = slurp("6.12/dma-dma_map_sg.format");
	struct tp_format fmt;
	const struct tp_field *f;

	assert_int_equal(tp_format_parse(text, &fmt, NULL, 0), 0);
	assert_int_equal(fmt.id, 370);
	f = tp_field_find(&fmt, "full_nents");
	assert_non_null(f);
	assert_int_equal(f->offset, 12);
	assert_true(f->is_signed);
	f = tp_field_find(&fmt, "phys_addrs");
	assert_non_null(f);
	assert_true(f->data_loc);
	assert_string_equal(f->type, "__data_loc u64[]");
	f = tp_field_find(&fmt, "device");
	assert_non_null(f);
	assert_int_equal(f->offset, 8);
	free(text);
}

/* A raw swiotlb_bounced record laid out as the 6.12 format says. */
static size_t make_bounced_record(unsigned char *raw, size_t cap, const char *dev, uint64_t size)
{
	size_t name_len = strlen(dev) + 1, len = 48 + name_len;
	uint32_t loc = (uint32_t)((name_len << 16) | 48);

	assert_true(len <= cap);
	memset(raw, 0, len);
	memcpy(raw + 8, &loc, 4);
	memcpy(raw + 32, &size, 8);
	memcpy(raw + 48, dev, name_len);
	return len;
}

static void test_field_access(void **state)
{
	char *text = slurp("6.12/swiotlb-swiotlb_bounced.format");
	unsigned char raw[128];
	struct tp_format fmt;
	const struct tp_field *fsize, *fdev;
	char name[64];
	uint64_t v = 0;
	size_t len;

	assert_int_equal(tp_format_parse(text, &fmt, NULL, 0), 0);
	fsize = tp_field_find(&fmt, "size");
	fdev = tp_field_find(&fmt, "dev_name");
	len = make_bounced_record(raw, sizeof(raw), "vgem", 4096);

	/* negative: record too short for the field, locator pointing outside */
	assert_int_equal(tp_field_uint(fsize, raw, 36, &v), -ERANGE);
	assert_int_equal(tp_field_str(fdev, raw, 50, name, sizeof(name)), -ERANGE);
	assert_int_equal(tp_field_uint(fdev, raw, len, &v), -EINVAL); /* not an integer */

	assert_int_equal(tp_field_uint(fsize, raw, len, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(tp_field_str(fdev, raw, len, name, sizeof(name)), 0);
	assert_string_equal(name, "vgem");
	/* truncation into a small buffer keeps a terminated prefix */
	assert_int_equal(tp_field_str(fdev, raw, len, name, 3), 0);
	assert_string_equal(name, "vg");
	free(text);
}

/* 6.12 truncates the arrays at 128 entries: nents must come from full_nents. */
static void test_sg_nents_6_12(void **state)
{
	char *text = slurp("6.12/dma-dma_map_sg.format");
	unsigned char raw[2048];
	struct tp_format fmt;
	uint64_t n = 0;
	int32_t full = 256;
	uint32_t phys = (128u * 8u << 16) | 64; /* 128 u64 at offset 64 */
	static const char text61[] = "name: x\nID: 1\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n";
	struct tp_format f61;

	assert_int_equal(tp_format_parse(text, &fmt, NULL, 0), 0);
	memset(raw, 0, sizeof(raw));
	memcpy(raw + 12, &full, 4);
	memcpy(raw + 24, &phys, 4);
	/* negative: a record too short for full_nents; a format without any nents */
	assert_int_equal(tp_dma_sg_nents(&fmt, raw, 14, &n), -ERANGE);
	assert_int_equal(tp_format_parse(text61, &f61, NULL, 0), 0);
	assert_int_equal(tp_dma_sg_nents(&f61, raw, sizeof(raw), &n), -ENOENT);
	assert_int_equal(tp_dma_sg_nents(&fmt, raw, 64 + 1024, &n), 0);
	assert_int_equal(n, 256);
	free(text);
}

static void test_fixed_array_and_rel_loc(void **state)
{
	static const char text[] =
		"name: t\nID: 7\nformat:\n"
		"\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
		"\tfield:__rel_loc char[] r;\toffset:24;\tsize:4;\tsigned:0;\n";
	unsigned char raw[64] = { 0 };
	struct tp_format fmt;
	const struct tp_field *f;
	char buf[32];
	uint32_t loc = (3u << 16) | 4; /* 4 bytes after the end of the field */

	assert_int_equal(tp_format_parse(text, &fmt, NULL, 0), 0);
	f = tp_field_find(&fmt, "comm");
	assert_non_null(f);
	assert_true(f->is_array);
	memcpy(raw + 8, "kworker", 7);
	assert_int_equal(tp_field_str(f, raw, sizeof(raw), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "kworker");
	f = tp_field_find(&fmt, "r");
	assert_true(f->rel_loc);
	memcpy(raw + 24, &loc, 4);
	memcpy(raw + 32, "ab", 3);
	assert_int_equal(tp_field_str(f, raw, sizeof(raw), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ab");
}

struct live {
	uint64_t records, own;
	const struct tp_field *pid;
};

static void on_live(const struct tp_event *ev, int cpu, const void *raw, size_t len, void *arg)
{
	struct live *l = arg;
	uint64_t pid;

	l->records++;
	if (!tp_field_uint(l->pid, raw, len, &pid) && (uint32_t)pid == (uint32_t)getpid())
		l->own++;
}

/*
 * Live, on this machine's kernel: N getppid() calls are N sys_enter_getppid
 * hits, counted exactly and each delivered as a raw record through the
 * per-CPU rings. Skips where tracefs or perf_event_open is not available.
 */
static void test_live_counts_and_records(void **state)
{
	enum { N = 3000 };
	char root[256], why[256];
	struct tp_format fmt;
	struct tp_event *ev = NULL;
	struct live l = { 0 };
	uint64_t count = 0;
	int err;

	if (tp_tracefs_root(root, sizeof(root), true) ||
	    tp_format_load(root, "syscalls", "sys_enter_getppid", &fmt, why, sizeof(why))) {
		print_message("skip: no tracefs or no syscalls:sys_enter_getppid here\n");
		skip();
	}
	/* a ring of 16 pages (64 KiB) per CPU: 3000 records must be drained in between */
	err = tp_event_open(&fmt, TP_EVENT_SAMPLE, 16, &ev);
	if (err) {
		print_message("skip: perf_event_open: %s\n", strerror(-err));
		skip();
	}
	assert_true(tp_event_ncpus(ev) >= 1);
	assert_true(tp_event_cpu_fd(ev, 0) >= 0);
	assert_int_equal(tp_event_cpu_fd(ev, tp_event_ncpus(ev)), -1);
	l.pid = tp_field_find(tp_event_format(ev), "common_pid");
	assert_non_null(l.pid);
	assert_int_equal(tp_event_reset(ev), 0);
	assert_int_equal(tp_event_enable(ev), 0);
	for (int i = 0; i < N; i++) {
		syscall(SYS_getppid);
		if (tp_event_needs_drain(ev))
			assert_true(tp_event_drain(ev, on_live, &l) >= 0);
	}
	assert_int_equal(tp_event_disable(ev), 0);
	assert_true(tp_event_drain(ev, on_live, &l) >= 0);
	assert_int_equal(tp_event_read_count(ev, &count), 0);
	assert_int_equal(tp_event_lost(ev), 0);
	/* exact: our calls all counted, every hit delivered as a record */
	assert_true(count >= N);
	assert_int_equal(l.records, count);
	assert_int_equal(l.own, N);
	/* reset zeroes the count */
	assert_int_equal(tp_event_reset(ev), 0);
	assert_int_equal(tp_event_read_count(ev, &count), 0);
	assert_int_equal(count, 0);
	tp_event_close(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_bounced_6_1),
		cmocka_unit_test(test_bounced_6_12),
		cmocka_unit_test(test_map_sg_6_12),
		cmocka_unit_test(test_field_access),
		cmocka_unit_test(test_sg_nents_6_12),
		cmocka_unit_test(test_fixed_array_and_rel_loc),
		cmocka_unit_test(test_live_counts_and_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
