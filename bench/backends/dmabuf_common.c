/*
 * Shared hooks of the native dma-buf backends (see dmabuf_common.h).
 */
#include "dmabuf_common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

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
	void *p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, bo->fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	*ptr = p;
	return 0;
}

int gb_dmabuf_munmap(struct gb_dev *dev, struct gb_bo *bo, void *ptr)
{
	return munmap(ptr, bo->size) ? -errno : 0;
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
