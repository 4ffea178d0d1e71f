/*
 * gembench: the workload generator of bouncelab, "fio for GEM buffers and
 * dma-bufs". Reads a job file (INI) and/or options, runs each job's
 * workload on the named devices, counts what the kernel's DMA layer did, and
 * writes one result document per job (JSON Lines with --json).
 *
 * Exit codes: 0 ran, 1 failed (bad input included), 77 nothing to run here
 * (no such device, no permission), with the reason on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "counters.h"
#include "document.h"
#include "drmdev.h"
#include "job.h"
#include "kmsg.h"
#include "log.h"
#include "overhead.h"
#include "options.h"
#include "profiling.h"
#include "run.h"
#include "version.h"
#include "workload.h"

enum {
	OPT_JOB = 1000,
	OPT_JSON,
	OPT_LIST,
	OPT_CHECK,
	OPT_NO_MOUNT,
	OPT_NO_COUNTERS,
	OPT_HELP,
	OPT_VERSION,
	OPT_HELP_JOBS_SCDOC, /* the job keys as scdoc, for the bouncelab-jobs(5) page */
	OPT_OVERHEAD,
	OPT_TABLE_KEYS = 2000, /* + index into gb_options */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gembench [OPTIONS] [--job FILE | FILE]\n\n"
		"Drive GEM buffers and dma-bufs, count SWIOTLB bounces and DMA mappings.\n"
		"Without a job file the options make the job; without --workload, one job\n"
		"per workload the backend can do (`gembench --device i915`: every i915\n"
		"workload; a device that is absent or not ours: exit 77 with the reason).\n\n"
		"  --job FILE       job file (INI: [global] + one section per job)\n"
		"  --json FILE|-    write result documents (JSON Lines, one per job);\n"
		"                   with '-' stdout holds only JSON and the table goes to stderr\n"
		"  --check          validate the job file/options and exit\n"
		"  --list           DRM nodes, backends, workloads and this kernel's counters\n"
		"  --no-mount       do not mount debugfs/tracefs when missing\n"
		"  --no-counters    do not open kernel counters (all counters null)\n"
		"  -v               more diagnostics on stderr\n"
		"  --overhead       benchmark: create through gembench vs the same ioctls in a\n"
		"                   bare loop, alternating blocks of --iterations ops, --reps\n"
		"                   pairs, on --device (dumb); prints one JSON line\n"
		"  --help, --version\n\n");
	gb_options_help(out);
	fprintf(out, "\nExit: 0 ran, 1 failed or bad input, 77 nothing to run here.\n");
}

static void print_caps(FILE *out, unsigned caps)
{
	static const struct { unsigned cap; const char *name; } names[] = {
		{ GB_CAP_GEM, "gem" },         { GB_CAP_DMABUF_NATIVE, "dmabuf" },
		{ GB_CAP_EXPORT, "export" },   { GB_CAP_IMPORT, "import" },
		{ GB_CAP_MMAP, "mmap" },       { GB_CAP_POPULATE, "populate" },
		{ GB_CAP_USERPTR, "userptr" }, { GB_CAP_PREAD, "pread" },
		{ GB_CAP_BIND, "bind" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (caps & names[i].cap)
			fprintf(out, " %s", names[i].name);
}

static int do_list(bool may_mount)
{
	struct bl_drm_node nodes[BL_DRM_MAX_NODES];
	struct gb_counters *ctr = NULL;
	size_t n = 0;
	const char *key;
	json_t *val, *desc;

	printf("DRM nodes:\n");
	if (bl_drm_list(nodes, BL_DRM_MAX_NODES, &n) || !n)
		printf("  (none)\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-22s %-12s %-10s %s\n", nodes[i].path,
		       nodes[i].driver[0] ? nodes[i].driver : "(cannot open)", nodes[i].version,
		       nodes[i].pci_id[0] ? nodes[i].pci_id : "");
	printf("Other dma-buf exporters:\n");
	printf("  %-22s %s\n", "/dev/udmabuf", access("/dev/udmabuf", F_OK) ? "absent" : "present");
	printf("  %-22s %s\n", "/dev/dma_heap/system",
	       access("/dev/dma_heap/system", F_OK) ? "absent" : "present");
	printf("Backends:\n");
	for (size_t i = 0; gb_backends[i]; i++) {
		const struct gb_backend_ops *b = gb_backends[i];

		printf("  %-10s %s\n             caps:", b->name, b->help ? b->help : "");
		print_caps(stdout, b->caps);
		printf("\n");
		for (int f = 0; f < GB_FEAT_COUNT; f++) {
			const struct gb_variant *v = gb_backend_variants(b, f);

			if (!v)
				continue;
			printf("             %s variants:", gb_feature_name(f));
			for (; v->name; v++)
				printf(" %s", v->name);
			printf("\n");
		}
	}
	printf("Workloads:\n");
	for (size_t i = 0; gb_workloads[i]; i++)
		printf("  %-10s %s%s\n", gb_workloads[i]->name, gb_workloads[i]->help,
		       gb_workloads[i]->needs_importer ? " [needs importer]" : "");
	printf("Counters on this kernel:\n");
	if (gb_counters_open(&ctr, may_mount))
		return 1;
	desc = gb_counters_describe(ctr);
	json_object_foreach(desc, key, val)
		printf("  %-28s %s\n", key, json_is_true(val) ? "yes" : json_string_value(val));
	json_decref(desc);
	gb_counters_close(ctr);
	return 0;
}

/*
 * Skipped jobs, grouped by reason: one absent device skips every job on it
 * (`gembench --device i915` is a job per workload), and saying so once, on
 * one line, reads better than a line per job. Reported after the run.
 */
struct skip_group {
	char why[400];
	char first[64]; /* the first job skipped for it */
	unsigned n;
};

static void skip_add(struct skip_group *g, size_t *ng, const char *job, const char *why)
{
	for (size_t i = 0; i < *ng; i++) {
		if (!strcmp(g[i].why, why)) {
			g[i].n++;
			return;
		}
	}
	if (*ng == GB_MAX_JOBS)
		return;
	snprintf(g[*ng].why, sizeof(g[*ng].why), "%s", why);
	snprintf(g[*ng].first, sizeof(g[*ng].first), "%s", job);
	g[*ng].n = 1;
	(*ng)++;
}

/* "a" or "a and 9 more" (@noun: "job " / "jobs " in front, or nothing) */
static const char *skip_jobs(const struct skip_group *g, bool noun, char *buf, size_t len)
{
	if (g->n == 1)
		snprintf(buf, len, "%s%s", noun ? "job " : "", g->first);
	else
		snprintf(buf, len, "%s%s and %u more", noun ? "jobs " : "", g->first, g->n - 1);
	return buf;
}

int main(int argc, char **argv)
{
	struct option longopts[64];
	struct gb_cli_opt cli[64];
	size_t ncli = 0, nlong = 0, njobs = 0;
	const char *job_path = NULL, *json_path = NULL;
	bool list = false, check = false, overhead = false, may_mount = true, counters = true, verbose = false;
	struct gb_job *jobs = NULL;
	struct gb_opt_error operr;
	struct gb_runopts ro;
	struct gb_prof prof;
	FILE *json_out = NULL;
	int rc = 1, failed = 0, ran = 0, skipped = 0;
	struct skip_group *skips = NULL;
	size_t nskips = 0;
	char names[128];

	bl_log_init("gembench", BL_LOG_INFO);
	memset(&ro, 0, sizeof(ro));
	gb_prof_init(&prof);
	ro.prof = &prof;

	/* Every backend must pass the loader check before anything runs. */
	for (size_t i = 0; gb_backends[i]; i++) {
		char why[256];

		if (gb_backend_check(gb_backends[i], why, sizeof(why))) {
			bl_err("%s", why);
			return 1;
		}
	}

	/* A boolean key alone means true (--profile); --profile=false also works. */
	for (size_t i = 0; gb_options[i].name; i++)
		longopts[nlong++] = (struct option){ gb_options[i].name,
						     gb_options[i].type == GB_OPT_BOOL ?
							     optional_argument :
							     required_argument,
						     NULL, OPT_TABLE_KEYS + (int)i };
	longopts[nlong++] = (struct option){ "job", required_argument, NULL, OPT_JOB };
	longopts[nlong++] = (struct option){ "json", required_argument, NULL, OPT_JSON };
	longopts[nlong++] = (struct option){ "list", no_argument, NULL, OPT_LIST };
	longopts[nlong++] = (struct option){ "check", no_argument, NULL, OPT_CHECK };
	longopts[nlong++] = (struct option){ "no-mount", no_argument, NULL, OPT_NO_MOUNT };
	longopts[nlong++] = (struct option){ "no-counters", no_argument, NULL, OPT_NO_COUNTERS };
	longopts[nlong++] = (struct option){ "overhead", no_argument, NULL, OPT_OVERHEAD };
	longopts[nlong++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	longopts[nlong++] = (struct option){ "version", no_argument, NULL, OPT_VERSION };
	longopts[nlong++] = (struct option){ "help-jobs-scdoc", no_argument, NULL, OPT_HELP_JOBS_SCDOC };
	longopts[nlong++] = (struct option){ NULL, 0, NULL, 0 };

	for (;;) {
		int c = getopt_long(argc, argv, "vh", longopts, NULL);

		if (c == -1)
			break;
		switch (c) {
		case OPT_JOB: job_path = optarg; break;
		case OPT_JSON: json_path = optarg; break;
		case OPT_LIST: list = true; break;
		case OPT_CHECK: check = true; break;
		case OPT_NO_MOUNT: may_mount = false; break;
		case OPT_NO_COUNTERS: counters = false; break;
		case OPT_OVERHEAD: overhead = true; break;
		case 'v': verbose = true; break;
		case 'h':
		case OPT_HELP: usage(stdout); return 0;
		case OPT_VERSION: printf("gembench %s\n", bl_version); return 0;
		case OPT_HELP_JOBS_SCDOC: gb_options_scdoc(stdout); return 0;
		default:
			if (c >= OPT_TABLE_KEYS && ncli < sizeof(cli) / sizeof(cli[0])) {
				cli[ncli].key = gb_options[c - OPT_TABLE_KEYS].name;
				cli[ncli].value = optarg ? optarg : "true";
				ncli++;
				break;
			}
			bl_err("bad option (see gembench --help)");
			return 1;
		}
	}
	if (verbose)
		bl_log_init("gembench", BL_LOG_DEBUG);
	if (optind < argc) {
		if (job_path || optind + 1 < argc) {
			bl_err("unexpected argument '%s' (one job file at most)", argv[optind]);
			return 1;
		}
		job_path = argv[optind];
	}
	if (list)
		return do_list(may_mount);

	jobs = calloc(GB_MAX_JOBS, sizeof(*jobs));
	skips = calloc(GB_MAX_JOBS, sizeof(*skips));
	if (!jobs || !skips) {
		bl_err("out of memory");
		return 1;
	}
	if (gb_jobs_load(job_path, cli, ncli, jobs, GB_MAX_JOBS, &njobs, &operr)) {
		bl_err("%s", operr.msg);
		goto out;
	}
	if (check) {
		printf("%s: %zu job%s OK\n", job_path ? job_path : "command line", njobs,
		       njobs == 1 ? "" : "s");
		rc = 0;
		goto out;
	}

	if (json_path) {
		if (!strcmp(json_path, "-")) {
			json_out = stdout;
		} else {
			json_out = fopen(json_path, "we");
			if (!json_out) {
				bl_err("%s: open for writing: %s", json_path, strerror(errno));
				goto out;
			}
		}
	}
	ro.table = json_out == stdout ? stderr : stdout;
	ro.color = isatty(fileno(ro.table));
	ro.progress = isatty(STDERR_FILENO);
	gb_timer_init();
	ro.timer_cost_ns = gb_timer_cost_ns();
	bl_debug("timer: %.1f ns per clock read", ro.timer_cost_ns);
	if (counters && gb_counters_open(&ro.ctr, may_mount)) {
		bl_err("counters: out of memory");
		goto out;
	}
	{
		int err = gb_kmsg_open(&ro.kmsg);

		if (err)
			bl_warn("/dev/kmsg: %s: failure rows will carry no kernel log lines",
				strerror(-err));
	}

	if (overhead) {
		rc = gb_overhead_run(&jobs[0], &ro, stdout) ? 1 : 0;
		goto out;
	}
	for (size_t j = 0; j < njobs; j++) {
		json_t *doc = NULL;
		enum gb_job_status st = gb_job_run(&jobs[j], &ro, &doc);

		if (!doc) {
			bl_err("%s: out of memory", jobs[j].name);
			failed++;
			continue;
		}
		if (json_out && gb_doc_write(doc, json_out)) {
			bl_err("%s: writing the result document: %s", json_path, strerror(errno));
			failed++;
		}
		switch (st) {
		case GB_JOB_OK: ran++; break;
		case GB_JOB_FAILED:
			failed++;
			bl_err("job %s failed: %s", jobs[j].name,
			       json_string_value(json_object_get(doc, "error")));
			break;
		case GB_JOB_SKIPPED: {
			const char *why = json_string_value(json_object_get(doc, "error"));

			skipped++;
			skip_add(skips, &nskips, jobs[j].name, why ? why : "no reason given");
			bl_debug("job %s skipped: %s", jobs[j].name, why ? why : "");
			break;
		}
		}
		json_decref(doc);
	}
	for (size_t i = 0; i < nskips && ro.table; i++)
		fprintf(ro.table, "\n== %s: skipped: %s\n",
			skip_jobs(&skips[i], false, names, sizeof(names)),
			skips[i].why);
	fflush(ro.table);
	rc = failed ? 1 : !ran && skipped ? 77 : 0;
	/* With exit 77 the last line is the reason: the first job's. */
	for (size_t i = rc == 77 ? 1 : 0; i < nskips; i++)
		bl_info("%s skipped: %s", skip_jobs(&skips[i], true, names, sizeof(names)),
			skips[i].why);
	if (rc == 77)
		bl_info("nothing to run here: %s: %s", skip_jobs(&skips[0], true, names, sizeof(names)),
			skips[0].why);
out:
	if (json_out && json_out != stdout)
		fclose(json_out);
	gb_counters_close(ro.ctr);
	gb_kmsg_close(ro.kmsg);
	free(jobs);
	free(skips);
	return rc;
}
