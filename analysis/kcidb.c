/*
 * The KCIDB v5.3 export (see kcidb.h for the mapping). The runs and rows
 * come from one dataset load (dataset.h); each row's metrics are derived by
 * compare's own sample code (bl_sample_set_add_result), so an exported
 * bounces_per_op is the number `bouncelab compare` would judge, and a row
 * whose every operation failed exports failed_ops only, as compare does.
 *
 * Checkouts and builds are kept in objects keyed by their id while the
 * runs are walked, so each kernel appears once however many runs it has.
 * A measurement the store holds a "worse" verdict for (nightly's judgement,
 * compare --store-verdicts under the run's UUID) is FAIL, saying against
 * what: a regression is a failed test in KernelCI's terms.
 */
#include "kcidb.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "dataset.h"
#include "log.h"

/* KCIDB I/O schema version written into the document. */
#define KCIDB_MAJOR 5
#define KCIDB_MINOR 3

bool an_kcidb_origin_ok(const char *origin)
{
	if (!origin || !*origin)
		return false;
	for (const char *p = origin; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

struct kx {
	const char *origin;
	json_t *checkouts; /* id -> checkout object */
	json_t *builds;	   /* id -> build object */
	json_t *tests;	   /* array */
	/* the run being exported: its stored "worse" verdicts (nightly --judge,
	 * compare --judge), "workload|variant|size|metric" -> "against BASE: +x %" */
	json_t *worse;
};

/* The key of a verdict or a metric test: the same on both sides. */
static void worse_key(char *buf, size_t len, const char *workload, const char *variant,
		      int64_t size, const char *metric)
{
	snprintf(buf, len, "%s|%s|%" PRId64 "|%s", workload, variant ? variant : "", size, metric);
}

static int collect_worse(const struct bl_verdict *v, int64_t at_unix, void *user)
{
	json_t *worse = user;
	char key[512], why[512];

	(void)at_unix;
	if (!v->verdict || strcmp(v->verdict, "worse"))
		return 0;
	worse_key(key, sizeof(key), v->workload, v->variant, v->size, v->metric);
	if (json_object_get(worse, key)) /* newest first: the latest judgement stands */
		return 0;
	if (v->change.set)
		snprintf(why, sizeof(why), "regression against %s: %+.1f %%", v->baseline ? v->baseline : "?",
			 v->change.v * 100);
	else
		snprintf(why, sizeof(why), "regression against %s", v->baseline ? v->baseline : "?");
	return json_object_set_new(worse, key, json_string(why)) ? -ENOMEM : 0;
}

/* Sets @key to @v (stolen; NULL means jansson ran out of memory). 0 or -ENOMEM. */
static int put(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0 ? 0 : -ENOMEM;
}

/* A string member only when @s is set: KCIDB's strings may not be null. */
static int put_str(json_t *obj, const char *key, const char *s)
{
	return s ? put(obj, key, json_string(s)) : 0;
}

/* A JSON string or null (for misc, which is free-form). */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/*
 * Appends @s to a dotted path as one node: KCIDB allows [A-Za-z0-9_-] in a
 * node, so anything else (a device node's '/', a '.' in a release) is '_'.
 */
static void path_add(char *path, size_t len, const char *s)
{
	size_t n = strlen(path);

	if (n && n + 1 < len)
		path[n++] = '.';
	for (; *s && n + 1 < len; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';

		path[n++] = ok ? c : '_';
	}
	path[n] = '\0';
}

/* "4K", "1M", "3G" when the size is a whole number of them, else bytes. */
static void size_node(int64_t size, char *buf, size_t len)
{
	static const char suffix[] = "GMK";
	int64_t unit = INT64_C(1) << 30;

	for (int i = 0; i < 3; i++, unit >>= 10)
		if (size >= unit && size % unit == 0) {
			snprintf(buf, len, "%" PRId64 "%c", size / unit, suffix[i]);
			return;
		}
	snprintf(buf, len, "%" PRId64, size);
}

/*
 * "udmabuf-vgem": where the buffers come from, then where they go, as the
 * example paths name them. A GEM backend (dumb, i915) exports from the
 * run's device into its importer. A dma-buf exporter backend (udmabuf,
 * dmaheap) stores its own node as the run's importer and the DRM device it
 * imports into as the device (bench/README.md), so the two swap places.
 */
static void devices_node(const struct an_run *r, char *buf, size_t len)
{
	const char *b = r->backend;
	bool gem = !b || !strcmp(b, "dumb") || !strcmp(b, "i915");
	const char *from = gem ? r->device : r->importer, *to = gem ? r->importer : r->device;

	if (!from)
		from = to ? to : b ? b : "none", to = NULL;
	if (to && strcmp(to, from))
		snprintf(buf, len, "%s-%s", from, to);
	else
		snprintf(buf, len, "%s", from);
}

/*
 * What a checkout is named by: Debian's package version; without one, the
 * version Debian writes into the kernel's own version string
 * ("#1 SMP PREEMPT_DYNAMIC Debian 6.12.57-1 (2025-11-05)"), else the release.
 */
static const char *source_name(const struct an_run *r, char *buf, size_t len)
{
	const char *deb = r->kernel_version ? strstr(r->kernel_version, "Debian ") : NULL;

	if (r->package_version)
		return r->package_version;
	if (deb) {
		deb += strlen("Debian ");
		snprintf(buf, len, "%.*s", (int)strcspn(deb, " ()"), deb);
		if (*buf)
			return buf;
	}
	return r->kernel_release ? r->kernel_release : "unknown";
}

/* Adds the run's checkout and build when not there yet; the build id into @build_id. */
static int add_kernel(struct kx *x, const struct an_run *r, char *build_id, size_t len)
{
	const char *release = r->kernel_release ? r->kernel_release : "unknown";
	char checkout_id[512], deb[128];
	const char *source = source_name(r, deb, sizeof(deb));
	json_t *o;
	int err;

	snprintf(checkout_id, sizeof(checkout_id), "%s:debian-%s", x->origin, source);
	snprintf(build_id, len, "%s:%s@%s", x->origin, release, source);
	if (!json_object_get(x->checkouts, checkout_id)) {
		if (!(o = json_object()))
			return -ENOMEM;
		if ((err = put(x->checkouts, checkout_id, o)) ||
		    (err = put_str(o, "id", checkout_id)) ||
		    (err = put_str(o, "origin", x->origin)) ||
		    (err = put_str(o, "tree_name", "debian")) ||
		    (err = put_str(o, "git_commit_name", source)) ||
		    (err = put_str(o, "comment",
				   r->package_version ? "Debian kernel package version"
				   : source == deb    ? "Debian version from the kernel's version string"
						      : "kernel release (no Debian version known)")))
			return err;
	}
	if (!json_object_get(x->builds, build_id)) {
		if (!(o = json_object()))
			return -ENOMEM;
		if ((err = put(x->builds, build_id, o)) || (err = put_str(o, "id", build_id)) ||
		    (err = put_str(o, "origin", x->origin)) ||
		    (err = put_str(o, "checkout_id", checkout_id)) ||
		    (err = put_str(o, "config_name", release)) ||
		    (err = put(o, "misc",
			       json_pack("{s:s, s:o, s:o}", "kernel_release", release,
					 "kernel_version", str_or_null(r->kernel_version),
					 "package_version", str_or_null(r->package_version)))))
			return err;
	}
	return 0;
}

/* environment.misc: what a KCIDB reader needs to tell two numbers apart. */
static json_t *environment(const struct an_run *r)
{
	json_t *misc = json_object(), *env = json_object();

	if (!misc || !env ||
	    put(misc, "dma_mode", str_or_null(r->mode)) ||
	    put(misc, "clock", str_or_null(r->clock)) ||
	    put(misc, "host", str_or_null(r->hostname)) ||
	    put(misc, "cpu", str_or_null(r->cpu)) ||
	    put(misc, "device", str_or_null(r->device)) ||
	    put(misc, "importer", str_or_null(r->importer)) ||
	    put(misc, "backend", str_or_null(r->backend)) ||
	    put(misc, "job", str_or_null(r->job)) ||
	    put(misc, "boot_id", str_or_null(r->boot_id)) ||
	    put(misc, "run_id", str_or_null(r->run_id)) ||
	    put(misc, "swiotlb_slabs",
		r->swiotlb_slabs >= 0 ? json_integer(r->swiotlb_slabs) : json_null()) ||
	    put(env, "misc", misc)) {
		json_decref(misc);
		json_decref(env);
		return NULL;
	}
	return env;
}

/* A test object with the members every test of @r has. NULL: out of memory. */
static json_t *new_test(struct kx *x, const struct an_run *r, const char *build_id,
			const char *id, const char *path, const char *status)
{
	json_t *t = json_object();

	if (!t)
		return NULL;
	if (put_str(t, "id", id) || put_str(t, "origin", x->origin) ||
	    put_str(t, "build_id", build_id) || put_str(t, "path", path) ||
	    put_str(t, "status", status) || put_str(t, "start_time", r->started_at) ||
	    put(t, "environment", environment(r)) || json_array_append_new(x->tests, t)) {
		json_decref(t);
		return NULL;
	}
	return t;
}

/* One row: its summary test, then one test per metric compare derives from it. */
static int add_row(struct kx *x, const struct an_run *r, const struct bl_result_view *v,
		   const char *build_id)
{
	struct bl_sample_set set;
	char base[256] = "", node[128], path[320], id[320];
	bool refused = v->failed_ops > 0;
	double secs = (double)v->duration_ns / 1e9;
	json_t *t;
	int err = 0;

	path_add(base, sizeof(base), "bouncelab");
	if (v->variant && *v->variant)
		snprintf(node, sizeof(node), "%s-%s", v->workload, v->variant);
	else
		snprintf(node, sizeof(node), "%s", v->workload);
	path_add(base, sizeof(base), node);
	devices_node(r, node, sizeof(node));
	path_add(base, sizeof(base), node);
	size_node(v->size, node, sizeof(node));
	path_add(base, sizeof(base), node);

	snprintf(id, sizeof(id), "%s:%s-%d", x->origin, r->run_id, v->idx);
	if (!(t = new_test(x, r, build_id, id, base, refused ? "FAIL" : "PASS")))
		return -ENOMEM;
	if (refused) {
		char why[512];

		snprintf(why, sizeof(why), "%" PRId64 " of %" PRId64 " operations refused%s%s",
			 v->failed_ops, v->ops, v->failed_error ? ": " : "",
			 v->failed_error ? v->failed_error : "");
		if ((err = put_str(t, "comment", why)))
			return err;
	}
	if (v->duration_ns > 0 && (err = put(t, "duration", json_real(secs))))
		return err;

	bl_sample_set_init(&set);
	if ((err = bl_sample_set_add_result(&set, "", v)))
		goto out;
	for (size_t i = 0; i < set.n; i++) {
		const struct bl_sample *s = &set.s[i];
		const char *regression;
		char wkey[512];
		double sum = 0;

		for (size_t k = 0; k < s->n; k++)
			sum += s->v[k];
		if (!s->n || !isfinite(sum))
			continue;
		snprintf(path, sizeof(path), "%s", base);
		path_add(path, sizeof(path), s->metric->name);
		snprintf(id, sizeof(id), "%s:%s-%d-%s", x->origin, r->run_id, v->idx,
			 s->metric->name);
		/* a refused row's numbers describe the refusals, a judged regression fails too */
		worse_key(wkey, sizeof(wkey), v->workload, v->variant, v->size, s->metric->name);
		regression = x->worse ? json_string_value(json_object_get(x->worse, wkey)) : NULL;
		if (!(t = new_test(x, r, build_id, id, path, refused || regression ? "FAIL" : "DONE")) ||
		    (regression && put_str(t, "comment", regression)) ||
		    put(t, "number",
			json_pack("{s:f, s:s}", "value", sum / (double)s->n, "unit",
				  s->metric->unit)) ||
		    put(t, "misc",
			json_pack("{s:s, s:I, s:I, s:I}", "metric", s->metric->label, "size_bytes",
				  (json_int_t)v->size, "values", (json_int_t)s->n, "ops",
				  (json_int_t)v->ops))) {
			err = -ENOMEM;
			goto out;
		}
	}
out:
	bl_sample_set_free(&set);
	return err;
}

/* A run that produced no rows: skipped (SKIP) or broken (ERROR). */
static int add_empty_run(struct kx *x, const struct an_run *r, const char *build_id)
{
	char path[256] = "", node[128], id[320];
	bool skipped = r->status && !strcmp(r->status, "skipped");
	json_t *t;

	if (r->status && !strcmp(r->status, "ok"))
		return 0; /* nothing measured, nothing wrong */
	path_add(path, sizeof(path), "bouncelab");
	path_add(path, sizeof(path), r->workload ? r->workload : "job");
	devices_node(r, node, sizeof(node));
	path_add(path, sizeof(path), node);
	snprintf(id, sizeof(id), "%s:%s", x->origin, r->run_id);
	if (!(t = new_test(x, r, build_id, id, path, skipped ? "SKIP" : "ERROR")))
		return -ENOMEM;
	return put_str(t, "comment", r->error);
}

/* Moves the values of an id-keyed object into an array. */
static json_t *values_of(json_t *obj)
{
	json_t *arr = json_array(), *v;
	const char *key;

	if (!arr)
		return NULL;
	json_object_foreach(obj, key, v) {
		if (json_array_append(arr, v)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int an_kcidb_export(struct bl_store *s, const struct bl_run_filter *f, const char *origin,
		    json_t **out, size_t *runs)
{
	struct an_dataset ds = { 0 };
	struct kx x = { .origin = origin };
	json_t *doc = NULL;
	char build_id[512];
	size_t row = 0;
	int err;

	*out = NULL;
	*runs = 0;
	if (!an_kcidb_origin_ok(origin)) {
		bl_err("kcidb: origin '%s': KCIDB allows only a-z, 0-9 and '_'",
		       origin ? origin : "");
		return -EINVAL;
	}
	if ((err = an_dataset_load(s, f, &ds)))
		return err;
	*runs = ds.runs.n;
	if (!ds.runs.n)
		goto done;
	x.checkouts = json_object();
	x.builds = json_object();
	x.tests = json_array();
	err = -ENOMEM;
	if (!x.checkouts || !x.builds || !x.tests)
		goto done;
	for (size_t i = 0; i < ds.runs.n; i++) {
		const struct an_run *r = &ds.runs.r[i];
		bool any = false;

		if ((err = add_kernel(&x, r, build_id, sizeof(build_id))))
			goto done;
		json_decref(x.worse);
		if (!(x.worse = json_object())) {
			err = -ENOMEM;
			goto done;
		}
		if (r->run_id && bl_store_query_verdicts(s, r->run_id, collect_worse, x.worse) < 0) {
			bl_err("kcidb: verdicts of run %s: %s", r->run_id, bl_store_errmsg(s));
			err = -EIO;
			goto done;
		}
		for (; row < ds.n && ds.rows[row].run == i; row++, any = true)
			if ((err = add_row(&x, r, &ds.rows[row].v, build_id)))
				goto done;
		if (!any && (err = add_empty_run(&x, r, build_id)))
			goto done;
	}
	err = -ENOMEM;
	doc = json_pack("{s:{s:i, s:i}, s:o, s:o, s:O}", "version", "major", KCIDB_MAJOR, "minor",
			KCIDB_MINOR, "checkouts", values_of(x.checkouts), "builds",
			values_of(x.builds), "tests", x.tests);
	if (!doc)
		goto done;
	*out = doc;
	err = 0;
done:
	if (err == -ENOMEM)
		bl_err("kcidb: out of memory");
	json_decref(x.checkouts);
	json_decref(x.builds);
	json_decref(x.tests);
	json_decref(x.worse);
	an_dataset_free(&ds);
	return err;
}
