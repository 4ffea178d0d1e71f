/*
 * The "udmabuf" backend: a sealed memfd turned into a dma-buf by
 * /dev/udmabuf (UDMABUF_CREATE). udmabuf builds one scatter-gather entry
 * per page, so importing it into another device maps (and under
 * swiotlb=force bounces) once per 4 KiB page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"
#include "dmabuf_common.h"
#include "drm_ioctl.h"

static int udmabuf_open(struct gb_dev *dev, const char *spec)
{
	const char *path = spec && spec[0] == '/' ? spec : "/dev/udmabuf";
	int err;

	if (spec && spec[0] && spec[0] != '/' && strcmp(spec, "udmabuf"))
		return -ENODEV;
	err = gb_dmabuf_open_node(dev, path);
	if (err)
		return err;
	snprintf(dev->driver, sizeof(dev->driver), "udmabuf");
	return 0;
}

static int udmabuf_bo_create(struct gb_dev *dev, uint64_t size, struct gb_bo *bo)
{
	int memfd = -1, fd = -1, err;

	memfd = memfd_create("gembench-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, (off_t)size) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		err = -errno;
		goto out;
	}
	err = __udmabuf_create(dev->fd, memfd, 0, size, &fd);
	if (err)
		goto out;
	bo->fd = fd;
	bo->size = size;
	bo->handle = 0;
	bo->priv = NULL;
out:
	/* udmabuf holds its own reference on the memfd's pages. */
	close(memfd);
	return err;
}

static int udmabuf_probe(struct gb_dev *dev, enum gb_feature feat, unsigned variant, char *why,
			 size_t why_len)
{
	return gb_dmabuf_probe("udmabuf", feat, why, why_len);
}

const struct gb_backend_ops gb_backend_udmabuf = {
	.name = "udmabuf",
	.abi = GB_BACKEND_ABI,
	.caps = GB_CAP_DMABUF_NATIVE | GB_CAP_EXPORT | GB_CAP_MMAP,
	.help = "sealed memfd -> /dev/udmabuf -> dma-buf (one sg entry per page)",
	.open = udmabuf_open,
	.close = gb_dmabuf_close,
	.probe = udmabuf_probe,
	.bo_create = udmabuf_bo_create,
	.bo_destroy = gb_dmabuf_destroy,
	.bo_mmap = gb_dmabuf_mmap,
	.bo_munmap = gb_dmabuf_munmap,
	.bo_export = gb_dmabuf_export,
};
