/*
 * The environment a result was measured in, as result-document objects:
 * "host" (hostname, cpu, mem_bytes), "kernel" (release, version, cmdline)
 * and "dma" (swiotlb mode and pool size, iommu mode, plus the parsed
 * command-line options and whether IOMMU groups exist). Shared by gembench
 * and the daemon so both describe a machine the same way.
 */
#ifndef BL_ENVIRONMENT_H
#define BL_ENVIRONMENT_H

#include <jansson.h>

/* Each returns a new object (never NULL on success) or NULL when out of memory. */
json_t *bl_env_host(void);
json_t *bl_env_kernel(void);
/* Reads /proc/cmdline, /sys/kernel/iommu_groups and swiotlb debugfs. */
json_t *bl_env_dma(void);

/* The text of /proc/cmdline without the trailing newline, into @buf. 0 or -errno. */
int bl_env_cmdline(char *buf, size_t len);

#endif
