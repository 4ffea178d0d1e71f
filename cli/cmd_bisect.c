/*
 * `bouncelab bisect`: which Debian kernel version changed a metric. The
 * versions come from --kernels (a range such as 6.12.107..6.12.118, or a
 * list of exact versions, resolved in apt's index by the testbed:
 * lab_resolve), the search from analysis/bisect.h, one boot per step from
 * the testbed (lab_run, one kernel, one mode, one boot), and the verdict
 * of each step from an_compare (analysis/judge.h): version i against the
 * first version, the metric's rows (those --where keeps), each judged
 * against its noise floor. A count that differs at all between two exact
 * boots is a change; a time needs a floor (bouncelab calibrate) or it is
 * "unknown" and the search stops saying so.
 *
 * Local builds bisect the same way, in the order given: --kernel-images
 * with --modules (paired by position) or --kernel-debs, each checked by
 * the testbed before the first boot (lab_resolve: a bzImage, modules of its
 * release) and named local-<16 hex of its image's SHA-256>.
 *
 * Each boot's documents stay in <out>/<version>-<mode>/ as lab writes them
 * and go into a store of the bisection's own (<out>/bisect.db), so the
 * comparison sees this bisection's boots and nothing else; the noise
 * floors are read from the main store (--db) when it has them.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "bisect.h"
#include "calibrate.h"
#include "commands.h"
#include "dataset.h"
#include "fsutil.h"
#include "kversion.h"
#include "lab.h"
#include "log.h"
#include "paths.h"
#include "resultdoc.h"
#include "units.h"

#define BISECT_DOC_MAX  (64ul << 20) /* a larger file is no result document of ours */
#define BISECT_DOCS_MAX 64	     /* documents of one boot: one per job section */
#define BISECT_JOB_MAX	128	     /* characters of a job name kept */

struct bisect_where {
	char buf[256];
	const char *job, *workload, *variant; /* NULL: any */
	int64_t size;			      /* -1: any */
};

/* One document of a boot: which job section wrote it, where it is. */
struct bisect_doc {
	char job[BISECT_JOB_MAX];
	char path[PATH_MAX];
};

struct bisect_ver {
	struct lab_kernel_version k;
	const char *image, *modules, *deb; /* a local build (borrowed from struct bisect's lists), else NULL */
	char dir[PATH_MAX]; /* its boot's folder, once booted */
	struct bisect_doc docs[BISECT_DOCS_MAX]; /* the evidence, per job section */
	size_t ndocs;
};

struct bisect {
	struct lab_config cfg; /* the options; kernels replaced per boot */
	const char *metric, *db;
	struct bisect_where where;
	char out[PATH_MAX];
	struct bisect_ver v[LAB_MAX_KERNELS];
	size_t n;
	struct bl_store *store;	     /* <out>/bisect.db */
	struct an_floor_index floors; /* from --db; empty when it has none */
	struct bl_stats_opts stats;
	bool print_rows; /* judge() prints the rows it judged, and keeps the jobs of those that changed */
	/* local builds: --kernel-images with --modules, or --kernel-debs, split at the commas */
	char *images_buf, *modules_buf, *debs_buf;
	const char *images[LAB_MAX_KERNELS], *modules[LAB_MAX_KERNELS], *debs[LAB_MAX_KERNELS];
	size_t nimages, nmodules, ndebs;
	char changed_jobs[BISECT_DOCS_MAX][BISECT_JOB_MAX];
	size_t nchanged_jobs;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab bisect --kernels RANGE|LIST --mode MODE [--job FILE]\n"
		"       bouncelab bisect --kernel-images LIST --modules LIST --mode MODE ...\n"
		"       bouncelab bisect --kernel-debs LIST --mode MODE ...\n"
		"                        [--metric NAME] [--where KEY=VALUE[,...]] [--out DIR]\n"
		"                        [--clock icount|wall] [--timeout S] [--db PATH]\n\n"
		"Finds the first Debian kernel version whose metric differs from the first\n"
		"version's: boots both ends of --kernels (one boot each, under QEMU, with\n"
		"the job), then bisects over the versions in between, one boot per step,\n"
		"each version judged against the first. n versions take at most\n"
		"2 + ceil(log2(n - 1)) boots (6.12.107..6.12.118: 6 versions, 5 boots).\n"
		"It assumes one change along the list, as git bisect does.\n\n"
		"  --kernels K    a range of one series (6.12.107..6.12.118: every version\n"
		"                 apt's index has between them) or a list of exact versions,\n"
		"                 oldest first (6.12.107,6.12.113,6.12.118); :cloud or :rt\n"
		"                 for a flavour\n"
		"  --kernel-images A,B,...  local builds (bzImages) bisected in the order\n"
		"                 given, the first as the base; with --modules M1,M2,...\n"
		"                 (each image's `make modules_install INSTALL_MOD_PATH=`\n"
		"                 tree, paired by position)\n"
		"  --kernel-debs a.deb,b.deb,...  local builds as linux-image .debs\n"
		"                 (make bindeb-pkg), in the order given. Each local build is\n"
		"                 checked before the first boot (bouncelab lab --kernel-image)\n"
		"                 and named local-<16 hex of its image's SHA-256>\n"
		"  --mode MODE    the DMA mode every version boots in (force, force:pool=16M,\n"
		"                 ...; see bouncelab lab --help)\n"
		"  --job FILE     the job (default %s; a short one bisects faster)\n"
		"  --metric NAME  the metric judged (default bounces_per_op; see the metric\n"
		"                 table in bouncelab compare --help)\n"
		"  --where K=V    which rows count: job (a job section), workload, variant,\n"
		"                 size (4K, 1M); comma separated; default every row of the metric\n"
		"  --out DIR      where the boots and <out>/bisect.db go (default\n"
		"                 var/bisect/<UTC time>/)\n"
		"  --clock CLOCK  the guest clock (default icount: times repeat across boots)\n"
		"  --timeout S    per boot (default: the clock's, as bouncelab lab)\n"
		"  --db PATH      the store whose noise floors (bouncelab calibrate) judge\n"
		"                 times (default $BOUNCELAB_DB, else var/bouncelab.db)\n\n"
		"A row changes when its verdict is better or worse (analysis/judge.h): a\n"
		"count that differs beyond its A/A floor (any difference when none is\n"
		"stored), a time beyond max(2%%, 2 x its noise floor); a time without a floor\n"
		"is unknown, and so is the step: run bouncelab calibrate first.\n\n"
		"Prints each step, then the first version that changed with the rows and\n"
		"the two documents as evidence. Exit: 0 a change found, 1 no change (or no\n"
		"answer: a boot failed, a verdict was unknown; the reason is printed),\n"
		"2 bad usage (nothing booted).\n",
		LAB_DEFAULT_JOB);
}

/* "workload=import,size=4M" into @w. 0 or -EINVAL (logged, naming the pair). */
static int parse_where(const char *text, struct bisect_where *w)
{
	char *save = NULL;

	w->job = w->workload = w->variant = NULL;
	w->size = -1;
	if (snprintf(w->buf, sizeof(w->buf), "%s", text) >= (int)sizeof(w->buf)) {
		bl_err("bisect: --where '%s': longer than %zu characters", text, sizeof(w->buf) - 1);
		return -EINVAL;
	}
	for (char *kv = strtok_r(w->buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		uint64_t bytes;

		if (!eq || eq == kv || !eq[1]) {
			bl_err("bisect: --where '%s': expected KEY=VALUE", kv);
			return -EINVAL;
		}
		*eq = '\0';
		if (!strcmp(kv, "job")) {
			w->job = eq + 1;
		} else if (!strcmp(kv, "workload")) {
			w->workload = eq + 1;
		} else if (!strcmp(kv, "variant")) {
			w->variant = eq + 1;
		} else if (!strcmp(kv, "size")) {
			if (bl_parse_size(eq + 1, &bytes) || bytes > INT64_MAX) {
				bl_err("bisect: --where size='%s': not a size (4K, 1M, 4096)", eq + 1);
				return -EINVAL;
			}
			w->size = (int64_t)bytes;
		} else {
			bl_err("bisect: --where '%s': unknown key (expected job, workload, variant or size)", kv);
			return -EINVAL;
		}
	}
	return 0;
}

/* 4096 -> "4K", 1048576 -> "1M": the job file's spelling of sizes. */
static void size_str(int64_t size, char *buf, size_t len)
{
	if (size >= (1 << 20) && size % (1 << 20) == 0)
		snprintf(buf, len, "%" PRId64 "M", size >> 20);
	else if (size >= 1024 && size % 1024 == 0)
		snprintf(buf, len, "%" PRId64 "K", size >> 10);
	else
		snprintf(buf, len, "%" PRId64, size);
}

static bool where_keeps(const struct bisect_where *w, const struct bl_cmp_row *r)
{
	return (!w->workload || !strcmp(w->workload, r->workload)) &&
	       (!w->variant || !strcmp(w->variant, r->variant)) && (w->size < 0 || w->size == r->size);
}

/* "a,b,c" into @items (pointing into a copy in *@buf). 0 or -EINVAL (logged, naming @opt). */
static int split_list(const char *opt, const char *text, char **buf, const char **items, size_t *n)
{
	char *save = NULL;

	free(*buf);
	*n = 0;
	*buf = strdup(text);
	if (!*buf) {
		bl_err("bisect: out of memory");
		return -EINVAL;
	}
	for (char *p = *buf;; p = NULL) {
		char *item = strtok_r(p, ",", &save);

		if (!item)
			break;
		if (*n == LAB_MAX_KERNELS) {
			bl_err("bisect: %s '%s': more than %d builds", opt, text, LAB_MAX_KERNELS);
			return -EINVAL;
		}
		items[(*n)++] = item;
	}
	if (!*n || strstr(text, ",,") || *text == ',' || text[strlen(text) - 1] == ',') {
		bl_err("bisect: %s '%s': an empty item", opt, text);
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct bisect *b, const char **kernels, const char **mode)
{
	enum { O_KERNELS = 256, O_MODE, O_JOB, O_METRIC, O_WHERE, O_OUT, O_CLOCK, O_TIMEOUT, O_DB, O_HELP,
	       O_IMAGES, O_MODULES, O_DEBS };
	static const struct option longopts[] = {
		{ "kernels", required_argument, NULL, O_KERNELS }, { "mode", required_argument, NULL, O_MODE },
		{ "job", required_argument, NULL, O_JOB },	   { "metric", required_argument, NULL, O_METRIC },
		{ "where", required_argument, NULL, O_WHERE },	   { "out", required_argument, NULL, O_OUT },
		{ "clock", required_argument, NULL, O_CLOCK },	   { "timeout", required_argument, NULL, O_TIMEOUT },
		{ "db", required_argument, NULL, O_DB },	   { "help", no_argument, NULL, O_HELP },
		{ "kernel-images", required_argument, NULL, O_IMAGES },
		{ "modules", required_argument, NULL, O_MODULES },
		{ "kernel-debs", required_argument, NULL, O_DEBS },
		{ NULL, 0, NULL, 0 },
	};
	char err[512];
	int c;

	lab_config_init(&b->cfg);
	b->cfg.parallel = 1; /* one boot per step, by definition */
	b->metric = "bounces_per_op";
	if (parse_where("", &b->where))
		return -EINVAL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		unsigned long t;

		switch (c) {
		case O_KERNELS: *kernels = optarg; break;
		case O_MODE: *mode = optarg; break;
		case O_JOB: b->cfg.job = optarg; break;
		case O_METRIC: b->metric = optarg; break;
		case O_WHERE:
			if (parse_where(optarg, &b->where))
				return -EINVAL;
			break;
		case O_OUT: snprintf(b->out, sizeof(b->out), "%s", optarg); break;
		case O_CLOCK:
			if (lab_config_set_clock(&b->cfg, optarg, err, sizeof(err))) {
				bl_err("bisect: %s", err);
				return -EINVAL;
			}
			break;
		case O_TIMEOUT:
			t = strtoul(optarg, &end, 10);
			if (*end || end == optarg || *optarg == '-' || t < LAB_TIMEOUT_MIN || t > LAB_TIMEOUT_MAX) {
				bl_err("bisect: --timeout '%s': expected seconds, %d to %d", optarg, LAB_TIMEOUT_MIN,
				       LAB_TIMEOUT_MAX);
				return -EINVAL;
			}
			b->cfg.timeout_s = (unsigned)t;
			break;
		case O_DB: b->db = optarg; break;
		case O_IMAGES:
			if (split_list("--kernel-images", optarg, &b->images_buf, b->images, &b->nimages))
				return -EINVAL;
			break;
		case O_MODULES:
			if (split_list("--modules", optarg, &b->modules_buf, b->modules, &b->nmodules))
				return -EINVAL;
			break;
		case O_DEBS:
			if (split_list("--kernel-debs", optarg, &b->debs_buf, b->debs, &b->ndebs))
				return -EINVAL;
			break;
		case O_HELP: usage(stdout); return 1;
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		bl_err("bisect: unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if ((!*kernels && !b->nimages && !b->ndebs) || !*mode) {
		bl_err("bisect: --mode and one of --kernels, --kernel-images or --kernel-debs are required (see --help)");
		return -EINVAL;
	}
	if (!!*kernels + !!b->nimages + !!b->ndebs > 1) {
		bl_err("bisect: --kernels, --kernel-images and --kernel-debs exclude each other: one list is bisected");
		return -EINVAL;
	}
	if (b->nimages != b->nmodules) {
		bl_err("bisect: --kernel-images has %zu image(s), --modules %zu tree(s): one tree per image, in the "
		       "same order",
		       b->nimages, b->nmodules);
		return -EINVAL;
	}
	if (!bl_metric_find(b->metric)) {
		bl_err("bisect: --metric '%s': not a metric (see bouncelab compare --help)", b->metric);
		return -EINVAL;
	}
	if ((*kernels && lab_config_set_kernels(&b->cfg, *kernels, err, sizeof(err))) ||
	    lab_config_set_modes(&b->cfg, *mode, err, sizeof(err))) {
		bl_err("bisect: %s", err);
		return -EINVAL;
	}
	if (b->cfg.nmodes != 1) {
		bl_err("bisect: --mode '%s': one mode (every version boots in the same one)", *mode);
		return -EINVAL;
	}
	if (lab_config_check(&b->cfg, err, sizeof(err))) {
		bl_err("bisect: %s", err);
		return -EINVAL;
	}
	/* lab_run checks it too, but only once the versions are resolved */
	if (b->cfg.job && access(b->cfg.job, R_OK)) {
		bl_err("bisect: --job %s: %s", b->cfg.job, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

/* Stores the documents of version @i's boot and keeps where each job's is. 0 or -errno (logged). */
static int store_boot(struct bisect *b, size_t i)
{
	struct bisect_ver *v = &b->v[i];
	char pat[PATH_MAX + 16];
	glob_t g;
	int ret = 0;

	snprintf(pat, sizeof(pat), "%s/*/*.json", v->dir);
	if (glob(pat, 0, NULL, &g)) {
		bl_err("bisect: %s: the boot left no result document", v->dir);
		return -EIO;
	}
	for (size_t d = 0; d < g.gl_pathc && !ret; d++) {
		struct bl_resultdoc *doc = NULL;
		enum bl_put_outcome outcome;
		char *text = NULL, err[256];
		size_t len;

		if ((ret = bl_read_file(g.gl_pathv[d], BISECT_DOC_MAX, &text, &len))) {
			bl_err("bisect: %s: read: %s", g.gl_pathv[d], strerror(-ret));
			break;
		}
		if (bl_resultdoc_parse(text, len, &doc, err, sizeof(err))) {
			bl_err("bisect: %s: %s", g.gl_pathv[d], err);
			ret = -EINVAL;
		} else if (bl_store_put_run(b->store, doc, &outcome) < 0) {
			bl_err("bisect: %s: store: %s", g.gl_pathv[d], bl_store_errmsg(b->store));
			ret = -EIO;
		} else if (v->ndocs < BISECT_DOCS_MAX) {
			struct bisect_doc *bd = &v->docs[v->ndocs++];

			snprintf(bd->job, sizeof(bd->job), "%s", doc->job_name ? doc->job_name : "");
			snprintf(bd->path, sizeof(bd->path), "%s", g.gl_pathv[d]);
		}
		free(text);
		bl_resultdoc_free(doc);
	}
	globfree(&g);
	return ret;
}

/* analysis/bisect.h's boot(): one lab_run of version @i in the mode, one boot. */
static int bisect_boot(void *user, size_t i)
{
	struct bisect *b = user;
	struct bisect_ver *v = &b->v[i];
	struct lab_config cfg = b->cfg;
	char err[512], name[sizeof(v->k.label)];
	int rc;

	/* the folder: <out>/<version>, ':' of a flavour as '-' (6.12.111-cloud) */
	snprintf(name, sizeof(name), "%s", v->k.label);
	for (char *p = strchr(name, ':'); p; p = strchr(p, ':'))
		*p = '-';
	if (snprintf(v->dir, sizeof(v->dir), "%s/%s", b->out, name) >= (int)sizeof(v->dir)) {
		bl_err("bisect: --out %s: too long a path", b->out);
		return -ENAMETOOLONG;
	}
	if (v->image || v->deb) {
		/* a local build boots alone: no Debian kernel beside it */
		cfg.nkernels = 0;
		cfg.kernel_image = v->image;
		cfg.kernel_modules = v->modules;
		cfg.kernel_deb = v->deb;
	} else if (lab_config_set_kernels(&cfg, v->k.label, err, sizeof(err))) {
		bl_err("bisect: %s", err);
		return -EINVAL;
	}
	cfg.out = v->dir;
	printf("bisect: booting %s (%s), step %zu of the %zu versions\n", v->k.label, v->k.version, i + 1, b->n);
	fflush(stdout);
	rc = lab_run(&cfg);
	if (rc) {
		bl_err("bisect: %s: bouncelab lab exited %d (%s): no answer", v->k.label, rc,
		       rc == 2 ? "bad input" : "the boot failed; see its console.log");
		return rc == 2 ? -EINVAL : -EIO;
	}
	return store_boot(b, i);
}

/* The store filter of version @i's runs: its package version (this store holds only the bisection's). */
static void side_filter(const struct bisect *b, size_t i, struct bl_run_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->kernel = b->v[i].k.version;
	f->job = b->where.job;
	f->oldest_first = true;
}

/*
 * The job of a changed row, once: AN_GROUP_JOB's label is "[<job> <devices>]".
 * The evidence is that job's document on either side.
 */
static void keep_changed_job(struct bisect *b, const char *group)
{
	char job[BISECT_JOB_MAX];
	const char *p = group && *group == '[' ? group + 1 : group ? group : "";

	snprintf(job, sizeof(job), "%.*s", (int)strcspn(p, " ]"), p);
	for (size_t i = 0; i < b->nchanged_jobs; i++)
		if (!strcmp(b->changed_jobs[i], job))
			return;
	if (b->nchanged_jobs < BISECT_DOCS_MAX)
		snprintf(b->changed_jobs[b->nchanged_jobs++], BISECT_JOB_MAX, "%s", job);
}

/* Version @v's document of @job, or its first when none has that name. */
static const char *doc_of(const struct bisect_ver *v, const char *job)
{
	for (size_t i = 0; i < v->ndocs; i++)
		if (!strcmp(v->docs[i].job, job))
			return v->docs[i].path;
	return v->ndocs ? v->docs[0].path : "?";
}

/* analysis/bisect.h's judge(): version @i against @base, the metric's rows --where keeps. */
static int bisect_judge(void *user, size_t base, size_t i, enum an_bisect_verdict *out)
{
	struct bisect *b = user;
	struct bl_run_filter fb, fn;
	const char *metrics[] = { b->metric, NULL };
	struct an_side sb = { .filter = &fb, .label = b->v[base].k.label };
	struct an_side sn = { .filter = &fn, .label = b->v[i].k.label };
	struct an_comparison cmp = { 0 };
	size_t rows = 0, changed = 0, unknown = 0;
	int ret;

	side_filter(b, base, &fb);
	side_filter(b, i, &fn);
	ret = an_compare(b->store, &sb, &sn, AN_GROUP_JOB, metrics, &b->stats, &cmp);
	if (ret) {
		bl_err("bisect: comparing %s with %s: %s", b->v[i].k.label, b->v[base].k.label, strerror(-ret));
		return ret;
	}
	for (size_t r = 0; r < cmp.r.n; r++) {
		const struct bl_cmp_row *row = &cmp.r.rows[r];
		const struct bl_change *ch = &row->ch;
		bool is_change = ch->verdict == BL_VERDICT_BETTER || ch->verdict == BL_VERDICT_WORSE;

		if (!where_keeps(&b->where, row))
			continue;
		rows++;
		changed += is_change;
		unknown += ch->verdict == BL_VERDICT_TOO_FEW;
		if (b->print_rows && is_change)
			keep_changed_job(b, row->group);
		if (b->print_rows || is_change) {
			char size[32];

			size_str(row->size, size, sizeof(size));
			printf("  %s %s%s%s %s %s: %.6g -> %.6g (%s%s%s)\n", *row->group ? row->group : "-",
			       row->workload, *row->variant ? "/" : "", row->variant, size, row->metric->name,
			       ch->base_mean, ch->new_mean, bl_verdict_name(ch->verdict), ch->why ? ": " : "",
			       ch->why ? ch->why : "");
		}
	}
	an_comparison_free(&cmp);
	if (!rows) {
		bl_err("bisect: %s against %s: no %s rows%s", b->v[i].k.label, b->v[base].k.label, b->metric,
		       *b->where.buf ? " that --where keeps" : "");
		*out = AN_BISECT_UNKNOWN;
		return 0;
	}
	*out = changed ? AN_BISECT_CHANGED : unknown ? AN_BISECT_UNKNOWN : AN_BISECT_SAME;
	printf("bisect: %s against %s: %s (%zu %s row(s): %zu changed, %zu unknown)\n", b->v[i].k.label,
	       b->v[base].k.label, an_bisect_verdict_name(*out), rows, b->metric, changed, unknown);
	fflush(stdout);
	return 0;
}

static int open_stores(struct bisect *b)
{
	struct bl_store *main_db = NULL;
	char path[PATH_MAX + 16];
	int ret;

	if ((ret = bl_mkdir_p(b->out, 0755))) {
		bl_err("bisect: --out %s: mkdir: %s", b->out, strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/bisect.db", b->out);
	if ((ret = an_open_store_rw(path, &b->store)) < 0)
		return ret;
	/* the floors of the main store, when it exists: counts are judged without */
	if (!b->db && access(bl_default_db_path(), R_OK)) {
		bl_warn("bisect: %s: %s: no noise floors, times will be unknown (counts need none)",
			bl_default_db_path(), strerror(errno));
	} else if (an_open_store(b->db, &main_db) == 0) {
		if (an_floor_index_load(main_db, &b->floors) < 0)
			bl_warn("bisect: no noise floors read; times will be unknown");
		bl_store_close(main_db);
	} else {
		bl_warn("bisect: no store to read noise floors from; times will be unknown");
	}
	bl_stats_opts_default(&b->stats);
	b->stats.floor_of = an_floor_of;
	b->stats.floor_user = &b->floors;
	return 0;
}

static void bisect_free(struct bisect *b)
{
	free(b->images_buf);
	free(b->modules_buf);
	free(b->debs_buf);
	free(b);
}

/*
 * The local builds, each checked by the testbed as `bouncelab lab
 * --resolve` would (a bzImage, modules of its release), into b->v in the
 * order given. 0, or lab_resolve's exit code (2: bad input, logged).
 */
static int resolve_local(struct bisect *b)
{
	size_t n = b->nimages ? b->nimages : b->ndebs;

	for (size_t i = 0; i < n; i++) {
		struct lab_config cfg = b->cfg;
		struct bisect_ver *v = &b->v[i];
		size_t got = 0;
		int rc;

		cfg.nkernels = 0;
		v->image = b->nimages ? b->images[i] : NULL;
		v->modules = b->nimages ? b->modules[i] : NULL;
		v->deb = b->ndebs ? b->debs[i] : NULL;
		cfg.kernel_image = v->image;
		cfg.kernel_modules = v->modules;
		cfg.kernel_deb = v->deb;
		rc = lab_resolve(&cfg, &v->k, 1, &got);
		if (rc)
			return rc;
		if (got != 1) {
			bl_err("bisect: %s: resolved to %zu kernels, expected the build alone", v->image ? v->image : v->deb,
			       got);
			return 1;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(b->v[j].k.version, v->k.version)) {
				bl_err("bisect: %s and %s are the same build (%s): each build once",
				       b->v[j].image ? b->v[j].image : b->v[j].deb, v->image ? v->image : v->deb,
				       v->k.version);
				return 2;
			}
		}
	}
	b->n = n;
	return 0;
}

int cmd_bisect(int argc, char **argv)
{
	struct bisect *b = calloc(1, sizeof(*b));
	const char *kernels = NULL, *mode = NULL;
	struct lab_kernel_version found[LAB_MAX_KERNELS];
	struct an_bisect_ops ops = { bisect_boot, bisect_judge, NULL };
	struct an_bisect_result r;
	int ret, rc = 2;

	if (!b) {
		bl_err("bisect: out of memory");
		return 1;
	}
	ops.user = b;
	ret = parse_opts(argc, argv, b, &kernels, &mode);
	if (ret) {
		bisect_free(b);
		return ret > 0 ? 0 : 2;
	}
	/* bad versions, empty ranges, ranges across series, builds that are no kernels: refused here, before a boot */
	if (b->nimages || b->ndebs) {
		ret = resolve_local(b);
		for (size_t i = 0; !ret && i < b->n; i++)
			found[i] = b->v[i].k;
	} else {
		ret = lab_resolve(&b->cfg, found, LAB_MAX_KERNELS, &b->n);
	}
	if (ret) {
		bisect_free(b);
		return ret == 2 ? 2 : 1;
	}
	if (b->n < 2) {
		bl_err("bisect: %s names %zu version: bisecting needs two or more",
		       kernels ? kernels : "the list of builds", b->n);
		bisect_free(b);
		return 2;
	}
	for (size_t i = 0; i < b->n; i++) {
		b->v[i].k = found[i];
		/* local builds are bisected in the order given: history is what the user says it is */
		if (b->v[i].image || b->v[i].deb)
			continue;
		if (i && strcmp(found[i].series, found[0].series)) {
			bl_err("bisect: --kernels %s: %s and %s are of different series: bisect within one",
			       kernels, found[0].label, found[i].label);
			bisect_free(b);
			return 2;
		}
		/* the search needs the order of history: a list is taken as given, so check it */
		if (i && an_debver_cmp(found[i - 1].version, found[i].version) >= 0) {
			bl_err("bisect: --kernels %s: %s (%s) is not older than %s (%s): list the versions oldest "
			       "first",
			       kernels, found[i - 1].label, found[i - 1].version, found[i].label, found[i].version);
			bisect_free(b);
			return 2;
		}
	}
	if (!*b->out)
		bl_default_out_dir("bisect", b->out, sizeof(b->out));
	if (open_stores(b) < 0) {
		rc = 1;
		goto out;
	}
	ret = an_bisect(b->n, &ops, &r);
	if (ret) {
		bl_err("bisect: stopped after %zu boot(s): %s", r.boots, strerror(-ret));
		rc = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	switch (r.outcome) {
	case AN_BISECT_NO_CHANGE:
		printf("bisect: no change: %s is the same as %s in %s (%s), %zu boot(s)\n", b->v[b->n - 1].k.label,
		       b->v[0].k.label, b->metric, mode, r.boots);
		rc = 1;
		break;
	case AN_BISECT_UNDECIDED:
		printf("bisect: no answer: %s against %s in %s is unknown (a time without a noise floor: "
		       "bouncelab calibrate), %zu boot(s)\n",
		       b->v[r.undecided].k.label, b->v[0].k.label, b->metric, r.boots);
		rc = 1;
		break;
	case AN_BISECT_FOUND: {
		enum an_bisect_verdict v;

		printf("bisect: first change: %s (%s) in %s (%s), after %s (%s); %zu boot(s)\n",
		       b->v[r.first_changed].k.label, b->v[r.first_changed].k.version, b->metric, mode,
		       b->v[r.last_same].k.label, b->v[r.last_same].k.version, r.boots);
		/* the rows, between the two neighbours the evidence is */
		b->print_rows = true;
		bisect_judge(b, r.last_same, r.first_changed, &v);
		/* per job with a changed row, its document before and after */
		for (size_t j = 0; j < b->nchanged_jobs; j++)
			printf("bisect: evidence (%s): %s -> %s\n", b->changed_jobs[j],
			       doc_of(&b->v[r.last_same], b->changed_jobs[j]),
			       doc_of(&b->v[r.first_changed], b->changed_jobs[j]));
		rc = 0;
		break;
	}
	}
	printf("bisect: boots and bisect.db in %s\n", b->out);
out:
	an_floor_index_free(&b->floors);
	bl_store_close(b->store);
	bisect_free(b);
	return rc;
}
