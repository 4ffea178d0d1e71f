/*
 * Unit tests for testbed/lab_spec.c and testbed/lab_opts.c: mode specs and
 * pool sizes, --kernels/--modes lists and the other options of
 * `bouncelab lab`, and what each mode turns into (kernel command line, QEMU
 * arguments). Negative cases first; each table row says what it checks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lab_opts.h"
#include "lab_spec.h"

/* --- sizes and mode specs ------------------------------------------------ */

static void test_size_rejects(void **state)
{
	static const char *const bad[] = {
		"",	  /* empty */
		"M",	  /* no digits */
		"-16M",	  /* negative */
		"16X",	  /* unknown unit */
		"16MB2",  /* junk after the unit */
		"1.5G",	  /* no fractions */
		"16 M",	  /* no spaces */
		"99999999999999999999", /* overflows 64 bits */
		"17179869184G", /* overflows after the multiplier */
	};
	uint64_t b = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(lab_size_parse(bad[i], &b), -EINVAL);
		assert_int_equal(b, 42); /* untouched on error */
	}
}

static void test_size_accepts(void **state)
{
	static const struct {
		const char *in;
		uint64_t bytes;
	} ok[] = {
		{ "4096", 4096 },		 /* bare bytes */
		{ "16M", 16ull << 20 },		 /* binary megabytes */
		{ "16m", 16ull << 20 },		 /* case-insensitive */
		{ "1G", 1ull << 30 },
		{ "512K", 512ull << 10 },
		{ "64MiB", 64ull << 20 },	 /* IEC spelling */
		{ "2GB", 2ull << 30 },
	};
	uint64_t b;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(lab_size_parse(ok[i].in, &b), 0);
		assert_int_equal(b, ok[i].bytes);
	}
}

static void test_mode_rejects(void **state)
{
	static const struct {
		const char *spec;
		const char *msg_has; /* the message must name this */
	} bad[] = {
		{ "", "unknown mode" },			   /* empty */
		{ "forced", "forced" },			   /* unknown mode named */
		{ "Force", "Force" },			   /* names are lower-case */
		{ "force:pool=", "malformed pool size" },  /* empty size */
		{ "force:pool=16Q", "16Q" },		   /* bad unit, named */
		{ "force:pool=0", "malformed pool size" }, /* zero pool */
		{ "force:pool=100K", "256K" },		   /* not whole segments */
		{ "force:size=16M", "size=16M" },	   /* unknown option named */
		{ "noforce:pool=16M", "noforce" },	   /* noforce has no pool */
		{ "iommu-pt:", "unknown option" },	   /* dangling colon */
	};
	struct lab_mode m;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(lab_mode_parse(bad[i].spec, &m, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg_has))
			fail_msg("spec '%s': message '%s' does not name '%s'", bad[i].spec, err, bad[i].msg_has);
	}
}

static void test_mode_cmdlines(void **state)
{
	static const struct {
		const char *spec;
		enum lab_dma dma;
		const char *canon, *slug, *cmdline_tail, *swiotlb, *iommu;
	} ok[] = {
		/* no option at all */
		{ "default", LAB_DMA_DEFAULT, "default", "default", "panic=-1", "default", "off" },
		{ "force", LAB_DMA_FORCE, "force", "force", " swiotlb=force", "force", "off" },
		{ "noforce", LAB_DMA_NOFORCE, "noforce", "noforce", " swiotlb=noforce", "noforce", "off" },
		{ "iommu", LAB_DMA_IOMMU, "iommu", "iommu", " intel_iommu=on", "default", "on" },
		{ "iommu-pt", LAB_DMA_IOMMU_PT, "iommu-pt", "iommu-pt", " intel_iommu=on iommu=pt", "default", "pt" },
		/* 16 MiB / 2 KiB = 8192 slots, the count before ",force" */
		{ "force:pool=16M", LAB_DMA_FORCE, "force:pool=16M", "force-pool16M", " swiotlb=8192,force", "force",
		  "off" },
		/* 1 GiB = 524288 slots; canonical spelling of 1024M is 1G */
		{ "default:pool=1024M", LAB_DMA_DEFAULT, "default:pool=1G", "default-pool1G", " swiotlb=524288",
		  "default", "off" },
		/* a pool with the IOMMU: both options */
		{ "iommu:pool=512K", LAB_DMA_IOMMU, "iommu:pool=512K", "iommu-pool512K",
		  " swiotlb=256 intel_iommu=on", "default", "on" },
	};
	struct lab_mode m;
	char err[256], cmd[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(lab_mode_parse(ok[i].spec, &m, err, sizeof(err)), 0);
		assert_int_equal(m.dma, ok[i].dma);
		assert_string_equal(m.spec, ok[i].canon);
		assert_string_equal(m.slug, ok[i].slug);
		assert_int_equal(lab_mode_cmdline(&m, cmd, sizeof(cmd)), 0);
		assert_true(!strncmp(cmd, "console=ttyS0 ", 14));
		size_t n = strlen(cmd), t = strlen(ok[i].cmdline_tail);
		if (n < t || strcmp(cmd + n - t, ok[i].cmdline_tail))
			fail_msg("spec '%s': cmdline '%s' does not end in '%s'", ok[i].spec, cmd, ok[i].cmdline_tail);
		/* only the modes that ask for swiotlb= get one */
		if (ok[i].dma == LAB_DMA_DEFAULT && !m.pool_bytes)
			assert_null(strstr(cmd, "swiotlb"));
		if (ok[i].dma != LAB_DMA_IOMMU && ok[i].dma != LAB_DMA_IOMMU_PT)
			assert_null(strstr(cmd, "iommu"));
		assert_string_equal(lab_mode_swiotlb_name(&m), ok[i].swiotlb);
		assert_string_equal(lab_mode_iommu_name(&m), ok[i].iommu);
	}
	/* a buffer too small is an error, not a cut command line */
	assert_int_equal(lab_mode_parse("force", &m, err, sizeof(err)), 0);
	assert_int_equal(lab_mode_cmdline(&m, cmd, 10), -ENOSPC);
}

/* --- options ------------------------------------------------------------- */

static int parse(struct lab_opts *o, char *err, size_t errlen, ...)
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
	return lab_opts_parse(argc, argv, o, err, errlen);
}

static void test_opts_rejects(void **state)
{
	struct lab_opts o;
	char err[512];

	/* each: the bad value must appear in the message */
	assert_int_equal(parse(&o, err, sizeof(err), "--modes", "force,bogus", NULL), -EINVAL);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(parse(&o, err, sizeof(err), "--modes", "force:pool=12Z", NULL), -EINVAL);
	assert_non_null(strstr(err, "12Z"));
	assert_int_equal(parse(&o, err, sizeof(err), "--modes", "force,,noforce", NULL), -EINVAL);
	assert_non_null(strstr(err, "empty item"));
	assert_int_equal(parse(&o, err, sizeof(err), "--modes", "force,force", NULL), -EINVAL);
	assert_non_null(strstr(err, "twice"));
	/* the same pool spelled twice is the same boot */
	assert_int_equal(parse(&o, err, sizeof(err), "--modes", "force:pool=16M,force:pool=16384K", NULL), -EINVAL);
	assert_non_null(strstr(err, "same mode"));
	assert_int_equal(parse(&o, err, sizeof(err), "--kernels", "6.x", NULL), -EINVAL);
	assert_non_null(strstr(err, "6.x"));
	assert_int_equal(parse(&o, err, sizeof(err), "--kernels", "6..1", NULL), -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), "--kernels", "6.1.", NULL), -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), "--kernels", "", NULL), -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), "--timeout", "0", NULL), -EINVAL);
	assert_non_null(strstr(err, "--timeout"));
	assert_int_equal(parse(&o, err, sizeof(err), "--timeout", "10s", NULL), -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), "--mem", "-5", NULL), -EINVAL);
	assert_non_null(strstr(err, "-5"));
	assert_int_equal(parse(&o, err, sizeof(err), "--parallel", "0", NULL), -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), "--frobnicate", NULL), -EINVAL);
	assert_non_null(strstr(err, "--frobnicate"));
	assert_int_equal(parse(&o, err, sizeof(err), "--job", NULL), -EINVAL);
	assert_non_null(strstr(err, "--job"));
	assert_int_equal(parse(&o, err, sizeof(err), "extra", NULL), -EINVAL);
	assert_non_null(strstr(err, "extra"));
}

static void test_opts_defaults(void **state)
{
	struct lab_opts o;
	char err[512];

	assert_int_equal(parse(&o, err, sizeof(err), NULL), 0);
	assert_int_equal(o.nkernels, 0); /* the runner reads configs/kernels */
	assert_int_equal(o.nmodes, 5);
	assert_string_equal(o.modes[0].spec, "default");
	assert_string_equal(o.modes[4].spec, "iommu-pt");
	assert_int_equal(o.timeout_s, LAB_DEFAULT_TIMEOUT_S);
	assert_int_equal(o.mem_mib, LAB_DEFAULT_MEM_MIB);
	assert_int_equal(o.parallel, LAB_DEFAULT_PARALLEL);
	assert_false(o.kvm);
	assert_null(o.job);
	assert_null(o.guest_script);
	assert_false(o.help);
}

static void test_opts_values(void **state)
{
	struct lab_opts o;
	char err[512];

	assert_int_equal(parse(&o, err, sizeof(err), "--kernels", "6.1,6.12", "--modes", "noforce,force:pool=16M",
			       "--job", "j.ini", "--out", "o", "--timeout", "90", "--mem=6144", "--kvm",
			       "--guest-script", "g.sh", "--parallel", "1", "--smp", "2", NULL),
			 0);
	assert_int_equal(o.nkernels, 2);
	assert_string_equal(o.kernels[0], "6.1");
	assert_string_equal(o.kernels[1], "6.12");
	assert_int_equal(o.nmodes, 2);
	assert_int_equal(o.modes[0].dma, LAB_DMA_NOFORCE);
	assert_int_equal(o.modes[1].pool_bytes, 16ull << 20);
	assert_string_equal(o.job, "j.ini");
	assert_string_equal(o.out, "o");
	assert_int_equal(o.timeout_s, 90);
	assert_int_equal(o.mem_mib, 6144);
	assert_true(o.kvm);
	assert_string_equal(o.guest_script, "g.sh");
	assert_int_equal(o.parallel, 1);
	assert_int_equal(o.smp, 2);
	/* parsing twice starts from scratch (getopt state is reset) */
	assert_int_equal(parse(&o, err, sizeof(err), "--help", NULL), 0);
	assert_true(o.help);
	assert_int_equal(o.nkernels, 0);
}

/* --- QEMU arguments ---------------------------------------------------------- */

/* Index of @s in argv, or -1. */
static int find_arg(const struct lab_argv *a, const char *s)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], s))
			return (int)i;
	return -1;
}

static void build(const char *spec, bool kvm, struct lab_argv *a)
{
	static struct lab_mode m;
	char err[256];
	struct lab_qemu_cfg cfg = {
		.qemu = "qemu-system-x86_64",
		.kernel = "/k/vmlinuz",
		.initrd = "/k/initrd",
		.channel_path = "/out/channel.txt",
		.mode = &m,
		.mem_mib = 2048,
		.smp = 2,
		.kvm = kvm,
	};

	assert_int_equal(lab_mode_parse(spec, &m, err, sizeof(err)), 0);
	assert_int_equal(lab_qemu_argv(&cfg, a), 0);
	assert_null(a->v[a->n]); /* NULL-terminated for execvp */
}

static void test_qemu_argv(void **state)
{
	struct lab_argv a;
	int i, dev;

	build("force:pool=16M", false, &a);
	assert_string_equal(a.v[0], "qemu-system-x86_64");
	i = find_arg(&a, "-accel");
	assert_true(i > 0);
	assert_string_equal(a.v[i + 1], "tcg,thread=multi");
	assert_string_equal(a.v[find_arg(&a, "-cpu") + 1], "max");
	assert_string_equal(a.v[find_arg(&a, "-m") + 1], "2048");
	assert_string_equal(a.v[find_arg(&a, "-smp") + 1], "2");
	assert_string_equal(a.v[find_arg(&a, "-kernel") + 1], "/k/vmlinuz");
	assert_string_equal(a.v[find_arg(&a, "-initrd") + 1], "/k/initrd");
	assert_string_equal(a.v[find_arg(&a, "-append") + 1], "console=ttyS0 quiet panic=-1 swiotlb=8192,force");
	assert_true(find_arg(&a, "-no-reboot") > 0);		   /* panic=-1 must end QEMU */
	assert_true(find_arg(&a, "file:/out/channel.txt") > 0);	   /* the result channel */
	assert_true(find_arg(&a, "virtio-gpu-pci,iommu_platform=on") > 0);
	assert_int_equal(find_arg(&a, "intel-iommu"), -1);	   /* no IOMMU outside iommu modes */
	lab_argv_free(&a);

	/* iommu: the IOMMU device exists and comes before the PCI device */
	build("iommu-pt", false, &a);
	i = find_arg(&a, "intel-iommu");
	dev = find_arg(&a, "virtio-gpu-pci,iommu_platform=on");
	assert_true(i > 0 && dev > i);
	assert_string_equal(a.v[find_arg(&a, "-machine") + 1], "q35");
	assert_string_equal(a.v[find_arg(&a, "-append") + 1], "console=ttyS0 quiet panic=-1 intel_iommu=on iommu=pt");
	lab_argv_free(&a);

	/* --kvm swaps the accelerator and the CPU model, nothing else */
	build("default", true, &a);
	assert_string_equal(a.v[find_arg(&a, "-accel") + 1], "kvm");
	assert_string_equal(a.v[find_arg(&a, "-cpu") + 1], "host");
	assert_string_equal(a.v[find_arg(&a, "-append") + 1], "console=ttyS0 quiet panic=-1");
	lab_argv_free(&a);
	assert_null(a.v);
}

static void test_series_valid(void **state)
{
	assert_true(lab_series_valid("6.1"));
	assert_true(lab_series_valid("6.12"));
	assert_true(lab_series_valid("6"));
	assert_false(lab_series_valid("6."));
	assert_false(lab_series_valid(".6"));
	assert_false(lab_series_valid("6..1"));
	assert_false(lab_series_valid("6.1;rm"));
	assert_false(lab_series_valid(""));
	assert_false(lab_series_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_rejects),	cmocka_unit_test(test_size_accepts),
		cmocka_unit_test(test_mode_rejects),	cmocka_unit_test(test_mode_cmdlines),
		cmocka_unit_test(test_opts_rejects),	cmocka_unit_test(test_opts_defaults),
		cmocka_unit_test(test_opts_values),	cmocka_unit_test(test_qemu_argv),
		cmocka_unit_test(test_series_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
