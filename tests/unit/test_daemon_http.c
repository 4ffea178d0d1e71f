/* Unit tests for bld_path_safe() (daemon/daemon_http.c): which decoded request paths may be routed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "daemon_http.h"

static void test_paths(void **state)
{
	static const struct {
		const char *path; /* decoded */
		size_t len;	  /* 0: strlen */
		int safe;
	} cases[] = {
		{ "", 0, 0 },			   /* empty */
		{ "api/v1/runs", 0, 0 },	   /* relative */
		{ "/..", 0, 0 },		   /* parent at the end */
		{ "/api/../etc/passwd", 0, 0 },	   /* parent in the middle */
		{ "/api/v1/runs/..", 0, 0 },	   /* parent last */
		{ "/./api", 0, 0 },		   /* current-folder segment */
		{ "/api\\..\\x", 0, 0 },	   /* backslash */
		{ "/api\0/..", 8, 0 },		   /* NUL from %00 */
		{ "/", 0, 1 },			   /* root */
		{ "/healthz", 0, 1 },
		{ "/api/v1/runs/", 0, 1 },
		{ "/api/v1/runs/3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01", 0, 1 },
		{ "/a..b/...", 0, 1 },		   /* dots inside names are names */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].path);

		if (bld_path_safe(cases[i].path, len) != cases[i].safe)
			fail_msg("path %zu '%s': expected %s", i, cases[i].path, cases[i].safe ? "safe" : "refused");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
