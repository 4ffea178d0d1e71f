/*
 * Job key compact = true: before each row's buffers are made, ask the
 * kernel to compact memory (/proc/sys/vm/compact_memory). A row's buffers
 * and the kernel objects behind them come from free lists whose state is
 * whatever the rows before left, and on the testbed's icount clock that
 * state is part of the time: in A/A boots of the standard job create-vgem
 * moved by up to 3 % from boot to boot without compaction, under 0.5 %
 * with it, and the DMA segments of small virtio-gpu buffers repeated
 * (those of 1 MiB and more still differ: the per-CPU page lists keep
 * pages compaction does not reorder). The row records whether it was done
 * ("memory_compacted": true, or why not).
 */
#include "compact.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define COMPACT_PATH "/proc/sys/vm/compact_memory"

int gb_compact_memory_at(const char *path, char *why, size_t why_len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0) {
		err = -errno;
		snprintf(why, why_len, "%s: %s%s", path, strerror(errno),
			 errno == ENOENT ? " (a kernel without CONFIG_COMPACTION)" : "");
		return err;
	}
	/* the write returns when the kernel has compacted every zone */
	if (write(fd, "1\n", 2) != 2) {
		err = errno ? -errno : -EIO;
		snprintf(why, why_len, "writing %s: %s", path, strerror(-err));
	}
	close(fd);
	return err;
}

int gb_compact_memory(char *why, size_t why_len)
{
	return gb_compact_memory_at(COMPACT_PATH, why, why_len);
}
