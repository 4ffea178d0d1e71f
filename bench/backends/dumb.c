/*
 * The "dumb" backend: dumb buffers on any DRM driver that has them (vgem,
 * virtio-gpu, amdgpu, i915, ...): DRM_IOCTL_MODE_CREATE_DUMB / MAP_DUMB /
 * GEM_CLOSE, and PRIME for export and import. It is also the importer side
 * of every cross-device job, since PRIME import is the same on every driver.
 * Dumb ioctls need a primary node (card*), so that is what open() looks for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "backend.h"
#include "drmdev.h"

/* The pitch gembench asks for: 1024 pixels of 32 bits = one 4 KiB page per row. */
#define DUMB_WIDTH 1024u
#define DUMB_BPP 32u

static int dumb_ioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? -errno : 0;
}

static int dumb_open(struct gb_dev *dev, const char *spec)
{
	int err;

	err = bl_drm_open(spec && spec[0] ? spec : NULL, false, &dev->fd, dev->node,
			  sizeof(dev->node));
	if (err)
		return err;
	err = bl_drm_version(dev->fd, dev->driver, sizeof(dev->driver), dev->driver_version,
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
	struct drm_mode_map_dumb arg = { 0 };
	struct gb_bo bo = { .fd = -1 };
	int err = dumb_bo_create(dev, 4096, &bo);

	if (err) {
		snprintf(why, why_len, "%s: MODE_CREATE_DUMB: %s", dev->driver, strerror(-err));
		return err;
	}
	if (map) {
		arg.handle = bo.handle;
		err = dumb_ioctl(dev->fd, DRM_IOCTL_MODE_MAP_DUMB, &arg);
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
		if (drmGetCap(dev->fd, DRM_CAP_PRIME, &cap)) {
			snprintf(why, why_len, "%s: DRM_CAP_PRIME: %s", dev->driver, strerror(errno));
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
	struct drm_mode_create_dumb arg = {
		.width = DUMB_WIDTH,
		.height = (uint32_t)((size + DUMB_WIDTH * 4 - 1) / (DUMB_WIDTH * 4)),
		.bpp = DUMB_BPP,
	};
	int err = dumb_ioctl(dev->fd, DRM_IOCTL_MODE_CREATE_DUMB, &arg);

	if (err)
		return err;
	bo->handle = arg.handle;
	bo->size = arg.size;
	bo->fd = -1;
	bo->priv = NULL;
	return 0;
}

static int dumb_bo_destroy(struct gb_dev *dev, struct gb_bo *bo)
{
	struct drm_gem_close arg = { .handle = bo->handle };
	int err = 0;

	if (bo->handle)
		err = dumb_ioctl(dev->fd, DRM_IOCTL_GEM_CLOSE, &arg);
	bo->handle = 0;
	return err;
}

static int dumb_bo_mmap(struct gb_dev *dev, struct gb_bo *bo, unsigned variant, void **ptr)
{
	struct drm_mode_map_dumb arg = { .handle = bo->handle };
	void *p;
	int err = dumb_ioctl(dev->fd, DRM_IOCTL_MODE_MAP_DUMB, &arg);

	if (err)
		return err;
	p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd, (off_t)arg.offset);
	if (p == MAP_FAILED)
		return -errno;
	*ptr = p;
	return 0;
}

static int dumb_bo_munmap(struct gb_dev *dev, struct gb_bo *bo, void *ptr)
{
	return munmap(ptr, bo->size) ? -errno : 0;
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
	struct drm_prime_handle arg = { .handle = bo->handle, .flags = DRM_CLOEXEC | DRM_RDWR };
	int err = dumb_ioctl(dev->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &arg);

	if (err)
		return err;
	*fd = arg.fd;
	return 0;
}

static int dumb_bo_import(struct gb_dev *dev, int fd, uint64_t size, struct gb_bo *bo)
{
	struct drm_prime_handle arg = { .fd = fd };
	int err = dumb_ioctl(dev->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &arg);

	if (err)
		return err;
	bo->handle = arg.handle;
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
