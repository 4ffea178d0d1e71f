/* Unit tests for daemon/daemon_config.c: values, schedules, and refusals naming the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon_campaign.h"
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
		/* a line inih would cut (it reads 199 characters): named, not "syntax error" on the next */
		{ "[schedule a]\nevery = 1h\njob = /a/very/long/path/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.ini\n",
		  ":3: line longer than 199 characters" },
		{ "[daemon\n", "syntax" },					    /* broken INI */
		{ "[schedule a]\nevery = 1s\njob = j\nbaseline = mode=forc\n", "baseline" }, /* bad selector */
		/* Sizes and durations are lib/units.h's since the daemon's own parsers went: */
		{ "[daemon]\nmax_body = 4KBB\n", "max_body" },		    /* one B only (was accepted) */
		{ "[daemon]\nmax_body = 4P\n", "max_body" },		    /* no peta */
		{ "[daemon]\nmax_body = 99999999999999999999G\n", "max_body" },  /* overflow (-ERANGE now) */
		{ "[daemon]\ntimeout = 1e3\n", "timeout" },		    /* no exponent (was 1000 s) */
		{ "[daemon]\ntimeout = 0x10s\n", "timeout" },		    /* no hex (was 16 s) */
		{ "[daemon]\ntimeout = -1s\n", "timeout" },			    /* no sign */
		{ "[daemon]\ntimeout = nan\n", "timeout" },			    /* not a number (was undefined) */
		{ "[daemon]\ntimeout = 600000d\n", "timeout" },		    /* past 2^64 ns (was accepted) */
		{ "[monitor]\ninterval = 99ms\n", "at least 100ms" },	    /* the daemon's own limit */
		{ "[monitor]\ninterval = 99.4ms\n", "at least 100ms" },	    /* rounds down to 99 ms */
		/* lab = and on = (issue 14): each error names the key and the value */
#define LAB_OK "job=configs/jobs/smoke.ini"
		{ "[schedule a]\nevery = 1h\nlab = kernels=6.12, colour=red, " LAB_OK "\n", "'colour': unknown key" },
		{ "[schedule a]\nevery = 1h\nlab = kernels=, " LAB_OK "\n", "kernels is empty" },	/* empty list */
		{ "[schedule a]\nevery = 1h\nlab = modes=force,, " LAB_OK "\n", "modes 'force,'" }, /* empty entry */
		{ "[schedule a]\nevery = 1h\nlab = boots=0, " LAB_OK "\n", "boots '0'" },		/* out of range */
		{ "[schedule a]\nevery = 1h\nlab = boots=21, " LAB_OK "\n", "boots '21'" },		/* above LAB_BOOTS_MAX */
		{ "[schedule a]\nevery = 1h\nlab = boots=two, " LAB_OK "\n", "boots 'two'" },	/* not a number */
		{ "[schedule a]\nevery = 1h\nlab = job=/nonexistent/j.ini\n", "job '/nonexistent/j.ini'" }, /* missing */
		{ "[schedule a]\nevery = 1h\nlab = kernels=6.12\n", "no job=" },			/* no job at all */
		{ "[schedule a]\nevery = 1h\nlab = kernels=six, " LAB_OK "\n", "kernels 'six'" },	/* the lab's parser */
		{ "[schedule a]\nevery = 1h\nlab = modes=forse, " LAB_OK "\n", "modes 'forse'" },	/* unknown mode */
		{ "[schedule a]\nevery = 1h\nlab = clock=sundial, " LAB_OK "\n", "clock 'sundial'" },
		{ "[schedule a]\nevery = 1h\nlab = timeout=0s, " LAB_OK "\n", "timeout '0s'" },
		{ "[schedule a]\nevery = 1h\nlab = " LAB_OK ", boots=1, boots=2\n", "boots given twice" },
		{ "[schedule a]\nevery = 1h\nlab = 6.12, " LAB_OK "\n", "expected key=value" },
		{ "[schedule a]\nevery = 1h\ncommand = true\nlab = " LAB_OK "\n", "exclude each other" },
		{ "[schedule a]\nevery = 1h\njob = j.ini\nlab = " LAB_OK "\n", "give the job file once" },
		{ "[schedule a]\non = new-kernel 6.12\nevery = 1h\nlab = " LAB_OK "\n", "exactly one" },
		{ "[schedule a]\non = new-kernel 6.12\njob = j.ini\n", "only a lab schedule" },
		{ "[schedule a]\non = new-kernel 6.12.111\nlab = " LAB_OK "\n", "not a series" },	/* exact, not series */
		{ "[schedule a]\non = new-kernel\nlab = " LAB_OK "\n", "on = 'new-kernel'" },	/* no series */
		{ "[schedule a]\non = old-kernel 6.12\nlab = " LAB_OK "\n", "on = 'old-kernel 6.12'" },
		{ "[schedule a]\non = new-kernel 6.12\npoll = 10s\nlab = " LAB_OK "\n", "poll: at least 1m" },
		{ "[schedule a]\nevery = 1h\npoll = 10m\nlab = " LAB_OK "\n", "poll: only with on" }, /* would do nothing */
#undef LAB_OK
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

/* Not a config file: a device (it never ends), or one others may change. */
static void test_file_refusals(void **state)
{
	struct bld_config c;
	char err[512];

	assert_int_equal(bld_config_defaults(&c), 0);
	assert_int_equal(bld_config_load(&c, "/dev/zero", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	for (int i = 0; i < 2; i++) {
		write_ini("[daemon]\nmax_body = 1M\n");
		assert_int_equal(chmod(path, i ? 0646 : 0664), 0);
		assert_int_equal(bld_config_load(&c, path, err, sizeof(err)), -EPERM);
		if (!strstr(err, i ? "mode 0646" : "mode 0664") || !strstr(err, "chmod go-w"))
			fail_msg("mode %s: '%s'", i ? "0646" : "0664", err);
		assert_int_equal(chmod(path, 0644), 0); /* readable is fine: it holds no secret */
		assert_int_equal(bld_config_load(&c, path, err, sizeof(err)), 0);
		unlink(path);
	}
	bld_config_free(&c);
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

/* Sizes and durations read through lib/units.h, kept as the daemon stores them. */
/* A lab schedule's values (issue 14): lists keep their commas, options their values. */
static void test_lab_values(void **state)
{
	struct bld_config c;
	char err[512] = "";

	if (load("[schedule camp]\non = new-kernel 6.12\npoll = 2h\n"
		 "lab = kernels=6.1,6.12, modes=force,xen-pv:balloon=1536M, boots=3, job=configs/jobs/smoke.ini, "
		 "clock=wall, timeout=10m\n",
		 &c, err, sizeof(err)))
		fail_msg("refused: %s", err);
	assert_int_equal(c.n_schedules, 1);
	assert_int_equal(c.schedules[0].when, BLD_WHEN_NEW_KERNEL);
	assert_string_equal(c.schedules[0].new_kernel, "6.12");
	assert_int_equal(c.schedules[0].poll_ms, 2 * 3600 * 1000);
	assert_non_null(c.schedules[0].lab);
	assert_string_equal(c.schedules[0].lab->kernels, "6.1,6.12");
	assert_string_equal(c.schedules[0].lab->modes, "force,xen-pv:balloon=1536M");
	assert_int_equal(c.schedules[0].lab->boots, 3);
	assert_string_equal(c.schedules[0].lab->job, "configs/jobs/smoke.ini");
	assert_string_equal(c.schedules[0].lab->clock, "wall");
	assert_int_equal(c.schedules[0].lab->boot_timeout_s, 600);
	bld_config_free(&c);
}

static void test_units(void **state)
{
	static const struct {
		const char *ini;      /* the file */
		size_t max_body;      /* expected [daemon] max_body */
		int64_t timeout_ms;   /* expected [daemon] timeout */
	} cases[] = {
		{ "[daemon]\nmax_body = 64K\ntimeout = 10\n", 65536, 10000 },	/* a bare number is seconds */
		{ "[daemon]\nmax_body = 1GiB\ntimeout = 1d\n", 1 << 30, 86400000 }, /* binary suffixes, days */
		{ "[daemon]\nmax_body = 4kib\ntimeout = 1.5s\n", 4096, 1500 },	/* any case; a fraction */
		{ "[daemon]\nmax_body = 16M\ntimeout = 100.5ms\n", 16 << 20, 101 }, /* half a ms rounds up */
		{ "[daemon]\nmax_body = 4096\ntimeout = 100.4999ms\n", 4096, 100 }, /* under half rounds down */
		/* new with lib/units.h: */
		{ "[daemon]\nmax_body = 4096B\ntimeout = 2min\n", 4096, 120000 },	/* bytes with B; "min" */
		{ "[daemon]\nmax_body = 1T\ntimeout = 100000us\n", 1ull << 40, 100 }, /* tebibytes; us */
		{ "[daemon]\nmax_body = 1K\ntimeout = 100000000ns\n", 1024, 100 },	/* ns */
		{ "[daemon]\nmax_body = 1K\ntimeout = 500d\n", 1024, 500 * 86400000LL }, /* far, still in range */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bld_config c;
		char err[512] = "";

		if (load(cases[i].ini, &c, err, sizeof(err)) < 0)
			fail_msg("refused: %s: %s", cases[i].ini, err);
		if (c.max_body != cases[i].max_body || c.timeout_ms != cases[i].timeout_ms)
			fail_msg("'%s': max_body %zu timeout %" PRId64 " ms", cases[i].ini, c.max_body, c.timeout_ms);
		bld_config_free(&c);
	}
}

static void test_every_seconds(void **state)
{
	struct bld_config c;
	char err[512] = "";

	/* every is kept in whole seconds (rounded to the ms first, then truncated) */
	assert_int_equal(load("[schedule a]\nevery = 1999.6ms\njob = j\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.schedules[0].every_s, 2);
	bld_config_free(&c);
	assert_int_equal(load("[schedule a]\nevery = 1999.4ms\njob = j\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.schedules[0].every_s, 1);
	bld_config_free(&c);
}

static void test_time_of_day(void **state)
{
	int min;

	assert_int_equal(bld_parse_time_of_day("23:59", &min), 0);
	assert_int_equal(min, 23 * 60 + 59);
	assert_int_equal(bld_parse_time_of_day("24:00", &min), -EINVAL);
	assert_int_equal(bld_parse_time_of_day("2:00x", &min), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_file_refusals),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_lab_values),
		cmocka_unit_test(test_every_seconds),
		cmocka_unit_test(test_time_of_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
