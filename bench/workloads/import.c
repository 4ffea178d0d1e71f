/*
 * Workload "import": a buffer of the job's backend is exported once, then
 * each operation imports that dma-buf into the importer (PRIME fd-to-handle:
 * for a different device the exporter attaches and DMA-maps the buffer for
 * the importer -- the mapping SWIOTLB bounces) and releases the import
 * (unmap + detach). A refused import (EIO when SWIOTLB cannot bounce a
 * segment, ENODEV when the importer rejects foreign buffers) is a counted
 * failure, not the end of the job. Importing into the exporter's own device
 * only takes a reference and maps nothing: such rows are labelled with the
 * variant "same-device".
 */
#include <unistd.h>

#include "run.h"

struct import_state {
	int fd;       /* the exported dma-buf */
	uint64_t size;
};

static int import_op(struct gb_ctx *ctx, void *arg)
{
	struct import_state *s = arg;
	struct gb_dev *imp = ctx->imp;
	struct gb_bo ibo = { .fd = -1 };
	int err;

	err = imp->ops->bo_import(imp, s->fd, s->size, &ibo);
	if (err) {
		gb_fail_what(ctx, "%s: PRIME import of a %llu-byte %s buffer", imp->driver,
			     (unsigned long long)s->size, ctx->dev->driver);
		return err;
	}
	err = imp->ops->bo_destroy(imp, &ibo);
	if (err)
		gb_fail_what(ctx, "%s: release import", imp->driver);
	return err;
}

static int import_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	struct gb_dev *dev = ctx->dev;
	struct import_state s = { .fd = -1, .size = size };
	struct gb_op op = { .op = import_op, .state = &s };
	struct gb_bo bo = { .fd = -1 };
	int err;

	json_object_set_new(row->extra, "import",
			    json_pack("{s:s, s:s, s:b}", "exporter", dev->driver, "importer",
				      ctx->imp->driver, "same_device", ctx->same_device));
	if (ctx->same_device)
		json_object_set_new(row->extra, "note",
				    json_string("same-device import: takes a reference, maps nothing"));
	err = gb_op_create(ctx, size, &bo);
	if (err) {
		gb_row_fail(ctx, row, err);
		return row->fatal ? err : 0;
	}
	err = dev->ops->bo_export(dev, &bo, &s.fd);
	if (err) {
		gb_fail_what(ctx, "%s: export %llu bytes", dev->driver, (unsigned long long)size);
		gb_row_fail(ctx, row, err);
		dev->ops->bo_destroy(dev, &bo);
		return row->fatal ? err : 0;
	}
	err = gb_measure(ctx, row, &op);
	close(s.fd);
	dev->ops->bo_destroy(dev, &bo);
	return err;
}

const struct gb_workload gb_workload_import = {
	.name = "import",
	.help = "import a dma-buf of the backend into the importer (attach + DMA map) + release",
	.feature = GB_FEAT_EXPORT,
	.needs_importer = true,
	.caps = GB_CAP_EXPORT,
	.run = import_run,
};
