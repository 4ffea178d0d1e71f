/*
 * `bouncelab night`: record the runs of a campaign as a night and judge
 * it (analysis/night.h), or show a judged night.
 *
 *   night judge [--label TEXT] [--source NAME] [--started UNIX]
 *               [--baseline SELECTOR] [--json] FILE...
 *       the runs of the result documents FILE... (one object, JSON Lines,
 *       or a sequence, as ingest reads them; they must be stored already)
 *       become one night, judged against each run's last night of the same
 *       configuration and the pinned baseline; prints what regressed.
 *   night show [ID|latest] [--json]
 *
 * `bouncelab nightly` runs `night judge` after its ingest step.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "analysis.h"
#include "commands.h"
#include "fsutil.h"
#include "log.h"
#include "night.h"
#include "paths.h"
#include "selector.h"

/* Worse rows `night judge` and `night show` print before "and N more". */
#define NIGHT_TEXT_ROWS 10

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab night judge [--label TEXT] [--source NAME] [--started UNIX]\n"
		"                             [--baseline SELECTOR] [--json] [--db PATH] FILE...\n"
		"       bouncelab night show [ID|latest] [--json] [--db PATH]\n\n"
		"judge: record the runs of the result documents FILE... (stored already, e.g. by\n"
		"bouncelab ingest) as one night and judge each run against its last night: the\n"
		"newest earlier run of exactly the same configuration (job, host, devices, DMA\n"
		"mode, pool, hypervisor, balloon, guest clock, kernel package version); with\n"
		"--baseline also against the runs a selector picks. Verdicts are stored.\n"
		"show: print a night (default the latest).\n\n"
		"  --label TEXT        the night's name (default: SOURCE and the start time)\n"
		"  --source NAME       what ran it (default nightly; the daemon: schedule:NAME)\n"
		"  --started UNIX      when it started (default now)\n"
		"  --baseline SELECTOR pinned baseline, as compare takes it (kernel=6.1.119-1)\n"
		"  --json              print the night as JSON (what GET /api/v1/nights returns)\n"
		"  --db PATH           database (default $BOUNCELAB_DB, else %s)\n\n"
		"Exit: 0 judged or shown, 1 an error (no such night: 1), 2 bad usage.\n",
		BL_DEFAULT_DB);
}

static int print_night(const struct an_night *n, bool json)
{
	if (json) {
		json_t *j = an_night_to_json(n);
		int ret = j ? json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) : -1;

		json_decref(j);
		fputc('\n', stdout);
		return ret ? 1 : 0;
	}
	an_night_write_text(stdout, n, NIGHT_TEXT_ROWS);
	return 0;
}

/* The largest document file read (a night of JSON Lines from one lab run). */
#define NIGHT_FILE_MAX (256u << 20)

/*
 * Adds the run of every document in @path to night @id; counts what it
 * added. A document whose run is not stored (ingest refused it) or that
 * cannot be read is left out with a warning: the night is judged on what
 * was stored. Only the store failing is an error.
 */
static int add_file(struct bl_store *s, int64_t id, const char *path, size_t *added)
{
	char *buf = NULL;
	size_t len = 0, pos = 0;
	int ret = bl_read_file(path, NIGHT_FILE_MAX, &buf, &len);

	if (ret) {
		bl_warn("night: %s: read: %s; its runs are left out", path, strerror(-ret));
		return 0;
	}
	while (!ret) {
		json_error_t jerr;
		const char *uuid;
		json_t *root;

		while (pos < len && strchr(" \t\r\n", buf[pos]))
			pos++;
		if (pos >= len)
			break;
		root = json_loadb(buf + pos, len - pos, JSON_DISABLE_EOF_CHECK, &jerr);
		if (!root) {
			bl_warn("night: %s: invalid JSON at line %d: %s; the rest of the file is left out",
				path, jerr.line, jerr.text);
			break;
		}
		uuid = json_string_value(json_object_get(root, "run_id"));
		if (!uuid) {
			bl_warn("night: %s: a document without a run_id is left out", path);
		} else {
			ret = an_night_add_run(s, id, uuid);
			if (ret == -ENOENT) {
				bl_warn("night: %s: run %s is not stored; left out", path, uuid);
				ret = 0;
			} else {
				*added += !ret;
			}
		}
		json_decref(root);
		pos += (size_t)jerr.position;
	}
	free(buf);
	return ret;
}

static int parse_i64(const char *opt, const char *v, int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < 0) {
		bl_err("night: %s '%s': expected a non-negative whole number", opt, v);
		return 2;
	}
	*out = n;
	return 0;
}

int cmd_night(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "source", required_argument, NULL, 'S' },
		{ "started", required_argument, NULL, 't' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *label = NULL, *source = "nightly", *baseline = NULL, *db = NULL, *action;
	int64_t started = (int64_t)time(NULL), id = 0;
	struct bl_store *s = NULL;
	struct an_night n;
	bool json = false;
	size_t added = 0;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': label = optarg; break;
		case 'S': source = optarg; break;
		case 't':
			if (parse_i64("--started", optarg, &started))
				return 2;
			break;
		case 'b': baseline = optarg; break;
		case 'j': json = true; break;
		case 'd': db = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		bl_err("night: expected judge or show (see bouncelab night --help)");
		return 2;
	}
	action = argv[optind++];
	if (!strcmp(action, "show")) {
		if (argc - optind > 1) {
			bl_err("night show: unexpected argument '%s'", argv[optind + 1]);
			return 2;
		}
		if (optind < argc && strcmp(argv[optind], "latest") &&
		    (strspn(argv[optind], "0123456789") != strlen(argv[optind]) ||
		     parse_i64("show", argv[optind], &id) || id == 0)) {
			bl_err("night show: '%s': expected a night's id (1, 2, ...) or latest", argv[optind]);
			return 2;
		}
		if (an_open_store(db, &s) < 0)
			return 1;
		ret = an_night_load(s, id, &n);
		if (ret == -ENOENT)
			bl_err("night: %s", bl_store_errmsg(s));
		if (!ret) {
			ret = print_night(&n, json);
			an_night_free(&n);
		}
		bl_store_close(s);
		return ret ? 1 : 0;
	}
	if (strcmp(action, "judge")) {
		bl_err("night: '%s': expected judge or show", action);
		return 2;
	}
	if (optind >= argc) {
		bl_err("night judge: no result documents given");
		return 2;
	}
	if (!*source) {
		bl_err("night judge: --source '': expected a name (nightly, schedule:NAME)");
		return 2;
	}
	if (baseline) {
		struct bl_selector sel;
		char err[512];

		if (bl_selector_parse(baseline, &sel, err, sizeof(err)) < 0) {
			bl_err("night judge: --baseline: %s", err);
			return 2;
		}
		bl_selector_free(&sel);
	}
	if (an_open_store_rw(db, &s) < 0)
		return 1;
	ret = an_night_begin(s, label, source, started, &id);
	for (int i = optind; !ret && i < argc; i++)
		ret = add_file(s, id, argv[i], &added);
	if (!ret)
		ret = an_night_judge(s, id, baseline, NULL, (int64_t)time(NULL), &n);
	if (!ret) {
		fprintf(stderr, "night: #%lld: %zu run%s judged\n", (long long)id, added,
			added == 1 ? "" : "s");
		ret = print_night(&n, json);
		an_night_free(&n);
	}
	bl_store_close(s);
	return ret ? 1 : 0;
}
