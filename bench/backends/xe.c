/*
 * The xe backend: gembench's buffers as xe GEM objects, driven through xe's
 * own uAPI (wrappers in xe_ioctl.c; GEM_CLOSE, PRIME and mmap(2) in the
 * shared drm_ioctl.c) along the paths where xe maps pages for DMA, which is
 * where SWIOTLB bounces:
 *
 *   create    GEM_CREATE in the job's placement (the device spec's suffix):
 *             system memory WB (default) or WC, or VRAM (WC, discrete only);
 *             xe allocates no pages yet;
 *   populate  VM_BIND MAP of the whole object into the backend's VM, waited,
 *             then UNMAP, waited: validating the object for the bind
 *             populates its TTM pages and DMA-maps them (xe_tt_map_sg ->
 *             dma_map_sgtable), the xe counterpart of i915's get_pages;
 *   bind      "exec": the same MAP, an EXEC of a batch holding only
 *             MI_BATCH_BUFFER_END on a render (else copy) engine queue,
 *             waited, then UNMAP: the submission path, where a device has
 *             such an engine;
 *   mmap      GEM_MMAP_OFFSET + mmap(2); the caching is the object's
 *             cpu_caching, fixed at creation, hence the placement spec;
 *   userptr   VM_BIND MAP_USERPTR of the caller's memory at its own GPU
 *             address: xe has no userptr objects, the binding pins the user
 *             pages and DMA-maps them, so the binding is the buffer and
 *             bo_destroy unbinds it;
 *   PRIME     export (xe -> vgem, ...) and import (udmabuf -> xe). xe
 *             attaches a foreign dma-buf dynamically and maps it when the
 *             object is validated, so the import hook binds and unbinds it
 *             (as populate does): the mapping is inside the measured import.
 *
 * Every bind and exec is asynchronous in xe (since 6.8) and signals the
 * backend's one sync object, waited for at once, so an operation's time
 * includes the page-table update and the unmap.
 *
 * Device facts come from DEVICE_QUERY (config, memory regions, GT list,
 * engines: xe_query.c) and one VM_CREATE in fault mode (has_usm); every
 * bind uses the PAT index probed to be CPU-coherent for WB; every feature is
 * probed once in open() on an object of the job's placement and the answer
 * cached: probe() replays it, describe() lists what this kernel refused.
 * Refusals (-ENODEV, -EINVAL, -EOPNOTSUPP, -ENOTTY) skip the variant with
 * the reason; -ECANCELED (a banned queue or a wedged device) and an -EIO
 * while the exec queue is banned stop the job (fatal()).
 */
#include "xe.h"

#include "drm_node.h"
#include "gem_refs.h"
#include "drmdev.h"
#include "touch.h"
#include "xe_ioctl.h"
#include "xe_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define XE_PAGE 4096ull
#define XE_USERPTR_ALIGN (2ull << 20) /* userptr bindings start on 2 MiB GPU pages */

static const char *const placement_names[XE_PLACE_COUNT] = {
	[XE_PLACE_SYS_WB] = "sys-wb",
	[XE_PLACE_SYS_WC] = "sys-wc",
	[XE_PLACE_VRAM] = "vram",
};

const char *xe_placement_name(enum xe_placement place)
{
	return (unsigned)place < XE_PLACE_COUNT ? placement_names[place] : NULL;
}

static struct xe_priv *priv_of(struct gb_dev *dev)
{
	return dev->priv;
}

static uint64_t align_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

void xe_set_why(struct gb_probe_answer *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gb_probe_answer_vset(r, "xe",
			     err == -EIO || err == -ECANCELED ? " (GPU wedged or exec queue banned?)" : "",
			     err, fmt, ap);
	va_end(ap);
}

/* --- handle accounting ---------------------------------------------------- */

static struct gem_ref *ref_find(struct xe_priv *p, uint32_t handle)
{
	return gem_refs_find(&p->refs, handle);
}

/* @page: the handle's region page, the alignment of its binds */
static int ref_get(struct xe_priv *p, uint32_t handle, uint32_t page)
{
	return gem_refs_get(&p->refs, handle, page);
}

/* Drops one reference; closes the handle with the last one. */
static int ref_put(struct gb_dev *dev, uint32_t handle)
{
	return gem_refs_put(&priv_of(dev)->refs, handle) ? __gem_close(dev->fd, handle) : 0;
}

/* --- objects, binds, submission ------------------------------------------- */

static const struct xe_region *placement_region(const struct xe_priv *p)
{
	return p->placement == XE_PLACE_VRAM ? &p->vram : &p->sys;
}

/* GEM_CREATE in the job's placement; *size rounds up to the region's page size. */
static int create_object(struct gb_dev *dev, struct xe_priv *p, uint64_t *size, uint32_t *handle)
{
	const struct xe_region *r = placement_region(p);
	uint64_t sz = align_up(*size, r->min_page_size);
	uint16_t caching = p->placement == XE_PLACE_SYS_WB ? DRM_XE_GEM_CPU_CACHING_WB
							   : DRM_XE_GEM_CPU_CACHING_WC;
	/*
	 * VRAM objects are mapped by the CPU (mmap workload, integrity): on a
	 * small-BAR card only the CPU-visible part can be, so ask for it (a
	 * no-op with a full BAR; xe refuses the flag without VRAM placement).
	 */
	uint32_t flags = p->placement == XE_PLACE_VRAM ? DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM
						       : 0;
	int err;

	err = xe_gem_create(dev->fd, sz, 1u << r->instance, flags, caching, handle);
	if (err)
		return err;
	*size = sz;
	return 0;
}

/* One VM_BIND operation, waited for: the kernel's work is done when this returns 0. */
static int bind_sync(struct gb_dev *dev, struct xe_priv *p, uint32_t op, uint32_t obj,
		     uint64_t obj_offset, uint64_t addr, uint64_t range)
{
	int err = xe_vm_bind(dev->fd, p->vm, op, obj, obj_offset, addr, range, p->pat_index,
			     p->syncobj);

	return err ? err : syncobj_wait(dev->fd, p->syncobj);
}

/*
 * MAP @handle's @range bytes at XE_SCRATCH_ADDR, optionally run the batch
 * while it is mapped, UNMAP: one complete DMA-map/unmap cycle. The UNMAP
 * runs whenever the MAP was accepted, so no binding outlives the call (the
 * next one reuses the address); the first error is returned.
 */
static int map_cycle(struct gb_dev *dev, struct xe_priv *p, uint32_t handle, uint64_t range,
		     bool exec)
{
	int err, err2;

	err = xe_vm_bind(dev->fd, p->vm, DRM_XE_VM_BIND_OP_MAP, handle, 0, XE_SCRATCH_ADDR, range,
			 p->pat_index, p->syncobj);
	if (err)
		return err;
	err = syncobj_wait(dev->fd, p->syncobj);
	if (!err && exec) {
		err = xe_exec(dev->fd, p->queue, XE_BATCH_ADDR, p->syncobj);
		if (!err)
			err = syncobj_wait(dev->fd, p->syncobj);
	}
	err2 = bind_sync(dev, p, DRM_XE_VM_BIND_OP_UNMAP, 0, 0, XE_SCRATCH_ADDR, range);
	return err ? err : err2;
}

/*
 * The range a MAP of @bo covers: its size, rounded to its region's pages
 * (the job's placement for our objects, system memory for foreign imports,
 * which xe keeps in TT).
 */
static uint64_t bind_range(struct xe_priv *p, const struct gb_bo *bo)
{
	const struct gem_ref *r = ref_find(p, bo->handle);

	return align_up(bo->size, r ? r->tag : placement_region(p)->min_page_size);
}

/*
 * Splits @spec into the node part and a placement suffix (":sys-wc",
 * ":vram"); no suffix is system memory WB. -EINVAL for an unknown suffix
 * after a name ("xe:vram-wb"); a path keeps its colons
 * (/dev/dri/by-path/pci-0000:03:00.0-render) unless it ends in a placement.
 */
static int parse_spec(struct gb_dev *dev, const char *spec, char *node, size_t node_len,
		      enum xe_placement *place)
{
	const char *colon = spec ? strrchr(spec, ':') : NULL;

	*place = XE_PLACE_SYS_WB;
	snprintf(node, node_len, "%s", spec ? spec : "");
	if (!colon)
		return 0;
	for (unsigned i = 0; i < XE_PLACE_COUNT; i++) {
		if (!strcmp(colon + 1, placement_names[i])) {
			*place = i;
			node[colon - spec < (ptrdiff_t)node_len ? colon - spec : 0] = '\0';
			return 0;
		}
	}
	if (strchr(spec, '/'))
		return 0;
	snprintf(dev->why, sizeof(dev->why),
		 "xe: unknown placement '%.64s' in device '%.64s' (sys-wb, sys-wc, vram)", colon + 1,
		 spec);
	return -EINVAL;
}

/*
 * The PAT index every bind uses: the first of 0, 3, 2 that xe accepts for
 * a WB system-memory object. xe refuses (-EINVAL) an index without CPU
 * coherency for WB objects, userptr and foreign dma-bufs, and the coherent
 * WB entry is 0 before Meteor Lake (every WB entry counts as 1-way
 * there), 3 on Meteor Lake and Arrow Lake, 2 on Xe2 (Lunar Lake,
 * Battlemage) - IGT's intel_get_pat_idx_wb(). Asking the kernel rather than
 * a table keeps working on devices the table would not know.
 */
static void probe_pat(struct gb_dev *dev, struct xe_priv *p)
{
	static const uint16_t candidates[] = { 0, 3, 2 };
	uint32_t handle;
	int err;

	err = xe_gem_create(dev->fd, p->sys.min_page_size, 1u << p->sys.instance, 0,
			    DRM_XE_GEM_CPU_CACHING_WB, &handle);
	if (err) {
		xe_set_why(&p->vm_probe, err, "GEM_CREATE sys-wb (PAT probe)");
		return;
	}
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		p->pat_index = candidates[i];
		err = map_cycle(dev, p, handle, p->sys.min_page_size, false);
		if (err != -EINVAL)
			break;
	}
	xe_set_why(&p->vm_probe, err, "VM_BIND of a WB object with PAT index 0, 3 or 2");
	gem_close(dev->fd, handle);
}

/*
 * What every bind needs: the sync object and the VM. Their refusal is not
 * the job's end: the features that bind are skipped with it.
 */
static void setup_vm(struct gb_dev *dev, struct xe_priv *p)
{
	uint32_t usm_vm;
	int err;

	err = syncobj_create(dev->fd, &p->syncobj);
	if (err) {
		xe_set_why(&p->vm_probe, err, "SYNCOBJ_CREATE");
		return;
	}
	err = xe_vm_create(dev->fd, 0, &p->vm);
	xe_set_why(&p->vm_probe, err, "VM_CREATE");
	if (!err)
		probe_pat(dev, p);

	/* IGT's xe_supports_faults(): a fault-mode VM exists only where the GT has USM. */
	err = xe_vm_create(dev->fd, DRM_XE_VM_CREATE_FLAG_LR_MODE | DRM_XE_VM_CREATE_FLAG_FAULT_MODE,
			   &usm_vm);
	p->has_usm = !err ? 1 : err == -EINVAL ? 0 : -1;
	if (!err)
		xe_vm_destroy(dev->fd, usm_vm);
}

/*
 * The exec variant's batch (MI_BATCH_BUFFER_END, written through a CPU
 * mapping, bound at XE_BATCH_ADDR for the life of the VM) and its queue.
 * The batch lives in system memory whatever the job's placement: it is the
 * same one page on every device.
 */
static int setup_exec(struct gb_dev *dev, struct xe_priv *p)
{
	uint64_t offset;
	void *ptr;
	int err;

	if (!p->have_exec_engine)
		return p->engines_probe.err ? p->engines_probe.err : -ENODEV;
	err = xe_gem_create(dev->fd, p->sys.min_page_size, 1u << p->sys.instance, 0,
			    DRM_XE_GEM_CPU_CACHING_WB, &p->batch);
	if (err)
		return err;
	err = xe_gem_mmap_offset(dev->fd, p->batch, &offset);
	if (err)
		return err;
	err = __drm_mmap(dev->fd, offset, p->sys.min_page_size, &ptr);
	if (err)
		return err;
	*(volatile uint32_t *)ptr = XE_MI_BATCH_BUFFER_END;
	__drm_munmap(ptr, p->sys.min_page_size);
	err = bind_sync(dev, p, DRM_XE_VM_BIND_OP_MAP, p->batch, 0, XE_BATCH_ADDR,
			p->sys.min_page_size);
	if (err)
		return err;
	return xe_exec_queue_create(dev->fd, p->vm, &p->exec_engine, &p->queue);
}

/* mmap of the probe object, touched with SIGBUS caught, unmapped. */
static int probe_mmap(struct gb_dev *dev, uint32_t handle, uint64_t size)
{
	uint64_t offset;
	void *ptr;
	int err;

	err = xe_gem_mmap_offset(dev->fd, handle, &offset);
	if (err)
		return err;
	err = __drm_mmap(dev->fd, offset, size, &ptr);
	if (err)
		return err;
	err = gb_touch_catching_sigbus(ptr);
	__drm_munmap(ptr, size);
	return err;
}

/* MAP_USERPTR of one anonymous page, then UNMAP (whenever the MAP was accepted). */
static int probe_userptr(struct gb_dev *dev, struct xe_priv *p)
{
	void *page = mmap(NULL, XE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err, err2;

	if (page == MAP_FAILED)
		return -errno;
	*(volatile char *)page = 1; /* resident: xe pins what is there */
	err = xe_vm_bind(dev->fd, p->vm, DRM_XE_VM_BIND_OP_MAP_USERPTR, 0, (uintptr_t)page,
			 p->next_userptr, XE_PAGE, p->pat_index, p->syncobj);
	if (!err) {
		err = syncobj_wait(dev->fd, p->syncobj);
		err2 = bind_sync(dev, p, DRM_XE_VM_BIND_OP_UNMAP, 0, 0, p->next_userptr, XE_PAGE);
		err = err ? err : err2;
	}
	munmap(page, XE_PAGE);
	return err;
}

/* PRIME_HANDLE_TO_FD and back: the self-import returns the same handle. */
static void probe_prime(struct gb_dev *dev, struct xe_priv *p, uint32_t handle)
{
	uint32_t back;
	int dmabuf, err;

	err = __prime_handle_to_fd(dev->fd, handle, &dmabuf);
	xe_set_why(&p->probes[GB_FEAT_EXPORT][0], err, "PRIME_HANDLE_TO_FD");
	if (err) {
		p->probes[GB_FEAT_IMPORT][0] = p->probes[GB_FEAT_EXPORT][0];
		return;
	}
	err = __prime_fd_to_handle(dev->fd, dmabuf, &back);
	xe_set_why(&p->probes[GB_FEAT_IMPORT][0], err, "PRIME_FD_TO_HANDLE");
	if (!err && back != handle)
		gem_close(dev->fd, back); /* not ours to keep: the object stays with @handle */
	close(dmabuf);
	if (!err && p->vm_probe.err)
		p->probes[GB_FEAT_IMPORT][0] = p->vm_probe; /* a foreign import is mapped by a bind */
}

static int probe_features(struct gb_dev *dev, struct xe_priv *p)
{
	struct gb_probe_answer *create = &p->probes[GB_FEAT_CREATE][0];
	uint64_t size = XE_PAGE;
	uint32_t handle;
	int err;

	err = create_object(dev, p, &size, &handle);
	xe_set_why(create, err, "GEM_CREATE %s %llu bytes", placement_names[p->placement],
		(unsigned long long)size);
	if (err) {
		if (!gb_err_unsupported(err))
			return err;
		/* Nothing works without an object: every feature is skipped with that reason. */
		for (int f = 0; f < GB_FEAT_COUNT; f++)
			for (int v = 0; v < XE_MAX_VARIANTS; v++)
				p->probes[f][v] = *create;
		return 0;
	}

	xe_set_why(&p->probes[GB_FEAT_MMAP][0], probe_mmap(dev, handle, size),
		"GEM_MMAP_OFFSET + mmap");

	if (p->vm_probe.err) {
		p->probes[GB_FEAT_POPULATE][0] = p->vm_probe;
		p->probes[GB_FEAT_BIND][XE_BIND_EXEC] = p->vm_probe;
		p->probes[GB_FEAT_USERPTR][0] = p->vm_probe;
	} else {
		xe_set_why(&p->probes[GB_FEAT_POPULATE][0], map_cycle(dev, p, handle, size, false),
			"VM_BIND MAP + UNMAP");
		err = setup_exec(dev, p);
		if (!err)
			err = map_cycle(dev, p, handle, size, true);
		xe_set_why(&p->probes[GB_FEAT_BIND][XE_BIND_EXEC], err,
			"%s", !p->have_exec_engine ? "no render or copy engine"
			      : !p->queue ? "batch + EXEC_QUEUE_CREATE"
					  : "EXEC (MI_BATCH_BUFFER_END)");
		xe_set_why(&p->probes[GB_FEAT_USERPTR][0], probe_userptr(dev, p),
			"VM_BIND MAP_USERPTR");
	}
	probe_prime(dev, p, handle);
	gem_close(dev->fd, handle);
	return 0;
}

static void xe_close(struct gb_dev *dev)
{
	struct xe_priv *p = priv_of(dev);

	if (p && dev->fd >= 0) {
		/* In reverse order of making; destroying the VM unbinds whatever is left. */
		if (p->queue)
			xe_exec_queue_destroy(dev->fd, p->queue);
		if (p->vm)
			xe_vm_destroy(dev->fd, p->vm);
		if (p->batch)
			gem_close(dev->fd, p->batch);
		if (p->syncobj)
			syncobj_destroy(dev->fd, p->syncobj);
	}
	if (p) {
		gem_refs_free(&p->refs);
		free(p);
		dev->priv = NULL;
	}
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

static int xe_open(struct gb_dev *dev, const char *spec)
{
	struct xe_priv *p;
	char node[256];
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->has_usm = -1;
	p->next_userptr = XE_USERPTR_BASE;
	dev->fd = -1;

	err = parse_spec(dev, spec, node, sizeof(node), &p->placement);
	if (err)
		goto err_free;
	if (!node[0] || !strcmp(node, "xe"))
		err = gb_drm_node_find(dev, "xe");
	else if (strchr(node, '/'))
		err = gb_drm_node_open(dev, node, "xe");
	else {
		/* another driver's name: this backend drives xe only */
		snprintf(dev->why, sizeof(dev->why),
			 "the xe backend drives xe only ('%.64s': --backend i915 or dumb)", node);
		err = -ENODEV;
	}
	if (err)
		goto err_free;
	dev->priv = p;

	err = xe_query_device(dev, p);
	if (err)
		goto err_close;
	if (p->placement == XE_PLACE_VRAM && !p->vram.present) {
		snprintf(dev->why, sizeof(dev->why),
			 "xe: placement vram: device 0x%04x is integrated, it has no VRAM region",
			 p->device_id);
		err = -ENODEV;
		goto err_close;
	}
	setup_vm(dev, p);
	err = probe_features(dev, p);
	if (err)
		goto err_close;
	return 0;

err_close:
	xe_close(dev);
	return err;
err_free:
	free(p);
	return err;
}

/* --- hooks ---------------------------------------------------------------- */

static int xe_probe(struct gb_dev *dev, enum gb_feature feat, unsigned variant, char *why,
		    size_t why_len)
{
	struct xe_priv *p = priv_of(dev);

	if ((unsigned)feat >= GB_FEAT_COUNT || variant >= XE_MAX_VARIANTS)
		return -EINVAL;
	return gb_probe_answer_get(&p->probes[feat][variant], why, why_len);
}

/*
 * xe answers -ECANCELED for a banned exec queue or a wedged device: fatal.
 * -EIO is fatal only when our queue is banned (or the device refuses even
 * to say): an import whose DMA mapping SWIOTLB refused is -EIO too, and
 * that is a result to count.
 */
static bool xe_fatal(struct gb_dev *dev, int err)
{
	struct xe_priv *p = priv_of(dev);
	bool banned = false;
	int qerr;

	if (err == -ECANCELED)
		return true;
	if (err != -EIO || !p->queue)
		return false;
	qerr = xe_exec_queue_banned(dev->fd, p->queue, &banned);
	return qerr == -ECANCELED || qerr == -EIO || (!qerr && banned);
}

/* Makes a new GEM @handle the backend's @bo; on failure closes it, so the caller owns nothing. */
static int adopt_handle(struct gb_dev *dev, struct xe_priv *p, uint32_t handle, uint64_t size,
			struct gb_bo *bo)
{
	int err = ref_get(p, handle, placement_region(p)->min_page_size);

	if (err) {
		gem_close(dev->fd, handle);
		return err;
	}
	bo->size = size;
	bo->handle = handle;
	bo->fd = -1;
	bo->priv = NULL;
	return 0;
}

static int xe_bo_create(struct gb_dev *dev, uint64_t size, struct gb_bo *bo)
{
	struct xe_priv *p = priv_of(dev);
	uint32_t handle;
	int err;

	err = create_object(dev, p, &size, &handle);
	if (err)
		return err;
	return adopt_handle(dev, p, handle, size, bo);
}

static int xe_bo_destroy(struct gb_dev *dev, struct gb_bo *bo)
{
	struct xe_priv *p = priv_of(dev);
	struct xe_userptr *u = bo->priv;
	int err = 0;

	if (u) {
		err = bind_sync(dev, p, DRM_XE_VM_BIND_OP_UNMAP, 0, 0, u->addr, u->range);
		free(u);
		bo->priv = NULL;
	}
	if (bo->fd >= 0 && close(bo->fd) && !err)
		err = -errno;
	bo->fd = -1;
	if (bo->handle) {
		int e = ref_put(dev, bo->handle);

		err = err ? err : e;
		bo->handle = 0;
	}
	return err;
}

static int xe_bo_populate(struct gb_dev *dev, struct gb_bo *bo, unsigned variant)
{
	/* A userptr buffer is its MAP_USERPTR binding: its pages were pinned and mapped then. */
	if (bo->priv)
		return 0;
	return map_cycle(dev, priv_of(dev), bo->handle, bind_range(priv_of(dev), bo), false);
}

static int xe_bo_bind(struct gb_dev *dev, struct gb_bo *bo, unsigned variant)
{
	struct xe_priv *p = priv_of(dev);
	int err;

	if (variant != XE_BIND_EXEC || !p->queue)
		return -EINVAL;
	if (!bo->priv)
		return map_cycle(dev, p, bo->handle, bind_range(p, bo), true);
	/* userptr: bound already, at its own address; the batch runs with it mapped */
	err = xe_exec(dev->fd, p->queue, XE_BATCH_ADDR, p->syncobj);
	return err ? err : syncobj_wait(dev->fd, p->syncobj);
}

static int xe_bo_mmap(struct gb_dev *dev, struct gb_bo *bo, unsigned variant, void **ptr)
{
	uint64_t offset;
	int err;

	if (bo->priv)
		return -EOPNOTSUPP; /* userptr: the caller has the memory already */
	err = xe_gem_mmap_offset(dev->fd, bo->handle, &offset);
	if (err)
		return err;
	return __drm_mmap(dev->fd, offset, bo->size, ptr);
}

static int xe_bo_munmap(struct gb_dev *dev, struct gb_bo *bo, void *ptr)
{
	return __drm_munmap(ptr, bo->size);
}

static int xe_bo_export(struct gb_dev *dev, struct gb_bo *bo, int *fd)
{
	if (bo->priv)
		return -EOPNOTSUPP; /* a binding, not an object: nothing to export */
	return __prime_handle_to_fd(dev->fd, bo->handle, fd);
}

/*
 * A foreign dma-buf: xe_gem_prime_import() attaches dynamically, and
 * dma_buf_map_attachment() runs when the object is validated for a bind.
 * Bind and unbind it now, inside the measured import. A self-import (our
 * own handle back) is the same object: nothing to map.
 */
static int xe_bo_import(struct gb_dev *dev, int fd, uint64_t size, struct gb_bo *bo)
{
	struct xe_priv *p = priv_of(dev);
	bool ours;
	uint32_t handle;
	int err;

	err = __prime_fd_to_handle(dev->fd, fd, &handle);
	if (err)
		return err;
	ours = ref_find(p, handle) != NULL;
	if (!ours) {
		err = map_cycle(dev, p, handle, align_up(size, p->sys.min_page_size), false);
		if (err) {
			gem_close(dev->fd, handle);
			return err;
		}
	}
	err = ref_get(p, handle, p->sys.min_page_size); /* a self-import keeps its own page */
	if (err) {
		if (!ours)
			gem_close(dev->fd, handle);
		return err;
	}
	bo->size = size;
	bo->handle = handle;
	bo->fd = -1;
	bo->priv = NULL;
	return 0;
}

static int xe_bo_userptr(struct gb_dev *dev, void *ptr, uint64_t size, unsigned variant,
			 struct gb_bo *bo)
{
	struct xe_priv *p = priv_of(dev);
	struct xe_userptr *u;
	uint64_t range = align_up(size, XE_PAGE);
	int err;

	if ((uintptr_t)ptr % XE_PAGE)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->addr = p->next_userptr;
	u->range = range;
	err = xe_vm_bind(dev->fd, p->vm, DRM_XE_VM_BIND_OP_MAP_USERPTR, 0, (uintptr_t)ptr, u->addr,
			 range, p->pat_index, p->syncobj);
	if (err) {
		free(u);
		return err;
	}
	err = syncobj_wait(dev->fd, p->syncobj);
	if (err) {
		bind_sync(dev, p, DRM_XE_VM_BIND_OP_UNMAP, 0, 0, u->addr, range);
		free(u);
		return err;
	}
	/* Never reused: a 48-bit VM has room for millions of 64 MiB bindings. */
	p->next_userptr += align_up(range, XE_USERPTR_ALIGN);
	bo->size = size;
	bo->handle = 0;
	bo->fd = -1;
	bo->priv = u;
	return 0;
}

/* --- the ops table -------------------------------------------------------- */

static const struct gb_variant bind_variants[] = {
	{ "exec", XE_BIND_EXEC,
	  "VM_BIND MAP + EXEC of MI_BATCH_BUFFER_END (render, else copy engine) + UNMAP" },
	{ NULL, 0, NULL },
};

const struct gb_backend_ops gb_backend_xe = {
	.name = "xe",
	.abi = GB_BACKEND_ABI,
	.caps = GB_CAP_GEM | GB_CAP_EXPORT | GB_CAP_IMPORT | GB_CAP_MMAP | GB_CAP_POPULATE |
		GB_CAP_USERPTR | GB_CAP_BIND,
	.help = "Intel GPUs through xe's uAPI: VM_BIND, EXEC, MMAP_OFFSET, MAP_USERPTR, PRIME "
		"(device xe[:sys-wb|sys-wc|vram])",
	.variants = {
		[GB_FEAT_BIND] = bind_variants,
	},
	.open = xe_open,
	.close = xe_close,
	.describe = xe_describe,
	.probe = xe_probe,
	.fatal = xe_fatal,
	.bo_create = xe_bo_create,
	.bo_destroy = xe_bo_destroy,
	.bo_populate = xe_bo_populate,
	.bo_mmap = xe_bo_mmap,
	.bo_munmap = xe_bo_munmap,
	.bo_export = xe_bo_export,
	.bo_import = xe_bo_import,
	.bo_userptr = xe_bo_userptr,
	.bo_bind = xe_bo_bind,
};
