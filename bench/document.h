/*
 * The result document (format 1, ../shared/DESIGN.md): one JSON object per
 * job run, built with jansson. gb_doc_new() fills everything known before
 * the job runs (run_id, tool, host, kernel, dma, job, timer); the runner
 * adds "device", "importer" and rows; gb_doc_finish() sets status, error
 * and finished_at. Written as one line (JSON Lines) by gb_doc_write().
 */
#ifndef GB_DOCUMENT_H
#define GB_DOCUMENT_H

#include <stdio.h>

#include <jansson.h>

#include "backend.h"
#include "options.h"

/* A new document for @job; @timer_cost_ns goes into "timer". NULL on ENOMEM. */
json_t *gb_doc_new(const struct gb_job *job, double timer_cost_ns);

/* The "device" object for an open device (plus backend describe() facts). */
json_t *gb_doc_device(struct gb_dev *dev, char names[][64], int nnames);
/* A "device" object for a device that could not be opened: what was asked for. */
json_t *gb_doc_device_missing(const char *spec);

void gb_doc_add_row(json_t *doc, json_t *row);
void gb_doc_add_skipped(json_t *doc, const char *workload, const char *variant,
			const char *reason);
/* status: "ok", "failed" or "skipped"; error NULL when ok. */
void gb_doc_finish(json_t *doc, const char *status, const char *error);

/* One line of JSON plus '\n'. 0 or -errno. */
int gb_doc_write(json_t *doc, FILE *out);

#endif
