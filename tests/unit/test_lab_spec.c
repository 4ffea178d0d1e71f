/*
 * Unit tests for testbed/lab_spec.c and testbed/lab_config.c: mode specs
 * and pool sizes, the configuration's kernel and mode lists, defaults and
 * checks, and what each mode turns into (kernel command line, QEMU
 * arguments, the Xen modes' balloon, dom0 and Xen command lines and
 * multiboot arguments), against lib/dmamode.h's table. The command-line options are
 * tests/unit/test_lab_cli.c's. Negative cases first; each table row says
 * what it checks.
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

#include "dmamode.h"
#include "lab_config.h"
#include "lab_spec.h"

/* --- pool sizes and mode specs -------------------------------------------- */

/*
 * Pool sizes are lib/units.h's bl_parse_size() (tests/unit/test_units.c
 * has the parser's own rows) plus the lab's rules: not zero, whole 256 KiB
 * segments, at most 2^32 slots. Each row is one "force:pool=SIZE" and the
 * text its message must hold.
 */
static void test_pool_rejects(void **state)
{
	static const struct {
		const char *size;
		const char *msg_has;
	} bad[] = {
		{ "", "malformed pool size" },	   /* empty */
		{ "M", "malformed pool size" },	   /* no digits */
		{ "-16M", "malformed pool size" }, /* negative */
		{ "16X", "malformed pool size" },  /* unknown unit */
		{ "16MB2", "malformed pool size" }, /* junk after the unit */
		{ "1.5G", "malformed pool size" }, /* no fractions */
		{ "16 M", "malformed pool size" }, /* no blank between number and unit */
		{ "0", "malformed pool size" },	   /* zero */
		{ "100K", "multiple of 256K" },	   /* not whole segments */
		/* changed: bl_parse_size's -ERANGE is "too large", no longer "malformed" */
		{ "99999999999999999999", "is too large" }, /* overflows 64 bits */
		{ "17179869184G", "is too large" },	     /* overflows after the multiplier */
		/* new: T is a unit now; 16 TiB is 2^33 slots, more than the kernel counts */
		{ "16T", "is too large" },
	};
	struct lab_mode m;
	char spec[64], err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(spec, sizeof(spec), "force:pool=%s", bad[i].size);
		err[0] = '\0';
		assert_int_equal(lab_mode_parse(spec, &m, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg_has) || !strstr(err, bad[i].size))
			fail_msg("spec '%s': message '%s' does not name '%s' and the size", spec, err,
				 bad[i].msg_has);
	}
}

static void test_pool_accepts(void **state)
{
	static const struct {
		const char *size;
		uint64_t bytes;
		const char *canon; /* the spec as the lab writes it */
	} ok[] = {
		{ "262144", 256ull << 10, "force:pool=256K" }, /* bare bytes, one segment */
		{ "16M", 16ull << 20, "force:pool=16M" },      /* binary megabytes */
		{ "16m", 16ull << 20, "force:pool=16M" },      /* case-insensitive */
		{ "1G", 1ull << 30, "force:pool=1G" },
		{ "512K", 512ull << 10, "force:pool=512K" },
		{ "64MiB", 64ull << 20, "force:pool=64M" },    /* IEC spelling */
		{ "64mib", 64ull << 20, "force:pool=64M" },    /* in any case */
		{ "2GB", 2ull << 30, "force:pool=2G" },
		/* new with bl_parse_size: */
		{ "262144B", 256ull << 10, "force:pool=256K" }, /* bare bytes ending in B */
		{ "512Ki", 512ull << 10, "force:pool=512K" },	 /* "i" without the B */
		{ " 16M ", 16ull << 20, "force:pool=16M" },	 /* blanks around the size */
		{ "1T", 1ull << 40, "force:pool=1024G" },	 /* terabytes: 2^29 slots */
	};
	struct lab_mode m;
	char spec[64], err[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(spec, sizeof(spec), "force:pool=%s", ok[i].size);
		if (lab_mode_parse(spec, &m, err, sizeof(err)))
			fail_msg("spec '%s' refused: %s", spec, err);
		assert_int_equal(m.pool_bytes, ok[i].bytes);
		assert_string_equal(m.spec, ok[i].canon);
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
		{ "iommu-pt:", "empty option" },	   /* dangling colon */
		{ "xen-pv::balloon=1G", "empty option" },  /* an empty option between two */
		/* the balloon (issue 13): Xen modes only, not zero, whole pages, given once */
		{ "xen-pv:balloon=0", "balloon=0 gives nothing back" },
		{ "xen-pv:balloon=0M", "balloon=0M" },
		{ "force:balloon=1G", "balloon=1G needs a Xen mode" },
		{ "default:balloon=1536M", "default boots no hypervisor" },
		{ "xen-pv:balloon=", "malformed balloon size ''" },
		{ "xen-pv:balloon=15Q", "malformed balloon size '15Q'" },
		{ "xen-pv:balloon=1000", "'1000' is not a multiple of 4K" },
		{ "xen-pv:balloon=2T", "'2T' is too large" },
		{ "xen-pv:balloon=1G:balloon=2G", "given twice" },
		/* no pool on Xen: whether xen-swiotlb honours swiotlb=N is not measured */
		{ "xen-pv:pool=16M", "pool=16M is not supported on xen-pv" },
		{ "xen-pv-force:pool=16M", "xen-pv-force" },
		{ "xen-pv:size=1G", "unknown option 'size=1G'" },
		{ "force:areas=4", "areas= needs pool=SIZE" }, /* areas without a pool */
		{ "force:pool=16M:areas=0", "areas '0'" },  /* no areas */
		{ "force:pool=16M:areas=x", "areas 'x'" },  /* not a number */
		{ "force:pool=16M:areas=2048", "1 to 1024" }, /* over the limit */
		{ "force:pool=100K:areas=4", "'100K'" },    /* the size named without the areas */
	};
	struct lab_mode m;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (lab_mode_parse(bad[i].spec, &m, err, sizeof(err)) != -EINVAL)
			fail_msg("spec '%s' accepted", bad[i].spec);
		if (!strstr(err, bad[i].msg_has))
			fail_msg("spec '%s': message '%s' does not name '%s'", bad[i].spec, err, bad[i].msg_has);
	}
}

static void test_mode_cmdlines(void **state)
{
	static const struct {
		const char *spec;
		enum bl_mode_id id;
		const char *canon, *slug, *cmdline_tail, *swiotlb, *iommu;
	} ok[] = {
		/* no option at all */
		{ "default", BL_MODE_DEFAULT, "default", "default", "panic=-1 nokaslr norandmaps", "default", "off" },
		{ "force", BL_MODE_FORCE, "force", "force", " swiotlb=force", "force", "off" },
		{ "noforce", BL_MODE_NOFORCE, "noforce", "noforce", " swiotlb=noforce", "noforce", "off" },
		{ "iommu", BL_MODE_IOMMU, "iommu", "iommu", " intel_iommu=on", "default", "on" },
		{ "iommu-pt", BL_MODE_IOMMU_PT, "iommu-pt", "iommu-pt", " intel_iommu=on iommu=pt", "default", "pt" },
		/* 16 MiB / 2 KiB = 8192 slots, the count before ",force" */
		{ "force:pool=16M", BL_MODE_FORCE, "force:pool=16M", "force-pool16M", " swiotlb=8192,force", "force",
		  "off" },
		/* 1 GiB = 524288 slots; canonical spelling of 1024M is 1G */
		{ "default:pool=1024M", BL_MODE_DEFAULT, "default:pool=1G", "default-pool1G", " swiotlb=524288",
		  "default", "off" },
		/* a pool with the IOMMU: both options */
		{ "iommu:pool=512K", BL_MODE_IOMMU, "iommu:pool=512K", "iommu-pool512K",
		  " swiotlb=256 intel_iommu=on", "default", "on" },
		/* Xen PV dom0: no swiotlb= option, the document says default (truthful) */
		{ "xen-pv", BL_MODE_XEN_PV, "xen-pv", "xen-pv", "console=hvc0 quiet panic=-1 nokaslr norandmaps", "default", "off" },
		{ "xen-pv-force", BL_MODE_XEN_PV_FORCE, "xen-pv-force", "xen-pv-force", "norandmaps swiotlb=force",
		  "force", "off" },
		/* the balloon reaches the guest's init on the command line, in the canonical size */
		{ "xen-pv:balloon=1536M", BL_MODE_XEN_PV, "xen-pv:balloon=1536M", "xen-pv-balloon1536M",
		  "norandmaps bouncelab.balloon=1536M", "default", "off" },
		{ "xen-pv:balloon=1572864K", BL_MODE_XEN_PV, "xen-pv:balloon=1536M", "xen-pv-balloon1536M",
		  " bouncelab.balloon=1536M", "default", "off" },
		{ "xen-pv-force:balloon=1024M", BL_MODE_XEN_PV_FORCE, "xen-pv-force:balloon=1G",
		  "xen-pv-force-balloon1G", "norandmaps swiotlb=force bouncelab.balloon=1G", "force", "off" },
		{ "xen-pv:balloon=256M", BL_MODE_XEN_PV, "xen-pv:balloon=256M", "xen-pv-balloon256M",
		  " bouncelab.balloon=256M", "default", "off" },
		/* areas after the slot count, before ",force" (bouncelab pool --areas) */
		{ "force:pool=16M:areas=4", BL_MODE_FORCE, "force:pool=16M:areas=4", "force-pool16M-areas4",
		  " swiotlb=8192,4,force", "force", "off" },
		/* a mode without a swiotlb= word: slots and areas alone */
		{ "default:pool=8M:areas=2", BL_MODE_DEFAULT, "default:pool=8M:areas=2", "default-pool8M-areas2",
		  " swiotlb=4096,2", "default", "off" },
	};
	struct lab_mode m;
	char err[256], cmd[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(lab_mode_parse(ok[i].spec, &m, err, sizeof(err)), 0);
		assert_int_equal(m.id, ok[i].id);
		assert_string_equal(m.spec, ok[i].canon);
		assert_string_equal(m.slug, ok[i].slug);
		assert_int_equal(lab_mode_cmdline(&m, cmd, sizeof(cmd)), 0);
		/* a Xen dom0's console is hvc0 (ttyS0 is Xen's com1) */
		if (bl_modes[m.id].hypervisor)
			assert_true(!strncmp(cmd, "console=hvc0 quiet panic=-1 nokaslr norandmaps", 46));
		else
			assert_true(!strncmp(cmd, "console=ttyS0 ", 14));
		assert_int_equal(lab_mode_is_xen(&m), bl_modes[m.id].hypervisor != NULL);
		size_t n = strlen(cmd), t = strlen(ok[i].cmdline_tail);
		if (n < t || strcmp(cmd + n - t, ok[i].cmdline_tail))
			fail_msg("spec '%s': cmdline '%s' does not end in '%s'", ok[i].spec, cmd, ok[i].cmdline_tail);
		/* only the modes that ask for swiotlb= get one */
		if (ok[i].id == BL_MODE_DEFAULT && !m.pool_bytes)
			assert_null(strstr(cmd, "swiotlb"));
		if (ok[i].id != BL_MODE_IOMMU && ok[i].id != BL_MODE_IOMMU_PT)
			assert_null(strstr(cmd, "iommu"));
		/* what the document will say, from the one table */
		assert_string_equal(bl_modes[m.id].swiotlb, ok[i].swiotlb);
		assert_string_equal(bl_modes[m.id].iommu, ok[i].iommu);
		/* the balloon word only where a balloon was asked for */
		assert_int_equal(strstr(cmd, "bouncelab.balloon=") != NULL, m.balloon_bytes != 0);
	}
	/* a buffer too small is an error, not a cut command line */
	assert_int_equal(lab_mode_parse("force", &m, err, sizeof(err)), 0);
	assert_int_equal(lab_mode_cmdline(&m, cmd, 10), -ENOSPC);
}

/* Every row of lib/dmamode.h's table is a mode the lab boots, named and spelled as the table says. */
static void test_mode_table(void **state)
{
	char known[128], err[256], cmd[256];
	struct lab_mode m, init;

	bl_mode_names(known, sizeof(known));
	for (size_t i = 0; i < BL_MODE_COUNT; i++) {
		assert_int_equal(lab_mode_parse(bl_modes[i].name, &m, err, sizeof(err)), 0);
		assert_int_equal(m.id, (enum bl_mode_id)i);
		assert_string_equal(m.spec, bl_modes[i].name);
		lab_mode_init(&init, (enum bl_mode_id)i);
		assert_memory_equal(&m, &init, sizeof(m)); /* the default matrix's modes are parsed ones */
		assert_int_equal(lab_mode_cmdline(&m, cmd, sizeof(cmd)), 0);
		if (!strstr(cmd, bl_modes[i].cmdline))
			fail_msg("mode %s: cmdline '%s' lacks the table's '%s'", bl_modes[i].name, cmd,
				 bl_modes[i].cmdline);
	}
	/* an unknown mode's message lists every mode of the table */
	assert_int_equal(lab_mode_parse("bogus", &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, known));
}

/* --- the configuration ----------------------------------------------------- */

static void test_config_rejects(void **state)
{
	static const struct {
		const char *kernels, *modes; /* one of them, the other NULL */
		const char *msg_has;	     /* the message must name this */
	} bad[] = {
		{ NULL, "force,bogus", "bogus" },			/* unknown mode named */
		{ NULL, "force:pool=12Z", "12Z" },			/* bad size named */
		{ NULL, "force,,noforce", "empty item" },		/* empty item */
		{ NULL, "force,force", "twice" },			/* duplicate */
		{ NULL, "force:pool=16M,force:pool=16384K", "same mode" }, /* one pool spelled twice */
		{ NULL, "", "empty item" },				/* nothing */
		{ "6.x", NULL, "6.x" },					/* not a series */
		{ "6..1", NULL, "6..1" },
		{ "6.1.", NULL, "6.1." },
		{ "", NULL, "empty item" },
		{ "6.1,6.1", NULL, "twice" },
		{ "12345678901234567", NULL, "not a kernel" },		/* one number: no series */
		{ "6.1.0-47..6.12.118", NULL, "crosses series" },	/* a range across series */
	};
	struct lab_config cfg, before;
	char err[512];

	lab_config_init(&cfg);
	assert_int_equal(lab_config_set_kernels(&cfg, "6.12", err, sizeof(err)), 0);
	before = cfg;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = bad[i].kernels ? lab_config_set_kernels(&cfg, bad[i].kernels, err, sizeof(err))
					 : lab_config_set_modes(&cfg, bad[i].modes, err, sizeof(err));

		assert_int_equal(ret, -EINVAL);
		if (!strstr(err, bad[i].msg_has))
			fail_msg("row %zu: message '%s' does not name '%s'", i, err, bad[i].msg_has);
		/* a refused list leaves the configuration as it was */
		assert_memory_equal(&cfg, &before, sizeof(cfg));
	}
}

static void test_config_defaults(void **state)
{
	struct lab_config cfg;
	char err[512];

	lab_config_init(&cfg);
	assert_int_equal(cfg.nkernels, 0); /* the runner reads configs/kernels */
	/* every mode of the table, in its order, each matrix_balloon row ballooned after it */
	size_t j = 0;
	for (size_t i = 0; i < BL_MODE_COUNT; i++) {
		assert_true(j < cfg.nmodes);
		assert_int_equal(cfg.modes[j].id, (enum bl_mode_id)i);
		assert_string_equal(cfg.modes[j].spec, bl_modes[i].name);
		assert_int_equal(cfg.modes[j].pool_bytes, 0);
		assert_int_equal(cfg.modes[j++].balloon_bytes, 0);
		if (!bl_modes[i].matrix_balloon)
			continue;
		assert_int_equal(cfg.modes[j].id, (enum bl_mode_id)i);
		assert_true(cfg.modes[j].balloon_bytes > 0);
		/* the table's key is the spec the lab writes back */
		assert_string_equal(cfg.modes[j++].spec, bl_modes[i].matrix_balloon);
	}
	assert_int_equal(cfg.nmodes, j);
	/* the matrix: xen-pv with and without 1536M */
	assert_string_equal(cfg.modes[BL_MODE_XEN_PV + 1].spec, "xen-pv:balloon=1536M");
	/* the icount clock, its longer timeout, one boot per kernel x mode */
	assert_int_equal(cfg.timeout_s, 0);
	assert_int_equal(cfg.clock, LAB_CLOCK_AUTO);
	assert_int_equal(lab_config_clock(&cfg), LAB_CLOCK_ICOUNT);
	assert_int_equal(lab_config_timeout(&cfg), LAB_DEFAULT_TIMEOUT_ICOUNT_S);
	assert_int_equal(cfg.boots, 1);
	assert_int_equal(cfg.mem_mib, LAB_DEFAULT_MEM_MIB);
	assert_int_equal(cfg.parallel, LAB_DEFAULT_PARALLEL);
	assert_int_equal(cfg.smp, 0);
	assert_false(cfg.kvm);
	assert_null(cfg.job);
	assert_null(cfg.out);
	assert_null(cfg.guest_script);
	assert_int_equal(lab_config_check(&cfg, err, sizeof(err)), 0);
}

static void test_config_lists(void **state)
{
	struct lab_config cfg;
	char err[512];

	lab_config_init(&cfg);
	assert_int_equal(lab_config_set_kernels(&cfg, "6.1,6.12", err, sizeof(err)), 0);
	assert_int_equal(cfg.nkernels, 2);
	assert_string_equal(cfg.kernels[0], "6.1");
	assert_string_equal(cfg.kernels[1], "6.12");
	assert_int_equal(lab_config_set_modes(&cfg, "noforce,force:pool=16M", err, sizeof(err)), 0);
	assert_int_equal(cfg.nmodes, 2);
	assert_int_equal(cfg.modes[0].id, BL_MODE_NOFORCE);
	assert_int_equal(cfg.modes[1].id, BL_MODE_FORCE);
	assert_int_equal(cfg.modes[1].pool_bytes, 16ull << 20);
	/* a second list replaces the first */
	assert_int_equal(lab_config_set_kernels(&cfg, "6.12", err, sizeof(err)), 0);
	assert_int_equal(cfg.nkernels, 1);
	assert_int_equal(lab_config_check(&cfg, err, sizeof(err)), 0);
}

/* Which clock and which timeout each combination gets. */
static void test_config_clock(void **state)
{
	static const struct {
		bool kvm;
		enum lab_clock clock;
		unsigned timeout_s;
		enum lab_clock want;
		unsigned want_timeout;
	} rows[] = {
		{ false, LAB_CLOCK_AUTO, 0, LAB_CLOCK_ICOUNT, LAB_DEFAULT_TIMEOUT_ICOUNT_S }, /* the default */
		{ false, LAB_CLOCK_ICOUNT, 0, LAB_CLOCK_ICOUNT, LAB_DEFAULT_TIMEOUT_ICOUNT_S }, /* asked for */
		{ false, LAB_CLOCK_WALL, 0, LAB_CLOCK_WALL, LAB_DEFAULT_TIMEOUT_WALL_S },	   /* today's TCG */
		{ true, LAB_CLOCK_AUTO, 0, LAB_CLOCK_WALL, LAB_DEFAULT_TIMEOUT_WALL_S },	   /* KVM: wall */
		{ true, LAB_CLOCK_WALL, 0, LAB_CLOCK_WALL, LAB_DEFAULT_TIMEOUT_WALL_S },	   /* said twice */
		{ false, LAB_CLOCK_AUTO, 90, LAB_CLOCK_ICOUNT, 90 },			   /* --timeout wins */
		{ false, LAB_CLOCK_WALL, 900, LAB_CLOCK_WALL, 900 },			   /* on either clock */
	};
	struct lab_config cfg;
	char err[512];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		lab_config_init(&cfg);
		/* the default matrix has Xen modes, which KVM refuses (test_config_check) */
		assert_int_equal(lab_config_set_modes(&cfg, "force,noforce", err, sizeof(err)), 0);
		cfg.kvm = rows[i].kvm;
		cfg.clock = rows[i].clock;
		cfg.timeout_s = rows[i].timeout_s;
		assert_int_equal(lab_config_check(&cfg, err, sizeof(err)), 0);
		assert_int_equal(lab_config_clock(&cfg), rows[i].want);
		assert_int_equal(lab_config_timeout(&cfg), rows[i].want_timeout);
	}
	/* the clock parser: the two names, nothing else, the value named */
	lab_config_init(&cfg);
	assert_int_equal(lab_config_set_clock(&cfg, "fast", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'fast'"));
	assert_int_equal(cfg.clock, LAB_CLOCK_AUTO); /* untouched */
	assert_int_equal(lab_config_set_clock(&cfg, "ICOUNT", err, sizeof(err)), -EINVAL);
	assert_int_equal(lab_config_set_clock(&cfg, "", err, sizeof(err)), -EINVAL);
	assert_int_equal(lab_config_set_clock(&cfg, "wall", err, sizeof(err)), 0);
	assert_int_equal(cfg.clock, LAB_CLOCK_WALL);
	assert_int_equal(lab_config_set_clock(&cfg, "icount", err, sizeof(err)), 0);
	assert_int_equal(cfg.clock, LAB_CLOCK_ICOUNT);
	assert_string_equal(lab_clock_name(LAB_CLOCK_ICOUNT), "icount");
	assert_string_equal(lab_clock_name(LAB_CLOCK_WALL), "wall");
}

/* A caller that fills the struct itself gets the same ranges the options have. */
static void test_config_check(void **state)
{
	static const struct {
		unsigned timeout_s, mem_mib, parallel, smp;
		size_t nmodes;
		unsigned boots;
		bool kvm;
		enum lab_clock clock;
		const char *msg_has;
	} bad[] = {
		{ LAB_TIMEOUT_MAX + 1, LAB_DEFAULT_MEM_MIB, 1, 0, 1, 1, false, 0, "timeout" }, /* over a day */
		{ 60, LAB_MEM_MIN - 1, 1, 0, 1, 1, false, 0, "memory" },		     /* too little RAM */
		{ 60, LAB_DEFAULT_MEM_MIB, 0, 0, 1, 1, false, 0, "at once" },	     /* no boot at a time */
		{ 60, LAB_DEFAULT_MEM_MIB, 1, LAB_SMP_MAX + 1, 1, 1, false, 0, "vCPU" },  /* too many vCPUs */
		{ 60, LAB_DEFAULT_MEM_MIB, 1, 0, 0, 1, false, 0, "mode" },		     /* no mode */
		{ 60, LAB_DEFAULT_MEM_MIB, 1, 0, 1, 0, false, 0, "per kernel and mode" }, /* no boot */
		{ 60, LAB_DEFAULT_MEM_MIB, 1, 0, 1, LAB_BOOTS_MAX + 1, false, 0, "1 to 20" }, /* too many */
		{ 60, LAB_DEFAULT_MEM_MIB, 1, 0, 1, 1, true, LAB_CLOCK_ICOUNT, "--clock icount" }, /* KVM icount */
		{ 60, LAB_DEFAULT_MEM_MIB, 1, 0, 1, 1, false, (enum lab_clock)7, "not a clock" }, /* no such */
	};
	struct lab_config cfg;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lab_config_init(&cfg);
		cfg.timeout_s = bad[i].timeout_s;
		cfg.mem_mib = bad[i].mem_mib;
		cfg.parallel = bad[i].parallel;
		cfg.smp = bad[i].smp;
		cfg.nmodes = bad[i].nmodes;
		cfg.boots = bad[i].boots;
		cfg.kvm = bad[i].kvm;
		cfg.clock = bad[i].clock;
		err[0] = '\0';
		assert_int_equal(lab_config_check(&cfg, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg_has))
			fail_msg("row %zu: message '%s' does not name '%s'", i, err, bad[i].msg_has);
	}
	/* Xen: no KVM; a balloon must leave dom0 LAB_XEN_DOM0_KEEP_MIB of --mem, the value named */
	static const struct {
		const char *modes;
		unsigned mem_mib;
		bool kvm;
		const char *msg_has; /* NULL: accepted */
	} xen[] = {
		{ "xen-pv", 6144, true, "--kvm with a Xen mode" },
		{ "force,xen-pv-force", 6144, true, "'xen-pv-force'" },
		{ "force", 6144, true, NULL },			  /* KVM is fine elsewhere */
		{ "xen-pv:balloon=8G", 6144, false, "'xen-pv:balloon=8G': a balloon of 8192 MiB" },
		{ "xen-pv:balloon=6G", 6144, false, "of its 6144 MiB (--mem)" }, /* all of dom0 */
		{ "xen-pv:balloon=5633M", 6144, false, "at most 5632 MiB" },	  /* 1 MiB too many */
		{ "xen-pv:balloon=5632M", 6144, false, NULL },			  /* just fits */
		{ "xen-pv:balloon=1536M", 2048, false, NULL },
		{ "xen-pv:balloon=1537M", 2048, false, "1537 MiB" },
		{ "xen-pv:balloon=256M", 512, false, "less than 512 MiB" },	  /* nothing to give */
		{ "xen-pv", 512, false, NULL },				  /* no balloon, no limit */
	};
	for (size_t i = 0; i < sizeof(xen) / sizeof(xen[0]); i++) {
		lab_config_init(&cfg);
		assert_int_equal(lab_config_set_modes(&cfg, xen[i].modes, err, sizeof(err)), 0);
		cfg.mem_mib = xen[i].mem_mib;
		cfg.kvm = xen[i].kvm;
		err[0] = '\0';
		if (!xen[i].msg_has) {
			if (lab_config_check(&cfg, err, sizeof(err)))
				fail_msg("xen row %zu refused: %s", i, err);
			continue;
		}
		assert_int_equal(lab_config_check(&cfg, err, sizeof(err)), -EINVAL);
		if (!strstr(err, xen[i].msg_has))
			fail_msg("xen row %zu: message '%s' does not name '%s'", i, err, xen[i].msg_has);
	}
	lab_config_init(&cfg);
	strcpy(cfg.kernels[0], "6.1;rm");
	cfg.nkernels = 1;
	assert_int_equal(lab_config_check(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "6.1;rm"));
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

static void build_clock(const char *spec, bool kvm, enum lab_clock clock, struct lab_argv *a)
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
		.clock = clock,
	};

	assert_int_equal(lab_mode_parse(spec, &m, err, sizeof(err)), 0);
	assert_int_equal(lab_qemu_argv(&cfg, a), 0);
	assert_null(a->v[a->n]); /* NULL-terminated for execvp */
}

/* The wall clock: the machine and mode tests below are about what the clock does not change. */
static void build(const char *spec, bool kvm, struct lab_argv *a)
{
	build_clock(spec, kvm, LAB_CLOCK_WALL, a);
}

/* -accel and -icount per clock; nothing else differs. */
static void test_qemu_argv_clock(void **state)
{
	static const struct {
		bool kvm;
		enum lab_clock clock;
		const char *accel;  /* -accel's value */
		const char *icount; /* -icount's value; NULL: no -icount */
	} rows[] = {
		{ false, LAB_CLOCK_AUTO, "tcg,thread=single", "shift=0,sleep=off" },	/* the default: icount */
		{ false, LAB_CLOCK_ICOUNT, "tcg,thread=single", "shift=0,sleep=off" }, /* asked for */
		{ false, LAB_CLOCK_WALL, "tcg,thread=multi", NULL },		     /* today's TCG */
		{ true, LAB_CLOCK_AUTO, "kvm", NULL },				     /* KVM is wall */
		{ true, LAB_CLOCK_WALL, "kvm", NULL },				     /* said twice */
	};
	struct lab_argv a, wall;
	struct lab_mode m;
	char err[256];

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		int i;

		build_clock("force", rows[r].kvm, rows[r].clock, &a);
		assert_string_equal(a.v[find_arg(&a, "-accel") + 1], rows[r].accel);
		i = find_arg(&a, "-icount");
		if (rows[r].icount) {
			assert_true(i > 0);
			assert_string_equal(a.v[i + 1], rows[r].icount);
		} else {
			assert_int_equal(i, -1);
		}
		/* the same vector as the wall clock's, but for -accel and -icount */
		build_clock("force", rows[r].kvm, LAB_CLOCK_WALL, &wall);
		assert_int_equal(a.n, wall.n + (rows[r].icount ? 2 : 0));
		for (size_t x = 0, y = 0; x < a.n; x++, y++) {
			if (!strcmp(a.v[x], "-icount")) {
				x++;
				y--;
				continue;
			}
			if (x && !strcmp(a.v[x - 1], "-accel"))
				continue;
			assert_string_equal(a.v[x], wall.v[y]);
		}
		lab_argv_free(&wall);
		lab_argv_free(&a);
	}
	/* KVM has no instruction counter: refused, nothing allocated */
	assert_int_equal(lab_mode_parse("force", &m, err, sizeof(err)), 0);
	assert_int_equal(lab_qemu_argv(&(struct lab_qemu_cfg){ .qemu = "q", .kernel = "k", .initrd = "i",
								.channel_path = "c", .mode = &m, .mem_mib = 2048,
								.kvm = true, .clock = LAB_CLOCK_ICOUNT },
				       &a),
			 -EINVAL);
	assert_null(a.v);
}

/* A Xen mode's vector: Xen as -kernel, dom0 and the initramfs as its multiboot modules. */
static void test_qemu_argv_xen(void **state)
{
	struct lab_mode m, bare;
	struct lab_argv a, b;
	char err[256];
	struct lab_qemu_cfg cfg = {
		.qemu = "qemu-system-x86_64",
		.kernel = "/cache/kernels/linux-image-6.12.118+deb12-amd64-unsigned_6.12.118-1~deb12u1/vmlinuz",
		.xen = "/cache/xen/xen-4.17-amd64",
		.initrd = "/out/.work/initramfs-6.12.cpio",
		.channel_path = "/out/channel.txt",
		.mode = &m,
		.mem_mib = 3072,
		.smp = 1,
		.clock = LAB_CLOCK_AUTO,
	};
	int i;

	(void)state;
	assert_int_equal(lab_mode_parse("xen-pv-force:balloon=1536M", &m, err, sizeof(err)), 0);
	assert_int_equal(lab_qemu_argv(&cfg, &a), 0);
	assert_null(a.v[a.n]);
	assert_string_equal(a.v[find_arg(&a, "-cpu") + 1], LAB_XEN_CPU); /* -cpu max crashes dom0 */
	assert_string_equal(a.v[find_arg(&a, "-cpu") + 1], "qemu64");
	assert_string_equal(a.v[find_arg(&a, "-m") + 1], "4096");	  /* dom0 + Xen's headroom */
	assert_string_equal(a.v[find_arg(&a, "-kernel") + 1], cfg.xen);
	assert_string_equal(a.v[find_arg(&a, "-append") + 1], "console=com1 dom0_mem=3072M,max:3072M");
	assert_string_equal(a.v[find_arg(&a, "-initrd") + 1],
			    "/cache/kernels/linux-image-6.12.118+deb12-amd64-unsigned_6.12.118-1~deb12u1/vmlinuz "
			    "console=hvc0 quiet panic=-1 nokaslr norandmaps swiotlb=force bouncelab.balloon=1536M,"
			    "/out/.work/initramfs-6.12.cpio");
	/* icount works for Xen too (the default clock); -no-reboot so a dom0 crash ends QEMU */
	assert_string_equal(a.v[find_arg(&a, "-accel") + 1], LAB_QEMU_ACCEL_ICOUNT);
	assert_true(find_arg(&a, "-icount") > 0);
	assert_true(find_arg(&a, "-no-reboot") > 0);
	/* no Xen `noreboot`: it turns a dom0 crash into a hang */
	for (i = 0; i < (int)a.n; i++)
		assert_null(strstr(a.v[i], "noreboot"));
	/* the serial ports and the GPU are the bare machine's */
	lab_mode_init(&bare, BL_MODE_FORCE);
	cfg.mode = &bare;
	assert_int_equal(lab_qemu_argv(&cfg, &b), 0);
	assert_string_equal(b.v[find_arg(&b, "-cpu") + 1], "max");
	assert_string_equal(b.v[find_arg(&b, "-m") + 1], "3072");
	for (i = 0; i < (int)b.n; i++)
		if (!strcmp(b.v[i], "-serial") || !strcmp(b.v[i], "-device") || !strcmp(b.v[i], "-machine"))
			assert_string_equal(a.v[find_arg(&a, b.v[i + 1])], b.v[i + 1]);
	lab_argv_free(&b);
	lab_argv_free(&a);
	/* the wall clock as well */
	cfg.mode = &m;
	cfg.clock = LAB_CLOCK_WALL;
	assert_int_equal(lab_qemu_argv(&cfg, &a), 0);
	assert_string_equal(a.v[find_arg(&a, "-accel") + 1], LAB_QEMU_ACCEL_WALL);
	lab_argv_free(&a);
	cfg.clock = LAB_CLOCK_AUTO;

	/* refused, nothing allocated: KVM, no Xen, paths QEMU's multiboot loader would split */
	cfg.kvm = true;
	assert_int_equal(lab_qemu_argv(&cfg, &a), -EINVAL);
	assert_null(a.v);
	cfg.kvm = false;
	cfg.xen = NULL;
	assert_int_equal(lab_qemu_argv(&cfg, &a), -EINVAL);
	cfg.xen = "/cache/xen/xen-4.17-amd64";
	cfg.initrd = "/my out/initramfs.cpio";
	assert_int_equal(lab_qemu_argv(&cfg, &a), -EINVAL);
	cfg.initrd = "/out,1/initramfs.cpio";
	assert_int_equal(lab_qemu_argv(&cfg, &a), -EINVAL);
	cfg.initrd = "/out/initramfs.cpio";
	cfg.kernel = "/k,v/vmlinuz";
	assert_int_equal(lab_qemu_argv(&cfg, &a), -EINVAL);
	assert_null(a.v);
	assert_false(lab_xen_path_ok(NULL));
	assert_false(lab_xen_path_ok(""));
	assert_true(lab_xen_path_ok("/cache/linux-image-6.12.118+deb12_6.12.118-1~deb12u1"));
	/* Xen's own command line, and a buffer too small */
	assert_int_equal(lab_xen_cmdline(6144, err, sizeof(err)), 0);
	assert_string_equal(err, "console=com1 dom0_mem=6144M,max:6144M");
	assert_int_equal(lab_xen_cmdline(6144, err, 8), -ENOSPC);
}

static void test_qemu_version(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* NULL: refused */
	} rows[] = {
		{ NULL, NULL },						     /* no output */
		{ "", NULL },						     /* empty */
		{ "qemu-system-x86_64: command not found\n", NULL },	     /* not QEMU */
		{ "QEMU emulator version (Debian)\n", NULL },		     /* no number */
		{ "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n"
		  "Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n",
		  "7.2.22" },						     /* Debian 12's */
		{ "QEMU emulator version 8.2.2\n", "8.2.2" },		     /* no vendor suffix */
		{ "QEMU emulator version 9.0.0.\n", "9.0.0" },		     /* a trailing dot dropped */
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int ret = lab_qemu_version_parse(rows[i].text, buf, sizeof(buf));

		if (!rows[i].want) {
			assert_int_equal(ret, -EINVAL);
			assert_string_equal(buf, "");
		} else {
			assert_int_equal(ret, 0);
			assert_string_equal(buf, rows[i].want);
		}
	}
	/* too small a buffer: refused, not cut */
	assert_int_equal(lab_qemu_version_parse("QEMU emulator version 7.2.22\n", buf, 4), -EINVAL);
}

/* --- the order of the boots ------------------------------------------------------- */

static void test_boot_order(void **state)
{
	/* 1 kernel x 2 modes (A, B) x 3 boots: A B A B A B */
	static const struct { size_t ki, mi; unsigned round; } abab[] = {
		{ 0, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 }, { 0, 1, 1 }, { 0, 0, 2 }, { 0, 1, 2 },
	};
	static const struct { size_t nk, nm; unsigned boots; } shapes[] = {
		{ 1, 1, 1 }, { 1, 1, 2 }, { 2, 3, 1 }, { 2, 3, 4 }, { 3, 1, 20 }, { 16, 16, 20 },
	};
	bool seen[16][16][20];

	for (size_t i = 0; i < sizeof(abab) / sizeof(abab[0]); i++) {
		size_t ki, mi;
		unsigned round;

		lab_boot_order(1, 2, 3, i, &ki, &mi, &round);
		assert_int_equal(ki, abab[i].ki);
		assert_int_equal(mi, abab[i].mi);
		assert_int_equal(round, abab[i].round);
	}
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		size_t nk = shapes[s].nk, nm = shapes[s].nm, n = nk * nm * shapes[s].boots;
		size_t pk = SIZE_MAX, pm = SIZE_MAX;
		unsigned prev_round = 0;

		memset(seen, 0, sizeof(seen));
		for (size_t i = 0; i < n; i++) {
			size_t ki, mi;
			unsigned round;

			lab_boot_order(nk, nm, shapes[s].boots, i, &ki, &mi, &round);
			assert_true(ki < nk && mi < nm && round < shapes[s].boots);
			/* every boot exactly once */
			assert_false(seen[ki][mi][round]);
			seen[ki][mi][round] = true;
			/* rounds never go back: round r ends before r + 1 starts */
			assert_true(round == prev_round || round == prev_round + 1);
			/* never the same configuration twice in a row (A A), when there are two */
			if (nk * nm > 1)
				assert_false(ki == pk && mi == pm);
			/* within a round, the matrix order: kernels, then modes */
			assert_int_equal(i % (nk * nm), ki * nm + mi);
			pk = ki;
			pm = mi;
			prev_round = round;
		}
	}
}

static void test_boot_dirname(void **state)
{
	struct lab_mode m;
	char err[256], buf[64];

	assert_int_equal(lab_mode_parse("force:pool=16M", &m, err, sizeof(err)), 0);
	/* one boot: today's names, so nothing that reads them breaks */
	assert_int_equal(lab_boot_dirname("6.12", &m, 0, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6.12-force-pool16M");
	/* several: the boot index (0-based, as testbed.boot_index) */
	assert_int_equal(lab_boot_dirname("6.12", &m, 0, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6.12-force-pool16M-boot0");
	assert_int_equal(lab_boot_dirname("6.1", &m, 19, 20, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6.1-force-pool16M-boot19");
	/* does not fit: refused */
	assert_int_equal(lab_boot_dirname("6.12", &m, 1, 2, buf, 10), -ENAMETOOLONG);
	/* a ballooned Xen mode: its slug */
	assert_int_equal(lab_mode_parse("xen-pv:balloon=1536M", &m, err, sizeof(err)), 0);
	assert_int_equal(lab_boot_dirname("6.1", &m, 0, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6.1-xen-pv-balloon1536M");
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
	assert_string_equal(a.v[find_arg(&a, "-append") + 1], "console=ttyS0 quiet panic=-1 nokaslr norandmaps swiotlb=8192,force");
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
	assert_string_equal(a.v[find_arg(&a, "-append") + 1], "console=ttyS0 quiet panic=-1 nokaslr norandmaps intel_iommu=on iommu=pt");
	lab_argv_free(&a);

	/* --kvm swaps the accelerator and the CPU model, nothing else */
	build("default", true, &a);
	assert_string_equal(a.v[find_arg(&a, "-accel") + 1], "kvm");
	assert_string_equal(a.v[find_arg(&a, "-cpu") + 1], "host");
	assert_string_equal(a.v[find_arg(&a, "-append") + 1], "console=ttyS0 quiet panic=-1 nokaslr norandmaps");
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
		cmocka_unit_test(test_pool_rejects),	cmocka_unit_test(test_pool_accepts),
		cmocka_unit_test(test_mode_rejects),	cmocka_unit_test(test_mode_cmdlines),
		cmocka_unit_test(test_mode_table),	cmocka_unit_test(test_config_rejects),
		cmocka_unit_test(test_config_defaults), cmocka_unit_test(test_config_lists),
		cmocka_unit_test(test_config_check),	cmocka_unit_test(test_qemu_argv),
		cmocka_unit_test(test_series_valid),	cmocka_unit_test(test_config_clock),
		cmocka_unit_test(test_qemu_argv_clock), cmocka_unit_test(test_qemu_version),
		cmocka_unit_test(test_qemu_argv_xen),
		cmocka_unit_test(test_boot_order),	cmocka_unit_test(test_boot_dirname),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
