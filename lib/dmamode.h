/*
 * The DMA mode of a boot, read from the kernel command line: SWIOTLB
 * (swiotlb=force / noforce / default, and the pool size if given) and the
 * IOMMU options (iommu=, intel_iommu=, amd_iommu=, iommu.passthrough=).
 * A pure parser: whether IOMMU groups really exist is the caller's fact to
 * add (bl_dma_iommu_mode()).
 */
#ifndef BL_DMAMODE_H
#define BL_DMAMODE_H

#include <stdbool.h>
#include <stdint.h>

enum bl_swiotlb_mode { BL_SWIOTLB_DEFAULT, BL_SWIOTLB_FORCE, BL_SWIOTLB_NOFORCE };
enum bl_iommu_req { BL_IOMMU_UNSET, BL_IOMMU_REQ_ON, BL_IOMMU_REQ_OFF };

struct bl_dma_cmdline {
	enum bl_swiotlb_mode swiotlb;
	int64_t swiotlb_slabs;     /* swiotlb=<slabs>[,...]; -1 when not given */
	enum bl_iommu_req intel;   /* intel_iommu=on|off */
	enum bl_iommu_req amd;     /* amd_iommu=off (anything else leaves it on) */
	enum bl_iommu_req generic; /* iommu=off|on|force / iommu=pt sets passthrough */
	bool passthrough;          /* iommu=pt or iommu.passthrough=1 */
	bool strict_given;         /* iommu.strict= present */
	bool strict;
};

/* Parses @cmdline (the text of /proc/cmdline). Unknown words are ignored. */
void bl_dma_parse_cmdline(const char *cmdline, struct bl_dma_cmdline *out);

const char *bl_swiotlb_mode_name(enum bl_swiotlb_mode mode); /* "force" ... */

/*
 * "off", "on" or "pt" for the document: "off" when no IOMMU groups exist
 * (@have_groups false) or the command line turned it off; "pt" when it
 * asked for passthrough; else "on".
 */
const char *bl_dma_iommu_mode(const struct bl_dma_cmdline *c, bool have_groups);

#endif
