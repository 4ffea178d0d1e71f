/*
 * fake_dmabuf: the dma-buf table the i915 and xe test doubles share (see
 * fake_dmabuf.h): memfds identified by device and inode.
 */
#include "fake_dmabuf.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

struct fake_dmabuf *fake_dmabuf_find(struct fake_dmabufs *t, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return NULL;
	for (unsigned i = 0; i < t->n; i++)
		if (t->b[i].dev == st.st_dev && t->b[i].ino == st.st_ino)
			return &t->b[i];
	return NULL;
}

int fake_dmabuf_add(struct fake_dmabufs *t, const char *name, uint64_t size, void *obj,
		    bool foreign)
{
	struct stat st;
	int fd;

	if (t->n == FAKE_DMABUF_MAX)
		return -ENFILE;
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) || fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	t->b[t->n++] = (struct fake_dmabuf){
		.dev = st.st_dev, .ino = st.st_ino, .obj = obj, .foreign = foreign, .size = size,
	};
	return fd;
}

bool fake_dmabuf_is_export(const struct fake_dmabufs *t, const struct stat *st)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!t->b[i].foreign && t->b[i].dev == st->st_dev && t->b[i].ino == st->st_ino)
			return true;
	return false;
}
