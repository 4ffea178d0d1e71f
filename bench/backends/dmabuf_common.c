/*
 * Shared hooks of the native dma-buf backends (see dmabuf_common.h). The
 * mappings go through the shared wrappers (drm_ioctl.h), as every backend's do.
 */
#include "dmabuf_common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "drm_ioctl.h"

int gb_dmabuf_destroy(struct gb_dev *dev, struct gb_bo *bo)
{
	int err = 0;

	if (bo->fd >= 0 && close(bo->fd))
		err = -errno;
	bo->fd = -1;
	return err;
}

int gb_dmabuf_mmap(struct gb_dev *dev, struct gb_bo *bo, unsigned variant, void **ptr)
{
	return __drm_mmap(bo->fd, 0, bo->size, ptr);
}

int gb_dmabuf_munmap(struct gb_dev *dev, struct gb_bo *bo, void *ptr)
{
	return __drm_munmap(ptr, bo->size);
}

int gb_dmabuf_export(struct gb_dev *dev, struct gb_bo *bo, int *fd)
{
	int nfd = fcntl(bo->fd, F_DUPFD_CLOEXEC, 0);

	if (nfd < 0)
		return -errno;
	*fd = nfd;
	return 0;
}

int gb_dmabuf_open_node(struct gb_dev *dev, const char *path)
{
	int fd;

	/* Named even on failure, so the skip reason can say which node. */
	snprintf(dev->node, sizeof(dev->node), "%s", path);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dev->fd = fd;
	return 0;
}

void gb_dmabuf_close(struct gb_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

int gb_dmabuf_probe(const char *what, enum gb_feature feat, char *why, size_t why_len)
{
	switch (feat) {
	case GB_FEAT_CREATE:
	case GB_FEAT_MMAP:
	case GB_FEAT_EXPORT:
		return 0;
	default:
		snprintf(why, why_len, "%s has no %s", what, gb_feature_name(feat));
		return -EOPNOTSUPP;
	}
}
