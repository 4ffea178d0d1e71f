/*
 * bouncelab: the command people type. A thin dispatcher over a table of
 * subcommands (cli/commands.h); each subcommand parses its own options
 * and prints its own --help.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "version.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line for `bouncelab --help` */
};

static const struct subcommand subcommands[] = {
	{ "nightly", cmd_nightly, "the main job: measure, store, compare modes, plot, report, summary" },
	{ "lab", cmd_lab, "boot Debian kernels under QEMU in each DMA mode and run a job inside" },
	{ "ingest", cmd_ingest, "store result documents (through bouncelabd when it runs)" },
	{ "runs", cmd_runs, "list stored runs, filtered by kernel, mode, device, job, date" },
	{ "night", cmd_night, "record a campaign's runs as a night, judge it against last night; show one" },
	{ "status", cmd_status, "database, schema version, runs stored, daemon reachable" },
	{ "calibrate", cmd_calibrate, "boot one configuration twice (A/A) and store the noise floors compare uses" },
	{ "bisect", cmd_bisect, "the first kernel version of a range that changed a metric (one boot a step)" },
	{ "pool", cmd_pool, "find the smallest SWIOTLB pool a job runs in (one boot per probe)" },
	{ "compare", cmd_compare, "compare two sets of runs (or DMA modes): change, 95% CI, verdict" },
	{ "plot", cmd_plot, "render the figures (gnuplot) for the runs a selector picks" },
	{ "report", cmd_report, "write the Markdown report (RESULTS.md) with tables, plots, findings" },
	{ "export", cmd_export, "write the runs a selector picks as KernelCI KCIDB v5.3 JSON" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: bouncelab COMMAND [OPTIONS]\n\n"
		     "Measure what SWIOTLB bouncing costs GEM buffers and dma-bufs.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'bouncelab COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	bl_log_init("bouncelab", BL_LOG_INFO);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("bouncelab %s\n", bl_version);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	bl_err("unknown command '%s' (see bouncelab --help)", argv[1]);
	return 2;
}
