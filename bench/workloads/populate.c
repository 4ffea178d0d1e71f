/*
 * Workload "populate": create, force the pages in and device-mapped where
 * the backend can (bo_populate: dumb maps and touches every page; i915 uses
 * set-domain, which runs get_pages -> dma_map_sg), release.
 */
#include "run.h"

struct populate_state {
	uint64_t size;
	unsigned variant;
};

static int populate_op(struct gb_ctx *ctx, void *arg)
{
	struct populate_state *s = arg;
	struct gb_dev *dev = ctx->dev;
	struct gb_bo bo = { .fd = -1 };
	int err;

	err = gb_op_create(ctx, s->size, &bo);
	if (err)
		return err;
	err = dev->ops->bo_populate(dev, &bo, s->variant);
	if (err)
		gb_fail_what(ctx, "%s: populate %llu bytes", dev->driver,
			     (unsigned long long)s->size);
	return gb_op_destroy(ctx, &bo, err);
}

static int populate_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	struct populate_state s = { .size = size, .variant = variant };
	struct gb_op op = { .op = populate_op, .state = &s };

	return gb_measure(ctx, row, &op);
}

const struct gb_workload gb_workload_populate = {
	.name = "populate",
	.help = "create + pages in and device-mapped (backend's way) + release",
	.feature = GB_FEAT_POPULATE,
	.caps = GB_CAP_POPULATE,
	.run = populate_run,
};
