/*
 * `bouncelab nightly`: the main job (what `make run` and a lab's cron run).
 * One pass of: measure -> store -> judge the night -> compare -> plot ->
 * report -> summary. The night's runs are judged against their last night
 * of the same configuration (and --baseline) by `bouncelab night judge`,
 * and the report opens with what changed (analysis/report_night.c).
 *
 * Where it measures: on this machine's own DRM devices when it has an i915
 * or xe GPU (i915.ini or xe.ini), else in the testbed (real Debian
 * kernels under QEMU in each DMA mode). --local / --lab override the choice.
 *
 * Each step is this same program (or gembench beside it) run as a child
 * process with an argument vector, exactly as a person would type it, so the
 * steps stay independently usable and one step's crash cannot take the
 * others' results with it. A failing step is reported and the later steps
 * still run on whatever was stored: a nightly that loses one boot must still
 * store, plot and report the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "drmdev.h"
#include "fsutil.h"
#include "dmamode.h"
#include "lab_config.h"
#include "lab_kernels_file.h"
#include "log.h"
#include "paths.h"
#include "selector.h"
#include "store.h"
#include "subprocess.h"

#define NIGHTLY_ECHO_ARGS 20 /* arguments shown when echoing a step (all of lab's) */
#define NIGHTLY_MAX_STEPS 16 /* measure, ingest, a compare per kernel, report */

struct nightly_opts {
	const char *db;		/* --db; NULL = the default */
	const char *kernels;	/* --kernels for the testbed */
	const char *modes;	/* --modes for the testbed */
	const char *job;	/* --job; NULL = per place (i915.ini, xe.ini or standard.ini) */
	const char *out;	/* --out; NULL = var/nightly/<UTC time> */
	const char *timeout;	/* --timeout per boot, passed to lab */
	const char *clock;	/* --clock for the testbed: icount (default) or wall */
	const char *boots;	/* --boots per kernel x mode for the testbed (default 1) */
	const char *baseline;	/* --baseline: a pinned baseline selector for the night */
	int calibrate;		/* 1 --calibrate, -1 --no-calibrate, 0 when no floor exists */
	int where;		/* 0 auto, 'l' local, 't' testbed */
};

struct nightly_step {
	const char *name;	/* for the summary */
	int rc;			/* exit code; -1 not run */
};

/* lib/dmamode.h's default matrix (every mode, xen-pv ballooned too), comma-separated as lab --modes takes it. */
static void all_modes(char *buf, size_t len)
{
	const char *keys[BL_MODE_MATRIX_MAX];
	size_t n = bl_mode_matrix(keys), off = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", keys[i]);
}

static void nightly_usage(FILE *out)
{
	char modes[256];

	all_modes(modes, sizeof(modes));
	fprintf(out,
		"usage: bouncelab nightly [--local | --lab] [--kernels LIST] [--modes LIST]\n"
		"                         [--clock icount|wall] [--boots N] [--job FILE]\n"
		"                         [--out DIR] [--timeout S] [--db PATH]\n"
		"                         [--calibrate | --no-calibrate] [--baseline SELECTOR]\n\n"
		"The main job: measure, store every result document, compare each DMA mode\n"
		"against " BL_MODE_BASELINE ", render the plots and write the report, then print a summary.\n\n"
		"  --local        measure on this machine's DRM devices (gembench)\n"
		"  --lab          measure in the testbed (bouncelab lab: Debian kernels in QEMU)\n"
		"                 default: --local when an i915 or xe device is present, else --lab\n"
		"  --kernels LIST testbed kernels: series, exact versions, ranges as lab takes\n"
		"                 them (default: the list in configs/kernels)\n"
		"  --modes LIST   testbed DMA modes (default: every mode,\n"
		"                 %s)\n"
		"  --job FILE     job file (default configs/jobs/i915.ini, or xe.ini, locally,\n"
		"                 configs/jobs/standard.ini in the testbed)\n"
		"  --out DIR      where documents, plots and the report go\n"
		"                 (default var/nightly/<UTC time>)\n"
		"  --clock CLOCK  testbed guest clock, passed to lab (default icount: 1 ns\n"
		"                 per guest instruction, times comparable across boots,\n"
		"                 boots ~2.5x longer; wall: multi-threaded TCG, faster,\n"
		"                 times move with the host's load)\n"
		"  --boots N      testbed boots per kernel x mode, 1 to %d, interleaved,\n"
		"                 passed to lab (default 1)\n"
		"  --timeout S    testbed: kill a boot after S seconds (default: lab's,\n"
		"                 %d s on icount, %d s on wall)\n"
		"  --db PATH      database (default $BOUNCELAB_DB, else var/bouncelab.db)\n"
		"  --calibrate    testbed: first measure the noise floors (bouncelab calibrate:\n"
		"                 two A/A boots of the last kernel in " BL_MODE_BASELINE " on the night's\n"
		"                 clock and job); default: only when the database has no\n"
		"                 floor on that clock yet (without floors, times compared\n"
		"                 between single boots are 'unknown')\n"
		"  --no-calibrate never calibrate\n"
		"  --baseline SEL judge the night against the runs this selector picks too\n"
		"                 (kernel=6.1.119-1), besides each run's last night\n\n"
		"Exit: 0 when every step succeeded, 1 when one failed (the others still ran),\n"
		"2 on bad usage.\n",
		modes, LAB_BOOTS_MAX, LAB_DEFAULT_TIMEOUT_ICOUNT_S, LAB_DEFAULT_TIMEOUT_WALL_S);
}

/* Runs argv (argv[0] a path) to completion; its exit code (128 + a signal), or -errno. */
static int run_child(char *const argv[])
{
	struct bl_spawn_result res;
	int i, err;

	/* Echo the command as a person would type it; long file lists abbreviated. */
	fprintf(stderr, "nightly: $");
	for (i = 0; argv[i] && i < NIGHTLY_ECHO_ARGS; i++)
		fprintf(stderr, " %s", argv[i]);
	if (argv[i]) {
		int more = 0;

		while (argv[i + more])
			more++;
		fprintf(stderr, " ... (%d more)", more);
	}
	fputc('\n', stderr);
	fflush(stderr);
	fflush(stdout);
	/* The steps are our own programs: no shell, no PATH lookup; streams inherited. */
	err = bl_spawn_run(argv, &(struct bl_spawn_opts){ .no_path_search = true }, &res);
	if (err)
		return err;
	return bl_spawn_code(&res);
}

static int count_floor(const struct bl_noise_floor *f, void *user)
{
	(void)f;
	++*(size_t *)user;
	return 0;
}

/* Does @db hold a noise floor on @clock? (A missing database holds none.) */
static bool have_floors(const char *db, const char *clock)
{
	struct bl_store_opts so = { .read_only = true };
	struct bl_store *s = NULL;
	char err[256];
	size_t n = 0;

	if (access(db, F_OK) != 0 || bl_store_open(db, &so, &s, err, sizeof(err)) < 0)
		return false;
	bl_store_query_floors(s, clock, count_floor, &n);
	bl_store_close(s);
	return n > 0;
}

/*
 * The job file for this machine's own Intel GPU: i915.ini when it has an
 * i915 DRM node (the device the project exists for, kept first so an i915
 * machine runs what it always ran), else xe.ini when it has an xe node
 * (Lunar Lake, Battlemage and later); NULL when it has neither.
 */
static const char *local_intel_job(void)
{
	static const struct {
		const char *driver, *job;
	} intel[] = {
		{ "i915", "configs/jobs/i915.ini" },
		{ "xe", "configs/jobs/xe.ini" },
	};
	struct bl_drm_node nodes[BL_DRM_MAX_NODES];
	size_t n = 0;

	if (bl_drm_list(nodes, BL_DRM_MAX_NODES, &n) < 0)
		return NULL;
	for (size_t d = 0; d < sizeof(intel) / sizeof(intel[0]); d++)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(nodes[i].driver, intel[d].driver))
				return intel[d].job;
	return NULL;
}

static int parse_opts(int argc, char **argv, struct nightly_opts *o)
{
	static const struct option longopts[] = {
		{ "local", no_argument, NULL, 'l' },
		{ "lab", no_argument, NULL, 't' },
		{ "kernels", required_argument, NULL, 'k' },
		{ "modes", required_argument, NULL, 'm' },
		{ "job", required_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "clock", required_argument, NULL, 'c' },
		{ "boots", required_argument, NULL, 'b' },
		{ "calibrate", no_argument, NULL, 'C' },
		{ "no-calibrate", no_argument, NULL, 'N' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum lab_clock clock;
	int c;

	optind = 0; /* GNU: full re-initialisation, argv is a subcommand's */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
		case 't':
			if (o->where && o->where != c) {
				bl_err("nightly: --local and --lab exclude each other");
				return 2;
			}
			o->where = c;
			break;
		case 'k': o->kernels = optarg; break;
		case 'm': o->modes = optarg; break;
		case 'j': o->job = optarg; break;
		case 'o': o->out = optarg; break;
		case 'T': o->timeout = optarg; break;
		case 'c': o->clock = optarg; break;
		case 'b': o->boots = optarg; break;
		case 'C': o->calibrate = 1; break;
		case 'N': o->calibrate = -1; break;
		case 'B': o->baseline = optarg; break;
		case 'd': o->db = optarg; break;
		case 'h':
			nightly_usage(stdout);
			return 1;
		default:
			nightly_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		bl_err("nightly: unexpected argument '%s' (see bouncelab nightly --help)", argv[optind]);
		return 2;
	}
	/* lab would refuse them too, but only after the night has begun */
	if (o->clock && lab_clock_parse(o->clock, &clock)) {
		bl_err("nightly: --clock '%s': expected icount or wall", o->clock);
		return 2;
	}
	if (o->boots) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(o->boots, &end, 10);
		if (!*o->boots || *o->boots == '-' || *o->boots == '+' || errno || *end || n < 1 ||
		    n > LAB_BOOTS_MAX) {
			bl_err("nightly: --boots '%s': expected a number of boots per kernel and mode, 1 to %d",
			       o->boots, LAB_BOOTS_MAX);
			return 2;
		}
	}
	if (o->baseline) {
		struct bl_selector sel;
		char err[512];

		/* refused before the night begins, not after hours of boots */
		if (bl_selector_parse(o->baseline, &sel, err, sizeof(err)) < 0) {
			bl_err("nightly: --baseline: %s", err);
			return 2;
		}
		bl_selector_free(&sel);
	}
	if (o->job && access(o->job, R_OK) < 0) {
		bl_err("nightly: job file %s: %s", o->job, strerror(errno));
		return 2;
	}
	return 0;
}

/* A growing argument vector for one child. */
struct argvec {
	char **v;
	size_t n, cap;
	bool oom;
};

static void av_push(struct argvec *a, const char *arg)
{
	if (a->oom)
		return;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v) {
			a->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (char *)arg;
	a->v[a->n] = NULL;
}

/* Runs the vector built so far, records the step, and empties the vector. */
static void av_run(struct argvec *a, const char *name, struct nightly_step *steps, int *nsteps)
{
	int rc = a->oom ? -ENOMEM : run_child(a->v);

	if (rc < 0)
		bl_err("nightly: %s: cannot start %s: %s", name, a->v[0], strerror(-rc));
	else if (rc)
		bl_warn("nightly: %s exited %d; the later steps still run", name, rc);
	steps[*nsteps].name = name;
	steps[(*nsteps)++].rc = rc;
	a->n = 0;
	a->oom = false;
}

/* av_run with the child's stdout in @path (and a copy of where it went on stderr). */
static int redirect_run(struct argvec *a, const char *path, const char *name,
			struct nightly_step *steps, int *nsteps)
{
	int saved = -1, fd = -1, err = 0;

	fflush(stdout);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		bl_err("nightly: %s: %s: %s", name, path, strerror(-err));
		goto out;
	}
	saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0); /* not inherited by the step */
	if (saved < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		err = -errno;
		goto out;
	}
	av_run(a, name, steps, nsteps);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	fprintf(stderr, "nightly: %s -> %s\n", name, path);
out:
	if (saved >= 0)
		close(saved);
	if (fd >= 0)
		close(fd);
	a->n = 0;
	return err;
}

int cmd_nightly(int argc, char **argv)
{
	struct nightly_opts o = { 0 };
	char dir[PATH_MAX], self[PATH_MAX + 16], gembench[PATH_MAX + 16], out[PATH_MAX];
	char jobpath[PATH_MAX];
	char docs[PATH_MAX + 16], report[PATH_MAX + 16], plots[PATH_MAX + 16];
	char pattern[PATH_MAX + 32], local_json[PATH_MAX + 32];
	struct nightly_step steps[NIGHTLY_MAX_STEPS];
	char modes[256], kernels[1024] = "";
	struct argvec a = { 0 };
	glob_t found = { 0 };
	int nsteps = 0, rc, err, failed = 0;
	const char *clock_name;
	bool local;
	const char *intel_job;
	char started[24];

	snprintf(started, sizeof(started), "%lld", (long long)time(NULL));
	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (!o.db)
		o.db = bl_default_db_path();
	err = bl_self_dir(dir, sizeof(dir));
	if (err) {
		bl_err("nightly: cannot find my own folder: %s", strerror(-err));
		return 1;
	}
	snprintf(self, sizeof(self), "%s/bouncelab", dir);
	snprintf(gembench, sizeof(gembench), "%s/gembench", dir);

	intel_job = local_intel_job();
	local = o.where ? o.where == 'l' : intel_job != NULL;
	/* the testbed's kernels: --kernels, else configs/kernels as lab itself reads it */
	if (o.kernels) {
		if ((size_t)snprintf(kernels, sizeof(kernels), "%s", o.kernels) >= sizeof(kernels)) {
			bl_err("nightly: --kernels: longer than %zu characters", sizeof(kernels) - 1);
			return 2;
		}
	} else if (!local) {
		char why[PATH_MAX + 128];

		if (lab_kernels_file_list(kernels, sizeof(kernels), why, sizeof(why))) {
			bl_err("nightly: %s", why);
			return 2;
		}
	}
	clock_name = o.clock ? o.clock : "icount";
	if (!o.job) {
		const char *job = !local ? "configs/jobs/standard.ini"
				 : intel_job ? intel_job : "configs/jobs/i915.ini";

		/* the tree's job files, or the installed ones (share/bouncelab/jobs/) */
		bl_shipped_path(job, BL_SHIPPED_DATA, job + strlen("configs/"), jobpath,
				sizeof(jobpath));
		o.job = jobpath;
	}
	if (o.out) {
		snprintf(out, sizeof(out), "%s", o.out);
	} else {
		bl_default_out_dir("nightly", out, sizeof(out));
	}
	err = bl_mkdir_p(out, 0755);
	if (err) {
		bl_err("nightly: creating %s: %s", out, strerror(-err));
		return 1;
	}
	snprintf(docs, sizeof(docs), "%s/docs", out);
	snprintf(report, sizeof(report), "%s/report.md", out);
	snprintf(plots, sizeof(plots), "%s/plots", out);
	snprintf(local_json, sizeof(local_json), "%s/local.jsonl", out);
	bl_info("nightly: measuring %s with %s; output in %s",
		local ? "on this machine's DRM devices" : "in the testbed (Debian kernels under QEMU)",
		o.job, out);

	/* 0. The noise floors the comparisons need (testbed only: A/A boots). */
	if (!local && (o.calibrate > 0 || (!o.calibrate && !have_floors(o.db, clock_name)))) {
		const char *last = strrchr(kernels, ','), *dots;
		char first[64], cal_out[PATH_MAX + 16];

		/* the last kernel of the list (the newest: the one a lab watches most); of a
		 * range, its upper end, so that calibration boots one kernel */
		snprintf(first, sizeof(first), "%s", last ? last + 1 : kernels);
		if ((dots = strstr(first, "..")))
			memmove(first, dots + 2, strlen(dots + 2) + 1);
		snprintf(cal_out, sizeof(cal_out), "%s/calibrate", out);
		av_push(&a, self);
		av_push(&a, "calibrate");
		av_push(&a, "--kernel");
		av_push(&a, first);
		av_push(&a, "--clock");
		av_push(&a, clock_name);
		av_push(&a, "--job");
		av_push(&a, o.job);
		av_push(&a, "--out");
		av_push(&a, cal_out);
		av_push(&a, "--db");
		av_push(&a, o.db);
		if (o.timeout) {
			av_push(&a, "--timeout");
			av_push(&a, o.timeout);
		}
		av_run(&a, "calibrate", steps, &nsteps);
	}

	/* 1. Measure. */
	if (local) {
		av_push(&a, gembench);
		av_push(&a, "--job");
		av_push(&a, o.job);
		av_push(&a, "--json");
		av_push(&a, local_json);
		av_run(&a, "gembench", steps, &nsteps);
	} else {
		av_push(&a, self);
		av_push(&a, "lab");
		av_push(&a, "--job");
		av_push(&a, o.job);
		av_push(&a, "--out");
		av_push(&a, docs);
		av_push(&a, "--kernels");
		av_push(&a, kernels);
		av_push(&a, "--modes");
		/* every mode of the table: swiotlb default/force/noforce, IOMMU on and passthrough */
		all_modes(modes, sizeof(modes));
		av_push(&a, o.modes ? o.modes : modes);
		/* always said, so the log shows which clock the night's numbers came from */
		av_push(&a, "--clock");
		av_push(&a, o.clock ? o.clock : "icount");
		av_push(&a, "--boots");
		av_push(&a, o.boots ? o.boots : "1");
		if (o.timeout) {
			av_push(&a, "--timeout");
			av_push(&a, o.timeout);
		}
		av_run(&a, "lab", steps, &nsteps);
	}

	/* 2. Store every document the measurement left, even after a partial failure. */
	av_push(&a, self);
	av_push(&a, "ingest");
	av_push(&a, "--quiet");
	av_push(&a, "--db");
	av_push(&a, o.db);
	if (local) {
		av_push(&a, local_json);
	} else {
		snprintf(pattern, sizeof(pattern), "%s/*/*.json", docs);
		if (glob(pattern, 0, NULL, &found) == 0)
			for (size_t i = 0; i < found.gl_pathc; i++)
				av_push(&a, found.gl_pathv[i]);
	}
	if (a.n > 5 || (local && access(local_json, R_OK) == 0)) {
		av_run(&a, "ingest", steps, &nsteps);
	} else {
		bl_err("nightly: ingest: the measurement left no result document");
		steps[nsteps].name = "ingest";
		steps[nsteps++].rc = 1;
		a.n = 0;
	}

	/* 2b. The night: its stored runs judged against their last night (and --baseline). */
	if (local ? access(local_json, R_OK) == 0 : found.gl_pathc > 0) {
		av_push(&a, self);
		av_push(&a, "night");
		av_push(&a, "judge");
		av_push(&a, "--source");
		av_push(&a, "nightly");
		av_push(&a, "--started");
		av_push(&a, started);
		av_push(&a, "--db");
		av_push(&a, o.db);
		if (o.baseline) {
			av_push(&a, "--baseline");
			av_push(&a, o.baseline);
		}
		if (local) {
			av_push(&a, local_json);
		} else {
			for (size_t i = 0; i < found.gl_pathc; i++)
				av_push(&a, found.gl_pathv[i]);
		}
		av_run(&a, "night", steps, &nsteps);
	}

	/* 3. What bouncing costs: each DMA mode against noforce, per kernel. */
	if (!local) {
		char each[sizeof(kernels)];

		snprintf(each, sizeof(each), "%s", kernels);
		for (char *save = NULL, *k = strtok_r(each, ",", &save); k;
		     k = strtok_r(NULL, ",", &save)) {
			char md[PATH_MAX + 48];

			snprintf(md, sizeof(md), "%s/compare-modes-%s.md", out, k);
			av_push(&a, self);
			av_push(&a, "compare");
			av_push(&a, "--modes");
			av_push(&a, "--kernel");
			av_push(&a, k);
			av_push(&a, "--changes-only");
			av_push(&a, "--format");
			av_push(&a, "md");
			av_push(&a, "--db");
			av_push(&a, o.db);
			if (nsteps < NIGHTLY_MAX_STEPS - 1)
				redirect_run(&a, md, "compare", steps, &nsteps);
		}
	}

	/* 4 and 5. Plots and the report (the report renders the plots beside it). */
	av_push(&a, self);
	av_push(&a, "report");
	av_push(&a, "--out");
	av_push(&a, report);
	av_push(&a, "--plots");
	av_push(&a, plots);
	av_push(&a, "--db");
	av_push(&a, o.db);
	av_run(&a, "report", steps, &nsteps);

	/* 6. Summary. */
	printf("\nbouncelab nightly: %s\n", local ? "local DRM devices" : "testbed");
	for (int i = 0; i < nsteps; i++) {
		printf("  %-8s %s\n", steps[i].name, steps[i].rc == 0 ? "ok" : "FAILED");
		failed += steps[i].rc != 0;
	}
	printf("  database  %s\n", o.db);
	printf("  documents %s\n", local ? local_json : docs);
	printf("  report    %s\n", report);
	printf("  plots     %s/\n", plots);
	if (!local)
		printf("  compare   %s/compare-modes-<kernel>.md\n", out);
	globfree(&found);
	free(a.v);
	return failed ? 1 : 0;
}
