/*
 * One job: devices, variants, rows, document (see job.h). A device that is
 * not there, or not ours to open, makes the job "skipped" with the reason;
 * a variant the device refuses at probe time is skipped on its own; a row
 * whose operations fail is still a row (failures are results), unless the
 * backend says the device is gone, which fails the job.
 */
#include "job.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "compact.h"
#include "counters.h"
#include "document.h"
#include "drmdev.h"
#include "report.h"
#include "run.h"
#include "workload.h"

/* job key compact: the row says whether memory was compacted before it, or why not */
static void compact_before(struct gb_row *row)
{
	char why[256];

	if (gb_compact_memory(why, sizeof(why)))
		json_object_set_new(row->extra, "memory_compacted", json_string(why));
	else
		json_object_set_new(row->extra, "memory_compacted", json_true());
}

static bool err_is_absent(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ENXIO || err == -EACCES ||
	       err == -EPERM;
}

static int open_dev(struct gb_dev *dev, const struct gb_backend_ops *ops, const char *spec)
{
	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	dev->fd = -1;
	return ops->open(dev, spec && spec[0] ? spec : NULL);
}

/* Whether two open devices are the same device (sysfs identity of their nodes). */
static bool same_device(struct gb_dev *a, struct gb_dev *b)
{
	char na[4][64], nb[4][64];
	int n1 = bl_dev_dma_names(a->fd, na, 4), n2 = bl_dev_dma_names(b->fd, nb, 4);

	if (!n1 || !n2)
		return !strcmp(a->node, b->node);
	return !strcmp(na[0], nb[0]);
}

static const char *cap_missing_reason(const struct gb_workload *wl,
				      const struct gb_backend_ops *ops, char *buf, size_t len)
{
	unsigned missing = wl->caps & ~ops->caps;

	if (!missing)
		return NULL;
	if ((missing & GB_CAP_GEM) && (ops->caps & GB_CAP_DMABUF_NATIVE))
		snprintf(buf, len, "backend %s: buffers are dma-bufs from creation; nothing to %s",
			 ops->name, wl->name);
	else
		snprintf(buf, len, "backend %s cannot do what workload %s needs (%s)", ops->name,
			 wl->name,
			 (missing & GB_CAP_POPULATE) ? "populate" :
			 (missing & GB_CAP_MMAP)     ? "mmap" :
			 (missing & GB_CAP_EXPORT)   ? "export" : "a capability");
	return buf;
}

/*
 * The kernel rate-limits its DMA warnings ("swiotlb buffer is full" is a
 * dev_warn_ratelimited: 10 lines per 5 s per call site). After a row whose
 * failures the kernel logged, wait until that window has passed so the
 * next row's failures carry their own kernel lines instead of none.
 */
static void wait_for_log_window(uint64_t since, uint64_t window_ns)
{
	uint64_t now = gb_now_ns();

	if (now - since < window_ns) {
		uint64_t left = window_ns - (now - since);
		struct timespec ts = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
}

enum gb_job_status gb_job_run(const struct gb_job *job, const struct gb_runopts *o, json_t **out)
{
	const struct gb_workload *wl = gb_workload_find(job->workload);
	const struct gb_backend_ops *ops = gb_backend_find(job->backend);
	const struct gb_backend_ops *imp_ops = gb_backend_find("dumb");
	struct gb_dev dev = { .fd = -1 }, imp = { .fd = -1 };
	bool dev_open = false, imp_open = false;
	struct gb_ctx ctx;
	enum gb_job_status status = GB_JOB_OK;
	char why[512] = "", names[8][64];
	int nnames = 0, err;
	unsigned nrows = 0;
	uint64_t logged_failure_at = 0, row_start;
	json_t *doc = gb_doc_new(job, o->timer_cost_ns);

	memset(&ctx, 0, sizeof(ctx));
	if (!doc || !wl || !ops) {
		/* Options were validated; only ENOMEM gets here. */
		json_decref(doc);
		*out = NULL;
		return GB_JOB_FAILED;
	}
	if (cap_missing_reason(wl, ops, why, sizeof(why))) {
		json_object_set_new(doc, "device", gb_doc_device_missing(job->device));
		status = GB_JOB_SKIPPED;
		goto done;
	}
	err = open_dev(&dev, ops, job->device);
	if (err) {
		snprintf(why, sizeof(why), "backend %s: open device '%.120s'%s%.120s: %.200s",
			 ops->name, job->device[0] ? job->device : "(default)",
			 dev.node[0] ? " at " : "", dev.node, dev.why[0] ? dev.why : strerror(-err));
		json_object_set_new(doc, "device", gb_doc_device_missing(job->device));
		status = err_is_absent(err) ? GB_JOB_SKIPPED : GB_JOB_FAILED;
		goto done;
	}
	dev_open = true;
	nnames = bl_dev_dma_names(dev.fd, names, 4);
	json_object_set_new(doc, "device", gb_doc_device(&dev, names, nnames));
	if (job->importer[0] && (wl->needs_importer || wl->importer_optional)) {
		char inames[4][64];
		int ni;

		err = open_dev(&imp, imp_ops, job->importer);
		if (err) {
			snprintf(why, sizeof(why), "importer '%s': %s", job->importer,
				 strerror(-err));
			json_object_set_new(doc, "importer", gb_doc_device_missing(job->importer));
			status = err_is_absent(err) ? GB_JOB_SKIPPED : GB_JOB_FAILED;
			goto done;
		}
		imp_open = true;
		ni = bl_dev_dma_names(imp.fd, inames, 4);
		json_object_set_new(doc, "importer", gb_doc_device(&imp, inames, ni));
		for (int i = 0; i < ni && nnames < 8; i++)
			snprintf(names[nnames++], 64, "%.63s", inames[i]);
		ctx.same_device = same_device(&dev, &imp);
	}

	ctx.job = job;
	ctx.wl = wl;
	ctx.dev = &dev;
	ctx.imp = imp_open ? &imp : NULL;
	ctx.ctr = o->ctr;
	ctx.kmsg = o->kmsg;
	ctx.prof = o->prof;
	ctx.progress = o->progress;
	for (int i = 0; i < nnames && i < 8; i++)
		snprintf(ctx.scope[i], 64, "%.63s", names[i]);
	ctx.nscope = nnames;
	if (o->table)
		gb_report_header(o->table, job->name, doc);

	{
		const struct gb_variant *vars = gb_backend_variants(ops, wl->feature);
		static const struct gb_variant only[] = { { NULL, 0, NULL } };
		const struct gb_variant *v = vars ? vars : only;
		bool matched = !job->variant[0];

		for (; status == GB_JOB_OK; v++) {
			const char *vname = v->name;
			char pwhy[256] = "";

			if (vars && !v->name)
				break;
			if (job->variant[0] && (!vname || strcmp(vname, job->variant)))
				goto next;
			matched = true;
			if (ops->probe) {
				err = ops->probe(&dev, wl->feature, v->id, pwhy, sizeof(pwhy));
				if (err && gb_err_unsupported(err)) {
					gb_doc_add_skipped(doc, wl->name, vname, pwhy);
					if (o->table)
						gb_report_skipped(o->table, wl->name, vname, pwhy);
					goto next;
				}
				if (err) {
					snprintf(why, sizeof(why), "probe %s: %s: %s",
						 gb_feature_name(wl->feature), pwhy, strerror(-err));
					status = GB_JOB_FAILED;
					break;
				}
			}
			if (ctx.imp && imp.ops->probe &&
			    (wl->needs_importer || wl->importer_optional)) {
				err = imp.ops->probe(&imp, GB_FEAT_IMPORT, 0, pwhy, sizeof(pwhy));
				if (err) {
					gb_doc_add_skipped(doc, wl->name, vname, pwhy);
					if (o->table)
						gb_report_skipped(o->table, wl->name, vname, pwhy);
					goto next;
				}
			}
			if (!vname && ctx.same_device && !strcmp(wl->name, "import"))
				vname = "same-device";
			for (unsigned s = 0; s < job->nsizes; s++) {
				struct gb_row row;
				json_t *r;

				if (logged_failure_at && job->log_wait_ns)
					wait_for_log_window(logged_failure_at, job->log_wait_ns);
				logged_failure_at = 0;
				gb_row_init(&row, wl->name, vname, job->sizes[s]);
				if (job->compact)
					compact_before(&row);
				row_start = gb_now_ns();
				err = wl->run(&ctx, &row, v->id, job->sizes[s]);
				if (row.failed_ops && row.kernel_log_total)
					logged_failure_at = row_start;
				r = gb_row_finish(&row);
				if (o->table)
					gb_report_row(o->table, r, o->color);
				gb_doc_add_row(doc, r);
				nrows++;
				if (row.fatal || err) {
					snprintf(why, sizeof(why), "%s",
						 row.fatal_why[0] ? row.fatal_why : strerror(-err));
					status = GB_JOB_FAILED;
				}
				gb_row_free(&row);
				if (status != GB_JOB_OK)
					break;
			}
next:
			if (!vars)
				break;
		}
		if (!matched && status == GB_JOB_OK) {
			snprintf(why, sizeof(why), "backend %s has no %s variant '%s'", ops->name,
				 gb_feature_name(wl->feature), job->variant);
			status = GB_JOB_FAILED;
		}
	}
	if (status == GB_JOB_OK && !nrows) {
		json_t *sk = json_array_get(json_object_get(doc, "skipped"), 0);

		status = GB_JOB_SKIPPED;
		snprintf(why, sizeof(why), "%s",
			 sk ? json_string_value(json_object_get(sk, "reason")) : "nothing to run");
	}
done:
	/* Skipped jobs are reported by the caller, grouped by reason (gembench.c). */
	if (status == GB_JOB_FAILED && o->table && !nrows)
		fprintf(o->table, "\n== %s: failed: %s\n", job->name, why);
	gb_doc_finish(doc, status == GB_JOB_OK ? "ok" : status == GB_JOB_SKIPPED ? "skipped" : "failed",
		      status == GB_JOB_OK ? NULL : why);
	if (o->table && nrows)
		gb_report_status(o->table, doc);
	if (imp_open)
		imp.ops->close(&imp);
	if (dev_open)
		dev.ops->close(&dev);
	*out = doc;
	return status;
}
