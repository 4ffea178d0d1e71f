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

/* The headline's row of one (kernel, mode); see report_headline.c. */
#define RP_HEADLINE_SIZES 3
struct rp_headline_row {
	char rel[128], mode[64], clock[16];
	double bounces[RP_HEADLINE_SIZES], mib[RP_HEADLINE_SIZES]; /* NAN: no such row */
	/* refused rows, one per (job, workload, variant, size): "key\ttext" each */
	char **refused;
	size_t n_refused, cap_refused;
	int64_t slots_after; /* -1 unknown */
	bool compared;	     /* the mode comparison against the baseline ran */
	double *changes;     /* ops/s relative changes against the baseline */
	size_t n_changes, cap_changes, judged, worse, better;
};

struct rp_headline {
	struct rp_headline_row *r;
	size_t n, cap;
};

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
	struct rp_headline headline;
	/* set around a mode comparison: its throughput verdicts go into that headline row */
	const char *headline_rel, *headline_mode;
};

/* Writes @s as a Markdown table cell: '|' escaped, newlines as spaces. */
void rp_md_cell(FILE *f, const char *s);
/* @s, or @dflt when it is NULL or empty. */
const char *rp_nz(const char *s, const char *dflt);

/* report_compare.c: the two comparison sections (into c->f, full tables into c->details). */
int rp_mode_comparisons(struct report_ctx *c);
int rp_kernel_comparisons(struct report_ctx *c);

/* report_headline.c: counts from c->ds, throughput verdicts from the mode comparisons. */
int rp_headline_collect(struct report_ctx *c);
int rp_headline_add_cmp(struct report_ctx *c, const char *rel, const char *mode,
			const struct bl_cmp_result *r);
void rp_headline_write(struct report_ctx *c, FILE *f);
void rp_headline_free(struct rp_headline *h);

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

#endif
