/*
 * Judging a night (night.h): recording a night and its runs, finding each
 * run's last night (the newest earlier run of exactly the same
 * configuration), comparing with an_compare() (analysis/judge.h underneath:
 * counts exactly, times against the noise floor), also against a pinned
 * baseline selector, and storing the verdicts with their thresholds in one
 * transaction. Reading a night back into the model is night_load.c.
 */
#include "night.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "calibrate.h"
#include "dataset.h"
#include "log.h"
#include "selector.h"

int an_night_begin(struct bl_store *s, const char *label, const char *source,
		   int64_t started_unix, int64_t *night_id)
{
	char def[128];
	int ret;

	if (!label) {
		time_t t = (time_t)started_unix;
		struct tm tm;
		char day[32] = "?";

		if (gmtime_r(&t, &tm))
			strftime(day, sizeof(day), "%Y-%m-%d %H:%M UTC", &tm);
		snprintf(def, sizeof(def), "%s %s", source ? source : "night", day);
		label = def;
	}
	ret = bl_store_night_begin(s, label, source, started_unix, night_id);
	if (ret < 0)
		bl_err("night '%s': %s", label, bl_store_errmsg(s));
	return ret;
}

int an_night_add_run(struct bl_store *s, int64_t night_id, const char *run_uuid)
{
	int ret = bl_store_night_add_run(s, night_id, run_uuid);

	if (ret < 0)
		bl_err("night %lld: add run %s: %s", (long long)night_id, run_uuid ? run_uuid : "?",
		       bl_store_errmsg(s));
	return ret;
}

/* --- a run's configuration ---------------------------------------------------------- */

/* What names a configuration (night.h): two runs are the same one when all of it is equal. */
struct run_cfg {
	char *uuid, *status, *job, *host, *dev, *imp, *swiotlb, *iommu;
	char *release, *package, *clock, *hypervisor;
	int64_t slabs;	 /* -1 unknown */
	int64_t balloon; /* -1 none */
	int64_t started;
};

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void cfg_free(struct run_cfg *c)
{
	char **f[] = { &c->uuid,    &c->status,	 &c->job,     &c->host,	   &c->dev,	 &c->imp,
		       &c->swiotlb, &c->iommu,	 &c->release, &c->package, &c->clock, &c->hypervisor };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

static void cfg_of(const struct bl_run_row *r, struct run_cfg *c)
{
	c->uuid = dup0(r->run_id);
	c->status = dup0(r->status);
	c->job = dup0(r->job);
	c->host = dup0(r->hostname);
	c->dev = dup0(r->dev_driver ? r->dev_driver : r->dev_node);
	c->imp = dup0(r->imp_driver ? r->imp_driver : r->imp_node);
	c->swiotlb = dup0(r->swiotlb);
	c->iommu = dup0(r->iommu);
	c->release = dup0(r->kernel_release);
	c->package = dup0(r->package_version);
	c->clock = dup0(r->testbed_clock);
	c->hypervisor = dup0(r->hypervisor);
	c->slabs = r->swiotlb_slabs.set ? r->swiotlb_slabs.v : -1;
	c->balloon = r->balloon_bytes.set ? r->balloon_bytes.v : -1;
	c->started = r->started_unix;
}

static bool eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool cfg_same(const struct run_cfg *a, const struct bl_run_row *r)
{
	return eq(a->job, r->job) && eq(a->host, r->hostname) &&
	       eq(a->dev, r->dev_driver ? r->dev_driver : r->dev_node) &&
	       eq(a->imp, r->imp_driver ? r->imp_driver : r->imp_node) &&
	       eq(a->swiotlb, r->swiotlb) && eq(a->iommu, r->iommu) &&
	       eq(a->release, r->kernel_release) && eq(a->package, r->package_version) &&
	       eq(a->clock, r->testbed_clock) && eq(a->hypervisor, r->hypervisor) &&
	       a->slabs == (r->swiotlb_slabs.set ? r->swiotlb_slabs.v : -1) &&
	       a->balloon == (r->balloon_bytes.set ? r->balloon_bytes.v : -1);
}

struct cfg_ctx {
	struct run_cfg *c;
	bool found;
};

static int cfg_cb(const struct bl_run_row *r, void *user)
{
	struct cfg_ctx *x = user;

	cfg_of(r, x->c);
	x->found = true;
	return 0;
}

/* The configuration of stored run @uuid; -ENOENT when it is not stored. */
static int cfg_load(struct bl_store *s, const char *uuid, struct run_cfg *c)
{
	struct bl_run_filter f = { .run_id = uuid };
	struct cfg_ctx x = { .c = c };
	int ret = bl_store_query_runs(s, &f, cfg_cb, &x);

	if (!ret && !x.found)
		ret = -ENOENT;
	return ret;
}

/* --- finding last night --------------------------------------------------------------- */

struct night_uuids {
	char **u;
	size_t n, cap;
};

static int uuids_cb(const struct bl_night_run *r, void *user)
{
	struct night_uuids *l = user;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **u = realloc(l->u, cap * sizeof(*u));

		if (!u)
			return -ENOMEM;
		l->u = u;
		l->cap = cap;
	}
	if (!(l->u[l->n] = strdup(r->run_uuid)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static void uuids_free(struct night_uuids *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->u[i]);
	free(l->u);
}

static bool uuids_has(const struct night_uuids *l, const char *uuid)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcasecmp(l->u[i], uuid))
			return true;
	return false;
}

struct last_ctx {
	const struct run_cfg *c;
	const struct night_uuids *tonight;
	char *found; /* UUID, malloc'd */
};

/* Newest first: the first run of the same configuration outside tonight is last night. */
static int last_cb(const struct bl_run_row *r, void *user)
{
	struct last_ctx *x = user;

	if (!r->run_id || uuids_has(x->tonight, r->run_id) || !cfg_same(x->c, r))
		return 0;
	x->found = strdup(r->run_id);
	return x->found ? 1 : -ENOMEM; /* 1: stop, found */
}

/* *@last = the UUID of @c's last night (malloc'd), NULL for a first night. */
static int find_last(struct bl_store *s, const struct run_cfg *c, const struct night_uuids *tonight,
		     char **last)
{
	/* the job narrows the scan in SQL; the rest of the configuration is compared exactly;
	 * "until" is exclusive: a run started in the same second is no earlier */
	struct bl_run_filter f = { .job = c->job, .until = c->started };
	struct last_ctx x = { .c = c, .tonight = tonight };
	int ret = bl_store_query_runs(s, &f, last_cb, &x);

	if (ret == 1)
		ret = 0;
	*last = x.found;
	return ret < 0 ? ret : 0;
}

/* --- collecting verdicts ---------------------------------------------------------------- */

struct verdicts {
	struct bl_night_verdict *v;
	char **owned; /* strings the verdicts point to */
	size_t n, cap, n_owned, cap_owned;
};

static char *own(struct verdicts *vs, char *str)
{
	if (!str)
		return NULL;
	if (vs->n_owned == vs->cap_owned) {
		size_t cap = vs->cap_owned ? 2 * vs->cap_owned : 64;
		char **o = realloc(vs->owned, cap * sizeof(*o));

		if (!o) {
			free(str);
			return NULL;
		}
		vs->owned = o;
		vs->cap_owned = cap;
	}
	vs->owned[vs->n_owned++] = str;
	return str;
}

static void verdicts_free(struct verdicts *vs)
{
	for (size_t i = 0; i < vs->n_owned; i++)
		free(vs->owned[i]);
	free(vs->owned);
	free(vs->v);
}

static struct bl_opt_f64 opt(double v)
{
	return (struct bl_opt_f64){ .v = v, .set = isfinite(v) };
}

/* Adds one verdict per row of @r about @subject against @baseline. */
static int add_rows(struct verdicts *vs, const struct bl_cmp_result *r, const char *subject,
		    const char *baseline)
{
	char *subj = own(vs, strdup(subject)), *base = own(vs, strdup(baseline));

	if (!subj || !base)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];
		const struct bl_change *c = &row->ch;
		struct bl_night_verdict *nv;
		char detail[256];

		if (vs->n == vs->cap) {
			size_t cap = vs->cap ? 2 * vs->cap : 64;
			struct bl_night_verdict *v = realloc(vs->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			vs->v = v;
			vs->cap = cap;
		}
		nv = &vs->v[vs->n];
		memset(nv, 0, sizeof(*nv));
		if (c->why)
			snprintf(detail, sizeof(detail), "%s", c->why);
		else
			snprintf(detail, sizeof(detail), "%s%s%s 95%% CI [%.4g, %.4g]%s, n %zu/%zu",
				 row->group, *row->group ? ": " : "", c->method ? c->method : "",
				 c->ci_lo, c->ci_hi, c->relative ? "" : " absolute", c->base_n,
				 c->new_n);
		nv->v.subject = subj;
		nv->v.baseline = base;
		nv->v.workload = row->workload;
		nv->v.variant = *row->variant ? row->variant : NULL;
		nv->v.size = row->size;
		nv->v.metric = row->metric->name;
		nv->v.baseline_value = row->base ? opt(c->base_mean) : opt(NAN);
		nv->v.value = row->new_s ? opt(c->new_mean) : opt(NAN);
		nv->v.change = c->relative ? opt(c->change) : opt(NAN);
		nv->v.p_value = opt(NAN);
		nv->v.verdict = !row->base ? "new" : !row->new_s ? "missing" :
				bl_verdict_name(c->verdict);
		if (!(nv->v.detail = own(vs, strdup(detail))))
			return -ENOMEM;
		nv->threshold = row->base && row->new_s ? opt(c->threshold) : opt(NAN);
		nv->calibrated = c->calibrated;
		vs->n++;
	}
	return 0;
}

/*
 * Compares run @uuid with the runs @base_filter picks, adding the rows to
 * @vs labelled @label. *@base_runs = how many base runs took part.
 * The strings of the cmp rows are copied before the comparison is freed.
 */
static int judge_one(struct bl_store *s, const char *uuid, const struct bl_run_filter *base_filter,
		     const char *label, const struct bl_stats_opts *o, struct verdicts *vs,
		     size_t *base_runs)
{
	struct bl_run_filter nf = { .run_id = uuid };
	struct an_comparison cmp = { 0 };
	size_t first = vs->n;
	int ret;

	ret = an_compare(s, &(struct an_side){ .filter = base_filter, .label = label },
			 &(struct an_side){ .filter = &nf, .label = uuid }, AN_GROUP_JOB, NULL, o,
			 &cmp);
	if (ret < 0)
		return ret;
	*base_runs = cmp.base_runs;
	if (cmp.base_runs)
		ret = add_rows(vs, &cmp.r, uuid, label);
	/* the rows point into the comparison: keep copies of their strings */
	for (size_t i = first; i < vs->n && !ret; i++) {
		struct bl_verdict *v = &vs->v[i].v;

		v->workload = own(vs, dup0(v->workload));
		v->variant = v->variant ? own(vs, strdup(v->variant)) : NULL;
		v->metric = own(vs, dup0(v->metric));
		if (!v->workload || !v->metric)
			ret = -ENOMEM;
	}
	an_comparison_free(&cmp);
	return ret;
}

/* The baseline selector's filter, with what it leaves open set from run @c (night.h). */
static void baseline_for(struct bl_run_filter *f, const struct run_cfg *c)
{
	if (!f->job)
		f->job = c->job;
	if (!f->device)
		f->device = c->dev;
	if (!f->importer)
		f->importer = c->imp;
	if (!f->swiotlb)
		f->swiotlb = c->swiotlb;
	if (!f->iommu)
		f->iommu = c->iommu;
	if (!f->clock)
		f->clock = c->clock;
	if (!f->hypervisor)
		f->hypervisor = c->hypervisor ? c->hypervisor : "";
	if (!f->balloon)
		f->balloon = c->balloon;
	if (!f->pool_slabs && c->slabs > 0)
		f->pool_slabs = c->slabs;
	if (!f->until)
		f->until = c->started; /* earlier runs only: never the run itself */
}

int an_night_judge(struct bl_store *s, int64_t night_id, const char *baseline_selector,
		   const struct bl_stats_opts *opts, int64_t now_unix, struct an_night *out)
{
	struct night_uuids tonight = { 0 };
	struct an_floor_index floors = { 0 };
	struct bl_selector sel = { 0 };
	struct verdicts vs = { 0 };
	struct bl_night_run *runs = NULL;
	char **lasts = NULL, **whys = NULL;
	struct bl_stats_opts o;
	bool have_sel = false;
	char err[512];
	int ret;

	if (opts)
		o = *opts;
	else
		bl_stats_opts_default(&o);
	/* the measured noise floors, unless the caller brought its own */
	if (!o.floor_of && an_floor_index_load(s, &floors) == 0) {
		o.floor_of = an_floor_of;
		o.floor_user = &floors;
	}
	if (baseline_selector) {
		ret = bl_selector_parse(baseline_selector, &sel, err, sizeof(err));
		if (ret < 0) {
			bl_err("night %lld: baseline: %s", (long long)night_id, err);
			goto out;
		}
		have_sel = true;
	}
	ret = bl_store_night_runs(s, night_id, uuids_cb, &tonight);
	if (ret < 0) {
		bl_err("night %lld: %s", (long long)night_id, bl_store_errmsg(s));
		goto out;
	}
	runs = calloc(tonight.n + 1, sizeof(*runs));
	lasts = calloc(tonight.n + 1, sizeof(*lasts));
	whys = calloc(tonight.n + 1, sizeof(*whys));
	if (!runs || !lasts || !whys) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < tonight.n && !ret; i++) {
		const char *uuid = tonight.u[i];
		struct run_cfg c = { 0 };
		char label[128];
		size_t nbase = 0;

		runs[i].run_uuid = uuid;
		ret = cfg_load(s, uuid, &c);
		if (!ret)
			ret = find_last(s, &c, &tonight, &lasts[i]);
		if (!ret && lasts[i]) {
			struct bl_run_filter lf = { .run_id = lasts[i] };

			snprintf(label, sizeof(label), "last-night:%s", lasts[i]);
			ret = judge_one(s, uuid, &lf, label, &o, &vs, &nbase);
		}
		runs[i].last_uuid = lasts[i];
		if (!ret && have_sel) {
			struct bl_run_filter bf = sel.filter;
			char *blabel = NULL;

			baseline_for(&bf, &c);
			if (asprintf(&blabel, "baseline:%s", baseline_selector) < 0)
				ret = -ENOMEM;
			if (!ret)
				ret = judge_one(s, uuid, &bf, blabel, &o, &vs, &nbase);
			/* a baseline this run cannot be compared with (its runs on two guest
			 * clocks) leaves the run unjudged against it, not the whole night */
			if (ret == -EINVAL) {
				ret = asprintf(&whys[i], "the runs of the baseline '%s' cannot be compared with this run (see the log)",
					       baseline_selector) < 0 ? -ENOMEM : 0;
				nbase = 1;
			}
			if (!ret && !nbase &&
			    asprintf(&whys[i], "no run matches the baseline '%s' in this configuration before this run",
				     baseline_selector) < 0)
				ret = -ENOMEM;
			free(blabel);
			runs[i].baseline_why = whys[i];
		}
		if (ret == -ENOENT)
			bl_err("night %lld: run %s is no longer in the store", (long long)night_id, uuid);
		cfg_free(&c);
	}
	if (!ret) {
		ret = bl_store_night_judged(s, night_id, baseline_selector, now_unix, runs, tonight.n,
					    vs.v, vs.n);
		if (ret < 0)
			bl_err("night %lld: store the judgement: %s", (long long)night_id,
			       bl_store_errmsg(s));
	}
	if (!ret && out)
		ret = an_night_load(s, night_id, out);
out:
	for (size_t i = 0; lasts && i < tonight.n; i++)
		free(lasts[i]);
	for (size_t i = 0; whys && i < tonight.n; i++)
		free(whys[i]);
	free(lasts);
	free(whys);
	free(runs);
	verdicts_free(&vs);
	uuids_free(&tonight);
	if (have_sel)
		bl_selector_free(&sel);
	an_floor_index_free(&floors);
	return ret;
}
