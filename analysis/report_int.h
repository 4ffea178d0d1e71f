/*
 * What the report files (analysis/report*.c) share and nothing else uses:
 * the report's context (the loaded runs, where the findings and the full
 * tables go) and the sections each file writes. report.c: the entry point,
 * which runs, what ran, the figures; report_compare.c: each mode against
 * the baseline mode and kernel against kernel; report_findings.c: the
 * findings and the per-row result tables; report_changes.c: change points
 * over package versions.
 */
#ifndef BL_REPORT_INT_H
#define BL_REPORT_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis.h"

struct report_ctx {
	FILE *f;
	struct bl_store *s;
	const struct an_dataset *ds;	 /* the runs reported on, with their rows */
	const struct an_runs *runs;	 /* = &ds->runs, oldest first */
	const struct bl_sample_set *set; /* ds grouped AN_GROUP_KERNEL_MODE, sorted */
	struct bl_stats_opts stats;
	FILE *findings; /* "what force costs" lines, collected while comparing */
	char *findings_buf;
	size_t findings_len;
	FILE *details;            /* the full tables; NULL = folded into the report */
	const char *details_link; /* the details file as the report links it */
};

/* Writes @s as a Markdown table cell: '|' escaped, newlines as spaces. */
void rp_md_cell(FILE *f, const char *s);
/* @s, or @dflt when it is NULL or empty. */
const char *rp_nz(const char *s, const char *dflt);

/* report_compare.c: the two comparison sections (into c->f, full tables into c->details). */
int rp_mode_comparisons(struct report_ctx *c);
int rp_kernel_comparisons(struct report_ctx *c);

/* report_headline.c: the headline table (headline.h) into @f. 0 or -errno. */
int rp_headline(struct report_ctx *c, FILE *f);
/* report_night.c: "What changed since last night" when the newest judged night has runs here. */
int rp_night_section(struct report_ctx *c, FILE *f);
/* report_xen.c: "What Xen PV does", when a kernel ran a Xen mode. 0 or -ENOMEM. */
int rp_xen_section(struct report_ctx *c, FILE *f);

/*
 * report_changes.c: the change points section, over every package version
 * of the runs @filter picks (whatever the night). 0 or -errno.
 */
int rp_change_points(struct report_ctx *c, const struct bl_run_filter *filter);

/* report_findings.c: the findings section; the per-row tables of c->set into @f. */
int rp_findings(struct report_ctx *c);
/* "failed: errno 5 (Input/output error)", what a cell says where every operation failed. */
void rp_failed_text(int err, char *buf, size_t len);
void rp_result_tables(FILE *f, const struct bl_sample_set *set);
/*
 * report_pool.c: the "Pool sizing" section (failed ops and peak slots per
 * pool size) where a kernel and mode ran with two pool sizes or more;
 * nothing otherwise. 0 or -ENOMEM.
 */
int rp_pool_section(FILE *f, const struct an_dataset *ds);

#endif
