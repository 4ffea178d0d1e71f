/*
 * Result document assembly (see document.h). The names are the contract in
 * DESIGN.md; extra fields are additions, never renames.
 */
#include "document.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "docwrite.h"
#include "environment.h"
#include "run.h"
#include "version.h"

static json_t *job_params(const struct gb_job *job)
{
	json_t *sizes = json_array(), *params;

	for (unsigned i = 0; i < job->nsizes; i++)
		json_array_append_new(sizes, json_integer((json_int_t)job->sizes[i]));
	params = json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "device",
			 job->device[0] ? json_string(job->device) : json_null(), "importer",
			 job->importer[0] ? json_string(job->importer) : json_null(), "variant",
			 job->variant[0] ? json_string(job->variant) : json_null(), "sizes", sizes,
			 "iterations", (json_int_t)job->iterations, "duration_ns",
			 (json_int_t)job->duration_ns, "reps", (json_int_t)job->reps, "warmup",
			 (json_int_t)job->warmup, "cycles", (json_int_t)job->cycles, "log_wait_ns",
			 (json_int_t)job->log_wait_ns);
	/*
	 * Only profiled runs say so: perf's sampling costs time, so compare must
	 * not mix them with unprofiled runs, and older documents stay unchanged.
	 */
	if (params && job->profile)
		json_object_set_new(params, "profile", json_true());
	/* only when set, as profile: documents without it stay as they were */
	if (params && job->warmup_ns)
		json_object_set_new(params, "warmup_ns", json_integer((json_int_t)job->warmup_ns));
	return params;
}

json_t *gb_doc_new(const struct gb_job *job, double timer_cost_ns)
{
	char uuid[BL_UUID_LEN], now[BL_RFC3339_LEN];
	json_t *doc;

	if (bl_uuid4(uuid))
		return NULL;
	bl_rfc3339(NULL, now);
	doc = json_pack("{s:i, s:s, s:s, s:n, s:{s:s, s:s}, s:s, s:n, s:o, s:o, s:o, s:n, s:n}",
			"format", 1, "run_id", uuid, "status", "ok", "error", "tool", "name",
			"gembench", "version", bl_version, "started_at", now, "finished_at",
			"host", bl_env_host(), "kernel", bl_env_kernel(), "dma", bl_env_dma(),
			"device", "importer");
	if (!doc)
		return NULL;
	/* Xen or not is part of the mode (a PV dom0 bounces through xen-swiotlb whatever swiotlb= says) */
	{
		json_t *hv = bl_env_hypervisor();
		json_t *dma = json_object_get(doc, "dma");

		if (!hv || json_object_set_new(doc, "hypervisor", hv) ||
		    (dma && json_object_set_new(dma, "swiotlb_impl", json_string(bl_env_swiotlb_impl(hv))))) {
			json_decref(doc);
			return NULL;
		}
	}
	json_object_set_new(doc, "job",
			    json_pack("{s:s, s:s, s:s, s:o, s:s}", "name", job->name, "backend",
				      job->backend, "workload", job->workload, "params",
				      job_params(job), "source", job->source));
	{
		json_t *timer = gb_timer_describe();

		json_object_set_new(timer, "cost_ns", json_real(timer_cost_ns));
		json_object_set_new(timer, "note",
				    json_string("one clock read per operation; latency includes one read"));
		json_object_set_new(doc, "timer", timer);
	}
	json_object_set_new(doc, "results", json_array());
	json_object_set_new(doc, "skipped", json_array());
	return doc;
}

json_t *gb_doc_device(struct gb_dev *dev, char names[][64], int nnames)
{
	json_t *d, *dn = json_array();

	for (int i = 0; i < nnames; i++)
		json_array_append_new(dn, json_string(names[i]));
	d = json_pack("{s:s, s:s, s:o, s:o, s:s, s:o}", "node", dev->node, "driver", dev->driver,
		      "driver_version",
		      dev->driver_version[0] ? json_string(dev->driver_version) : json_null(),
		      "pci_id", dev->pci_id[0] ? json_string(dev->pci_id) : json_null(), "backend",
		      dev->ops->name, "dma_names", dn);
	if (dev->ops->describe) {
		json_t *extra = json_object();

		if (dev->ops->describe(dev, extra) == 0) {
			/* The backend may not overwrite what gembench itself measured. */
			json_object_del(extra, "node");
			json_object_del(extra, "driver");
			json_object_del(extra, "driver_version");
			json_object_del(extra, "pci_id");
			json_object_update(d, extra);
		}
		json_decref(extra);
	}
	return d;
}

json_t *gb_doc_device_missing(const char *spec)
{
	return json_pack("{s:n, s:o, s:n, s:n}", "node", "driver",
			 spec && spec[0] ? json_string(spec) : json_null(), "driver_version",
			 "pci_id");
}

void gb_doc_add_row(json_t *doc, json_t *row)
{
	json_array_append_new(json_object_get(doc, "results"), row);
}

void gb_doc_add_skipped(json_t *doc, const char *workload, const char *variant,
			const char *reason)
{
	json_array_append_new(json_object_get(doc, "skipped"),
			      json_pack("{s:s, s:o, s:s}", "workload", workload, "variant",
					variant ? json_string(variant) : json_null(), "reason",
					reason));
}

void gb_doc_finish(json_t *doc, const char *status, const char *error)
{
	char now[BL_RFC3339_LEN];

	bl_rfc3339(NULL, now);
	json_object_set_new(doc, "status", json_string(status));
	json_object_set_new(doc, "error", error ? json_string(error) : json_null());
	json_object_set_new(doc, "finished_at", json_string(now));
}

int gb_doc_write(json_t *doc, FILE *out)
{
	if (json_dumpf(doc, out, JSON_COMPACT | JSON_REAL_PRECISION(10)))
		return -EIO;
	if (fputc('\n', out) == EOF || fflush(out))
		return -errno;
	return 0;
}
