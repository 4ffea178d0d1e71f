/*
 * Telling apart, within one side of a comparison, the runs that must not
 * pool: different SWIOTLB pools and different kernel builds (see
 * compare_split.h). A run's build is its package version when that names a
 * local build (local-<hex>: the image's SHA-256), else "" (Debian's
 * versions are kept apart by the selector's newest-version rule,
 * kversion.h).
 */
#include "compare_split.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dmamode.h"

#define SWIOTLB_SLAB_BYTES 2048 /* IO_TLB_SHIFT 11 */

static const char *build_of(const struct an_run *r)
{
	return r->package_version && !strncmp(r->package_version, "local-", 6) ? r->package_version
									       : "";
}

unsigned an_side_split(const struct an_dataset *ds, const struct an_scope *sc, int64_t *pool)
{
	const char *build = NULL;
	unsigned split = 0;
	bool seen = false;

	*pool = INT64_MIN;
	for (size_t i = 0; i < ds->runs.n; i++) {
		const struct an_run *r = &ds->runs.r[i];

		if (!an_scope_has(sc, r))
			continue;
		if (build && strcmp(build, build_of(r)))
			split |= AN_SPLIT_BUILD;
		build = build_of(r);
		/*
		 * A pool nobody reported (a boot that failed before the guest
		 * said, noforce's empty debugfs) splits nothing: a failed boot
		 * must stay in its configuration's rows (job_failed).
		 */
		if (r->swiotlb_slabs < 0)
			continue;
		if (!seen)
			*pool = r->swiotlb_slabs;
		else if (*pool != r->swiotlb_slabs)
			split |= AN_SPLIT_POOL;
		seen = true;
	}
	if (split & AN_SPLIT_POOL)
		*pool = INT64_MIN;
	return split;
}

void an_pool_str(int64_t slabs, char *buf, size_t len)
{
	if (slabs < 0)
		snprintf(buf, len, "unknown");
	else
		bl_size_short((uint64_t)slabs * SWIOTLB_SLAB_BYTES, buf, len);
}

void an_split_suffix(const struct an_run *r, unsigned split, char *buf, size_t len)
{
	char pool[24] = "";

	if (split & AN_SPLIT_POOL)
		an_pool_str(r->swiotlb_slabs, pool, sizeof(pool));
	snprintf(buf, len, "%s%s%s%s", split & AN_SPLIT_POOL ? " pool=" : "", pool,
		 (split & AN_SPLIT_BUILD) ? " build=" : "",
		 (split & AN_SPLIT_BUILD) ? (*build_of(r) ? build_of(r) : "debian") : "");
}
