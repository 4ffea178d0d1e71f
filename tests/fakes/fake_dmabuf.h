/*
 * fake_dmabuf: the dma-buf table of the ioctl-level TEST DOUBLES of i915 and
 * xe (fake_i915.c, fake_xe.c; unit tests only). Each dma-buf a double hands
 * out is a memfd of the buffer's size, known by its (st_dev, st_ino), so a
 * file descriptor the code under test passes back (PRIME import) is
 * recognised whatever number it has, and a leaked one is found by scanning
 * /proc/self/fd. Nothing here is a measurement.
 */
#ifndef BL_FAKE_DMABUF_H
#define BL_FAKE_DMABUF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define FAKE_DMABUF_MAX 256

struct fake_dmabuf {
	dev_t dev;	/* identity of the dma-buf's memfd */
	ino_t ino;
	void *obj;	/* the double's object it exports; NULL for a foreign one */
	bool foreign;	/* made by the double's *_foreign_dmabuf (another device's) */
	uint64_t size;
};

struct fake_dmabufs {
	struct fake_dmabuf b[FAKE_DMABUF_MAX];
	unsigned n;
};

/* The dma-buf behind @fd, or NULL (not one of ours, or a closed fd). */
struct fake_dmabuf *fake_dmabuf_find(struct fake_dmabufs *t, int fd);

/*
 * A new dma-buf of @size bytes named @name (memfd_create), exporting @obj
 * (NULL when @foreign). The fd (close-on-exec), -ENFILE when the table is
 * full, or -errno.
 */
int fake_dmabuf_add(struct fake_dmabufs *t, const char *name, uint64_t size, void *obj,
		    bool foreign);

/* Is @st (an fstat of an open fd) one of the double's own exports (not a foreign one)? */
bool fake_dmabuf_is_export(const struct fake_dmabufs *t, const struct stat *st);

#endif
