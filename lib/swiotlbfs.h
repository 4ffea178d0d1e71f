/*
 * SWIOTLB state from debugfs (/sys/kernel/debug/swiotlb/): io_tlb_nslabs,
 * io_tlb_used, io_tlb_used_hiwater (6.4+, writing 0 resets it),
 * io_tlb_transient_nslabs (6.9+). Any file may be missing (old kernel, or
 * swiotlb=noforce leaves the folder empty): callers report null with the
 * reason bl_swiotlb_why() gives, never 0.
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

#endif
