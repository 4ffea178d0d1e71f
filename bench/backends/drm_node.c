/*
 * Finding and opening one driver's DRM node (drm_node.h).
 */
#include "drm_node.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "drm_ioctl.h"
#include "drmdev.h"

int gb_drm_node_open(struct gb_dev *dev, const char *path, const char *driver)
{
	char name[32], version[64];
	int fd, err;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = __drm_get_version(fd, name, sizeof(name), version, sizeof(version));
	if (err) {
		close(fd);
		if (err != -ENOTTY && err != -EINVAL)
			return err;
		snprintf(dev->why, sizeof(dev->why), "%.200s is not a DRM node", path);
		return -ENODEV;
	}
	if (strcmp(name, driver)) {
		close(fd);
		snprintf(dev->why, sizeof(dev->why), "%.160s is a %s node, not %s", path, name, driver);
		return -ENODEV;
	}
	dev->fd = fd;
	snprintf(dev->node, sizeof(dev->node), "%s", path);
	snprintf(dev->driver, sizeof(dev->driver), "%s", name);
	snprintf(dev->driver_version, sizeof(dev->driver_version), "%s", version);
	bl_dev_pci_id(fd, dev->pci_id, sizeof(dev->pci_id));
	return 0;
}

int gb_drm_node_find(struct gb_dev *dev, const char *driver)
{
	struct bl_drm_node nodes[BL_DRM_MAX_NODES];
	size_t n = 0;
	int err;

	err = bl_drm_list(nodes, BL_DRM_MAX_NODES, &n);
	if (err == -ENOENT || (!err && !n)) {
		snprintf(dev->why, sizeof(dev->why), "no DRM node in /dev/dri, so no %s one", driver);
		return -ENODEV;
	}
	if (err)
		return err;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if (nodes[i].render == (pass == 0) && !strcmp(nodes[i].driver, driver))
				return gb_drm_node_open(dev, nodes[i].path, driver);
	/* A node we may not open might be the one: say so rather than "no device". */
	for (size_t i = 0; i < n; i++) {
		int fd;

		if (nodes[i].driver[0])
			continue;
		fd = open(nodes[i].path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (errno == EACCES || errno == EPERM) {
			err = -errno;
			snprintf(dev->why, sizeof(dev->why),
				 "no permission to open %.120s, which may be the %s one: %s",
				 nodes[i].path, driver, strerror(-err));
			return err;
		}
	}
	snprintf(dev->why, sizeof(dev->why), "no %s node among the %zu DRM node%s in /dev/dri", driver,
		 n, n == 1 ? "" : "s");
	return -ENODEV;
}
