/* Unit tests for daemon/daemon_config.c: values, schedules, and refusals naming the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon_config.h"

static char path[64];

static void write_ini(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/test_daemon_config.%d.ini", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Loads @text; returns the load+check result and leaves the message in @err. */
static int load(const char *text, struct bld_config *c, char *err, size_t errlen)
{
	int ret;

	write_ini(text);
	assert_int_equal(bld_config_defaults(c), 0);
	ret = bld_config_load(c, path, err, errlen);
	if (ret == 0)
		ret = bld_config_check(c, err, errlen);
	unlink(path);
	return ret;
}

static void test_refusals(void **state)
{
	static const struct {
		const char *ini;  /* the file */
		const char *says; /* what the error must name */
	} bad[] = {
		{ "[daemon]\nmax_body = lots\n", "max_body" },			    /* not a size */
		{ "[daemon]\ntimeout = 5 parsecs\n", "timeout" },		    /* unknown unit */
		{ "[daemon]\ncolour = red\n", "colour" },			    /* unknown key */
		{ "[daemon]\nmax_connections = -1\n", "max_connections" },	    /* not positive */
		{ "[daemon]\nsocket_mode = 0999\n", "socket_mode" },		    /* not octal */
		{ "[monitor]\nenabled = maybe\n", "enabled" },			    /* not a bool */
		{ "[schedule a]\nevery = 10s\nat = 02:00\njob = j.ini\n", "exactly one" }, /* both */
		{ "[schedule a]\njob = j.ini\n", "exactly one" },		    /* neither */
		{ "[schedule a]\nat = 25:00\njob = j.ini\n", "at" },		    /* bad time */
		{ "[schedule a]\nevery = 10s\n", "job" },			    /* nothing to run */
		{ "[schedule a b]\nevery = 10s\njob = x\n", "schedule names" },    /* blank in name */
		{ "[daemon]\nlisten = 127.0.0.1:8080\n", "token" },		    /* TCP without token */
		{ "[daemon\n", "syntax" },					    /* broken INI */
		{ "[schedule a]\nevery = 1s\njob = j\nbaseline = mode=forc\n", "baseline" }, /* bad selector */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bld_config c;
		char err[512] = "";

		if (load(bad[i].ini, &c, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i].ini);
		if (!strstr(err, bad[i].says))
			fail_msg("error for '%s' does not name '%s': %s", bad[i].ini, bad[i].says, err);
		bld_config_free(&c);
	}
}

static void test_values(void **state)
{
	struct bld_config c;
	char err[512] = "";

	assert_int_equal(load("[daemon]\nmax_body = 2M\ntimeout = 1500ms\nmax_connections = 7\nsocket_mode = 0600\n"
			      "[monitor]\ninterval = 2m\nenabled = no\n"
			      "[schedule nightly]\nat = 02:30\njob = configs/jobs/x.ini\ntimeout = 1h\n"
			      "[schedule quick]\nevery = 90s\ncommand = /bin/echo  a {job}\tb\njob = j\n",
			      &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.max_body, 2 << 20);
	assert_int_equal(c.timeout_ms, 1500);
	assert_int_equal(c.max_connections, 7);
	assert_int_equal(c.socket_mode, 0600);
	assert_int_equal(c.monitor_interval_ms, 120000);
	assert_false(c.monitor);
	assert_int_equal(c.n_schedules, 2);
	assert_string_equal(c.schedules[0].name, "nightly");
	assert_int_equal(c.schedules[0].when, BLD_WHEN_AT);
	assert_int_equal(c.schedules[0].at_minute, 150);
	assert_int_equal(c.schedules[0].timeout_ms, 3600000);
	assert_string_equal(c.schedules[1].name, "quick");
	assert_int_equal(c.schedules[1].every_s, 90);
	assert_string_equal(c.schedules[1].argv[0], "/bin/echo");
	assert_string_equal(c.schedules[1].argv[1], "a");
	assert_string_equal(c.schedules[1].argv[2], "{job}");
	assert_string_equal(c.schedules[1].argv[3], "b");
	assert_null(c.schedules[1].argv[4]);
	bld_config_free(&c);
}

static void test_parsers(void **state)
{
	int64_t ms;
	size_t sz;
	int min;

	assert_int_equal(bld_parse_duration_ms("10", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(bld_parse_duration_ms("1d", &ms), 0);
	assert_int_equal(ms, 86400000);
	assert_int_equal(bld_parse_duration_ms("-1s", &ms), -EINVAL);
	assert_int_equal(bld_parse_duration_ms("", &ms), -EINVAL);
	assert_int_equal(bld_parse_size("64K", &sz), 0);
	assert_int_equal(sz, 65536);
	assert_int_equal(bld_parse_size("1GiB", &sz), 0);
	assert_int_equal(bld_parse_size("1X", &sz), -EINVAL);
	assert_int_equal(bld_parse_size("99999999999999999999G", &sz), -EINVAL);
	assert_int_equal(bld_parse_time_of_day("23:59", &min), 0);
	assert_int_equal(min, 23 * 60 + 59);
	assert_int_equal(bld_parse_time_of_day("24:00", &min), -EINVAL);
	assert_int_equal(bld_parse_time_of_day("2:00x", &min), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
