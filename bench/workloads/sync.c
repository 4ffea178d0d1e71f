/*
 * Workload "sync": CPU access to an exported dma-buf bracketed by
 * DMA_BUF_IOCTL_SYNC start and end, as a well-behaved CPU user must do. One
 * operation = SYNC_START(RW) + one write per page + SYNC_END(RW). With an
 * importer, the buffer is imported (attached and mapped) first, so the
 * syncs also have the importer's mapping to keep coherent (under SWIOTLB:
 * copies to and from the bounce buffer).
 */
#include <errno.h>
#include <linux/dma-buf.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/drm_ioctl.h"
#include "run.h"

struct sync_state {
	int fd;
	unsigned char *map;
	uint64_t size;
};

static int sync_op(struct gb_ctx *ctx, void *arg)
{
	struct sync_state *s = arg;
	long page = sysconf(_SC_PAGESIZE);
	int err;

	err = __dma_buf_sync(s->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	if (err) {
		gb_fail_what(ctx, "%s: DMA_BUF_IOCTL_SYNC start", ctx->dev->driver);
		return err;
	}
	for (uint64_t off = 0; off < s->size; off += (uint64_t)page)
		((volatile unsigned char *)s->map)[off]++;
	err = __dma_buf_sync(s->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	if (err)
		gb_fail_what(ctx, "%s: DMA_BUF_IOCTL_SYNC end", ctx->dev->driver);
	return err;
}

static int sync_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	struct gb_dev *dev = ctx->dev;
	struct sync_state s = { .fd = -1, .size = size };
	struct gb_op op = { .op = sync_op, .state = &s };
	struct gb_bo bo = { .fd = -1 }, ibo = { .fd = -1 };
	bool imported = false;
	void *map = MAP_FAILED;
	int err;

	err = gb_op_create(ctx, size, &bo);
	if (err) {
		goto setup_failed;
	}
	err = dev->ops->bo_export(dev, &bo, &s.fd);
	if (err) {
		gb_fail_what(ctx, "%s: export", dev->driver);
		goto setup_failed;
	}
	err = __drm_mmap(s.fd, 0, size, &map);
	if (err) {
		map = MAP_FAILED;
		gb_fail_what(ctx, "%s: mmap of the dma-buf", dev->driver);
		goto setup_failed;
	}
	s.map = map;
	if (ctx->imp) {
		err = ctx->imp->ops->bo_import(ctx->imp, s.fd, size, &ibo);
		if (err) {
			gb_fail_what(ctx, "%s: PRIME import", ctx->imp->driver);
			goto setup_failed;
		}
		imported = true;
	}
	json_object_set_new(row->extra, "note",
			    json_string(ctx->imp ? "sync with the buffer imported into the importer" :
						   "sync with no importer attached"));
	err = gb_measure(ctx, row, &op);
	goto out;
setup_failed:
	gb_row_fail(ctx, row, err);
	err = row->fatal ? err : 0;
out:
	if (imported)
		ctx->imp->ops->bo_destroy(ctx->imp, &ibo);
	if (map != MAP_FAILED)
		drm_munmap(map, size);
	if (s.fd >= 0)
		close(s.fd);
	if (bo.handle || bo.fd >= 0)
		dev->ops->bo_destroy(dev, &bo);
	return err;
}

const struct gb_workload gb_workload_sync = {
	.name = "sync",
	.help = "DMA_BUF_IOCTL_SYNC start/end around CPU writes to an exported buffer",
	.feature = GB_FEAT_EXPORT,
	.importer_optional = true,
	.caps = GB_CAP_EXPORT,
	.run = sync_run,
};
