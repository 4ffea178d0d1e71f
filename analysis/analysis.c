/*
 * Shared helpers of `bouncelab compare`, `plot` and `report`: see
 * analysis.h. Only lib/store.h queries; no SQL here.
 */
#include "analysis.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calibrate.h"
#include "log.h"
#include "profile.h"
#include "paths.h"

static int open_store(const char *db, bool read_only, struct bl_store **out)
{
	struct bl_store_opts opts = { .read_only = read_only, .no_mkdir = read_only };
	char err[256] = "";
	int ret;

	if (!db)
		db = bl_default_db_path();
	ret = bl_store_open(db, &opts, out, err, sizeof(err));
	if (ret == -ESTALE) {
		/*
		 * A store an older bouncelab wrote (results.db of last month):
		 * reading it needs its schema brought forward, which every
		 * writer does on open anyway (forward-only migrations, one
		 * transaction). Do it once here rather than make people run a
		 * writing command first; without write permission, say so.
		 */
		struct bl_store_opts rw = { 0 };
		struct bl_store *s = NULL;

		bl_info("%s: migrating the database to this bouncelab's schema", db);
		err[0] = '\0';
		ret = bl_store_open(db, &rw, &s, err, sizeof(err));
		bl_store_close(s);
		if (!ret)
			ret = bl_store_open(db, &opts, out, err, sizeof(err));
	}
	if (ret < 0)
		bl_err("%s: open: %s", db, *err ? err : strerror(-ret));
	return ret;
}

int an_open_store(const char *db, struct bl_store **out)
{
	return open_store(db, true, out);
}

int an_open_store_rw(const char *db, struct bl_store **out)
{
	return open_store(db, false, out);
}


void an_short_release(const char *release, char *buf, size_t len)
{
	size_t n;
	char *p;

	snprintf(buf, len, "%s", release ? release : "?");
	n = strlen(buf);
	if (n > 6 && !strcmp(buf + n - 6, "-amd64"))
		buf[n - 6] = '\0';
	p = strstr(buf, "+deb");
	if (p)
		*p = '\0';
}

static struct bl_opt_f64 opt_f64(double v)
{
	return (struct bl_opt_f64){ .v = v, .set = !isnan(v) };
}

int an_store_verdicts(struct bl_store *s, const struct bl_cmp_result *r, const char *subject,
		      int64_t at_unix)
{
	struct bl_verdict *v = calloc(r->n ? r->n : 1, sizeof(*v));
	char (*details)[160] = calloc(r->n ? r->n : 1, sizeof(*details));
	int ret;

	if (!v || !details) {
		free(v);
		free(details);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];
		const struct bl_change *c = &row->ch;

		v[i].subject = subject;
		v[i].baseline = r->base_label;
		v[i].workload = row->workload;
		v[i].variant = *row->variant ? row->variant : NULL;
		v[i].size = row->size;
		v[i].metric = row->metric->name;
		v[i].baseline_value = opt_f64(c->base_mean);
		v[i].value = opt_f64(c->new_mean);
		/* the store's change is relative; an absolute one (zero base) goes in detail */
		v[i].change = c->relative ? opt_f64(c->change) : opt_f64(NAN);
		v[i].verdict = !row->base ? "new" : !row->new_s ? "missing" :
			       bl_verdict_name(c->verdict);
		snprintf(details[i], sizeof(details[i]),
			 "%s%s 95%% CI [%.4g, %.4g]%s, n %zu/%zu", row->group,
			 *row->group ? ":" : "", c->ci_lo, c->ci_hi,
			 c->relative ? "" : " absolute", c->base_n, c->new_n);
		v[i].detail = details[i];
	}
	ret = bl_store_put_verdicts(s, at_unix, v, r->n);
	if (ret < 0)
		bl_err("store: put verdicts for %s: %s", subject, bl_store_errmsg(s));
	free(v);
	free(details);
	return ret;
}

struct started_ctx {
	int64_t started;
	bool found;
};

static int started_cb(const struct bl_run_row *run, void *user)
{
	struct started_ctx *c = user;

	c->started = run->started_unix;
	c->found = true;
	return 0;
}

int an_judge_run(struct bl_store *s, const char *uuid, const char *baseline_selector,
		 const struct bl_stats_opts *opts, int64_t now_unix, size_t *worse,
		 char *summary, size_t len)
{
	struct bl_selector base = { 0 };
	struct bl_run_filter nf = { .run_id = uuid };
	struct an_comparison cmp = { 0 };
	struct started_ctx sc = { 0 };
	struct an_floor_index floors = { 0 };
	struct bl_stats_opts o = *opts;
	char err[512];
	int ret;

	*worse = 0;
	/* the measured noise floors, unless the caller brought its own */
	if (!o.floor_of && an_floor_index_load(s, &floors) == 0) {
		o.floor_of = an_floor_of;
		o.floor_user = &floors;
	}
	ret = bl_selector_parse(baseline_selector, &base, err, sizeof(err));
	if (ret < 0) {
		snprintf(summary, len, "baseline: %s", err);
		return ret;
	}
	ret = bl_store_query_runs(s, &nf, started_cb, &sc);
	if (!ret && !sc.found) {
		snprintf(summary, len, "run %s: not in the store", uuid);
		ret = -ENOENT;
	}
	if (ret)
		goto out;
	if (!base.filter.until)
		base.filter.until = sc.started; /* earlier runs only: never the run itself */
	ret = an_compare(s, &(struct an_side){ .filter = &base.filter, .label = baseline_selector },
			 &(struct an_side){ .filter = &nf, .label = uuid }, AN_GROUP_JOB, NULL, &o,
			 &cmp);
	if (ret < 0)
		goto out;
	if (!cmp.base_runs) {
		snprintf(summary, len, "run %s: no baseline runs match '%s' before it", uuid,
			 baseline_selector);
		ret = -ENOENT;
		goto out;
	}
	ret = an_store_verdicts(s, &cmp.r, uuid, now_unix);
	if (ret < 0)
		goto out;
	*worse = cmp.r.worse;
	snprintf(summary, len,
		 "run %s against %zu baseline run%s ('%s'): %zu worse, %zu better, %zu same, "
		 "%zu unknown",
		 uuid, cmp.base_runs, cmp.base_runs == 1 ? "" : "s", baseline_selector, cmp.r.worse,
		 cmp.r.better, cmp.r.same, cmp.r.too_few);
out:
	an_comparison_free(&cmp);
	bl_selector_free(&base);
	an_floor_index_free(&floors);
	return ret;
}

/* Adds @list's symbols (samples) into the object @into (symbol -> samples). */
static void add_syms(json_t *into, const json_t *list)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) {
		const char *sym = json_string_value(json_object_get(e, "symbol"));
		json_int_t n = json_integer_value(json_object_get(e, "samples"));
		json_t *have;

		if (!sym || n <= 0)
			continue;
		have = json_object_get(into, sym);
		json_object_set_new(into, sym, json_integer(json_integer_value(have) + n));
	}
}

/* symbol -> samples into [{"symbol","samples","share"}] sorted by samples. */
static json_t *syms_to_list(json_t *counts, json_int_t total)
{
	json_t *list = json_array(), *v;
	const char *sym;

	json_object_foreach(counts, sym, v) {
		json_int_t n = json_integer_value(v);
		size_t pos = 0;

		/* insertion keeps the list sorted; top lists are short */
		while (pos < json_array_size(list) &&
		       json_integer_value(json_object_get(json_array_get(list, pos), "samples")) >= n)
			pos++;
		json_array_insert_new(list, pos,
				      json_pack("{s:s, s:I, s:f}", "symbol", sym, "samples", n,
						"share", total ? (double)n / (double)total : 0.0));
	}
	return list;
}

json_t *an_load_profiles(struct bl_store *s, const struct bl_run_filter *f)
{
	json_t *acc = json_object(), *out = json_object(), *entry;
	struct an_runs runs;
	const char *key;

	if (!acc || !out || an_load_runs(s, f, &runs) < 0) {
		json_decref(acc);
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < runs.n; i++) {
		const struct an_run *r = &runs.r[i];
		char *text = NULL;
		json_t *doc, *row;
		size_t k;

		if (!r->run_id || bl_store_get_document(s, r->run_id, &text) < 0)
			continue;
		doc = json_loads(text, 0, NULL);
		free(text);
		json_array_foreach(json_object_get(doc, "results"), k, row) {
			const json_t *prof = json_object_get(row, "profile");
			const char *wl = json_string_value(json_object_get(row, "workload"));
			const char *variant = json_string_value(json_object_get(row, "variant"));
			json_int_t samples = json_integer_value(json_object_get(prof, "samples"));
			char keybuf[512], sz[24];

			if (!json_is_object(prof) || samples <= 0 || !wl)
				continue;
			bl_size_str(json_integer_value(json_object_get(row, "size")), sz, sizeof(sz));
			snprintf(keybuf, sizeof(keybuf), "[%s %s%s%s] %s%s%s %s", r->job ? r->job : "?",
				 r->device ? r->device : "?", r->importer ? "+" : "",
				 r->importer ? r->importer : "", wl, variant && *variant ? "/" : "",
				 variant && *variant ? variant : "", sz);
			entry = json_object_get(acc, keybuf);
			if (!entry) {
				entry = json_pack("{s:I, s:{}, s:{}}", "samples", (json_int_t)0, "k",
						  "u");
				json_object_set_new(acc, keybuf, entry);
			}
			json_object_set_new(entry, "samples",
					    json_integer(json_integer_value(
						    json_object_get(entry, "samples")) + samples));
			add_syms(json_object_get(entry, "k"), json_object_get(prof, "top_kernel"));
			add_syms(json_object_get(entry, "u"), json_object_get(prof, "top_user"));
		}
		json_decref(doc);
	}
	an_runs_free(&runs);
	json_object_foreach(acc, key, entry) {
		json_int_t total = json_integer_value(json_object_get(entry, "samples"));

		json_object_set_new(out, key,
				    json_pack("{s:s, s:I, s:o, s:o}", "tool", "perf", "samples", total,
					      "top_kernel",
					      syms_to_list(json_object_get(entry, "k"), total),
					      "top_user",
					      syms_to_list(json_object_get(entry, "u"), total)));
	}
	json_decref(acc);
	return out;
}

