/*
 * Result document validation (see resultdoc.h for the rules).
 *
 * The validator walks the JSON tree once, checking each contract field and
 * filling the typed view as it goes. It keeps the dotted path of the field
 * it is looking at so that the first problem found is reported with its
 * exact location ("results[2].counters.swiotlb_bounced: ..."); it stops at
 * the first problem because one precise message is more useful to a
 * producer than a cascade. The walk and its getters are resultdoc_walk.c,
 * the results[] rows resultdoc_rows.c.
 */
#include "resultdoc_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmamode.h"
#include "json_arena.h"

const char *const bl_run_status_names[BL_STATUS_COUNT] = {
	[BL_STATUS_OK] = "ok",
	[BL_STATUS_FAILED] = "failed",
	[BL_STATUS_SKIPPED] = "skipped",
	[BL_STATUS_TIMEOUT] = "timeout",
};

const char *const bl_counter_names[BL_COUNTER_COUNT] = {
	[BL_C_SWIOTLB_BOUNCED] = "swiotlb_bounced",
	[BL_C_SWIOTLB_BOUNCED_BYTES] = "swiotlb_bounced_bytes",
	[BL_C_DMA_MAP_SG] = "dma_map_sg",
	[BL_C_DMA_MAP_PAGE] = "dma_map_page",
	[BL_C_DMA_MAP_SEGMENTS] = "dma_map_segments",
	[BL_C_IO_TLB_NSLABS] = "io_tlb_nslabs",
	[BL_C_IO_TLB_USED_BEFORE] = "io_tlb_used_before",
	[BL_C_IO_TLB_USED_PEAK] = "io_tlb_used_peak",
	[BL_C_IO_TLB_USED_AFTER] = "io_tlb_used_after",
	[BL_C_DMA_SYNC_BYTES] = "dma_sync_bytes",
};

const char *const bl_latency_names[BL_LAT_COUNT] = {
	[BL_LAT_P50] = "p50", [BL_LAT_P90] = "p90", [BL_LAT_P99] = "p99",
	[BL_LAT_P999] = "p999", [BL_LAT_MAX] = "max",
};

static int parse_device(struct vctx *c, json_t *root, const char *key, enum need need,
			const char **node, const char **driver, const char **version,
			const char **pci, bool *has)
{
	json_t *obj;
	size_t len;
	int err = rd_get_object(c, root, key, need, &obj);

	*has = false;
	if (err || !obj)
		return err;
	len = rd_push(c, key, 0);
	if (!(err = rd_get_string(c, obj, "node", OPTIONAL, node)) &&
	    !(err = rd_get_string(c, obj, "driver", OPTIONAL, driver)) &&
	    !(err = rd_get_string(c, obj, "driver_version", OPTIONAL, version)) &&
	    !(err = rd_get_string(c, obj, "pci_id", OPTIONAL, pci))) {
		/* A run that found no device may say so with an all-null object. */
		if (!*node && !*driver && need == REQUIRED)
			err = rd_fail(c, NULL, "needs a driver or a node");
	}
	rd_pop(c, len);
	*has = !err && (*node || *driver || *version || *pci);
	return err;
}

static int validate(struct vctx *c, json_t *root, struct bl_resultdoc *d)
{
	static const char *const swiotlb_modes[] = { "force", "noforce", "default" };
	static const char *const iommu_modes[] = { "off", "on", "pt" };
	struct bl_opt_i64 i64;
	json_t *obj;
	enum need need_ok;
	const char *s;
	size_t len;
	int err, idx;

	if (!json_is_object(root))
		return rd_fail(c, NULL, "expected a JSON object, got %s", rd_type_name(root));
	if ((err = rd_get_int(c, root, "format", REQUIRED, 0, &i64)))
		return err;
	if (i64.v != BL_RESULTDOC_FORMAT)
		return rd_fail(c, "format", "unsupported format %lld (this bouncelab reads %d)",
			    (long long)i64.v, BL_RESULTDOC_FORMAT);
	d->format = (int)i64.v;

	if ((err = rd_get_string(c, root, "run_id", REQUIRED, &s)))
		return err;
	if (!bl_uuid_valid(s))
		return rd_fail(c, "run_id", "expected a UUID (8-4-4-4-12 hex digits), got \"%.40s\"",
			    s);
	for (int i = 0; i < 36; i++)
		d->run_id_buf[i] = (char)tolower((unsigned char)s[i]);
	d->run_id_buf[36] = '\0';
	d->run_id = d->run_id_buf;
	if (strcmp(s, d->run_id_buf)) {
		/* Stored in its canonical form, as its key is: the tree changes, the text goes. */
		if (json_object_set_new(root, "run_id", json_string(d->run_id_buf)))
			return -ENOMEM;
		d->rewritten = true;
	}

	if ((err = rd_get_enum(c, root, "status", REQUIRED, bl_run_status_names, BL_STATUS_COUNT, &s,
			    &idx)))
		return err;
	d->status = (enum bl_run_status)idx;
	/* A run that did not finish "ok" may know less about where it ran. */
	need_ok = d->status == BL_STATUS_OK ? REQUIRED : OPTIONAL;

	if ((err = rd_get_string(c, root, "error", OPTIONAL, &d->error)))
		return err;

	if ((err = rd_get_object(c, root, "tool", REQUIRED, &obj)))
		return err;
	len = rd_push(c, "tool", 0);
	if (!(err = rd_get_string(c, obj, "name", REQUIRED, &d->tool_name)))
		err = rd_get_string(c, obj, "version", REQUIRED, &d->tool_version);
	rd_pop(c, len);
	if (err)
		return err;

	if ((err = rd_get_time(c, root, "started_at", REQUIRED, &d->started_at, &i64)))
		return err;
	d->started_unix = i64.v;
	if ((err = rd_get_time(c, root, "finished_at", OPTIONAL, &d->finished_at, &d->finished_unix)))
		return err;
	/* Whole seconds: a run that finishes within its start second is fine. */
	if (d->finished_unix.set && d->finished_unix.v < d->started_unix)
		return rd_fail(c, "finished_at", "%s is before started_at %s", d->finished_at, d->started_at);

	if ((err = rd_get_object(c, root, "host", need_ok, &obj)))
		return err;
	if (obj) {
		len = rd_push(c, "host", 0);
		if (!(err = rd_get_string(c, obj, "hostname", REQUIRED, &d->hostname)) &&
		    !(err = rd_get_string(c, obj, "cpu", OPTIONAL, &d->cpu)))
			err = rd_get_int(c, obj, "mem_bytes", OPTIONAL, 0, &d->mem_bytes);
		rd_pop(c, len);
		if (err)
			return err;
	}

	if ((err = rd_get_object(c, root, "kernel", need_ok, &obj)))
		return err;
	if (obj) {
		len = rd_push(c, "kernel", 0);
		if (!(err = rd_get_string(c, obj, "release", REQUIRED, &d->kernel_release)) &&
		    !(err = rd_get_string(c, obj, "version", OPTIONAL, &d->kernel_version)))
			err = rd_get_string(c, obj, "cmdline", OPTIONAL, &d->cmdline);
		if (!err && !(err = rd_get_string(c, obj, "boot_id", OPTIONAL, &s)) && s) {
			if (!bl_uuid_valid(s)) {
				err = rd_fail(c, "boot_id", "expected a UUID (8-4-4-4-12 hex digits), got \"%.40s\"",
					   s);
			} else {
				for (int i = 0; i < 37; i++)
					d->boot_id_buf[i] = (char)tolower((unsigned char)s[i]);
				d->boot_id = d->boot_id_buf;
			}
		}
		rd_pop(c, len);
		if (err)
			return err;
	}

	if ((err = rd_get_object(c, root, "testbed", OPTIONAL, &obj)))
		return err;
	if (obj) {
		static const char *const clocks[] = { "icount", "wall" };

		len = rd_push(c, "testbed", 0);
		if (!(err = rd_get_string(c, obj, "package_version", OPTIONAL, &d->package_version)) &&
		    !(err = rd_get_string(c, obj, "kernel_package", OPTIONAL, &d->kernel_package)) &&
		    !(err = rd_get_enum(c, obj, "clock", OPTIONAL, clocks, 2, &d->testbed_clock, NULL)) &&
		    !(err = rd_get_int(c, obj, "boot_index", OPTIONAL, 0, &d->testbed_boot_index)))
			err = rd_get_int(c, obj, "balloon_bytes", OPTIONAL, 1, &d->balloon_bytes);
		/* before the clock was recorded the lab ran multi-threaded TCG: wall clock */
		if (!err && !d->testbed_clock)
			d->testbed_clock = "wall";
		rd_pop(c, len);
		if (err)
			return err;
	}

	if ((err = rd_get_object(c, root, "hypervisor", OPTIONAL, &obj)))
		return err;
	if (obj) {
		const char *type, *guest_type;

		len = rd_push(c, "hypervisor", 0);
		if (!(err = rd_get_string(c, obj, "type", OPTIONAL, &type)))
			err = rd_get_string(c, obj, "guest_type", OPTIONAL, &guest_type);
		rd_pop(c, len);
		if (err)
			return err;
		/* "xen-pv": the part of the mode the hypervisor decides */
		d->hypervisor = bl_hypervisor_key(type, guest_type, d->hypervisor_buf, sizeof(d->hypervisor_buf));
	}

	if ((err = rd_get_object(c, root, "dma", need_ok, &obj)))
		return err;
	if (obj) {
		len = rd_push(c, "dma", 0);
		if (!(err = rd_get_enum(c, obj, "swiotlb", OPTIONAL, swiotlb_modes, 3, &d->swiotlb,
				     NULL)) &&
		    !(err = rd_get_int(c, obj, "swiotlb_slabs", OPTIONAL, 0, &d->swiotlb_slabs)))
			err = rd_get_enum(c, obj, "iommu", OPTIONAL, iommu_modes, 3, &d->iommu, NULL);
		rd_pop(c, len);
		if (err)
			return err;
	}

	if ((err = parse_device(c, root, "device", need_ok, &d->dev_node, &d->dev_driver,
				&d->dev_driver_version, &d->dev_pci_id, &d->has_device)) ||
	    (err = parse_device(c, root, "importer", OPTIONAL, &d->imp_node, &d->imp_driver,
				&d->imp_driver_version, &d->imp_pci_id, &d->has_importer)))
		return err;

	if ((err = rd_get_object(c, root, "job", REQUIRED, &obj)))
		return err;
	len = rd_push(c, "job", 0);
	if (!(err = rd_get_string(c, obj, "name", REQUIRED, &d->job_name)) &&
	    !(err = rd_get_string(c, obj, "backend", REQUIRED, &d->job_backend)) &&
	    !(err = rd_get_string(c, obj, "workload", REQUIRED, &d->job_workload)))
		err = rd_get_object(c, obj, "params", OPTIONAL, &d->job_params);
	rd_pop(c, len);
	if (err)
		return err;

	return rd_parse_results(c, root, d);
}

int bl_resultdoc_from_json(json_t *root, struct bl_resultdoc **out, char *err, size_t errlen)
{
	struct vctx c = { .err = err, .errlen = errlen };
	struct bl_resultdoc *d;
	int ret;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!root)
		return rd_fail(&c, NULL, "no document");
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->root = json_incref(root);
	ret = validate(&c, root, d);
	if (ret) {
		if (ret == -ENOMEM && err && errlen)
			snprintf(err, errlen, "document: out of memory");
		bl_resultdoc_free(d);
		return ret;
	}
	*out = d;
	return 0;
}

int bl_resultdoc_parse(const char *text, size_t len, struct bl_resultdoc **out, char *err,
		       size_t errlen)
{
	struct bl_json_arena *arena;
	json_error_t jerr;
	json_t *root;
	int ret;

	*out = NULL;
	if (len > BL_RESULTDOC_MAX_BYTES) {
		if (err && errlen)
			snprintf(err, errlen, "document: %zu bytes, more than the limit of %u", len,
				 BL_RESULTDOC_MAX_BYTES);
		return -E2BIG;
	}
	/* The tree lives exactly as long as the document: one arena (NULL: the heap). */
	arena = bl_json_arena_begin();
	/* Duplicate keys are refused: which of two "status" members counts is ambiguous. */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		bl_json_arena_free(arena);
		if (err && errlen)
			snprintf(err, errlen, "document: invalid JSON at line %d column %d: %s",
				 jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	ret = bl_resultdoc_from_json(root, out, err, errlen);
	/* With the arena still current: on failure this frees the tree into it. */
	json_decref(root); /* the document holds its own reference */
	bl_json_arena_end(arena);
	if (ret) {
		bl_json_arena_free(arena);
		return ret;
	}
	(*out)->arena = arena;
	/* Kept so the store saves the document as it came, without re-serialising it. */
	if ((*out)->rewritten)
		return 0; /* made canonical: the store serialises the tree */
	(*out)->text = malloc(len + 1);
	if (!(*out)->text) {
		bl_resultdoc_free(*out);
		*out = NULL;
		if (err && errlen)
			snprintf(err, errlen, "document: out of memory");
		return -ENOMEM;
	}
	memcpy((*out)->text, text, len);
	(*out)->text[len] = '\0';
	(*out)->text_len = len;
	return 0;
}

void bl_resultdoc_free(struct bl_resultdoc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n_results; i++) {
		free((void *)doc->results[i].ops_per_sec.values);
		free((void *)doc->results[i].bytes_per_sec.values);
	}
	free(doc->results);
	free(doc->text);
	if (doc->arena)
		bl_json_arena_free(doc->arena); /* the whole tree, without walking it */
	else
		json_decref(doc->root);
	free(doc);
}
