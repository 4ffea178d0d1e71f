/*
 * SWIOTLB state from debugfs (/sys/kernel/debug/swiotlb/): io_tlb_nslabs,
 * io_tlb_used, io_tlb_used_hiwater (6.4+, writing 0 resets it),
 * io_tlb_transient_nslabs (6.9+). Any file may be missing (an older kernel;
 * no pool on this boot leaves the folder empty: swiotlb=noforce, or an
 * IOMMU): callers report null with the reason bl_swiotlb_why() gives
 * (which of those it is), never 0.
 */
#ifndef BL_SWIOTLBFS_H
#define BL_SWIOTLBFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Makes sure debugfs is mounted (mounts it when @may_mount). 0 or -errno. */
int bl_debugfs_mount(bool may_mount);

/* Reads /sys/kernel/debug/swiotlb/@name. -ENOENT when the file is missing. */
int bl_swiotlb_read(const char *name, uint64_t *value);

/* Resets io_tlb_used_hiwater (writes 0). -ENOENT before 6.4. */
int bl_swiotlb_reset_hiwater(void);

/* Why @name could not be read (err from bl_swiotlb_read), for "unavailable". */
void bl_swiotlb_why(const char *name, int err, char *buf, size_t len);

/* What bl_swiotlb_why() looks at, so that the wording can be tested. */
struct bl_swiotlb_facts {
	bool debugfs_mounted; /* debugfs at /sys/kernel/debug */
	bool dir_exists;      /* /sys/kernel/debug/swiotlb */
	bool pool_exists;     /* .../io_tlb_nslabs: the kernel set up a pool */
	const char *cmdline;  /* /proc/cmdline, or NULL */
	const char *release;  /* uname -r, or NULL */
};
void bl_swiotlb_reason(const char *name, int err, const struct bl_swiotlb_facts *f, char *buf,
		       size_t len);

#endif
