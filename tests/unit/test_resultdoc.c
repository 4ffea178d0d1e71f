/*
 * Tests for lib/resultdoc.c: the result document validator.
 *
 * Negative cases first: each row of the mutation table takes a valid
 * fixture, changes (or deletes) one member and names the exact error
 * message the producer must see. Then the positive cases: every fixture in
 * tests/fixtures validates and its typed view carries the right values,
 * nulls included.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resultdoc.h"

#define FIXTURES "tests/fixtures/"
#define BASE FIXTURES "result-6.12-force-udmabuf-import.json"

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j)
		fail_msg("%s: %s (run the tests from the repository root)", path, e.text);
	return j;
}

/*
 * Sets (value != NULL) or deletes (value == NULL) the member at @path
 * ("results.2.counters.swiotlb_bounced"; numbers index arrays).
 */
static void mutate(json_t *root, const char *path, const char *value)
{
	char buf[256], *save = NULL, *tok, *next;
	json_t *cur = root, *v = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	if (value) {
		json_error_t e;

		v = json_loads(value, JSON_DECODE_ANY, &e);
		assert_non_null(v);
	}
	tok = strtok_r(buf, ".", &save);
	while ((next = strtok_r(NULL, ".", &save))) {
		cur = json_is_array(cur) ? json_array_get(cur, strtoul(tok, NULL, 10)) :
					   json_object_get(cur, tok);
		assert_non_null(cur);
		tok = next;
	}
	if (json_is_array(cur)) {
		size_t i = strtoul(tok, NULL, 10);

		if (v)
			json_array_set_new(cur, i, v);
		else
			json_array_remove(cur, i);
	} else if (v) {
		json_object_set_new(cur, tok, v);
	} else {
		json_object_del(cur, tok);
	}
}

struct bad_case {
	const char *path;  /* member to change */
	const char *value; /* new JSON value, NULL = delete the member */
	const char *error; /* the complete expected message */
};

/* Negative cases: one wrong member each, with the message a producer sees. */
static const struct bad_case bad_cases[] = {
	/* missing run_id */
	{ "run_id", NULL, "run_id: missing" },
	/* bad UUIDs */
	{ "run_id", "\"not-a-uuid\"", "run_id: expected a UUID (8-4-4-4-12 hex digits), got \"not-a-uuid\"" },
	{ "run_id", "\"3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b0\"", "run_id: expected a UUID (8-4-4-4-12 hex digits), got \"3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b0\"" },
	{ "run_id", "\"3f6c1a52x8d2e-4b7a-9c61-0e5d2f9a1b01\"", "run_id: expected a UUID (8-4-4-4-12 hex digits), got \"3f6c1a52x8d2e-4b7a-9c61-0e5d2f9a1b01\"" },
	{ "run_id", "\"3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1bg1\"", "run_id: expected a UUID (8-4-4-4-12 hex digits), got \"3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1bg1\"" },
	{ "run_id", "42", "run_id: expected a string, got integer" },
	{ "run_id", "null", "run_id: expected a string, got null" },
	/* format */
	{ "format", NULL, "format: missing" },
	{ "format", "2", "format: unsupported format 2 (this bouncelab reads 1)" },
	{ "format", "\"1\"", "format: expected an integer, got string" },
	{ "format", "1.5", "format: expected an integer, got number" }, /* 1.0 is 1 (an integral real) */
	/* status */
	{ "status", "\"done\"", "status: expected one of ok|failed|skipped|timeout, got \"done\"" },
	{ "status", "true", "status: expected a string, got boolean" },
	{ "error", "17", "error: expected a string or null, got integer" },
	/* tool */
	{ "tool", NULL, "tool: missing" },
	{ "tool.version", NULL, "tool.version: missing" },
	{ "tool.name", "\"\"", "tool.name: must not be empty" },
	/* times */
	{ "started_at", "\"yesterday\"", "started_at: expected an RFC 3339 date-time, got \"yesterday\"" },
	{ "started_at", "\"2026-11-20T02:00:05\"", "started_at: expected an RFC 3339 date-time, got \"2026-11-20T02:00:05\"" },
	{ "started_at", "\"2026-02-30T02:00:05Z\"", "started_at: expected an RFC 3339 date-time, got \"2026-02-30T02:00:05Z\"" },
	{ "finished_at", "0", "finished_at: expected a string or null, got integer" },
	/* host, kernel, dma, device: required for status ok */
	{ "host", NULL, "host: missing" },
	{ "host.hostname", NULL, "host.hostname: missing" },
	{ "host.mem_bytes", "-1", "host.mem_bytes: must be >= 0, got -1" },
	{ "kernel", "null", "kernel: expected an object, got null" },
	{ "kernel.release", "6", "kernel.release: expected a string, got integer" },
	{ "testbed.package_version", "6", "testbed.package_version: expected a string or null, got integer" },
	{ "testbed.clock", "\"fast\"", "testbed.clock: expected one of icount|wall, got \"fast\"" },
	{ "testbed.boot_index", "-1", "testbed.boot_index: must be >= 0, got -1" },
	{ "dma.swiotlb", "\"forced\"", "dma.swiotlb: expected one of force|noforce|default, got \"forced\"" },
	{ "dma.iommu", "\"strict\"", "dma.iommu: expected one of off|on|pt, got \"strict\"" },
	{ "dma.swiotlb_slabs", "\"32768\"", "dma.swiotlb_slabs: expected an integer or null, got string" },
	{ "device", "[]", "device: expected an object, got array" },
	{ "device", "{}", "device: needs a driver or a node" },
	{ "importer", "\"vgem\"", "importer: expected an object or null, got string" },
	{ "kernel.boot_id", "\"boot-1\"", "kernel.boot_id: expected a UUID (8-4-4-4-12 hex digits), got \"boot-1\"" },
	{ "kernel.boot_id", "7", "kernel.boot_id: expected a string or null, got integer" },
	/* job */
	{ "job.backend", NULL, "job.backend: missing" },
	{ "job.params", "[1]", "job.params: expected an object or null, got array" },
	/* results */
	{ "results", NULL, "results: missing" },
	{ "results", "{}", "results: expected an array, got object" },
	{ "results", "[]", "results: a run with status \"ok\" needs at least one row" },
	{ "results.1", "7", "results[1]: expected an object, got integer" },
	{ "results.0.workload", NULL, "results[0].workload: missing" },
	{ "results.2.size", "\"1M\"", "results[2].size: expected an integer, got string" },
	{ "results.2.size", "-4096", "results[2].size: must be >= 0, got -4096" },
	{ "results.0.ops", "null", "results[0].ops: expected an integer, got null" },
	{ "results.0.ops_per_sec.values.3", "\"fast\"", "results[0].ops_per_sec.values[3]: expected a number, got string" },
	{ "results.0.bytes_per_sec.mean", "\"x\"", "results[0].bytes_per_sec.mean: expected a number or null, got string" },
	{ "results.1.latency_ns.p99", "1.5", "results[1].latency_ns.p99: expected an integer or null, got number" },
	{ "results.2.counters.swiotlb_bounced", "\"256\"", "results[2].counters.swiotlb_bounced: expected an integer or null, got string" },
	{ "results.2.counters.swiotlb_bounced", "-1", "results[2].counters.swiotlb_bounced: must be >= 0, got -1" },
	{ "results.2.counters.my_extra_counter", "2.5", "results[2].counters.my_extra_counter: expected an integer or null, got number" },
	{ "results.0.counters", NULL, "results[0].counters: missing" },
	{ "results.0.bounce_rate", "1.5", "results[0].bounce_rate: must be in [0, 1] or null, got 1.5" },
	{ "results.0.failures.ops", NULL, "results[0].failures.ops: missing" },
	{ "results.0.failures.errno", "\"EIO\"", "results[0].failures.errno: expected an integer or null, got string" },
	{ "results.0.failures.kernel_log", "[\"ok\", 3]", "results[0].failures.kernel_log[1]: expected a string, got integer" },
	{ "results.0.unavailable", "{\"dma_map_sg\": 0}", "results[0].unavailable.dma_map_sg: expected a string (the reason), got integer" },
	{ "results.0.per_rep", "[1]", "results[0].per_rep: expected an object or null, got array" },
	{ "results.0.per_rep", "{\"ops\": 7}", "results[0].per_rep.ops: expected an array, got integer" },
	{ "results.0.per_rep", "{\"ops\": [200, 200]}", "results[0].per_rep.ops: 2 values for 5 repetitions (reps)" },
	{ "results.0.per_rep", "{\"ops\": [200, 200, 200, 200, 200], \"swiotlb_bounced\": [1, 1, 1, -1, 1]}", "results[0].per_rep.swiotlb_bounced[3]: must be >= 0, got -1" },
	{ "results.0.per_rep", "{\"swiotlb_bounced\": [1, 1, 1, 1, 0.5]}", "results[0].per_rep.swiotlb_bounced[4]: expected an integer, got number" },
	/* nonsense numbers (issue 17): negative rates, values without repetitions, time running back */
	{ "results.0.ops_per_sec.mean", "-5", "results[0].ops_per_sec.mean: must be >= 0, got -5" },
	{ "results.0.ops_per_sec.values.1", "-1", "results[0].ops_per_sec.values[1]: must be >= 0, got -1" },
	{ "results.2.bytes_per_sec.mean", "-0.5", "results[2].bytes_per_sec.mean: must be >= 0, got -0.5" },
	{ "results.0.reps", "0", "results[0].ops_per_sec.values: 5 values for 0 repetitions (reps)" },
	{ "finished_at", "\"2026-11-20T02:00:04Z\"", "finished_at: 2026-11-20T02:00:04Z is before started_at 2026-11-20T02:00:05Z" },
	/* an integral real passes for an integer; a fractional or out-of-range one does not */
	{ "results.0.ops", "200.5", "results[0].ops: expected an integer, got number" },
	{ "results.0.ops", "1e19", "results[0].ops: expected an integer, got number" },
	{ "results.0.size", "-4096.0", "results[0].size: must be >= 0, got -4096" },
	/* two rows with the same key (workload, variant, size) */
	{ "results.1.size", "4096", "results[1]: repeats results[0] (workload import, variant \"\", size 4096); give such rows distinct \"variant\" values" },
};

static void test_bad_members(void **state)
{
	json_t *base = load(BASE);

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		json_t *doc = json_deep_copy(base);
		struct bl_resultdoc *d = (void *)1;
		char err[512];
		int ret;

		mutate(doc, c->path, c->value);
		ret = bl_resultdoc_from_json(doc, &d, err, sizeof(err));
		if (ret != -EINVAL || strcmp(err, c->error))
			fail_msg("case %zu (%s = %s): got %d \"%s\", want \"%s\"", i, c->path,
				 c->value ? c->value : "<deleted>", ret, err, c->error);
		assert_null(d);
		json_decref(doc);
	}
	json_decref(base);
}

struct bad_text {
	const char *text;
	const char *error_prefix;
};

/* Not JSON, or not an object: the parser's position and reason. */
static const struct bad_text bad_texts[] = {
	/* truncated document */
	{ "{\"format\": 1, \"run_id\": \"3f6c1a52-", "document: invalid JSON at line 1 column" },
	/* empty input */
	{ "", "document: invalid JSON at line 1 column 0: '[' or '{' expected near end of file" },
	/* trailing garbage after the object */
	{ "{} x", "document: invalid JSON at line 1 column 4: end of file expected" },
	/* duplicate keys are ambiguous */
	{ "{\"format\": 1, \"format\": 1}", "document: invalid JSON at line 1 column 22: duplicate object key" },
	/* an array is not a document */
	{ "[1, 2]", "document: expected a JSON object, got array" },
	{ "{}", "format: missing" },
};

static void test_bad_text(void **state)
{
	for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
		struct bl_resultdoc *d = NULL;
		char err[512];
		int ret = bl_resultdoc_parse(bad_texts[i].text, strlen(bad_texts[i].text), &d, err,
					     sizeof(err));

		if (ret != -EINVAL || strncmp(err, bad_texts[i].error_prefix,
					      strlen(bad_texts[i].error_prefix)))
			fail_msg("text %zu: got %d \"%s\", want \"%s...\"", i, ret, err,
				 bad_texts[i].error_prefix);
		assert_null(d);
	}
}

static void test_too_big(void **state)
{
	size_t len = BL_RESULTDOC_MAX_BYTES + 1;
	char *big = malloc(len);
	struct bl_resultdoc *d = NULL;
	char err[256];

	assert_non_null(big);
	memset(big, ' ', len);
	assert_int_equal(bl_resultdoc_parse(big, len, &d, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "more than the limit"));
	free(big);
}

/* Statuses other than ok may lack host/kernel/dma/device and results. */
static void test_timeout_minimal(void **state)
{
	static const char text[] =
		"{\"format\":1,\"run_id\":\"AAAAAAAA-bbbb-4ccc-8ddd-eeeeeeeeeeee\",\"status\":\"timeout\","
		"\"error\":\"killed after 600 s\",\"tool\":{\"name\":\"bouncelabd\",\"version\":\"0.1.0\"},"
		"\"started_at\":\"2026-11-20T02:00:05.123+01:00\",\"finished_at\":null,"
		"\"job\":{\"name\":\"nightly\",\"backend\":\"udmabuf\",\"workload\":\"import\"},\"results\":[]}";
	struct bl_resultdoc *d = NULL;
	char err[256] = "";

	assert_int_equal(bl_resultdoc_parse(text, strlen(text), &d, err, sizeof(err)), 0);
	assert_string_equal(d->run_id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"); /* normalised */
	assert_int_equal(d->status, BL_STATUS_TIMEOUT);
	assert_int_equal(d->started_unix, 1795140005 - 3600);
	assert_false(d->finished_unix.set);
	assert_null(d->finished_at);
	assert_null(d->kernel_release);
	assert_false(d->has_device);
	assert_int_equal(d->n_results, 0);
	bl_resultdoc_free(d);
}

static void test_fixture_values(void **state)
{
	json_t *j = load(BASE);
	struct bl_resultdoc *d = NULL;
	char err[256] = "";

	assert_int_equal(bl_resultdoc_from_json(j, &d, err, sizeof(err)), 0);
	json_decref(j); /* the doc keeps its own reference */
	assert_string_equal(d->run_id, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01");
	assert_string_equal(d->kernel_release, "6.12.57+deb13-amd64");
	assert_string_equal(d->boot_id, "6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8"); /* lower-cased */
	assert_string_equal(d->package_version, "6.12.57-1");
	/* a testbed document without testbed.clock ran before the clock was recorded: wall */
	assert_string_equal(d->testbed_clock, "wall");
	assert_false(d->testbed_boot_index.set);
	assert_string_equal(d->swiotlb, "force");
	assert_string_equal(d->iommu, "off");
	assert_string_equal(d->dev_driver, "vgem");
	assert_null(d->dev_pci_id);
	assert_string_equal(d->imp_driver, "udmabuf");
	assert_int_equal(d->n_results, 3);
	assert_int_equal(d->results[2].size, 1048576);
	assert_int_equal(d->results[2].ops_per_sec.n_values, 5);
	assert_true(d->results[2].counters[BL_C_SWIOTLB_BOUNCED].set);
	assert_int_equal(d->results[2].counters[BL_C_SWIOTLB_BOUNCED].v, 256000);
	assert_true(d->results[0].bounce_rate.set);
	assert_true(d->results[0].bounce_rate.v == 1.0);
	assert_string_equal(d->results[0].variant, "");
	bl_resultdoc_free(d);
}

/*
 * Python and JavaScript clients write integers as 1000000.0: accepted where
 * an integer is expected, and the tree holds an integer afterwards (the
 * store reads counters from it).
 */
static void test_integral_reals(void **state)
{
	json_t *j = load(BASE);
	struct bl_resultdoc *d = NULL;
	char err[256] = "";

	mutate(j, "results.0.ops", "1000000.0");
	mutate(j, "results.2.counters.swiotlb_bounced", "256000.0");
	mutate(j, "results.2.counters.my_extra_counter", "3.0");
	mutate(j, "results.0.per_rep", "{\"ops\": [200.0, 200, 2e2, 200, 200]}");
	mutate(j, "results.0.latency_ns", "{\"p99\": 1500.0}");
	assert_int_equal(bl_resultdoc_from_json(j, &d, err, sizeof(err)), 0);
	assert_int_equal(d->results[0].ops, 1000000);
	assert_int_equal(d->results[2].counters[BL_C_SWIOTLB_BOUNCED].v, 256000);
	assert_true(json_is_integer(json_object_get(d->results[2].counters_json, "swiotlb_bounced")));
	assert_true(json_is_integer(json_object_get(d->results[2].counters_json, "my_extra_counter")));
	assert_true(json_is_integer(json_array_get(json_object_get(d->results[0].per_rep, "ops"), 2)));
	bl_resultdoc_free(d);
	json_decref(j);
}

/* A kernel without dma:* tracepoints: nulls stay unset, never 0. */
static void test_nulls_stay_null(void **state)
{
	json_t *j = load(FIXTURES "result-6.1-force-virtio-create.json");
	struct bl_resultdoc *d = NULL;
	char err[256] = "";

	assert_int_equal(bl_resultdoc_from_json(j, &d, err, sizeof(err)), 0);
	for (size_t i = 0; i < d->n_results; i++) {
		assert_false(d->results[i].counters[BL_C_DMA_MAP_SG].set);
		assert_false(d->results[i].counters[BL_C_DMA_MAP_SEGMENTS].set);
		assert_false(d->results[i].bounce_rate.set);
		assert_true(d->results[i].counters[BL_C_SWIOTLB_BOUNCED].set);
		assert_non_null(d->results[i].unavailable);
	}
	/* a contract counter that is absent is null too */
	mutate(j, "results.0.counters.dma_map_sg", NULL);
	bl_resultdoc_free(d);
	assert_int_equal(bl_resultdoc_from_json(j, &d, err, sizeof(err)), 0);
	assert_false(d->results[0].counters[BL_C_DMA_MAP_SG].set);
	bl_resultdoc_free(d);
	json_decref(j);
}

static void test_every_fixture_valid(void **state)
{
	static const char *const files[] = {
		"result-6.12-force-udmabuf-import.json", "result-6.12-noforce-udmabuf-import.json",
		"result-6.1-force-virtio-create.json", "result-6.12-force-heap-import-eio.json",
		"result-skipped-no-device.json", "real-6.12-force-udmabuf-vgem-occupancy.json",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[256], err[256] = "";
		struct bl_resultdoc *d = NULL;
		json_t *j;

		snprintf(path, sizeof(path), FIXTURES "%s", files[i]);
		j = load(path);
		if (bl_resultdoc_from_json(j, &d, err, sizeof(err)))
			fail_msg("%s: %s", files[i], err);
		bl_resultdoc_free(d);
		json_decref(j);
	}
}

/* A run that found no device may send a device object of nulls; an "ok" one may not. */
static void test_null_device(void **state)
{
	json_t *j = load(FIXTURES "result-skipped-no-device.json");
	struct bl_resultdoc *d = NULL;
	char err[256] = "";

	mutate(j, "device", "{\"node\": null, \"driver\": null, \"driver_version\": null, \"pci_id\": null}");
	assert_int_equal(bl_resultdoc_from_json(j, &d, err, sizeof(err)), 0);
	assert_false(d->has_device);
	bl_resultdoc_free(d);
	json_decref(j);

	j = load(BASE);
	mutate(j, "device", "{\"node\": null, \"driver\": null}");
	assert_int_equal(bl_resultdoc_from_json(j, &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "device: needs a driver or a node");
	json_decref(j);
}

/* Extra members anywhere are accepted (the contract allows adding). */
static void test_extra_fields(void **state)
{
	json_t *j = load(BASE);
	struct bl_resultdoc *d = NULL;
	char err[256] = "";

	mutate(j, "x_new_top", "{\"a\": [1, 2]}");
	mutate(j, "kernel.x_flavour", "\"cloud\"");
	mutate(j, "results.0.x_note", "true");
	mutate(j, "results.0.counters.x_new_counter", "12");
	assert_int_equal(bl_resultdoc_from_json(j, &d, err, sizeof(err)), 0);
	bl_resultdoc_free(d);
	json_decref(j);
}

struct time_case {
	const char *text;
	int ret;
	int64_t unix_s;
};

static void test_parse_time(void **state)
{
	static const struct time_case cases[] = {
		{ "2026-11-20", 0, 1795132800 },		 /* plain date: midnight UTC */
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "2026-11-20T02:00:05Z", 0, 1795140005 },
		{ "2026-11-20t02:00:05.999999z", 0, 1795140005 },
		{ "2026-11-20T02:00:05-02:30", 0, 1795140005 + 9000 },
		{ "2024-02-29T00:00:00Z", 0, 1709164800 },		 /* leap day */
		{ "2023-02-29T00:00:00Z", -EINVAL, 0 },
		{ "2026-13-01T00:00:00Z", -EINVAL, 0 },
		{ "2026-11-20T24:00:00Z", -EINVAL, 0 },
		{ "2026-11-20T02:00:05.Z", -EINVAL, 0 },
		{ "2026-11-20T02:00:05+0100", -EINVAL, 0 },
		{ "2026-11-20T02:00:05Zjunk", -EINVAL, 0 },
		{ "26-11-20", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = -1;
		int ret = bl_parse_time(cases[i].text, &t);

		if (ret != cases[i].ret || (!ret && t != cases[i].unix_s))
			fail_msg("%s: got %d %lld, want %d %lld", cases[i].text, ret, (long long)t,
				 cases[i].ret, (long long)cases[i].unix_s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_members),
		cmocka_unit_test(test_bad_text),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_timeout_minimal),
		cmocka_unit_test(test_fixture_values),
		cmocka_unit_test(test_integral_reals),
		cmocka_unit_test(test_nulls_stay_null),
		cmocka_unit_test(test_every_fixture_valid),
		cmocka_unit_test(test_extra_fields),
		cmocka_unit_test(test_null_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
