/*
 * Unit tests for lib/json_arena.c (run under ASan/UBSan by make check,
 * which is where a wrong free would show): outside an arena jansson's
 * blocks are plain heap blocks (json_dumps' result is free()d by callers);
 * a tree built in an arena is released with it, also when jansson frees
 * parts of it while the arena is current (a parse error, a rehash of a
 * large object, a decref); arenas of two threads do not mix; documents
 * parsed by bl_resultdoc_parse() use one and free it.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "json_arena.h"
#include "resultdoc.h"

static void test_heap_outside_arena(void **state)
{
	json_t *o = json_pack("{s:i, s:s}", "a", 1, "b", "two");
	char *text;

	assert_non_null(o);
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"a\":1,\"b\":\"two\"}");
	free(text); /* callers do this all over: must be a malloc block */
	json_decref(o);
}

/* A large object (many rehashes) and many strings: several chunks, frees inside. */
static void test_large_tree_in_arena(void **state)
{
	struct bl_json_arena *a = bl_json_arena_begin();
	json_t *o = json_object(), *arr = json_array();
	char key[32];

	assert_non_null(a);
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_int_equal(json_object_set_new(o, key, json_integer(i)), 0);
		assert_int_equal(json_array_append_new(arr, json_string(key)), 0);
	}
	/* replace a member: jansson frees the old value into the current arena */
	assert_int_equal(json_object_set_new(o, "key-7", json_string("seven")), 0);
	assert_int_equal(json_object_set_new(o, "list", arr), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "key-19999")), 19999);
	json_decref(o); /* a walk of no-op frees while the arena is current */
	bl_json_arena_end(a);
	/* heap again after the arena */
	o = json_string("heap");
	json_decref(o);
	bl_json_arena_free(a);
}

static void test_parse_error_in_arena(void **state)
{
	struct bl_json_arena *a = bl_json_arena_begin();
	json_error_t e;

	assert_null(json_loads("{\"a\": [1, 2, {\"b\": \"unterminated", 0, &e));
	bl_json_arena_free(a);
	assert_null(json_loads("[1, 2", 0, &e)); /* heap path after the arena */
}

static void *other_thread(void *arg)
{
	struct bl_json_arena *a = bl_json_arena_begin();
	json_t *t = json_pack("{s:[i,i,i]}", "v", 1, 2, 3);

	(void)arg;
	json_decref(t);
	bl_json_arena_free(a);
	return NULL;
}

/* One thread's arena is not another's: a heap block freed elsewhere meanwhile is freed. */
static void test_threads(void **state)
{
	struct bl_json_arena *a = bl_json_arena_begin();
	json_t *mine = json_string("in my arena");
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	json_decref(mine);
	bl_json_arena_free(a);
}

static void test_resultdoc_uses_arena(void **state)
{
	static const char good[] =
		"{\"format\":1,\"run_id\":\"3F6C1A52-8D2E-4B7A-9C61-0E5D2F9A1B01\",\"status\":\"skipped\","
		"\"error\":\"no device\",\"tool\":{\"name\":\"t\",\"version\":\"0\"},"
		"\"started_at\":\"2026-11-26T00:00:00Z\",\"job\":{\"name\":\"j\",\"backend\":\"b\","
		"\"workload\":\"w\",\"params\":{\"sizes\":\"4K\"}},\"results\":[]}";
	static const char bad[] = "{\"format\":1,\"run_id\":42}";
	struct bl_resultdoc *d = NULL;
	char err[256], *params;

	assert_int_equal(bl_resultdoc_parse(good, strlen(good), &d, err, sizeof(err)), 0);
	assert_non_null(d->arena);
	assert_string_equal(d->run_id, "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01");
	/* what the store does with a borrowed subtree, on another thread: a heap string */
	params = json_dumps(d->job_params, JSON_COMPACT);
	assert_string_equal(params, "{\"sizes\":\"4K\"}");
	free(params);
	bl_resultdoc_free(d);
	/* a validation failure releases its arena (LeakSanitizer would say otherwise) */
	assert_int_equal(bl_resultdoc_parse(bad, strlen(bad), &d, err, sizeof(err)), -EINVAL);
	assert_null(d);
	assert_non_null(strstr(err, "run_id"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_outside_arena),
		cmocka_unit_test(test_large_tree_in_arena),
		cmocka_unit_test(test_parse_error_in_arena),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_resultdoc_uses_arena),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
