/*
 * The overhead benchmark (see overhead.h). The bare loop is written without
 * the backend layer on purpose, so nothing gembench adds is in it.
 */
#include "overhead.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "backend.h"
#include "counters.h"
#include "drmdev.h"
#include "log.h"
#include "run.h"
#include "workload.h"

static int bare_block(int fd, uint64_t size, uint64_t n, uint64_t *ns)
{
	uint64_t t0 = gb_now_ns();

	for (uint64_t i = 0; i < n; i++) {
		struct drm_mode_create_dumb c = {
			.width = 1024, .height = (uint32_t)((size + 4095) / 4096), .bpp = 32,
		};
		struct drm_gem_close cl = { 0 };

		if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
			return -errno;
		cl.handle = c.handle;
		if (drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &cl))
			return -errno;
	}
	*ns = gb_now_ns() - t0;
	return 0;
}

/* gembench's own path: the create workload through the measuring loop. */
static int gembench_block(struct gb_ctx *ctx, uint64_t size, double *ops_per_sec)
{
	const struct gb_workload *wl = gb_workload_find("create");
	struct gb_row row;
	int err;

	gb_row_init(&row, wl->name, NULL, size);
	err = wl->run(ctx, &row, 0, size);
	if (!err && row.failed_ops)
		err = -row.first_errno;
	*ops_per_sec = row.nreps ? row.ops_per_sec[0] : 0;
	gb_row_free(&row);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int gb_overhead_run(const struct gb_job *job, const struct gb_runopts *ro, FILE *out)
{
	struct gb_job j = *job;
	struct gb_dev dev = { .fd = -1 };
	struct gb_ctx ctx;
	uint64_t pairs = job->reps, n = job->iterations, size = job->sizes[0];
	double *ratio = calloc(pairs, sizeof(double));
	double g_sum = 0, b_sum = 0, g_ns = 0, b_ns = 0;
	int err;

	if (!ratio)
		return -ENOMEM;
	dev.ops = gb_backend_find("dumb");
	err = dev.ops->open(&dev, job->device[0] ? job->device : NULL);
	if (err) {
		bl_err("overhead: open %s: %s", job->device, strerror(-err));
		free(ratio);
		return err;
	}
	/* One rep of n ops per gembench block, no warm-up inside the block. */
	j.reps = 1;
	j.warmup = 0;
	j.duration_ns = 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.job = &j;
	ctx.wl = gb_workload_find("create");
	ctx.dev = &dev;
	ctx.ctr = ro->ctr;
	ctx.nscope = bl_dev_dma_names(dev.fd, ctx.scope, 4);
	{
		uint64_t ns;

		/* warm both paths up before measuring */
		double ops;

		if ((err = bare_block(dev.fd, size, 200, &ns)) ||
		    (err = gembench_block(&ctx, size, &ops)))
			goto out;
	}
	for (uint64_t p = 0; p < pairs; p++) {
		double g = 0, b;
		uint64_t ns = 0;

		/* ABBA: even pairs run bare first, odd pairs gembench first */
		if (p % 2 == 0 && (err = bare_block(dev.fd, size, n, &ns)))
			goto out;
		if ((err = gembench_block(&ctx, size, &g)))
			goto out;
		if (p % 2 == 1 && (err = bare_block(dev.fd, size, n, &ns)))
			goto out;
		b = (double)n * 1e9 / (double)ns;
		ratio[p] = g / b;
		g_sum += g;
		b_sum += b;
		g_ns += (double)n * 1e9 / g;
		b_ns += (double)ns;
	}
	{
		double *sorted = calloc(pairs, sizeof(double));

		if (!sorted) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(sorted, ratio, pairs * sizeof(double));
		qsort(sorted, pairs, sizeof(double), cmp_double);
		fprintf(out, "{\"overhead\":\"create\",\"node\":\"%s\",\"driver\":\"%s\",\"size\":%llu,"
			     "\"ops_per_block\":%llu,\"pairs\":%llu,\"timer_cost_ns\":%.1f,"
			     "\"counters\":%s,\"ratio_median\":%.4f,\"ratio_total_time\":%.4f,"
			     "\"gembench_ops_per_sec_mean\":%.1f,\"bare_ops_per_sec_mean\":%.1f,"
			     "\"ratios\":[",
			dev.node, dev.driver, (unsigned long long)size, (unsigned long long)n,
			(unsigned long long)pairs, ro->timer_cost_ns, ro->ctr ? "true" : "false",
			sorted[pairs / 2], b_ns / g_ns, g_sum / (double)pairs,
			b_sum / (double)pairs);
		for (uint64_t p = 0; p < pairs; p++)
			fprintf(out, "%s%.4f", p ? "," : "", ratio[p]);
		fprintf(out, "]}\n");
		fflush(out);
		free(sorted);
	}
out:
	if (err)
		bl_err("overhead: %s: %s", dev.driver, strerror(-err));
	dev.ops->close(&dev);
	free(ratio);
	return err;
}
