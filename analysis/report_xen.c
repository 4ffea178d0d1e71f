/*
 * The report's "What Xen PV does" section: per kernel that ran a Xen mode,
 * one row per job, workload and size that a Xen mode refuses or bounces,
 * with its bounces per op (or the refusal) in noforce, force and every Xen
 * mode side by side. Rows a Xen mode refuses and noforce runs come first:
 * a mapping Xen's SWIOTLB cannot bounce at all is the bug class this
 * project exists for. Rows that bounce nothing and refuse nothing in every
 * Xen mode, and rows refused in noforce too, are counted, not listed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "resultdoc.h"

#define XEN_MAX_COLS 8

struct xen_cell {
	int64_t ops, failed, bounced;
	int err;     /* the first refusal's errno, 0 none */
	bool any;    /* a row of this mode */
	bool counts; /* swiotlb_bounced known */
};

struct xen_row {
	const char *job, *workload, *variant;
	int64_t size;
	struct xen_cell cell[XEN_MAX_COLS];
};

struct xen_table {
	const char *cols[XEN_MAX_COLS];
	size_t ncols;
	struct xen_row *r;
	size_t n, cap;
};

static bool is_xen(const char *mode)
{
	return mode && !strncmp(mode, "xen-", 4);
}

/* The columns of kernel @rel: noforce, force, then its Xen modes in the table's order. */
static void columns(const struct an_dataset *ds, const char *rel, struct xen_table *t)
{
	static const char *const bare[] = { BL_MODE_BASELINE, "force" };

	for (size_t b = 0; b < 2; b++)
		for (size_t i = 0; i < ds->runs.n; i++)
			if (!strcmp(ds->runs.r[i].kernel_release, rel) && ds->runs.r[i].mode &&
			    !strcmp(ds->runs.r[i].mode, bare[b])) {
				t->cols[t->ncols++] = bare[b];
				break;
			}
	for (size_t i = 0; i < ds->runs.n && t->ncols < XEN_MAX_COLS; i++) {
		const struct an_run *r = &ds->runs.r[i];
		bool have = false;

		if (strcmp(r->kernel_release, rel) || !is_xen(r->mode))
			continue;
		for (size_t k = 0; k < t->ncols; k++)
			have |= !strcmp(t->cols[k], r->mode);
		if (!have)
			t->cols[t->ncols++] = r->mode;
	}
	/* the Xen modes after the bare ones, each in the mode table's order, balloons after */
	for (size_t a = 1; a < t->ncols; a++)
		for (size_t b = a; b > 0 && is_xen(t->cols[b]) && is_xen(t->cols[b - 1]) &&
				   strcmp(t->cols[b - 1], t->cols[b]) > 0;
		     b--) {
			const char *x = t->cols[b];

			t->cols[b] = t->cols[b - 1];
			t->cols[b - 1] = x;
		}
}

static struct xen_row *row_of(struct xen_table *t, const char *job, const struct bl_result_view *v)
{
	const char *variant = v->variant ? v->variant : "";

	for (size_t i = 0; i < t->n; i++)
		if (t->r[i].size == v->size && !strcmp(t->r[i].job, job) &&
		    !strcmp(t->r[i].workload, v->workload) && !strcmp(t->r[i].variant, variant))
			return &t->r[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct xen_row *r = realloc(t->r, cap * sizeof(*r));

		if (!r)
			return NULL;
		t->r = r;
		t->cap = cap;
	}
	t->r[t->n] = (struct xen_row){ .job = job, .workload = v->workload, .variant = variant,
				       .size = v->size };
	return &t->r[t->n++];
}

static bool refused(const struct xen_cell *c)
{
	return c->any && c->failed > 0;
}

/*
 * What the row says about Xen: 2 a Xen mode refuses what noforce runs, 1 a
 * Xen mode bounces, 0 neither, -1 refused in noforce too (whatever the mode:
 * a device that cannot import).
 */
static int xen_weight(const struct xen_table *t, const struct xen_row *r)
{
	int w = 0;

	for (size_t k = 0; k < t->ncols; k++)
		if (!strcmp(t->cols[k], BL_MODE_BASELINE) && refused(&r->cell[k]))
			return -1;
	for (size_t k = 0; k < t->ncols; k++) {
		if (!is_xen(t->cols[k]))
			continue;
		if (refused(&r->cell[k]))
			return 2;
		if (r->cell[k].bounced > 0)
			w = 1;
	}
	return w;
}

static int cmp_rows(const void *a, const void *b, void *table)
{
	const struct xen_row *x = a, *y = b;
	int c = xen_weight(table, y) - xen_weight(table, x);

	if (!c)
		c = strcmp(x->job, y->job);
	if (!c)
		c = strcmp(x->workload, y->workload);
	if (!c)
		c = strcmp(x->variant, y->variant);
	return c ? c : (x->size > y->size) - (x->size < y->size);
}

static void cell_text(FILE *f, const struct xen_cell *c)
{
	if (!c->any)
		fputs(" |", f);
	else if (c->failed > 0)
		fprintf(f, " **refused %" PRId64 "/%" PRId64 "%s%s** |", c->failed, c->ops,
			c->err ? ", " : "", c->err ? strerror(c->err) : "");
	else if (!c->counts || c->ops <= 0)
		fputs(" - |", f);
	else
		fprintf(f, " %.3g |", (double)c->bounced / (double)c->ops);
}

static int kernel_table(struct report_ctx *c, FILE *f, const char *rel)
{
	struct xen_table t = { 0 };
	size_t quiet = 0, everywhere = 0;
	char short_rel[128], sz[24];

	columns(c->ds, rel, &t);
	for (size_t i = 0; i < c->ds->n; i++) {
		const struct an_run *run = &c->ds->runs.r[c->ds->rows[i].run];
		const struct bl_result_view *v = &c->ds->rows[i].v;
		struct xen_row *r;
		size_t k;

		if (strcmp(run->kernel_release, rel) || !run->mode)
			continue;
		for (k = 0; k < t.ncols && strcmp(t.cols[k], run->mode); k++)
			;
		if (k == t.ncols)
			continue;
		if (!(r = row_of(&t, run->job ? run->job : "?", v))) {
			free(t.r);
			return -ENOMEM;
		}
		r->cell[k].any = true;
		r->cell[k].ops += v->ops;
		r->cell[k].failed += v->failed_ops;
		if (!r->cell[k].err && v->failed_ops > 0 && v->failed_errno.set)
			r->cell[k].err = (int)v->failed_errno.v;
		if (v->counters[BL_C_SWIOTLB_BOUNCED].set) {
			r->cell[k].counts = true;
			r->cell[k].bounced += v->counters[BL_C_SWIOTLB_BOUNCED].v;
		}
	}
	if (t.n) /* t.r is NULL without rows, which qsort_r may not get */
		qsort_r(t.r, t.n, sizeof(*t.r), cmp_rows, &t);
	an_short_release(rel, short_rel, sizeof(short_rel));
	fprintf(f, "### %s\n\n| job | workload | size |", short_rel);
	for (size_t k = 0; k < t.ncols; k++)
		fprintf(f, " %s |", t.cols[k]);
	fputs("\n| --- | --- | ---: |", f);
	for (size_t k = 0; k < t.ncols; k++)
		fputs(" ---: |", f);
	fputc('\n', f);
	for (size_t i = 0; i < t.n; i++) {
		const struct xen_row *r = &t.r[i];

		if (xen_weight(&t, r) <= 0) {
			quiet += xen_weight(&t, r) == 0;
			everywhere += xen_weight(&t, r) < 0;
			continue;
		}
		bl_size_str(r->size, sz, sizeof(sz));
		fputs("| ", f);
		rp_md_cell(f, r->job);
		fputs(" | ", f);
		rp_md_cell(f, r->workload);
		fprintf(f, "%s%s | %s |", *r->variant ? "/" : "", r->variant, sz);
		for (size_t k = 0; k < t.ncols; k++)
			cell_text(f, &r->cell[k]);
		fputc('\n', f);
	}
	fprintf(f, "\nNot listed: %zu row%s that bounce 0 times and refuse nothing in every Xen "
		   "mode, and %zu refused in %s too (whatever the mode).\n\n",
		quiet, quiet == 1 ? "" : "s", everywhere, BL_MODE_BASELINE);
	free(t.r);
	return 0;
}

int rp_xen_section(struct report_ctx *c, FILE *f)
{
	const char *done[64];
	size_t ndone = 0;
	int ret = 0;

	for (size_t i = 0; i < c->ds->runs.n && !ret; i++) {
		const struct an_run *r = &c->ds->runs.r[i];
		bool seen = false;

		if (!is_xen(r->mode) || !r->kernel_release)
			continue;
		for (size_t k = 0; k < ndone; k++)
			seen |= !strcmp(done[k], r->kernel_release);
		if (seen || ndone == sizeof(done) / sizeof(done[0]))
			continue;
		if (!ndone)
			fprintf(f, "## What Xen PV does\n\n"
				   "The kernel as Xen's PV dom0 (xen-pv: no swiotlb option; "
				   "`:balloon=SIZE`: dom0 gave SIZE back to Xen and took it back "
				   "before the job, so its frames are scattered over machine memory as "
				   "on a long-running host; xen-pv-force: with swiotlb=force) next to "
				   "the bare noforce and force boots of the same kernel. Each cell: "
				   "bounces per operation (exact counts), or the operations the kernel "
				   "refused with the error. Rows a Xen mode refuses come first: a "
				   "segment larger than SWIOTLB can bounce (256 KiB) fails there "
				   "without any swiotlb option.\n\n");
		done[ndone++] = r->kernel_release;
		ret = kernel_table(c, f, r->kernel_release);
	}
	return ret;
}
