/*
 * What a comparison must never pool although a side's selector picked it
 * (issues 14, 15): runs of one side with different SWIOTLB pools
 * (dma.swiotlb_slabs: `force` and `force:pool=16M` are both mode force),
 * and runs of different kernel builds of one release (a Debian package and
 * a local build, testbed.package_version local-<hex>, or two local
 * builds). When either side of a comparison holds more than one of these,
 * every row's group names it (" pool=16M", " build=local-<hex>"), so rows
 * pair only within one pool and one build; when each side has one pool and
 * the two differ, the headings say which (an_compare, dataset.c).
 */
#ifndef BL_COMPARE_SPLIT_H
#define BL_COMPARE_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

#define AN_SPLIT_POOL  1u /* the side holds runs of more than one pool */
#define AN_SPLIT_BUILD 2u /* ... of more than one kernel build (local builds apart) */

/*
 * Which of the AN_SPLIT_* the runs of @ds in @sc need; *@pool gets their
 * one pool in slabs when they have a single one, INT64_MIN when they have
 * several or none known. Runs whose pool is unknown (-1: a failed boot,
 * noforce) split nothing.
 */
unsigned an_side_split(const struct an_dataset *ds, const struct an_scope *sc, int64_t *pool);

/* What @split adds to @r's group label: " pool=16M", " build=local-<hex>" (or "" for none). */
void an_split_suffix(const struct an_run *r, unsigned split, char *buf, size_t len);

/* A pool in slabs for people: 8192 -> "16M", -1 -> "unknown". */
void an_pool_str(int64_t slabs, char *buf, size_t len);

#endif
