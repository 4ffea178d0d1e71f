/*
 * The environment a result was measured in, as result-document objects:
 * "host" (hostname, cpu, mem_bytes), "kernel" (release, version, cmdline,
 * machine, boot_id)
 * "dma" (swiotlb mode and pool size, iommu mode, plus the parsed
 * command-line options and whether IOMMU groups exist) and "hypervisor"
 * (what /sys/hypervisor says: Xen's version, the guest type, dom0 or not;
 * every member null with a reason off Xen). Shared by gembench and the
 * daemon so both describe a machine the same way.
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

/*
 * The "hypervisor" object: type ("xen"), version ("4.17.7" from
 * version/{major,minor,extra}), major, minor, extra, guest_type ("PV",
 * "PVH", "HVM"), dom0 (start_flags/initdomain, else xenfs' capabilities
 * holding control_d) with dom0_source, capabilities, changeset, pagesize
 * (properties/pagesize is hex). A member that cannot be read is null with
 * its reason under "unavailable" (off Xen: all of them). The same shape
 * testbed/guest-balloon.sh prints inside the testbed guest.
 */
json_t *bl_env_hypervisor(void);

/* The same from @sysfs (a /sys/hypervisor) and @caps (a /proc/xen/capabilities): for tests. */
json_t *bl_env_hypervisor_at(const char *sysfs, const char *caps);

/*
 * Which SWIOTLB implementation bounces for this kernel's devices, from its
 * "hypervisor" object: "xen-swiotlb" in a Xen PV guest (every streaming
 * mapping goes through it, whatever swiotlb= says), else "swiotlb".
 */
const char *bl_env_swiotlb_impl(const json_t *hypervisor);

/* The text of /proc/cmdline without the trailing newline, into @buf. 0 or -errno. */
int bl_env_cmdline(char *buf, size_t len);

#endif
