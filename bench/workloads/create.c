/*
 * Workload "create": create a buffer and release it, as one operation. On
 * devices that allocate and DMA-map backing storage at creation (virtio-gpu
 * with iommu_platform=on attaches its pages to the host), the mapping is
 * part of the cost and shows in the counters.
 */
#include "run.h"

struct create_state {
	uint64_t size;
};

static int create_op(struct gb_ctx *ctx, void *arg)
{
	struct create_state *s = arg;
	struct gb_bo bo = { .fd = -1 };
	int err;

	err = gb_op_create(ctx, s->size, &bo);
	if (err)
		return err;
	return gb_op_destroy(ctx, &bo, 0);
}

static int create_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	struct create_state s = { .size = size };
	struct gb_op op = { .op = create_op, .state = &s };

	return gb_measure(ctx, row, &op);
}

const struct gb_workload gb_workload_create = {
	.name = "create",
	.help = "create + release one buffer per operation",
	.feature = GB_FEAT_CREATE,
	.run = create_run,
};
