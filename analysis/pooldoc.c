/*
 * The pool-search document and its text (analysis/pooldoc.h). Members are
 * set one by one (no long json_pack formats to check by eye); numbers the
 * boots did not show are null.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "docwrite.h"
#include "pooldoc.h"
#include "version.h"

#define MIB (1024.0 * 1024.0)

static json_t *opt_int(int64_t v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* "swiotlb=<slabs>[,<areas>][,force]": what to put on the kernel command line. */
static void cmdline(const struct pd_context *ctx, uint64_t slabs, char *buf, size_t len)
{
	int n = snprintf(buf, len, "swiotlb=%" PRIu64, slabs);

	if (ctx->areas && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ",%u", ctx->areas);
	if (ctx->mode_word && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ",%s", ctx->mode_word);
}

static const struct ps_obs *find(const struct ps_result *r, uint64_t pool, bool fails)
{
	const struct ps_obs *hit = NULL;

	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].pool_bytes == pool && r->obs[i].fails == fails)
			hit = &r->obs[i]; /* the last one: the confirmation when there is one */
	return hit;
}

static json_t *probe_json(const struct ps_obs *o)
{
	json_t *j = json_object(), *rows = json_array();

	for (size_t i = 0; i < o->nfailed; i++)
		json_array_append_new(rows, json_string(o->failed[i]));
	json_object_set_new(j, "pool_bytes", json_integer((json_int_t)o->pool_bytes));
	json_object_set_new(j, "slabs", json_integer((json_int_t)(o->pool_bytes / PS_SLOT)));
	json_object_set_new(j, "allocated_slabs", opt_int(o->alloc_slabs));
	json_object_set_new(j, "confirm", json_boolean(o->confirm));
	json_object_set_new(j, "boot_ok", json_boolean(o->boot_ok));
	json_object_set_new(j, "fails", json_boolean(o->fails));
	json_object_set_new(j, "failed_ops", json_integer(o->judged_ops));
	json_object_set_new(j, "failed_ops_no_pool_helps",
			    json_integer(o->failed_ops - o->judged_ops));
	json_object_set_new(j, "failed_rows", rows);
	json_object_set_new(j, "peak_slots", opt_int(o->peak_slots));
	json_object_set_new(j, "first_line", opt_str(o->judged_line));
	json_object_set_new(j, "dir", opt_str(o->dir));
	return j;
}

/* The rows no pool helps, each with the sentence the issue asks for. */
static json_t *none_helps(const struct ps_result *r)
{
	json_t *a = json_array();
	const struct ps_obs *top = r->nobs ? &r->obs[0] : NULL;

	for (size_t i = 0; i < r->nexcluded; i++) {
		char msg[512];

		if (top && top->largest_refused > (int64_t)(PS_STEP))
			snprintf(msg, sizeof(msg),
				 "no pool size helps: a mapping of %" PRId64
				 " bytes exceeds the 256 KiB SWIOTLB limit",
				 top->largest_refused);
		else
			snprintf(
			    msg, sizeof(msg),
			    "no pool size helps: it fails even with the largest pool (%.0f MiB)",
			    top ? (double)top->pool_bytes / MIB : 0.0);
		json_array_append_new(
		    a, json_pack("{s:s, s:s}", "row", r->excluded[i], "message", msg));
	}
	return a;
}

static json_t *cvm(const struct ps_result *r, int64_t ram_mib)
{
	const struct ps_obs *ok = r->answer ? find(r, r->answer, false) : NULL;
	uint64_t need = ok && ok->alloc_slabs > 0 ? (uint64_t)ok->alloc_slabs * PS_SLOT : r->answer;
	json_t *j = json_object();
	char advice[512];
	uint64_t def;

	if (ram_mib < 0) {
		json_object_set_new(j, "guest_ram_mib", json_null());
		json_object_set_new(j, "pool_bytes", json_null());
		json_object_set_new(j, "advice",
				    json_string("guest RAM unknown: no default to compare with"));
		return j;
	}
	def = ps_cvm_default((uint64_t)ram_mib << 20);
	if (r->verdict == PS_FOUND || r->verdict == PS_BRACKET) {
		if (need <= def)
			snprintf(advice, sizeof(advice),
				 "the confidential-VM default for %" PRId64
				 " MiB of RAM (%.0f MiB) is %.1fx what this "
				 "job needs (%.2f MiB): no swiotlb= is needed; a smaller pool "
				 "would save %.2f MiB of "
				 "guest memory",
				 ram_mib, (double)def / MIB, (double)def / (double)need,
				 (double)need / MIB, (double)(def - need) / MIB);
		else
			snprintf(advice, sizeof(advice),
				 "the confidential-VM default for %" PRId64
				 " MiB of RAM (%.0f MiB) is too small for this "
				 "job (needs %.2f MiB): boot with a larger swiotlb=",
				 ram_mib, (double)def / MIB, (double)need / MIB);
	} else {
		snprintf(advice, sizeof(advice),
			 "no size was found to compare with the default (%.0f MiB)",
			 (double)def / MIB);
	}
	json_object_set_new(j, "guest_ram_mib", json_integer(ram_mib));
	json_object_set_new(j, "pool_bytes", json_integer((json_int_t)def));
	json_object_set_new(j, "advice", json_string(advice));
	return j;
}

/* The two boots around the answer, with their counts (the acceptance note). */
static json_t *closing(const struct ps_result *r)
{
	const struct ps_obs *ok = find(r, r->answer, false);
	const struct ps_obs *below =
	    r->answer > PS_STEP ? find(r, r->answer - PS_STEP, true) : NULL;
	char buf[2048];
	int n = 0;

	if (r->verdict != PS_FOUND || !ok)
		return json_null();
	n = snprintf(buf, sizeof(buf),
		     "%.2f MiB (%" PRIu64 " slots, the kernel allocated %" PRId64
		     "): %d failed ops, peak %" PRId64 " slots in use%s",
		     (double)r->answer / MIB, r->answer / PS_SLOT, ok->alloc_slabs, ok->judged_ops,
		     ok->peak_slots, ok->confirm ? " (the confirmation boot)" : "");
	if (below && n > 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n,
			 "; one step below, %.2f MiB (%" PRIu64 " slots, allocated %" PRId64
			 "): %d failed ops in %zu row(s), first: %s",
			 (double)below->pool_bytes / MIB, below->pool_bytes / PS_SLOT,
			 below->alloc_slabs, below->judged_ops, below->judged_rows,
			 below->judged_line ? below->judged_line : "(no line)");
	else if (n > 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n,
			 "; this is --min: nothing smaller was tried");
	return json_string(buf);
}

json_t *pd_document(const struct pd_context *ctx, const struct ps_params *p,
		    const struct ps_result *r)
{
	json_t *d = json_object(), *probes = json_array(), *range = json_object();
	const struct ps_obs *bad = r->largest_failed ? find(r, r->largest_failed, true) : NULL;
	int64_t peak = -1, bounce = -1, refused = -1, ram = -1;
	const char *release = NULL;
	char uuid[BL_UUID_LEN], now[BL_RFC3339_LEN], cl[128];

	if (!d || !probes || !range || bl_uuid4(uuid) < 0) {
		json_decref(d);
		json_decref(probes);
		json_decref(range);
		return NULL;
	}
	bl_rfc3339(NULL, now);
	for (size_t i = 0; i < r->nobs; i++) {
		const struct ps_obs *o = &r->obs[i];

		json_array_append_new(probes, probe_json(o));
		if (o->peak_slots > peak)
			peak = o->peak_slots;
		if (o->largest_bounce > bounce)
			bounce = o->largest_bounce;
		if (o->largest_refused > refused)
			refused = o->largest_refused;
		if (o->ram_mib > ram)
			ram = o->ram_mib;
		if (!release && o->kernel)
			release = o->kernel;
	}
	json_object_set_new(d, "format", json_integer(1));
	json_object_set_new(d, "kind", json_string("pool-search"));
	json_object_set_new(d, "run_id", json_string(uuid));
	json_object_set_new(
	    d, "tool",
	    json_pack("{s:s, s:s}", "name", "bouncelab-pool", "version", bl_version));
	json_object_set_new(d, "started_at", opt_str(ctx->started_at));
	json_object_set_new(d, "finished_at", json_string(now));
	json_object_set_new(
	    d, "kernel",
	    json_pack("{s:o, s:o}", "series", opt_str(ctx->series), "release", opt_str(release)));
	json_object_set_new(d, "job", opt_str(ctx->job));
	json_object_set_new(d, "mode", opt_str(ctx->mode));
	json_object_set_new(d, "areas", ctx->areas ? json_integer(ctx->areas) : json_null());
	json_object_set_new(range, "min_bytes", json_integer((json_int_t)p->min));
	json_object_set_new(range, "max_bytes", json_integer((json_int_t)p->max));
	json_object_set_new(range, "boots_budget", json_integer(p->boots));
	json_object_set_new(d, "range", range);
	json_object_set_new(d, "verdict", json_string(ps_verdict_name(r->verdict)));
	json_object_set_new(d, "monotone", json_boolean(r->monotone));
	if (r->answer && (r->verdict == PS_FOUND || r->verdict == PS_BRACKET)) {
		const struct ps_obs *ok = find(r, r->answer, false);
		int64_t alloc = ok ? ok->alloc_slabs : -1;
		json_t *a = json_object();
		char note[256];

		/* what to type: the pool the kernel really allocated, so the boot gets no surprise
		 */
		cmdline(ctx, alloc > 0 ? (uint64_t)alloc : r->answer / PS_SLOT, cl, sizeof(cl));
		json_object_set_new(a, "pool_bytes", json_integer((json_int_t)r->answer));
		json_object_set_new(a, "pool_mib", json_real((double)r->answer / MIB));
		json_object_set_new(a, "slabs", json_integer((json_int_t)(r->answer / PS_SLOT)));
		json_object_set_new(a, "allocated_slabs", opt_int(alloc));
		json_object_set_new(a, "allocated_mib",
				    alloc > 0 ? json_real((double)alloc * PS_SLOT / MIB)
					      : json_null());
		json_object_set_new(a, "cmdline", json_string(cl));
		if (alloc > 0 && (uint64_t)alloc != r->answer / PS_SLOT) {
			snprintf(note, sizeof(note),
				 "the kernel rounded the requested %" PRIu64 " slots up to %" PRId64
				 " (a power of 2 on 6.x): the pool that works is %.2f MiB",
				 r->answer / PS_SLOT, alloc, (double)alloc * PS_SLOT / MIB);
			json_object_set_new(a, "rounding", json_string(note));
		} else {
			json_object_set_new(a, "rounding", json_null());
		}
		json_object_set_new(d, "answer", a);
	} else {
		json_object_set_new(d, "answer", json_null());
	}
	if (r->largest_failed) {
		json_t *f = json_object();

		json_object_set_new(f, "pool_bytes", json_integer((json_int_t)r->largest_failed));
		json_object_set_new(f, "pool_mib", json_real((double)r->largest_failed / MIB));
		json_object_set_new(f, "failed_ops",
				    bad ? json_integer(bad->judged_ops) : json_null());
		json_object_set_new(f, "first_line", opt_str(bad ? bad->judged_line : NULL));
		json_object_set_new(d, "largest_failed", f);
	} else {
		json_object_set_new(d, "largest_failed", json_null());
	}
	json_object_set_new(d, "peak_slots", opt_int(peak));
	json_object_set_new(d, "largest_bounce_bytes", opt_int(bounce));
	json_object_set_new(d, "largest_refused_bytes", opt_int(refused));
	json_object_set_new(d, "no_pool_helps", none_helps(r));
	json_object_set_new(d, "cvm_default", cvm(r, ram));
	json_object_set_new(d, "boots", json_integer((json_int_t)r->nobs));
	json_object_set_new(d, "probes", probes);
	json_object_set_new(d, "closing", closing(r));
	return d;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

static void print_int(FILE *out, const char *label, const json_t *v, const char *unit)
{
	if (json_is_integer(v))
		fprintf(out, "  %-22s %lld %s\n", label, (long long)json_integer_value(v), unit);
	else
		fprintf(out, "  %-22s unknown (not in the documents)\n", label);
}

void pd_print(FILE *out, const json_t *doc)
{
	const json_t *ans = json_object_get(doc, "answer"),
		     *bad = json_object_get(doc, "largest_failed");
	const json_t *probes = json_object_get(doc, "probes"),
		     *np = json_object_get(doc, "no_pool_helps");
	const json_t *v;
	const char *verdict = str(doc, "verdict");
	size_t i;

	fprintf(out, "pool: %s, job %s, mode %s: %s after %lld boot(s)\n",
		str(json_object_get(doc, "kernel"), "release"), str(doc, "job"), str(doc, "mode"),
		verdict, (long long)json_integer_value(json_object_get(doc, "boots")));
	json_array_foreach(probes, i, v)
	{
		const json_t *pk = json_object_get(v, "peak_slots");
		char peak[32] = "?";

		if (json_is_integer(pk))
			snprintf(peak, sizeof(peak), "%lld", (long long)json_integer_value(pk));
		const json_t *al = json_object_get(v, "allocated_slabs");
		char alloc[32] = "?";

		if (json_is_integer(al))
			snprintf(alloc, sizeof(alloc), "%lld", (long long)json_integer_value(al));
		fprintf(
		    out,
		    "  boot %zu: %8.2f MiB (%6lld slots, allocated %s)%s %s, %lld failed op(s) "
		    "(+%lld where no pool helps), peak %s slots%s%s\n",
		    i + 1, (double)json_integer_value(json_object_get(v, "pool_bytes")) / MIB,
		    (long long)json_integer_value(json_object_get(v, "slabs")), alloc,
		    json_is_true(json_object_get(v, "confirm")) ? " confirm" : "",
		    !json_is_true(json_object_get(v, "boot_ok")) ? "BOOT DIED"
		    : json_is_true(json_object_get(v, "fails"))	 ? "fails"
								 : "passes",
		    (long long)json_integer_value(json_object_get(v, "failed_ops")),
		    (long long)json_integer_value(json_object_get(v, "failed_ops_no_pool_helps")),
		    peak, json_is_string(json_object_get(v, "first_line")) ? ": " : "",
		    json_is_string(json_object_get(v, "first_line")) ? str(v, "first_line") : "");
	}
	if (json_is_object(ans)) {
		fprintf(out, "  %-22s %.2f MiB requested%s: %s\n",
			!strcmp(verdict, "bracket") ? "smallest pool passing"
						    : "smallest pool that works",
			json_real_value(json_object_get(ans, "pool_mib")),
			!strcmp(verdict, "bracket") ? " (not exact: the boot budget ran out)" : "",
			str(ans, "cmdline"));
		if (json_is_string(json_object_get(ans, "rounding")))
			fprintf(out, "  %-22s %s\n", "", str(ans, "rounding"));
	} else
		fprintf(out, "  %-22s none (%s)\n", "smallest pool that works", verdict);
	if (json_is_object(bad))
		fprintf(out, "  %-22s %.2f MiB: %s\n", "largest pool failing",
			json_real_value(json_object_get(bad, "pool_mib")), str(bad, "first_line"));
	print_int(out, "peak slots used", json_object_get(doc, "peak_slots"), "(2 KiB each)");
	print_int(out, "largest bounce", json_object_get(doc, "largest_bounce_bytes"),
		  "bytes (a row's mean bounced segment)");
	print_int(out, "largest refused", json_object_get(doc, "largest_refused_bytes"), "bytes");
	json_array_foreach(np, i, v) fprintf(out, "  %s: %s\n", str(v, "row"), str(v, "message"));
	if (!json_is_true(json_object_get(doc, "monotone")))
		fprintf(out, "  not monotone: a size passed once and failed on its confirmation\n");
	fprintf(out, "  %s\n", str(json_object_get(doc, "cvm_default"), "advice"));
	if (json_is_string(json_object_get(doc, "closing")))
		fprintf(out, "  %s\n", str(doc, "closing"));
}
