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
#include <stddef.h>
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

/*
 * The DMA modes the testbed boots and every comparison, report and figure
 * names: one table, in presentation order (the lab boots them in this
 * order, tables list them in it). A mode is the swiotlb= option and the
 * IOMMU setting together; its name is what a mode spec, a selector
 * (mode=force) and the report use.
 */
enum bl_mode_id {
	BL_MODE_DEFAULT,  /* no swiotlb= option: a pool when RAM needs one, bounce only when a device must */
	BL_MODE_FORCE,	  /* swiotlb=force: every streaming mapping bounces */
	BL_MODE_NOFORCE,  /* swiotlb=noforce: no pool at all (the baseline) */
	BL_MODE_IOMMU,	  /* an IOMMU translates (emulated Intel IOMMU, intel_iommu=on) */
	BL_MODE_IOMMU_PT, /* the same in passthrough (iommu=pt) */
	BL_MODE_XEN_PV,	  /* the kernel is Xen's PV dom0, no swiotlb= option: xen-swiotlb decides */
	BL_MODE_XEN_PV_FORCE, /* the same with swiotlb=force on dom0's command line */
	BL_MODE_COUNT,
};

struct bl_mode_info {
	enum bl_mode_id id;
	const char *name;	 /* "force": mode specs, selectors, tables */
	const char *swiotlb;	 /* the document's dma.swiotlb in this mode */
	const char *iommu;	 /* the document's dma.iommu in this mode: off|on|pt */
	const char *cmdline;	 /* the kernel command line words ("" for none) */
	bool emulated_iommu;	 /* the machine needs an IOMMU device */
	const char *hypervisor;	 /* NULL: bare metal (or a plain QEMU guest); "xen-pv": the
				    kernel runs as Xen's PV dom0 (bl_hypervisor_key's form) */
	const char *matrix_balloon; /* the default matrix also boots this row ballooned:
				       its mode key ("xen-pv:balloon=1536M", bl_mode_key's
				       spelling, a lab mode spec); NULL: it does not */
	const char *description; /* one line for --help and the report */
};

/* Indexed by enum bl_mode_id. */
extern const struct bl_mode_info bl_modes[BL_MODE_COUNT];

/* The mode every other mode is compared against: no pool, nothing bounces. */
#define BL_MODE_BASELINE "noforce"

/* The mode called @name, NULL when there is none. */
const struct bl_mode_info *bl_mode_find(const char *name);

/*
 * The mode a run was in, from its document's dma.swiotlb and dma.iommu and
 * the hypervisor it ran under (bl_hypervisor_key(): "xen-pv", or NULL on
 * bare metal): a hypervisor picks among its own rows only, so a Xen dom0
 * is never pooled with a bare `default` boot ("?" when the table has no row
 * for that hypervisor); else an IOMMU that translates wins ("iommu",
 * "iommu-pt"), else the swiotlb= mode; "?" when the run does not say.
 */
const char *bl_mode_of(const char *swiotlb, const char *iommu, const char *hypervisor);

/*
 * The hypervisor as a mode key, from a document's hypervisor.type and
 * hypervisor.guest_type: "xen-pv", "xen-pvh", "xen-hvm" (lower case,
 * type-guest_type), "xen" when the guest type is unknown; NULL when @type
 * is NULL or empty (no hypervisor). Written into @buf.
 */
const char *bl_hypervisor_key(const char *type, const char *guest_type, char *buf, size_t len);

/*
 * The mode key of a run: bl_mode_of()'s name, with ":balloon=SIZE" when
 * the testbed ballooned @balloon_bytes (> 0) before the job ("xen-pv:
 * balloon=1536M", the lab's mode spec), so a ballooned boot is never pooled
 * with a plain one. Written into @buf, returned.
 */
const char *bl_mode_key(const char *swiotlb, const char *iommu, const char *hypervisor, int64_t balloon_bytes,
			char *buf, size_t len);

/* 16M, 1G, 512K: the shortest exact form of @bytes (mode specs, file names). */
void bl_size_short(uint64_t bytes, char *buf, size_t len);

/*
 * Position of @name in the table (for sorting); BL_MODE_COUNT when unknown.
 * A key with options ("xen-pv:balloon=1536M") is unknown here: it is not
 * one of the table's rows.
 */
int bl_mode_rank(const char *name);

/*
 * The default matrix's mode keys, in the table's order: every row, each row
 * with a matrix_balloon followed by it. Into @out (static strings); returns
 * the count, at most BL_MODE_MATRIX_MAX.
 */
#define BL_MODE_MATRIX_MAX (2 * BL_MODE_COUNT)
size_t bl_mode_matrix(const char *out[BL_MODE_MATRIX_MAX]);

/* Writes "default, force, noforce, iommu, ..." into @buf: for messages and --help. */
void bl_mode_names(char *buf, size_t len);

#endif
