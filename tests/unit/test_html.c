/*
 * Tests for the dashboard's pages (analysis/html_*.c): refusals first (a
 * bad or unknown run id), then escaping, table-driven (every string on a
 * page comes from a client's document), then the index and a run's page
 * on the fixture store: the headline table's rows and numbers, links of
 * both kinds, and the stored document on the run's page.
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

#include "fixture_store.h"
#include "html.h"
#include "html_int.h"

#define FX_IMPORT_FORCE "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01"

/* Runs @fn's page into a string (caller frees); *@ret gets its return value. */
static char *page(struct bl_store *s, const char *uuid, enum an_html_links links, int *ret)
{
	struct an_html_opts o = { .links = links };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*ret = uuid ? an_html_run(f, s, uuid, &o) : an_html_index(f, s, &o);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_run_refusals(void **state)
{
	struct fx_store *fx = *state;
	static const struct {
		const char *id;
		int ret;
	} cases[] = {
		{ "not-a-uuid", -EINVAL },			      /* not 8-4-4-4-12 */
		{ "<script>", -EINVAL },			      /* markup is not an id */
		{ "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b0", -EINVAL },   /* one digit short */
		{ "00000000-0000-4000-8000-000000000000", -ENOENT },  /* valid, not stored */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;
		char *out = page(fx->s, cases[i].id, AN_HTML_SERVED, &ret);

		assert_int_equal(ret, cases[i].ret);
		assert_true(!out || !*out); /* nothing half-written */
		free(out);
	}
}

static void test_escape(void **state)
{
	static const struct {
		const char *in;
		bool pre;
		const char *out;
	} cases[] = {
		{ NULL, false, "" },						/* nothing */
		{ "<a href='x'>&\"", false, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;" }, /* markup */
		{ "&amp;", false, "&amp;amp;" },				/* an entity stays text */
		{ "bell\a del\x7f esc\x1b", false, "bell\\x07 del\\x7f esc\\x1b" }, /* controls */
		{ "a\nb\tc", false, "a b c" },					/* a cell: one line */
		{ "a\nb\tc", true, "a\nb\tc" },					/* <pre> keeps them */
		{ "6.12 \xc3\xa9", false, "6.12 \xc3\xa9" },			/* UTF-8 passes */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		html_text(f, cases[i].in, cases[i].pre);
		fclose(f);
		assert_string_equal(buf, cases[i].out);
		free(buf);
	}
}

static void test_index(void **state)
{
	struct fx_store *fx = *state;
	int ret;
	char *served = page(fx->s, NULL, AN_HTML_SERVED, &ret);
	char *files;

	assert_int_equal(ret, 0);
	assert_non_null(strstr(served, "<table id=\"headline\">"));
	/* (kernel, mode): 6.1 force, 6.12.117 force, 6.12.57 force, noforce, iommu (the
	 * i915 run and the skipped laptop run share it) */
	assert_int_equal(count(served, "<tr class=\"headline-row\">"), 5);
	/* the heap import refused at 1M under force and not under noforce: one row of the
	 * mode's own, none shared with noforce, with the error and the kernel's line */
	assert_non_null(strstr(served, "<td class=\"n refused\">1</td><td class=\"n\">0</td>"
					"<td class=\"klog\">[heap-import] import 1M: Input/output "
					"error: platform vgem: swiotlb buffer is full (sz: 1048576 "
					"bytes)"));
	/* udmabuf import at 1M under force: 256 bounces (one per 4K page), 1 MiB, per op */
	assert_non_null(strstr(served, "<td class=\"n\">256</td><td class=\"n\">1</td>"));
	assert_non_null(strstr(served, "<td class=\"n\">baseline</td>"));
	assert_non_null(strstr(served, "href=\"/runs/" FX_IMPORT_FORCE "\""));
	assert_null(strstr(served, "<script"));

	files = page(fx->s, NULL, AN_HTML_FILES, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(files, "href=\"runs/" FX_IMPORT_FORCE ".html\""));
	assert_non_null(strstr(files, "href=\"index.html\""));
	assert_null(strstr(files, "href=\"/"));
	free(files);
	free(served);
}

static void test_run_page(void **state)
{
	struct fx_store *fx = *state;
	int ret;
	char *out = page(fx->s, FX_IMPORT_FORCE, AN_HTML_FILES, &ret);

	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "<h2 id=\"document\">Stored document</h2>"));
	assert_non_null(strstr(out, "&quot;run_id&quot;: &quot;" FX_IMPORT_FORCE "&quot;"));
	assert_non_null(strstr(out, "href=\"../index.html\""));
	assert_int_equal(count(out, "<tr><td>import</td>"), 3); /* 4K, 64K, 1M */
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_refusals, fx_store_setup, fx_store_teardown),
		cmocka_unit_test(test_escape),
		cmocka_unit_test_setup_teardown(test_index, fx_store_setup, fx_store_teardown),
		cmocka_unit_test_setup_teardown(test_run_page, fx_store_setup, fx_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
