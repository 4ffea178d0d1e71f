/*
 * `bouncelab lab`: parses the options into the testbed's configuration
 * (struct lab_config) and runs it (testbed/lab.h, lab_run). The testbed is
 * a library; this is its command-line face.
 *
 * Each option is declared once, in lab_cli_opts[] with its kind, its value's
 * name, its range and its help, so the parser and --help cannot disagree;
 * the value parsers of lists (kernel series, mode specs) are the
 * configuration's own. The DMA modes --help lists are lib/dmamode.h's table.
 */
#include "cmd_lab.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dmamode.h"
#include "lab.h"
#include "log.h"

#define STR(x)	#x
#define XSTR(x) STR(x)

#define HELP_COL   21 /* where an option's help starts */
#define HELP_WIDTH 79 /* --help lines end before this column */
#define OPT_BASE   1000 /* getopt value of lab_cli_opts[0] */

enum cli_kind {
	CLI_FLAG, /* no value: sets a bool field */
	CLI_STR,  /* a string field, borrowed from argv */
	CLI_UINT, /* an unsigned field in [min, max] */
	CLI_LIST, /* a value the configuration parses itself */
	CLI_HELP, /* --help */
};

struct cli_opt {
	const char *name;    /* the long option, without "--" */
	enum cli_kind kind;
	const char *metavar; /* the value's name in --help; NULL for FLAG and HELP */
	size_t off;	     /* FLAG, STR, UINT: the field of struct lab_config */
	unsigned min, max;   /* UINT: the accepted range */
	const char *what;    /* UINT: what the number counts, for messages */
	int (*parse)(struct lab_config *cfg, const char *v, char *err, size_t errlen); /* LIST */
	const char *help;    /* one paragraph, wrapped by --help */
};

#define FIELD(f) offsetof(struct lab_config, f)

static const struct cli_opt lab_cli_opts[] = {
	{ .name = "kernels", .kind = CLI_LIST, .metavar = "LIST", .parse = lab_config_set_kernels,
	  .help = "kernels, each a series (6.12: the newest linux-image-6.12*-amd64-unsigned in apt's "
		  "index), an exact Debian version (6.12.111, 6.1.0-53), a range of one series "
		  "(6.12.107..6.12.118: every version apt's index has between the two, both included) or "
		  "any of these with a flavour (6.12:cloud, 6.12.111:rt). An exact version boots in folders "
		  "<version>-<mode>, a series in <series>-<mode>; an unknown version, an empty range or a "
		  "range across series is refused before anything boots (default: the series in "
		  LAB_DEFAULT_KERNELS_FILE ", else " LAB_DEFAULT_KERNELS ")" },
	{ .name = "kernel-image", .kind = CLI_STR, .metavar = "FILE", .off = FIELD(kernel_image),
	  .help = "also boot your own kernel: an x86 bzImage (arch/x86/boot/bzImage), with --modules. "
		  "Checked before anything boots: not a bzImage, modules of another release, or a tree "
		  "without vgem or virtio-gpu is refused, naming the value. Booted like a Debian kernel "
		  "after the --kernels ones (alone without --kernels), in folders local-<release>-<mode>; "
		  "documents record testbed.kernel_package \"local\", package_version local-<16 hex of "
		  "the image's SHA-256> (kernel=local-<hex> selects it), kernel_image_sha256 and "
		  "kernel_image_version (the image's version string)" },
	{ .name = "modules", .kind = CLI_STR, .metavar = "DIR", .off = FIELD(kernel_modules),
	  .help = "the modules of --kernel-image: the DIR of `make modules_install INSTALL_MOD_PATH=DIR` "
		  "(DIR/lib/modules/<release>/ with modules.dep)" },
	{ .name = "kernel-deb", .kind = CLI_STR, .metavar = "FILE", .off = FIELD(kernel_deb),
	  .help = "also boot your own kernel from a linux-image-*.deb (make bindeb-pkg): unpacked into "
		  "the cache (testbed/unpack-local-deb.sh), then as --kernel-image with --modules; "
		  "another package is refused. One local build per run: not with --kernel-image" },
	{ .name = "resolve", .kind = CLI_FLAG, .off = FIELD(resolve_only),
	  .help = "print the exact versions --kernels resolves to in apt's index (and check a local build: "
		  "its release and SHA-256) and exit, booting nothing (exit 0; 2 when an item names no kernel "
		  "or the local build is refused, 1 when apt could not be asked)" },
	{ .name = "modes", .kind = CLI_LIST, .metavar = "LIST", .parse = lab_config_set_modes,
	  .help = "DMA boot modes, each MODE, MODE:pool=SIZE[:areas=N] or (Xen modes) MODE:balloon=SIZE (default: every "
		  "mode below, in that order, and xen-pv:balloon=1536M after xen-pv)" },
	{ .name = "job", .kind = CLI_STR, .metavar = "FILE", .off = FIELD(job),
	  .help = "job file run by gembench in the guest (default: " LAB_DEFAULT_JOB " in the source tree)" },
	{ .name = "out", .kind = CLI_STR, .metavar = "DIR", .off = FIELD(out),
	  .help = "where results go (default: var/lab/<UTC time>/): per boot <series>-<mode>/console.log, "
		  "channel.txt, <run_id>.json; summary.txt beside them" },
	{ .name = "timeout", .kind = CLI_UINT, .metavar = "S", .off = FIELD(timeout_s), .min = LAB_TIMEOUT_MIN,
	  .max = LAB_TIMEOUT_MAX, .what = "seconds",
	  .help = "kill a boot after S seconds; it is recorded as failed "
		  "(default: " XSTR(LAB_DEFAULT_TIMEOUT_ICOUNT_S) " on the icount clock, whose boots take ~2.5x "
		  "longer; " XSTR(LAB_DEFAULT_TIMEOUT_WALL_S) " on the wall clock)" },
	{ .name = "clock", .kind = CLI_LIST, .metavar = "CLOCK", .parse = lab_config_set_clock,
	  .help = "the guest's clock. icount: -accel " LAB_QEMU_ACCEL_ICOUNT " -icount " LAB_QEMU_ICOUNT
		  ", 1 ns of guest time per guest instruction whatever the host's load, so times compare "
		  "across boots; boots take ~2.5x longer. wall: -accel " LAB_QEMU_ACCEL_WALL
		  ", faster, but times move with the host's load. With --kvm the clock is always wall "
		  "(--clock icount is refused) (default: icount)" },
	{ .name = "boots", .kind = CLI_UINT, .metavar = "N", .off = FIELD(boots), .min = 1, .max = LAB_BOOTS_MAX,
	  .what = "a number of boots per kernel and mode",
	  .help = "boot each kernel x mode N times, interleaved: every kernel x mode once per round "
		  "(A B A B, never A A B B), each boot in its own folder <series>-<mode>-boot<K> (K from 0, "
		  "testbed.boot_index) when N > 1 (default: 1)" },
	{ .name = "mem", .kind = CLI_UINT, .metavar = "MB", .off = FIELD(mem_mib), .min = LAB_MEM_MIN,
	  .max = LAB_MEM_MAX, .what = "MiB",
	  .help = "guest RAM in MiB (default: " XSTR(LAB_DEFAULT_MEM_MIB) "; above 4096 `default` mode "
		  "gets a SWIOTLB pool like a desktop's, below it none). In Xen modes this is dom0's memory "
		  "(dom0_mem) and QEMU gets " XSTR(LAB_XEN_HEADROOM_MIB) " MiB more for Xen" },
	{ .name = "kvm", .kind = CLI_FLAG, .off = FIELD(kvm),
	  .help = "use KVM instead of TCG, on the wall clock (off by default: stock kernels may crash on a "
		  "paravirtual /dev/kvm)" },
	{ .name = "guest-script", .kind = CLI_STR, .metavar = "FILE", .off = FIELD(guest_script),
	  .help = "run this busybox sh script in the guest instead of gembench; its stdout must be JSON Lines "
		  "(one result document a line)" },
	{ .name = "parallel", .kind = CLI_UINT, .metavar = "N", .off = FIELD(parallel), .min = 1,
	  .max = LAB_PARALLEL_MAX, .what = "a number of boots",
	  .help = "boots at once (default: " XSTR(LAB_DEFAULT_PARALLEL) ")" },
	{ .name = "smp", .kind = CLI_UINT, .metavar = "N", .off = FIELD(smp), .min = 1, .max = LAB_SMP_MAX,
	  .what = "a number of vCPUs",
	  .help = "vCPUs per guest (default: 1 on the icount clock, which runs them all on one thread; else online host CPUs / parallel, at least 1)" },
	{ .name = "help", .kind = CLI_HELP, .help = "this text" },
};

#define N_OPTS (sizeof(lab_cli_opts) / sizeof(lab_cli_opts[0]))

/*
 * Prints @text word by word from column @col, breaking lines before
 * HELP_WIDTH and indenting the next ones to @indent; '\n' breaks a line.
 */
static void print_wrapped(FILE *out, const char *text, int col, int indent)
{
	const char *p = text;

	while (*p) {
		int n = (int)strcspn(p, " \n");

		if (col > indent && col + 1 + n > HELP_WIDTH) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", n, p);
		col += n;
		p += n;
		if (*p == '\n') {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		}
		while (*p == ' ' || *p == '\n')
			p++;
	}
	fputc('\n', out);
}

/* "  --name VALUE" padded to @indent, then @text wrapped. */
static void print_item(FILE *out, const char *item, const char *text, int indent)
{
	int col = fprintf(out, "%s", item);

	if (col >= indent) {
		fprintf(out, "\n");
		col = 0;
	}
	fprintf(out, "%*s", indent - col, "");
	print_wrapped(out, text, indent, indent);
}

void cmd_lab_usage(FILE *out)
{
	char synopsis[1024] = "", item[64];
	size_t off = 0;

	for (size_t i = 0; i < N_OPTS; i++) {
		const struct cli_opt *o = &lab_cli_opts[i];

		if (o->kind != CLI_HELP && off < sizeof(synopsis))
			off += (size_t)snprintf(synopsis + off, sizeof(synopsis) - off, "%s[--%s%s%s]",
						off ? " " : "", o->name, o->metavar ? " " : "",
						o->metavar ? o->metavar : "");
	}
	fprintf(out, "usage: bouncelab lab ");
	print_wrapped(out, synopsis, 21, 21);
	fprintf(out, "\n");
	print_wrapped(out,
		      "Boots real Debian kernels under QEMU, --boots times per (kernel, DMA mode), runs the job "
		      "inside with gembench and collects one result document per job section; each carries "
		      "testbed.clock, icount_shift, qemu_version, boot_index and boots.",
		      0, 0);
	fprintf(out, "\n");
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct cli_opt *o = &lab_cli_opts[i];

		snprintf(item, sizeof(item), "  --%s%s%s", o->name, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
		print_item(out, item, o->help, HELP_COL);
	}
	fprintf(out, "\nDMA modes (--modes; every one by default, in this order):\n");
	for (size_t i = 0; i < BL_MODE_COUNT; i++) {
		char text[512];

		snprintf(text, sizeof(text), "%s%s%s%s%s", bl_modes[i].description,
			 bl_modes[i].emulated_iommu ? "; QEMU adds -device " : "",
			 bl_modes[i].emulated_iommu ? LAB_QEMU_IOMMU_DEVICE : "",
			 bl_modes[i].matrix_balloon ? "; by default also as " : "",
			 bl_modes[i].matrix_balloon ? bl_modes[i].matrix_balloon : "");
		snprintf(item, sizeof(item), "  %s", bl_modes[i].name);
		print_item(out, item, text, 16); /* "  xen-pv-force" and two blanks */
	}
	fprintf(out, "\n");
	print_wrapped(out,
		      "MODE:pool=SIZE sets the SWIOTLB pool, a multiple of 256K (the kernel allocates it in "
		      "segments of 128 slots x 2 KiB): force:pool=16M boots swiotlb=8192,force. "
		      "MODE:pool=SIZE:areas=N adds N SWIOTLB areas (each with its own lock): "
		      "force:pool=16M:areas=4 boots swiotlb=8192,4,force. noforce "
		      "takes no pool, and the Xen modes take none (whether xen-swiotlb honours swiotlb=N is "
		      "not measured).",
		      0, 0);
	fprintf(out, "\n");
	print_wrapped(out,
		      "Xen modes boot Debian's Xen hypervisor (testbed/fetch-xen.sh, cached beside the kernels) "
		      "with the kernel as its PV dom0: -cpu " LAB_XEN_CPU ", Xen's console on the serial port, "
		      "dom0's on hvc0, TCG only (--kvm refused). MODE:balloon=SIZE (xen-pv:balloon=1536M): "
		      "before the job dom0 gives SIZE back to Xen through the balloon driver, waits until it "
		      "is gone, takes it back and waits again, so its pages are scattered over machine memory "
		      "as on a long-running Xen host; SIZE is a multiple of 4K, not 0, and leaves dom0 at "
		      "least " XSTR(LAB_XEN_DOM0_KEEP_MIB) " MiB of --mem. A balloon that does not reach its "
		      "targets fails the boot (the job's documents are kept). Every document carries a "
		      "hypervisor object (Xen's version, guest type, dom0, the package booted, the balloon "
		      "readings).",
		      0, 0);
	fprintf(out, "\n");
	print_wrapped(out,
		      "The guest runs build-static/gembench (and gets build-static/bouncelabd when it exists; "
		      "make static builds both; $BOUNCELAB_STATIC_DIR names another folder). Every guest gets "
		      "a " LAB_QEMU_MACHINE " machine and a " LAB_QEMU_GPU_DEVICE "; the initramfs loads vgem, "
		      "virtio-gpu, udmabuf, xen-privcmd and xenfs (when modules). Kernels are cached in testbed/cache/. Prints "
		      "one line per boot; exits 0 when every boot produced its result documents, 1 when one "
		      "did not, 2 on bad input (nothing booted).",
		      0, 0);
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *v)
{
	char *end;
	unsigned long n;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*v = (unsigned)n;
	return 0;
}

/* Stores @v (NULL for a flag) as option @o says. 0 or -EINVAL with err. */
static int cli_set(const struct cli_opt *o, struct lab_config *cfg, const char *v, char *err, size_t errlen)
{
	char *field = (char *)cfg + o->off;

	switch (o->kind) {
	case CLI_FLAG:
		*(bool *)field = true;
		return 0;
	case CLI_STR:
		*(const char **)field = v;
		return 0;
	case CLI_UINT:
		if (parse_uint(v, o->min, o->max, (unsigned *)field)) {
			snprintf(err, errlen, "--%s '%s': expected %s, %u to %u", o->name, v, o->what, o->min,
				 o->max);
			return -EINVAL;
		}
		return 0;
	case CLI_LIST:
		return o->parse(cfg, v, err, errlen);
	case CLI_HELP:
		break;
	}
	return 0;
}

int cmd_lab_parse(int argc, char **argv, struct lab_config *cfg, bool *help, char *err, size_t errlen)
{
	struct option longopts[N_OPTS + 1];
	int c, ret;

	lab_config_init(cfg);
	*help = false;
	for (size_t i = 0; i < N_OPTS; i++)
		longopts[i] = (struct option){ lab_cli_opts[i].name,
					       lab_cli_opts[i].metavar ? required_argument : no_argument, NULL,
					       OPT_BASE + (int)i };
	longopts[N_OPTS] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0; /* a full reset (GNU), so tests can parse many times */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		const struct cli_opt *o;

		if (c == ':') {
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		}
		if (c != 'h' && (c < OPT_BASE || c >= OPT_BASE + (int)N_OPTS)) {
			snprintf(err, errlen, "unknown option '%s' (see bouncelab lab --help)", argv[optind - 1]);
			return -EINVAL;
		}
		o = c == 'h' ? NULL : &lab_cli_opts[c - OPT_BASE];
		if (!o || o->kind == CLI_HELP) {
			*help = true;
			return 0;
		}
		ret = cli_set(o, cfg, optarg, err, errlen);
		if (ret)
			return ret;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see bouncelab lab --help)", argv[optind]);
		return -EINVAL;
	}
	/* what no single option can check: --kvm with --clock icount */
	return lab_config_check(cfg, err, errlen);
}

int cmd_lab(int argc, char **argv)
{
	struct lab_config cfg;
	bool help;
	char err[512];

	if (cmd_lab_parse(argc, argv, &cfg, &help, err, sizeof(err))) {
		bl_err("lab: %s", err);
		return 2;
	}
	if (help) {
		cmd_lab_usage(stdout);
		return 0;
	}
	return lab_run(&cfg);
}
