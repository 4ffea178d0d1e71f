/*
 * `bouncelab compare`: did the new runs get worse than the base runs, by how
 * much, and is it real? Rows per (workload, variant, size, metric) with base
 * and new mean, relative change, CVs, a seeded bootstrap 95% CI and a
 * verdict (analysis/compare.h, analysis/stats.h). --fail-on-regression makes it a CI
 * gate. --modes compares, for one kernel, each DMA mode against noforce:
 * what bouncing costs.
 *
 * Exit codes: 0 done (no significant regression, or no --fail-on-regression),
 * 1 a significant change the worse way with --fail-on-regression,
 * 2 bad usage or selector, 3 the store could not answer or nothing matched.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "calibrate.h"
#include "commands.h"
#include "compare.h"
#include "selector.h"
#include "log.h"
#include "profile.h"

#define MAX_METRICS 32

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab compare --base SELECTOR --new SELECTOR [OPTIONS]\n"
		"       bouncelab compare --modes --kernel KERNEL [--where SELECTOR] [OPTIONS]\n\n"
		"Compares the runs two selectors pick, per (workload, variant, size, metric).\n\n"
		"  --base SEL            the runs to compare against\n"
		"  --new SEL             the runs under judgement\n"
		"  --modes               compare each DMA mode of one kernel against --base-mode\n"
		"  --kernel K            the kernel for --modes (release or series, e.g. 6.12)\n"
		"  --base-mode M         the reference mode for --modes (default " BL_MODE_BASELINE ")\n"
		"  --where SEL           more conditions for --modes (device=vgem,job=standard)\n"
		"  --metric M[,M...]     only these metrics (default: all); see below\n"
		"  --format text|md|json output format (default text)\n"
		"  --changes-only        only rows with a significant change, or whose operations\n"
		"                        all failed on one side (the default of text output)\n"
		"  --all                 text output: every row, not only the changed ones\n"
		"  --fail-on-regression  exit 1 when any change is significantly worse\n"
		"  --noise PCT           smallest change of a time that counts (default 2; 3\n"
		"                        with one boot a side: above what 99 %% of identical\n"
		"                        boots differ by)\n"
		"  --noise-k K           a time must also change by more than K x its row's\n"
		"                        noise floor (bouncelab calibrate; default 2; 1.5 with\n"
		"                        one boot a side)\n"
		"  --min-reps N          boots a side for Welch's t on boot values (default 2;\n"
		"                        fewer: one boot a side, judged against the noise floor)\n"
		"  --seed N              bootstrap seed (default fixed: reproducible)\n"
		"  --profiles            also list the symbols whose share of the CPU profile\n"
		"                        changed most (rows whose documents carry a profile)\n"
		"  --store-verdicts SUBJ store each row's verdict in the database under SUBJ\n"
		"  --judge UUID          the nightly judgement: run UUID against the earlier runs\n"
		"                        --base picks; verdicts stored under the UUID\n"
		"  --db PATH             database (default $BOUNCELAB_DB or var/bouncelab.db)\n\n"
		"--base, --new and --where take a SELECTOR:\n");
	bl_selector_help(out, "");
	fprintf(out, "Example: --base kernel=6.1,mode=force --new kernel=6.12,mode=force\n\n"
		     "Metrics:\n");
	for (const struct bl_metric *m = bl_metrics; m->name; m++)
		fprintf(out, "  %-16s %s, %s (%s is better)\n", m->name, m->label, m->unit,
			m->direction == BL_HIGHER_IS_BETTER ? "higher" : "lower");
	fprintf(out,
		"\nHow rows are judged (analysis/judge.h). Counts (failed operations, a job\n"
		"that stopped running, bounces, bytes synced, slots) are exact: a change is\n"
		"one when the two sides' values do not overlap and differ by more than the\n"
		"count's own A/A spread (0 for most); they come first. Times (throughput,\n"
		"latency) take the boot as the unit: under QEMU a guest's speed moves from\n"
		"boot to boot while the repetitions inside one boot agree, so the\n"
		"repetitions of a boot are reduced to their median first (on the icount\n"
		"clock anything else the guest runs only adds time to the repetition it\n"
		"lands in). With --min-reps boots or more on both sides the boot values\n"
		"are compared with Welch's t (a t interval on the\n"
		"difference: with 2-5 boots a bootstrap of boot values has too few distinct\n"
		"resamples); with one boot on a side the row's noise floor, measured by\n"
		"bouncelab calibrate between A/A boots, decides: a time changes\n"
		"significantly when |change| > max(--noise, --noise-k x floor) (the\n"
		"repetitions' interval is shown, not required: those of one boot cannot\n"
		"tell how far another boot falls). Without a floor such a row is\n"
		"'unknown' (calibrate, or run more boots), never a verdict. Runs on the\n"
		"icount and wall guest clocks are never compared with each other. A row\n"
		"whose operations start failing is a regression, and so is a job whose\n"
		"runs go from ok to failed or skipped (metric job_failed); a row where every\n"
		"operation failed is not compared on throughput, latency or bounces.\n\n"
		"Exit: 0 ok, 1 regression (with --fail-on-regression; the rows are named),\n"
		"2 usage, 3 store error or nothing matched.\n");
}

struct opts {
	const char *db, *base, *new_sel, *kernel, *base_mode, *where, *metric_arg;
	const char *store_subject, *judge;
	bool modes, changes_only, all, fail_on_regression, profiles;
	enum bl_cmp_format fmt;
	struct bl_stats_opts stats;
	const char *metrics[MAX_METRICS + 1]; /* NULL-terminated, or metrics[0] = NULL: all */
	char *metric_buf;
};

/* Splits --metric into opts->metrics, checking each name. 0 or -EINVAL. */
static int parse_metrics(struct opts *o)
{
	char *save = NULL, *tok;
	size_t n = 0;

	o->metric_buf = strdup(o->metric_arg);
	if (!o->metric_buf) {
		bl_err("--metric: out of memory");
		return -ENOMEM;
	}
	for (tok = strtok_r(o->metric_buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!bl_metric_find(tok)) {
			bl_err("--metric: unknown metric '%s' (see bouncelab compare --help)", tok);
			return -EINVAL;
		}
		if (n == MAX_METRICS) {
			bl_err("--metric: more than %d metrics", MAX_METRICS);
			return -EINVAL;
		}
		o->metrics[n++] = tok;
	}
	o->metrics[n] = NULL;
	if (!n)
		bl_err("--metric: no metric named");
	return n ? 0 : -EINVAL;
}

static int parse_number(const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
		bl_err("%s: '%s' is not a number in [%g, %g]", opt, arg, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_BASE = 256, O_NEW, O_MODES, O_KERNEL, O_BASE_MODE, O_WHERE, O_METRIC, O_FORMAT,
	       O_CHANGES, O_FAIL, O_NOISE, O_MINREPS, O_SEED, O_DB, O_HELP, O_STORE, O_JUDGE,
	       O_PROFILES, O_NOISE_K, O_ALL };
	static const struct option longopts[] = {
		{ "base", required_argument, NULL, O_BASE },
		{ "new", required_argument, NULL, O_NEW },
		{ "modes", no_argument, NULL, O_MODES },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "base-mode", required_argument, NULL, O_BASE_MODE },
		{ "where", required_argument, NULL, O_WHERE },
		{ "metric", required_argument, NULL, O_METRIC },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "changes-only", no_argument, NULL, O_CHANGES },
		{ "all", no_argument, NULL, O_ALL },
		{ "fail-on-regression", no_argument, NULL, O_FAIL },
		{ "noise", required_argument, NULL, O_NOISE },
		{ "noise-k", required_argument, NULL, O_NOISE_K },
		{ "min-reps", required_argument, NULL, O_MINREPS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "db", required_argument, NULL, O_DB },
		{ "store-verdicts", required_argument, NULL, O_STORE },
		{ "judge", required_argument, NULL, O_JUDGE },
		{ "profiles", no_argument, NULL, O_PROFILES },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	bl_stats_opts_default(&o->stats);
	o->fmt = BL_CMP_TEXT;
	o->base_mode = BL_MODE_BASELINE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_BASE: o->base = optarg; break;
		case O_NEW: o->new_sel = optarg; break;
		case O_MODES: o->modes = true; break;
		case O_KERNEL: o->kernel = optarg; break;
		case O_BASE_MODE: o->base_mode = optarg; break;
		case O_WHERE: o->where = optarg; break;
		case O_METRIC: o->metric_arg = optarg; break;
		case O_CHANGES: o->changes_only = true; break;
		case O_ALL: o->all = true; break;
		case O_FAIL: o->fail_on_regression = true; break;
		case O_DB: o->db = optarg; break;
		case O_STORE: o->store_subject = optarg; break;
		case O_JUDGE: o->judge = optarg; break;
		case O_PROFILES: o->profiles = true; break;
		case O_FORMAT:
			if (bl_cmp_format_parse(optarg, &o->fmt) < 0) {
				bl_err("--format: '%s' is not one of text, md, json", optarg);
				return -EINVAL;
			}
			break;
		case O_NOISE:
			if (parse_number("--noise", optarg, 0, 100, &v) < 0)
				return -EINVAL;
			o->stats.noise = o->stats.noise_one_boot = v / 100;
			break;
		case O_NOISE_K:
			if (parse_number("--noise-k", optarg, 0, 100, &v) < 0)
				return -EINVAL;
			o->stats.floor_k = o->stats.floor_k_one_boot = v;
			break;
		case O_MINREPS:
			/* between boots the replicates are boots: it counts them */
			if (parse_number("--min-reps", optarg, 2, 1e6, &v) < 0)
				return -EINVAL;
			o->stats.min_reps = (size_t)v;
			o->stats.min_boots = (size_t)v;
			break;
		case O_SEED:
			if (parse_number("--seed", optarg, 0, 1.8e19, &v) < 0)
				return -EINVAL;
			o->stats.seed = (uint64_t)v;
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		bl_err("compare: unexpected argument '%s' (selectors go after --base / --new)",
		       argv[optind]);
		return -EINVAL;
	}
	if (o->all && o->changes_only) {
		bl_err("compare: --all and --changes-only contradict each other");
		return -EINVAL;
	}
	/* people at a terminal see what changed; tools and reports get every row */
	if (o->fmt == BL_CMP_TEXT && !o->all)
		o->changes_only = true;
	if (o->judge) {
		if (!o->base || o->new_sel || o->modes) {
			bl_err("compare --judge UUID: needs --base SELECTOR (the baseline) only");
			return -EINVAL;
		}
	} else if (o->modes) {
		if (o->store_subject) {
			bl_err("compare --modes: --store-verdicts applies to --base/--new only");
			return -EINVAL;
		}
		if (!o->kernel) {
			bl_err("compare --modes: needs --kernel (e.g. --kernel 6.12)");
			return -EINVAL;
		}
		if (o->base || o->new_sel) {
			bl_err("compare --modes: --base/--new do not apply (use --where)");
			return -EINVAL;
		}
	} else if (!o->base || !o->new_sel) {
		bl_err("compare: needs --base SELECTOR and --new SELECTOR (or --modes --kernel K)");
		return -EINVAL;
	}
	if (o->metric_arg && parse_metrics(o) < 0)
		return -EINVAL; /* parse_metrics said why, once */
	return 0;
}

static int parse_selector(const char *what, const char *text, struct bl_selector *sel)
{
	char err[512];

	if (bl_selector_parse(text, sel, err, sizeof(err)) < 0) {
		bl_err("%s: %s", what, err);
		return -EINVAL;
	}
	return 0;
}

/* Names every row judged worse on stderr: what --fail-on-regression fails on. */
static void name_regressions(const struct bl_cmp_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];
		char sz[24];

		if (row->ch.verdict != BL_VERDICT_WORSE)
			continue;
		bl_size_str(row->size, sz, sizeof(sz));
		fprintf(stderr, "regression: %s %s%s%s %s %s: %.6g -> %.6g\n", row->group,
			row->workload, *row->variant ? "/" : "", row->variant, sz, row->metric->name,
			row->ch.base_mean, row->ch.new_mean);
	}
}

/* Prints the comparison and updates the totals; 0 or -EIO. */
static int emit(const struct opts *o, const struct bl_cmp_result *r, json_t *json_all,
		size_t *worse)
{
	*worse += r->worse;
	if (o->fail_on_regression)
		name_regressions(r);
	if (o->fmt == BL_CMP_JSON && json_all) {
		json_t *j = bl_cmp_to_json(r, o->changes_only);

		return j && !json_array_append_new(json_all, j) ? 0 : -ENOMEM;
	}
	return bl_cmp_write(stdout, r, o->fmt, o->changes_only);
}

static const char *const *metric_list(const struct opts *o)
{
	return o->metrics[0] ? o->metrics : NULL;
}

/*
 * The symbols whose profile share changed most, per row both sides
 * profiled. Documents without profiles: says so in one line.
 */
static int profile_changes(struct bl_store *s, const struct opts *o,
			   const struct bl_run_filter *bf, const struct bl_run_filter *nf)
{
	json_t *base = an_load_profiles(s, bf), *new_p = an_load_profiles(s, nf), *bp;
	const char *key;
	size_t rows = 0;

	if (!base || !new_p) {
		json_decref(base);
		json_decref(new_p);
		return -ENOMEM;
	}
	printf(o->fmt == BL_CMP_MARKDOWN ? "\n#### Profile: symbols whose share changed most\n\n"
					 : "\nprofile: symbols whose share changed most\n");
	json_object_foreach(base, key, bp) {
		struct bl_profile_change ch[5];
		json_t *np = json_object_get(new_p, key);
		int n;

		if (!np)
			continue;
		n = bl_profile_diff(bp, np, ch, 5);
		for (int i = 0; i < n; i++)
			if (fabs(ch[i].new_share - ch[i].base_share) >= 0.001) /* 0.1 points */
				printf(o->fmt == BL_CMP_MARKDOWN ? "- %s: `%s`%s %.1f%% -> %.1f%% (%+.1f points)\n"
							 : "  %s: %s%s %.1f%% -> %.1f%% (%+.1f points)\n",
			       key, ch[i].name, ch[i].kernel ? " [k]" : "", ch[i].base_share * 100,
			       ch[i].new_share * 100, (ch[i].new_share - ch[i].base_share) * 100);
		rows++;
	}
	if (!rows)
		printf("  no row was profiled on both sides (gembench --profile)\n");
	json_decref(base);
	json_decref(new_p);
	return 0;
}

/* Plain comparison: --base against --new. */
static int run_pair(struct bl_store *s, const struct opts *o, size_t *worse)
{
	struct bl_selector bsel = { 0 }, nsel = { 0 };
	struct an_comparison cmp = { 0 };
	int ret;

	if ((ret = parse_selector("--base", o->base, &bsel)) < 0 ||
	    (ret = parse_selector("--new", o->new_sel, &nsel)) < 0)
		goto out;
	ret = an_compare(s, &(struct an_side){ .filter = &bsel.filter, .label = o->base },
			 &(struct an_side){ .filter = &nsel.filter, .label = o->new_sel },
			 AN_GROUP_JOB, metric_list(o), &o->stats, &cmp);
	if (ret < 0) {
		bl_err("compare: %s", strerror(-ret));
		ret = 3;
		goto out;
	}
	ret = 3;
	if (!cmp.base_runs || !cmp.new_runs) {
		bl_err("compare: no runs match %s '%s'", !cmp.base_runs ? "--base" : "--new",
		       !cmp.base_runs ? o->base : o->new_sel);
		goto out;
	}
	if (o->fmt == BL_CMP_TEXT)
		printf("%zu base runs, %zu new runs\n", cmp.base_runs, cmp.new_runs);
	ret = emit(o, &cmp.r, NULL, worse) < 0 ? 3 : 0;
	if (!ret && o->profiles && o->fmt != BL_CMP_JSON &&
	    profile_changes(s, o, &bsel.filter, &nsel.filter) < 0)
		ret = 3;
	if (!ret && o->store_subject &&
	    an_store_verdicts(s, &cmp.r, o->store_subject, (int64_t)time(NULL)) < 0)
		ret = 3;
out:
	an_comparison_free(&cmp);
	bl_selector_free(&bsel);
	bl_selector_free(&nsel);
	return ret < 0 ? 2 : ret;
}

/*
 * Which modes of the default matrix (lib/dmamode.h's bl_mode_matrix: the
 * table's rows and xen-pv:balloon=1536M) the runs a selector picks were in,
 * by position in @keys.
 */
static int modes_of(struct bl_store *s, const struct bl_run_filter *f, const char *const *keys, size_t nkeys,
		    bool *present)
{
	struct an_runs runs;
	int ret = an_load_runs(s, f, &runs);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < runs.n; i++)
		for (size_t k = 0; k < nkeys && runs.r[i].n_results > 0; k++)
			if (!strcmp(runs.r[i].mode, keys[k]))
				present[k] = true;
	an_runs_free(&runs);
	return 0;
}

/* --modes: each mode of one kernel against the base mode (loaded once). */
static int run_modes(struct bl_store *s, const struct opts *o, size_t *worse)
{
	struct bl_selector where = { 0 }, bsel = { 0 };
	struct an_dataset base = { 0 };
	const char *keys[BL_MODE_MATRIX_MAX];
	size_t nkeys = bl_mode_matrix(keys);
	bool present[BL_MODE_MATRIX_MAX] = { false };
	json_t *json_all = o->fmt == BL_CMP_JSON ? json_array() : NULL;
	char err[512];
	size_t compared = 0;
	int ret = 2;

	if (parse_selector("--where", o->where ? o->where : "", &where) < 0)
		goto out;
	if (bl_selector_set(&where, "kernel", o->kernel, err, sizeof(err)) < 0) {
		bl_err("--kernel: %s", err);
		goto out;
	}
	if (parse_selector("--where", where.text, &bsel) < 0 ||
	    bl_selector_set(&bsel, "mode", o->base_mode, err, sizeof(err)) < 0) {
		bl_err("--base-mode: %s", err);
		goto out;
	}
	ret = 3;
	if (modes_of(s, &where.filter, keys, nkeys, present) < 0 || an_dataset_load(s, &bsel.filter, &base) < 0)
		goto out;
	if (!base.n) {
		bl_err("compare --modes: no %s runs match '%s'", o->base_mode, bsel.text);
		goto out;
	}
	for (size_t m = 0; m < nkeys; m++) {
		const char *mode = keys[m];
		struct bl_selector nsel = { 0 };
		struct an_dataset nds = { 0 };
		struct an_comparison cmp = { 0 };
		bool ok;

		if (!present[m] || !strcmp(mode, o->base_mode))
			continue;
		ok = parse_selector("--where", where.text, &nsel) == 0 &&
		     bl_selector_set(&nsel, "mode", mode, err, sizeof(err)) == 0 &&
		     an_dataset_load(s, &nsel.filter, &nds) == 0 &&
		     an_compare(s, &(struct an_side){ .ds = &base, .label = bsel.text },
				&(struct an_side){ .ds = &nds, .label = nsel.text }, AN_GROUP_JOB,
				metric_list(o), &o->stats, &cmp) == 0 &&
		     (o->fmt != BL_CMP_TEXT || printf("\n== %s vs %s (%zu vs %zu runs) ==\n", mode,
						      o->base_mode, cmp.new_runs, cmp.base_runs) >= 0) &&
		     (o->fmt != BL_CMP_MARKDOWN ||
		      printf("\n### %s vs %s\n\n", mode, o->base_mode) >= 0) &&
		     emit(o, &cmp.r, json_all, worse) == 0;
		an_comparison_free(&cmp);
		an_dataset_free(&nds);
		bl_selector_free(&nsel);
		if (!ok)
			goto out;
		compared++;
	}
	if (!compared) {
		bl_err("compare --modes: kernel '%s' has no runs in a mode other than %s",
		       o->kernel, o->base_mode);
		goto out;
	}
	if (json_all) {
		json_dumpf(json_all, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		putchar('\n');
	}
	ret = 0;
out:
	json_decref(json_all);
	an_dataset_free(&base);
	bl_selector_free(&where);
	bl_selector_free(&bsel);
	return ret;
}

int cmd_compare(int argc, char **argv)
{
	struct an_floor_index floors = { 0 };
	struct opts o = { 0 };
	struct bl_store *s = NULL;
	size_t worse = 0;
	int ret;

	if (parse_args(argc, argv, &o) < 0) {
		free(o.metric_buf);
		return 2;
	}
	if ((o.store_subject || o.judge ? an_open_store_rw(o.db, &s) : an_open_store(o.db, &s)) < 0) {
		free(o.metric_buf);
		return 3;
	}
	/* the noise floors bouncelab calibrate measured: the threshold of each time row */
	if (an_floor_index_load(s, &floors) < 0) {
		bl_store_close(s);
		free(o.metric_buf);
		return 3;
	}
	o.stats.floor_of = an_floor_of;
	o.stats.floor_user = &floors;
	if (o.judge) {
		char summary[1024];
		int jr = an_judge_run(s, o.judge, o.base, &o.stats, (int64_t)time(NULL), &worse,
				      summary, sizeof(summary));

		if (jr < 0)
			bl_err("compare --judge: %s", summary);
		else
			printf("%s\n", summary);
		ret = jr == -EINVAL ? 2 : jr < 0 ? 3 : 0;
	} else {
		ret = o.modes ? run_modes(s, &o, &worse) : run_pair(s, &o, &worse);
	}
	if (!ret && fflush(stdout))
		ret = 3;
	if (!ret && o.fail_on_regression && worse) {
		bl_err("compare: %zu significant regression%s", worse, worse == 1 ? "" : "s");
		ret = 1;
	}
	an_floor_index_free(&floors);
	bl_store_close(s);
	free(o.metric_buf);
	return ret;
}
