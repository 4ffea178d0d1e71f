/*
 * The "dmaheap" backend: buffers from /dev/dma_heap/<heap> (default
 * "system") via DMA_HEAP_IOCTL_ALLOC. The system heap builds its
 * scatter-gather list from large chunks (up to 1 MiB), larger than SWIOTLB
 * can bounce (256 KiB): the seed bug class, reproducible on today's kernels.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "dmabuf_common.h"
#include "drm_ioctl.h"

static int dmaheap_open(struct gb_dev *dev, const char *spec)
{
	char path[256];
	const char *heap = spec && spec[0] ? spec : "system";
	const char *slash;
	int err;

	if (heap[0] == '/')
		snprintf(path, sizeof(path), "%s", heap);
	else if (strchr(heap, '/'))
		return -EINVAL;
	else
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap);
	err = gb_dmabuf_open_node(dev, path);
	if (err)
		return err;
	slash = strrchr(path, '/');
	snprintf(dev->driver, sizeof(dev->driver), "%.63s", slash ? slash + 1 : path);
	return 0;
}

static int dmaheap_bo_create(struct gb_dev *dev, uint64_t size, struct gb_bo *bo)
{
	int fd, err = __dma_heap_alloc(dev->fd, size, &fd);

	if (err)
		return err;
	bo->fd = fd;
	bo->size = size;
	bo->handle = 0;
	bo->priv = NULL;
	return 0;
}

static int dmaheap_probe(struct gb_dev *dev, enum gb_feature feat, unsigned variant, char *why,
			 size_t why_len)
{
	return gb_dmabuf_probe("dma-heap buffers", feat, why, why_len);
}

const struct gb_backend_ops gb_backend_dmaheap = {
	.name = "dmaheap",
	.abi = GB_BACKEND_ABI,
	.caps = GB_CAP_DMABUF_NATIVE | GB_CAP_EXPORT | GB_CAP_MMAP,
	.help = "/dev/dma_heap/<heap> (device = heap name, default system) -> dma-buf",
	.open = dmaheap_open,
	.close = gb_dmabuf_close,
	.probe = dmaheap_probe,
	.bo_create = dmaheap_bo_create,
	.bo_destroy = gb_dmabuf_destroy,
	.bo_mmap = gb_dmabuf_mmap,
	.bo_munmap = gb_dmabuf_munmap,
	.bo_export = gb_dmabuf_export,
};
