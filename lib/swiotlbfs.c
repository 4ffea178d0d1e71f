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
#include <sys/utsname.h>
#include <unistd.h>

#include "dmamode.h"

#define DEBUGFS	    "/sys/kernel/debug"
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

/* "6.1.0-56-amd64" -> 6001; 0 when it does not start with a version. */
static int release_code(const char *release)
{
	unsigned major, minor;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2)
		return 0;
	return (int)(major * 1000 + minor);
}

/*
 * The IOMMU option of @c that asks for translation, as it would be written,
 * or NULL: an IOMMU then maps DMA and the kernel sets up no SWIOTLB pool.
 */
static const char *iommu_on_option(const struct bl_dma_cmdline *c)
{
	if (c->intel == BL_IOMMU_REQ_ON)
		return "intel_iommu=on";
	if (c->amd == BL_IOMMU_REQ_ON)
		return "amd_iommu=on";
	if (c->generic == BL_IOMMU_REQ_OFF)
		return NULL;
	if (c->passthrough)
		return "iommu=pt";
	return c->generic == BL_IOMMU_REQ_ON ? "iommu=on" : NULL;
}

void bl_swiotlb_reason(const char *name, int err, const struct bl_swiotlb_facts *f, char *buf,
		       size_t len)
{
	const char *rel = f->release ? f->release : "this kernel";
	struct bl_dma_cmdline dma;
	char cause[160];

	if (err != -ENOENT) {
		snprintf(buf, len, "%s/%s: %s", SWIOTLB_DIR, name, strerror(-err));
		return;
	}
	if (!f->debugfs_mounted) {
		snprintf(cause, sizeof(cause), "debugfs is not mounted at %s", DEBUGFS);
	} else if (!f->dir_exists) {
		snprintf(cause, sizeof(cause), "no %s on %s (no SWIOTLB, or no swiotlb debugfs)",
			 SWIOTLB_DIR, rel);
	} else if (!f->pool_exists) {
		/* The kernel creates the folder always and its files only for a pool. */
		bl_dma_parse_cmdline(f->cmdline ? f->cmdline : "", &dma);
		if (dma.swiotlb == BL_SWIOTLB_NOFORCE && dma.swiotlb_slabs >= 0)
			snprintf(cause, sizeof(cause),
				 "no SWIOTLB pool on this boot: swiotlb=%lld,noforce on the command line",
				 (long long)dma.swiotlb_slabs);
		else if (dma.swiotlb == BL_SWIOTLB_NOFORCE)
			snprintf(cause, sizeof(cause),
				 "no SWIOTLB pool on this boot: swiotlb=noforce on the command line");
		else if (iommu_on_option(&dma))
			snprintf(cause, sizeof(cause),
				 "no SWIOTLB pool on this boot (%s on the command line: an IOMMU "
				 "maps DMA)",
				 iommu_on_option(&dma));
		else
			snprintf(cause, sizeof(cause),
				 "no SWIOTLB pool on this boot (the folder is empty: the kernel "
				 "set none up)");
	} else if (!strcmp(name, "io_tlb_used_hiwater") && release_code(f->release) &&
		   release_code(f->release) < 6004) {
		snprintf(cause, sizeof(cause), "added in Linux 6.4, this is %s", rel);
	} else if (!strcmp(name, "io_tlb_transient_nslabs") && release_code(f->release) &&
		   release_code(f->release) < 6009) {
		snprintf(cause, sizeof(cause), "added in Linux 6.9, this is %s", rel);
	} else {
		snprintf(cause, sizeof(cause), "not on %s", rel);
	}
	/* The file first, so that a reason always says what was looked for. */
	snprintf(buf, len, "%s/%s missing: %s", SWIOTLB_DIR, name, cause);
}

static bool debugfs_mounted(void)
{
	FILE *m = fopen("/proc/self/mounts", "re");
	char line[512];
	bool found = false;

	if (!m)
		return true; /* cannot tell: do not claim it is not */
	while (!found && fgets(line, sizeof(line), m)) {
		char dev[128], dir[256], type[64];

		if (sscanf(line, "%127s %255s %63s", dev, dir, type) == 3)
			found = !strcmp(dir, DEBUGFS) && !strcmp(type, "debugfs");
	}
	fclose(m);
	return found;
}

void bl_swiotlb_why(const char *name, int err, char *buf, size_t len)
{
	struct bl_swiotlb_facts f = {0};
	char cmdline[4096] = "";
	struct utsname u;
	struct stat st;
	FILE *c;

	f.debugfs_mounted = debugfs_mounted();
	f.dir_exists = stat(SWIOTLB_DIR, &st) == 0;
	f.pool_exists = stat(SWIOTLB_DIR "/io_tlb_nslabs", &st) == 0;
	if ((c = fopen("/proc/cmdline", "re"))) {
		if (!fgets(cmdline, sizeof(cmdline), c))
			cmdline[0] = '\0';
		fclose(c);
	}
	f.cmdline = cmdline;
	if (uname(&u) == 0)
		f.release = u.release;
	bl_swiotlb_reason(name, err, &f, buf, len);
}
