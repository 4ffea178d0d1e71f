/*
 * Workloads "userptr" and "userptr-scattered": wrap user memory as a buffer
 * (bo_userptr: i915 GEM_USERPTR), populate it (the kernel pins the pages,
 * builds a scatter-gather list and DMA-maps it: the classic bounce path),
 * release. The memory is allocated once per row, untimed, in one of two
 * physical layouts, because the layout decides the sg list:
 *
 *   userptr            page aligned and backed by transparent huge pages
 *                      where the kernel has them: physically contiguous
 *                      2 MiB runs, so the driver can build segments larger
 *                      than the 256 KiB SWIOTLB can bounce (the bug class
 *                      bouncelab was born from);
 *   userptr-scattered  no huge pages, pages faulted in reverse order and
 *                      interleaved with a scratch buffer that is then freed,
 *                      so neighbouring pages are not physically adjacent
 *                      and every page is a segment of its own.
 *
 * Each layout runs once per userptr variant of the backend (i915: "rw",
 * and "ro" = I915_USERPTR_READ_ONLY where the kernel takes it).
 * Each row says which layout it got and, where /proc/self/pagemap shows
 * frame numbers (CAP_SYS_ADMIN), how many physically contiguous runs the
 * memory really has; null otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "run.h"

#define HUGE_2M (2ull << 20)

enum layout { LAYOUT_CONTIGUOUS, LAYOUT_SCATTERED };

struct umem {
	void *ptr;   /* page aligned, size bytes, resident */
	void *base;  /* what to munmap */
	size_t len;
};

struct userptr_state {
	struct umem mem;
	uint64_t size;
	unsigned variant; /* of GB_FEAT_USERPTR, for bo_userptr (i915: rw, ro) */
};

static void umem_free(struct umem *m)
{
	if (m->base)
		munmap(m->base, m->len);
	memset(m, 0, sizeof(*m));
}

/* 2 MiB aligned and madvise(MADV_HUGEPAGE), touched in order. */
static int umem_contiguous(struct umem *m, uint64_t size)
{
	size_t len = size + HUGE_2M;
	uintptr_t start;
	void *base;

	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	start = ((uintptr_t)base + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1);
	/* Without THP (transparent_hugepage=never) this is a no-op; phys_runs tells. */
	madvise((void *)start, size, MADV_HUGEPAGE);
	memset((void *)start, 0x5a, size);
	m->ptr = (void *)start;
	m->base = base;
	m->len = len;
	return 0;
}

/* No huge pages; faulted backwards, interleaved with a scratch buffer freed afterwards. */
static int umem_scattered(struct umem *m, uint64_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *a, *b;

	a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return -errno;
	b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED) {
		int err = -errno;

		munmap(a, size);
		return err;
	}
	madvise(a, size, MADV_NOHUGEPAGE);
	madvise(b, size, MADV_NOHUGEPAGE);
	for (uint64_t off = size; off > 0; off -= (uint64_t)page) {
		a[off - 1] = 0x5a;
		b[off - 1] = 0xa5;
	}
	munmap(b, size);
	m->ptr = a;
	m->base = a;
	m->len = size;
	return 0;
}

/*
 * Physically contiguous runs in @m (frame numbers from /proc/self/pagemap),
 * or -1 when the kernel hides them (no CAP_SYS_ADMIN: every frame reads 0).
 */
static long phys_runs(const struct umem *m, uint64_t size)
{
	long page = sysconf(_SC_PAGESIZE), runs = 0;
	uint64_t prev = 0, entry;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (uint64_t off = 0; off < size; off += (uint64_t)page) {
		uint64_t vpage = ((uintptr_t)m->ptr + off) / (uint64_t)page, pfn;

		if (pread(fd, &entry, sizeof(entry), (off_t)(vpage * sizeof(entry))) !=
		    sizeof(entry)) {
			runs = -1;
			break;
		}
		pfn = entry & ((1ull << 55) - 1);
		if (!(entry & (1ull << 63)) || pfn == 0) {
			runs = -1; /* not present, or frame numbers hidden */
			break;
		}
		if (off == 0 || pfn != prev + 1)
			runs++;
		prev = pfn;
	}
	close(fd);
	return runs;
}

static int userptr_op(struct gb_ctx *ctx, void *arg)
{
	struct userptr_state *s = arg;
	struct gb_dev *dev = ctx->dev;
	struct gb_bo bo = { .fd = -1 };
	int err;

	err = dev->ops->bo_userptr(dev, s->mem.ptr, s->size, s->variant, &bo);
	if (err) {
		gb_fail_what(ctx, "%s: userptr %llu bytes", dev->driver,
			     (unsigned long long)s->size);
		return err;
	}
	/* The variant is the userptr's (rw/ro); populate takes its default. */
	err = dev->ops->bo_populate(dev, &bo, 0);
	if (err)
		gb_fail_what(ctx, "%s: populate userptr %llu bytes", dev->driver,
			     (unsigned long long)s->size);
	return gb_op_destroy(ctx, &bo, err);
}

static int userptr_run_layout(struct gb_ctx *ctx, struct gb_row *row, unsigned variant,
			      uint64_t size, enum layout layout)
{
	struct userptr_state s = { .size = size, .variant = variant };
	struct gb_op op = { .op = userptr_op, .state = &s };
	long runs;
	int err;

	if (size > SIZE_MAX - HUGE_2M)
		return -EINVAL;
	err = layout == LAYOUT_CONTIGUOUS ? umem_contiguous(&s.mem, size)
					  : umem_scattered(&s.mem, size);
	if (err) {
		gb_fail_what(ctx, "userptr: allocate %llu bytes", (unsigned long long)size);
		gb_row_fail(ctx, row, err);
		return row->fatal ? err : 0;
	}
	runs = phys_runs(&s.mem, size);
	err = gb_measure(ctx, row, &op);
	json_object_set_new(row->extra, "userptr",
			    json_pack("{s:s, s:o}", "layout",
				      layout == LAYOUT_CONTIGUOUS ? "contiguous" : "scattered",
				      "phys_runs", runs < 0 ? json_null() : json_integer(runs)));
	umem_free(&s.mem);
	return err;
}

static int userptr_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	return userptr_run_layout(ctx, row, variant, size, LAYOUT_CONTIGUOUS);
}

static int userptr_scattered_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant,
				 uint64_t size)
{
	return userptr_run_layout(ctx, row, variant, size, LAYOUT_SCATTERED);
}

const struct gb_workload gb_workload_userptr = {
	.name = "userptr",
	.help = "wrap page-aligned huge-page-backed memory + populate + release",
	.feature = GB_FEAT_USERPTR,
	.caps = GB_CAP_USERPTR | GB_CAP_POPULATE,
	.run = userptr_run,
};

const struct gb_workload gb_workload_userptr_scattered = {
	.name = "userptr-scattered",
	.help = "wrap memory with no two pages physically adjacent + populate + release",
	.feature = GB_FEAT_USERPTR,
	.caps = GB_CAP_USERPTR | GB_CAP_POPULATE,
	.run = userptr_scattered_run,
};
