/*
 * fake_xe: the ioctl-level test double of xe for unit tests (see fake_xe.h).
 *
 * Each handler follows the checks of the kernel function named in its
 * comment (drivers/gpu/drm/xe/xe_query.c, xe_bo.c, xe_vm.c,
 * xe_exec_queue.c, xe_exec.c, xe_sync.c, and drm_syncobj.c, drm_prime.c,
 * as of 6.12), so the errno a malformed call gets here is the errno it
 * would get there: every extensions, pad and reserved field is MBZ
 * (XE_IOCTL_DBG(...) -> -EINVAL), unknown ids are -ENOENT, and placements,
 * caching, alignment and address ranges are checked against the device.
 *
 * Simplifications, each harmless to what the tests check: handles, VM,
 * queue and syncobj ids are never reused (so a use after destroy is always
 * caught); VM_BIND takes one operation (num_binds 1) on the default bind
 * queue, as the backend sends; a fence is signalled at once (the wait then
 * succeeds), and an UNMAP removes the bindings that lie wholly inside its
 * range (xe would split partial ones, which the backend never asks for).
 * Where xe accepts something a correct caller never does (a MAP over a live
 * binding replaces it; an UNMAP of nothing succeeds; a fence replaced
 * before its wait), the fake accepts it too and counts it, so tests can
 * insist it never happens.
 */
#include "fake_xe.h"

#include "fake_dmabuf.h"
#include "fake_drm.h"

#include "backends/xe_ioctl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAKE_PAGE 4096ull
#define FAKE_OFFSET_TAG (1ull << 44) /* fake mmap offset = tag | memfd offset */
#define FAKE_DEV_NAME "fake-xe-dev"
#define FAKE_DMABUF_NAME "fake-xe-dmabuf"
#define FAKE_MAX_IDS 1024
#define FAKE_N_PAT 32 /* pat_index beyond the platform's table is -EINVAL */
#define SYS_INSTANCE 0
#define VRAM_INSTANCE 1

/* The x86-64 uAPI sizes of xe 6.12: a layout change in uapi/xe_drm.h fails the build. */
_Static_assert(sizeof(struct drm_xe_user_extension) == 16, "xe ABI");
_Static_assert(sizeof(struct drm_xe_engine_class_instance) == 8, "xe ABI");
_Static_assert(sizeof(struct drm_xe_engine) == 32, "xe ABI");
_Static_assert(sizeof(struct drm_xe_query_engines) == 8, "xe ABI");
_Static_assert(sizeof(struct drm_xe_mem_region) == 88, "xe ABI");
_Static_assert(sizeof(struct drm_xe_query_mem_regions) == 8, "xe ABI");
_Static_assert(sizeof(struct drm_xe_query_config) == 8, "xe ABI");
_Static_assert(sizeof(struct drm_xe_gt) == 96, "xe ABI");
_Static_assert(sizeof(struct drm_xe_query_gt_list) == 8, "xe ABI");
_Static_assert(sizeof(struct drm_xe_device_query) == 40, "xe ABI");
_Static_assert(sizeof(struct drm_xe_gem_create) == 56, "xe ABI");
_Static_assert(sizeof(struct drm_xe_gem_mmap_offset) == 40, "xe ABI");
_Static_assert(sizeof(struct drm_xe_vm_create) == 32, "xe ABI");
_Static_assert(sizeof(struct drm_xe_vm_destroy) == 24, "xe ABI");
_Static_assert(sizeof(struct drm_xe_vm_bind_op) == 80, "xe ABI");
_Static_assert(sizeof(struct drm_xe_vm_bind) == 136, "xe ABI");
_Static_assert(sizeof(struct drm_xe_exec_queue_create) == 48, "xe ABI");
_Static_assert(sizeof(struct drm_xe_exec_queue_destroy) == 24, "xe ABI");
_Static_assert(sizeof(struct drm_xe_exec_queue_get_property) == 40, "xe ABI");
_Static_assert(sizeof(struct drm_xe_sync) == 48, "xe ABI");
_Static_assert(sizeof(struct drm_xe_exec) == 56, "xe ABI");
_Static_assert(sizeof(struct drm_syncobj_create) == 8, "DRM ABI");
_Static_assert(sizeof(struct drm_syncobj_destroy) == 8, "DRM ABI");
_Static_assert(sizeof(struct drm_syncobj_wait) == 32, "DRM ABI");

struct fake_obj {
	uint32_t handle;   /* nonzero; never reused */
	int fd;            /* the device fd the handle belongs to */
	bool open;         /* handle not yet GEM_CLOSEd */
	bool alive;        /* not freed: a handle or a binding still holds it */
	uint64_t size;
	uint64_t base;     /* offset of the contents in the device memfd */
	bool vram, wc, imported;
	bool pages;        /* validated: pages populated and DMA-mapped */
	unsigned bindings; /* live bindings holding it */
	unsigned maps;     /* successful MAPs of it */
	bool offered;      /* GEM_MMAP_OFFSET handed out an offset */
};

struct fake_binding {
	bool live;
	uint32_t vm;
	uint64_t addr, range;
	struct fake_obj *obj; /* NULL for a userptr binding */
};

struct fake_vm {
	uint32_t id;
	bool live;        /* VM_DESTROY not yet called */
	unsigned queues;  /* live exec queues referencing it */
};

struct fake_queue {
	uint32_t id;
	bool live, banned;
	uint32_t vm;
};

struct fake_syncobj {
	uint32_t handle;
	bool live, fence, waited;
};

struct fake_xe {
	struct fake_xe_config cfg;
	struct fake_drm_node node; /* the "device": object contents live in its memfd */
	uint64_t next_base;
	uint32_t next_handle;
	struct fake_obj *objs[FAKE_MAX_IDS];
	size_t n_objs;
	struct fake_binding bindings[FAKE_MAX_IDS];
	size_t n_bindings;
	struct fake_vm vms[FAKE_MAX_IDS];
	size_t n_vms;
	struct fake_queue queues[FAKE_MAX_IDS];
	size_t n_queues;
	struct fake_syncobj syncobjs[FAKE_MAX_IDS];
	size_t n_syncobjs;
	struct fake_drm_rules rules; /* refusals the test injected */
	struct fake_dmabufs dmabufs; /* what PRIME exported, and foreign dma-bufs */
	struct fake_xe_stats stats;
};

static struct fake_xe *the_fake;

/* --- profiles ------------------------------------------------------------- */

struct fake_xe_config fake_xe_lnl(void)
{
	return (struct fake_xe_config){
		.device_id = 0x64a0, .revision = 4, .ip_major = 20, .ip_minor = 4,
		.has_render = true, .has_copy = true, .has_usm = true, .va_bits = 48,
		.coherent_pats = 1u << 1 | 1u << 2,
	};
}

struct fake_xe_config fake_xe_bmg(void)
{
	return (struct fake_xe_config){
		.device_id = 0xe20b, .revision = 0, .discrete = true, .vram_size = 12ull << 30,
		.vram_page = 65536, .ip_major = 20, .ip_minor = 1, .has_render = true,
		.has_copy = true, .has_usm = true, .va_bits = 48,
		.coherent_pats = 1u << 1 | 1u << 2,
	};
}

struct fake_xe_config fake_xe_mtl(void)
{
	return (struct fake_xe_config){
		.device_id = 0x7d55, .revision = 8, .ip_major = 12, .ip_minor = 70,
		.has_render = true, .has_copy = true, .va_bits = 48,
		.coherent_pats = 1u << 3 | 1u << 4,
	};
}

struct fake_xe_config fake_xe_media_only(void)
{
	struct fake_xe_config c = fake_xe_lnl();

	c.has_render = c.has_copy = false;
	return c;
}

struct fake_xe_config fake_xe_lnl_6_8(void)
{
	struct fake_xe_config c = fake_xe_lnl();

	c.ip_major = c.ip_minor = 0;
	return c;
}

const struct fake_xe_profile fake_xe_profiles[] = {
	{ "lnl", fake_xe_lnl },
	{ "bmg", fake_xe_bmg },
	{ "mtl", fake_xe_mtl },
	{ "media-only", fake_xe_media_only },
	{ "lnl-6.8", fake_xe_lnl_6_8 },
	{ NULL, NULL },
};

/* --- bookkeeping ---------------------------------------------------------- */

static bool mbz(const __u64 *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

static struct fake_obj *lookup(struct fake_xe *f, int fd, uint32_t handle)
{
	for (size_t i = 0; i < f->n_objs; i++)
		if (f->objs[i]->open && f->objs[i]->handle == handle && f->objs[i]->fd == fd)
			return f->objs[i];
	return NULL;
}

static struct fake_obj *new_obj(struct fake_xe *f, int fd, uint64_t size, bool backed)
{
	struct fake_obj *o;

	if (f->n_objs == FAKE_MAX_IDS)
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	if (backed) {
		if (ftruncate(f->node.memfd, (off_t)(f->next_base + size))) {
			free(o);
			return NULL;
		}
		o->base = f->next_base;
		f->next_base += size;
	}
	o->handle = f->next_handle++;
	o->fd = fd;
	o->open = o->alive = true;
	o->size = size;
	f->objs[f->n_objs++] = o;
	return o;
}

/* xe_gem_object_free -> ttm_bo_put: with the last reference the pages are unmapped. */
static void maybe_free(struct fake_xe *f, struct fake_obj *o)
{
	if (!o->alive || o->open || o->bindings)
		return;
	o->alive = false;
	if (o->pages)
		f->stats.dma_unmaps++;
	o->pages = false;
	if (!o->imported && o->size)
		fallocate(f->node.memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)o->base,
			  (off_t)o->size);
}

static struct fake_vm *find_vm(struct fake_xe *f, uint32_t id)
{
	for (size_t i = 0; i < f->n_vms; i++)
		if (f->vms[i].live && f->vms[i].id == id)
			return &f->vms[i];
	return NULL;
}

static struct fake_queue *find_queue(struct fake_xe *f, uint32_t id)
{
	for (size_t i = 0; i < f->n_queues; i++)
		if (f->queues[i].live && f->queues[i].id == id)
			return &f->queues[i];
	return NULL;
}

static struct fake_syncobj *find_syncobj(struct fake_xe *f, uint32_t handle)
{
	for (size_t i = 0; i < f->n_syncobjs; i++)
		if (f->syncobjs[i].live && f->syncobjs[i].handle == handle)
			return &f->syncobjs[i];
	return NULL;
}

static void drop_binding(struct fake_xe *f, struct fake_binding *b)
{
	b->live = false;
	if (b->obj) {
		b->obj->bindings--;
		maybe_free(f, b->obj);
	} else {
		f->stats.dma_unmaps++; /* a userptr VMA's pages go with it */
	}
}

static struct fake_binding *binding_at(struct fake_xe *f, uint32_t vm, uint64_t addr)
{
	for (size_t i = 0; i < f->n_bindings; i++) {
		struct fake_binding *b = &f->bindings[i];

		if (b->live && b->vm == vm && addr >= b->addr && addr < b->addr + b->range)
			return b;
	}
	return NULL;
}

/* --- core DRM ------------------------------------------------------------- */

static int fake_version(struct drm_version *v)
{
	static const char name[] = "xe", date[] = "20201103", desc[] = "Intel Xe2 Graphics (fake)";
	const char *src[3] = { name, date, desc };
	char *dst[3] = { v->name, v->date, v->desc };
	__kernel_size_t *len[3] = { &v->name_len, &v->date_len, &v->desc_len };

	v->version_major = 1;
	v->version_minor = 1;
	v->version_patchlevel = 0;
	for (int i = 0; i < 3; i++) {
		size_t full = strlen(src[i]);

		if (*len[i] && dst[i])
			memcpy(dst[i], src[i], *len[i] < full ? *len[i] : full);
		*len[i] = full;
	}
	return 0;
}

/* drm_gem_close_ioctl(): an unknown handle is -EINVAL. A binding keeps the object alive. */
static int fake_gem_close(struct fake_xe *f, int fd, struct drm_gem_close *arg)
{
	struct fake_obj *o = lookup(f, fd, arg->handle);

	if (!o)
		return -EINVAL;
	o->open = false;
	maybe_free(f, o);
	return 0;
}

/* drm_prime_handle_to_fd_ioctl(): only DRM_CLOEXEC | DRM_RDWR; unknown handle -ENOENT. */
static int fake_prime_handle_to_fd(struct fake_xe *f, int fd, struct drm_prime_handle *arg)
{
	struct fake_obj *o;
	int dmabuf;

	if (arg->flags & ~(DRM_CLOEXEC | DRM_RDWR))
		return -EINVAL;
	o = lookup(f, fd, arg->handle);
	if (!o)
		return -ENOENT;
	dmabuf = fake_dmabuf_add(&f->dmabufs, FAKE_DMABUF_NAME, o->size, o, false);
	if (dmabuf < 0)
		return dmabuf;
	f->stats.exports++;
	arg->fd = dmabuf;
	return 0;
}

/*
 * drm_prime_fd_to_handle_ioctl(): our own export comes back as the same
 * handle; a foreign one is attached (xe_gem_prime_import, dynamic) and
 * mapped only when a bind validates it.
 */
static int fake_prime_fd_to_handle(struct fake_xe *f, int fd, struct drm_prime_handle *arg)
{
	struct fake_dmabuf *e;
	struct fake_obj *eo;
	struct fake_obj *o;
	struct stat st;

	if (fstat(arg->fd, &st))
		return -EBADF;
	e = fake_dmabuf_find(&f->dmabufs, arg->fd);
	if (!e)
		return -EINVAL;
	eo = e->obj;
	if (!e->foreign && eo->open && eo->fd == fd) {
		arg->handle = eo->handle;
		f->stats.imports++;
		return 0;
	}
	o = new_obj(f, fd, e->size, false);
	if (!o)
		return -ENOMEM;
	o->imported = true;
	arg->handle = o->handle;
	f->stats.imports++;
	return 0;
}

/* drm_syncobj_create_ioctl(): flags other than SIGNALED are -EINVAL. */
static int fake_syncobj_create(struct fake_xe *f, struct drm_syncobj_create *c)
{
	if (c->flags & ~DRM_SYNCOBJ_CREATE_SIGNALED)
		return -EINVAL;
	if (f->n_syncobjs == FAKE_MAX_IDS)
		return -ENOMEM;
	f->syncobjs[f->n_syncobjs] = (struct fake_syncobj){
		.handle = (uint32_t)f->n_syncobjs + 1, .live = true,
		.fence = c->flags & DRM_SYNCOBJ_CREATE_SIGNALED,
	};
	c->handle = f->syncobjs[f->n_syncobjs++].handle;
	return 0;
}

static int fake_syncobj_destroy(struct fake_xe *f, struct drm_syncobj_destroy *d)
{
	struct fake_syncobj *s;

	if (d->pad)
		return -EINVAL;
	s = find_syncobj(f, d->handle);
	if (!s)
		return -EINVAL;
	s->live = false;
	return 0;
}

/*
 * drm_syncobj_wait_ioctl(): no handles or unknown flags -EINVAL, an unknown
 * handle -ENOENT, and without WAIT_FOR_SUBMIT a syncobj with no fence yet
 * is -EINVAL (nothing was submitted to signal it).
 */
static int fake_syncobj_wait(struct fake_xe *f, struct drm_syncobj_wait *w)
{
	const uint32_t *handles = (const uint32_t *)(uintptr_t)w->handles;

	if (w->pad || !w->count_handles ||
	    (w->flags & ~(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT)))
		return -EINVAL;
	for (uint32_t i = 0; i < w->count_handles; i++) {
		struct fake_syncobj *s = find_syncobj(f, handles[i]);

		if (!s)
			return -ENOENT;
		if (!s->fence)
			return -EINVAL;
	}
	for (uint32_t i = 0; i < w->count_handles; i++)
		find_syncobj(f, handles[i])->waited = true;
	f->stats.waits++;
	return 0;
}

/* --- xe: syncs ------------------------------------------------------------ */

/* xe_sync_entry_parse(): MBZ fields, a known type and flags, a live syncobj. */
static int check_syncs(struct fake_xe *f, uint64_t ptr, uint32_t n)
{
	const struct drm_xe_sync *syncs = (const struct drm_xe_sync *)(uintptr_t)ptr;

	for (uint32_t i = 0; i < n; i++) {
		const struct drm_xe_sync *s = &syncs[i];

		if (s->extensions || !mbz(s->reserved, 2) || s->flags & ~DRM_XE_SYNC_FLAG_SIGNAL)
			return -EINVAL;
		if (s->type != DRM_XE_SYNC_TYPE_SYNCOBJ)
			return -EINVAL; /* the only type the backend should send */
		if (!find_syncobj(f, s->handle))
			return -ENOENT;
	}
	return 0;
}

/* The job is done at once: signalled out-syncs get a fence. */
static void signal_syncs(struct fake_xe *f, uint64_t ptr, uint32_t n)
{
	const struct drm_xe_sync *syncs = (const struct drm_xe_sync *)(uintptr_t)ptr;

	for (uint32_t i = 0; i < n; i++) {
		struct fake_syncobj *s;

		if (!(syncs[i].flags & DRM_XE_SYNC_FLAG_SIGNAL))
			continue;
		s = find_syncobj(f, syncs[i].handle);
		if (s->fence && !s->waited)
			f->stats.unwaited++;
		s->fence = true;
		s->waited = false;
	}
}

/* --- xe: device query ------------------------------------------------------ */

static size_t query_size(const struct fake_xe *f, uint32_t query)
{
	unsigned n_regions = f->cfg.discrete ? 2 : 1;
	unsigned n_engines = 2 + f->cfg.has_render + f->cfg.has_copy; /* + video decode/enhance */

	switch (query) {
	case DRM_XE_DEVICE_QUERY_ENGINES:
		return sizeof(struct drm_xe_query_engines) + n_engines * sizeof(struct drm_xe_engine);
	case DRM_XE_DEVICE_QUERY_MEM_REGIONS:
		return sizeof(struct drm_xe_query_mem_regions) +
		       n_regions * sizeof(struct drm_xe_mem_region);
	case DRM_XE_DEVICE_QUERY_CONFIG:
		return sizeof(struct drm_xe_query_config) + 5 * sizeof(uint64_t);
	case DRM_XE_DEVICE_QUERY_GT_LIST:
		return sizeof(struct drm_xe_query_gt_list) + 2 * sizeof(struct drm_xe_gt);
	}
	return 0;
}

static void fill_query(const struct fake_xe *f, uint32_t query, void *data)
{
	const struct fake_xe_config *c = &f->cfg;

	switch (query) {
	case DRM_XE_DEVICE_QUERY_ENGINES: {
		struct drm_xe_query_engines *e = data;
		uint16_t classes[4];
		unsigned n = 0;

		if (c->has_render)
			classes[n++] = DRM_XE_ENGINE_CLASS_RENDER;
		if (c->has_copy)
			classes[n++] = DRM_XE_ENGINE_CLASS_COPY;
		classes[n++] = DRM_XE_ENGINE_CLASS_VIDEO_DECODE;
		classes[n++] = DRM_XE_ENGINE_CLASS_VIDEO_ENHANCE;
		e->num_engines = n;
		for (unsigned i = 0; i < n; i++) {
			e->engines[i].instance.engine_class = classes[i];
			/* video engines live on the media GT (1) */
			e->engines[i].instance.gt_id = classes[i] >= DRM_XE_ENGINE_CLASS_VIDEO_DECODE;
		}
		break;
	}
	case DRM_XE_DEVICE_QUERY_MEM_REGIONS: {
		struct drm_xe_query_mem_regions *m = data;

		m->num_mem_regions = c->discrete ? 2 : 1;
		m->mem_regions[0] = (struct drm_xe_mem_region){
			.mem_class = DRM_XE_MEM_REGION_CLASS_SYSMEM, .instance = SYS_INSTANCE,
			.min_page_size = FAKE_PAGE, .total_size = 16ull << 30,
		};
		if (c->discrete)
			m->mem_regions[1] = (struct drm_xe_mem_region){
				.mem_class = DRM_XE_MEM_REGION_CLASS_VRAM, .instance = VRAM_INSTANCE,
				.min_page_size = c->vram_page, .total_size = c->vram_size,
				.cpu_visible_size = c->vram_size,
			};
		break;
	}
	case DRM_XE_DEVICE_QUERY_CONFIG: {
		struct drm_xe_query_config *q = data;

		q->num_params = 5;
		q->info[DRM_XE_QUERY_CONFIG_REV_AND_DEVICE_ID] =
			c->device_id | ((uint64_t)c->revision << 16);
		q->info[DRM_XE_QUERY_CONFIG_FLAGS] =
			c->discrete ? DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM : 0;
		q->info[DRM_XE_QUERY_CONFIG_MIN_ALIGNMENT] = c->discrete ? c->vram_page : FAKE_PAGE;
		q->info[DRM_XE_QUERY_CONFIG_VA_BITS] = c->va_bits;
		q->info[DRM_XE_QUERY_CONFIG_MAX_EXEC_QUEUE_PRIORITY] = 2;
		break;
	}
	case DRM_XE_DEVICE_QUERY_GT_LIST: {
		struct drm_xe_query_gt_list *g = data;

		g->num_gt = 2;
		g->gt_list[0] = (struct drm_xe_gt){
			.type = DRM_XE_QUERY_GT_TYPE_MAIN, .gt_id = 0, .reference_clock = 19200000,
			.ip_ver_major = c->ip_major, .ip_ver_minor = c->ip_minor,
			.near_mem_regions = 1u << (c->discrete ? VRAM_INSTANCE : SYS_INSTANCE),
		};
		g->gt_list[1] = (struct drm_xe_gt){
			.type = DRM_XE_QUERY_GT_TYPE_MEDIA, .gt_id = 1, .reference_clock = 19200000,
			.ip_ver_major = c->ip_major ? 20 : 0,
		};
		break;
	}
	}
}

/*
 * xe_query_ioctl(): MBZ fields; an unknown query is -EINVAL; size 0 asks,
 * any other wrong size is -EINVAL.
 */
static int fake_device_query(struct fake_xe *f, struct drm_xe_device_query *q)
{
	size_t need;
	void *tmp;

	if (q->extensions || !mbz(q->reserved, 2))
		return -EINVAL;
	need = query_size(f, q->query);
	if (!need)
		return -EINVAL;
	if (!q->size) {
		q->size = (uint32_t)need;
		return 0;
	}
	if (q->size != need || !q->data)
		return -EINVAL;
	tmp = calloc(1, need);
	if (!tmp)
		return -ENOMEM;
	fill_query(f, q->query, tmp);
	memcpy((void *)(uintptr_t)q->data, tmp, need);
	free(tmp);
	return 0;
}

/* --- xe: objects ------------------------------------------------------------ */

/*
 * xe_gem_create_ioctl(): MBZ fields (and handle), known flags, a placement
 * of existing regions, a known cpu_caching, WC for anything VRAM-placeable,
 * a nonzero size aligned to the placement's page size, a live VM if any.
 */
static int fake_gem_create(struct fake_xe *f, int fd, struct drm_xe_gem_create *c)
{
	uint32_t regions = 1u << SYS_INSTANCE | (f->cfg.discrete ? 1u << VRAM_INSTANCE : 0);
	bool vram = c->placement & (1u << VRAM_INSTANCE);
	uint64_t page = vram ? f->cfg.vram_page : FAKE_PAGE;
	struct fake_obj *o;

	if (c->extensions || !mbz(c->reserved, 2) || c->pad[0] || c->pad[1] || c->pad[2] ||
	    c->handle)
		return -EINVAL;
	if (c->flags & ~(DRM_XE_GEM_CREATE_FLAG_DEFER_BACKING | DRM_XE_GEM_CREATE_FLAG_SCANOUT |
			 DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM))
		return -EINVAL;
	if (!c->placement || c->placement & ~regions)
		return -EINVAL;
	if (c->flags & DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM && !vram)
		return -EINVAL;
	if (c->cpu_caching != DRM_XE_GEM_CPU_CACHING_WB &&
	    c->cpu_caching != DRM_XE_GEM_CPU_CACHING_WC)
		return -EINVAL;
	if (vram && c->cpu_caching == DRM_XE_GEM_CPU_CACHING_WB)
		return -EINVAL;
	if (!c->size || c->size % page)
		return -EINVAL;
	if (c->vm_id && !find_vm(f, c->vm_id))
		return -ENOENT;
	o = new_obj(f, fd, c->size, true);
	if (!o)
		return -ENOMEM;
	o->vram = vram;
	o->wc = c->cpu_caching == DRM_XE_GEM_CPU_CACHING_WC;
	f->stats.creates++;
	f->stats.vram_objects += o->vram;
	f->stats.visible_vram_objects += !!(c->flags & DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM);
	f->stats.wc_objects += o->wc;
	c->handle = o->handle;
	return 0;
}

/* xe_gem_mmap_offset_ioctl(): MBZ fields, flags 0, a live handle (-ENOENT). */
static int fake_gem_mmap_offset(struct fake_xe *f, int fd, struct drm_xe_gem_mmap_offset *m)
{
	struct fake_obj *o;

	if (m->extensions || !mbz(m->reserved, 2) || m->flags)
		return -EINVAL;
	o = lookup(f, fd, m->handle);
	if (!o || o->imported)
		return o ? -EINVAL : -ENOENT;
	o->offered = true;
	m->offset = FAKE_OFFSET_TAG | o->base;
	return 0;
}

static void *fake_mmap_hook(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
	struct fake_xe *f = the_fake;
	uint64_t off = (uint64_t)offset;

	if (!f || !fake_drm_node_is_fd(&f->node, fd))
		return mmap(addr, len, prot, flags, fd, offset);
	if (!(off & FAKE_OFFSET_TAG))
		goto einval;
	off &= ~FAKE_OFFSET_TAG;
	for (size_t i = 0; i < f->n_objs; i++) {
		struct fake_obj *o = f->objs[i];

		if (!o->alive || o->imported || o->base != off || !o->offered)
			continue;
		if (len > o->size)
			goto einval;
		if (o->fd != fd) {
			errno = EACCES;
			return MAP_FAILED;
		}
		f->stats.mmaps++;
		return mmap(addr, len, prot, flags, f->node.memfd, (off_t)o->base);
	}
einval:
	errno = EINVAL;
	return MAP_FAILED;
}

/* --- xe: VMs and binds ---------------------------------------------------- */

/* xe_vm_create_ioctl(): MBZ fields, known flags, FAULT_MODE needs LR_MODE and USM. */
static int fake_vm_create(struct fake_xe *f, struct drm_xe_vm_create *c)
{
	const uint32_t known = DRM_XE_VM_CREATE_FLAG_SCRATCH_PAGE | DRM_XE_VM_CREATE_FLAG_LR_MODE |
			       DRM_XE_VM_CREATE_FLAG_FAULT_MODE;

	if (c->extensions || !mbz(c->reserved, 2) || c->flags & ~known)
		return -EINVAL;
	if (c->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE &&
	    (!(c->flags & DRM_XE_VM_CREATE_FLAG_LR_MODE) || !f->cfg.has_usm))
		return -EINVAL;
	if (f->n_vms == FAKE_MAX_IDS)
		return -ENOMEM;
	f->vms[f->n_vms] = (struct fake_vm){ .id = (uint32_t)f->n_vms + 1, .live = true };
	c->vm_id = f->vms[f->n_vms++].id;
	return 0;
}

/* xe_vm_destroy_ioctl(): MBZ fields, a live VM (-ENOENT); its bindings go with it. */
static int fake_vm_destroy(struct fake_xe *f, struct drm_xe_vm_destroy *d)
{
	struct fake_vm *vm;

	if (d->pad || !mbz(d->reserved, 2))
		return -EINVAL;
	vm = find_vm(f, d->vm_id);
	if (!vm)
		return -ENOENT;
	vm->live = false;
	for (size_t i = 0; i < f->n_bindings; i++)
		if (f->bindings[i].live && f->bindings[i].vm == vm->id)
			drop_binding(f, &f->bindings[i]);
	return 0;
}

/* The user pages must exist: xe_vma_userptr_pin_pages() -> get_user_pages -EFAULT. */
static bool user_range_mapped(uint64_t ptr, uint64_t len)
{
	unsigned char vec[1];

	for (uint64_t off = 0; off < len; off += FAKE_PAGE)
		if (mincore((void *)(uintptr_t)(ptr + off), FAKE_PAGE, vec))
			return false;
	return true;
}

/*
 * vm_bind_ioctl_check_args() and vm_bind_ioctl_ops_create(): MBZ fields, one
 * op, a known op and flags, a valid pat_index, 4 KiB-aligned address,
 * range and offset (the object's region page for VRAM objects), a range
 * inside the VA space and the object, obj 0 for UNMAP and MAP_USERPTR.
 */
static int fake_vm_bind(struct fake_xe *f, int fd, struct drm_xe_vm_bind *b)
{
	const struct drm_xe_vm_bind_op *op = &b->bind;
	struct fake_obj *o = NULL;
	uint64_t align = FAKE_PAGE;
	bool coherent;
	int err;

	if (b->extensions || b->pad || b->pad2 || !mbz(b->reserved, 2))
		return -EINVAL;
	if (b->num_binds != 1 || b->exec_queue_id)
		return -EINVAL; /* the fake's simplification: see the top of this file */
	if (op->extensions || op->pad || op->pad2 || !mbz(op->reserved, 3))
		return -EINVAL;
	if (op->op > DRM_XE_VM_BIND_OP_PREFETCH || op->pat_index >= FAKE_N_PAT ||
	    op->flags & ~(DRM_XE_VM_BIND_FLAG_READONLY | DRM_XE_VM_BIND_FLAG_IMMEDIATE |
			  DRM_XE_VM_BIND_FLAG_NULL))
		return -EINVAL;
	if (op->op == DRM_XE_VM_BIND_OP_UNMAP_ALL || op->op == DRM_XE_VM_BIND_OP_PREFETCH)
		return -EINVAL; /* never sent by the backend */
	if ((op->op == DRM_XE_VM_BIND_OP_UNMAP || op->op == DRM_XE_VM_BIND_OP_MAP_USERPTR) &&
	    op->obj)
		return -EINVAL;
	/* xe_vm_bind_ioctl_validate_bo(): WB objects and foreign dma-bufs need a coherent PAT */
	coherent = f->cfg.coherent_pats & (1u << op->pat_index);
	if (op->op == DRM_XE_VM_BIND_OP_MAP_USERPTR && !coherent)
		return -EINVAL;
	if (op->op == DRM_XE_VM_BIND_OP_MAP) {
		o = lookup(f, fd, op->obj);
		if (!o)
			return -ENOENT;
		if ((o->imported || !o->wc) && !coherent)
			return -EINVAL;
		if (o->vram)
			align = f->cfg.vram_page;
	}
	if (!op->range || op->range % align || op->addr % align || op->obj_offset % FAKE_PAGE)
		return -EINVAL;
	if (op->addr + op->range > (1ull << f->cfg.va_bits) || op->addr + op->range < op->addr)
		return -EINVAL;
	if (o && (op->obj_offset > o->size || op->range > o->size - op->obj_offset))
		return -EINVAL;
	if (!find_vm(f, b->vm_id))
		return -ENOENT;
	err = check_syncs(f, b->syncs, b->num_syncs);
	if (err)
		return err;

	if (op->op == DRM_XE_VM_BIND_OP_UNMAP) {
		bool any = false;

		for (size_t i = 0; i < f->n_bindings; i++) {
			struct fake_binding *x = &f->bindings[i];

			if (x->live && x->vm == b->vm_id && x->addr >= op->addr &&
			    x->addr + x->range <= op->addr + op->range) {
				drop_binding(f, x);
				f->stats.unmaps++;
				any = true;
			}
		}
		f->stats.empty_unmaps += !any;
	} else {
		struct fake_binding *old;

		if (op->op == DRM_XE_VM_BIND_OP_MAP_USERPTR &&
		    !user_range_mapped(op->userptr, op->range))
			return -EFAULT;
		if (f->n_bindings == FAKE_MAX_IDS)
			return -ENOMEM;
		/* xe replaces what the new range covers; a correct caller never asks */
		while ((old = binding_at(f, b->vm_id, op->addr)) ||
		       (old = binding_at(f, b->vm_id, op->addr + op->range - 1))) {
			f->stats.overlaps++;
			drop_binding(f, old);
		}
		f->bindings[f->n_bindings++] = (struct fake_binding){
			.live = true, .vm = b->vm_id, .addr = op->addr, .range = op->range, .obj = o,
		};
		if (o) {
			o->bindings++;
			o->maps++;
			f->stats.maps++;
			if (!o->pages) {
				/* xe_bo_validate -> populate + xe_tt_map_sg (or the dma-buf's map) */
				o->pages = true;
				f->stats.dma_maps++;
				f->stats.dmabuf_maps += o->imported;
			}
		} else {
			f->stats.userptr_maps++;
			f->stats.dma_maps++;
		}
	}
	signal_syncs(f, b->syncs, b->num_syncs);
	return 0;
}

/* --- xe: submission -------------------------------------------------------- */

static bool engine_exists(const struct fake_xe *f, const struct drm_xe_engine_class_instance *e)
{
	if (e->pad || e->engine_instance)
		return false;
	switch (e->engine_class) {
	case DRM_XE_ENGINE_CLASS_RENDER:
		return f->cfg.has_render && e->gt_id == 0;
	case DRM_XE_ENGINE_CLASS_COPY:
		return f->cfg.has_copy && e->gt_id == 0;
	case DRM_XE_ENGINE_CLASS_VIDEO_DECODE:
	case DRM_XE_ENGINE_CLASS_VIDEO_ENHANCE:
		return e->gt_id == 1;
	}
	return false;
}

/*
 * xe_exec_queue_create_ioctl(): MBZ fields and flags, width x placements
 * engines that exist (-EINVAL), a live VM (-ENOENT).
 */
static int fake_exec_queue_create(struct fake_xe *f, struct drm_xe_exec_queue_create *c)
{
	const struct drm_xe_engine_class_instance *e =
		(const struct drm_xe_engine_class_instance *)(uintptr_t)c->instances;
	struct fake_vm *vm;

	if (c->extensions || !mbz(c->reserved, 2) || c->flags)
		return -EINVAL;
	if (c->width != 1 || c->num_placements != 1 || !e || !engine_exists(f, e))
		return -EINVAL;
	vm = find_vm(f, c->vm_id);
	if (!vm)
		return -ENOENT;
	if (f->n_queues == FAKE_MAX_IDS)
		return -ENOMEM;
	vm->queues++;
	f->queues[f->n_queues] = (struct fake_queue){
		.id = (uint32_t)f->n_queues + 1, .live = true, .vm = c->vm_id,
	};
	c->exec_queue_id = f->queues[f->n_queues++].id;
	return 0;
}

static int fake_exec_queue_destroy(struct fake_xe *f, struct drm_xe_exec_queue_destroy *d)
{
	struct fake_queue *q;

	if (d->pad || !mbz(d->reserved, 2))
		return -EINVAL;
	q = find_queue(f, d->exec_queue_id);
	if (!q)
		return -ENOENT;
	q->live = false;
	for (size_t i = 0; i < f->n_vms; i++)
		if (f->vms[i].id == q->vm)
			f->vms[i].queues--;
	return 0;
}

static int fake_exec_queue_get_property(struct fake_xe *f, struct drm_xe_exec_queue_get_property *p)
{
	struct fake_queue *q;

	if (p->extensions || !mbz(p->reserved, 2))
		return -EINVAL;
	q = find_queue(f, p->exec_queue_id);
	if (!q)
		return -ENOENT;
	if (p->property != DRM_XE_EXEC_QUEUE_GET_PROPERTY_BAN)
		return -EINVAL;
	p->value = q->banned;
	return 0;
}

/*
 * xe_exec_ioctl(): MBZ fields, a live queue (-ENOENT), not banned
 * (-ECANCELED), one batch per width. The batch then runs: an address with
 * no binding, or a batch not ending at once, is a GPU fault or hang that
 * bans the queue (the ioctl itself succeeded).
 */
static int fake_exec(struct fake_xe *f, struct drm_xe_exec *e)
{
	struct fake_queue *q;
	struct fake_binding *b;
	uint32_t dw = 0;
	int err;

	if (e->extensions || !mbz(e->reserved, 2) || e->pad[0] || e->pad[1] || e->pad[2])
		return -EINVAL;
	q = find_queue(f, e->exec_queue_id);
	if (!q)
		return -ENOENT;
	if (q->banned)
		return -ECANCELED;
	if (e->num_batch_buffer != 1)
		return -EINVAL;
	err = check_syncs(f, e->syncs, e->num_syncs);
	if (err)
		return err;
	b = binding_at(f, q->vm, e->address);
	if (b && b->obj && !b->obj->imported)
		pread(f->node.memfd, &dw, sizeof(dw), (off_t)(b->obj->base + (e->address - b->addr)));
	if (dw != XE_MI_BATCH_BUFFER_END) {
		f->stats.bad_batches++;
		q->banned = true;
	} else {
		f->stats.execs++;
	}
	signal_syncs(f, e->syncs, e->num_syncs);
	return 0;
}

/* --- dispatch ------------------------------------------------------------- */

static int dispatch(struct fake_xe *f, int fd, unsigned long request, void *arg)
{
	switch (request) {
	case DRM_IOCTL_VERSION:
		return fake_version(arg);
	case DRM_IOCTL_GEM_CLOSE:
		return fake_gem_close(f, fd, arg);
	case DRM_IOCTL_PRIME_HANDLE_TO_FD:
		return fake_prime_handle_to_fd(f, fd, arg);
	case DRM_IOCTL_PRIME_FD_TO_HANDLE:
		return fake_prime_fd_to_handle(f, fd, arg);
	case DRM_IOCTL_SYNCOBJ_CREATE:
		return fake_syncobj_create(f, arg);
	case DRM_IOCTL_SYNCOBJ_DESTROY:
		return fake_syncobj_destroy(f, arg);
	case DRM_IOCTL_SYNCOBJ_WAIT:
		return fake_syncobj_wait(f, arg);
	case DRM_IOCTL_XE_DEVICE_QUERY:
		return fake_device_query(f, arg);
	case DRM_IOCTL_XE_GEM_CREATE:
		return fake_gem_create(f, fd, arg);
	case DRM_IOCTL_XE_GEM_MMAP_OFFSET:
		return fake_gem_mmap_offset(f, fd, arg);
	case DRM_IOCTL_XE_VM_CREATE:
		return fake_vm_create(f, arg);
	case DRM_IOCTL_XE_VM_DESTROY:
		return fake_vm_destroy(f, arg);
	case DRM_IOCTL_XE_VM_BIND:
		return fake_vm_bind(f, fd, arg);
	case DRM_IOCTL_XE_EXEC_QUEUE_CREATE:
		return fake_exec_queue_create(f, arg);
	case DRM_IOCTL_XE_EXEC_QUEUE_DESTROY:
		return fake_exec_queue_destroy(f, arg);
	case DRM_IOCTL_XE_EXEC_QUEUE_GET_PROPERTY:
		return fake_exec_queue_get_property(f, arg);
	case DRM_IOCTL_XE_EXEC:
		return fake_exec(f, arg);
	}
	/* A DRM number with another size or direction is a wrapper bug: count it. */
	if (_IOC_TYPE(request) == DRM_IOCTL_BASE)
		f->stats.size_mismatch++;
	return -EINVAL;
}

static int fake_ioctl_hook(int fd, unsigned long request, void *arg)
{
	struct fake_xe *f = the_fake;
	int err;

	if (!f || !fake_drm_node_is_fd(&f->node, fd) || fd == f->node.memfd)
		return ioctl(fd, request, arg);
	f->stats.calls[_IOC_NR(request) & 0xff]++;
	err = fake_drm_rules_check(&f->rules, request);
	if (err)
		f->stats.injected++;
	else
		err = dispatch(f, fd, request, arg);
	if (err) {
		f->stats.refused++;
		errno = -err;
		return -1;
	}
	return 0;
}

/* --- set-up and inspection ------------------------------------------------ */

struct fake_xe *fake_xe_create(const struct fake_xe_config *cfg)
{
	struct fake_xe *f;

	if (the_fake)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->cfg = *cfg;
	f->next_handle = 1;
	if (fake_drm_node_open(&f->node, FAKE_DEV_NAME) < 0) {
		free(f);
		return NULL;
	}
	the_fake = f;
	drm_io.ioctl = fake_ioctl_hook;
	drm_io.mmap = fake_mmap_hook;
	drm_io.munmap = munmap;
	return f;
}

void fake_xe_destroy(struct fake_xe *f)
{
	if (!f)
		return;
	drm_io_reset();
	the_fake = NULL;
	for (size_t i = 0; i < f->n_objs; i++)
		free(f->objs[i]);
	fake_drm_node_close(&f->node);
	free(f);
}

const char *fake_xe_path(const struct fake_xe *f)
{
	return f->node.path;
}

void fake_xe_refuse(struct fake_xe *f, unsigned long request, int err, unsigned skip,
		    unsigned times)
{
	fake_drm_rules_add(&f->rules, request, err, skip, times);
}

void fake_xe_ban_queues(struct fake_xe *f)
{
	for (size_t i = 0; i < f->n_queues; i++)
		if (f->queues[i].live)
			f->queues[i].banned = true;
}

int fake_xe_foreign_dmabuf(struct fake_xe *f, uint64_t size)
{
	return fake_dmabuf_add(&f->dmabufs, FAKE_DMABUF_NAME, size, NULL, true);
}

const struct fake_xe_stats *fake_xe_stats(const struct fake_xe *f)
{
	return &f->stats;
}

unsigned fake_xe_open_handles(const struct fake_xe *f)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->n_objs; i++)
		n += f->objs[i]->open;
	return n;
}

unsigned fake_xe_live_vms(const struct fake_xe *f)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->n_vms; i++)
		n += f->vms[i].live;
	return n;
}

unsigned fake_xe_live_bindings(const struct fake_xe *f)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->n_bindings; i++)
		n += f->bindings[i].live;
	return n;
}

unsigned fake_xe_live_queues(const struct fake_xe *f)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->n_queues; i++)
		n += f->queues[i].live;
	return n;
}

unsigned fake_xe_live_syncobjs(const struct fake_xe *f)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->n_syncobjs; i++)
		n += f->syncobjs[i].live;
	return n;
}

unsigned fake_xe_live_mappings(const struct fake_xe *f)
{
	return fake_drm_node_mappings(&f->node);
}

unsigned fake_xe_open_fds(const struct fake_xe *f)
{
	return fake_drm_node_open_fds(&f->node, &f->dmabufs);
}

uint64_t fake_xe_dma_mapped_bytes(const struct fake_xe *f)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < f->n_objs; i++)
		if (f->objs[i]->alive && f->objs[i]->pages)
			bytes += f->objs[i]->size;
	for (size_t i = 0; i < f->n_bindings; i++)
		if (f->bindings[i].live && !f->bindings[i].obj)
			bytes += f->bindings[i].range;
	return bytes;
}

unsigned fake_xe_leaks(const struct fake_xe *f, char *why, size_t why_len)
{
	unsigned handles = fake_xe_open_handles(f), vms = fake_xe_live_vms(f);
	unsigned bindings = fake_xe_live_bindings(f), queues = fake_xe_live_queues(f);
	unsigned syncobjs = fake_xe_live_syncobjs(f), maps = fake_xe_live_mappings(f);
	unsigned fds = fake_xe_open_fds(f);

	snprintf(why, why_len,
		 "fake_xe: %u open handles, %u VMs, %u bindings, %u exec queues, %u syncobjs, "
		 "%u live mappings, %u open fds",
		 handles, vms, bindings, queues, syncobjs, maps, fds);
	return handles + vms + bindings + queues + syncobjs + maps + fds;
}

bool fake_xe_object(const struct fake_xe *f, uint32_t handle, uint64_t *size, bool *vram,
		    bool *wc, unsigned *maps)
{
	for (size_t i = 0; i < f->n_objs; i++) {
		const struct fake_obj *o = f->objs[i];

		if (!o->open || o->handle != handle)
			continue;
		if (size)
			*size = o->size;
		if (vram)
			*vram = o->vram;
		if (wc)
			*wc = o->wc;
		if (maps)
			*maps = o->maps;
		return true;
	}
	return false;
}
