/*
 * The testbed as a library: real Debian kernels booted under QEMU, once per
 * (kernel, DMA mode), each running gembench (or a guest script) inside and
 * sending its result documents back on a serial port. The one entry point
 * is lab_run() with a struct lab_config (lab_config.h); `bouncelab lab`
 * (cli/cmd_lab.c) is its command-line face.
 */
#ifndef BL_LAB_H
#define BL_LAB_H

#include "lab_config.h"

/*
 * Runs the matrix @cfg describes: checks what needs the system (QEMU, the
 * job file, the guest programs, the kernel series against apt), then
 * fetches every kernel, boots every kernel x mode and writes the result
 * documents under cfg->out, printing one line per boot. Returns the exit
 * code of `bouncelab lab`: 0 every boot produced its documents, 1 some
 * failed, 2 nothing could start (bad input; nothing booted).
 */
int lab_run(const struct lab_config *cfg);

/* One kernel as apt's index names it (what a --kernels item resolved to). */
struct lab_kernel_version {
	char series[LAB_KVER_MAX + 1]; /* 6.12 */
	char label[LAB_KVER_MAX + 1];  /* 6.12.111, 6.1.0-53[:cloud]: the --kernels item for exactly this one */
	char package[160];	       /* linux-image-6.12.111+deb12-amd64-unsigned */
	char version[96];	       /* 6.12.111-1~deb12u1, what testbed.package_version records */
};

/*
 * Resolves cfg->kernels (the default list when empty) in apt's index, as
 * lab_run would, without booting: a series to its newest version, a range
 * to every version in it, oldest first (lab_kver.h). Prints one line per
 * item ("lab: --kernels 6.12.107..6.12.118: 6 version(s): 6.12.107
 * (6.12.107-1~deb12u1) ..."). @out (may be NULL) gets up to @max kernels,
 * *@n (may be NULL) their number. Returns lab_run's codes: 0, 1 apt could
 * not be asked, 2 bad input (an unknown version, an empty range, a range
 * across series: logged, naming the item).
 */
int lab_resolve(const struct lab_config *cfg, struct lab_kernel_version *out, size_t max, size_t *n);

#endif
