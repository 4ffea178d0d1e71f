/*
 * fake_i915: the ioctl-level test double of i915 for unit tests (see
 * fake_i915.h).
 *
 * Each handler follows the order of checks of the kernel function named in
 * its comment (drivers/gpu/drm/i915/gem/ and drm_gem.c, drm_prime.c, as of
 * 6.1 and 6.12), so the errno a malformed call gets here is the errno it
 * would get there, and each device rule is derived from the same device
 * facts the kernel derives it from (IS_DGFX, GRAPHICS_VER, HAS_LLC, ...).
 *
 * Pages and DMA mappings follow the kernel too: an object has no pages
 * until something runs get_pages (SET_DOMAIN, PREAD, an execbuf, a CPU
 * fault; for an imported dma-buf that is where dma_buf_map_attachment
 * happens, not at import), PWRITE into an object without pages writes the
 * page cache and maps nothing, and closing the last handle only queues the
 * object (i915_gem_free_object): its pages stay mapped until the next
 * create or userptr flushes the free list (i915_gem_flush_free_objects).
 * The kernel's worker may flush sooner; the double never does, which is
 * the case a slot reading must not depend on.
 * Where the kernel is lenient for ABI reasons (it never checks
 * drm_i915_gem_mmap_offset.pad, say) the fake is lenient too. Simplifications,
 * each harmless to what the tests check: handles are never reused (so a use
 * after GEM_CLOSE is always caught), every export makes a new dma-buf, and
 * relocations are not supported (the backend never sends any).
 */
#include "fake_i915.h"

#include "fake_dmabuf.h"
#include "fake_drm.h"

#include "backends/i915_ioctl.h"

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
#define FAKE_LMEM_PAGE 65536ull          /* DG2 rounds device-memory objects to 64K */
#define FAKE_TYPE_SHIFT 44               /* fake mmap offset = (type + 1) << 44 | memfd offset */
#define FAKE_BASE_MASK ((1ull << FAKE_TYPE_SHIFT) - 1)
#define FAKE_DEV_NAME "fake-i915-dev"
#define FAKE_DMABUF_NAME "fake-i915-dmabuf"
#define FAKE_SIGBUS_OFFSET (1ull << 40)  /* beyond any object: a touch there is SIGBUS */

/*
 * The kernel ABI the fake emulates (x86-64 sizes of the uAPI structs). If
 * the installed libdrm header ever disagreed, the fake would be checking a
 * different ABI from the kernel's: refuse to build instead.
 */
_Static_assert(sizeof(struct drm_i915_gem_create) == 16, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_create_ext) == 24, "i915 ABI");
_Static_assert(sizeof(struct i915_user_extension) == 32, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_create_ext_memory_regions) == 48, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_mmap_offset) == 32, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_mmap) == 40, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_mmap_gtt) == 16, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_userptr) == 24, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_set_domain) == 12, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_pread) == 32, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_pwrite) == 32, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_exec_object2) == 56, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_execbuffer2) == 64, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_query) == 16, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_query_item) == 24, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_query_memory_regions) == 16, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_memory_region_info) == 88, "i915 ABI");
_Static_assert(sizeof(struct drm_i915_gem_wait) == 16, "i915 ABI");
_Static_assert(sizeof(struct drm_prime_handle) == 12, "DRM ABI");
_Static_assert(sizeof(struct drm_gem_close) == 8, "DRM ABI");

struct fake_obj {
	uint32_t handle;     /* nonzero; never reused */
	int fd;              /* the device fd the handle belongs to */
	bool open;           /* handle not yet GEM_CLOSEd */
	uint64_t size;       /* bytes, rounded as the kernel rounds */
	uint64_t base;       /* offset of the contents in the device memfd (not for userptr) */
	bool lmem;           /* placed in device memory first */
	bool userptr;        /* contents are user memory at uptr */
	bool readonly;       /* I915_USERPTR_READ_ONLY */
	bool imported;       /* from PRIME_FD_TO_HANDLE of a foreign dma-buf */
	void *uptr;
	bool pages;          /* get_pages ran: the pages are DMA-mapped */
	bool freed;          /* closed with pages: on the free list, still mapped */
	unsigned offered;    /* bit per I915_MMAP_OFFSET_* type an offset was handed out for */
	unsigned binds;      /* successful execbufs that listed it */
};

struct fake_i915 {
	struct fake_i915_config cfg;
	struct fake_drm_node node; /* the "device": object contents live in its memfd */
	uint64_t next_base;      /* next free offset in memfd */
	uint32_t next_handle;
	struct fake_obj **objs;
	size_t n_objs, cap_objs;
	struct fake_drm_rules rules; /* refusals the test injected */
	struct fake_dmabufs dmabufs; /* what PRIME exported, and foreign dma-bufs */
	struct fake_i915_stats stats;
};

static struct fake_i915 *the_fake;

/* What every profile shares: a current kernel (6.x) on an x86 CPU with PAT. */
static struct fake_i915_config current_kernel(void)
{
	return (struct fake_i915_config){
		.has_pat = true,
		.mmap_version = 1,
		.mmap_gtt_version = 4,
		.has_create_ext = true,
		.has_query = true,
		.has_memregion_query = true,
		.userptr_probe = 1,
		.userptr_set_domain = true,
		.exec_lut = true,
	};
}

struct fake_i915_config fake_i915_gen9(void)
{
	struct fake_i915_config cfg = current_kernel();

	cfg.chipset_id = 0x1912; /* Skylake GT2 */
	cfg.revision = 7;
	cfg.graphics_ver = 9;
	cfg.has_llc = true;
	cfg.has_snoop = true;
	cfg.has_aperture = true;
	return cfg;
}

struct fake_i915_config fake_i915_tgl(void)
{
	struct fake_i915_config cfg = fake_i915_gen9();

	cfg.chipset_id = 0x9a49; /* Tiger Lake-LP GT2 */
	cfg.revision = 1;
	cfg.graphics_ver = 12;
	cfg.tigerlake = true;
	return cfg;
}

struct fake_i915_config fake_i915_adl(void)
{
	struct fake_i915_config cfg = fake_i915_tgl();

	cfg.chipset_id = 0x46a6; /* Alder Lake-P GT2 */
	cfg.revision = 12;
	cfg.tigerlake = false;
	return cfg;
}

struct fake_i915_config fake_i915_dg1(void)
{
	struct fake_i915_config cfg = current_kernel();

	cfg.discrete = true;
	cfg.chipset_id = 0x4905; /* DG1 */
	cfg.revision = 0;
	cfg.graphics_ver = 12;
	cfg.graphics_rel = 10;
	cfg.has_llc = false;
	cfg.has_snoop = true;
	cfg.has_aperture = false;
	cfg.lmem_size = 4ull << 30;
	return cfg;
}

struct fake_i915_config fake_i915_dg2(void)
{
	struct fake_i915_config cfg = fake_i915_dg1();

	cfg.chipset_id = 0x56a0; /* DG2 (Arc A770) */
	cfg.revision = 8;
	cfg.graphics_rel = 55;
	cfg.lmem_size = 16ull << 30;
	return cfg;
}

struct fake_i915_config fake_i915_mtl(void)
{
	struct fake_i915_config cfg = current_kernel();

	cfg.chipset_id = 0x7d55; /* Meteor Lake-P */
	cfg.revision = 4;
	cfg.graphics_ver = 12;
	cfg.graphics_rel = 70;
	cfg.has_llc = false;
	cfg.has_snoop = true;
	/* gen8_gmch_probe(): stolen memory through LMEMBAR, no GMADR aperture */
	cfg.has_aperture = false;
	return cfg;
}

struct fake_i915_config fake_i915_integrated(void)
{
	return fake_i915_adl();
}

struct fake_i915_config fake_i915_discrete(void)
{
	return fake_i915_dg2();
}

const struct fake_i915_profile fake_i915_profiles[] = {
	{ "gen9", fake_i915_gen9 }, { "tgl", fake_i915_tgl }, { "adl", fake_i915_adl },
	{ "dg1", fake_i915_dg1 },   { "dg2", fake_i915_dg2 }, { "mtl", fake_i915_mtl },
	{ NULL, NULL },
};

/* GRAPHICS_VER_FULL() > IP_VER(@ver, @rel) */
static bool ver_above(const struct fake_i915_config *c, unsigned ver, unsigned rel)
{
	return c->graphics_ver > ver || (c->graphics_ver == ver && c->graphics_rel > rel);
}

/* --- bookkeeping ---------------------------------------------------------- */

static struct fake_obj *lookup(struct fake_i915 *f, int fd, uint32_t handle)
{
	for (size_t i = 0; i < f->n_objs; i++) {
		struct fake_obj *o = f->objs[i];

		if (o->open && o->handle == handle && o->fd == fd)
			return o;
	}
	return NULL;
}

static struct fake_obj *new_obj(struct fake_i915 *f, int fd, uint64_t size, bool backed)
{
	struct fake_obj *o;

	if (f->n_objs == f->cap_objs) {
		size_t cap = f->cap_objs ? 2 * f->cap_objs : 64;
		struct fake_obj **objs = realloc(f->objs, cap * sizeof(*objs));

		if (!objs)
			return NULL;
		f->objs = objs;
		f->cap_objs = cap;
	}
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
	o->open = true;
	o->size = size;
	f->objs[f->n_objs++] = o;
	return o;
}

static void release_contents(struct fake_i915 *f, struct fake_obj *o)
{
	/* Give the pages back; a mapping still alive would be a leak the tests report. */
	if (!o->userptr && !o->imported && o->size)
		fallocate(f->node.memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)o->base,
			  (off_t)o->size);
}

/*
 * i915_gem_object_get_pages() -> i915_gem_gtt_prepare_pages() ->
 * dma_map_sg(); for an imported dma-buf i915_gem_object_get_pages_dmabuf()
 * -> dma_buf_map_attachment(). Once per object: later callers pin what is
 * there.
 */
static void get_pages(struct fake_i915 *f, struct fake_obj *o)
{
	if (o->pages)
		return;
	o->pages = true;
	f->stats.dma_maps++;
	f->stats.dmabuf_maps += o->imported;
}

/*
 * i915_gem_flush_free_objects(): the objects i915_gem_free_object() queued
 * lose their pages now (put_pages -> dma_unmap_sg) and their contents.
 */
static void flush_free_objects(struct fake_i915 *f)
{
	bool any = false;

	for (size_t i = 0; i < f->n_objs; i++) {
		struct fake_obj *o = f->objs[i];

		if (!o->freed)
			continue;
		o->freed = false;
		o->pages = false;
		f->stats.dma_unmaps++;
		release_contents(f, o);
		any = true;
	}
	f->stats.free_flushes += any;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

/* --- core DRM ------------------------------------------------------------- */

/* drm_version(): copies as much of each string as fits, reports the full length. */
static int fake_version(struct fake_i915 *f, struct drm_version *v)
{
	static const char name[] = "i915", date[] = "20230929", desc[] = "Intel Graphics (fake)";
	const char *src[3] = { name, date, desc };
	char *dst[3] = { v->name, v->date, v->desc };
	__kernel_size_t *len[3] = { &v->name_len, &v->date_len, &v->desc_len };

	v->version_major = 1;
	v->version_minor = 6;
	v->version_patchlevel = 0;
	for (int i = 0; i < 3; i++) {
		size_t full = strlen(src[i]);

		if (*len[i] && dst[i])
			memcpy(dst[i], src[i], *len[i] < full ? *len[i] : full);
		*len[i] = full;
	}
	return 0;
}

/*
 * drm_gem_close_ioctl(): an unknown handle is -EINVAL; pad is not checked.
 * The last reference goes to i915_gem_free_object(), which only queues
 * the object: pages got stay mapped until i915_gem_flush_free_objects().
 */
static int fake_gem_close(struct fake_i915 *f, int fd, struct drm_gem_close *arg)
{
	struct fake_obj *o = lookup(f, fd, arg->handle);

	if (!o)
		return -EINVAL;
	o->open = false;
	if (o->pages)
		o->freed = true;
	else
		release_contents(f, o);
	return 0;
}

/* drm_prime_handle_to_fd_ioctl(): only DRM_CLOEXEC | DRM_RDWR; unknown handle -ENOENT. */
static int fake_prime_handle_to_fd(struct fake_i915 *f, int fd, struct drm_prime_handle *arg)
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
 * drm_prime_fd_to_handle_ioctl(): a closed fd is -EBADF, a file that is no
 * dma-buf -EINVAL; a dma-buf of this device comes back as the object's own
 * handle when this file still has it open. A foreign one goes through
 * i915_gem_prime_import(), which only attaches (dma_buf_attach: udmabuf and
 * i915 are static, so nothing maps early); the mapping waits for get_pages.
 */
static int fake_prime_fd_to_handle(struct fake_i915 *f, int fd, struct drm_prime_handle *arg)
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

/* --- i915: facts ---------------------------------------------------------- */

/* i915_getparam_ioctl(): unknown parameters are -EINVAL. */
static int fake_getparam(struct fake_i915 *f, struct drm_i915_getparam *gp)
{
	int value;

	switch (gp->param) {
	case I915_PARAM_CHIPSET_ID:
		value = (int)f->cfg.chipset_id;
		break;
	case I915_PARAM_REVISION:
		value = f->cfg.revision;
		break;
	case I915_PARAM_MMAP_VERSION:
		if (f->cfg.mmap_version <= 0)
			return -EINVAL; /* before 4.0 */
		value = f->cfg.mmap_version;
		break;
	case I915_PARAM_MMAP_GTT_VERSION:
		value = f->cfg.mmap_gtt_version;
		break;
	case I915_PARAM_HAS_EXEC_NO_RELOC:
	case I915_PARAM_HAS_EXEC_HANDLE_LUT:
		value = f->cfg.exec_lut;
		break;
	case I915_PARAM_HAS_USERPTR_PROBE:
		if (f->cfg.userptr_probe < 0)
			return -EINVAL;
		value = f->cfg.userptr_probe;
		break;
	default:
		return -EINVAL;
	}
	if (!gp->value)
		return -EFAULT;
	*gp->value = value;
	return 0;
}

static unsigned n_regions(const struct fake_i915 *f)
{
	return f->cfg.discrete ? 2 : 1;
}

/* query_memregion_info(): errors go into item->length, the ioctl still succeeds. */
static int query_memregions(struct fake_i915 *f, struct drm_i915_query_item *item)
{
	struct drm_i915_query_memory_regions *q = (void *)(uintptr_t)item->data_ptr;
	int32_t need = (int32_t)(sizeof(*q) + n_regions(f) * sizeof(q->regions[0]));

	if (!f->cfg.has_memregion_query || item->flags)
		return -EINVAL;
	if (item->length == 0) {
		item->length = need;
		return 0;
	}
	if (item->length < need)
		return -EINVAL;
	if (!q)
		return -EFAULT;
	if (q->num_regions)
		return -EINVAL;
	for (int i = 0; i < 3; i++)
		if (q->rsvd[i])
			return -EINVAL;
	memset(q->regions, 0, n_regions(f) * sizeof(q->regions[0]));
	q->num_regions = n_regions(f);
	q->regions[0].region.memory_class = I915_MEMORY_CLASS_SYSTEM;
	q->regions[0].probed_size = 8ull << 30;
	q->regions[0].unallocated_size = q->regions[0].probed_size;
	if (f->cfg.discrete) {
		q->regions[1].region.memory_class = I915_MEMORY_CLASS_DEVICE;
		q->regions[1].probed_size = f->cfg.lmem_size;
		q->regions[1].unallocated_size = f->cfg.lmem_size;
		q->regions[1].probed_cpu_visible_size = f->cfg.lmem_size;
	}
	item->length = need;
	return 0;
}

/* i915_query_ioctl(): flags MBZ; each item answered in its length field. */
static int fake_query(struct fake_i915 *f, struct drm_i915_query *q)
{
	struct drm_i915_query_item *items = (void *)(uintptr_t)q->items_ptr;

	if (!f->cfg.has_query)
		return -EINVAL; /* drm_ioctl(): a driver ioctl number it does not know */
	if (q->flags)
		return -EINVAL;
	if (q->num_items && !items)
		return -EFAULT;
	for (uint32_t i = 0; i < q->num_items; i++) {
		int err = -EINVAL; /* unknown query ids */

		if (items[i].query_id == DRM_I915_QUERY_MEMORY_REGIONS)
			err = query_memregions(f, &items[i]);
		if (err)
			items[i].length = err;
	}
	return 0;
}

/* --- i915: objects -------------------------------------------------------- */

/*
 * i915_gem_create_ioctl() -> __i915_gem_object_create_user_ext(): the free
 * list is flushed first, then the size rounded up to a page; 0 is -EINVAL.
 */
static int fake_create(struct fake_i915 *f, int fd, struct drm_i915_gem_create *c)
{
	uint64_t size = round_up(c->size, FAKE_PAGE);
	struct fake_obj *o;

	flush_free_objects(f);
	if (size == 0)
		return -EINVAL;
	o = new_obj(f, fd, size, true);
	if (!o)
		return -ENOMEM;
	c->size = size;
	c->handle = o->handle;
	f->stats.creates++;
	return 0;
}

/*
 * i915_user_extensions() + ext_set_placements(): every extension has MBZ
 * flags and rsvd; MEMORY_REGIONS once, pad MBZ, 1..n known distinct regions.
 */
static int create_ext_chain(struct fake_i915 *f, uint64_t ptr, bool *lmem_first, bool *has_lmem,
			    bool *has_smem)
{
	bool placed = false;
	unsigned depth = 0;

	for (; ptr; depth++) {
		struct i915_user_extension *ext = (void *)(uintptr_t)ptr;
		struct drm_i915_gem_create_ext_memory_regions *mr = (void *)ext;
		const struct drm_i915_gem_memory_class_instance *r;
		unsigned seen = 0;

		if (depth > 512)
			return -E2BIG;
		if (ext->flags)
			return -EINVAL;
		for (int i = 0; i < 4; i++)
			if (ext->rsvd[i])
				return -EINVAL;
		if (ext->name != I915_GEM_CREATE_EXT_MEMORY_REGIONS || placed)
			return -EINVAL;
		placed = true;
		if (mr->pad)
			return -EINVAL;
		if (!mr->num_regions || mr->num_regions > n_regions(f))
			return -EINVAL;
		r = (const void *)(uintptr_t)mr->regions;
		if (!r)
			return -EFAULT;
		for (uint32_t i = 0; i < mr->num_regions; i++) {
			unsigned bit;

			if (r[i].memory_instance != 0)
				return -EINVAL;
			if (r[i].memory_class == I915_MEMORY_CLASS_SYSTEM)
				bit = 1;
			else if (r[i].memory_class == I915_MEMORY_CLASS_DEVICE && f->cfg.discrete)
				bit = 2;
			else
				return -EINVAL;
			if (seen & bit)
				return -EINVAL;
			seen |= bit;
			if (i == 0)
				*lmem_first = bit == 2;
		}
		*has_lmem = seen & 2;
		*has_smem = seen & 1;
		ptr = ext->next_extension;
	}
	return 0;
}

/* i915_gem_create_ext_ioctl(). */
static int fake_create_ext(struct fake_i915 *f, int fd, struct drm_i915_gem_create_ext *c)
{
	bool lmem_first = false, has_lmem = false, has_smem = true;
	struct fake_obj *o;
	uint64_t size;
	int err;

	if (!f->cfg.has_create_ext)
		return -EINVAL; /* drm_ioctl(): a driver ioctl number it does not know */
	if (c->flags & ~I915_GEM_CREATE_EXT_FLAG_NEEDS_CPU_ACCESS)
		return -EINVAL;
	err = create_ext_chain(f, c->extensions, &lmem_first, &has_lmem, &has_smem);
	if (err)
		return err;
	/* NEEDS_CPU_ACCESS: only with device memory, and system memory to spill to. */
	if ((c->flags & I915_GEM_CREATE_EXT_FLAG_NEEDS_CPU_ACCESS) && (!has_lmem || !has_smem))
		return -EINVAL;
	flush_free_objects(f); /* __i915_gem_object_create_user_ext() */
	size = round_up(c->size, has_lmem ? FAKE_LMEM_PAGE : FAKE_PAGE);
	if (size == 0)
		return -EINVAL;
	o = new_obj(f, fd, size, true);
	if (!o)
		return -ENOMEM;
	o->lmem = lmem_first;
	c->size = size;
	c->handle = o->handle;
	f->stats.creates_ext++;
	f->stats.lmem_objects += lmem_first;
	return 0;
}

/*
 * i915_gem_userptr_ioctl(): the kernel's order of checks. Userptr needs
 * LLC or snooping (discrete parts snoop). READ_ONLY needs the GT's VM to
 * map read-only: gen8_ppgtt_create() sets has_read_only =
 * !IS_GRAPHICS_VER(i915, 11, 12), so TGL, ADL, DG1, DG2 and MTL refuse it.
 */
static int fake_userptr(struct fake_i915 *f, int fd, struct drm_i915_gem_userptr *u)
{
	const uint32_t known = I915_USERPTR_READ_ONLY | I915_USERPTR_UNSYNCHRONIZED |
			       (f->cfg.userptr_probe > 0 ? I915_USERPTR_PROBE : 0);
	bool has_read_only = f->cfg.graphics_ver < 11 || f->cfg.graphics_ver > 12;
	struct fake_obj *o;

	if (!f->cfg.has_llc && !f->cfg.has_snoop)
		return -ENODEV;
	if (u->flags & ~known)
		return -EINVAL;
	if (!u->user_size)
		return -EINVAL;
	if ((u->user_ptr | u->user_size) & (FAKE_PAGE - 1))
		return -EINVAL;
	if (u->flags & I915_USERPTR_UNSYNCHRONIZED)
		return -ENODEV;
	if ((u->flags & I915_USERPTR_READ_ONLY) && !has_read_only)
		return -ENODEV;
	if (u->flags & I915_USERPTR_PROBE) {
		/* probe_range(): every page must be ordinary mapped memory. */
		unsigned char vec;

		for (uint64_t off = 0; off < u->user_size; off += FAKE_PAGE)
			if (mincore((void *)(uintptr_t)(u->user_ptr + off), FAKE_PAGE, &vec))
				return -EFAULT;
	}
	flush_free_objects(f);
	o = new_obj(f, fd, u->user_size, false);
	if (!o)
		return -ENOMEM;
	o->userptr = true;
	o->readonly = u->flags & I915_USERPTR_READ_ONLY;
	o->uptr = (void *)(uintptr_t)u->user_ptr;
	u->handle = o->handle;
	f->stats.userptrs++;
	f->stats.userptrs_readonly += o->readonly;
	return 0;
}

#define FAKE_GPU_DOMAINS                                                                    \
	(I915_GEM_DOMAIN_RENDER | I915_GEM_DOMAIN_SAMPLER | I915_GEM_DOMAIN_COMMAND |       \
	 I915_GEM_DOMAIN_INSTRUCTION | I915_GEM_DOMAIN_VERTEX)

/*
 * i915_gem_set_domain_ioctl(): -ENODEV on every discrete part before any
 * other check. A userptr object gets its pages (i915_gem_object_userptr_
 * validate) since 5.13; before, it was a proxy: -ENXIO, as for any object
 * whose ops say I915_GEM_OBJECT_IS_PROXY. An imported dma-buf is no proxy:
 * pin_pages runs get_pages_dmabuf, which maps the attachment.
 */
static int fake_set_domain(struct fake_i915 *f, int fd, struct drm_i915_gem_set_domain *s)
{
	struct fake_obj *o;

	if (f->cfg.discrete)
		return -ENODEV;
	if ((s->read_domains | s->write_domain) & FAKE_GPU_DOMAINS)
		return -EINVAL;
	if (s->write_domain && s->read_domains != s->write_domain)
		return -EINVAL;
	if (!s->read_domains)
		return 0; /* nothing to do: the kernel does not even look the handle up */
	o = lookup(f, fd, s->handle);
	if (!o)
		return -ENOENT;
	if (o->userptr && !f->cfg.userptr_set_domain)
		return -ENXIO;
	get_pages(f, o);
	f->stats.populated++;
	return 0;
}

/*
 * i915_gem_pread_ioctl() / i915_gem_pwrite_ioctl(): refused for graphics
 * version 12 and later except Tiger Lake (which covers every discrete
 * part). PREAD pins the pages (i915_gem_shmem_pread: get_pages, a DMA
 * mapping); PWRITE into an object without pages writes the shmem page
 * cache directly (shmem_pwrite) and maps nothing.
 */
static int fake_prw(struct fake_i915 *f, int fd, uint32_t handle, uint64_t offset, uint64_t size,
		    uint64_t data_ptr, bool write)
{
	void *user = (void *)(uintptr_t)data_ptr;
	struct fake_obj *o;
	ssize_t n;

	if (f->cfg.graphics_ver >= 12 && !f->cfg.tigerlake)
		return -EOPNOTSUPP;
	if (size == 0)
		return 0;
	if (!user)
		return -EFAULT;
	o = lookup(f, fd, handle);
	if (!o)
		return -ENOENT;
	if (offset > o->size || size > o->size - offset)
		return -EINVAL;
	if (o->imported)
		return -ENXIO;
	if (!write)
		get_pages(f, o);
	if (o->userptr) {
		if (write && o->readonly)
			return -EFAULT;
		if (write)
			memcpy((char *)o->uptr + offset, user, size);
		else
			memcpy(user, (char *)o->uptr + offset, size);
		return 0;
	}
	if (write)
		n = pwrite(f->node.memfd, user, size, (off_t)(o->base + offset));
	else
		n = pread(f->node.memfd, user, size, (off_t)(o->base + offset));
	return n == (ssize_t)size ? 0 : -EIO;
}

/* --- i915: mappings ------------------------------------------------------- */

/*
 * i915_gem_mmap_offset_ioctl(): extensions MBZ, then the type, then the
 * object (pad is deliberately not checked: the ABI shipped without it).
 * GTT needs the aperture, WC and UC need PAT; WB and FIXED need nothing.
 */
static int fake_mmap_offset(struct fake_i915 *f, int fd, struct drm_i915_gem_mmap_offset *m)
{
	struct fake_obj *o;

	if (m->extensions)
		return -EINVAL;
	switch (m->flags) {
	case I915_MMAP_OFFSET_GTT:
		if (!f->cfg.has_aperture)
			return -ENODEV;
		break;
	case I915_MMAP_OFFSET_WC:
	case I915_MMAP_OFFSET_UC:
		if (!f->cfg.has_pat)
			return -ENODEV;
		break;
	case I915_MMAP_OFFSET_WB:
	case I915_MMAP_OFFSET_FIXED:
		break;
	default:
		return -EINVAL;
	}
	o = lookup(f, fd, m->handle);
	if (!o)
		return -ENOENT;
	/*
	 * __assign_mmap_offset(): userptr/dma-buf never mmap; objects of a
	 * discrete part (TTM: obj->ops->mmap_offset) only FIXED, others never.
	 */
	if (o->userptr || o->imported)
		return -ENODEV;
	if (f->cfg.discrete != (m->flags == I915_MMAP_OFFSET_FIXED))
		return -ENODEV;
	o->offered |= 1u << m->flags;
	m->offset = ((m->flags + 1) << FAKE_TYPE_SHIFT) | o->base;
	return 0;
}

/*
 * The ioctl number of MMAP_GTT is MMAP_OFFSET's. On a kernel without
 * MMAP_OFFSET (mmap_gtt_version < 4) the larger struct is truncated to the
 * old one: flags are ignored and the caller silently gets a GTT offset.
 */
static int fake_mmap_gtt(struct fake_i915 *f, int fd, struct drm_i915_gem_mmap_gtt *m)
{
	struct drm_i915_gem_mmap_offset arg = {.handle = m->handle, .flags = I915_MMAP_OFFSET_GTT};
	int err;

	if (f->cfg.discrete)
		return -ENODEV;
	err = fake_mmap_offset(f, fd, &arg);
	if (!err)
		m->offset = arg.offset;
	return err;
}

/*
 * i915_gem_mmap_ioctl() (legacy): refused on discrete parts and for
 * GRAPHICS_VER_FULL > 12.0 (so TGL and ADL-P still have it, DG1, DG2 and
 * MTL not). The kernel maps the shmem file itself (vm_mmap of the filp):
 * page cache, no get_pages. Before I915_PARAM_MMAP_VERSION (4.0) the struct
 * had no flags: drm_ioctl() truncates the caller's copy, so I915_MMAP_WC is
 * silently dropped and the mapping is WB.
 */
static int fake_mmap_legacy(struct fake_i915 *f, int fd, struct drm_i915_gem_mmap *m)
{
	struct fake_obj *o;
	void *p;

	if (f->cfg.discrete || ver_above(&f->cfg, 12, 0))
		return -EOPNOTSUPP;
	if (f->cfg.mmap_version <= 0 && (m->flags & I915_MMAP_WC)) {
		m->flags = 0;
		f->stats.legacy_wc_dropped++;
	}
	if (m->flags & ~(uint64_t)I915_MMAP_WC)
		return -EINVAL;
	if ((m->flags & I915_MMAP_WC) && !f->cfg.has_pat)
		return -ENODEV;
	o = lookup(f, fd, m->handle);
	if (!o)
		return -ENOENT;
	if (o->userptr || o->imported)
		return -ENXIO; /* no shmem file behind it */
	if (m->offset > o->size || m->size > o->size - m->offset || !m->size)
		return -EINVAL;
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, f->node.memfd,
		 (off_t)(o->base + m->offset));
	if (p == MAP_FAILED)
		return -errno;
	m->addr_ptr = (uint64_t)(uintptr_t)p;
	f->stats.legacy_mmaps++;
	return 0;
}

/* The mmap(2) hook: a fake offset must be one handed out, for a live object, and fit it. */
static void *fake_mmap_hook(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
	struct fake_i915 *f = the_fake;
	uint64_t off = (uint64_t)offset, base = off & FAKE_BASE_MASK;
	unsigned type;

	if (!f || !fake_drm_node_is_fd(&f->node, fd))
		return mmap(addr, len, prot, flags, fd, offset);
	type = (unsigned)(off >> FAKE_TYPE_SHIFT);
	if (type == 0 || type > 5)
		goto einval;
	type--;
	for (size_t i = 0; i < f->n_objs; i++) {
		struct fake_obj *o = f->objs[i];

		/* drm_gem_mmap(): the node dies with the object's last reference. */
		if (!o->open || o->userptr || o->imported || o->base != base)
			continue;
		if (!(o->offered & (1u << type)) || len > o->size)
			goto einval;
		if (o->fd != fd) {
			errno = EACCES; /* drm_vma_node_is_allowed() */
			return MAP_FAILED;
		}
		f->stats.mmaps[type]++;
		if (f->cfg.fault_sigbus & (1u << type)) {
			/*
			 * A fault the kernel refuses is SIGBUS (i915_error_to_vmf_fault):
			 * map the device memfd far past its end, where a touch is SIGBUS.
			 */
			f->stats.sigbus_maps++;
			return mmap(addr, len, prot, flags, f->node.memfd, (off_t)FAKE_SIGBUS_OFFSET);
		}
		/* vm_fault_cpu()/vm_fault_gtt() pin the pages on the first touch, which follows. */
		get_pages(f, o);
		return mmap(addr, len, prot, flags, f->node.memfd, (off_t)base);
	}
einval:
	errno = EINVAL;
	return MAP_FAILED;
}

/* --- i915: submission ----------------------------------------------------- */

/* i915_gem_execbuffer2_ioctl(): i915_gem_check_execbuffer(), eb_lookup_vmas(). */
static int fake_execbuf(struct fake_i915 *f, int fd, struct drm_i915_gem_execbuffer2 *eb)
{
	struct drm_i915_gem_exec_object2 *obj = (void *)(uintptr_t)eb->buffers_ptr;
	uint64_t unknown = __I915_EXEC_UNKNOWN_FLAGS;
	struct fake_obj *batch = NULL;
	uint32_t first = 0;

	if (!f->cfg.exec_lut)
		unknown |= I915_EXEC_HANDLE_LUT | I915_EXEC_NO_RELOC;
	if (eb->buffer_count < 1)
		return -EINVAL;
	if (eb->flags & unknown)
		return -EINVAL;
	if ((eb->flags & I915_EXEC_RING_MASK) > I915_EXEC_VEBOX)
		return -EINVAL;
	if (eb->num_cliprects || eb->cliprects_ptr)
		return -EINVAL;
	if (eb->DR1 || (eb->DR4 && eb->DR4 != 0xffffffff))
		return -EINVAL;
	if ((eb->batch_start_offset | eb->batch_len) & 7)
		return -EINVAL;
	if (eb->rsvd1)
		return -ENOENT; /* no such context */
	if (!obj)
		return -EFAULT;
	for (uint32_t i = 0; i < eb->buffer_count; i++) {
		struct fake_obj *o;

		if (obj[i].flags & __EXEC_OBJECT_UNKNOWN_FLAGS)
			return -EINVAL;
		/* eb_validate_vma() never looks at rsvd1/rsvd2 of an exec object. */
		if (obj[i].relocation_count)
			return -EINVAL;
		if (obj[i].alignment & (obj[i].alignment - 1))
			return -EINVAL;
		o = lookup(f, fd, obj[i].handle);
		if (!o)
			return -ENOENT;
		for (uint32_t j = 0; j < i; j++)
			if (obj[j].handle == obj[i].handle)
				return -EINVAL;
		if (o->readonly && (obj[i].flags & EXEC_OBJECT_WRITE))
			return -EINVAL;
	}
	batch = lookup(f, fd,
		       obj[(eb->flags & I915_EXEC_BATCH_FIRST) ? 0 : eb->buffer_count - 1].handle);
	if (eb->batch_start_offset + 4 > batch->size)
		return -EINVAL;
	if (batch->userptr)
		memcpy(&first, (char *)batch->uptr + eb->batch_start_offset, 4);
	else if (pread(f->node.memfd, &first, 4, (off_t)(batch->base + eb->batch_start_offset)) != 4)
		return -EIO;
	/* A batch that does not end would hang the GPU; count it for the tests. */
	if (first != I915_MI_BATCH_BUFFER_END)
		f->stats.unterminated++;
	for (uint32_t i = 0; i < eb->buffer_count; i++) {
		struct fake_obj *o = lookup(f, fd, obj[i].handle);

		o->binds++;
		get_pages(f, o); /* eb_reserve_vma() -> i915_vma_pin: get_pages, then the PTEs */
		if (o != batch)
			f->stats.binds++;
	}
	f->stats.execbufs++;
	f->stats.last_exec_flags = eb->flags;
	return 0;
}

/* i915_gem_wait_ioctl(): flags MBZ; the fake GPU is always idle. */
static int fake_wait(struct fake_i915 *f, int fd, struct drm_i915_gem_wait *w)
{
	if (w->flags)
		return -EINVAL;
	if (!lookup(f, fd, w->bo_handle))
		return -ENOENT;
	return 0;
}

/* --- dispatch ------------------------------------------------------------- */

static int dispatch(struct fake_i915 *f, int fd, unsigned long request, void *arg)
{
	switch (request) {
	case DRM_IOCTL_VERSION:
		return fake_version(f, arg);
	case DRM_IOCTL_GEM_CLOSE:
		return fake_gem_close(f, fd, arg);
	case DRM_IOCTL_PRIME_HANDLE_TO_FD:
		return fake_prime_handle_to_fd(f, fd, arg);
	case DRM_IOCTL_PRIME_FD_TO_HANDLE:
		return fake_prime_fd_to_handle(f, fd, arg);
	case DRM_IOCTL_I915_GETPARAM:
		return fake_getparam(f, arg);
	case DRM_IOCTL_I915_QUERY:
		return fake_query(f, arg);
	case DRM_IOCTL_I915_GEM_CREATE:
		return fake_create(f, fd, arg);
	case DRM_IOCTL_I915_GEM_CREATE_EXT:
		return fake_create_ext(f, fd, arg);
	case DRM_IOCTL_I915_GEM_USERPTR:
		return fake_userptr(f, fd, arg);
	case DRM_IOCTL_I915_GEM_SET_DOMAIN:
		return fake_set_domain(f, fd, arg);
	case DRM_IOCTL_I915_GEM_PREAD: {
		struct drm_i915_gem_pread *p = arg;

		return fake_prw(f, fd, p->handle, p->offset, p->size, p->data_ptr, false);
	}
	case DRM_IOCTL_I915_GEM_PWRITE: {
		struct drm_i915_gem_pwrite *p = arg;

		return fake_prw(f, fd, p->handle, p->offset, p->size, p->data_ptr, true);
	}
	case DRM_IOCTL_I915_GEM_MMAP_OFFSET: {
		struct drm_i915_gem_mmap_offset *m = arg;

		if (f->cfg.mmap_gtt_version < 4) {
			/* Old kernel: the same number is MMAP_GTT; flags go unread. */
			struct drm_i915_gem_mmap_gtt old = { .handle = m->handle };
			int err = fake_mmap_gtt(f, fd, &old);

			if (!err)
				m->offset = old.offset;
			return err;
		}
		return fake_mmap_offset(f, fd, m);
	}
	case DRM_IOCTL_I915_GEM_MMAP_GTT:
		return fake_mmap_gtt(f, fd, arg);
	case DRM_IOCTL_I915_GEM_MMAP:
		return fake_mmap_legacy(f, fd, arg);
	case DRM_IOCTL_I915_GEM_EXECBUFFER2:
	case DRM_IOCTL_I915_GEM_EXECBUFFER2_WR:
		return fake_execbuf(f, fd, arg);
	case DRM_IOCTL_I915_GEM_WAIT:
		return fake_wait(f, fd, arg);
	case DRM_IOCTL_I915_GEM_THROTTLE:
		return 0; /* a wedged GPU is a fake_i915_refuse(THROTTLE, EIO) rule */
	}
	/*
	 * A number DRM knows with another size or direction is a wrapper bug
	 * (the kernel would quietly zero-extend); count it so tests see it.
	 */
	if (_IOC_TYPE(request) == DRM_IOCTL_BASE)
		f->stats.size_mismatch++;
	return -EINVAL;
}

static int fake_ioctl_hook(int fd, unsigned long request, void *arg)
{
	struct fake_i915 *f = the_fake;
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

struct fake_i915 *fake_i915_create(const struct fake_i915_config *cfg)
{
	struct fake_i915 *f;

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

void fake_i915_destroy(struct fake_i915 *f)
{
	if (!f)
		return;
	drm_io_reset();
	the_fake = NULL;
	for (size_t i = 0; i < f->n_objs; i++)
		free(f->objs[i]);
	free(f->objs);
	fake_drm_node_close(&f->node);
	free(f);
}

const char *fake_i915_path(const struct fake_i915 *f)
{
	return f->node.path;
}

void fake_i915_refuse(struct fake_i915 *f, unsigned long request, int err, unsigned skip,
		      unsigned times)
{
	fake_drm_rules_add(&f->rules, request, err, skip, times);
}

int fake_i915_foreign_dmabuf(struct fake_i915 *f, uint64_t size)
{
	return fake_dmabuf_add(&f->dmabufs, FAKE_DMABUF_NAME, size, NULL, true);
}

const struct fake_i915_stats *fake_i915_stats(const struct fake_i915 *f)
{
	return &f->stats;
}

void fake_i915_reset_size_mismatch(struct fake_i915 *f)
{
	f->stats.size_mismatch = 0;
}

uint64_t fake_i915_dma_mapped_bytes(const struct fake_i915 *f)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < f->n_objs; i++)
		if (f->objs[i]->pages && (f->objs[i]->open || f->objs[i]->freed))
			bytes += f->objs[i]->size;
	return bytes;
}

unsigned fake_i915_pending_frees(const struct fake_i915 *f)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->n_objs; i++)
		n += f->objs[i]->freed;
	return n;
}

bool fake_i915_has_pages(const struct fake_i915 *f, uint32_t handle)
{
	for (size_t i = 0; i < f->n_objs; i++)
		if (f->objs[i]->open && f->objs[i]->handle == handle)
			return f->objs[i]->pages;
	return false;
}

unsigned fake_i915_open_handles(const struct fake_i915 *f)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->n_objs; i++)
		n += f->objs[i]->open;
	return n;
}

unsigned fake_i915_live_mappings(const struct fake_i915 *f)
{
	return fake_drm_node_mappings(&f->node);
}

unsigned fake_i915_open_fds(const struct fake_i915 *f)
{
	return fake_drm_node_open_fds(&f->node, &f->dmabufs);
}

unsigned fake_i915_leaks(const struct fake_i915 *f, char *why, size_t why_len)
{
	unsigned handles = fake_i915_open_handles(f);
	unsigned maps = fake_i915_live_mappings(f);
	unsigned fds = fake_i915_open_fds(f);

	snprintf(why, why_len, "fake_i915: %u open handles, %u live mappings, %u open fds",
		 handles, maps, fds);
	return handles + maps + fds;
}

int fake_i915_peek(const struct fake_i915 *f, uint32_t handle, uint64_t offset, void *dst,
		   size_t len)
{
	for (size_t i = 0; i < f->n_objs; i++) {
		const struct fake_obj *o = f->objs[i];

		if (!o->open || o->handle != handle)
			continue;
		if (offset > o->size || len > o->size - offset)
			return -EINVAL;
		if (o->userptr) {
			memcpy(dst, (char *)o->uptr + offset, len);
			return 0;
		}
		return pread(f->node.memfd, dst, len, (off_t)(o->base + offset)) == (ssize_t)len ? 0
											    : -EIO;
	}
	return -ENOENT;
}

bool fake_i915_object(const struct fake_i915 *f, uint32_t handle, uint64_t *size, bool *lmem,
		      bool *userptr, bool *readonly, unsigned *binds)
{
	for (size_t i = 0; i < f->n_objs; i++) {
		const struct fake_obj *o = f->objs[i];

		if (!o->open || o->handle != handle)
			continue;
		if (size)
			*size = o->size;
		if (lmem)
			*lmem = o->lmem;
		if (userptr)
			*userptr = o->userptr;
		if (readonly)
			*readonly = o->readonly;
		if (binds)
			*binds = o->binds;
		return true;
	}
	return false;
}
