/*
 * A comparison written out (see compare.h): text for people at a terminal,
 * Markdown for reports, JSON for tools. Every row says how it was judged
 * (exact count, Welch's t on boots, one boot against several, one boot a
 * side against the noise floor) and what it had to clear; rows that could
 * not be judged say "unknown", rows whose operations all failed say so.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compare.h"

int bl_cmp_format_parse(const char *name, enum bl_cmp_format *out)
{
	if (!name)
		return -EINVAL;
	if (!strcmp(name, "text"))
		*out = BL_CMP_TEXT;
	else if (!strcmp(name, "md") || !strcmp(name, "markdown"))
		*out = BL_CMP_MARKDOWN;
	else if (!strcmp(name, "json"))
		*out = BL_CMP_JSON;
	else
		return -EINVAL;
	return 0;
}

void bl_size_str(int64_t size, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;
	int64_t v = size;

	while (v >= 1024 && v % 1024 == 0 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRId64, size);
	else
		snprintf(buf, len, "%" PRId64 "%c", v, units[u]);
}

/* A value with 4 significant digits, or "-" for NAN. */
static void num_str(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v != 0 && (fabs(v) >= 1e6 || fabs(v) < 1e-3))
		snprintf(buf, len, "%.3e", v);
	else
		snprintf(buf, len, "%.4g", v);
}

static void change_str(const struct bl_change *c, char *buf, size_t len)
{
	if (isnan(c->change))
		snprintf(buf, len, "-");
	else if (c->relative)
		snprintf(buf, len, "%+.1f%%", c->change * 100);
	else
		snprintf(buf, len, "%+.4g (abs)", c->change);
}

static void ci_str(const struct bl_change *c, char *buf, size_t len)
{
	if (isnan(c->ci_lo))
		snprintf(buf, len, "-");
	else if (c->relative)
		snprintf(buf, len, "[%+.1f%%, %+.1f%%]", c->ci_lo * 100, c->ci_hi * 100);
	else
		snprintf(buf, len, "[%+.4g, %+.4g]", c->ci_lo, c->ci_hi);
}

static void cv_str(double cv, char *buf, size_t len)
{
	if (isnan(cv))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", cv * 100);
}

/*
 * What the row says, in words: "WORSE", "better", "same", "unknown", "only
 * in base", "all failed in new (errno 5)" into @buf.
 */
static const char *row_verdict(const struct bl_cmp_row *row, char *buf, size_t len)
{
	if (row->new_all_failed || row->base_all_failed) {
		int e = row->new_all_failed ? row->new_errno : row->base_errno;

		snprintf(buf, len, "all ops failed in %s%s%.0d%s", row->new_all_failed ? "new" : "base",
			 e ? " (errno " : "", e, e ? ")" : "");
		return buf;
	}
	if (!row->base)
		return "only in new";
	if (!row->new_s)
		return "only in base";
	if (row->ch.verdict == BL_VERDICT_WORSE)
		return "WORSE";
	if (row->ch.verdict == BL_VERDICT_TOO_FEW)
		return "unknown";
	return bl_verdict_name(row->ch.verdict);
}

/*
 * How the row was judged: "exact", "exact >2", "welch >2.0%" (boots a side),
 * "t 1:n >2.0%" (one boot against several), "1 boot >4.2%" (the floor),
 * "uncalibrated"; " (noise)" when no floor took part.
 */
static void judged_str(const struct bl_cmp_row *row, char *buf, size_t len)
{
	const struct bl_change *c = &row->ch;

	if (!c->method || !row->base || !row->new_s)
		snprintf(buf, len, "-");
	else if (!strcmp(c->method, "exact"))
		snprintf(buf, len, c->threshold > 0 ? "exact >%.3g" : "exact", c->threshold);
	else if (c->verdict == BL_VERDICT_TOO_FEW)
		snprintf(buf, len, "uncalibrated");
	else
		snprintf(buf, len, "%s >%.1f%%%s",
			 !strcmp(c->method, "welch")	  ? "welch" :
			 !strcmp(c->method, "1-vs-boots") ? "t 1:n" :
							    "1 boot",
			 c->threshold * 100, c->calibrated ? "" : " (noise)");
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/*
 * What --changes-only (and compare's default text) keeps: significant
 * changes either way, and rows whose operations all failed on one side
 * only (a failure is a result). Rows that could not be judged (too few
 * values, only on one side) are not changes.
 */
static bool cmp_is_change(const struct bl_cmp_row *row)
{
	if (row->new_all_failed != row->base_all_failed)
		return true;
	return row->ch.verdict == BL_VERDICT_BETTER || row->ch.verdict == BL_VERDICT_WORSE;
}

json_t *bl_cmp_to_json(const struct bl_cmp_result *r, bool only_changes)
{
	json_t *root = json_object(), *rows = json_array();

	if (!root || !rows)
		goto fail;
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];
		const struct bl_change *c = &row->ch;
		char vb[64];
		json_t *o;

		if (only_changes && !cmp_is_change(row))
			continue;
		o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o,"
			      " s:b, s:o, s:o, s:o, s:b, s:s}",
			      "group", row->group, "workload", row->workload, "variant", row->variant, "size",
			      (json_int_t)row->size, "metric", row->metric->name, "unit",
			      row->metric->unit, "better", row->metric->direction ==
			      BL_HIGHER_IS_BETTER ? "higher" : "lower",
			      "base_n", (json_int_t)c->base_n, "new_n", (json_int_t)c->new_n,
			      "base_runs", (json_int_t)(row->base ? row->base->runs : 0),
			      "new_runs", (json_int_t)(row->new_s ? row->new_s->runs : 0),
			      "base_mean", num_or_null(c->base_mean), "new_mean",
			      num_or_null(c->new_mean), "base_cv", num_or_null(c->base_cv),
			      "new_cv", num_or_null(c->new_cv), "relative", c->relative,
			      "change", num_or_null(c->change), "ci_lo", num_or_null(c->ci_lo),
			      "ci_hi", num_or_null(c->ci_hi), "significant", c->significant,
			      "verdict", row_verdict(row, vb, sizeof(vb)));
		if (!o || json_array_append_new(rows, o) < 0)
			goto fail;
		/* how it was judged: the boot as the unit, the threshold and the floor */
		json_object_set_new(o, "count", json_boolean(row->metric->count));
		json_object_set_new(o, "method", c->method ? json_string(c->method) : json_null());
		json_object_set_new(o, "base_boots", json_integer((json_int_t)c->base_boots));
		json_object_set_new(o, "new_boots", json_integer((json_int_t)c->new_boots));
		json_object_set_new(o, "threshold", num_or_null(c->threshold));
		json_object_set_new(o, "calibrated", json_boolean(c->calibrated));
		json_object_set_new(o, "why", c->why ? json_string(c->why) : json_null());
	}
	if (json_object_set_new(root, "base", json_string(r->base_label)) < 0 ||
	    json_object_set_new(root, "new", json_string(r->new_label)) < 0 ||
	    json_object_set_new(root, "better", json_integer((json_int_t)r->better)) < 0 ||
	    json_object_set_new(root, "worse", json_integer((json_int_t)r->worse)) < 0 ||
	    json_object_set_new(root, "same", json_integer((json_int_t)r->same)) < 0 ||
	    json_object_set_new(root, "too_few", json_integer((json_int_t)r->too_few)) < 0 ||
	    json_object_set_new(root, "unknown", json_integer((json_int_t)r->too_few)) < 0 ||
	    json_object_set_new(root, "rows", rows) < 0) {
		rows = NULL; /* set_new consumed it even on failure */
		goto fail;
	}
	return root;
fail:
	json_decref(rows);
	json_decref(root);
	return NULL;
}

static int cmp_write(FILE *out, const struct bl_cmp_result *r, enum bl_cmp_format fmt,
		     bool only_changes, bool md_summary);

int bl_cmp_write(FILE *out, const struct bl_cmp_result *r, enum bl_cmp_format fmt,
		 bool only_changes)
{
	return cmp_write(out, r, fmt, only_changes, true);
}

int bl_cmp_write_md_table(FILE *out, const struct bl_cmp_result *r, bool only_changes)
{
	return cmp_write(out, r, BL_CMP_MARKDOWN, only_changes, false);
}

static int cmp_write(FILE *out, const struct bl_cmp_result *r, enum bl_cmp_format fmt,
		     bool only_changes, bool md_summary)
{
	const bool md = fmt == BL_CMP_MARKDOWN;
	int width = 14; /* of the first text column */
	size_t shown = 0, changed = 0;
	bool last_count = false;

	if (fmt == BL_CMP_JSON) {
		json_t *j = bl_cmp_to_json(r, only_changes);
		int ret;

		if (!j)
			return -ENOMEM;
		ret = json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		json_decref(j);
		fputc('\n', out);
		return ret < 0 || ferror(out) ? -EIO : 0;
	}

	if (md) {
		if (md_summary)
			fprintf(out, "Base: `%s`, new: `%s`. %zu better, %zu worse, %zu same, "
				     "%zu unknown (one boot a side and no noise floor, or on one "
				     "side only).\n\n",
				r->base_label, r->new_label, r->better, r->worse, r->same,
				r->too_few);
		fprintf(out, "| [job] workload | size | metric | base | new | change | 95%% CI | "
			     "CV base / new | boots base / new | judged | verdict |\n"
			     "| --- | ---: | --- | ---: | ---: | ---: | --- | --- | --- | --- | --- |\n");
	} else {
		for (size_t i = 0; i < r->n; i++) {
			const struct bl_cmp_row *row = &r->rows[i];
			int w = (int)(strlen(row->group) + strlen(row->workload) +
				      strlen(row->variant) + 2);

			if (w > width && w < 95)
				width = w;
		}
		fprintf(out, "base: %s\nnew:  %s\n", r->base_label, r->new_label);
		/* the summary first: whoever reads one line reads the verdict */
		fprintf(out, "%zu worse, %zu better, %zu same, %zu unknown of %zu rows%s\n\n", r->worse,
			r->better, r->same, r->too_few, r->n,
			only_changes ? "; changed rows below (--all lists every row)" : "");
		for (size_t i = 0; i < r->n; i++)
			changed += cmp_is_change(&r->rows[i]);
		if (only_changes && !changed) {
			fprintf(out, "no significant change\n");
			return ferror(out) ? -EIO : 0;
		}
		fprintf(out, "%-*s %6s %-16s %11s %11s %9s %-20s %-13s %-7s %-16s %s\n", width,
			"[job] workload", "size", "metric", "base", "new", "change", "95% CI",
			"cv base/new", "boots", "judged", "verdict");
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct bl_cmp_row *row = &r->rows[i];
		const struct bl_change *c = &row->ch;
		char wl[96], sz[24], bm[24], nm[24], ch[32], ci[48], cvb[16], cvn[16], cvs[40],
			nn[32], jd[32], vb[64];

		if (only_changes && !cmp_is_change(row))
			continue;
		if (!md && (!shown++ || row->metric->count != last_count))
			fprintf(out, "%s\n", row->metric->count ?
				"-- counts: exact numbers, compared exactly --" :
				"-- times: the boot is the unit; one boot a side needs a noise floor --");
		last_count = row->metric->count;
		snprintf(wl, sizeof(wl), "%s%s%s%s%s", row->group, *row->group ? " " : "",
			 row->workload, *row->variant ? "/" : "", row->variant);
		bl_size_str(row->size, sz, sizeof(sz));
		num_str(c->base_mean, bm, sizeof(bm));
		num_str(c->new_mean, nm, sizeof(nm));
		change_str(c, ch, sizeof(ch));
		ci_str(c, ci, sizeof(ci));
		cv_str(c->base_cv, cvb, sizeof(cvb));
		cv_str(c->new_cv, cvn, sizeof(cvn));
		snprintf(cvs, sizeof(cvs), "%s/%s", cvb, cvn);
		snprintf(nn, sizeof(nn), "%zu/%zu", c->base_boots, c->new_boots);
		judged_str(row, jd, sizeof(jd));
		if (md)
			fprintf(out, "| %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s%s%s |\n",
				wl, sz, row->metric->name, row->metric->unit, bm, nm, ch, ci,
				cvs, nn, jd, c->significant ? "**" : "", row_verdict(row, vb, sizeof(vb)),
				c->significant ? "**" : "");
		else
			fprintf(out, "%-*s %6s %-16s %11s %11s %9s %-20s %-13s %-7s %-16s %s%s\n", width,
				wl, sz, row->metric->name, bm, nm, ch, ci, cvs, nn, jd,
				row_verdict(row, vb, sizeof(vb)), c->significant ? " *" : "");
	}
	if (!md)
		fprintf(out, "\n(* = significant: counts: ranges apart and beyond their A/A spread; "
			     "times: 95%% CI excludes 0 and |change| > max(noise, k x the A/A floor))\n");
	return ferror(out) ? -EIO : 0;
}
