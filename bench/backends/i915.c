/*
 * The i915 backend: gembench's buffers as i915 GEM objects, driven through
 * i915's own uAPI (wrappers in i915_ioctl.c; GEM_CLOSE, PRIME and mmap(2)
 * in the shared drm_ioctl.c) along the paths where i915 maps pages for DMA,
 * which is where SWIOTLB bounces:
 *
 *   create    GEM_CREATE_EXT placing the object in system memory (regions
 *             from QUERY_MEMORY_REGIONS), GEM_CREATE on kernels without it;
 *   populate  SET_DOMAIN (CPU domain, or the GTT domain as its own variant):
 *             get_pages -> i915_gem_gtt_prepare_pages -> dma_map_sg. Setting
 *             the GTT domain pins and flushes, it binds nothing into the
 *             GGTT (a GTT fault or an execbuf does), hence "gtt-domain".
 *             Discrete parts have no SET_DOMAIN (-ENODEV, whatever the
 *             domain): there the CPU variant populates by a bind, as IGT's
 *             gem_set_domain() does;
 *   bind      an execbuf of a batch holding only MI_BATCH_BUFFER_END with the
 *             object in its list (HANDLE_LUT | NO_RELOC, retried without);
 *   mmap      MMAP_OFFSET WB/WC/GTT, FIXED on discrete devices (the only type
 *             they allow), or the legacy GEM_MMAP/MMAP_GTT on kernels whose
 *             MMAP_GTT_VERSION is below 4 (no MMAP_OFFSET); legacy WC only
 *             where I915_PARAM_MMAP_VERSION >= 1 (older kernels drop the flag
 *             and map WB);
 *   userptr   GEM_USERPTR (read-only as a variant), populated by SET_DOMAIN,
 *             or by a bind on kernels where userptr objects are proxies and
 *             on discrete parts;
 *   pread     GEM_PREAD/PWRITE where the device still has them (refused for
 *             graphics version 12 and later except Tiger Lake);
 *   PRIME     export (i915 -> vgem, ...) and import (udmabuf -> i915). i915
 *             only attaches a foreign dma-buf at import and maps it at
 *             get_pages, so the import hook runs get_pages itself (the same
 *             SET_DOMAIN or bind as populate): the mapping is inside the
 *             measured operation, where the contract puts it;
 *   settle    GEM_CREATE + GEM_CLOSE of a 4 KiB object before a SWIOTLB slot
 *             reading: the create runs i915_gem_flush_free_objects(), so
 *             closed objects, whose pages i915_gem_free_object() leaves
 *             mapped for a worker, are unmapped before slots are counted.
 *
 * Every feature and variant is probed once in open() on a 4 KiB object and
 * the answer cached: probe() replays it, describe() lists what this kernel
 * refused, and no measured row ever discovers a missing feature. A mmap
 * probe touches its mapping with SIGBUS caught (touch.c): a refused fault
 * is a signal, and it makes the variant refused, not gembench dead. Refusals
 * (-ENODEV, -EINVAL, -EOPNOTSUPP, -ENOTTY) skip the variant with the reason;
 * -EIO from a wedged GPU (THROTTLE says -EIO too) stops the job (fatal()).
 */
#include "i915.h"

#include "i915_ioctl.h"
#include "i915_priv.h"
#include "drm_node.h"
#include "gem_refs.h"
#include "drmdev.h"
#include "touch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define I915_PROBE_SIZE 4096ull

static const uint64_t map_type[I915_MAP_COUNT] = {
	[I915_MAP_WB] = I915_MMAP_OFFSET_WB,
	[I915_MAP_WC] = I915_MMAP_OFFSET_WC,
	[I915_MAP_GTT] = I915_MMAP_OFFSET_GTT,
	[I915_MAP_FIXED] = I915_MMAP_OFFSET_FIXED,
};

static struct i915_priv *priv_of(struct gb_dev *dev)
{
	return dev->priv;
}

static void set_why(struct gb_probe_answer *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_why(struct gb_probe_answer *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gb_probe_answer_vset(r, "i915", err == -EIO ? " (GPU wedged?)" : "", err, fmt, ap);
	va_end(ap);
}

/* --- handle accounting ---------------------------------------------------- */

static struct gem_ref *ref_find(struct i915_priv *p, uint32_t handle)
{
	return gem_refs_find(&p->refs, handle);
}

static int ref_get(struct i915_priv *p, uint32_t handle, bool userptr)
{
	return gem_refs_get(&p->refs, handle, userptr);
}

/* Drops one reference; closes the handle with the last one. */
static int ref_put(struct gb_dev *dev, uint32_t handle)
{
	return gem_refs_put(&priv_of(dev)->refs, handle) ? __gem_close(dev->fd, handle) : 0;
}

/* --- creating objects ----------------------------------------------------- */

static int create_object(struct gb_dev *dev, struct i915_priv *p, uint64_t *size,
			 uint32_t *handle)
{
	if (p->create_ext)
		return i915_gem_create_in_regions(dev->fd, size, handle, &p->placement, 1);
	return i915_gem_create(dev->fd, size, handle);
}

/* The facts: parameters and memory regions. Only the chipset id is required. */
static int probe_facts(struct gb_dev *dev, struct i915_priv *p)
{
	int value, err;

	err = i915_getparam(dev->fd, I915_PARAM_CHIPSET_ID, &value);
	if (err)
		return err;
	p->chipset_id = (uint32_t)value;
	p->revision = i915_getparam(dev->fd, I915_PARAM_REVISION, &value) ? -1 : value;
	p->mmap_version = i915_getparam(dev->fd, I915_PARAM_MMAP_VERSION, &value) ? -1 : value;
	p->mmap_gtt_version =
	    i915_getparam(dev->fd, I915_PARAM_MMAP_GTT_VERSION, &value) ? -1 : value;
	p->userptr_probe =
	    i915_getparam(dev->fd, I915_PARAM_HAS_USERPTR_PROBE, &value) ? -1 : value;

	err = i915_query_memory_regions(dev->fd, &p->regions);
	if (err == -EIO)
		return err;
	set_why(&p->regions_probe, err, "QUERY_MEMORY_REGIONS");
	if (!err)
		for (uint32_t i = 0; i < p->regions->num_regions; i++)
			if (p->regions->regions[i].region.memory_class == I915_MEMORY_CLASS_DEVICE)
				p->discrete = true;
	/*
	 * System memory even on discrete devices: those are the pages the CPU's
	 * DMA API maps for the GPU, hence the ones SWIOTLB may bounce.
	 */
	p->placement = (struct drm_i915_gem_memory_class_instance){
		.memory_class = I915_MEMORY_CLASS_SYSTEM,
	};
	return 0;
}

/* GEM_CREATE_EXT, or GEM_CREATE when this kernel refuses it. Leaves a probe object. */
static int probe_create(struct gb_dev *dev, struct i915_priv *p, uint32_t *handle)
{
	uint64_t size = I915_PROBE_SIZE;
	int err;

	err = i915_gem_create_in_regions(dev->fd, &size, handle, &p->placement, 1);
	set_why(&p->create_ext_probe, err, "GEM_CREATE_EXT(system memory) %llu bytes",
		(unsigned long long)size);
	if (!err) {
		p->create_ext = true;
		return 0;
	}
	if (!gb_err_unsupported(err))
		return err;
	size = I915_PROBE_SIZE;
	err = i915_gem_create(dev->fd, &size, handle);
	set_why(&p->probes[GB_FEAT_CREATE][0], err, "GEM_CREATE %llu bytes",
		(unsigned long long)size);
	return err;
}

/* Maps @size bytes of @handle with @path/@v; the inverse is __drm_munmap(). */
static int map_object(struct gb_dev *dev, enum map_path path, unsigned v, uint32_t handle,
		      uint64_t size, void **ptr)
{
	uint64_t offset;
	int err;

	switch (path) {
	case MAP_OFFSET:
		err = i915_gem_mmap_offset(dev->fd, handle, map_type[v], &offset);
		if (err)
			return err;
		return __drm_mmap(dev->fd, offset, size, ptr);
	case MAP_LEGACY:
		return i915_gem_mmap_legacy(dev->fd, handle, size,
					    v == I915_MAP_WC ? I915_MMAP_WC : 0, ptr);
	case MAP_LEGACY_GTT:
		err = i915_gem_mmap_gtt(dev->fd, handle, &offset);
		if (err)
			return err;
		return __drm_mmap(dev->fd, offset, size, ptr);
	case MAP_NONE:
		break;
	}
	return -ENODEV;
}

/*
 * One mmap variant. MMAP_OFFSET exists from MMAP_GTT_VERSION 4; before, its
 * ioctl number means MMAP_GTT and a type would be silently ignored, so older
 * kernels get the legacy ioctls instead.
 */
static void probe_mmap(struct gb_dev *dev, struct i915_priv *p, uint32_t handle, unsigned v)
{
	struct gb_probe_answer *r = &p->probes[GB_FEAT_MMAP][v];
	bool has_offset = p->mmap_gtt_version >= 4;
	enum map_path path;
	void *ptr = NULL;
	int err;

	if (has_offset)
		path = MAP_OFFSET;
	else if (v == I915_MAP_GTT)
		path = MAP_LEGACY_GTT;
	else if (v == I915_MAP_FIXED)
		path = MAP_NONE;
	else
		path = MAP_LEGACY;
	if (path == MAP_NONE) {
		set_why(r, -ENODEV, "mmap fixed: no MMAP_OFFSET (MMAP_GTT_VERSION %d < 4)",
			p->mmap_gtt_version);
		return;
	}
	/*
	 * I915_MMAP_WC exists from MMAP_VERSION 1 (IGT gem_mmap__has_wc); a
	 * kernel before it gets a shorter struct, drops the flag and maps WB,
	 * which would be a "wc" row measuring WB.
	 */
	if (path == MAP_LEGACY && v == I915_MAP_WC && p->mmap_version < 1) {
		set_why(r, -ENODEV, "GEM_MMAP(WC): I915_PARAM_MMAP_VERSION %d < 1, no I915_MMAP_WC",
			p->mmap_version);
		p->map[v] = MAP_NONE;
		return;
	}
	err = map_object(dev, path, v, handle, I915_PROBE_SIZE, &ptr);
	if (!err) {
		/* Touch it: a GTT/WC fault is where the kernel binds and may refuse (SIGBUS). */
		int touched = gb_touch_catching_sigbus(ptr);

		err = __drm_munmap(ptr, I915_PROBE_SIZE);
		if (touched == -EFAULT) {
			/* A refused fault: the variant is refused, the probe goes on. */
			const char *ioctl = path == MAP_OFFSET	   ? "MMAP_OFFSET"
					    : path == MAP_LEGACY_GTT ? "MMAP_GTT"
								     : "GEM_MMAP";

			set_why(r, -EOPNOTSUPP, "mmap %s (%s): the first touch raised SIGBUS (fault refused)",
				gb_backend_i915.variants[GB_FEAT_MMAP][v].name, ioctl);
			p->map[v] = MAP_NONE;
			return;
		}
		if (touched)
			err = touched;
	}
	if (path == MAP_OFFSET)
		set_why(r, err, "MMAP_OFFSET(%s)%s", i915_mmap_type_name(map_type[v]),
			p->discrete && v != I915_MAP_FIXED ? " on a discrete device (FIXED only)"
							   : "");
	else
		set_why(r, err, "%s%s (no MMAP_OFFSET: MMAP_GTT_VERSION %d)",
			path == MAP_LEGACY_GTT ? "MMAP_GTT" : "GEM_MMAP",
			v == I915_MAP_WC ? "(WC)" : "", p->mmap_gtt_version);
	p->map[v] = err ? MAP_NONE : path;
}

/* Puts MI_BATCH_BUFFER_END at offset 0 of @handle: PWRITE, else any CPU mapping. */
static int write_batch(struct gb_dev *dev, struct i915_priv *p, uint32_t handle, uint64_t size)
{
	static const unsigned order[] = { I915_MAP_FIXED, I915_MAP_WB, I915_MAP_WC, I915_MAP_GTT };
	const uint32_t bbe = I915_MI_BATCH_BUFFER_END;
	int err = -ENODEV;

	if (p->probes[GB_FEAT_PREAD][0].err == 0)
		return i915_gem_pwrite(dev->fd, handle, 0, &bbe, sizeof(bbe));
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		unsigned v = order[i];
		void *ptr;

		if (p->map[v] == MAP_NONE)
			continue;
		err = map_object(dev, p->map[v], v, handle, size, &ptr);
		if (err)
			continue;
		memcpy(ptr, &bbe, sizeof(bbe));
		return __drm_munmap(ptr, size);
	}
	return err;
}

static int ensure_batch(struct gb_dev *dev, struct i915_priv *p)
{
	uint64_t size = I915_PROBE_SIZE;
	uint32_t handle;
	int err;

	if (p->batch)
		return 0;
	err = create_object(dev, p, &size, &handle);
	if (err)
		return err;
	err = write_batch(dev, p, handle, size);
	if (err) {
		gem_close(dev->fd, handle);
		return err;
	}
	p->batch = handle;
	return 0;
}

/* execbuf with @handle listed, then wait for it: the bind path. */
static int bind_object(struct gb_dev *dev, struct i915_priv *p, uint32_t handle)
{
	int err;

	err = ensure_batch(dev, p);
	if (err)
		return err;
	err = i915_gem_execbuf_bind(dev->fd, handle, p->batch, &p->exec_flags);
	if (err)
		return err;
	return i915_gem_wait(dev->fd, handle, -1);
}

static int userptr_object(struct gb_dev *dev, void *ptr, uint64_t size, unsigned variant,
			  uint32_t *handle)
{
	uint32_t flags = variant == I915_USERPTR_RO ? I915_USERPTR_READ_ONLY : 0;

	return i915_gem_userptr(dev->fd, ptr, size, flags, handle);
}

/*
 * Gets @handle's pages (get_pages -> dma_map_sg): SET_DOMAIN to @domain,
 * or, where SET_DOMAIN is -ENODEV (discrete parts: i915_gem_set_domain_ioctl
 * refuses them before looking at anything), an execbuf bind. Which one was
 * settled by the probe, so a measured operation never pays a refused ioctl.
 */
static int get_pages(struct gb_dev *dev, struct i915_priv *p, uint32_t handle, uint32_t read,
		     uint32_t write)
{
	if (p->populate_by_bind)
		return bind_object(dev, p, handle);
	return i915_gem_set_domain(dev->fd, handle, read, write);
}

/*
 * Populates a userptr object: SET_DOMAIN since 5.13, a bind where it is a
 * proxy (-ENXIO) and on discrete parts (no SET_DOMAIN at all).
 */
static int populate_userptr(struct gb_dev *dev, struct i915_priv *p, uint32_t handle)
{
	int err = get_pages(dev, p, handle, I915_GEM_DOMAIN_CPU, 0);

	if (err == -ENXIO)
		err = bind_object(dev, p, handle);
	return err;
}

static void probe_userptr(struct gb_dev *dev, struct i915_priv *p, unsigned v)
{
	struct gb_probe_answer *r = &p->userptr_probes[v];
	uint32_t handle;
	void *mem;
	int err;

	mem =
	    mmap(NULL, I915_PROBE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		set_why(r, -errno, "userptr probe: mmap");
		return;
	}
	err = userptr_object(dev, mem, I915_PROBE_SIZE, v, &handle);
	if (!err) {
		err = populate_userptr(dev, p, handle);
		gem_close(dev->fd, handle);
	}
	set_why(r, err, "GEM_USERPTR%s", v == I915_USERPTR_RO ? "(READ_ONLY)" : "");
	munmap(mem, I915_PROBE_SIZE);
}

static void probe_prime(struct gb_dev *dev, struct i915_priv *p, uint32_t handle)
{
	uint32_t back;
	int dmabuf = -1, err;

	err = __prime_handle_to_fd(dev->fd, handle, &dmabuf);
	set_why(&p->probes[GB_FEAT_EXPORT][0], err, "PRIME_HANDLE_TO_FD");
	if (err) {
		set_why(&p->probes[GB_FEAT_IMPORT][0], err,
			"PRIME_FD_TO_HANDLE (no export to try)");
		return;
	}
	/* Our own dma-buf comes back as the same handle: proves the ioctl, maps nothing. */
	err = __prime_fd_to_handle(dev->fd, dmabuf, &back);
	if (!err && back != handle) {
		gem_close(dev->fd, back);
		err = -EPROTO;
	}
	set_why(&p->probes[GB_FEAT_IMPORT][0], err, "PRIME_FD_TO_HANDLE");
	close(dmabuf);
}

/*
 * The populate variants. The CPU one falls back to the bind when SET_DOMAIN
 * answers -ENODEV (discrete parts); the GTT-domain one is SET_DOMAIN or
 * nothing, so on a discrete part it is refused with that -ENODEV.
 */
static void probe_populate(struct gb_dev *dev, struct i915_priv *p, uint32_t handle)
{
	struct gb_probe_answer *r = &p->probes[GB_FEAT_POPULATE][I915_POPULATE_CPU];
	int err;

	err = i915_gem_set_domain(dev->fd, handle, I915_GEM_DOMAIN_CPU, I915_GEM_DOMAIN_CPU);
	if (err == -ENODEV) {
		p->populate_by_bind = true;
		*r = p->probes[GB_FEAT_BIND][0]; /* populated by that bind, or refused with its reason */
	} else {
		set_why(r, err, "SET_DOMAIN(CPU)");
	}
	err = i915_gem_set_domain(dev->fd, handle, I915_GEM_DOMAIN_GTT, I915_GEM_DOMAIN_GTT);
	set_why(&p->probes[GB_FEAT_POPULATE][I915_POPULATE_GTT_DOMAIN], err, "SET_DOMAIN(GTT)%s",
		err == -ENODEV && p->discrete ? " on a discrete device (no SET_DOMAIN)" : "");
}

/*
 * Every feature and variant, on one probe object. Only -EIO aborts (the
 * GPU is gone); every other answer is cached for probe() and describe().
 */
static int probe_features(struct gb_dev *dev, struct i915_priv *p)
{
	struct gb_probe_answer *r;
	uint32_t handle;
	char buf[32] = "bouncelab i915 pwrite probe";
	int err;

	err = probe_create(dev, p, &handle);
	if (err)
		return err;

	r = &p->probes[GB_FEAT_PREAD][0];
	err = i915_gem_pwrite(dev->fd, handle, 0, buf, sizeof(buf));
	if (!err)
		err = i915_gem_pread(dev->fd, handle, 0, buf, sizeof(buf));
	set_why(r, err, "GEM_PREAD/PWRITE%s",
		err == -EOPNOTSUPP ? " (refused from graphics version 12 on, except Tiger Lake)" : "");

	for (unsigned v = 0; v < I915_MAP_COUNT; v++)
		probe_mmap(dev, p, handle, v);

	err = bind_object(dev, p, handle);
	set_why(&p->probes[GB_FEAT_BIND][0], err, "EXECBUFFER2 (MI_BATCH_BUFFER_END)");

	probe_populate(dev, p, handle);

	for (unsigned v = 0; v < I915_USERPTR_COUNT; v++) {
		probe_userptr(dev, p, v);
		p->probes[GB_FEAT_USERPTR][v] = p->userptr_probes[v];
	}

	probe_prime(dev, p, handle);

	gem_close(dev->fd, handle);
	return 0;
}

static void i915_close(struct gb_dev *dev)
{
	struct i915_priv *p = priv_of(dev);

	if (p) {
		/* Handles gembench still holds are its leak; closing the fd frees them anyway. */
		if (p->batch && dev->fd >= 0)
			gem_close(dev->fd, p->batch);
		free(p->regions);
		gem_refs_free(&p->refs);
		free(p);
		dev->priv = NULL;
	}
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

static int i915_open(struct gb_dev *dev, const char *spec)
{
	struct i915_priv *p;
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->exec_flags = I915_EXEC_HANDLE_LUT | I915_EXEC_NO_RELOC;
	dev->fd = -1;

	if (!spec || !spec[0] || !strcmp(spec, "i915"))
		err = gb_drm_node_find(dev, "i915");
	else if (strchr(spec, '/'))
		err = gb_drm_node_open(dev, spec, "i915");
	else {
		/* another driver's name: this backend drives i915 only */
		snprintf(dev->why, sizeof(dev->why),
			 "the i915 backend drives i915 only (dumb buffers on '%.64s': --backend dumb)",
			 spec);
		err = -ENODEV;
	}
	if (err)
		goto err_free;
	dev->priv = p;

	err = probe_facts(dev, p);
	if (err)
		goto err_close;
	err = probe_features(dev, p);
	if (err)
		goto err_close;
	return 0;

err_close:
	i915_close(dev);
	return err;
err_free:
	free(p);
	return err;
}

/* --- hooks ---------------------------------------------------------------- */

static int i915_probe(struct gb_dev *dev, enum gb_feature feat, unsigned variant, char *why,
		      size_t why_len)
{
	struct i915_priv *p = priv_of(dev);

	if ((unsigned)feat >= GB_FEAT_COUNT || variant >= I915_MAX_VARIANTS)
		return -EINVAL;
	return gb_probe_answer_get(&p->probes[feat][variant], why, why_len);
}

/*
 * -EIO is fatal only when the GPU really is wedged: an import whose DMA
 * mapping SWIOTLB refused also says -EIO, and that is a result to count.
 * THROTTLE answers -EIO exactly when the GPU is terminally wedged.
 */
static bool i915_fatal(struct gb_dev *dev, int err)
{
	return err == -EIO && i915_gem_throttle(dev->fd) == -EIO;
}

/*
 * Makes a new GEM @handle the backend's @bo: takes the backend's reference
 * (ref_get) and fills @bo; on failure closes the handle, so the caller owns
 * nothing either way.
 */
static int adopt_handle(struct gb_dev *dev, struct i915_priv *p, uint32_t handle, uint64_t size,
			bool userptr, struct gb_bo *bo)
{
	int err = ref_get(p, handle, userptr);

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

static int i915_bo_create(struct gb_dev *dev, uint64_t size, struct gb_bo *bo)
{
	struct i915_priv *p = priv_of(dev);
	uint32_t handle;
	int err;

	err = create_object(dev, p, &size, &handle);
	if (err)
		return err;
	return adopt_handle(dev, p, handle, size, false, bo);
}

static int i915_bo_destroy(struct gb_dev *dev, struct gb_bo *bo)
{
	int err = 0;

	if (bo->fd >= 0 && close(bo->fd))
		err = -errno;
	bo->fd = -1;
	if (bo->handle) {
		int e = ref_put(dev, bo->handle);

		err = err ? err : e;
		bo->handle = 0;
	}
	return err;
}

static int i915_bo_populate(struct gb_dev *dev, struct gb_bo *bo, unsigned variant)
{
	struct i915_priv *p = priv_of(dev);
	struct gem_ref *r = ref_find(p, bo->handle);

	if (r && r->tag) /* a userptr object */
		return populate_userptr(dev, p, bo->handle);
	/* The GTT-domain variant is SET_DOMAIN itself, never a stand-in. */
	if (variant == I915_POPULATE_GTT_DOMAIN)
		return i915_gem_set_domain(dev->fd, bo->handle, I915_GEM_DOMAIN_GTT,
					   I915_GEM_DOMAIN_GTT);
	return get_pages(dev, p, bo->handle, I915_GEM_DOMAIN_CPU, I915_GEM_DOMAIN_CPU);
}

static int i915_bo_bind(struct gb_dev *dev, struct gb_bo *bo, unsigned variant)
{
	return bind_object(dev, priv_of(dev), bo->handle);
}

static int i915_bo_mmap(struct gb_dev *dev, struct gb_bo *bo, unsigned variant, void **ptr)
{
	struct i915_priv *p = priv_of(dev);

	if (variant >= I915_MAP_COUNT)
		return -EINVAL;
	/*
	 * Workloads that just need a CPU view (integrity, occupancy) pass 0
	 * without probing. On discrete devices WB does not exist, but FIXED of
	 * a system-memory object (all ours) is WB caching: use it. A probing
	 * workload never asks for a refused variant, so no row is mislabelled.
	 */
	if (variant == I915_MAP_WB && p->map[I915_MAP_WB] == MAP_NONE && p->discrete)
		variant = I915_MAP_FIXED;
	return map_object(dev, p->map[variant], variant, bo->handle, bo->size, ptr);
}

static int i915_bo_munmap(struct gb_dev *dev, struct gb_bo *bo, void *ptr)
{
	return __drm_munmap(ptr, bo->size);
}

static int i915_bo_export(struct gb_dev *dev, struct gb_bo *bo, int *fd)
{
	return __prime_handle_to_fd(dev->fd, bo->handle, fd);
}

/*
 * A foreign dma-buf: i915_gem_prime_import() only attaches, and
 * dma_buf_map_attachment() runs at get_pages
 * (i915_gem_object_get_pages_dmabuf). Get them now, inside the measured
 * import: an imported object starts in the GTT read domain, so asking for
 * that domain runs get_pages and flushes nothing; a bind on discrete parts.
 * A self-import (our own handle back) is the same object: nothing to map.
 */
static int i915_bo_import(struct gb_dev *dev, int fd, uint64_t size, struct gb_bo *bo)
{
	struct i915_priv *p = priv_of(dev);
	uint32_t handle;
	int err;

	err = __prime_fd_to_handle(dev->fd, fd, &handle);
	if (err)
		return err;
	if (!ref_find(p, handle)) {
		err = get_pages(dev, p, handle, I915_GEM_DOMAIN_GTT, 0);
		if (err) {
			gem_close(dev->fd, handle);
			return err;
		}
	}
	err = ref_get(p, handle, false);
	if (err) {
		if (!ref_find(p, handle))
			gem_close(dev->fd, handle);
		return err;
	}
	bo->size = size;
	bo->handle = handle;
	bo->fd = -1;
	bo->priv = NULL;
	return 0;
}

int i915_bo_userptr_variant(struct gb_dev *dev, void *ptr, uint64_t size, unsigned variant,
			    struct gb_bo *bo)
{
	struct i915_priv *p = priv_of(dev);
	uint32_t handle;
	int err;

	if (variant >= I915_USERPTR_COUNT)
		return -EINVAL;
	err = userptr_object(dev, ptr, size, variant, &handle);
	if (err)
		return err;
	return adopt_handle(dev, p, handle, size, true, bo);
}

static int i915_bo_userptr(struct gb_dev *dev, void *ptr, uint64_t size, unsigned variant,
			   struct gb_bo *bo)
{
	return i915_bo_userptr_variant(dev, ptr, size, variant, bo);
}

static int i915_bo_pread(struct gb_dev *dev, struct gb_bo *bo, uint64_t offset, void *dst,
			 uint64_t len)
{
	return i915_gem_pread(dev->fd, bo->handle, offset, dst, len);
}

static int i915_bo_pwrite(struct gb_dev *dev, struct gb_bo *bo, uint64_t offset, const void *src,
			  uint64_t len)
{
	return i915_gem_pwrite(dev->fd, bo->handle, offset, src, len);
}

/*
 * Before a SWIOTLB slot reading: closed objects wait on i915's free list
 * with their pages still DMA-mapped (i915_gem_free_object() defers
 * put_pages to a worker); the next object create flushes that list first
 * (i915_gem_flush_free_objects()), synchronously. A 4 KiB object that never
 * gets pages is the cheapest create there is, and maps nothing itself.
 */
static int i915_settle(struct gb_dev *dev, char *how, size_t how_len)
{
	struct i915_priv *p = priv_of(dev);
	uint64_t size = I915_PROBE_SIZE;
	uint32_t handle;
	int err;

	err = create_object(dev, p, &size, &handle);
	if (err) {
		snprintf(how, how_len, "i915: %s %llu bytes: %s",
			 p->create_ext ? "GEM_CREATE_EXT" : "GEM_CREATE", (unsigned long long)size,
			 strerror(-err));
		return err;
	}
	err = __gem_close(dev->fd, handle);
	if (err) {
		snprintf(how, how_len, "i915: GEM_CLOSE: %s", strerror(-err));
		return err;
	}
	snprintf(how, how_len,
		 "i915: a 4 KiB object created and closed before each io_tlb_used reading "
		 "(the create runs i915_gem_flush_free_objects)");
	return 0;
}

/* --- the ops table -------------------------------------------------------- */

static const struct gb_variant populate_variants[] = {
    {"cpu", I915_POPULATE_CPU,
     "SET_DOMAIN to the CPU domain: get_pages + dma_map_sg (discrete: an execbuf bind)"},
    {"gtt-domain", I915_POPULATE_GTT_DOMAIN,
     "SET_DOMAIN to the GTT domain: get_pages + dma_map_sg + flush, no GGTT bind"},
    {NULL, 0, NULL},
};

static const struct gb_variant userptr_variants[] = {
    {"rw", I915_USERPTR_RW, "GEM_USERPTR read-write"},
    {"ro", I915_USERPTR_RO,
     "GEM_USERPTR with I915_USERPTR_READ_ONLY (needs a read-only GTT: not graphics version 11-12)"},
    {NULL, 0, NULL},
};

static const struct gb_variant mmap_variants[] = {
    {"wb", I915_MAP_WB, "MMAP_OFFSET WB (legacy GEM_MMAP on old kernels)"},
    {"wc", I915_MAP_WC, "MMAP_OFFSET WC (legacy GEM_MMAP with I915_MMAP_WC)"},
    {"gtt", I915_MAP_GTT, "MMAP_OFFSET GTT through the aperture (legacy MMAP_GTT)"},
    {"fixed", I915_MAP_FIXED, "MMAP_OFFSET FIXED: discrete devices, placement decides caching"},
    {NULL, 0, NULL},
};

const struct gb_backend_ops gb_backend_i915 = {
	.name = "i915",
	.abi = GB_BACKEND_ABI,
	.caps = GB_CAP_GEM | GB_CAP_EXPORT | GB_CAP_IMPORT | GB_CAP_MMAP | GB_CAP_POPULATE |
		GB_CAP_USERPTR | GB_CAP_PREAD | GB_CAP_BIND,
	.help = "Intel GPUs through i915's uAPI: SET_DOMAIN, execbuf, MMAP_OFFSET, USERPTR, PRIME",
	.variants = {
		[GB_FEAT_POPULATE] = populate_variants,
		[GB_FEAT_MMAP] = mmap_variants,
		[GB_FEAT_USERPTR] = userptr_variants,
	},
	.open = i915_open,
	.close = i915_close,
	.describe = i915_describe,
	.probe = i915_probe,
	.fatal = i915_fatal,
	.bo_create = i915_bo_create,
	.bo_destroy = i915_bo_destroy,
	.bo_populate = i915_bo_populate,
	.bo_mmap = i915_bo_mmap,
	.bo_munmap = i915_bo_munmap,
	.bo_export = i915_bo_export,
	.bo_import = i915_bo_import,
	.bo_userptr = i915_bo_userptr,
	.bo_pread = i915_bo_pread,
	.bo_pwrite = i915_bo_pwrite,
	.bo_bind = i915_bo_bind,
	.settle = i915_settle,
};
