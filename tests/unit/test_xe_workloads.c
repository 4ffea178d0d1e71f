/*
 * The xe backend under gembench's real measuring loop (bench/run.c), its
 * workloads and its job runner (bench/job.c), with fake_xe standing in for
 * the kernel: every xe workload path (occupancy too) runs its warm-up and repetitions on
 * Lunar Lake and, in VRAM, on Battlemage, each operation reaching the fake;
 * a banned exec queue stops the row as fatal with the operation named; an
 * -EIO without a ban is counted and the row goes on; a udmabuf -> xe import
 * is one DMA mapping per operation; a refused variant is skipped in the
 * document with the refusing ioctl and errno while the rest is measured.
 * No result document is written: rows are inspected in memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/xe.h"
#include "backends/xe_ioctl.h"
#include "job.h"
#include "options.h"
#include "run.h"
#include "../fakes/fake_xe.h"

extern const struct gb_workload gb_workload_create;
extern const struct gb_workload gb_workload_populate;
extern const struct gb_workload gb_workload_mmap;
extern const struct gb_workload gb_workload_bind;
extern const struct gb_workload gb_workload_userptr;
extern const struct gb_workload gb_workload_userptr_scattered;
extern const struct gb_workload gb_workload_export;
extern const struct gb_workload gb_workload_import;
extern const struct gb_workload gb_workload_occupancy;

static struct fake_xe *live_fake;

static int teardown(void **state)
{
	fake_xe_destroy(live_fake);
	live_fake = NULL;
	return 0;
}

struct wenv {
	struct fake_xe *f;
	struct gb_dev dev;
	struct gb_job job;
	struct gb_ctx ctx;
};

static void wenv_start(struct wenv *w, const struct fake_xe_config *cfg, const char *place)
{
	char spec[96];

	memset(w, 0, sizeof(*w));
	w->f = live_fake = fake_xe_create(cfg);
	assert_non_null(w->f);
	w->dev.ops = &gb_backend_xe;
	w->dev.fd = -1;
	snprintf(spec, sizeof(spec), "%s%s", fake_xe_path(w->f), place ? place : "");
	assert_int_equal(gb_backend_xe.open(&w->dev, spec), 0);
	gb_job_defaults(&w->job);
	snprintf(w->job.name, sizeof(w->job.name), "fake-xe");
	w->job.iterations = 5;
	w->job.reps = 2;
	w->job.warmup = 1;
	w->job.duration_ns = 0;
	w->ctx.job = &w->job;
	w->ctx.dev = &w->dev;
}

static void wenv_stop(struct wenv *w)
{
	const struct fake_xe_stats *s = fake_xe_stats(w->f);
	char why[256];

	gb_backend_xe.close(&w->dev);
	if (fake_xe_leaks(w->f, why, sizeof(why)))
		fail_msg("%s", why);
	assert_int_equal(s->size_mismatch, 0);
	assert_int_equal(s->overlaps, 0);
	assert_int_equal(s->empty_unmaps, 0);
	assert_int_equal(s->unwaited, 0);
	fake_xe_destroy(w->f);
	live_fake = NULL;
}

/* Runs @wl for one (variant, size) and checks the row is complete and clean. */
static void run_row(struct wenv *w, const struct gb_workload *wl, unsigned variant,
		    const char *variant_name, uint64_t size, struct gb_row *row)
{
	char why[256];
	int err;

	err = gb_backend_xe.probe(&w->dev, wl->feature, variant, why, sizeof(why));
	if (err)
		fail_msg("%s:%s probe: %s", wl->name, variant_name ? variant_name : "-", why);
	w->ctx.wl = wl;
	gb_row_init(row, wl->name, variant_name, size);
	err = wl->run(&w->ctx, row, variant, size);
	if (err || row->failed_ops)
		fail_msg("%s:%s %llu: err %d, %llu failed: %s", wl->name,
			 variant_name ? variant_name : "-", (unsigned long long)size, err,
			 (unsigned long long)row->failed_ops, row->first_error);
	assert_int_equal(row->ops, 10); /* 2 reps x 5, warm-up excluded */
	assert_false(row->fatal);
}

/* Every single-device workload on Lunar Lake (system WB) and Battlemage (VRAM). */
static void test_workloads_measure(void **state)
{
	static const struct {
		struct fake_xe_config (*config)(void);
		const char *place;
	} devs[] = {
		{ fake_xe_lnl, NULL },
		{ fake_xe_bmg, ":vram" },
		{ fake_xe_mtl, ":sys-wc" },
	};

	for (size_t d = 0; d < sizeof(devs) / sizeof(devs[0]); d++) {
		struct fake_xe_config cfg = devs[d].config();
		struct fake_xe_stats s0;
		struct gb_row row;
		struct wenv w;

		wenv_start(&w, &cfg, devs[d].place);
		run_row(&w, &gb_workload_create, 0, NULL, 65536, &row);
		gb_row_free(&row);

		s0 = *fake_xe_stats(w.f);
		run_row(&w, &gb_workload_populate, 0, NULL, 1 << 20, &row);
		/* one waited MAP + UNMAP per operation, warm-up included */
		assert_int_equal(fake_xe_stats(w.f)->maps - s0.maps, 11);
		assert_int_equal(fake_xe_stats(w.f)->unmaps - s0.unmaps, 11);
		assert_int_equal(fake_xe_stats(w.f)->dma_maps - s0.dma_maps, 11);
		gb_row_free(&row);

		s0 = *fake_xe_stats(w.f);
		run_row(&w, &gb_workload_bind, XE_BIND_EXEC, "exec", 65536, &row);
		assert_int_equal(fake_xe_stats(w.f)->execs - s0.execs, 11);
		gb_row_free(&row);

		s0 = *fake_xe_stats(w.f);
		run_row(&w, &gb_workload_mmap, 0, NULL, 65536, &row);
		assert_true(fake_xe_stats(w.f)->mmaps - s0.mmaps >= 11);
		gb_row_free(&row);

		s0 = *fake_xe_stats(w.f);
		run_row(&w, &gb_workload_userptr, 0, NULL, 1 << 20, &row);
		assert_int_equal(fake_xe_stats(w.f)->userptr_maps - s0.userptr_maps, 11);
		gb_row_free(&row);
		run_row(&w, &gb_workload_userptr_scattered, 0, NULL, 65536, &row);
		gb_row_free(&row);

		run_row(&w, &gb_workload_export, 0, NULL, 65536, &row);
		gb_row_free(&row);
		run_row(&w, &gb_workload_occupancy, 0, NULL, 65536, &row);
		gb_row_free(&row);
		wenv_stop(&w);
	}
}

/*
 * -EIO from EXEC without a ban is counted and the row goes on; once the
 * queue is banned (a hang) EXEC says -ECANCELED and the row stops as
 * fatal, naming the operation.
 */
static void test_banned_queue_stops_row(void **state)
{
	struct fake_xe_config cfg = fake_xe_lnl();
	struct gb_row row;
	struct wenv w;
	int err;

	wenv_start(&w, &cfg, NULL);
	fake_xe_refuse(w.f, DRM_IOCTL_XE_EXEC, EIO, 0, 11);
	w.ctx.wl = &gb_workload_bind;
	gb_row_init(&row, "bind", "exec", 4096);
	err = gb_workload_bind.run(&w.ctx, &row, XE_BIND_EXEC, 4096);
	assert_int_equal(err, 0);
	assert_false(row.fatal);
	assert_int_equal(row.failed_ops, 10);
	assert_int_equal(row.first_errno, EIO);
	gb_row_free(&row);

	fake_xe_ban_queues(w.f);
	gb_row_init(&row, "bind", "exec", 4096);
	err = gb_workload_bind.run(&w.ctx, &row, XE_BIND_EXEC, 4096);
	assert_int_equal(err, -ECANCELED);
	assert_true(row.fatal);
	assert_non_null(strstr(row.fatal_why, "bind 4096 bytes"));
	assert_non_null(strstr(row.fatal_why, "device can do no more work"));
	assert_int_equal(row.first_errno, ECANCELED);
	gb_row_free(&row);
	wenv_stop(&w);
}

/* A udmabuf stand-in for the exporter side: its buffers are the fake's foreign dma-bufs. */
static int foreign_open(struct gb_dev *dev, const char *spec)
{
	return 0;
}
static void foreign_close(struct gb_dev *dev)
{
}
static int foreign_create(struct gb_dev *dev, uint64_t size, struct gb_bo *bo)
{
	int fd = fake_xe_foreign_dmabuf(live_fake, size);

	if (fd < 0)
		return fd;
	*bo = (struct gb_bo){ .size = size, .fd = fd };
	return 0;
}
static int foreign_destroy(struct gb_dev *dev, struct gb_bo *bo)
{
	close(bo->fd);
	bo->fd = -1;
	return 0;
}
static int foreign_export(struct gb_dev *dev, struct gb_bo *bo, int *fd)
{
	int dup = fcntl(bo->fd, F_DUPFD_CLOEXEC, 0);

	if (dup < 0)
		return -errno;
	*fd = dup;
	return 0;
}
static const struct gb_backend_ops foreign_ops = {
	.name = "udmabuf-double",
	.abi = GB_BACKEND_ABI,
	.caps = GB_CAP_DMABUF_NATIVE | GB_CAP_EXPORT,
	.open = foreign_open,
	.close = foreign_close,
	.bo_create = foreign_create,
	.bo_destroy = foreign_destroy,
	.bo_export = foreign_export,
};

/* udmabuf -> xe: every measured import is one DMA mapping of the foreign buffer, inside the op. */
static void test_udmabuf_import_maps_per_op(void **state)
{
	static struct fake_xe_config (*const profiles[])(void) = { fake_xe_lnl, fake_xe_bmg };

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		struct fake_xe_config cfg = profiles[i]();
		struct gb_dev exporter = { .ops = &foreign_ops, .fd = -1, .driver = "udmabuf" };
		unsigned maps;
		struct gb_row row;
		struct wenv w;
		int err;

		wenv_start(&w, &cfg, NULL);
		w.ctx.dev = &exporter;
		w.ctx.imp = &w.dev;
		w.ctx.wl = &gb_workload_import;
		maps = fake_xe_stats(w.f)->dmabuf_maps;
		gb_row_init(&row, "import", NULL, 65536);
		err = gb_workload_import.run(&w.ctx, &row, 0, 65536);
		if (err || row.failed_ops)
			fail_msg("profile %zu: err %d, %llu failed: %s", i, err,
				 (unsigned long long)row.failed_ops, row.first_error);
		assert_int_equal(row.ops, 10);
		if (fake_xe_stats(w.f)->dmabuf_maps - maps != 11) /* + warm-up */
			fail_msg("profile %zu: %u DMA mappings for 11 imports", i,
				 fake_xe_stats(w.f)->dmabuf_maps - maps);
		gb_row_free(&row);
		w.ctx.dev = &w.dev;
		w.ctx.imp = NULL;
		wenv_stop(&w);
	}
}

/* One whole job as gembench runs it (gb_job_run), on a device the fake configures. */
static json_t *run_job(const struct fake_xe_config *cfg, const char *workload,
		       const char *device_suffix, unsigned long refuse, int refuse_err,
		       enum gb_job_status *st)
{
	struct gb_runopts ro = { 0 };
	struct gb_opt_error err;
	struct gb_job job;
	char spec[96], why[256];
	json_t *doc = NULL;

	live_fake = fake_xe_create(cfg);
	assert_non_null(live_fake);
	if (refuse)
		fake_xe_refuse(live_fake, refuse, refuse_err, 0, 0);
	snprintf(spec, sizeof(spec), "%s%s", fake_xe_path(live_fake),
		 device_suffix ? device_suffix : "");
	gb_job_defaults(&job);
	snprintf(job.name, sizeof(job.name), "fake-xe-%s", workload);
	assert_int_equal(gb_job_set(&job, "workload", workload, "test", &err), 0);
	assert_int_equal(gb_job_set(&job, "backend", "xe", "test", &err), 0);
	assert_int_equal(gb_job_set(&job, "device", spec, "test", &err), 0);
	assert_int_equal(gb_job_set(&job, "sizes", "4K,64K", "test", &err), 0);
	job.iterations = 3;
	job.reps = 2;
	job.warmup = 1;
	*st = gb_job_run(&job, &ro, &doc);
	assert_non_null(doc);
	if (fake_xe_leaks(live_fake, why, sizeof(why)))
		fail_msg("%s", why);
	fake_xe_destroy(live_fake);
	live_fake = NULL;
	return doc;
}

/*
 * Through the job runner: every refusal errno of the exec variant's queue
 * skips the bind job's "exec" rows with the ioctl and errno as reason (no
 * rows, status ok), and the vram placement on an integrated device skips
 * the whole job; the same jobs measure where nothing is refused.
 */
static void test_refusals_skip_in_document(void **state)
{
	static const int errs[] = { ENODEV, EINVAL, EOPNOTSUPP, ENOTTY };
	struct fake_xe_config lnl = fake_xe_lnl();
	enum gb_job_status st;
	json_t *doc, *skipped;
	const char *reason;

	doc = run_job(&lnl, "bind", NULL, 0, 0, &st);
	assert_int_equal(st, GB_JOB_OK);
	assert_int_equal(json_array_size(json_object_get(doc, "results")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "skipped")), 0);
	json_decref(doc);

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		doc = run_job(&lnl, "bind", NULL, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, errs[i], &st);
		if (st != GB_JOB_SKIPPED) /* its only variant refused: nothing ran */
			fail_msg("status %d: %s", st, json_dumps(doc, JSON_COMPACT));
		assert_int_equal(json_array_size(json_object_get(doc, "results")), 0);
		skipped = json_object_get(doc, "skipped");
		assert_int_equal(json_array_size(skipped), 1);
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(skipped, 0), "variant")),
			"exec");
		reason = json_string_value(json_object_get(json_array_get(skipped, 0), "reason"));
		if (!reason || !strstr(reason, "EXEC_QUEUE_CREATE") ||
		    !strstr(reason, strerror(errs[i])))
			fail_msg("skip reason '%s'", reason ? reason : "(none)");
		json_decref(doc);
	}

	doc = run_job(&lnl, "populate", ":vram", 0, 0, &st);
	assert_int_equal(st, GB_JOB_SKIPPED);
	reason = json_string_value(json_object_get(doc, "error"));
	if (!reason || !strstr(reason, "no VRAM region"))
		fail_msg("job error '%s'", reason ? reason : "(none)");
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_refusals_skip_in_document, teardown),
		cmocka_unit_test_teardown(test_banned_queue_stops_row, teardown),
		cmocka_unit_test_teardown(test_workloads_measure, teardown),
		cmocka_unit_test_teardown(test_udmabuf_import_maps_per_op, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
