/*
 * The subcommands of `bouncelab` (the command people type). Each lives in
 * its own file and has the same shape as main(): argv[0] is the subcommand's
 * name, the return value is the exit code. Register new ones in the table in
 * cli/bouncelab.c.
 */
#ifndef BL_COMMANDS_H
#define BL_COMMANDS_H

int cmd_lab(int argc, char **argv);     /* cli/cmd_lab.c: kernels x modes under QEMU (testbed/) */
int cmd_ingest(int argc, char **argv); /* cli/cmd_ingest.c: store result documents */
int cmd_runs(int argc, char **argv);   /* cli/cmd_runs.c: list stored runs */
int cmd_status(int argc, char **argv); /* cli/cmd_status.c: database and daemon state */
int cmd_compare(int argc, char **argv); /* cli/cmd_compare.c: statistical comparisons */
int cmd_plot(int argc, char **argv);    /* cli/cmd_plot.c: gnuplot figures (analysis/figures.c) from the store */
int cmd_report(int argc, char **argv);  /* cli/cmd_report.c: the Markdown report (analysis/report.c) */
int cmd_calibrate(int argc, char **argv); /* cli/cmd_calibrate.c: noise floors from A/A boots */
int cmd_pool(int argc, char **argv);    /* cli/cmd_pool.c: the smallest SWIOTLB pool for a job */
int cmd_nightly(int argc, char **argv); /* cli/cmd_nightly.c: the main job (make run) */
int cmd_bisect(int argc, char **argv);  /* cli/cmd_bisect.c: the first kernel version that changed a metric */
int cmd_night(int argc, char **argv);   /* cli/cmd_night.c: record and judge a night, show one */
int cmd_export(int argc, char **argv);  /* cli/cmd_export.c: KCIDB JSON (analysis/kcidb.c) */

#endif
