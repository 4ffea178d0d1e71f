/*
 * fake_membuf: see fake_membuf.h. A test double, named as one.
 */
#include "fake_membuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail_imports;
static int live;

void fake_membuf_fail_imports(int err)
{
	fail_imports = err;
}

int fake_membuf_live(void)
{
	return live;
}

static int fm_open(struct gb_dev *dev, const char *spec)
{
	if (spec && spec[0] && spec[0] != 'f')
		return -ENOENT; /* only "fake..." names exist */
	snprintf(dev->node, sizeof(dev->node), "(fake)");
	snprintf(dev->driver, sizeof(dev->driver), "fake");
	dev->fd = -1;
	return 0;
}

static void fm_close(struct gb_dev *dev)
{
}

static int fm_create(struct gb_dev *dev, uint64_t size, struct gb_bo *bo)
{
	int fd = memfd_create("fake_membuf", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		int err = -errno;

		close(fd);
		return err;
	}
	bo->fd = fd;
	bo->size = size;
	bo->handle = 0;
	live++;
	return 0;
}

static int fm_destroy(struct gb_dev *dev, struct gb_bo *bo)
{
	if (bo->fd >= 0) {
		close(bo->fd);
		live--;
	}
	bo->fd = -1;
	return 0;
}

static int fm_mmap(struct gb_dev *dev, struct gb_bo *bo, unsigned variant, void **ptr)
{
	void *p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, bo->fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	*ptr = p;
	return 0;
}

static int fm_munmap(struct gb_dev *dev, struct gb_bo *bo, void *ptr)
{
	return munmap(ptr, bo->size) ? -errno : 0;
}

static int fm_export(struct gb_dev *dev, struct gb_bo *bo, int *fd)
{
	int n = fcntl(bo->fd, F_DUPFD_CLOEXEC, 0);

	if (n < 0)
		return -errno;
	*fd = n;
	return 0;
}

static int fm_import(struct gb_dev *dev, int fd, uint64_t size, struct gb_bo *bo)
{
	int n;

	if (fail_imports)
		return fail_imports;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (n < 0)
		return -errno;
	bo->fd = n;
	bo->size = size;
	live++;
	return 0;
}

const struct gb_backend_ops fake_membuf_ops = {
	.name = "fake_membuf",
	.abi = GB_BACKEND_ABI,
	.caps = GB_CAP_DMABUF_NATIVE | GB_CAP_EXPORT | GB_CAP_IMPORT | GB_CAP_MMAP,
	.help = "test double: memfd buffers",
	.open = fm_open,
	.close = fm_close,
	.bo_create = fm_create,
	.bo_destroy = fm_destroy,
	.bo_mmap = fm_mmap,
	.bo_munmap = fm_munmap,
	.bo_export = fm_export,
	.bo_import = fm_import,
};
