/*
 * `bouncelab runs`: list stored runs, filtered like the store's
 * bl_run_filter (kernel release or series, DMA mode, device, workload, job,
 * status, date range), as a table or as JSON. Reads the database directly
 * (WAL lets it read while bouncelabd writes).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "commands.h"
#include "compare.h"
#include "log.h"
#include "paths.h"
#include "store.h"

struct runs_out {
	bool json, results;
	bool documents;		/* --documents: collect UUIDs, print stored documents */
	char (*uuids)[37];	/* --documents: the matching runs */
	size_t n_uuids, cap_uuids;
	json_t *arr;		/* --json: the runs */
	json_t *cur;		/* --json: the run being filled (borrowed from arr) */
	long n;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab runs [--db PATH] [FILTERS] [--results] [--json]\n\n"
		"List stored runs, newest first.\n\n"
		"  --kernel K     release (6.12.57+deb13-amd64), series (6.12: not 6.1) or\n"
		"                 Debian package version (6.1.158-1)\n"
		"  --mode M       DMA mode as the testbed names it: force | noforce | default\n"
		"                 (swiotlb=, no IOMMU) | iommu | iommu-pt (IOMMU boots)\n"
		"  --iommu I      IOMMU only: off | on | pt\n"
		"  --device D     driver name (vgem) or node (/dev/dri/card0)\n"
		"  --importer D   importer driver or node\n"
		"  --backend B    --workload W    --job J    --host H\n"
		"  --status S     ok | failed | skipped | timeout\n"
		"  --since DATE   started at or after DATE (2026-11-20 or RFC 3339)\n"
		"  --until DATE   started before DATE (a plain date includes that whole day)\n"
		"  --limit N      at most N runs\n"
		"  --results      also the result rows (workload, size, ops/s, bounces/op, ...)\n"
		"  --json         JSON array instead of a table\n"
		"  --documents    the stored result documents of the matching runs as JSON\n"
		"                 Lines (what was ingested; a multi-line one made compact),\n"
		"                 e.g. for `bouncelab ingest -` into another database\n"
		"  --run UUID     only this run\n"
		"  --db PATH      database (default $BOUNCELAB_DB, else %s)\n",
		BL_DEFAULT_DB);
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jopt_i64(struct bl_opt_i64 v)
{
	return v.set ? json_integer(v.v) : json_null();
}

static json_t *jopt_f64(struct bl_opt_f64 v)
{
	return v.set ? json_real(v.v) : json_null();
}

static json_t *run_json(const struct bl_run_row *r)
{
	json_t *params = r->params_json ? json_loads(r->params_json, 0, NULL) : NULL;

	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
			 " s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o}",
			 "run_id", r->run_id, "status", r->status, "error", jstr(r->error),
			 "started_at", r->started_at, "finished_at", jstr(r->finished_at),
			 "host", jstr(r->hostname), "kernel", jstr(r->kernel_release),
			 "package_version", jstr(r->package_version), "swiotlb", jstr(r->swiotlb),
			 "swiotlb_slabs", jopt_i64(r->swiotlb_slabs), "iommu", jstr(r->iommu),
			 "device", jstr(r->dev_driver), "device_node", jstr(r->dev_node),
			 "importer", jstr(r->imp_driver), "job", jstr(r->job),
			 "backend", jstr(r->backend), "workload", jstr(r->workload),
			 "params", params ? params : json_null(),
			 "tool_version", jstr(r->tool_version),
			 "stored_at", jstr(r->stored_at), "n_results", r->n_results,
			 "boot_id", jstr(r->kernel_boot_id));
}

static void print_header(void)
{
	printf("%-36s  %-24s  %-7s  %-24s  %-7s  %-5s  %-10s  %-10s  %-20s  %s\n", "RUN_ID",
	       "STARTED", "STATUS", "KERNEL", "SWIOTLB", "IOMMU", "DEVICE", "IMPORTER", "JOB",
	       "ROWS");
}

static void print_run(const struct bl_run_row *r)
{
	printf("%-36s  %-24.24s  %-7s  %-24.24s  %-7s  %-5s  %-10.10s  %-10.10s  %-20.20s  %d\n",
	       r->run_id, r->started_at, r->status, or_dash(r->kernel_release), or_dash(r->swiotlb),
	       or_dash(r->iommu), or_dash(r->dev_driver), or_dash(r->imp_driver), or_dash(r->job),
	       r->n_results);
}

static int on_run(const struct bl_run_row *r, void *user)
{
	struct runs_out *o = user;

	o->n++;
	if (o->documents) {
		if (o->n_uuids == o->cap_uuids) {
			size_t cap = o->cap_uuids ? 2 * o->cap_uuids : 64;
			char(*p)[37] = realloc(o->uuids, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			o->uuids = p;
			o->cap_uuids = cap;
		}
		snprintf(o->uuids[o->n_uuids++], sizeof(o->uuids[0]), "%s", r->run_id);
		return 0;
	}
	if (o->json) {
		o->cur = run_json(r);
		if (!o->cur || json_array_append_new(o->arr, o->cur))
			return -ENOMEM;
		if (o->results)
			json_object_set_new(o->cur, "results", json_array());
	} else {
		if (o->n == 1)
			print_header();
		print_run(r);
	}
	return 0;
}

/* Per-operation figure of a counter: NULL stays "-" / null, never 0. */
static bool per_op(const struct bl_result_view *v, enum bl_counter c, double *out)
{
	if (!v->counters[c].set || v->ops <= 0)
		return false;
	*out = (double)v->counters[c].v / (double)v->ops;
	return true;
}

/* A number or "-" for null: unknown never prints as 0. */
static const char *num(char *buf, size_t len, bool set, double v, int decimals)
{
	if (!set)
		return "-";
	snprintf(buf, len, "%.*f", decimals, v);
	return buf;
}

static int on_result(const struct bl_run_row *r, const struct bl_result_view *v, void *user)
{
	struct runs_out *o = user;
	char b1[32], b2[32], b3[32], b4[32];
	double bpo = 0;
	bool has_bpo = per_op(v, BL_C_SWIOTLB_BOUNCED, &bpo);

	if (o->json) {
		json_t *counters = json_object(), *why = json_object(), *row;

		for (int i = 0; i < BL_COUNTER_COUNT; i++) {
			json_object_set_new(counters, bl_counter_names[i],
					    jopt_i64(v->counters[i]));
			if (v->unavailable[i])
				json_object_set_new(why, bl_counter_names[i],
						    json_string(v->unavailable[i]));
		}
		if (v->bounce_rate_unavailable)
			json_object_set_new(why, "bounce_rate",
					    json_string(v->bounce_rate_unavailable));
		row = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "workload", v->workload,
				"variant", v->variant, "size", (json_int_t)v->size,
				"reps", (json_int_t)v->reps, "ops", (json_int_t)v->ops,
				"duration_ns", (json_int_t)v->duration_ns);
		if (!row) {
			json_decref(counters);
			json_decref(why);
			return -ENOMEM;
		}
		json_object_set_new(row, "ops_per_sec", jopt_f64(v->ops_per_sec_mean));
		json_object_set_new(row, "bytes_per_sec", jopt_f64(v->bytes_per_sec_mean));
		json_object_set_new(row, "bounce_rate", jopt_f64(v->bounce_rate));
		json_object_set_new(row, "bounces_per_op", has_bpo ? json_real(bpo) : json_null());
		json_object_set_new(row, "counters", counters);
		json_object_set_new(row, "unavailable", why);
		json_object_set_new(row, "failed_ops", json_integer(v->failed_ops));
		json_object_set_new(row, "p99_ns", jopt_i64(v->latency_ns[BL_LAT_P99]));
		json_array_append_new(json_object_get(o->cur, "results"), row);
		return 0;
	}
	printf("    %-10s %-8s %10" PRId64 " B  %12s ops/s  bounces/op %-8s  rate %-6s"
	       "  p99 %10s ns  failed %" PRId64 "\n",
	       v->workload, *v->variant ? v->variant : "-", v->size,
	       num(b1, sizeof(b1), v->ops_per_sec_mean.set, v->ops_per_sec_mean.v, 1),
	       num(b2, sizeof(b2), has_bpo, bpo, 3),
	       num(b3, sizeof(b3), v->bounce_rate.set, v->bounce_rate.v, 3),
	       num(b4, sizeof(b4), v->latency_ns[BL_LAT_P99].set,
		   (double)v->latency_ns[BL_LAT_P99].v, 0),
	       v->failed_ops);
	return 0;
}

/* One document per line: a document stored pretty-printed is made compact. */
static void print_document_line(const char *doc)
{
	json_t *j;
	char *line;

	if (!strchr(doc, '\n')) {
		printf("%s\n", doc);
		return;
	}
	j = json_loads(doc, 0, NULL);
	line = j ? json_dumps(j, JSON_COMPACT) : NULL;
	printf("%s\n", line ? line : doc);
	free(line);
	json_decref(j);
}

int cmd_runs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 'S' }, /* accepted for symmetry; unused */
		{ "kernel", required_argument, NULL, 'k' },
		{ "mode", required_argument, NULL, 'm' },
		{ "iommu", required_argument, NULL, 'i' },
		{ "device", required_argument, NULL, 'v' },
		{ "importer", required_argument, NULL, 'I' },
		{ "backend", required_argument, NULL, 'b' },
		{ "workload", required_argument, NULL, 'w' },
		{ "job", required_argument, NULL, 'j' },
		{ "host", required_argument, NULL, 'H' },
		{ "status", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'a' },
		{ "until", required_argument, NULL, 'u' },
		{ "limit", required_argument, NULL, 'n' },
		{ "results", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'J' },
		{ "documents", no_argument, NULL, 'D' },
		{ "run", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct bl_run_filter f = { 0 };
	struct runs_out o = { 0 };
	const char *db = bl_default_db_path(), *mode = NULL, *iommu = NULL;
	struct bl_store *store = NULL;
	char err[512], *end;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'S': break;
		case 'k': f.kernel = optarg; break;
		case 'm': mode = optarg; break;
		case 'i': iommu = optarg; break;
		case 'v': f.device = optarg; break;
		case 'I': f.importer = optarg; break;
		case 'b': f.backend = optarg; break;
		case 'w': f.workload = optarg; break;
		case 'j': f.job = optarg; break;
		case 'H': f.host = optarg; break;
		case 's': f.status = optarg; break;
		case 'a':
		case 'u': {
			int64_t t;

			if (bl_parse_time(optarg, &t)) {
				bl_err("runs: --%s %s: expected a date (2026-11-20) or RFC 3339"
				       " time",
				       c == 'a' ? "since" : "until", optarg);
				return 2;
			}
			if (c == 'u' && strlen(optarg) == 10)
				t += 86400; /* a plain date: through the end of that day */
			*(c == 'a' ? &f.since : &f.until) = t;
			break;
		}
		case 'n':
			errno = 0;
			f.limit = (int)strtol(optarg, &end, 10);
			if (errno || *end || f.limit <= 0) {
				bl_err("runs: --limit %s: expected a positive number", optarg);
				return 2;
			}
			break;
		case 'r': o.results = true; break;
		case 'J': o.json = true; break;
		case 'D': o.documents = true; break;
		case 'R': f.run_id = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		bl_err("runs: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	/* the same mode names as compare and the testbed (analysis/compare.c) */
	if (mode && bl_mode_filter(&f, mode)) {
		bl_err("runs: --mode %s: expected force, noforce, default, iommu or iommu-pt",
		       mode);
		return 2;
	}
	if (iommu) {
		if (strcmp(iommu, "off") && strcmp(iommu, "on") && strcmp(iommu, "pt")) {
			bl_err("runs: --iommu %s: expected off, on or pt", iommu);
			return 2;
		}
		f.iommu = iommu;
	}
	if (access(db, F_OK)) {
		if (o.json)
			printf("[]\n");
		else
			fprintf(stderr, "runs: no database at %s: nothing stored yet\n", db);
		return 0;
	}
	ret = bl_store_open(db, NULL, &store, err, sizeof(err));
	if (ret) {
		bl_err("%s", err);
		return 1;
	}
	if (o.json)
		o.arr = json_array();
	ret = bl_store_query(store, &f, on_run, o.results && !o.documents ? on_result : NULL, &o);
	/* documents are fetched after the query: the store is not re-entrant */
	for (size_t i = 0; !ret && i < o.n_uuids; i++) {
		char *doc = NULL;

		ret = bl_store_get_document(store, o.uuids[i], &doc);
		if (!ret)
			print_document_line(doc);
		free(doc);
	}
	if (ret) {
		bl_err("%s", ret == -ENOMEM ? "runs: out of memory" : bl_store_errmsg(store));
	} else if (o.documents) {
		if (!o.n)
			fprintf(stderr, "runs: no run matches\n");
	} else if (o.json) {
		if (json_dumpf(o.arr, stdout, JSON_INDENT(1)) == 0)
			putchar('\n');
	} else if (!o.n) {
		fprintf(stderr, "runs: no run matches\n");
	}
	json_decref(o.arr);
	free(o.uuids);
	bl_store_close(store);
	return ret ? 1 : 0;
}
