/*
 * The testbed's configuration (see lab_config.h): defaults and the parsers
 * of its list values. The default modes are the rows of lib/dmamode.h's
 * table, so a mode added there is booted without a change here.
 */
#include "lab_config.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static_assert(BL_MODE_MATRIX_MAX <= LAB_MAX_MODES, "the table's default matrix must fit");

void lab_config_init(struct lab_config *cfg)
{
	const char *keys[BL_MODE_MATRIX_MAX];
	size_t n = bl_mode_matrix(keys);
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < n; i++) {
		/* the table's own specs: a failure is a broken table */
		if (lab_mode_parse(keys[i], &cfg->modes[cfg->nmodes], err, sizeof(err)))
			assert(!"lib/dmamode.h's default matrix holds a spec the lab refuses");
		else
			cfg->nmodes++;
	}
	cfg->timeout_s = 0; /* the clock's: lab_config_timeout() */
	cfg->mem_mib = LAB_DEFAULT_MEM_MIB;
	cfg->parallel = LAB_DEFAULT_PARALLEL;
	cfg->clock = LAB_CLOCK_AUTO;
	cfg->boots = 1;
}

int lab_config_set_clock(struct lab_config *cfg, const char *name, char *err, size_t errlen)
{
	if (lab_clock_parse(name, &cfg->clock)) {
		snprintf(err, errlen, "--clock '%s': expected icount or wall", name ? name : "");
		return -EINVAL;
	}
	return 0;
}

enum lab_clock lab_config_clock(const struct lab_config *cfg)
{
	if (cfg->clock != LAB_CLOCK_AUTO)
		return cfg->clock;
	return cfg->kvm ? LAB_CLOCK_WALL : LAB_CLOCK_ICOUNT;
}

unsigned lab_config_timeout(const struct lab_config *cfg)
{
	if (cfg->timeout_s)
		return cfg->timeout_s;
	return lab_config_clock(cfg) == LAB_CLOCK_ICOUNT ? LAB_DEFAULT_TIMEOUT_ICOUNT_S : LAB_DEFAULT_TIMEOUT_WALL_S;
}

int lab_config_set_kernels(struct lab_config *cfg, const char *list, char *err, size_t errlen)
{
	char buf[LAB_MAX_KERNELS * (LAB_KVER_MAX + 1) + 1];
	char *items[LAB_MAX_KERNELS];
	int n;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "--kernels: list too long");
		return -EINVAL;
	}
	strcpy(buf, list);
	n = lab_list_split(buf, items, LAB_MAX_KERNELS, "--kernels", err, errlen);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct lab_kver k;

		if (lab_kver_parse(items[i], &k, err, errlen))
			return -EINVAL;
	}
	/* only now: a bad list leaves the configuration as it was */
	for (int i = 0; i < n; i++)
		snprintf(cfg->kernels[i], sizeof(cfg->kernels[i]), "%s", items[i]);
	cfg->nkernels = (size_t)n;
	return 0;
}

int lab_config_set_modes(struct lab_config *cfg, const char *list, char *err, size_t errlen)
{
	struct lab_mode modes[LAB_MAX_MODES];
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
		if (lab_mode_parse(items[i], &modes[i], err, errlen))
			return -EINVAL;
		/* "force:pool=16M" and "force:pool=16384K" are the same boot. */
		for (int j = 0; j < i; j++) {
			if (!strcmp(modes[j].spec, modes[i].spec)) {
				snprintf(err, errlen, "--modes: '%s' and '%s' are the same mode", items[j],
					 items[i]);
				return -EINVAL;
			}
		}
	}
	memcpy(cfg->modes, modes, (size_t)n * sizeof(modes[0]));
	cfg->nmodes = (size_t)n;
	return 0;
}

/* The Xen modes' combinations: TCG only; a balloon dom0 can give. 0 or -EINVAL with err. */
static int check_xen(const struct lab_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->nmodes; i++) {
		const struct lab_mode *m = &cfg->modes[i];

		if (!lab_mode_is_xen(m))
			continue;
		/* Xen PV dom0 is measured under TCG only; -cpu host under KVM is another machine. */
		if (cfg->kvm) {
			snprintf(err, errlen, "mode '%s': --kvm with a Xen mode: Xen is booted under TCG only "
				 "(leave --kvm out, or name --modes without Xen modes)", m->spec);
			return -EINVAL;
		}
		if (m->balloon_bytes &&
		    (cfg->mem_mib <= LAB_XEN_DOM0_KEEP_MIB ||
		     m->balloon_bytes > ((uint64_t)(cfg->mem_mib - LAB_XEN_DOM0_KEEP_MIB) << 20))) {
			snprintf(err, errlen,
				 "mode '%s': a balloon of %llu MiB leaves dom0 less than %d MiB of its %u MiB "
				 "(--mem): at most %d MiB, or a larger --mem",
				 m->spec, (unsigned long long)(m->balloon_bytes >> 20), LAB_XEN_DOM0_KEEP_MIB,
				 cfg->mem_mib, cfg->mem_mib > LAB_XEN_DOM0_KEEP_MIB ? (int)cfg->mem_mib - LAB_XEN_DOM0_KEEP_MIB : 0);
			return -EINVAL;
		}
	}
	return 0;
}

int lab_config_check(const struct lab_config *cfg, char *err, size_t errlen)
{
	if (cfg->nkernels > LAB_MAX_KERNELS || !cfg->nmodes || cfg->nmodes > LAB_MAX_MODES) {
		snprintf(err, errlen, "%zu kernel(s) and %zu mode(s): expected at most %d kernels and 1 to %d modes",
			 cfg->nkernels, cfg->nmodes, LAB_MAX_KERNELS, LAB_MAX_MODES);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->nkernels; i++) {
		struct lab_kver k;

		if (lab_kver_parse(cfg->kernels[i], &k, err, errlen))
			return -EINVAL;
	}
	for (size_t i = 0; i < cfg->nmodes; i++) {
		if ((unsigned)cfg->modes[i].id >= BL_MODE_COUNT) {
			snprintf(err, errlen, "mode %zu: not a mode of the table", i);
			return -EINVAL;
		}
	}
	if (cfg->timeout_s > LAB_TIMEOUT_MAX) {
		snprintf(err, errlen, "timeout %u s: expected %d to %d (or 0: the clock's default)", cfg->timeout_s,
			 LAB_TIMEOUT_MIN, LAB_TIMEOUT_MAX);
		return -EINVAL;
	}
	if (cfg->mem_mib < LAB_MEM_MIN || cfg->mem_mib > LAB_MEM_MAX) {
		snprintf(err, errlen, "guest memory %u MiB: expected %d to %d", cfg->mem_mib, LAB_MEM_MIN,
			 LAB_MEM_MAX);
		return -EINVAL;
	}
	if (cfg->parallel < 1 || cfg->parallel > LAB_PARALLEL_MAX || cfg->smp > LAB_SMP_MAX) {
		snprintf(err, errlen, "%u boot(s) at once with %u vCPU(s): expected 1 to %d and 0 to %d",
			 cfg->parallel, cfg->smp, LAB_PARALLEL_MAX, LAB_SMP_MAX);
		return -EINVAL;
	}
	if (cfg->boots < 1 || cfg->boots > LAB_BOOTS_MAX) {
		snprintf(err, errlen, "%u boot(s) per kernel and mode: expected 1 to %d", cfg->boots, LAB_BOOTS_MAX);
		return -EINVAL;
	}
	if ((unsigned)cfg->clock > LAB_CLOCK_WALL) {
		snprintf(err, errlen, "clock %u: not a clock (expected icount or wall)", (unsigned)cfg->clock);
		return -EINVAL;
	}
	/* icount is TCG's; a KVM guest runs on the host's clock. */
	if (cfg->kvm && cfg->clock == LAB_CLOCK_ICOUNT) {
		snprintf(err, errlen,
			 "--kvm and --clock icount exclude each other: icount is TCG's instruction-counting "
			 "clock, a KVM guest runs on the wall clock (leave --clock out, or --clock wall)");
		return -EINVAL;
	}
	/* a local build is one image with its modules, or one .deb holding both */
	if ((cfg->kernel_image && *cfg->kernel_image) != (cfg->kernel_modules && *cfg->kernel_modules)) {
		snprintf(err, errlen, "--kernel-image and --modules go together (the bzImage and its `make "
			 "modules_install INSTALL_MOD_PATH=DIR` tree): %s given alone",
			 cfg->kernel_image ? "--kernel-image" : "--modules");
		return -EINVAL;
	}
	if (cfg->kernel_deb && cfg->kernel_image) {
		snprintf(err, errlen, "--kernel-deb %s and --kernel-image %s: one local build per run, give one",
			 cfg->kernel_deb, cfg->kernel_image);
		return -EINVAL;
	}
	if (cfg->kernel_deb && !*cfg->kernel_deb) {
		snprintf(err, errlen, "--kernel-deb '': expected a linux-image-*.deb file");
		return -EINVAL;
	}
	return check_xen(cfg, err, errlen);
}

bool lab_config_has_local(const struct lab_config *cfg)
{
	return (cfg->kernel_image && *cfg->kernel_image) || (cfg->kernel_deb && *cfg->kernel_deb);
}
