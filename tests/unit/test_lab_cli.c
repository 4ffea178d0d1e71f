/*
 * Unit tests for cli/cmd_lab.c: `bouncelab lab`'s options turned into a
 * struct lab_config (bad values refused with the value named, the defaults
 * untouched when an option is absent), and --help telling the truth: every
 * option the parser takes and every mode of lib/dmamode.h's table is in it.
 * Negative cases first.
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

#include "cmd_lab.h"
#include "dmamode.h"
#include "lab_config.h"

/* Parses "lab" and the NULL-terminated arguments after @help. */
static int parse(struct lab_config *cfg, bool *help, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "lab";
	va_start(ap, errlen);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return cmd_lab_parse(argc, argv, cfg, help, err, errlen);
}

static void test_rejects(void **state)
{
	static const struct {
		const char *args[4]; /* up to three arguments */
		const char *msg[2];  /* the message must name these (the second may be NULL) */
	} bad[] = {
		{ { "--clock", "fast" }, { "'fast'", "icount or wall" } },	     /* unknown clock */
		{ { "--clock", "" }, { "--clock" } },			     /* no clock */
		{ { "--boots", "0" }, { "--boots '0'", "1 to 20" } },	     /* no boot */
		{ { "--boots", "21" }, { "--boots '21'", "1 to 20" } },	     /* above the range */
		{ { "--boots", "2x" }, { "'2x'" } },			     /* not a number */
		{ { "--kvm", "--clock", "icount" }, { "--kvm", "--clock icount" } }, /* KVM has no icount */
		{ { "--clock", "icount", "--kvm" }, { "--kvm", "--clock icount" } }, /* in either order */
		{ { "--modes", "force,bogus" }, { "bogus" } },	     /* unknown mode */
		{ { "--modes", "force:pool=12Z" }, { "12Z" } },	     /* malformed pool */
		{ { "--modes", "force,,noforce" }, { "empty item" } },  /* empty item */
		{ { "--kernels", "6.x" }, { "6.x" } },		     /* not a series */
		{ { "--kernels", "" }, { "empty item" } },		     /* nothing */
		{ { "--timeout", "0" }, { "--timeout" } },		     /* below the range */
		{ { "--timeout", "10s" }, { "10s" } },		     /* not a number */
		{ { "--mem", "-5" }, { "-5" } },			     /* negative */
		{ { "--mem", "255" }, { "256 to" } },		     /* below the range, range named */
		{ { "--parallel", "0" }, { "--parallel" } },	     /* no boot at a time */
		{ { "--smp", "65" }, { "--smp" } },			     /* above the range */
		{ { "--frobnicate" }, { "--frobnicate" } },		     /* unknown option */
		{ { "--job" }, { "--job" } },			     /* value missing */
		{ { "extra" }, { "extra" } },			     /* stray argument */
		{ { "--kernel-image", "bzImage" }, { "--kernel-image", "--modules" } }, /* an image without its modules */
		{ { "--modules", "/tmp/mods" }, { "--modules", "alone" } },		/* modules without an image */
	};
	struct lab_config cfg;
	bool help;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = parse(&cfg, &help, err, sizeof(err), bad[i].args[0], bad[i].args[1], bad[i].args[2],
				NULL);

		assert_int_equal(ret, -EINVAL);
		if (!strstr(err, bad[i].msg[0]) || (bad[i].msg[1] && !strstr(err, bad[i].msg[1])))
			fail_msg("lab %s %s %s: message '%s' does not name '%s' and '%s'", bad[i].args[0],
				 bad[i].args[1] ? bad[i].args[1] : "", bad[i].args[2] ? bad[i].args[2] : "", err,
				 bad[i].msg[0], bad[i].msg[1] ? bad[i].msg[1] : "");
	}
}

static void test_defaults(void **state)
{
	struct lab_config cfg, dflt;
	bool help = true;
	char err[512];

	assert_int_equal(parse(&cfg, &help, err, sizeof(err), NULL), 0);
	assert_false(help);
	lab_config_init(&dflt);
	/* no option: exactly the configuration's defaults (every mode of the table, and the ballooned ones) */
	assert_memory_equal(&cfg, &dflt, sizeof(cfg));
	size_t want = BL_MODE_COUNT;
	for (size_t i = 0; i < BL_MODE_COUNT; i++)
		want += bl_modes[i].matrix_balloon != NULL;
	assert_int_equal(cfg.nmodes, want);
}

static void test_values(void **state)
{
	struct lab_config cfg;
	bool help;
	char err[512];

	assert_int_equal(parse(&cfg, &help, err, sizeof(err), "--kernels", "6.1,6.12", "--modes",
			       "noforce,force:pool=16M", "--job", "j.ini", "--out", "o", "--timeout", "90",
			       "--mem=6144", "--kvm", "--guest-script", "g.sh", "--parallel", "1", "--smp", "2",
			       NULL),
			 0);
	assert_false(help);
	assert_int_equal(cfg.nkernels, 2);
	assert_string_equal(cfg.kernels[0], "6.1");
	assert_string_equal(cfg.kernels[1], "6.12");
	assert_int_equal(cfg.nmodes, 2);
	assert_int_equal(cfg.modes[0].id, BL_MODE_NOFORCE);
	assert_int_equal(cfg.modes[1].pool_bytes, 16ull << 20);
	assert_string_equal(cfg.job, "j.ini");
	assert_string_equal(cfg.out, "o");
	assert_int_equal(cfg.timeout_s, 90);
	assert_int_equal(cfg.mem_mib, 6144);
	assert_true(cfg.kvm);
	assert_string_equal(cfg.guest_script, "g.sh");
	assert_int_equal(cfg.parallel, 1);
	assert_int_equal(cfg.smp, 2);
	/* --kvm alone: the wall clock and its timeout */
	assert_int_equal(lab_config_clock(&cfg), LAB_CLOCK_WALL);
	assert_int_equal(cfg.boots, 1);
	/* the clock and the number of boots */
	assert_int_equal(parse(&cfg, &help, err, sizeof(err), "--clock", "wall", "--boots", "20", NULL), 0);
	assert_int_equal(cfg.clock, LAB_CLOCK_WALL);
	assert_int_equal(cfg.boots, 20);
	assert_int_equal(lab_config_timeout(&cfg), LAB_DEFAULT_TIMEOUT_WALL_S);
	assert_int_equal(parse(&cfg, &help, err, sizeof(err), "--clock=icount", "--boots", "1", NULL), 0);
	assert_int_equal(cfg.clock, LAB_CLOCK_ICOUNT);
	assert_int_equal(lab_config_timeout(&cfg), LAB_DEFAULT_TIMEOUT_ICOUNT_S);
	/* (the default matrix's Xen modes refuse KVM: bare modes here) */
	assert_int_equal(parse(&cfg, &help, err, sizeof(err), "--kvm", "--clock", "wall", "--modes", "force", NULL), 0);
	assert_int_equal(lab_config_clock(&cfg), LAB_CLOCK_WALL);
	/* no option: icount */
	assert_int_equal(parse(&cfg, &help, err, sizeof(err), NULL), 0);
	assert_int_equal(lab_config_clock(&cfg), LAB_CLOCK_ICOUNT);
	/* parsing twice starts from scratch (getopt state is reset) */
	assert_int_equal(parse(&cfg, &help, err, sizeof(err), "--help", NULL), 0);
	assert_true(help);
	assert_int_equal(cfg.nkernels, 0);
	assert_int_equal(parse(&cfg, &help, err, sizeof(err), "-h", NULL), 0);
	assert_true(help);
}

/* --help, captured. Owned by the caller. */
static char *usage_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cmd_lab_usage(f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_help(void **state)
{
	static const char *const options[] = {
		"--kernels LIST", "--modes LIST", "--job FILE", "--out DIR", "--timeout S", "--mem MB",
		"--kvm", "--guest-script FILE", "--parallel N", "--smp N", "--clock CLOCK", "--boots N",
		"--help",
	};
	char *text = usage_text();
	struct lab_config cfg;
	bool help;
	char err[512], line[64], *p;

	/* every option the parser takes is described, and each one described is taken */
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		char arg[32];

		snprintf(line, sizeof(line), "\n  %s", options[i]);
		if (!strstr(text, line))
			fail_msg("--help does not describe '%s'", options[i]);
		sscanf(options[i], "%31s", arg);
		if (strcmp(arg, "--help") && strcmp(arg, "--kvm")) {
			/* a value option without its value is refused as needing one, not unknown */
			assert_int_equal(parse(&cfg, &help, err, sizeof(err), arg, NULL), -EINVAL);
			assert_non_null(strstr(err, "needs a value"));
		}
	}
	/* every mode of the table, with its description's start */
	for (size_t i = 0; i < BL_MODE_COUNT; i++) {
		snprintf(line, sizeof(line), "\n  %-12s  %.20s", bl_modes[i].name, bl_modes[i].description);
		if (!strstr(text, line))
			fail_msg("--help does not list mode '%s' as '%s'", bl_modes[i].name, line + 1);
	}
	/* the defaults it prints are the ones the configuration uses */
	snprintf(line, sizeof(line), "(default: %d on the icount clock", LAB_DEFAULT_TIMEOUT_ICOUNT_S);
	assert_non_null(strstr(text, line));
	snprintf(line, sizeof(line), "%d on the wall clock)", LAB_DEFAULT_TIMEOUT_WALL_S);
	assert_non_null(strstr(text, line));
	/* what each clock passes to QEMU */
	assert_non_null(strstr(text, "-icount shift=0,sleep=off"));
	assert_non_null(strstr(text, "tcg,thread=multi"));
	assert_non_null(strstr(text, LAB_DEFAULT_JOB));
	/* no line is wider than a terminal */
	for (p = text; *p;) {
		size_t n = strcspn(p, "\n");

		if (n >= 80)
			fail_msg("--help line wider than 79 columns: '%.*s'", (int)n, p);
		p += n + (p[n] == '\n');
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
