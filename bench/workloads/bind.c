/*
 * Workload "bind": create, make the device use the buffer (bo_bind: i915
 * submits a batch that only ends, with the buffer in its object list, and
 * waits; the kernel binds it: get_pages -> dma_map_sg -> GTT insert),
 * release. The execbuf path of the bounce, next to populate's set-domain.
 */
#include "run.h"

struct bind_state {
	uint64_t size;
	unsigned variant;
};

static int bind_op(struct gb_ctx *ctx, void *arg)
{
	struct bind_state *s = arg;
	struct gb_dev *dev = ctx->dev;
	struct gb_bo bo = { .fd = -1 };
	int err;

	err = gb_op_create(ctx, s->size, &bo);
	if (err)
		return err;
	err = dev->ops->bo_bind(dev, &bo, s->variant);
	if (err)
		gb_fail_what(ctx, "%s: bind %llu bytes", dev->driver, (unsigned long long)s->size);
	return gb_op_destroy(ctx, &bo, err);
}

static int bind_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	struct bind_state s = { .size = size, .variant = variant };
	struct gb_op op = { .op = bind_op, .state = &s };

	return gb_measure(ctx, row, &op);
}

const struct gb_workload gb_workload_bind = {
	.name = "bind",
	.help = "create + the device uses it (i915: execbuf of an empty batch, waited) + release",
	.feature = GB_FEAT_BIND,
	.caps = GB_CAP_BIND,
	.run = bind_run,
};
