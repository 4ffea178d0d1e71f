/*
 * Unit tests for bld_runs_query() (daemon/daemon_api_runs.c): GET
 * /api/v1/runs's query parameters become a selector through
 * bl_selector_set, the API's own order= aside, and a bad or unknown key is
 * refused with a message naming the key as the client wrote it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>
#include <cmocka.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "compare.h"
#include "daemon_api.h"
#include "dmamode.h"

#define UUID "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01"

/* Parses @query as evhttp would and runs bld_runs_query on it. */
static int query(const char *text, struct bl_selector *sel, char *err, size_t errlen)
{
	struct evkeyvalq q;
	int ret;

	TAILQ_INIT(&q);
	assert_int_equal(evhttp_parse_query_str(text, &q), 0);
	assert_int_equal(bl_selector_parse("", sel, err, errlen), 0);
	ret = bld_runs_query(&q, sel, err, errlen);
	evhttp_clear_headers(&q);
	return ret;
}

static void test_refused(void **state)
{
	static const struct {
		const char *query;
		const char *names; /* the message must contain this */
	} cases[] = {
		{ "colour=red", "colour" },		   /* unknown key */
		{ "limit=-5", "limit" },		   /* bad value under the API's name for last */
		{ "limit=0", "limit" },			   /* last is at least 1 */
		{ "limit=100001", "limit" },		   /* above the answer's cap */
		{ "last=100001", "last" },		   /* the same cap under the selector's name */
		{ "run_id=not-a-uuid", "run_id" },	   /* the selector checks UUIDs */
		{ "since=yesterday", "since" },		   /* not a date */
		{ "since=2026-12-01&until=2026-11-01", "until" }, /* until before since */
		{ "status=ok&status=failed", "status" },  /* each key once */
		{ "job=", "job" },			   /* empty value */
		{ "kernel=6.1,mode=force", "kernel" },	   /* a comma would smuggle in a key */
		{ "mode=forc", "mode" },		   /* not a DMA mode */
		{ "order=sideways", "order" },		   /* the API's own key */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bl_selector sel;
		char err[512] = "";
		int ret = query(cases[i].query, &sel, err, sizeof(err));

		if (ret != -EINVAL)
			fail_msg("query %zu '%s': %d, expected -EINVAL", i, cases[i].query, ret);
		if (!strstr(err, cases[i].names))
			fail_msg("query %zu '%s': message '%s' does not name '%s'", i, cases[i].query, err,
				 cases[i].names);
		bl_selector_free(&sel);
	}
}

static void test_accepted(void **state)
{
	struct bl_selector sel;
	char err[512] = "";

	/* No parameters: every run, newest first, the default cap. */
	assert_int_equal(query("", &sel, err, sizeof(err)), 0);
	assert_int_equal(sel.filter.limit, BLD_RUNS_LIMIT_DEFAULT);
	assert_false(sel.filter.oldest_first);
	assert_null(sel.filter.run_id);
	bl_selector_free(&sel);

	/* The API's names (run_id, limit) and order=. */
	assert_int_equal(query("run_id=" UUID "&limit=5&order=oldest", &sel, err, sizeof(err)), 0);
	assert_string_equal(sel.filter.run_id, UUID);
	assert_int_equal(sel.filter.limit, 5);
	assert_true(sel.filter.oldest_first);
	bl_selector_free(&sel);

	/* The selector's names, as the CLI writes them; mode= sets swiotlb and iommu. */
	assert_int_equal(query("run=" UUID "&last=100000&kernel=6.12&mode=force&order=newest", &sel,
			       err, sizeof(err)),
			 0);
	assert_string_equal(sel.filter.run_id, UUID);
	assert_int_equal(sel.filter.limit, BLD_RUNS_LIMIT_MAX);
	assert_string_equal(sel.filter.kernel, "6.12");
	assert_string_equal(sel.filter.swiotlb, bl_modes[BL_MODE_FORCE].swiotlb);
	assert_false(sel.filter.oldest_first);
	bl_selector_free(&sel);

	/* Every plain key lands in its field. */
	assert_int_equal(query("device=vgem&importer=udmabuf&backend=udmabuf&workload=import&job=j"
			       "&host=h&status=failed&swiotlb=noforce&iommu=pt"
			       "&since=2026-11-01&until=2026-12-01",
			       &sel, err, sizeof(err)),
			 0);
	assert_string_equal(sel.filter.device, "vgem");
	assert_string_equal(sel.filter.importer, "udmabuf");
	assert_string_equal(sel.filter.backend, "udmabuf");
	assert_string_equal(sel.filter.workload, "import");
	assert_string_equal(sel.filter.job, "j");
	assert_string_equal(sel.filter.host, "h");
	assert_string_equal(sel.filter.status, "failed");
	assert_string_equal(sel.filter.swiotlb, "noforce");
	assert_string_equal(sel.filter.iommu, "pt");
	assert_true(sel.filter.since > 0 && sel.filter.until > sel.filter.since);
	bl_selector_free(&sel);
}

/* mode=NAME for every mode of lib/dmamode.h picks that mode's runs (NULL: any). */
static void test_modes(void **state)
{
	for (size_t i = 0; i < BL_MODE_COUNT; i++) {
		const struct bl_mode_info *m = &bl_modes[i];
		struct bl_selector sel;
		char text[64], err[512] = "";
		const char *sw, *io;

		snprintf(text, sizeof(text), "mode=%s", m->name);
		if (query(text, &sel, err, sizeof(err)) != 0)
			fail_msg("%s: refused: %s", text, err);
		sw = sel.filter.swiotlb;
		io = sel.filter.iommu;
		if (!sw && !io)
			fail_msg("%s: selects every run", text);
		if ((sw && strcmp(sw, m->swiotlb)) || (io && strcmp(io, m->iommu)))
			fail_msg("%s: swiotlb=%s iommu=%s, the mode table says %s/%s", text,
				 sw ? sw : "any", io ? io : "any", m->swiotlb, m->iommu);
		bl_selector_free(&sel);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
