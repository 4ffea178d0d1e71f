/*
 * The testbed's configuration: what a caller of lab_run() (testbed/lab.h)
 * asks the lab to do, and the value parsers that fill it (kernel series
 * lists, mode specs through lab_spec.h). Checked here for form only (known
 * modes, well-formed pool sizes and series, numbers in range); what needs
 * the system (is the series in apt's index, is the job file readable) is
 * checked by the runner, still before anything boots.
 *
 * Command-line options are not this file's business: cli/cmd_lab.c turns
 * argv into a struct lab_config.
 */
#ifndef BL_LAB_CONFIG_H
#define BL_LAB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "lab_kver.h"
#include "lab_spec.h"

#define LAB_MAX_KERNELS 16
#define LAB_MAX_MODES	16
#define LAB_SERIES_MAX	16 /* characters in a series ("6.12"), lab_series_valid's limit */

#define LAB_DEFAULT_KERNELS_FILE "configs/kernels"	     /* relative to the source tree */
#define LAB_DEFAULT_KERNELS	 "6.1,6.12"		     /* when that file is missing */
#define LAB_DEFAULT_JOB		 "configs/jobs/standard.ini" /* relative to the source tree (issue 4) */
/*
 * A boot is killed after this unless --timeout says otherwise: 300 s on
 * the wall clock (a standard job's boot takes about a minute there), 750 s
 * on icount, whose single-threaded boots take ~2.5x longer.
 */
#define LAB_DEFAULT_TIMEOUT_WALL_S   300
#define LAB_DEFAULT_TIMEOUT_ICOUNT_S 750
/*
 * 6 GiB: with guest RAM above 4 GiB x86 sets up the SWIOTLB pool even
 * without swiotlb=force (some memory is out of reach of 32-bit DMA), as on
 * a desktop with more RAM, so `default` mode measures "pool present, only
 * devices that need it bounce" instead of repeating noforce (below 4 GiB
 * the guest gets no pool at all). Measured here: no boot-time cost against
 * 2 GiB within the noise (TCG touches only the memory the guest uses).
 */
#define LAB_DEFAULT_MEM_MIB	 6144
/*
 * Two boots at once, one vCPU each (on these 2-core machines): the guest
 * work is single-threaded, and booting overlaps. Measured 6.12 x 4 modes
 * with the smoke job: 35.6 s and 22.4 s with --parallel 2, 35.9 s with
 * --parallel 1 --smp 2 (noisy: others were compiling on the same cores).
 */
#define LAB_DEFAULT_PARALLEL	 2

/* The ranges lab_config_check() accepts (and the options' parsers). */
#define LAB_TIMEOUT_MIN	 1
#define LAB_TIMEOUT_MAX	 86400
#define LAB_MEM_MIN	 256
#define LAB_MEM_MAX	 (1024 * 1024)
#define LAB_PARALLEL_MAX 64
#define LAB_SMP_MAX	 64
#define LAB_BOOTS_MAX	 20 /* boots per kernel x mode */
/*
 * What a ballooned dom0 must keep of --mem: the initramfs, gembench and the
 * job's buffers live in it while the balloon is out (a 1536M balloon of a
 * 3072M dom0 ran every job of XEN-NOTES.md).
 */
#define LAB_XEN_DOM0_KEEP_MIB 512

struct lab_config {
	char kernels[LAB_MAX_KERNELS][LAB_KVER_MAX + 1]; /* selectors (lab_kver.h): 6.12, 6.12.111, 6.12.107..6.12.118 */
	size_t nkernels;		     /* 0: the series in LAB_DEFAULT_KERNELS_FILE */
	struct lab_mode modes[LAB_MAX_MODES]; /* booted in this order */
	size_t nmodes;
	const char *job;	  /* NULL: LAB_DEFAULT_JOB; borrowed, outlives lab_run */
	const char *out;	  /* NULL: var/lab/<UTC timestamp>; borrowed */
	const char *guest_script; /* NULL: run gembench with the job; borrowed */
	unsigned timeout_s;	  /* a boot is killed after this; 0: the clock's default */
	unsigned mem_mib;	  /* guest RAM (dom0's in Xen modes) */
	unsigned parallel;	  /* boots at once */
	unsigned smp;		  /* vCPUs per guest; 0: online host CPUs / parallel */
	bool kvm;		  /* KVM instead of TCG */
	enum lab_clock clock;	  /* AUTO: icount under TCG, wall under KVM; KVM + ICOUNT is refused */
	unsigned boots;		  /* boots per kernel x mode, interleaved in rounds (lab_boot_order) */
	bool resolve_only;	  /* print what the kernels resolve to in apt's index, boot nothing */
	/* a local build, booted after the --kernels ones (alone without them); borrowed */
	const char *kernel_image;   /* a bzImage (arch/x86/boot/bzImage) ... */
	const char *kernel_modules; /* ... with its `make modules_install INSTALL_MOD_PATH=` tree */
	const char *kernel_deb;	    /* or a linux-image-*.deb (make bindeb-pkg, or Debian's) */
};

/* Does @cfg name a local build (kernel_image or kernel_deb)? */
bool lab_config_has_local(const struct lab_config *cfg);

/*
 * The defaults: lib/dmamode.h's default matrix (bl_mode_matrix: every
 * mode of the table in its order, xen-pv also ballooned), the
 * kernel series of LAB_DEFAULT_KERNELS_FILE (nkernels 0), the default job,
 * output folder, memory and parallelism, the icount clock (AUTO) and its
 * timeout (timeout_s 0), one boot per kernel x mode.
 */
void lab_config_init(struct lab_config *cfg);

/*
 * Parses "6.1,6.12.111,6.12.107..6.12.118:cloud" into cfg->kernels (the
 * form of each item: lab_kver.h). 0 or -EINVAL with err naming the item.
 */
int lab_config_set_kernels(struct lab_config *cfg, const char *list, char *err, size_t errlen);

/* Parses "default,force:pool=16M" into cfg->modes. 0 or -EINVAL with err. */
int lab_config_set_modes(struct lab_config *cfg, const char *list, char *err, size_t errlen);

/* Parses "icount" or "wall" into cfg->clock. 0 or -EINVAL with err naming the value. */
int lab_config_set_clock(struct lab_config *cfg, const char *name, char *err, size_t errlen);

/* The clock the boots run on: ICOUNT or WALL (AUTO resolved). */
enum lab_clock lab_config_clock(const struct lab_config *cfg);

/* The per-boot timeout in seconds: timeout_s, or the clock's default. */
unsigned lab_config_timeout(const struct lab_config *cfg);

/*
 * Checks counts, ranges and combinations (KVM with the icount clock is
 * refused; so are KVM with a Xen mode and a balloon that would leave dom0
 * less than LAB_XEN_DOM0_KEEP_MIB of --mem), for callers that fill the struct themselves and for the
 * command line after its options. 0 or -EINVAL with err.
 */
int lab_config_check(const struct lab_config *cfg, char *err, size_t errlen);

#endif
