/*
 * Unit tests for daemon/daemon_http.c: which decoded request paths may be
 * routed (bld_path_safe) and where the route table sends them
 * (bld_route_find).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "daemon_api.h"
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

static void test_routes(void **state)
{
	static const struct {
		const char *path;      /* decoded, already safe */
		unsigned method;       /* BLD_GET or BLD_POST */
		bld_route_fn *fn;      /* NULL: no route */
		unsigned allowed;      /* the methods of the rows the path matched */
		const char *arg;       /* the variable segment, or NULL */
	} cases[] = {
		{ "/nope", BLD_GET, NULL, 0, NULL },			     /* no such path: 404 */
		{ "/healthz/", BLD_GET, NULL, 0, NULL },		     /* exact paths take no slash */
		{ "/api/v1/runsx", BLD_GET, NULL, 0, NULL },		     /* a prefix is not the path */
		{ "/api/v1/runs/a/b", BLD_GET, NULL, 0, NULL },		     /* one segment, not two */
		{ "/api/v1/runs//", BLD_GET, NULL, 0, NULL },		     /* an empty segment */
		{ "/metrics", BLD_POST, NULL, BLD_GET, NULL },		     /* 405, Allow: GET, HEAD */
		{ "/api/v1/runs/abc", BLD_POST, NULL, BLD_GET, NULL },	     /* a document is read-only */
		{ "/api/v1/monitor", BLD_POST, NULL, BLD_GET, NULL },
		{ "/api/v1/runs", BLD_GET, bld_api_list_runs, BLD_GET | BLD_POST, NULL },
		{ "/api/v1/runs/", BLD_GET, bld_api_list_runs, BLD_GET | BLD_POST, NULL },
		{ "/api/v1/runs", BLD_POST, bld_api_post_run, BLD_GET | BLD_POST, NULL },
		{ "/api/v1/runs/", BLD_POST, bld_api_post_run, BLD_GET | BLD_POST, NULL },
		{ "/api/v1/runs/abc", BLD_GET, bld_api_get_run, BLD_GET, "abc" }, /* the handler checks the UUID */
		{ "/api/v1/monitor", BLD_GET, bld_api_monitor, BLD_GET, NULL },
		{ "/metrics", BLD_GET, bld_api_metrics, BLD_GET, NULL },
		{ "/healthz", BLD_GET, bld_api_healthz, BLD_GET, NULL },
		/* the dashboard: read-only pages */
		{ "/", BLD_POST, NULL, BLD_GET, NULL },				     /* 405 */
		{ "/runs", BLD_GET, NULL, 0, NULL },				     /* no list page */
		{ "/runs/a/b", BLD_GET, NULL, 0, NULL },			     /* one segment */
		{ "/nights/1", BLD_GET, bld_dash_night, BLD_GET, "1" },	     /* a night's page (issue 16) */
		{ "/nights", BLD_GET, NULL, 0, NULL },				     /* no list page */
		{ "/api/v1/nights/latest", BLD_GET, bld_api_get_night, BLD_GET, "latest" },
		{ "/api/v1/nights/2", BLD_POST, NULL, BLD_GET, NULL },	     /* read-only: 405 */
		{ "/", BLD_GET, bld_dash_index, BLD_GET, NULL },
		{ "/runs/abc", BLD_GET, bld_dash_run, BLD_GET, "abc" },	     /* the page checks the UUID */
		{ "/figures/x.svg", BLD_GET, bld_dash_figure, BLD_GET, "x.svg" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *arg = "unset";
		unsigned allowed = 99;
		const struct bld_route *rt = bld_route_find(cases[i].path, cases[i].method, &arg, &allowed);

		if ((rt ? rt->fn : NULL) != cases[i].fn)
			fail_msg("route %zu '%s': wrong handler (or none)", i, cases[i].path);
		if (allowed != cases[i].allowed)
			fail_msg("route %zu '%s': allowed %#x, expected %#x", i, cases[i].path, allowed,
				 cases[i].allowed);
		if (cases[i].arg ? !arg || strcmp(arg, cases[i].arg) : arg != NULL)
			fail_msg("route %zu '%s': arg '%s'", i, cases[i].path, arg ? arg : "(null)");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
