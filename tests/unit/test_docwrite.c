/*
 * Unit tests for lib/docwrite.c: UUIDs the validator accepts and that
 * differ, timestamps with milliseconds, and bare documents (runs with no document of their own) that pass the
 * result-document contract for each status a run can end in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "docwrite.h"
#include "resultdoc.h"

static void test_uuid(void **state)
{
	char a[BL_UUID_LEN], b[BL_UUID_LEN];

	(void)state;
	assert_int_equal(bl_uuid4(a), 0);
	assert_int_equal(bl_uuid4(b), 0);
	assert_int_equal(strlen(a), 36);
	assert_true(bl_uuid_valid(a));
	assert_int_equal(a[14], '4');			  /* version 4 */
	assert_non_null(strchr("89ab", a[19]));		  /* RFC 4122 variant */
	assert_string_not_equal(a, b);
}

static void test_rfc3339(void **state)
{
	static const struct {
		struct timespec ts;
		const char *text;
	} cases[] = {
		{ { 0, 0 }, "1970-01-01T00:00:00.000Z" },
		{ { 1764761530, 999999999 }, "2025-12-03T11:32:10.999Z" }, /* truncated, never rounded up */
		{ { 1764761530, 1000000 }, "2025-12-03T11:32:10.001Z" },
	};
	char buf[BL_RFC3339_LEN];
	int64_t back;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bl_rfc3339(&cases[i].ts, buf);
		assert_string_equal(buf, cases[i].text);
		assert_int_equal(bl_parse_time(buf, &back), 0); /* the validator reads it back */
		assert_int_equal(back, cases[i].ts.tv_sec);
	}
	bl_rfc3339_unix(86400, buf);
	assert_string_equal(buf, "1970-01-02T00:00:00.000Z");
	bl_rfc3339(NULL, buf);
	assert_int_equal(strlen(buf), 24);
}

static void test_bare_documents(void **state)
{
	static const char *const statuses[] = { "failed", "skipped", "timeout" };
	char err[256];

	(void)state;
	/* no error text: refused, a bare must say why */
	assert_null(bl_doc_bare_new(&(struct bl_doc_bare){ .status = "failed", .tool_name = "t" }));
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct bl_doc_bare bare = { .status = statuses[i], .error = "the guest died",
					    .tool_name = "bouncelab-lab", .job_name = "smoke" };
		struct bl_resultdoc *doc = NULL;
		json_t *root = bl_doc_bare_new(&bare);

		assert_non_null(root);
		assert_int_equal(bl_resultdoc_from_json(root, &doc, err, sizeof(err)), 0);
		assert_string_equal(json_string_value(json_object_get(root, "status")), statuses[i]);
		assert_string_equal(
			json_string_value(json_object_get(json_object_get(root, "job"), "backend")),
			"unknown");
		assert_int_equal(json_array_size(json_object_get(root, "results")), 0);
		bl_resultdoc_free(doc);
		json_decref(root);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_bare_documents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
