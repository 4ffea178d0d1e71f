/*
 * Workload "integrity": does data survive the trip? One operation: create a
 * buffer on the backend, write a pattern through its CPU mapping, export it,
 * import it into the importer (the DMA mapping that may bounce: SWIOTLB
 * copies the pages into its slots), read the pattern back through the
 * dma-buf's own CPU mapping (mmap of the dma-buf fd) while the import holds
 * the mapping, release the import (the unmap copies the bounce slots back
 * over the original pages: where a stale or wrong bounce buffer would
 * corrupt the data), and read the pattern again through the exporter's
 * mapping. (A DRM importer cannot map an imported buffer itself: dumb
 * map_offset refuses imported objects with EINVAL.) Any difference fails the job with the first differing offset.
 * A refused import (EIO, ENODEV) is a counted failure, not a mismatch.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "run.h"

struct integrity_state {
	uint64_t size;
	uint64_t seq;            /* pattern seed, one per operation */
	uint64_t checked;        /* buffers whose data was compared (warm-up included: a bad one there fails too) */
	uint64_t mismatches;
	int64_t first_bad;       /* -1: none */
	uint64_t expected, got;
	const char *where;
};

static uint64_t pattern(uint64_t seed, uint64_t off)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ off;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static void fill(unsigned char *p, uint64_t size, uint64_t seed)
{
	for (uint64_t off = 0; off + 8 <= size; off += 8) {
		uint64_t v = pattern(seed, off);

		memcpy(p + off, &v, 8);
	}
}

/* First differing offset, or -1. */
static int64_t check(const unsigned char *p, uint64_t size, uint64_t seed, uint64_t *want,
		     uint64_t *have)
{
	for (uint64_t off = 0; off + 8 <= size; off += 8) {
		uint64_t v, w = pattern(seed, off);

		memcpy(&v, p + off, 8);
		if (v != w) {
			/* Narrow down to the byte. */
			for (unsigned b = 0; b < 8; b++)
				if (((v >> (8 * b)) & 0xff) != ((w >> (8 * b)) & 0xff)) {
					*want = w;
					*have = v;
					return (int64_t)(off + b);
				}
		}
	}
	return -1;
}

static void note_mismatch(struct integrity_state *s, int64_t off, uint64_t want, uint64_t have,
			  const char *where)
{
	s->mismatches++;
	if (s->first_bad < 0) {
		s->first_bad = off;
		s->expected = want;
		s->got = have;
		s->where = where;
	}
}

static int integrity_op(struct gb_ctx *ctx, void *arg)
{
	struct integrity_state *s = arg;
	struct gb_dev *dev = ctx->dev, *imp = ctx->imp;
	struct gb_bo bo = { .fd = -1 }, ibo = { .fd = -1 };
	void *map = NULL, *imap = NULL;
	bool imported = false;
	uint64_t seed = ++s->seq, want = 0, have = 0;
	int64_t bad;
	int fd = -1, err;

	err = gb_op_create(ctx, s->size, &bo);
	if (err)
		return err;
	err = dev->ops->bo_mmap(dev, &bo, 0, &map);
	if (err) {
		gb_fail_what(ctx, "%s: mmap", dev->driver);
		goto out;
	}
	fill(map, s->size, seed);
	err = dev->ops->bo_export(dev, &bo, &fd);
	if (err) {
		gb_fail_what(ctx, "%s: export", dev->driver);
		goto out;
	}
	err = imp->ops->bo_import(imp, fd, s->size, &ibo);
	if (err) {
		gb_fail_what(ctx, "%s: PRIME import of a %llu-byte %s buffer", imp->driver,
			     (unsigned long long)s->size, dev->driver);
		goto out;
	}
	imported = true;
	imap = mmap(NULL, s->size, PROT_READ, MAP_SHARED, fd, 0);
	if (imap == MAP_FAILED) {
		imap = NULL;
		err = -errno;
		gb_fail_what(ctx, "%s: mmap of the exported dma-buf", dev->driver);
		goto out;
	}
	bad = check(imap, s->size, seed, &want, &have);
	if (bad >= 0)
		note_mismatch(s, bad, want, have, "dma-buf mapping while imported");
	munmap(imap, s->size);
	imap = NULL;
	err = imp->ops->bo_destroy(imp, &ibo);
	imported = false;
	if (err) {
		gb_fail_what(ctx, "%s: release import", imp->driver);
		goto out;
	}
	bad = check(map, s->size, seed, &want, &have);
	if (bad >= 0)
		note_mismatch(s, bad, want, have, "exporter's mapping after the import was released");
	s->checked++;
out:
	if (imap)
		munmap(imap, s->size);
	if (imported)
		imp->ops->bo_destroy(imp, &ibo);
	if (fd >= 0)
		close(fd);
	if (map)
		dev->ops->bo_munmap(dev, &bo, map);
	dev->ops->bo_destroy(dev, &bo);
	return err;
}

static int integrity_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant,
			 uint64_t size)
{
	struct integrity_state s = { .size = size, .first_bad = -1 };
	struct gb_op op = { .op = integrity_op, .state = &s };
	json_t *o;
	int err;

	err = gb_measure(ctx, row, &op);
	o = json_pack("{s:I, s:I, s:o}", "checked_buffers", (json_int_t)s.checked, "mismatches",
		      (json_int_t)s.mismatches, "first_bad_offset",
		      s.first_bad >= 0 ? json_integer(s.first_bad) : json_null());
	if (s.first_bad >= 0) {
		char msg[320];

		json_object_set_new(o, "where", json_string(s.where));
		json_object_set_new(o, "expected", json_sprintf("0x%016" PRIx64, s.expected));
		json_object_set_new(o, "got", json_sprintf("0x%016" PRIx64, s.got));
		snprintf(msg, sizeof(msg),
			 "integrity: %" PRIu64 " of %" PRIu64 " buffers differ; first at offset %" PRId64
			 " (%s)", s.mismatches, s.checked, s.first_bad, s.where);
		row->fatal = true;
		snprintf(row->fatal_why, sizeof(row->fatal_why), "%s", msg);
		err = err ? err : -EBADMSG;
	}
	json_object_set_new(row->extra, "integrity", o);
	return err;
}

const struct gb_workload gb_workload_integrity = {
	.name = "integrity",
	.help = "pattern -> export -> import -> read back on both sides; a mismatch fails the run",
	.feature = GB_FEAT_EXPORT,
	.needs_importer = true,
	.caps = GB_CAP_EXPORT | GB_CAP_MMAP,
	.run = integrity_run,
};
