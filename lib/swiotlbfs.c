/*
 * SWIOTLB debugfs reader (see swiotlbfs.h). The root is fixed: debugfs has
 * one conventional mount point and the kernel creates "swiotlb" under it.
 */
#include "swiotlbfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBUGFS "/sys/kernel/debug"
#define SWIOTLB_DIR DEBUGFS "/swiotlb"

int bl_debugfs_mount(bool may_mount)
{
	struct stat st;

	if (stat(DEBUGFS "/swiotlb", &st) == 0 || stat(DEBUGFS "/tracing", &st) == 0)
		return 0;
	/* An empty folder: debugfs is probably not mounted. */
	if (!may_mount)
		return -ENOENT;
	if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL) && errno != EBUSY)
		return -errno;
	return 0;
}

int bl_swiotlb_read(const char *name, uint64_t *value)
{
	char path[256], buf[64];
	int fd;
	ssize_t n;
	char *end;
	unsigned long long v;

	snprintf(path, sizeof(path), SWIOTLB_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	*value = v;
	return 0;
}

int bl_swiotlb_reset_hiwater(void)
{
	int fd = open(SWIOTLB_DIR "/io_tlb_used_hiwater", O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "0\n", 2) < 0)
		err = -errno;
	close(fd);
	return err;
}

void bl_swiotlb_why(const char *name, int err, char *buf, size_t len)
{
	struct stat st;

	if (err == -ENOENT) {
		if (stat(SWIOTLB_DIR, &st) != 0)
			snprintf(buf, len, "no %s (debugfs not mounted, or no swiotlb debugfs on this kernel)",
				 SWIOTLB_DIR);
		else if (!strcmp(name, "io_tlb_used_hiwater"))
			snprintf(buf, len, "%s/%s missing (before Linux 6.4, or no swiotlb pool: swiotlb=noforce?)",
				 SWIOTLB_DIR, name);
		else
			snprintf(buf, len, "%s/%s missing (no swiotlb pool: swiotlb=noforce?)",
				 SWIOTLB_DIR, name);
	} else {
		snprintf(buf, len, "%s/%s: %s", SWIOTLB_DIR, name, strerror(-err));
	}
}
