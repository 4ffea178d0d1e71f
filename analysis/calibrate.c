/*
 * Noise floors from A/A boots (see calibrate.h). The rows of each run go
 * into one sample set (analysis/compare.h, so the metrics are exactly the
 * ones compare judges) grouped by "<job>\x1f<boot>"; then, per job,
 * workload, variant, size and metric, the boot values give the floor
 * (for times the median of each boot's repetitions, as compare takes them).
 */
#include "calibrate.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compare.h"
#include "dmamode.h"
#include "judge.h"
#include "log.h"

#define SEP '\x1f' /* between the job and the boot in a group label */

struct cal_ctx {
	struct bl_sample_set set;
	char *const *uuids;
	size_t nuuids;
	json_t *run_ids;	/* every run used, for the floors' provenance */
	json_t *boots;		/* boot key -> true */
	struct an_floors *out;
	char *why;
	size_t whylen;
	int err;
};

static bool wanted(const struct cal_ctx *c, const char *uuid)
{
	if (!c->uuids)
		return true;
	for (size_t i = 0; i < c->nuuids; i++)
		if (uuid && !strcasecmp(c->uuids[i], uuid))
			return true;
	return false;
}

/* The first run fixes the configuration; every other must match it. */
static int same_config(struct cal_ctx *c, const struct bl_run_row *run)
{
	struct an_floors *o = c->out;
	char key[64];
	const char *mode = bl_mode_key(run->swiotlb, run->iommu, run->hypervisor,
				       run->balloon_bytes.set ? run->balloon_bytes.v : 0, key, sizeof(key));
	/* times are on icount's clock or on a wall clock (the testbed's or real hardware's) */
	const char *clock = run->testbed_clock && !strcmp(run->testbed_clock, "icount") ? "icount"
										       : "wall";
	const char *rel = run->kernel_release ? run->kernel_release : "?";

	if (!o->runs) {
		snprintf(o->kernel, sizeof(o->kernel), "%s", rel);
		snprintf(o->mode, sizeof(o->mode), "%s", mode);
		snprintf(o->clock, sizeof(o->clock), "%s", clock);
		return 0;
	}
	if (strcmp(o->kernel, rel) || strcmp(o->mode, mode) || strcmp(o->clock, clock)) {
		snprintf(c->why, c->whylen,
			 "runs from more than one configuration (%s %s clock '%s' and %s %s clock "
			 "'%s'): A/A boots must be one kernel, mode and clock",
			 o->kernel, o->mode, o->clock, rel, mode, clock);
		return -EINVAL;
	}
	return 0;
}

static int result_cb(const struct bl_run_row *run, const struct bl_result_view *res, void *user)
{
	struct cal_ctx *c = user;
	const char *boot = run->kernel_boot_id ? run->kernel_boot_id : run->run_id;
	char group[256];
	int ret;

	if (!run->status || strcmp(run->status, "ok") || !wanted(c, run->run_id))
		return 0;
	if (!json_object_get(c->run_ids, run->run_id)) {
		if ((ret = same_config(c, run)))
			return ret;
		json_object_set_new(c->run_ids, run->run_id, json_true());
		json_object_set_new(c->boots, boot, json_true());
		c->out->runs++;
	}
	snprintf(group, sizeof(group), "%s%c%s", run->job ? run->job : "?", SEP, boot);
	return bl_sample_set_add_result(&c->set, group, res);
}

static void floor_free(struct bl_noise_floor *f)
{
	free((char *)f->job);
	free((char *)f->workload);
	free((char *)f->variant);
	free((char *)f->metric);
	free((char *)f->clock);
	free((char *)f->kernel);
	free((char *)f->mode);
	free((char *)f->runs_json);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int push_floor(struct an_floors *o, const struct bl_sample *first, const char *job,
		      double floor, size_t boots, const char *runs)
{
	struct bl_noise_floor *f;

	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64;
		struct bl_noise_floor *p = realloc(o->f, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		o->f = p;
		o->cap = cap;
	}
	f = &o->f[o->n];
	memset(f, 0, sizeof(*f));
	f->job = strndup(job, (size_t)(strchr(job, SEP) - job));
	f->workload = dup_or_empty(first->workload);
	f->variant = dup_or_empty(first->variant);
	f->metric = dup_or_empty(first->metric->name);
	f->clock = dup_or_empty(o->clock);
	f->kernel = dup_or_empty(o->kernel);
	f->mode = dup_or_empty(o->mode);
	f->runs_json = dup_or_empty(runs);
	if (!f->job || !f->workload || !f->variant || !f->metric || !f->clock || !f->kernel ||
	    !f->mode || !f->runs_json) {
		floor_free(f);
		return -ENOMEM;
	}
	f->size = first->size;
	f->floor = floor;
	f->boots = (int)boots;
	o->n++;
	return 0;
}

/* Same job, workload, variant, size and metric (groups differ only in their boot). */
static bool same_row(const struct bl_sample *a, const struct bl_sample *b)
{
	size_t ja = strcspn(a->group, "\x1f"), jb = strcspn(b->group, "\x1f");

	return ja == jb && !strncmp(a->group, b->group, ja) && !strcmp(a->workload, b->workload) &&
	       !strcmp(a->variant, b->variant) && a->size == b->size && a->metric == b->metric;
}

static int cmp_row_first(const void *x, const void *y)
{
	const struct bl_sample *a = x, *b = y;
	size_t ja = strcspn(a->group, "\x1f"), jb = strcspn(b->group, "\x1f");
	int r = strncmp(a->group, b->group, ja < jb ? ja : jb);

	if (r || ja != jb)
		return r ? r : (ja < jb ? -1 : 1);
	if ((r = strcmp(a->workload, b->workload)) || (r = strcmp(a->variant, b->variant)))
		return r;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	if (a->metric != b->metric)
		return a->metric < b->metric ? -1 : 1;
	return strcmp(a->group, b->group);
}

static int make_floors(struct cal_ctx *c)
{
	struct bl_sample_set *set = &c->set;
	json_t *arr = json_array(), *v;
	double *means = NULL;
	char *runs = NULL;
	const char *uuid;
	int ret = 0;

	/* the runs used, as a JSON array of UUIDs (run_ids is an object used as a set) */
	json_object_foreach(c->run_ids, uuid, v)
		json_array_append_new(arr, json_string(uuid));
	runs = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	if (!runs)
		return -ENOMEM;
	/* rows of the same key next to each other, whatever the boot; the set's hash
	 * index is stale after this, and nothing here looks a sample up again */
	qsort(set->s, set->n, sizeof(*set->s), cmp_row_first);
	means = malloc((set->n ? set->n : 1) * sizeof(*means));
	if (!means) {
		free(runs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < set->n && !ret;) {
		size_t j = i, k = 0;
		double floor;

		bool count = bl_metric_is_count(set->s[i].metric->name);

		/* each boot's value as the judge takes it: counts their mean, times the median */
		while (j < set->n && same_row(&set->s[i], &set->s[j])) {
			if (set->s[j].n)
				means[k++] = count ? bl_mean(set->s[j].v, set->s[j].n)
						   : bl_boot_value(set->s[j].v, set->s[j].n);
			j++;
		}
		floor = count ? bl_floor_count(means, k) : bl_floor_time(means, k);
		/* NAN: fewer than two boots had the row, or a rate of 0 (all ops failed) */
		if (isfinite(floor))
			ret = push_floor(c->out, &set->s[i], set->s[i].group, floor, k, runs);
		i = j;
	}
	free(means);
	free(runs);
	return ret;
}

int an_calibrate(struct bl_store *s, const struct bl_run_filter *f, char *const *uuids,
		 size_t nuuids, struct an_floors *out, char *why, size_t whylen)
{
	struct cal_ctx c = { .uuids = uuids, .nuuids = nuuids, .out = out, .why = why,
			     .whylen = whylen };
	int ret;

	memset(out, 0, sizeof(*out));
	if (whylen)
		why[0] = '\0';
	bl_sample_set_init(&c.set);
	c.run_ids = json_object();
	c.boots = json_object();
	if (!c.run_ids || !c.boots) {
		ret = -ENOMEM;
		goto out;
	}
	ret = bl_store_query_results(s, f, result_cb, &c);
	if (ret) {
		if (ret != -EINVAL)
			snprintf(why, whylen, "store: %s", bl_store_errmsg(s));
		goto out;
	}
	out->boots = json_object_size(c.boots);
	if (!out->runs) {
		snprintf(why, whylen, "no ok runs match");
		ret = -ENOENT;
	} else if (out->boots < 2) {
		snprintf(why, whylen,
			 "%zu run(s) from one boot: a noise floor needs two boots or more of the "
			 "configuration",
			 out->runs);
		ret = -EINVAL;
	} else {
		ret = make_floors(&c);
	}
out:
	json_decref(c.run_ids);
	json_decref(c.boots);
	bl_sample_set_free(&c.set);
	if (ret)
		an_floors_free(out);
	return ret;
}

void an_floors_free(struct an_floors *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		floor_free(&fl->f[i]);
	free(fl->f);
	fl->f = NULL;
	fl->n = fl->cap = 0;
}

/* --- the floors compare uses ------------------------------------------------------ */

static void floor_key(char *buf, size_t len, const char *job, size_t job_len, const char *workload,
		      const char *variant, int64_t size, const char *metric, const char *clock)
{
	snprintf(buf, len, "%.*s%c%s%c%s%c%" PRId64 "%c%s%c%s", (int)job_len, job, SEP, workload,
		 SEP, variant ? variant : "", SEP, size, SEP, metric, SEP, clock ? clock : "");
}

static int floor_cb(const struct bl_noise_floor *f, void *user)
{
	struct an_floor_index *idx = user;
	char key[512];

	if (idx->n == idx->cap) {
		size_t cap = idx->cap ? 2 * idx->cap : 256;
		struct an_floor_entry *e = realloc(idx->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		idx->e = e;
		idx->cap = cap;
	}
	floor_key(key, sizeof(key), f->job, strlen(f->job), f->workload, f->variant, f->size,
		  f->metric, f->clock);
	if (!(idx->e[idx->n].key = strdup(key)))
		return -ENOMEM;
	idx->e[idx->n++].floor = f->floor;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct an_floor_entry *)a)->key, ((const struct an_floor_entry *)b)->key);
}

int an_floor_index_load(struct bl_store *s, struct an_floor_index *idx)
{
	int ret;

	memset(idx, 0, sizeof(*idx));
	ret = bl_store_query_floors(s, NULL, floor_cb, idx);
	if (ret < 0) {
		bl_err("store: noise floors: %s", bl_store_errmsg(s));
		an_floor_index_free(idx);
		return ret;
	}
	/* sizes are decimal text in the key: the store's numeric order is not the key's */
	if (idx->n)
		qsort(idx->e, idx->n, sizeof(*idx->e), cmp_entry);
	return 0;
}

void an_floor_index_free(struct an_floor_index *idx)
{
	for (size_t i = 0; i < idx->n; i++)
		free(idx->e[i].key);
	free(idx->e);
	memset(idx, 0, sizeof(*idx));
}

static int cmp_key_str(const void *key, const void *elem)
{
	return strcmp(key, ((const struct an_floor_entry *)elem)->key);
}

double an_floor_of(void *user, const char *clock, const char *group, const char *workload,
		   const char *variant, int64_t size, const char *metric)
{
	const struct an_floor_index *idx = user;
	const char *job = group, *end;
	const struct an_floor_entry *hit;
	char key[512];

	if (!idx || !idx->n)
		return NAN;
	/* "[job dev+imp]" (AN_GROUP_JOB) or the job alone */
	if (*job == '[')
		job++;
	end = job + strcspn(job, " ]");
	floor_key(key, sizeof(key), job, (size_t)(end - job), workload, variant, size, metric, clock);
	hit = bsearch(key, idx->e, idx->n, sizeof(*idx->e), cmp_key_str);
	return hit ? hit->floor : NAN;
}
