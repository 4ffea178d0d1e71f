/*
 * `bouncelab runs`: list stored runs picked by a selector
 * (analysis/selector.h; every key is also an option: --kernel 6.12), as a
 * table or as JSON. Reads the database directly
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
#include "selector.h"
#include "log.h"
#include "paths.h"
#include "store.h"
#include "textsafe.h"

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
		"usage: bouncelab runs [--db PATH] [--KEY VALUE...] [SELECTOR...] [--results] [--json]\n\n"
		"List stored runs, newest first. Every selector key is also an option of the\n"
		"same name (--kernel 6.12 --mode force = kernel=6.12,mode=force); --until with a\n"
		"plain date includes that whole day.\n\n"
		"  --results      also the result rows (workload, size, ops/s, bounces/op, ...)\n"
		"  --json         JSON array instead of a table\n"
		"  --documents    the stored result documents of the matching runs as JSON\n"
		"                 Lines (what was ingested; a multi-line one made compact),\n"
		"                 e.g. for `bouncelab ingest -` into another database\n"
		"  --db PATH      database (default $BOUNCELAB_DB, else %s)\n\n",
		BL_DEFAULT_DB);
	bl_selector_help(out, "");
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

/* A stored text for the terminal: CR, ESC, U+202E ... as escapes (bl_text_safe). */
#define SAFE(s, buf) bl_text_safe(or_dash(s), buf, sizeof(buf), NULL)

static void print_run(const struct bl_run_row *r)
{
	char t[8][160];

	printf("%-36s  %-24.24s  %-7s  %-24.24s  %-7s  %-5s  %-10.10s  %-10.10s  %-20.20s  %d\n",
	       r->run_id, SAFE(r->started_at, t[0]), SAFE(r->status, t[1]), SAFE(r->kernel_release, t[2]),
	       SAFE(r->swiotlb, t[3]), SAFE(r->iommu, t[4]), SAFE(r->dev_driver, t[5]),
	       SAFE(r->imp_driver, t[6]), SAFE(r->job, t[7]), r->n_results);
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
	char b1[32], b2[32], b3[32], b4[32], w1[160], w2[160];
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
	       SAFE(v->workload, w1), SAFE(v->variant, w2), v->size,
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

static int runs_list(const char *db, const struct bl_run_filter *f, struct runs_out *o_);

/* The options that are selector keys: each sets the key of its own name. */
static const char *const key_opts[] = { "kernel", "mode", "swiotlb", "iommu", "device",
	"importer", "backend", "workload", "job", "host", "status", "since", "until", "limit",
	"run", NULL };

int cmd_runs(int argc, char **argv)
{
	enum { O_DB = 256, O_SOCKET, O_RESULTS, O_JSON, O_DOCUMENTS, O_HELP, O_KEY };
	struct option opts[32] = {
		{ "db", required_argument, NULL, O_DB },
		{ "socket", required_argument, NULL, O_SOCKET }, /* accepted for symmetry; unused */
		{ "results", no_argument, NULL, O_RESULTS },
		{ "json", no_argument, NULL, O_JSON },
		{ "documents", no_argument, NULL, O_DOCUMENTS },
		{ "help", no_argument, NULL, O_HELP },
	};
	struct bl_selector sel = { 0 };
	struct runs_out o = { 0 };
	const char *db = bl_default_db_path(), *until_opt = NULL;
	char err[512], text[2048] = "";
	size_t nopts = 6;
	int c, idx, ret;

	for (size_t i = 0; key_opts[i]; i++)
		opts[nopts++] = (struct option){ key_opts[i], required_argument, NULL, O_KEY };
	opts[nopts] = (struct option){ 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		switch (c) {
		case O_DB: db = optarg; break;
		case O_SOCKET: break;
		case O_RESULTS: o.results = true; break;
		case O_JSON: o.json = true; break;
		case O_DOCUMENTS: o.documents = true; break;
		case O_HELP: usage(stdout); return 0;
		case O_KEY: {
			size_t off = strlen(text);

			/* gathered into one selector text: the parser checks them together */
			if (snprintf(text + off, sizeof(text) - off, "%s%s=%s", off ? "," : "",
				     opts[idx].name, optarg) >= (int)(sizeof(text) - off)) {
				bl_err("runs: options too long");
				return 2;
			}
			if (!strcmp(opts[idx].name, "until"))
				until_opt = optarg;
			break;
		}
		default: usage(stderr); return 2;
		}
	}
	if (bl_selector_join(text, sizeof(text), argc - optind, argv + optind) < 0) {
		bl_err("runs: selector too long");
		return 2;
	}
	if (bl_selector_parse(text, &sel, err, sizeof(err)) < 0) {
		bl_err("runs: %s", err);
		return 2;
	}
	if (until_opt && strlen(until_opt) == 10)
		sel.filter.until += 86400; /* --until DATE: through the end of that day */
	ret = runs_list(db, &sel.filter, &o);
	bl_selector_free(&sel);
	return ret;
}

/* Lists the runs of @f as @o says; the exit code. */
static int runs_list(const char *db, const struct bl_run_filter *f, struct runs_out *o_)
{
	struct runs_out o = *o_;
	struct bl_store *store = NULL;
	char err[512];
	int ret;

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
	ret = bl_store_query(store, f, on_run, o.results && !o.documents ? on_result : NULL, &o);
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
