/*
 * `bouncelab lab`'s command-line face: its options turned into the
 * testbed's struct lab_config, and its --help. Apart from cmd_lab()
 * (commands.h) so the unit tests can check both.
 */
#ifndef BL_CMD_LAB_H
#define BL_CMD_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lab_config.h"

/*
 * Parses argv (argv[0] = "lab") into @cfg, starting from lab_config_init's
 * defaults, then checks the whole (lab_config_check: --kvm with --clock
 * icount). Returns 0 (*help set for --help) or -EINVAL with a message
 * naming the bad option or value in @err. Resets getopt's state itself, so
 * it may be called more than once.
 */
int cmd_lab_parse(int argc, char **argv, struct lab_config *cfg, bool *help, char *err, size_t errlen);

/* The --help text: the options from the same table the parser uses, the modes from lib/dmamode.h. */
void cmd_lab_usage(FILE *out);

#endif
