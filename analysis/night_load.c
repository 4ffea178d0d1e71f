/*
 * Reading a night back (night.h): the night, its runs with their
 * configurations and last nights, and its stored verdicts folded into
 * per-run counts and the rows that were not "same"; the model as JSON (the
 * daemon's /api/v1/nights) and as a few lines of text (`bouncelab status`).
 */
#include "night.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "dmamode.h"
#include "judge.h"
#include "log.h"

const char *an_night_against_name(enum an_night_against a)
{
	return a == AN_AGAINST_BASELINE ? "baseline" : "last-night";
}

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int night_cb(const struct bl_night_row *r, void *user)
{
	struct an_night *n = user;

	n->id = r->id;
	n->label = dup0(r->label);
	n->source = dup0(r->source);
	n->status = dup0(r->status);
	n->baseline = dup0(r->baseline);
	n->started_unix = r->started_unix;
	n->finished_unix = r->finished_unix.set ? r->finished_unix.v : 0;
	if (!n->label || !n->source || !n->status || (r->baseline && !n->baseline))
		return -ENOMEM;
	return 0;
}

struct runs_ctx {
	struct an_night *n;
	size_t cap;
};

static int run_cb(const struct bl_night_run *r, void *user)
{
	struct runs_ctx *x = user;
	struct an_night_run *nr;

	if (x->n->n_runs == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 8;
		struct an_night_run *p = realloc(x->n->runs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		x->n->runs = p;
		x->cap = cap;
	}
	nr = &x->n->runs[x->n->n_runs++];
	memset(nr, 0, sizeof(*nr));
	nr->uuid = dup0(r->run_uuid);
	nr->last_uuid = dup0(r->last_uuid);
	nr->baseline_why = dup0(r->baseline_why);
	if (!nr->uuid || (r->last_uuid && !nr->last_uuid) || (r->baseline_why && !nr->baseline_why))
		return -ENOMEM;
	return 0;
}

/* The configuration of a run for people: "job vgem->virtio_gpu force 6.12.117-1 icount". */
static int describe_cb(const struct bl_run_row *r, void *user)
{
	struct an_night_run *nr = user;
	char mode[64], pool[24] = "";
	const char *dev = r->dev_driver ? r->dev_driver : r->dev_node;
	const char *imp = r->imp_driver ? r->imp_driver : r->imp_node;

	bl_mode_key(r->swiotlb, r->iommu, r->hypervisor, r->balloon_bytes.set ? r->balloon_bytes.v : 0,
		    mode, sizeof(mode));
	if (r->swiotlb_slabs.set && r->swiotlb_slabs.v > 0) {
		char sz[16];

		bl_size_short((uint64_t)r->swiotlb_slabs.v * 2048, sz, sizeof(sz));
		snprintf(pool, sizeof(pool), " pool=%s", sz);
	}
	free(nr->status);
	free(nr->config);
	nr->status = dup0(r->status);
	if (asprintf(&nr->config, "%s %s%s%s %s%s %s%s%s", r->job ? r->job : "?", dev ? dev : "?",
		     imp ? "->" : "", imp ? imp : "", mode, pool,
		     r->package_version ? r->package_version : r->kernel_release ? r->kernel_release : "?",
		     r->testbed_clock ? " " : "", r->testbed_clock ? r->testbed_clock : "") < 0) {
		nr->config = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int started_cb(const struct bl_run_row *r, void *user)
{
	*(int64_t *)user = r->started_unix;
	return 0;
}

static bool is_failure(const char *metric)
{
	return metric && (!strcmp(metric, "failed_share") || !strcmp(metric, "failed_ops") ||
			  !strcmp(metric, "job_failed"));
}

static void count(struct an_night_counts *c, const char *verdict, bool failure)
{
	if (!strcmp(verdict, "worse")) {
		c->worse++;
		if (failure)
			c->failed_new++;
	} else if (!strcmp(verdict, "better")) {
		c->better++;
	} else if (!strcmp(verdict, "same")) {
		c->same++;
	} else {
		c->unknown++; /* unknown, new, missing */
	}
}

struct rows_ctx {
	struct an_night *n;
	size_t cap;
};

static double f64(struct bl_opt_f64 v)
{
	return v.set ? v.v : NAN;
}

static int verdict_cb(const struct bl_night_verdict *nv, void *user)
{
	struct rows_ctx *x = user;
	struct an_night *n = x->n;
	const struct bl_verdict *v = &nv->v;
	enum an_night_against against;
	struct an_night_row *row;
	size_t run = n->n_runs;

	if (!v->subject || !v->baseline || !v->verdict || !v->metric)
		return 0;
	for (size_t i = 0; i < n->n_runs; i++)
		if (!strcasecmp(n->runs[i].uuid, v->subject))
			run = i;
	if (run == n->n_runs)
		return 0; /* a run taken out of the night since */
	against = !strncmp(v->baseline, "baseline:", 9) ? AN_AGAINST_BASELINE :
							 AN_AGAINST_LAST_NIGHT;
	count(against == AN_AGAINST_BASELINE ? &n->runs[run].base : &n->runs[run].last, v->verdict,
	      is_failure(v->metric));
	if (!strcmp(v->verdict, "same"))
		return 0;
	if (n->n_rows == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 32;
		struct an_night_row *p = realloc(n->rows, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		n->rows = p;
		x->cap = cap;
	}
	row = &n->rows[n->n_rows];
	memset(row, 0, sizeof(*row));
	row->run = run;
	row->against = against;
	row->baseline = dup0(v->baseline);
	row->workload = dup0(v->workload ? v->workload : "?");
	row->variant = dup0(v->variant ? v->variant : "");
	row->size = v->size;
	row->metric = dup0(v->metric);
	row->count = bl_metric_is_count(v->metric);
	row->failure = is_failure(v->metric);
	row->base_value = f64(v->baseline_value);
	row->value = f64(v->value);
	row->change = f64(v->change);
	row->threshold = f64(nv->threshold);
	row->calibrated = nv->calibrated;
	row->verdict = dup0(v->verdict);
	row->detail = dup0(v->detail);
	n->n_rows++;
	if (!row->baseline || !row->workload || !row->variant || !row->metric || !row->verdict)
		return -ENOMEM;
	return 0;
}

/* worse first, failures before other counts before times; otherwise the stored order */
static int verdict_rank(const struct an_night_row *r)
{
	if (!strcmp(r->verdict, "worse"))
		return r->failure ? 0 : r->count ? 1 : 2;
	if (!strcmp(r->verdict, "better"))
		return r->count ? 3 : 4;
	return 5;
}

static int row_cmp(const void *a, const void *b)
{
	const struct an_night_row *x = a, *y = b;

	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	if (x->against != y->against)
		return x->against < y->against ? -1 : 1;
	if (verdict_rank(x) != verdict_rank(y))
		return verdict_rank(x) - verdict_rank(y);
	return 0;
}

/* qsort is not stable: sort (row, position) pairs by the key, then the position */
struct ranked {
	struct an_night_row row;
	size_t pos;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c = row_cmp(&x->row, &y->row);

	return c ? c : x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int sort_rows(struct an_night *n)
{
	struct ranked *r;

	if (n->n_rows < 2)
		return 0;
	if (!(r = calloc(n->n_rows, sizeof(*r))))
		return -ENOMEM;
	for (size_t i = 0; i < n->n_rows; i++)
		r[i] = (struct ranked){ .row = n->rows[i], .pos = i };
	qsort(r, n->n_rows, sizeof(*r), ranked_cmp);
	for (size_t i = 0; i < n->n_rows; i++)
		n->rows[i] = r[i].row;
	free(r);
	return 0;
}

static void add_counts(struct an_night_counts *to, const struct an_night_counts *c)
{
	to->worse += c->worse;
	to->better += c->better;
	to->same += c->same;
	to->unknown += c->unknown;
	to->failed_new += c->failed_new;
}

int an_night_load(struct bl_store *s, int64_t night_id, struct an_night *out)
{
	struct runs_ctx rx = { .n = out };
	struct rows_ctx vx = { .n = out };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = bl_store_night_get(s, night_id, night_cb, out);
	if (ret < 0)
		goto out;
	ret = bl_store_night_runs(s, out->id, run_cb, &rx);
	if (!ret)
		ret = bl_store_night_previous(s, out->id, &out->previous_id);
	for (size_t i = 0; !ret && i < out->n_runs; i++) {
		struct an_night_run *r = &out->runs[i];
		struct bl_run_filter f = { .run_id = r->uuid };

		ret = bl_store_query_runs(s, &f, describe_cb, r);
		if (!ret && r->last_uuid) {
			f.run_id = r->last_uuid;
			ret = bl_store_query_runs(s, &f, started_cb, &r->last_started_unix);
		}
		if (!r->last_uuid)
			out->first_nights++;
		r->baseline_judged = out->baseline && !r->baseline_why;
	}
	if (!ret)
		ret = bl_store_night_verdicts(s, out->id, verdict_cb, &vx);
	if (!ret)
		ret = sort_rows(out);
	for (size_t i = 0; !ret && i < out->n_runs; i++) {
		add_counts(&out->last, &out->runs[i].last);
		add_counts(&out->base, &out->runs[i].base);
	}
out:
	if (ret < 0) {
		if (ret != -ENOENT)
			bl_err("night %lld: read: %s", (long long)night_id, bl_store_errmsg(s));
		an_night_free(out);
	}
	return ret;
}

void an_night_free(struct an_night *n)
{
	for (size_t i = 0; i < n->n_runs; i++) {
		struct an_night_run *r = &n->runs[i];

		free(r->uuid);
		free(r->status);
		free(r->config);
		free(r->last_uuid);
		free(r->baseline_why);
	}
	for (size_t i = 0; i < n->n_rows; i++) {
		struct an_night_row *r = &n->rows[i];

		free(r->baseline);
		free(r->workload);
		free(r->variant);
		free(r->metric);
		free(r->verdict);
		free(r->detail);
	}
	free(n->runs);
	free(n->rows);
	free(n->label);
	free(n->source);
	free(n->status);
	free(n->baseline);
	memset(n, 0, sizeof(*n));
}
