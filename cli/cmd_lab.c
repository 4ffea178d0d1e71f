/*
 * `bouncelab lab`: parses the options into the testbed's configuration and
 * runs it (testbed/lab.c, lab_run). The testbed is a library; this is its
 * command-line face.
 */
#include <stdio.h>

#include "commands.h"
#include "lab_opts.h"
#include "log.h"

int cmd_lab(int argc, char **argv)
{
	struct lab_opts o = { 0 };
	char err[512];

	if (lab_opts_parse(argc, argv, &o, err, sizeof(err))) {
		bl_err("lab: %s", err);
		return 2;
	}
	if (o.help) {
		lab_usage(stdout);
		return 0;
	}
	return lab_run(&o);
}
