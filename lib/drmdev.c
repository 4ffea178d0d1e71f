/*
 * DRM node lookup and sysfs device facts (see drmdev.h). Sysfs is reached
 * through /sys/dev/char/MAJ:MIN, which works for DRM nodes, misc devices
 * and dma-heaps alike.
 */
#include "drmdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>

int bl_drm_version(int fd, char *driver, size_t driver_len, char *version, size_t version_len)
{
	drmVersionPtr v = drmGetVersion(fd);

	if (!v)
		return errno ? -errno : -ENODEV;
	snprintf(driver, driver_len, "%.*s", v->name_len, v->name ? v->name : "");
	snprintf(version, version_len, "%d.%d.%d", v->version_major, v->version_minor,
		 v->version_patchlevel);
	drmFreeVersion(v);
	return 0;
}

static int sysfs_dir(int fd, char *buf, size_t len)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	snprintf(buf, len, "/sys/dev/char/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

static int read_hex(const char *path, unsigned *out)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%x", out) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

void bl_dev_pci_id(int fd, char *buf, size_t len)
{
	char dir[128], path[256];
	unsigned vendor, device;

	buf[0] = '\0';
	if (sysfs_dir(fd, dir, sizeof(dir)))
		return;
	/* A virtio device's own vendor file is the virtio id; the PCI one is the parent's. */
	snprintf(path, sizeof(path), "%s/device/subsystem", dir);
	{
		char sub[PATH_MAX];
		ssize_t n = readlink(path, sub, sizeof(sub) - 1);

		if (n > 0) {
			sub[n] = '\0';
			if (!strcmp(basename(sub), "virtio"))
				snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/device/..");
		}
	}
	snprintf(path, sizeof(path), "%s/device/vendor", dir);
	if (read_hex(path, &vendor))
		return;
	snprintf(path, sizeof(path), "%s/device/device", dir);
	if (read_hex(path, &device))
		return;
	/* Only PCI devices have both files in this form. */
	snprintf(path, sizeof(path), "%s/device/class", dir);
	if (access(path, R_OK))
		return;
	snprintf(buf, len, "%04x:%04x", vendor, device);
}

int bl_dev_dma_names(int fd, char names[][64], int max)
{
	char dir[128], path[256], real[PATH_MAX];
	int n = 0;

	if (max < 1 || sysfs_dir(fd, dir, sizeof(dir)))
		return 0;
	snprintf(path, sizeof(path), "%s/device", dir);
	if (realpath(path, real)) {
		char copy[PATH_MAX];

		snprintf(copy, sizeof(copy), "%s", real);
		snprintf(names[n++], 64, "%s", basename(copy));
		/* virtio devices DMA through their transport (PCI) device. */
		if (!strncmp(names[0], "virtio", 6) && n < max) {
			char *parent = dirname(real);

			snprintf(names[n++], 64, "%s", basename(parent));
		}
		return n;
	}
	if (realpath(dir, real))
		snprintf(names[n++], 64, "%s", basename(real));
	return n;
}

int bl_drm_list(struct bl_drm_node *nodes, size_t max, size_t *n)
{
	DIR *d = opendir("/dev/dri");
	struct dirent *e;
	size_t count = 0;

	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) && count < max) {
		struct bl_drm_node *node = &nodes[count];
		int fd;

		if (strncmp(e->d_name, "card", 4) && strncmp(e->d_name, "renderD", 7))
			continue;
		memset(node, 0, sizeof(*node));
		if (strlen(e->d_name) > 40)
			continue;
		snprintf(node->path, sizeof(node->path), "/dev/dri/%.40s", e->d_name);
		node->render = !strncmp(e->d_name, "renderD", 7);
		fd = open(node->path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			bl_drm_version(fd, node->driver, sizeof(node->driver), node->version,
				       sizeof(node->version));
			bl_dev_pci_id(fd, node->pci_id, sizeof(node->pci_id));
			close(fd);
		}
		count++;
	}
	closedir(d);
	/* readdir order is arbitrary: sort by path so card0 comes first. */
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0 && strcmp(nodes[j - 1].path, nodes[j].path) > 0; j--) {
			struct bl_drm_node t = nodes[j];

			nodes[j] = nodes[j - 1];
			nodes[j - 1] = t;
		}
	*n = count;
	return 0;
}

int bl_drm_open(const char *spec, bool render_ok, int *fd, char *path, size_t path_len)
{
	struct bl_drm_node nodes[BL_DRM_MAX_NODES];
	size_t n;
	int err;

	if (spec && spec[0] == '/') {
		int f = open(spec, O_RDWR | O_CLOEXEC);

		if (f < 0)
			return -errno;
		*fd = f;
		snprintf(path, path_len, "%s", spec);
		return 0;
	}
	err = bl_drm_list(nodes, BL_DRM_MAX_NODES, &n);
	if (err)
		return err;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			int f;

			if (nodes[i].render != (pass == 1) || (pass == 1 && !render_ok))
				continue;
			if (spec && spec[0] && strcmp(nodes[i].driver, spec))
				continue;
			if (!nodes[i].driver[0])
				continue;
			f = open(nodes[i].path, O_RDWR | O_CLOEXEC);
			if (f < 0)
				return -errno;
			*fd = f;
			snprintf(path, path_len, "%s", nodes[i].path);
			return 0;
		}
	}
	return -ENOENT;
}
