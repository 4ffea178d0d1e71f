/*
 * Workload "pread": create, copy the whole buffer in through the kernel
 * (bo_pwrite: i915 GEM_PWRITE) and back out (bo_pread: GEM_PREAD), release.
 * Bytes per operation count both directions. Only the read maps anything:
 * PWRITE into an object that has no pages yet writes straight into its
 * shmem page cache (i915's shmem_pwrite) and maps nothing; PREAD then pins
 * the pages (get_pages -> dma_map_sg), so each operation is one DMA mapping
 * of the buffer, made by the read. i915 refuses both ioctls for graphics
 * version 12 and later except Tiger Lake (every discrete part included):
 * the backend's probe turns that into a skip.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

struct pread_state {
	uint64_t size;
	unsigned char *buf; /* user memory for both copies */
};

static int pread_op(struct gb_ctx *ctx, void *arg)
{
	struct pread_state *s = arg;
	struct gb_dev *dev = ctx->dev;
	struct gb_bo bo = { .fd = -1 };
	int err;

	err = gb_op_create(ctx, s->size, &bo);
	if (err)
		return err;
	err = dev->ops->bo_pwrite(dev, &bo, 0, s->buf, s->size);
	if (err)
		gb_fail_what(ctx, "%s: pwrite %llu bytes", dev->driver,
			     (unsigned long long)s->size);
	if (!err) {
		err = dev->ops->bo_pread(dev, &bo, 0, s->buf, s->size);
		if (err)
			gb_fail_what(ctx, "%s: pread %llu bytes", dev->driver,
				     (unsigned long long)s->size);
	}
	return gb_op_destroy(ctx, &bo, err);
}

static int pread_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	struct pread_state s = { .size = size };
	struct gb_op op = { .op = pread_op, .state = &s };
	int err;

	if (size > SIZE_MAX)
		return -EINVAL;
	s.buf = malloc(size);
	if (!s.buf)
		return -ENOMEM;
	memset(s.buf, 0xa5, size); /* resident before timing starts */
	row->bytes_per_op = 2 * size;
	err = gb_measure(ctx, row, &op);
	json_object_set_new(row->extra, "copies", json_string("pwrite+pread"));
	json_object_set_new(row->extra, "mapped_by",
			    json_string("pread: pwrite into an object without pages writes the page "
					"cache and maps nothing"));
	free(s.buf);
	return err;
}

const struct gb_workload gb_workload_pread = {
	.name = "pread",
	.help = "create + PWRITE the whole buffer + PREAD it back (the PREAD maps) + release",
	.feature = GB_FEAT_PREAD,
	.caps = GB_CAP_PREAD,
	.run = pread_run,
};
