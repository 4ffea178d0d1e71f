/*
 * Finding and opening the DRM node of one driver (i915, xe): what the
 * Intel backends share before their own ioctls start. The driver is asked
 * through DRM_IOCTL_VERSION (drm_ioctl.h), so a test double answers it.
 */
#ifndef GB_DRM_NODE_H
#define GB_DRM_NODE_H

#include "backend.h"

/*
 * Opens @path and keeps it in @dev (fd, node, driver, version, PCI id)
 * when its driver is @driver. -ENODEV with dev->why when it is another
 * driver or no DRM node; -errno when it cannot be opened.
 */
int gb_drm_node_open(struct gb_dev *dev, const char *path, const char *driver);

/*
 * The first node of @driver in /dev/dri, render nodes first (they need no
 * DRM master or authentication), opened as gb_drm_node_open() does.
 * -ENODEV with dev->why when there is none; -EACCES/-EPERM when a node
 * whose driver could not be read may not be opened (it may be the one).
 */
int gb_drm_node_find(struct gb_dev *dev, const char *driver);

#endif
