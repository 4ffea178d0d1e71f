/*
 * Running one job section: open the devices, probe the workload's feature
 * variants, run every (variant, size) row, and build the result document.
 */
#ifndef GB_JOB_H
#define GB_JOB_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "options.h"

struct gb_counters;
struct gb_kmsg;
struct gb_prof;

enum gb_job_status { GB_JOB_OK, GB_JOB_FAILED, GB_JOB_SKIPPED };

struct gb_runopts {
	struct gb_counters *ctr; /* NULL: counters unavailable */
	struct gb_kmsg *kmsg;    /* NULL: no kernel log */
	double timer_cost_ns;
	bool progress;           /* progress on stderr */
	FILE *table;             /* the terminal table, or NULL */
	bool color;
	struct gb_prof *prof;    /* perf state for jobs with profile = true (profiling.h) */
};

/* Runs @job; *doc gets the finished result document (new reference). */
enum gb_job_status gb_job_run(const struct gb_job *job, const struct gb_runopts *o, json_t **doc);

#endif
