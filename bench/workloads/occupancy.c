/*
 * Workload "occupancy": SWIOTLB slots in use before, at the peak of, and
 * after many create / map / release cycles. One cycle = create, populate
 * (or map and touch), import into the importer if the job names one, then
 * release all of it. io_tlb_used is read after every cycle (untimed); slots
 * still used after teardown beyond the baseline measured before the first
 * cycle are the leak this workload looks for. The baseline matters: some
 * devices keep standing mappings (virtio-gpu's console and virtqueues).
 * Every reading, the baseline included, follows gb_slots_settle(): a
 * driver that unmaps closed buffers later (i915's deferred frees) would
 * otherwise show the last cycle's buffer as leaked; the row says so.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "counters.h"
#include "run.h"
#include "slots.h"
#include "swiotlbfs.h"

struct occ_state {
	uint64_t size;
	struct gb_row *row;   /* where the settling is recorded */
	bool have_used;
	uint64_t baseline, peak, last;
	uint64_t samples;
};

static int occ_op(struct gb_ctx *ctx, void *arg)
{
	struct occ_state *s = arg;
	struct gb_dev *dev = ctx->dev, *imp = ctx->imp;
	struct gb_bo bo = { .fd = -1 }, ibo = { .fd = -1 };
	bool imported = false;
	int fd = -1, err;

	err = gb_op_create(ctx, s->size, &bo);
	if (err)
		return err;
	if (dev->ops->bo_populate) {
		err = dev->ops->bo_populate(dev, &bo, 0);
	} else if (dev->ops->bo_mmap) {
		void *map;

		err = dev->ops->bo_mmap(dev, &bo, 0, &map);
		if (!err) {
			memset(map, 1, s->size);
			err = dev->ops->bo_munmap(dev, &bo, map);
		}
	}
	if (err) {
		gb_fail_what(ctx, "%s: populate/map", dev->driver);
		goto out;
	}
	if (imp) {
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
	}
out:
	if (imported) {
		int e2 = imp->ops->bo_destroy(imp, &ibo);

		if (!err && e2) {
			gb_fail_what(ctx, "%s: release import", imp->driver);
			err = e2;
		}
	}
	if (fd >= 0)
		close(fd);
	return gb_op_destroy(ctx, &bo, err);
}

static void occ_after(struct gb_ctx *ctx, void *arg)
{
	struct occ_state *s = arg;
	uint64_t v;

	if (!s->have_used)
		return;
	gb_slots_settle(ctx, s->row);
	if (gb_slots_read_used(&v))
		return;
	s->last = v;
	s->samples++;
	if (v > s->peak)
		s->peak = v;
	if (ctx->ctr)
		gb_counters_note_used(ctx->ctr, v);
}

static int occ_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	struct occ_state s = { .size = size, .row = row };
	struct gb_op op = { .op = occ_op, .state = &s, .after_op = occ_after };
	struct gb_job job = *ctx->job;
	const struct gb_job *saved = ctx->job;
	uint64_t after = 0;
	json_t *o;
	int err;

	gb_slots_settle(ctx, row);
	s.have_used = gb_slots_read_used(&s.baseline) == 0;
	s.peak = s.baseline;
	if (job.cycles) {
		job.iterations = job.cycles;
		job.duration_ns = 0;
	}
	ctx->job = &job;
	err = gb_measure(ctx, row, &op);
	ctx->job = saved;
	if (s.have_used)
		gb_slots_settle(ctx, row);
	if (s.have_used && gb_slots_read_used(&after) == 0) {
		o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "baseline_slots", (json_int_t)s.baseline,
			      "peak_slots", (json_int_t)(after > s.peak ? after : s.peak),
			      "after_slots", (json_int_t)after, "leaked_slots",
			      (json_int_t)after - (json_int_t)s.baseline, "samples",
			      (json_int_t)s.samples);
	} else {
		char why[256];

		bl_swiotlb_why("io_tlb_used", -ENOENT, why, sizeof(why));
		o = json_pack("{s:n, s:n, s:n, s:n, s:s}", "baseline_slots", "peak_slots",
			      "after_slots", "leaked_slots", "why", why);
	}
	json_object_set_new(o, "cycles", json_integer((json_int_t)row->ops));
	json_object_set_new(row->extra, "occupancy", o);
	return err;
}

const struct gb_workload gb_workload_occupancy = {
	.name = "occupancy",
	.help = "SWIOTLB slots used before / at peak / after many create-map-release cycles",
	.feature = GB_FEAT_CREATE,
	.importer_optional = true,
	.run = occ_run,
};
