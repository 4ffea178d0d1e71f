/*
 * The "dumb" backend: dumb buffers on any DRM driver that has them (vgem,
 * virtio-gpu, amdgpu, i915, ...): DRM_IOCTL_MODE_CREATE_DUMB / MAP_DUMB /
 * GEM_CLOSE, and PRIME for export and import. It is also the importer side
 * of every cross-device job, since PRIME import is the same on every driver.
 * Dumb ioctls need a primary node (card*), so that is what open() looks for.
 * Every ioctl and mapping goes through the shared wrappers (drm_ioctl.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "backend.h"
#include "drm_ioctl.h"
#include "drmdev.h"

/* The pitch gembench asks for: 1024 pixels of 32 bits = one 4 KiB page per row. */
#define DUMB_WIDTH 1024u
#define DUMB_BPP 32u

static int dumb_open(struct gb_dev *dev, const char *spec)
{
	int err;

	err = bl_drm_open(spec && spec[0] ? spec : NULL, false, &dev->fd, dev->node,
			  sizeof(dev->node));
	if (err)
		return err;
	err = __drm_get_version(dev->fd, dev->driver, sizeof(dev->driver), dev->driver_version,
				sizeof(dev->driver_version));
	if (err) {
		close(dev->fd);
		dev->fd = -1;
		return err;
	}
	bl_dev_pci_id(dev->fd, dev->pci_id, sizeof(dev->pci_id));
	return 0;
}

static void dumb_close(struct gb_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

static int dumb_bo_create(struct gb_dev *dev, uint64_t size, struct gb_bo *bo);
static int dumb_bo_destroy(struct gb_dev *dev, struct gb_bo *bo);

/*
 * DRM_CAP_DUMB_BUFFER is not a reliable answer (vgem says 0 yet serves
 * MODE_CREATE_DUMB), so creation and mapping are probed by doing them once
 * on a one-page buffer: the errno of a refused ioctl is the answer.
 */
static int dumb_probe_create(struct gb_dev *dev, bool map, char *why, size_t why_len)
{
	struct gb_bo bo = { .fd = -1 };
	uint64_t offset;
	int err = dumb_bo_create(dev, 4096, &bo);

	if (err) {
		snprintf(why, why_len, "%s: MODE_CREATE_DUMB: %s", dev->driver, strerror(-err));
		return err;
	}
	if (map) {
		err = __dumb_map_offset(dev->fd, bo.handle, &offset);
		if (err)
			snprintf(why, why_len, "%s: MODE_MAP_DUMB: %s", dev->driver, strerror(-err));
	}
	dumb_bo_destroy(dev, &bo);
	return err;
}

static int dumb_probe(struct gb_dev *dev, enum gb_feature feat, unsigned variant, char *why,
		      size_t why_len)
{
	uint64_t cap = 0;
	int err;

	switch (feat) {
	case GB_FEAT_CREATE:
		return dumb_probe_create(dev, false, why, why_len);
	case GB_FEAT_POPULATE:
	case GB_FEAT_MMAP:
		return dumb_probe_create(dev, true, why, why_len);
	case GB_FEAT_EXPORT:
	case GB_FEAT_IMPORT:
		err = dumb_probe_create(dev, false, why, why_len);
		if (err && feat == GB_FEAT_EXPORT)
			return err;
		err = __drm_get_cap(dev->fd, DRM_CAP_PRIME, &cap);
		if (err) {
			snprintf(why, why_len, "%s: DRM_CAP_PRIME: %s", dev->driver, strerror(-err));
			return -EOPNOTSUPP;
		}
		if (!(cap & (feat == GB_FEAT_EXPORT ? DRM_PRIME_CAP_EXPORT : DRM_PRIME_CAP_IMPORT))) {
			snprintf(why, why_len, "%s: no PRIME %s", dev->driver,
				 feat == GB_FEAT_EXPORT ? "export" : "import");
			return -EOPNOTSUPP;
		}
		return 0;
	default:
		snprintf(why, why_len, "dumb buffers have no %s", gb_feature_name(feat));
		return -EOPNOTSUPP;
	}
}

static int dumb_bo_create(struct gb_dev *dev, uint64_t size, struct gb_bo *bo)
{
	uint32_t height = (uint32_t)((size + DUMB_WIDTH * 4 - 1) / (DUMB_WIDTH * 4));
	uint32_t handle;
	uint64_t made;
	int err = __dumb_create(dev->fd, DUMB_WIDTH, height, DUMB_BPP, &handle, &made);

	if (err)
		return err;
	bo->handle = handle;
	bo->size = made;
	bo->fd = -1;
	bo->priv = NULL;
	return 0;
}

static int dumb_bo_destroy(struct gb_dev *dev, struct gb_bo *bo)
{
	int err = 0;

	/* GEM_CLOSE: it closes any handle, a PRIME import (bo_import) as well as a dumb one. */
	if (bo->handle)
		err = __gem_close(dev->fd, bo->handle);
	bo->handle = 0;
	return err;
}

static int dumb_bo_mmap(struct gb_dev *dev, struct gb_bo *bo, unsigned variant, void **ptr)
{
	uint64_t offset;
	int err = __dumb_map_offset(dev->fd, bo->handle, &offset);

	if (err)
		return err;
	return __drm_mmap(dev->fd, offset, bo->size, ptr);
}

static int dumb_bo_munmap(struct gb_dev *dev, struct gb_bo *bo, void *ptr)
{
	return __drm_munmap(ptr, bo->size);
}

static int dumb_bo_populate(struct gb_dev *dev, struct gb_bo *bo, unsigned variant)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile unsigned char *p;
	void *map;
	int err = dumb_bo_mmap(dev, bo, 0, &map);

	if (err)
		return err;
	p = map;
	/* One write per page faults every page in. */
	for (uint64_t off = 0; off < bo->size; off += (uint64_t)page)
		p[off] = 1;
	return dumb_bo_munmap(dev, bo, map);
}

static int dumb_bo_export(struct gb_dev *dev, struct gb_bo *bo, int *fd)
{
	return __prime_handle_to_fd(dev->fd, bo->handle, fd);
}

static int dumb_bo_import(struct gb_dev *dev, int fd, uint64_t size, struct gb_bo *bo)
{
	uint32_t handle;
	int err = __prime_fd_to_handle(dev->fd, fd, &handle);

	if (err)
		return err;
	bo->handle = handle;
	bo->size = size;
	bo->fd = -1;
	bo->priv = NULL;
	return 0;
}

const struct gb_backend_ops gb_backend_dumb = {
	.name = "dumb",
	.abi = GB_BACKEND_ABI,
	.caps = GB_CAP_GEM | GB_CAP_EXPORT | GB_CAP_IMPORT | GB_CAP_MMAP | GB_CAP_POPULATE,
	.help = "dumb buffers on any DRM driver (vgem, virtio_gpu, amdgpu, i915); PRIME export/import",
	.open = dumb_open,
	.close = dumb_close,
	.probe = dumb_probe,
	.bo_create = dumb_bo_create,
	.bo_destroy = dumb_bo_destroy,
	.bo_populate = dumb_bo_populate,
	.bo_mmap = dumb_bo_mmap,
	.bo_munmap = dumb_bo_munmap,
	.bo_export = dumb_bo_export,
	.bo_import = dumb_bo_import,
};
