/*
 * The environment a result was measured in, as result-document objects:
 * "host" (hostname, cpu, mem_bytes), "kernel" (release, version, cmdline,
 * machine, boot_id)
 * and "dma" (swiotlb mode and pool size, iommu mode, plus the parsed
 * command-line options and whether IOMMU groups exist). Shared by gembench
 * and the daemon so both describe a machine the same way.
 */
#ifndef BL_ENVIRONMENT_H
#define BL_ENVIRONMENT_H

#include <stdint.h>

#include <jansson.h>

/* Each returns a new object (never NULL on success) or NULL when out of memory. */
json_t *bl_env_host(void);
json_t *bl_env_kernel(void);
/* Reads /proc/cmdline, /sys/kernel/iommu_groups and swiotlb debugfs. */
json_t *bl_env_dma(void);

/*
 * The "dma" object from facts already read (bl_env_dma's pure part, for
 * tests): @cmdline the kernel command line, @nslabs_err 0 when @nslabs came
 * from debugfs io_tlb_nslabs, else the -errno of that read. "swiotlb_slabs"
 * is the pool the kernel has (null with dma.unavailable.swiotlb_slabs when
 * debugfs has none); "swiotlb_slabs_requested" is what swiotlb= asked for.
 */
json_t *bl_env_dma_from(const char *cmdline, int nslabs_err, uint64_t nslabs, int iommu_groups);

/* The text of /proc/cmdline without the trailing newline, into @buf. 0 or -errno. */
int bl_env_cmdline(char *buf, size_t len);

#endif
