/*
 * Options of `bouncelab lab` (see lab_opts.h) and its --help text. The
 * defaults printed by --help are the macros the parser uses.
 */
#include "lab_opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_KERNELS = 1000,
	OPT_MODES,
	OPT_JOB,
	OPT_OUT,
	OPT_TIMEOUT,
	OPT_MEM,
	OPT_KVM,
	OPT_GUEST_SCRIPT,
	OPT_PARALLEL,
	OPT_SMP,
};

static const struct option lab_longopts[] = {
	{ "kernels", required_argument, NULL, OPT_KERNELS },
	{ "modes", required_argument, NULL, OPT_MODES },
	{ "job", required_argument, NULL, OPT_JOB },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "kvm", no_argument, NULL, OPT_KVM },
	{ "guest-script", required_argument, NULL, OPT_GUEST_SCRIPT },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "smp", required_argument, NULL, OPT_SMP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void lab_usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab lab [--kernels 6.1,6.12] [--modes MODE,...] [--job FILE] [--out DIR]\n"
		"                     [--timeout S] [--mem MB] [--kvm] [--guest-script FILE]\n"
		"                     [--parallel N] [--smp N]\n"
		"\n"
		"Boots real Debian kernels under QEMU, once per (kernel, DMA mode), runs the job\n"
		"inside with gembench and collects one result document per job section.\n"
		"\n"
		"  --kernels LIST     kernel series; each resolves to the newest\n"
		"                     linux-image-<series>*-amd64-unsigned in apt's index\n"
		"                     (default: the series in %s, else %s)\n"
		"  --modes LIST       DMA boot modes (default: %s):\n"
		"                       default   no swiotlb= option\n"
		"                       force     swiotlb=force (every streaming DMA mapping bounces)\n"
		"                       noforce   swiotlb=noforce (no SWIOTLB pool)\n"
		"                       iommu     emulated Intel IOMMU (-device intel-iommu, intel_iommu=on)\n"
		"                       iommu-pt  the same with iommu=pt\n"
		"                     MODE:pool=SIZE sets the SWIOTLB pool (a multiple of 256K):\n"
		"                     force:pool=16M boots swiotlb=8192,force (2 KiB slots)\n"
		"  --job FILE         job file run by gembench in the guest (default: %s)\n"
		"  --out DIR          where results go (default: var/lab/<UTC time>/): per boot\n"
		"                     <series>-<mode>/console.log, channel.txt, <run_id>.json\n"
		"  --timeout S        kill a boot after S seconds; it is recorded as failed\n"
		"                     (default: %d)\n"
		"  --mem MB           guest RAM (default: %d; above 4096 `default` mode gets a\n"
		"                     SWIOTLB pool like a desktop's, below it none)\n"
		"  --kvm              use KVM instead of TCG (off by default: stock kernels may\n"
		"                     crash on a paravirtual /dev/kvm)\n"
		"  --guest-script F   run this busybox sh script in the guest instead of gembench;\n"
		"                     its stdout must be JSON Lines (one result document a line)\n"
		"  --parallel N       boots at once (default: %d)\n"
		"  --smp N            vCPUs per guest (default: online host CPUs / parallel, at least 1)\n"
		"\n"
		"The guest runs build-static/gembench (and gets build-static/bouncelabd when it\n"
		"exists; make static builds both; $BOUNCELAB_STATIC_DIR names another folder).\n"
		"Every guest gets a q35 machine and a virtio-gpu-pci with iommu_platform=on; the\n"
		"initramfs loads vgem, virtio-gpu and udmabuf (when a module). Kernels are cached\n"
		"in testbed/cache/. Prints one line per boot; exits 0 when every boot produced\n"
		"its result documents, 1 when one did not, 2 on bad input (nothing booted).\n",
		LAB_DEFAULT_KERNELS_FILE, LAB_DEFAULT_KERNELS, LAB_DEFAULT_MODES, LAB_DEFAULT_JOB,
		LAB_DEFAULT_TIMEOUT_S, LAB_DEFAULT_MEM_MIB, LAB_DEFAULT_PARALLEL);
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

int lab_opts_set_kernels(struct lab_opts *o, const char *list, char *err, size_t errlen)
{
	int n;

	if (strlen(list) >= sizeof(o->kernels_buf)) {
		snprintf(err, errlen, "--kernels: list too long");
		return -EINVAL;
	}
	strcpy(o->kernels_buf, list);
	n = lab_list_split(o->kernels_buf, o->kernels, LAB_MAX_KERNELS, "--kernels", err, errlen);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (!lab_series_valid(o->kernels[i])) {
			snprintf(err, errlen, "--kernels: '%s' is not a kernel series (expected digits and dots, like 6.12)",
				 o->kernels[i]);
			return -EINVAL;
		}
	}
	o->nkernels = (size_t)n;
	return 0;
}

int lab_opts_set_modes(struct lab_opts *o, const char *list, char *err, size_t errlen)
{
	char buf[512];
	char *items[LAB_MAX_MODES];
	int n;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "--modes: list too long");
		return -EINVAL;
	}
	strcpy(buf, list);
	n = lab_list_split(buf, items, LAB_MAX_MODES, "--modes", err, errlen);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (lab_mode_parse(items[i], &o->modes[i], err, errlen))
			return -EINVAL;
		/* "force:pool=16M" and "force:pool=16384K" are the same boot. */
		for (int j = 0; j < i; j++) {
			if (!strcmp(o->modes[j].spec, o->modes[i].spec)) {
				snprintf(err, errlen, "--modes: '%s' and '%s' are the same mode", items[j], items[i]);
				return -EINVAL;
			}
		}
	}
	o->nmodes = (size_t)n;
	return 0;
}

int lab_opts_parse(int argc, char **argv, struct lab_opts *o, char *err, size_t errlen)
{
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->timeout_s = LAB_DEFAULT_TIMEOUT_S;
	o->mem_mib = LAB_DEFAULT_MEM_MIB;
	o->parallel = LAB_DEFAULT_PARALLEL;
	ret = lab_opts_set_modes(o, LAB_DEFAULT_MODES, err, errlen);
	if (ret)
		return ret;

	optind = 0; /* a full reset (GNU), so tests can parse many times */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lab_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_KERNELS:
			ret = lab_opts_set_kernels(o, optarg, err, errlen);
			break;
		case OPT_MODES:
			ret = lab_opts_set_modes(o, optarg, err, errlen);
			break;
		case OPT_JOB:
			o->job = optarg;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_TIMEOUT:
			ret = parse_uint(optarg, 1, 86400, &o->timeout_s);
			if (ret)
				snprintf(err, errlen, "--timeout '%s': expected seconds, 1 to 86400", optarg);
			break;
		case OPT_MEM:
			ret = parse_uint(optarg, 256, 1024 * 1024, &o->mem_mib);
			if (ret)
				snprintf(err, errlen, "--mem '%s': expected MiB, 256 to 1048576", optarg);
			break;
		case OPT_KVM:
			o->kvm = true;
			break;
		case OPT_GUEST_SCRIPT:
			o->guest_script = optarg;
			break;
		case OPT_PARALLEL:
			ret = parse_uint(optarg, 1, 64, &o->parallel);
			if (ret)
				snprintf(err, errlen, "--parallel '%s': expected 1 to 64", optarg);
			break;
		case OPT_SMP:
			ret = parse_uint(optarg, 1, 64, &o->smp);
			if (ret)
				snprintf(err, errlen, "--smp '%s': expected 1 to 64", optarg);
			break;
		case 'h':
			o->help = true;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			snprintf(err, errlen, "unknown option '%s' (see bouncelab lab --help)", argv[optind - 1]);
			return -EINVAL;
		}
		if (ret)
			return ret;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see bouncelab lab --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
}
