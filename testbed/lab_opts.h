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
#define LAB_DEFAULT_JOB		 "configs/jobs/smoke.ini" /* relative to the source tree */
#define LAB_DEFAULT_TIMEOUT_S	 300
/*
 * 2 GiB: below 4 GiB of guest RAM every device's DMA mask covers all memory,
 * so `default` mode allocates no SWIOTLB pool on x86 (the kernel only sets
 * one up when memory reaches above 4 GiB) and default then measures "no
 * bouncing, no pool"; --mem 6144 gives `default` a pool like a desktop with
 * more RAM has. 2 GiB boots fastest and two such guests fit anywhere.
 */
#define LAB_DEFAULT_MEM_MIB	 2048
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

#endif
