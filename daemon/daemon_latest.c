/*
 * The newest value per /metrics series (see daemon_latest.h): a small
 * open-addressing table keyed by FNV-1a of the series' labels, updated
 * from each committed document on the loop (bld_api_on_written), one
 * probe per result row; a scrape walks the table. Filled from the store
 * once, at the first scrape, with the query a scrape used to make.
 */
#include "daemon_latest.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

/* The series' identity, as it is labelled. */
struct key {
	const char *kernel, *swiotlb, *iommu, *device, *workload, *variant;
	int64_t size;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ULL;
	return h;
}

static uint64_t key_hash(const struct key *k)
{
	const char *f[] = { k->kernel, k->swiotlb, k->iommu, k->device, k->workload, k->variant };
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		h = fnv(h, f[i], strlen(f[i]) + 1); /* the NUL separates the fields */
	h = fnv(h, &k->size, sizeof(k->size));
	return h ? h : 1; /* 0 marks a free slot */
}

static bool key_is(const struct bld_series *s, const struct key *k)
{
	return s->size == k->size && !strcmp(s->kernel, k->kernel) && !strcmp(s->swiotlb, k->swiotlb) &&
	       !strcmp(s->iommu, k->iommu) && !strcmp(s->device, k->device) && !strcmp(s->workload, k->workload) &&
	       !strcmp(s->variant, k->variant);
}

static void series_clear(struct bld_series *s)
{
	free(s->kernel);
	free(s->swiotlb);
	free(s->iommu);
	free(s->device);
	free(s->workload);
	free(s->variant);
	memset(s, 0, sizeof(*s));
}

/* A row of a run started at @started: kept when its series is new or it is newer. */
static void add_row(struct bld_latest *l, const struct key *k, int64_t started, struct bl_opt_f64 bounce,
		    struct bl_opt_f64 ops)
{
	const size_t cap = sizeof(l->slot) / sizeof(l->slot[0]);
	uint64_t h = key_hash(k);
	struct bld_series *s = NULL;

	for (size_t i = h % cap, probes = 0; probes < cap; i = (i + 1) % cap, probes++) {
		if (!l->slot[i].hash) {
			s = &l->slot[i];
			break;
		}
		if (l->slot[i].hash == h && key_is(&l->slot[i], k)) {
			s = &l->slot[i];
			break;
		}
	}
	if (!s)
		return;
	if (s->hash) {
		if (started < s->started)
			return; /* an older run's: the newer value stays */
	} else {
		if (l->n == BLD_LATEST_MAX)
			return; /* full: series beyond the limit are not exported */
		s->kernel = strdup(k->kernel);
		s->swiotlb = strdup(k->swiotlb);
		s->iommu = strdup(k->iommu);
		s->device = strdup(k->device);
		s->workload = strdup(k->workload);
		s->variant = strdup(k->variant);
		if (!s->kernel || !s->swiotlb || !s->iommu || !s->device || !s->workload || !s->variant) {
			series_clear(s);
			return; /* out of memory: this series is not exported */
		}
		s->size = k->size;
		s->hash = h;
		l->n++;
	}
	s->started = started;
	s->bounce_rate = bounce.set && isfinite(bounce.v) ? bounce : (struct bl_opt_f64){ 0 };
	s->ops = ops.set && isfinite(ops.v) ? ops : (struct bl_opt_f64){ 0 };
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

int bld_latest_new(struct bld_latest **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void bld_latest_free(struct bld_latest *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < sizeof(l->slot) / sizeof(l->slot[0]); i++)
		if (l->slot[i].hash)
			series_clear(&l->slot[i]);
	free(l);
}

void bld_latest_add_doc(struct bld_latest *l, const struct bl_resultdoc *d)
{
	if (d->status != BL_STATUS_OK)
		return;
	for (size_t i = 0; i < d->n_results; i++) {
		const struct bl_result_row *r = &d->results[i];
		struct key k = { nz(d->kernel_release), nz(d->swiotlb), nz(d->iommu), nz(d->dev_driver),
				 nz(r->workload), nz(r->variant), r->size };

		add_row(l, &k, d->started_unix, r->bounce_rate, r->ops_per_sec.mean);
	}
}

static int load_cb(const struct bl_run_row *run, const struct bl_result_view *res, void *user)
{
	struct key k = { nz(run->kernel_release), nz(run->swiotlb), nz(run->iommu), nz(run->dev_driver),
			 nz(res->workload), nz(res->variant), res->size };

	if (run->status && strcmp(run->status, "ok"))
		return 0;
	add_row(user, &k, run->started_unix, res->bounce_rate, res->ops_per_sec_mean);
	return 0;
}

int bld_latest_load(struct bld_latest *l, struct bl_store *s)
{
	struct bl_run_filter f = { .limit = 200 };
	int ret = bl_store_query_results(s, &f, load_cb, l);

	if (!ret)
		l->loaded = true;
	return ret;
}
