/*
 * Unit tests for gembench's result document: rows built by the real
 * measuring loop (bench/run.c) over a FAKE backend (tests/fakes/
 * fake_membuf.c, memfd buffers), serialised by bench/document.c, then
 * validated by the store's own contract validator (lib/resultdoc.c). Also
 * runs the gembench binary and validates what its --json writes.
 * Negative cases first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "document.h"
#include "../fakes/fake_membuf.h"
#include "options.h"
#include "resultdoc.h"
#include "run.h"
#include "workload.h"

static char *dump(json_t *doc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(gb_doc_write(doc, f), 0);
	fclose(f);
	/* JSON Lines: exactly one line */
	assert_non_null(strchr(buf, '\n'));
	assert_true(strchr(buf, '\n') == buf + len - 1);
	return buf;
}

/* Runs @workload over the fake for sizes 4K,64K into a finished document. */
static json_t *run_doc(const char *workload, int import_err)
{
	struct gb_job job;
	struct gb_opt_error err;
	struct gb_dev dev = { .ops = &fake_membuf_ops, .fd = -1 };
	struct gb_dev imp = { .ops = &fake_membuf_ops, .fd = -1 };
	struct gb_ctx ctx;
	const struct gb_workload *wl = gb_workload_find(workload);
	json_t *doc;

	assert_non_null(wl);
	gb_job_defaults(&job);
	snprintf(job.name, sizeof(job.name), "unit");
	snprintf(job.source, sizeof(job.source), "test");
	assert_int_equal(gb_job_set(&job, "workload", workload, "t", &err), 0);
	assert_int_equal(gb_job_set(&job, "sizes", "4K,64K", "t", &err), 0);
	assert_int_equal(gb_job_set(&job, "iterations", "5", "t", &err), 0);
	assert_int_equal(gb_job_set(&job, "reps", "3", "t", &err), 0);
	assert_int_equal(gb_job_set(&job, "warmup", "1", "t", &err), 0);
	assert_int_equal(fake_membuf_ops.open(&dev, "fake"), 0);
	assert_int_equal(fake_membuf_ops.open(&imp, "fake"), 0);

	memset(&ctx, 0, sizeof(ctx));
	ctx.job = &job;
	ctx.wl = wl;
	ctx.dev = &dev;
	ctx.imp = wl->needs_importer ? &imp : NULL;
	fake_membuf_fail_imports(import_err);

	doc = gb_doc_new(&job, 25.0);
	assert_non_null(doc);
	json_object_set_new(doc, "device", gb_doc_device(&dev, NULL, 0));
	if (ctx.imp)
		json_object_set_new(doc, "importer", gb_doc_device(&imp, NULL, 0));
	for (unsigned i = 0; i < job.nsizes; i++) {
		struct gb_row row;

		gb_row_init(&row, wl->name, NULL, job.sizes[i]);
		assert_int_equal(wl->run(&ctx, &row, 0, job.sizes[i]), 0);
		gb_doc_add_row(doc, gb_row_finish(&row));
		gb_row_free(&row);
	}
	gb_doc_finish(doc, "ok", NULL);
	fake_membuf_fail_imports(0);
	assert_int_equal(fake_membuf_live(), 0); /* every buffer released */
	return doc;
}

static struct bl_resultdoc *validate(json_t *doc)
{
	struct bl_resultdoc *rd = NULL;
	char err[512] = "";
	char *text = dump(doc);
	int rc = bl_resultdoc_parse(text, strlen(text), &rd, err, sizeof(err));

	if (rc)
		fail_msg("document refused by the contract validator: %s", err);
	free(text);
	return rd;
}

static void test_validator_refuses_broken_rows(void **state)
{
	json_t *doc = run_doc("create", 0);
	json_t *row = json_array_get(json_object_get(doc, "results"), 0);
	struct bl_resultdoc *rd = NULL;
	char err[512] = "", *text;

	/* a counter of the wrong type must be refused: the validator is really wired */
	json_object_set_new(json_object_get(row, "counters"), "swiotlb_bounced",
			    json_string("many"));
	text = dump(doc);
	assert_int_equal(bl_resultdoc_parse(text, strlen(text), &rd, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "swiotlb_bounced"));
	free(text);
	json_decref(doc);
}

static void test_create_rows_follow_contract(void **state)
{
	json_t *doc = run_doc("create", 0);
	struct bl_resultdoc *rd = validate(doc);
	json_t *row = json_array_get(json_object_get(doc, "results"), 0);

	assert_int_equal(rd->format, 1);
	assert_true(bl_uuid_valid(rd->run_id));
	assert_int_equal(rd->status, BL_STATUS_OK);
	assert_string_equal(rd->tool_name, "gembench");
	assert_string_equal(rd->job_workload, "create");
	assert_int_equal(rd->n_results, 2);
	assert_int_equal(rd->results[0].size, 4096);
	assert_int_equal(rd->results[1].size, 65536);
	/* ops = iterations x reps, warm-up excluded; one value per rep */
	assert_int_equal(rd->results[0].ops, 15);
	assert_int_equal(rd->results[0].reps, 3);
	assert_int_equal(rd->results[0].ops_per_sec.n_values, 3);
	assert_int_equal(rd->results[0].bytes_per_sec.n_values, 3);
	assert_true(rd->results[0].ops_per_sec.mean.v > 0);
	assert_true(rd->results[0].latency_ns[BL_LAT_P50].set);
	/* per-repetition latency percentiles: one per rep, each within [min, max] of the row */
	{
		json_t *per = json_object_get(row, "per_rep");
		json_t *lat = json_object_get(row, "latency_ns");
		json_int_t lo = json_integer_value(json_object_get(lat, "min"));
		json_int_t hi = json_integer_value(json_object_get(lat, "max"));
		static const char *const keys[] = { "latency_p50_ns", "latency_p99_ns" };

		for (size_t k = 0; k < 2; k++) {
			json_t *a = json_object_get(per, keys[k]);

			assert_int_equal(json_array_size(a), 3);
			for (size_t i = 0; i < 3; i++) {
				json_int_t v = json_integer_value(json_array_get(a, i));

				assert_true(v >= lo && v <= hi);
			}
		}
	}
	assert_true(rd->results[0].latency_ns[BL_LAT_MAX].v >=
		    rd->results[0].latency_ns[BL_LAT_P99].v);
	/* no counters opened: every counter null, each with its reason */
	for (int c = 0; c < BL_COUNTER_COUNT; c++) {
		assert_false(rd->results[0].counters[c].set);
		assert_non_null(json_object_get(rd->results[0].unavailable, bl_counter_names[c]));
	}
	assert_false(rd->results[0].bounce_rate.set);
	assert_int_equal(rd->results[0].failed_ops, 0);
	/* the timer's own cost is in the document */
	assert_true(json_number_value(json_object_get(json_object_get(doc, "timer"), "cost_ns")) > 0);
	assert_true(json_is_null(json_object_get(row, "variant")));
	bl_resultdoc_free(rd);
	json_decref(doc);
}

static void test_refused_imports_are_counted(void **state)
{
	json_t *doc = run_doc("import", -EIO);
	struct bl_resultdoc *rd = validate(doc);

	/* a refused mapping is a result: every op failed, first errno kept, status ok */
	assert_int_equal(rd->status, BL_STATUS_OK);
	assert_int_equal(rd->results[0].ops, 15);
	assert_int_equal(rd->results[0].failed_ops, 15);
	assert_true(rd->results[0].failed_errno.set);
	assert_int_equal(rd->results[0].failed_errno.v, EIO);
	assert_non_null(strstr(rd->results[0].failed_error, "Input/output error"));
	assert_non_null(strstr(rd->results[0].failed_error, "PRIME import"));
	bl_resultdoc_free(rd);
	json_decref(doc);
}

static void test_integrity_checks_data(void **state)
{
	json_t *doc = run_doc("integrity", 0);
	struct bl_resultdoc *rd = validate(doc);
	json_t *row = json_array_get(json_object_get(doc, "results"), 1);
	json_t *integ = json_object_get(row, "integrity");

	assert_non_null(integ);
	/* 15 measured + 1 warm-up buffer, each compared twice */
	assert_int_equal(json_integer_value(json_object_get(integ, "checked_buffers")), 16);
	assert_int_equal(json_integer_value(json_object_get(integ, "mismatches")), 0);
	assert_true(json_is_null(json_object_get(integ, "first_bad_offset")));
	bl_resultdoc_free(rd);
	json_decref(doc);
}

static void test_mmap_row_extras(void **state)
{
	json_t *doc = run_doc("mmap", 0);
	struct bl_resultdoc *rd = validate(doc);
	json_t *m = json_object_get(json_array_get(json_object_get(doc, "results"), 1), "mmap");

	assert_non_null(m);
	assert_int_equal(json_array_size(json_object_get(json_object_get(m, "write_bytes_per_sec"),
							 "values")), 3);
	assert_true(json_number_value(json_object_get(json_object_get(m, "read_bytes_per_sec"),
						      "mean")) > 0);
	bl_resultdoc_free(rd);
	json_decref(doc);
}

/* The real binary: no such device -> exit 77, one valid "skipped" document on stdout. */
static void test_gembench_json_skipped(void **state)
{
	const char *build = getenv("BOUNCELAB_BUILD");
	char cmd[512], out[65536];
	struct bl_resultdoc *rd = NULL;
	char err[512] = "";
	size_t n;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd),
		 "%s/gembench --workload create --device /nonexistent/card9 --sizes 4K "
		 "--no-counters --json - 2>/dev/null",
		 build ? build : "build");
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	status = pclose(p);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 77);
	/* stdout holds only the JSON line */
	assert_true(n > 0 && out[0] == '{' && out[n - 1] == '\n');
	assert_int_equal(bl_resultdoc_parse(out, n, &rd, err, sizeof(err)), 0);
	assert_int_equal(rd->status, BL_STATUS_SKIPPED);
	assert_non_null(strstr(rd->error, "/nonexistent/card9"));
	bl_resultdoc_free(rd);

	/* bad input is refused up front with exit 1 and no JSON */
	snprintf(cmd, sizeof(cmd), "%s/gembench --workload create --sizes 12Q --json - 2>&1",
		 build ? build : "build");
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	status = pclose(p);
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_non_null(strstr(out, "sizes"));
	assert_non_null(strstr(out, "12Q"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validator_refuses_broken_rows),
		cmocka_unit_test(test_create_rows_follow_contract),
		cmocka_unit_test(test_refused_imports_are_counted),
		cmocka_unit_test(test_integrity_checks_data),
		cmocka_unit_test(test_mmap_row_extras),
		cmocka_unit_test(test_gembench_json_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
