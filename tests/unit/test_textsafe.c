/* Unit tests for lib/textsafe.c: which characters are unsafe to show, and how they are written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "textsafe.h"

static void test_escapes(void **state)
{
	static const struct {
		const char *in, *escaped, *replaced; /* replaced: with "?" */
	} cases[] = {
		/* unsafe: each escaped, or replaced */
		{ "a\rb", "a\\x0db", "a?b" },				    /* CR rewrites the line */
		{ "\x1b[31mred", "\\x1b[31mred", "?[31mred" },		    /* ESC drives the terminal */
		{ "x\x7fy", "x\\x7fy", "x?y" },				    /* DEL */
		{ "\xc2\x9b" "2J", "\\u009b2J", "?2J" },		    /* C1 CSI */
		{ "abc\xe2\x80\xae" "def", "abc\\u202edef", "abc?def" },  /* RLO shows it backwards */
		{ "\xe2\x80\x8f|\xe2\x81\xa6", "\\u200f|\\u2066", "?|?" }, /* RLM, LRI */
		{ "tab\there", "tab\\x09here", "tab?here" },
		/* safe: unchanged */
		{ "défaut → ü 日本語", "défaut → ü 日本語", "défaut → ü 日本語" },
		{ "\xe2\x80\x94 dash", "\xe2\x80\x94 dash", "\xe2\x80\x94 dash" }, /* U+2014, next to the bidi block */
		{ "", "", "" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(bl_text_safe(cases[i].in, out, sizeof(out), NULL), cases[i].escaped))
			fail_msg("case %zu: escaped '%s', want '%s'", i, out, cases[i].escaped);
		if (strcmp(bl_text_safe(cases[i].in, out, sizeof(out), "?"), cases[i].replaced))
			fail_msg("case %zu: replaced '%s', want '%s'", i, out, cases[i].replaced);
	}
	/* too small: truncated, never an escape cut in half */
	assert_string_equal(bl_text_safe("ab\x1b", out, 5, NULL), "ab");
	assert_string_equal(bl_text_safe(NULL, out, sizeof(out), NULL), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
