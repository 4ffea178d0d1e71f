/*
 * `bouncelab report`: options, the output files (written beside the target
 * and renamed, so a failed report never half-replaces one) and the side file
 * of full tables; the report itself is analysis/report.c (an_report_write).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "commands.h"
#include "fsutil.h"
#include "html.h"
#include "log.h"
#include "paths.h"
#include "selector.h"
#include "textsafe.h"


/* A nightly lab matrix takes a few hours; 12 never reaches the night before. */
#define NIGHT_HOURS 12

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab report [--out FILE] [--plots DIR] [--format png|svg] "
		"[--no-plots] [--all | --night-hours H] [--db PATH] [SELECTOR...]\n"
		"       bouncelab report --html DIR [--no-plots] [--all | --night-hours H] [--db PATH]\n\n"
		"Writes the Markdown report of the newest night: the runs that started within\n"
		"%d hours of the newest stored run (what the lab's last nightly matrix produced),\n"
		"with trend figures over every stored run of the same configurations (kernel,\n"
		"mode, devices, job). The report's header says which runs it covers.\n\n"
		"  --all          every run instead of the newest night (as does a SELECTOR)\n"
		"  --night-hours H  what counts as the newest night (default %d)\n"
		"  --out FILE     the report (default RESULTS.md; '-' = stdout). The full\n"
		"                 comparison and per-row tables go beside it, into FILE with\n"
		"                 .md replaced by -details.md (RESULTS-details.md), linked;\n"
		"                 with '-' they are folded into the report instead\n"
		"  --plots DIR    where figures go (default plots/out beside the report)\n"
		"  --format FMT   png (default) or svg figures\n"
		"  --no-plots     leave the figures out\n"
		"  --html DIR     write bouncelabd's dashboard pages (index.html, runs/UUID.html,\n"
		"                 nights/ID.html, figures/*.svg) into DIR instead of the\n"
		"                 Markdown report\n"
		"  --db PATH      database (default $BOUNCELAB_DB or var/bouncelab.db)\n\n",
		NIGHT_HOURS, NIGHT_HOURS);
	bl_selector_help(out, "");
}

struct report_opts {
	const char *out, *plots, *fmt, *db, *html;
	bool no_plots, all;
	int night_hours;
	char selector[1024];
};

int cmd_report(int argc, char **argv)
{
	enum { O_OUT = 256, O_PLOTS, O_FORMAT, O_NOPLOTS, O_DB, O_HELP, O_ALL, O_NIGHT, O_HTML };
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, O_OUT },
		{ "plots", required_argument, NULL, O_PLOTS },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "no-plots", no_argument, NULL, O_NOPLOTS },
		{ "db", required_argument, NULL, O_DB },
		{ "all", no_argument, NULL, O_ALL },
		{ "night-hours", required_argument, NULL, O_NIGHT },
		{ "html", required_argument, NULL, O_HTML },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts o = { .out = "RESULTS.md", .fmt = "png", .night_hours = NIGHT_HOURS };
	struct bl_selector sel = { 0 };
	struct bl_store *s = NULL;
	char err[512], report_dir[PATH_MAX], plots_dir[PATH_MAX], tmp[PATH_MAX + 16];
	char dpath[PATH_MAX], dtmp[PATH_MAX + 16], dlink[PATH_MAX] = "", copy[PATH_MAX];
	FILE *f = NULL, *details = NULL;
	int c, ret = 3;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_OUT: o.out = optarg; break;
		case O_PLOTS: o.plots = optarg; break;
		case O_NOPLOTS: o.no_plots = true; break;
		case O_DB: o.db = optarg; break;
		case O_ALL: o.all = true; break;
		case O_HTML: o.html = optarg; break;
		case O_NIGHT: {
			char *end;
			long h;

			errno = 0;
			h = strtol(optarg, &end, 10);
			if (errno || *end || h < 1 || h > 24 * 365) {
				bl_err("--night-hours: '%s' is not a number of hours >= 1", optarg);
				return 2;
			}
			o.night_hours = (int)h;
			break;
		}
		case O_FORMAT:
			if (strcmp(optarg, "png") && strcmp(optarg, "svg")) {
				bl_err("--format: '%s' is not png or svg", optarg);
				return 2;
			}
			o.fmt = optarg;
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (bl_selector_join(o.selector, sizeof(o.selector), argc - optind, argv + optind) < 0) {
		bl_err("report: selector too long");
		return 2;
	}
	if (bl_selector_parse(o.selector, &sel, err, sizeof(err)) < 0) {
		bl_err("report: %s", err);
		return 2;
	}
	if (!o.db)
		o.db = bl_default_db_path();
	if (an_open_store(o.db, &s) < 0)
		goto out;
	if (o.html) { /* the dashboard's pages: every run (--all) or the newest night */
		if (*o.selector) {
			bl_err("report: --html takes no selector (the dashboard shows the newest night, or --all)");
			ret = 2;
			goto out;
		}
		ret = an_html_write_dir(s, o.html, o.all ? 0 : o.night_hours, o.no_plots) < 0 ? 3 : 0;
		if (!ret)
			fprintf(stderr, "report: wrote %s/index.html\n", o.html);
		goto out;
	}

	if (!strcmp(o.out, "-")) {
		snprintf(report_dir, sizeof(report_dir), ".");
	} else {

		snprintf(copy, sizeof(copy), "%s", o.out);
		snprintf(report_dir, sizeof(report_dir), "%s", dirname(copy));
	}
	if (o.plots)
		snprintf(plots_dir, sizeof(plots_dir), "%s", o.plots);
	else if (!strcmp(report_dir, "."))
		snprintf(plots_dir, sizeof(plots_dir), "plots/out");
	else if (snprintf(plots_dir, sizeof(plots_dir), "%s/plots/out", report_dir) >=
		 (int)sizeof(plots_dir)) {
		bl_err("report: %s: path too long", report_dir);
		goto out;
	}
	if (strcmp(report_dir, ".") && (c = bl_mkdir_p(report_dir, 0777)) < 0) {
		bl_err("report: %s: mkdir: %s", report_dir, strerror(-c));
		goto out;
	}

	if (!strcmp(o.out, "-")) {
		f = stdout;
	} else {
		/* write beside the target and rename: a failed report never half-replaces one */
		snprintf(tmp, sizeof(tmp), "%s.tmp", o.out);
		f = fopen(tmp, "we");
		if (!f) {
			bl_err("report: %s: create: %s", tmp, strerror(errno));
			goto out;
		}
	}
	if (f != stdout) {
		/* the side file: "dir/RESULTS.md" -> "dir/RESULTS-details.md" */
		size_t len = strlen(o.out);

		if (len > 3 && !strcmp(o.out + len - 3, ".md"))
			len -= 3;
		if (snprintf(dpath, sizeof(dpath), "%.*s-details.md", (int)len, o.out) >=
			    (int)sizeof(dpath) ||
		    snprintf(dtmp, sizeof(dtmp), "%s.tmp", dpath) >= (int)sizeof(dtmp)) {
			bl_err("report: %s: path too long", o.out);
			fclose(f);
			unlink(tmp);
			goto out;
		}
		snprintf(copy, sizeof(copy), "%s", dpath);
		snprintf(dlink, sizeof(dlink), "%s", basename(copy));
		details = fopen(dtmp, "we");
		if (!details) {
			bl_err("report: %s: create: %s", dtmp, strerror(errno));
			fclose(f);
			unlink(tmp);
			goto out;
		}
	}
	{
		struct an_report_opts ro = { .out = o.out, .fmt = o.fmt, .db_path = o.db,
					     .plots_dir = plots_dir, .report_dir = report_dir,
					     .details_link = dlink, .selector = o.selector,
					     .no_plots = o.no_plots, .all = o.all,
					     /* a selector or --all: every run it picks */
					     .night_hours = o.all || *o.selector ? 0 : o.night_hours };

		/*
		 * Written to memory first, then out with control and text-reordering
		 * characters escaped (CR, ESC, U+202E from a document's text): one
		 * place for every line the report writes, whatever wrote it.
		 */
		char *mtext = NULL, *dtext = NULL;
		size_t mlen = 0, dlen = 0;
		FILE *mf = open_memstream(&mtext, &mlen);
		FILE *mdf = details ? open_memstream(&dtext, &dlen) : NULL;

		if (!mf || (details && !mdf)) {
			ret = -ENOMEM;
		} else {
			ret = an_report_write(mf, mdf, s, &sel.filter, &ro);
		}
		if (mf && fclose(mf) && !ret)
			ret = -ENOMEM;
		if (mdf && fclose(mdf) && !ret)
			ret = -ENOMEM;
		if (!ret)
			ret = bl_write_text_safe(f, mtext, mlen);
		if (!ret && details)
			ret = bl_write_text_safe(details, dtext, dlen);
		free(mtext);
		free(dtext);
	}
	if (f != stdout) {
		if (ferror(f) | fclose(f) && !ret)
			ret = -EIO;
		if (ferror(details) | fclose(details) && !ret)
			ret = -EIO;
		if (!ret && rename(dtmp, dpath) < 0)
			ret = -errno;
		if (!ret && rename(tmp, o.out) < 0)
			ret = -errno;
		if (ret) {
			unlink(tmp);
			unlink(dtmp);
		}
	} else if (fflush(stdout)) {
		ret = -EIO;
	}
	if (ret < 0) {
		bl_err("report: %s: %s", o.out, strerror(-ret));
		ret = 3;
	} else {
		fprintf(stderr, "report: wrote %s%s%s (figures in %s)\n", o.out,
			details ? " and " : "", details ? dpath : "", o.no_plots ? "-" : plots_dir);
	}
out:
	if (s)
		bl_store_close(s);
	bl_selector_free(&sel);
	return ret;
}
