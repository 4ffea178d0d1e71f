/*
 * Workload "mmap": per operation, map the buffer for the CPU (one mmap
 * variant per row: wb/wc/gtt/... as the backend offers), touch every page
 * once (first-touch fault cost), write the whole buffer, read it back,
 * unmap. Each phase is timed on its own, so a row carries the fault cost per
 * page and the CPU write and read bandwidth next to the whole cycle's ops/s.
 * The buffer is created and populated once per row, so the faults measured
 * are those of a fresh mapping of resident pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

struct mmap_state {
	struct gb_bo bo;
	unsigned variant;
	uint64_t fault_ns, write_ns, read_ns, map_ns; /* this rep */
	double *fault_per_page, *write_bps, *read_bps, *map_lat; /* per rep */
	volatile uint64_t sink;
};

static int mmap_op(struct gb_ctx *ctx, void *arg)
{
	struct mmap_state *s = arg;
	struct gb_dev *dev = ctx->dev;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t t0, t1, t2, t3, t4, sum = 0;
	unsigned char *p;
	void *map;
	int err;

	t0 = gb_now_ns();
	err = dev->ops->bo_mmap(dev, &s->bo, s->variant, &map);
	if (err) {
		gb_fail_what(ctx, "%s: mmap %llu bytes", dev->driver, (unsigned long long)s->bo.size);
		return err;
	}
	t1 = gb_now_ns();
	p = map;
	for (uint64_t off = 0; off < s->bo.size; off += (uint64_t)page)
		((volatile unsigned char *)p)[off] = (unsigned char)off;
	t2 = gb_now_ns();
	memset(p, 0x5a, s->bo.size);
	t3 = gb_now_ns();
	for (uint64_t off = 0; off + 8 <= s->bo.size; off += 8) {
		uint64_t v;

		memcpy(&v, p + off, 8);
		sum += v;
	}
	s->sink = sum;
	t4 = gb_now_ns();
	s->map_ns += t1 - t0;
	s->fault_ns += t2 - t1;
	s->write_ns += t3 - t2;
	s->read_ns += t4 - t3;
	err = dev->ops->bo_munmap(dev, &s->bo, map);
	if (err)
		gb_fail_what(ctx, "%s: munmap", dev->driver);
	return err;
}

static void mmap_rep_begin(struct gb_ctx *ctx, void *arg, unsigned rep)
{
	struct mmap_state *s = arg;

	s->fault_ns = s->write_ns = s->read_ns = s->map_ns = 0;
}

static void mmap_rep_end(struct gb_ctx *ctx, void *arg, unsigned rep, uint64_t ns, uint64_t ops)
{
	struct mmap_state *s = arg;
	double pages = (double)(s->bo.size / (uint64_t)sysconf(_SC_PAGESIZE));
	double bytes = (double)s->bo.size * (double)ops;

	if (rep >= GB_MAX_REPS || !ops)
		return;
	s->fault_per_page[rep] = (double)s->fault_ns / ((double)ops * pages);
	s->write_bps[rep] = s->write_ns ? bytes * 1e9 / (double)s->write_ns : 0;
	s->read_bps[rep] = s->read_ns ? bytes * 1e9 / (double)s->read_ns : 0;
	s->map_lat[rep] = (double)s->map_ns / (double)ops;
}

static json_t *series(const double *v, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return json_pack("{s:f, s:o}", "mean", gb_mean(v, n), "values", a);
}

static int mmap_run(struct gb_ctx *ctx, struct gb_row *row, unsigned variant, uint64_t size)
{
	struct mmap_state s = { .bo = { .fd = -1 }, .variant = variant };
	struct gb_op op = { .op = mmap_op, .state = &s, .rep_begin = mmap_rep_begin,
			    .rep_end = mmap_rep_end };
	struct gb_dev *dev = ctx->dev;
	int err;

	s.fault_per_page = calloc(GB_MAX_REPS, sizeof(double));
	s.write_bps = calloc(GB_MAX_REPS, sizeof(double));
	s.read_bps = calloc(GB_MAX_REPS, sizeof(double));
	s.map_lat = calloc(GB_MAX_REPS, sizeof(double));
	if (!s.fault_per_page || !s.write_bps || !s.read_bps || !s.map_lat) {
		err = -ENOMEM;
		goto out;
	}
	err = gb_op_create(ctx, size, &s.bo);
	if (err) {
		gb_row_fail(ctx, row, err);
		err = row->fatal ? err : 0;
		goto out;
	}
	if (dev->ops->bo_populate)
		dev->ops->bo_populate(dev, &s.bo, 0); /* best effort: pages resident */
	err = gb_measure(ctx, row, &op);
	json_object_set_new(row->extra, "mmap",
			    json_pack("{s:o, s:o, s:o, s:o, s:s}", "map_ns",
				      series(s.map_lat, row->nreps), "fault_ns_per_page",
				      series(s.fault_per_page, row->nreps), "write_bytes_per_sec",
				      series(s.write_bps, row->nreps), "read_bytes_per_sec",
				      series(s.read_bps, row->nreps), "fault_note",
				      "first touch of a fresh mapping of a populated buffer"));
	dev->ops->bo_destroy(dev, &s.bo);
out:
	free(s.fault_per_page);
	free(s.write_bps);
	free(s.read_bps);
	free(s.map_lat);
	return err;
}

const struct gb_workload gb_workload_mmap = {
	.name = "mmap",
	.help = "map (per mmap variant) + first-touch faults + CPU write + CPU read + unmap",
	.feature = GB_FEAT_MMAP,
	.caps = GB_CAP_MMAP,
	.run = mmap_run,
};
