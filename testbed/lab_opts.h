/*
 * Command-line options of `bouncelab lab`, parsed and checked for form
 * (known modes, well-formed pool sizes and series, numbers in range). What
 * needs the system (is the series in apt's index, is the job file readable)
 * is checked by the runner, testbed/lab.c, still before anything boots.
 */
#ifndef BL_LAB_OPTS_H
#define BL_LAB_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lab_spec.h"

#define LAB_MAX_KERNELS 16
#define LAB_MAX_MODES	16

#define LAB_DEFAULT_KERNELS_FILE "configs/kernels"  /* relative to the source tree */
#define LAB_DEFAULT_KERNELS	 "6.1,6.12"	    /* when that file is missing */
#define LAB_DEFAULT_MODES	 "default,force,noforce,iommu,iommu-pt"
#define LAB_DEFAULT_JOB		 "configs/jobs/standard.ini" /* relative to the source tree (issue 4) */
#define LAB_DEFAULT_TIMEOUT_S	 300
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

struct lab_opts {
	char kernels_buf[256];		   /* storage for kernels[] */
	char *kernels[LAB_MAX_KERNELS];	   /* series, e.g. "6.12" */
	size_t nkernels;		   /* 0: take configs/kernels */
	struct lab_mode modes[LAB_MAX_MODES];
	size_t nmodes;
	const char *job;	  /* NULL: LAB_DEFAULT_JOB */
	const char *out;	  /* NULL: var/lab/<UTC timestamp> */
	const char *guest_script; /* NULL: run gembench with the job */
	unsigned timeout_s;
	unsigned mem_mib;
	unsigned parallel; /* boots at once */
	unsigned smp;	   /* vCPUs per guest; 0: online host CPUs / parallel */
	bool kvm;
	bool help;
};

/*
 * Parses argv (argv[0] = "lab"). Returns 0 (o->help set for --help) or
 * -EINVAL with a message naming the bad option or value in err. Resets
 * getopt's state itself, so it may be called more than once.
 */
int lab_opts_parse(int argc, char **argv, struct lab_opts *o, char *err, size_t errlen);

/* Parses "6.1,6.12" into o->kernels. 0 or -EINVAL with err. */
int lab_opts_set_kernels(struct lab_opts *o, const char *list, char *err, size_t errlen);
/* Parses "default,force:pool=16M" into o->modes. 0 or -EINVAL with err. */
int lab_opts_set_modes(struct lab_opts *o, const char *list, char *err, size_t errlen);

void lab_usage(FILE *out);

/*
 * Runs the matrix @o describes (testbed/lab.c): checks what needs the system
 * (QEMU, the job file, the kernels), boots every kernel x mode and writes the
 * result documents. Returns the exit code of `bouncelab lab`: 0 every boot
 * produced documents, 1 some failed, 2 nothing could start.
 */
int lab_run(const struct lab_opts *o);

#endif
