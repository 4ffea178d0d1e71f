/*
 * `bouncelab pool`: how big must the SWIOTLB pool be for a job? Each probe
 * is one `bouncelab lab` boot (this same program, one QEMU at a time) with
 * the mode's pool set to the size the search asks for
 * (analysis/poolsearch.h decides which sizes, analysis/poolprobe.h reads
 * what each boot showed); the answer is printed and written as pool.json
 * (analysis/pooldoc.h) beside the probes' folders. --db also stores the
 * probes' result documents, so compare and report see every pool size.
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
#include "commands.h"
#include "dmamode.h"
#include "docwrite.h"
#include "fsutil.h"
#include "lab_config.h"
#include "log.h"
#include "paths.h"
#include "poolareas.h"
#include "pooldoc.h"
#include "poolprobe.h"
#include "poolsearch.h"
#include "resultdoc.h"
#include "store.h"
#include "subprocess.h"
#include "units.h"

#define POOL_DEFAULT_JOB     "configs/jobs/pool.ini"
#define POOL_DEFAULT_TIMEOUT "900"

struct pool_opts {
	const char *kernel, *job, *mode, *min_s, *max_s, *areas_s, *boots_s, *timeout, *clock, *out, *db;
	struct ps_params p;
	unsigned areas;
	const struct bl_mode_info *info;
};

/* What the probe callback needs: the options and where the boots go. */
struct pool_run {
	const struct pool_opts *o;
	const char *out;
	unsigned n; /* probes so far, for folder names */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab pool [--kernels SERIES] [--job FILE] [--mode MODE] [--min SIZE]\n"
		"                      [--max SIZE] [--areas N] [--boots N] [--timeout S]\n"
		"                      [--clock icount|wall] [--out DIR] [--db PATH]\n\n"
		"Finds the smallest SWIOTLB pool (a multiple of 256K) with which the job runs\n"
		"with no failed op (no 'swiotlb buffer is full'), one testbed boot per probe,\n"
		"one QEMU at a time:\n"
		"  1. a boot with --max: rows failing even there fail whatever the pool (a single\n"
		"     mapping over 256 KiB); they are reported as 'no pool size helps' and left\n"
		"     out of the search;\n"
		"  2. that boot's peak slots in use are a lower bound: a boot there and one step\n"
		"     (256K) below it, galloping upwards when the bound was low;\n"
		"  3. bisection of what is left; 4. one more boot confirms the answer.\n"
		"Every boot counts against --boots; when they run out the answer is a bracket.\n"
		"Prints and writes DIR/pool.json: the smallest pool that works (MiB and the\n"
		"swiotlb=<slabs>,force to boot with: the slots the kernel really allocated, as\n"
		"6.12 rounds the request up to a power of 2), the largest that failed and its\n"
		"first kernel line, peak slots used, the largest bounced segment (a row's mean)\n"
		"and refused mapping, and the pool next to the confidential-VM default for the\n"
		"guest's RAM (6 %%, at least 64 MiB, at most 1 GiB).\n\n"
		"  --kernels SERIES  one kernel series or version (default 6.12)\n"
		"  --job FILE        job file (default %s)\n"
		"  --mode MODE       DMA mode with a pool (default force; noforce has none)\n"
		"  --min SIZE        smallest pool tried (default 256K)\n"
		"  --max SIZE        largest pool tried (default 1G)\n"
		"  --areas N         swiotlb=<slabs>,<N>: N areas with their own lock (the kernel\n"
		"                    rounds up to a power of 2); default: the kernel's (one per CPU).\n"
		"                    The advice then says whether N areas change the answer against\n"
		"                    the newest pool.json beside DIR (DIR/../*/pool.json) searched\n"
		"                    with the default areas for the same kernel, job and mode\n"
		"  --boots N         boot budget, 2 to 40, every probe and the confirmation (default %d)\n"
		"  --timeout S       per boot, passed to the lab (default %s)\n"
		"  --clock CLOCK     guest clock, passed to the lab (default icount)\n"
		"  --out DIR         probe folders and pool.json (default var/pool/<UTC time>)\n"
		"  --db PATH         also store every probe's documents in this database\n\n"
		"Exit: 0 an answer (a size, or 'no pool size helps'), 1 no answer (a boot at\n"
		"--max died, the budget ran out, the answer did not reproduce, the store failed),\n"
		"2 bad usage (the value is named).\n",
		POOL_DEFAULT_JOB, PS_BOOTS_MAX, POOL_DEFAULT_TIMEOUT);
}

/* A size option: parsed, a positive multiple of 256K, else refused naming the text. */
static int size_opt(const char *name, const char *text, uint64_t *out)
{
	int ret = bl_parse_size(text, out);

	if (ret || !*out) {
		bl_err("pool: --%s '%s': not a size (expected e.g. 256K, 16M, 1G)", name, text);
		return -EINVAL;
	}
	if (*out % PS_STEP) {
		bl_err("pool: --%s '%s': not a multiple of 256K (the kernel allocates SWIOTLB in "
		       "segments of 128 slots x 2 KiB)", name, text);
		return -EINVAL;
	}
	if (*out / PS_SLOT > UINT32_MAX) {
		bl_err("pool: --%s '%s': too large", name, text);
		return -EINVAL;
	}
	return 0;
}

static int uint_opt(const char *name, const char *text, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (errno || *end || end == text || n < (long)lo || n > (long)hi) {
		bl_err("pool: --%s '%s': expected %u to %u", name, text, lo, hi);
		return -EINVAL;
	}
	*out = (unsigned)n;
	return 0;
}

static int check_opts(struct pool_opts *o)
{
	char err[256];

	if (strchr(o->kernel, ',')) {
		bl_err("pool: --kernels '%s': one kernel per search", o->kernel);
		return -EINVAL;
	}
	if (!(o->info = bl_mode_find(o->mode))) {
		char names[128];

		bl_mode_names(names, sizeof(names));
		bl_err("pool: --mode '%s': not a mode (known: %s)", o->mode, names);
		return -EINVAL;
	}
	if (!strcmp(o->info->swiotlb, "noforce")) {
		bl_err("pool: --mode '%s': %s allocates no SWIOTLB pool, so there is no size to find",
		       o->mode, o->info->name);
		return -EINVAL;
	}
	if (size_opt("min", o->min_s, &o->p.min) || size_opt("max", o->max_s, &o->p.max))
		return -EINVAL;
	if (o->p.min > o->p.max) {
		bl_err("pool: --min '%s' is above --max '%s'", o->min_s, o->max_s);
		return -EINVAL;
	}
	if (uint_opt("boots", o->boots_s, 2, 40, &o->p.boots))
		return -EINVAL;
	if (o->areas_s && uint_opt("areas", o->areas_s, 1, LAB_AREAS_MAX, &o->areas))
		return -EINVAL;
	if (strcmp(o->clock, "icount") && strcmp(o->clock, "wall")) {
		bl_err("pool: --clock '%s': expected icount or wall", o->clock);
		return -EINVAL;
	}
	if (access(o->job, R_OK)) {
		bl_err("pool: --job '%s': %s", o->job, strerror(errno));
		return -EINVAL;
	}
	if (ps_params_check(&o->p, err, sizeof(err))) { /* what is left: the search's own rules */
		bl_err("pool: %s", err);
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct pool_opts *o)
{
	enum { O_KERNELS = 256, O_JOB, O_MODE, O_MIN, O_MAX, O_AREAS, O_BOOTS, O_TIMEOUT, O_CLOCK,
	       O_OUT, O_DB, O_HELP };
	static const struct option longopts[] = {
		{ "kernels", required_argument, NULL, O_KERNELS },
		{ "job", required_argument, NULL, O_JOB },
		{ "mode", required_argument, NULL, O_MODE },
		{ "min", required_argument, NULL, O_MIN },
		{ "max", required_argument, NULL, O_MAX },
		{ "areas", required_argument, NULL, O_AREAS },
		{ "boots", required_argument, NULL, O_BOOTS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "clock", required_argument, NULL, O_CLOCK },
		{ "out", required_argument, NULL, O_OUT },
		{ "db", required_argument, NULL, O_DB },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static char boots_default[8];
	int c;

	snprintf(boots_default, sizeof(boots_default), "%d", PS_BOOTS_MAX);
	*o = (struct pool_opts){ .kernel = "6.12", .job = POOL_DEFAULT_JOB, .mode = "force",
				 .min_s = "256K", .max_s = "1G", .boots_s = boots_default,
				 .timeout = POOL_DEFAULT_TIMEOUT, .clock = "icount" };
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_KERNELS: o->kernel = optarg; break;
		case O_JOB: o->job = optarg; break;
		case O_MODE: o->mode = optarg; break;
		case O_MIN: o->min_s = optarg; break;
		case O_MAX: o->max_s = optarg; break;
		case O_AREAS: o->areas_s = optarg; break;
		case O_BOOTS: o->boots_s = optarg; break;
		case O_TIMEOUT: o->timeout = optarg; break;
		case O_CLOCK: o->clock = optarg; break;
		case O_OUT: o->out = optarg; break;
		case O_DB: o->db = optarg; break;
		case O_HELP: usage(stdout); return 1;
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		bl_err("pool: unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	return check_opts(o);
}

/* "force:pool=8M" or "force:pool=8M:areas=4": the lab's mode spec for one probe. */
static void mode_spec(const struct pool_opts *o, uint64_t pool, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s:pool=%" PRIu64 "K", o->info->name, pool >> 10);

	if (o->areas && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ":areas=%u", o->areas);
}

/* One probe: `bouncelab lab` with the pool, its stdout sent to our stderr, then its documents. */
static int probe(void *arg, uint64_t pool, struct ps_obs *obs)
{
	struct pool_run *run = arg;
	const struct pool_opts *o = run->o;
	char self[PATH_MAX], exe[PATH_MAX + 16], dir[PATH_MAX], spec[64];
	char *argv[24];
	struct bl_spawn_result res;
	int a = 0, ret;

	if ((ret = bl_self_dir(self, sizeof(self))) < 0)
		return ret;
	snprintf(exe, sizeof(exe), "%s/bouncelab", self);
	mode_spec(o, pool, spec, sizeof(spec));
	snprintf(dir, sizeof(dir), "%s/probe%02u-%" PRIu64 "K", run->out, ++run->n, pool >> 10);
	argv[a++] = exe;
	argv[a++] = "lab";
	argv[a++] = "--kernels";
	argv[a++] = (char *)o->kernel;
	argv[a++] = "--modes";
	argv[a++] = spec;
	argv[a++] = "--job";
	argv[a++] = (char *)o->job;
	argv[a++] = "--parallel";
	argv[a++] = "1";
	argv[a++] = "--timeout";
	argv[a++] = (char *)o->timeout;
	argv[a++] = "--clock";
	argv[a++] = (char *)o->clock;
	argv[a++] = "--out";
	argv[a++] = dir;
	argv[a] = NULL;
	fprintf(stderr, "pool: boot %u: $ bouncelab lab --kernels %s --modes %s --job %s --parallel 1 "
			"--timeout %s --clock %s --out %s\n",
		run->n, o->kernel, spec, o->job, o->timeout, o->clock, dir);
	ret = bl_spawn_run(argv, &(struct bl_spawn_opts){ .in = BL_SPAWN_NULL, .out = BL_SPAWN_FD,
							  .out_fd = STDERR_FILENO, .no_path_search = true },
			   &res);
	if (ret < 0) {
		bl_err("pool: %s: cannot start the lab: %s", exe, strerror(-ret));
		return ret;
	}
	ret = bl_spawn_code(&res);
	bl_spawn_result_free(&res);
	/* 2: the lab refused its input before booting: no later probe would do better */
	if (ret >= 2) {
		bl_err("pool: the lab refused the probe (exit code %d): see above", ret);
		return -EINVAL;
	}
	if (!(obs->dir = strdup(dir)))
		return -ENOMEM;
	/* 1: the boot failed; its failed document says why and the search judges it */
	return pp_read_dir(obs, dir);
}

/* Stores every document the probes wrote (their folders under @out). */
static int store_probes(const char *db, const struct ps_result *r)
{
	struct bl_store *s = NULL;
	size_t stored = 0;
	int ret = 0;

	if (an_open_store_rw(db, &s) < 0)
		return -EIO;
	for (size_t i = 0; i < r->nobs && !ret; i++) {
		char pat[PATH_MAX];
		glob_t g;

		if (!r->obs[i].dir)
			continue;
		snprintf(pat, sizeof(pat), "%s/*/*.json", r->obs[i].dir);
		if (glob(pat, 0, NULL, &g))
			continue;
		for (size_t k = 0; k < g.gl_pathc && !ret; k++) {
			struct bl_resultdoc *d = NULL;
			enum bl_put_outcome outcome;
			char *text = NULL, err[256];
			size_t len;

			if ((ret = bl_read_file(g.gl_pathv[k], 64ul << 20, &text, &len)) < 0)
				break;
			if (bl_resultdoc_parse(text, len, &d, err, sizeof(err))) {
				free(text);
				continue; /* the lab kept it as .invalid already; not a document */
			}
			free(text);
			ret = bl_store_put_run(s, d, &outcome);
			if (ret < 0) {
				bl_err("pool: %s: store: %s", g.gl_pathv[k], bl_store_errmsg(s));
			} else {
				stored++;
				ret = 0;
			}
			bl_resultdoc_free(d);
		}
		globfree(&g);
	}
	bl_store_close(s);
	if (!ret)
		fprintf(stderr, "pool: stored %zu probe document(s)\n", stored);
	return ret;
}

/* The swiotlb= word of the mode ("force" in "swiotlb=force"), for the answer's command line. */
static const char *swiotlb_word(const struct bl_mode_info *info, char *buf, size_t len)
{
	const char *w = strstr(info->cmdline, "swiotlb=");
	size_t n;

	if (!w)
		return NULL;
	w += strlen("swiotlb=");
	n = strcspn(w, " ");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), w);
	return buf;
}

int cmd_pool(int argc, char **argv)
{
	struct pool_opts o;
	struct pool_run run = { .o = &o };
	struct ps_result r;
	struct pd_context ctx;
	char out[PATH_MAX], path[PATH_MAX + 16], started[BL_RFC3339_LEN], word[32];
	json_t *doc = NULL;
	int ret = parse_opts(argc, argv, &o), rc = 1;

	if (ret)
		return ret > 0 ? 0 : 2;
	if (o.out)
		snprintf(out, sizeof(out), "%s", o.out);
	else
		bl_default_out_dir("pool", out, sizeof(out));
	if ((ret = bl_mkdir_p(out, 0755)) < 0) {
		bl_err("pool: %s: mkdir: %s", out, strerror(-ret));
		return 1;
	}
	run.out = out;
	bl_rfc3339(NULL, started);
	ret = ps_search(&o.p, probe, &run, &r);
	if (ret < 0) {
		bl_err("pool: the search stopped: %s", strerror(-ret));
		ps_result_free(&r);
		return ret == -EINVAL ? 2 : 1;
	}
	ctx = (struct pd_context){ .series = o.kernel, .job = o.job, .mode = o.info->name,
				   .mode_word = swiotlb_word(o.info, word, sizeof(word)), .areas = o.areas,
				   .started_at = started };
	if (!(doc = pd_document(&ctx, &o.p, &r))) {
		bl_err("pool: out of memory");
		goto out;
	}
	if (pa_advise_from_dir(doc, out) < 0) {
		bl_err("pool: out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/pool.json", out);
	if (json_dump_file(doc, path, JSON_INDENT(2) | JSON_SORT_KEYS)) {
		bl_err("pool: %s: cannot write", path);
		goto out;
	}
	pd_print(stdout, doc);
	pa_print(stdout, doc);
	printf("  document: %s\n", path);
	rc = r.verdict == PS_FOUND || r.verdict == PS_NONE_HELPS ? 0 : 1;
	if (o.db && store_probes(o.db, &r) < 0)
		rc = 1;
out:
	json_decref(doc);
	ps_result_free(&r);
	return rc;
}
