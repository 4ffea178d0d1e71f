/*
 * The pure part of `bouncelab lab`: what the user asked for and what it
 * turns into, with no side effects, so the unit tests can pin it down.
 *
 *  - mode specs ("force", "force:pool=16M", "default:pool=1G") -> a DMA boot
 *    mode and an optional SWIOTLB pool size;
 *  - comma lists of kernel series and modes (--kernels, --modes);
 *  - per mode: the kernel command line and the QEMU argument vector, per
 *    guest clock (icount or wall);
 *  - the order of the boots (kernels x modes x rounds, interleaved) and
 *    each boot's folder name;
 *  - the QEMU version out of `qemu-system-x86_64 --version`.
 *
 * What a mode is called, what the document calls its swiotlb and iommu, and
 * its kernel command line words come from lib/dmamode.h's one table
 * (bl_modes); this file adds only what is QEMU's (the machine, the IOMMU
 * device, where it goes) and the pool size.
 *
 * Xen modes (bl_modes[].hypervisor "xen-pv"): QEMU boots Xen (-kernel, a
 * multiboot ELF) with the Debian kernel as dom0 (the first -initrd module,
 * with its command line) and the initramfs (the second); an optional
 * balloon=SIZE (xen-pv:balloon=1536M) has the guest give SIZE back to Xen
 * and take it back before the job (testbed/guest-balloon.sh), which
 * scatters dom0's pseudo-physical frames over machine memory.
 *
 * SWIOTLB sizes: the kernel counts its pool in 2 KiB slots (IO_TLB_SHIFT 11)
 * and rounds it up to whole segments of 128 slots (256 KiB), so a pool size
 * must be a multiple of 256 KiB; swiotlb=N takes the slot count.
 */
#ifndef BL_LAB_SPEC_H
#define BL_LAB_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmamode.h"

/*
 * The machine every mode boots, so that only the DMA mode differs, and the
 * IOMMU device the modes with an emulated IOMMU (bl_modes[].emulated_iommu)
 * add before it. iommu_platform=on: virtio-gpu goes through the DMA API
 * (and so through SWIOTLB or the IOMMU) like a real device.
 */
#define LAB_QEMU_MACHINE      "q35"
#define LAB_QEMU_GPU_DEVICE   "virtio-gpu-pci,iommu_platform=on"
#define LAB_QEMU_IOMMU_DEVICE "intel-iommu"

/*
 * The guest clocks. icount: one thread runs every vCPU and the guest clock
 * advances 1 ns per guest instruction (2^shift ns with shift 0), whatever
 * the host does; sleep=off lets an idle guest's clock jump ahead instead of
 * waiting in real time (so a guest `sleep` takes no wall time). Times become
 * an instruction cost model, comparable from boot to boot; a boot takes
 * ~2.5x longer. wall: multi-threaded TCG on the host's clock, faster, but
 * its times move with the host's load. KVM always runs on the wall clock.
 */
enum lab_clock {
	LAB_CLOCK_AUTO,	  /* icount under TCG, wall under KVM (the default) */
	LAB_CLOCK_ICOUNT, /* -accel tcg,thread=single -icount shift=0,sleep=off */
	LAB_CLOCK_WALL,	  /* -accel tcg,thread=multi (or kvm) */
};

#define LAB_ICOUNT_SHIFT       0 /* guest ns per instruction = 2^shift */
#define LAB_QEMU_ACCEL_ICOUNT  "tcg,thread=single"
#define LAB_QEMU_ICOUNT	       "shift=0,sleep=off"
#define LAB_QEMU_ACCEL_WALL    "tcg,thread=multi"

/* "icount" or "wall" (LAB_CLOCK_AUTO: "auto"). */
const char *lab_clock_name(enum lab_clock clock);

/* Parses "icount" or "wall". 0 or -EINVAL; *clock untouched on error. */
int lab_clock_parse(const char *s, enum lab_clock *clock);

/*
 * Xen under TCG: -cpu max crashes dom0 early (domain_crash_sync in
 * create_bounce_frame), qemu64 works (XEN-NOTES.md). The machine gets
 * dom0's memory (--mem) plus this much for Xen's own heap and the pages a
 * balloon gives back (4096/3072 and 7168/6144 checked).
 */
#define LAB_XEN_CPU	     "qemu64"
#define LAB_XEN_HEADROOM_MIB 1024u
/*
 * Every boot of a configuration lays the kernel and processes out the same
 * way: nokaslr (the kernel's physical and virtual place, and so which
 * physical memory is free and in what order) and norandmaps (a process's
 * mappings, and so its page tables). On the icount clock time is
 * instructions, and with randomised layouts two boots of one configuration
 * ran the same rows in different states: in four A/A boots, 9 of
 * create-vgem's 13 rows spread by more than 1 % between boots, 5 with these
 * words, none once the job also compacted memory before each row (gembench
 * job key compact; issue 12, the closing note has the runs).
 */
#define LAB_CMDLINE_SAME_LAYOUT "nokaslr norandmaps"
/* Xen's console is com1 (ttyS0, our stdout): dom0 writes to hvc0 instead. */
#define LAB_XEN_CMDLINE_BASE "console=hvc0 quiet panic=-1 " LAB_CMDLINE_SAME_LAYOUT
/* The word guest-init.sh reads the balloon size from (/proc/cmdline). */
#define LAB_BALLOON_WORD "bouncelab.balloon="
#define LAB_BALLOON_ALIGN 4096u /* the balloon driver works in pages */

#define LAB_SLOT_BYTES	  2048u		/* one SWIOTLB slot */
#define LAB_SEGMENT_BYTES (128u * 2048u) /* the kernel's rounding unit */
#define LAB_AREAS_MAX	  1024u		/* the kernel rounds areas up to a power of 2 */

struct lab_mode {
	enum bl_mode_id id;  /* the row of lib/dmamode.h's bl_modes */
	uint64_t pool_bytes; /* 0: the kernel's default pool */
	uint64_t balloon_bytes; /* Xen modes: given back to Xen and taken back before the job; 0 none */
	unsigned areas;	     /* swiotlb=<slots>,<areas>; 0: the kernel's default */
	char spec[64];	     /* canonical spec, e.g. "force:pool=16M", "xen-pv:balloon=1536M" */
	char slug[64];	     /* the same for file names, e.g. "force-pool16M", "xen-pv-balloon1536M" */
};

/*
 * Parses one mode spec "NAME[:OPTION]...", NAME a mode of bl_modes, each
 * OPTION given once:
 *   pool=SIZE     SIZE as lib/units.h's bl_parse_size() reads it ("16M",
 *                 "1GiB", "512K"), not zero, a multiple of 256 KiB (whole
 *                 SWIOTLB segments), at most 2^32 slots; not on noforce
 *                 (no pool) nor on Xen modes (whether xen-swiotlb honours
 *                 swiotlb=N is not measured);
 *   areas=N       with pool= only: N (1 to LAB_AREAS_MAX) SWIOTLB areas, each
 *                 with its own lock (bouncelab pool --areas);
 *   balloon=SIZE  Xen modes only; not zero, a multiple of 4 KiB. Whether
 *                 it fits dom0's memory is lab_config_check()'s question.
 * On error returns -EINVAL and writes a message naming the bad part into err.
 */
int lab_mode_parse(const char *s, struct lab_mode *m, char *err, size_t errlen);

/* The mode @id with the kernel's default pool (spec and slug = its name). */
void lab_mode_init(struct lab_mode *m, enum bl_mode_id id);

/*
 * Kernel command line for a mode: console=ttyS0 etc., then the table's
 * words, with the pool's slot count merged into its swiotlb= word (or a
 * swiotlb=<slots> of its own when the mode has none). 0 or -ENOSPC.
 */
int lab_mode_cmdline(const struct lab_mode *m, char *buf, size_t len);

/* Whether @m boots under Xen (its table row has a hypervisor). */
bool lab_mode_is_xen(const struct lab_mode *m);

/*
 * Xen's own command line for a dom0 of @dom0_mib MiB: "console=com1
 * dom0_mem=<M>M,max:<M>M". No `noreboot`: with it a dom0 crash hangs the
 * machine instead of ending QEMU (-no-reboot). 0 or -ENOSPC.
 */
int lab_xen_cmdline(unsigned dom0_mib, char *buf, size_t len);

/*
 * QEMU's multiboot -initrd splits modules on ',' and a module's path from
 * its command line on the first ' ': a path holding either cannot be
 * passed. True when @path can.
 */
bool lab_xen_path_ok(const char *path);

/*
 * A comma-separated list split into at most @max items (empty items and
 * duplicates refused, with the bad item named in err). The items point into
 * @buf, which the caller owns and this modifies. Returns the count or -EINVAL.
 */
int lab_list_split(char *buf, char **items, size_t max, const char *what, char *err, size_t errlen);

/* A kernel series is digits separated by single dots ("6.1", "6.12"). */
bool lab_series_valid(const char *s);

/* What one boot needs to become a QEMU command line. */
struct lab_qemu_cfg {
	const char *qemu;	  /* the emulator binary */
	const char *kernel;	  /* vmlinuz (dom0's in Xen modes) */
	const char *xen;	  /* Xen modes: the hypervisor ELF (-kernel); NULL otherwise */
	const char *initrd;
	const char *channel_path; /* host file behind the guest's /dev/ttyS1 */
	const struct lab_mode *mode;
	unsigned mem_mib;	  /* guest RAM; dom0's in Xen modes (QEMU gets LAB_XEN_HEADROOM_MIB more) */
	unsigned smp;
	bool kvm;
	enum lab_clock clock; /* ICOUNT or WALL (AUTO: icount under TCG, wall under KVM) */
};

/* A NULL-terminated argument vector whose strings it owns. */
struct lab_argv {
	char **v;
	size_t n, cap;
};

/*
 * Builds the QEMU argv for cfg (the console is QEMU's stdout). 0 or -errno;
 * -EINVAL for KVM with the icount clock (icount is TCG's), for a Xen mode
 * with KVM or without cfg->xen, and for a Xen mode whose vmlinuz or initrd
 * path fails lab_xen_path_ok().
 */
int lab_qemu_argv(const struct lab_qemu_cfg *cfg, struct lab_argv *out);
int lab_argv_push(struct lab_argv *a, const char *s);
void lab_argv_free(struct lab_argv *a);

/*
 * The QEMU version out of `qemu-system-x86_64 --version`'s first line
 * ("QEMU emulator version 7.2.22 (Debian ...)" -> "7.2.22"). 0, or -EINVAL
 * when the text holds no version (buf is then "").
 */
int lab_qemu_version_parse(const char *text, char *buf, size_t len);

/*
 * The order of the boots: boot @i of nkernels x nmodes x boots runs
 * kernel *ki in mode *mi for the *round-th time (0-based). Rounds are
 * interleaved, every kernel x mode once per round (A B A B, never A A B B),
 * so that whatever drifts during a run (the host's load, its temperature)
 * reaches every configuration alike. @i < nkernels * nmodes * boots.
 */
void lab_boot_order(size_t nkernels, size_t nmodes, unsigned boots, size_t i, size_t *ki, size_t *mi,
		    unsigned *round);

/*
 * A boot's folder name: "<series>-<mode slug>" when the configuration is
 * booted once (boots == 1, as before rounds existed), else with
 * "-boot<round>" appended (round 0-based, as testbed.boot_index).
 * 0 or -ENAMETOOLONG.
 */
int lab_boot_dirname(const char *series, const struct lab_mode *m, unsigned round, unsigned boots, char *buf,
		     size_t len);

#endif
