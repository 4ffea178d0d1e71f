/*
 * Helpers shared by the backends whose buffers are dma-bufs from creation
 * (udmabuf, dmaheap): the buffer is bo->fd, mapped with mmap on that fd,
 * "exported" by duplicating it.
 */
#ifndef GB_DMABUF_COMMON_H
#define GB_DMABUF_COMMON_H

#include "backend.h"

int gb_dmabuf_destroy(struct gb_dev *dev, struct gb_bo *bo);
int gb_dmabuf_mmap(struct gb_dev *dev, struct gb_bo *bo, unsigned variant, void **ptr);
int gb_dmabuf_munmap(struct gb_dev *dev, struct gb_bo *bo, void *ptr);
int gb_dmabuf_export(struct gb_dev *dev, struct gb_bo *bo, int *fd);
/* Opens a char device node into dev (fd, node); 0 or -errno. */
int gb_dmabuf_open_node(struct gb_dev *dev, const char *path);
/*
 * The probe of a dma-buf-native backend: create, mmap and export work, any
 * other feature is refused (-EOPNOTSUPP) with "@what has no <feature>".
 */
int gb_dmabuf_probe(const char *what, enum gb_feature feat, char *why, size_t why_len);
void gb_dmabuf_close(struct gb_dev *dev);

#endif
