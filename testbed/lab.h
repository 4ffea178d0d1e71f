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

#endif
