/*
 * `bouncelab export`: the stored runs a selector picks, in another
 * system's format. --kcidb writes a KernelCI KCIDB v5.3 I/O document
 * (analysis/kcidb.h has the mapping); the only format so far, but named so
 * that a second one does not change what scripts already type.
 * Exit codes: 0 written, 2 bad usage, 3 nothing selected or the store or
 * the output could not be used.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "analysis.h"
#include "commands.h"
#include "kcidb.h"
#include "log.h"
#include "selector.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab export --kcidb [--origin NAME] [--out FILE] [--db PATH] "
		"[SELECTOR...]\n\n"
		"Writes the runs the selector picks as a KernelCI KCIDB v5.3 document: a\n"
		"checkout per kernel source (Debian package version), a build per kernel image,\n"
		"a test per result row (PASS, or FAIL when the kernel refused operations) and\n"
		"one per row and metric (DONE with its number and unit, FAIL when refused),\n"
		"path bouncelab.WORKLOAD.DEVICES.SIZE.METRIC; skipped jobs are SKIP, broken\n"
		"ones ERROR. environment.misc has the DMA mode and the clock.\n\n"
		"  --kcidb          KCIDB JSON (required: the format to write)\n"
		"  --origin NAME    the CI system's name, prefixed to every id (default " AN_KCIDB_ORIGIN "; a-z 0-9 _)\n"
		"  --out FILE       write there (default standard output)\n"
		"  --db PATH        database (default $BOUNCELAB_DB or var/bouncelab.db)\n"
		"  SELECTOR         which runs, e.g. kernel=6.12,mode=force; several are joined\n"
		"                   with ','. No run selected: exit 3.\n\n");
	bl_selector_help(out, "");
}

int cmd_export(int argc, char **argv)
{
	enum { O_KCIDB = 256, O_ORIGIN, O_OUT, O_DB, O_HELP };
	static const struct option longopts[] = {
		{ "kcidb", no_argument, NULL, O_KCIDB },
		{ "origin", required_argument, NULL, O_ORIGIN },
		{ "out", required_argument, NULL, O_OUT },
		{ "db", required_argument, NULL, O_DB },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *origin = AN_KCIDB_ORIGIN, *outpath = NULL, *db = NULL;
	struct bl_selector sel = { 0 };
	struct bl_store *s = NULL;
	json_t *doc = NULL;
	char text[1024] = "", err[512];
	bool kcidb = false;
	size_t runs = 0;
	int c, ret = 3;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_KCIDB: kcidb = true; break;
		case O_ORIGIN: origin = optarg; break;
		case O_OUT: outpath = optarg; break;
		case O_DB: db = optarg; break;
		case O_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!kcidb) {
		bl_err("export: say which format (--kcidb; see bouncelab export --help)");
		return 2;
	}
	if (!an_kcidb_origin_ok(origin)) {
		bl_err("export: --origin '%s': KCIDB allows only a-z, 0-9 and '_'", origin);
		return 2;
	}
	if (bl_selector_join(text, sizeof(text), argc - optind, argv + optind) < 0) {
		bl_err("export: selector too long");
		return 2;
	}
	if (bl_selector_parse(text, &sel, err, sizeof(err)) < 0) {
		bl_err("export: %s", err);
		return 2;
	}
	sel.filter.oldest_first = true;
	if (an_open_store(db, &s) < 0)
		goto out;
	if (an_kcidb_export(s, &sel.filter, origin, &doc, &runs) < 0)
		goto out;
	if (!runs) {
		bl_err("export: no runs match '%s': nothing to export", text);
		goto out;
	}
	if (outpath) {
		if (json_dump_file(doc, outpath, JSON_INDENT(1) | JSON_SORT_KEYS) < 0) {
			bl_err("export: %s: cannot write", outpath);
			goto out;
		}
		bl_info("export: %zu run%s written to %s as KCIDB v5.3", runs, runs == 1 ? "" : "s",
			outpath);
	} else if (json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_SORT_KEYS) < 0 ||
		   fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
		bl_err("export: standard output: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	json_decref(doc);
	bl_store_close(s);
	bl_selector_free(&sel);
	return ret;
}
