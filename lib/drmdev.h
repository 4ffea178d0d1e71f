/*
 * DRM nodes and device facts from sysfs, shared by gembench's backends
 * (dumb, i915, ...), `gembench --list` and the daemon: find a node by driver
 * name or path, ask the driver its name and version (DRM_IOCTL_VERSION via
 * libdrm), read the PCI id, and the names the kernel's DMA tracepoints use
 * for the device (dev_name(): "vgem", "0000:00:02.0", "udmabuf").
 */
#ifndef BL_DRMDEV_H
#define BL_DRMDEV_H

#include <stdbool.h>
#include <stddef.h>

#define BL_DRM_MAX_NODES 32
#define BL_DEV_MAX_NAMES 4

struct bl_drm_node {
	char path[64];        /* /dev/dri/card0 */
	char driver[64];      /* "vgem"; "" when the node could not be opened */
	char version[64];     /* "1.0.0" */
	char pci_id[32];      /* "1af4:1050" or "" */
	bool render;          /* a render node (renderD*) */
};

/* Every node under /dev/dri. 0 (with *n = 0 when there are none) or -errno. */
int bl_drm_list(struct bl_drm_node *nodes, size_t max, size_t *n);

/*
 * Opens the DRM node @spec: a path, or a driver name matched against each
 * node's DRM_IOCTL_VERSION name (primary nodes first, since dumb buffers
 * need one; render nodes when @render_ok and no primary node matches).
 * *fd gets an O_RDWR|O_CLOEXEC fd, @path the node opened.
 * -ENOENT when no node has that driver.
 */
int bl_drm_open(const char *spec, bool render_ok, int *fd, char *path, size_t path_len);

/* Driver name and "major.minor.patchlevel" of an open DRM fd. */
int bl_drm_version(int fd, char *driver, size_t driver_len, char *version, size_t version_len);

/* "vendor:device" of the PCI device behind char device @fd ("" when not PCI). */
void bl_dev_pci_id(int fd, char *buf, size_t len);

/*
 * The names this char device's DMA shows up as in dma:* and swiotlb:*
 * tracepoints: the sysfs name of its parent device (and, for a virtio
 * device, of the PCI function that does its DMA), else the device's own
 * name (misc devices such as udmabuf, dma-heaps). Returns how many.
 */
int bl_dev_dma_names(int fd, char names[][64], int max);

#endif
