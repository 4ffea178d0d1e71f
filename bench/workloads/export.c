/*
 * Workload "export": PRIME export of a GEM buffer. One operation is
 * create -> handle-to-fd -> close(fd) -> release, on a fresh buffer each
 * time: exporting a buffer the second time only returns the dma-buf the
 * driver cached on the first, which is not the cost we want. Subtract the
 * "create" row of the same device to get the export alone. Backends whose
 * buffers are dma-bufs from birth (udmabuf, dma-heap) have nothing to
 * export and are skipped.
 */
#include <unistd.h>

#include "run.h"

struct export_state {
	uint64_t size;
};

static int export_op(struct gb_ctx *ctx, void *arg)
{
	struct export_state *s = arg;
	struct gb_dev *dev = ctx->dev;
	struct gb_bo bo = { .fd = -1 };
	int fd = -1, err;

	err = gb_op_create(ctx, s->size, &bo);
	if (err)
		return err;
	err = dev->ops->bo_export(dev, &bo, &fd);
	if (err)
		gb_fail_what(ctx, "%s: PRIME export %llu bytes", dev->driver,
			     (unsigned long long)s->size);
	else
		close(fd);
	return gb_op_destroy(ctx, &bo, err);
}

static int export_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	struct export_state s = { .size = size };
	struct gb_op op = { .op = export_op, .state = &s };

	json_object_set_new(row->extra, "note",
			    json_string("one op = create + PRIME export + close fd + release"));
	return gb_measure(ctx, row, &op);
}

const struct gb_workload gb_workload_export = {
	.name = "export",
	.help = "PRIME export: create + handle->fd + close + release (GEM backends)",
	.feature = GB_FEAT_EXPORT,
	.caps = GB_CAP_GEM | GB_CAP_EXPORT,
	.run = export_run,
};
