/*
 * The pool-size search (analysis/poolsearch.h has the order of the probes
 * and why). Sizes are handled as step indices k (pool = k x 256 KiB) so the
 * bisection cannot produce a size the kernel would round.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolsearch.h"

struct search {
	const struct ps_params *p;
	ps_probe_fn probe;
	void *arg;
	struct ps_result *r;
	size_t cap;
};

int ps_params_check(const struct ps_params *p, char *err, size_t errlen)
{
	if (!p->min || p->min % PS_STEP) {
		snprintf(err, errlen,
			 "--min %" PRIu64 " bytes: not a positive multiple of 256K (the kernel "
			 "allocates SWIOTLB in segments of 128 slots x 2 KiB)",
			 p->min);
		return -EINVAL;
	}
	if (!p->max || p->max % PS_STEP) {
		snprintf(err, errlen,
			 "--max %" PRIu64 " bytes: not a positive multiple of 256K (the kernel "
			 "allocates SWIOTLB in segments of 128 slots x 2 KiB)",
			 p->max);
		return -EINVAL;
	}
	if (p->min > p->max) {
		snprintf(err, errlen, "--min %" PRIu64 " bytes is above --max %" PRIu64 " bytes",
			 p->min, p->max);
		return -EINVAL;
	}
	if (p->boots < 2) {
		snprintf(err, errlen, "--boots %u: at least 2 (the --max probe and a confirmation)",
			 p->boots);
		return -EINVAL;
	}
	return 0;
}

static bool excluded(const struct ps_result *r, const char *key)
{
	for (size_t i = 0; i < r->nexcluded; i++)
		if (!strcmp(r->excluded[i], key))
			return true;
	return false;
}

/*
 * A probe fails when its boot died or a row not excluded failed; only those
 * rows' ops and lines are what this pool size did (the excluded rows fail
 * at every size).
 */
static void judge(const struct ps_result *r, struct ps_obs *o)
{
	o->fails = !o->boot_ok;
	o->judged_ops = 0;
	o->judged_rows = 0;
	o->judged_line = o->boot_ok ? NULL : o->first_line;
	for (size_t i = 0; i < o->nfailed; i++) {
		if (excluded(r, o->failed[i]))
			continue;
		o->fails = true;
		o->judged_rows++;
		o->judged_ops += o->row_ops ? o->row_ops[i] : 0;
		if (!o->judged_line)
			o->judged_line =
			    o->row_line && o->row_line[i] ? o->row_line[i] : o->first_line;
	}
}

/* Runs one probe at step @k, judges it against the excluded rows; 0 or -errno. */
static int probe(struct search *s, uint64_t k, bool confirm, bool *fails)
{
	struct ps_result *r = s->r;
	struct ps_obs *o;
	int ret;

	if (r->nobs == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct ps_obs *v = realloc(r->obs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->obs = v;
		s->cap = cap;
	}
	o = &r->obs[r->nobs];
	memset(o, 0, sizeof(*o));
	o->peak_slots = o->largest_refused = o->largest_bounce = o->ram_mib = o->alloc_slabs = -1;
	ret = s->probe(s->arg, k * PS_STEP, o);
	o->pool_bytes = k * PS_STEP;
	r->nobs++; /* kept even when it failed: ps_result_free frees what it holds */
	if (ret < 0)
		return ret;
	o->confirm = confirm;
	judge(r, o);
	*fails = o->fails;
	return 0;
}

/* The rows failing at max become the excluded set (copied: obs keeps its own). */
static int exclude_from(struct ps_result *r, const struct ps_obs *o)
{
	if (!o->nfailed)
		return 0;
	r->excluded = calloc(o->nfailed, sizeof(*r->excluded));
	if (!r->excluded)
		return -ENOMEM;
	for (size_t i = 0; i < o->nfailed; i++) {
		if (!(r->excluded[i] = strdup(o->failed[i])))
			return -ENOMEM;
		r->nexcluded++;
	}
	return 0;
}

static size_t used(const struct search *s)
{
	return s->r->nobs;
}

static unsigned halvings(uint64_t width)
{
	unsigned n = 0;

	while (width > 1) {
		width = (width + 1) / 2;
		n++;
	}
	return n;
}

/*
 * lo: the largest failing step (min_k - 1 when none failed: below min is
 * outside the search), hi: the smallest passing step. Narrows (lo, hi)
 * towards adjacent steps. It keeps one boot for the confirmation when the
 * budget can still close the interval; when it cannot, a confirmation
 * would be wasted on a bracket, so every boot narrows it.
 */
static int bisect(struct search *s, uint64_t *lo, uint64_t *hi)
{
	for (;;) {
		size_t reserve = used(s) + halvings(*hi - *lo) + 1 <= s->p->boots ? 1 : 0;
		uint64_t mid = *lo + (*hi - *lo) / 2;
		bool fails;
		int ret;

		if (*hi - *lo <= 1 || used(s) + reserve >= s->p->boots)
			break;
		ret = probe(s, mid, false, &fails);

		if (ret < 0)
			return ret;
		if (fails)
			*lo = mid;
		else
			*hi = mid;
	}
	return 0;
}

/*
 * The --max boot's peak slots as a lower bound: probe at it, then one step
 * below (the expected failure); when it fails, gallop upwards (1, 2, 4 ...
 * steps) until a pass, leaving bisect() a short interval.
 */
static int use_hint(struct search *s, int64_t peak_slots, uint64_t *lo, uint64_t *hi)
{
	uint64_t h = ((uint64_t)peak_slots * PS_SLOT + PS_STEP - 1) / PS_STEP;
	uint64_t g = 1;
	bool fails;
	int ret;

	if (h <= *lo)
		h = *lo + 1;
	if (h > *hi)
		h = *hi; /* max already passed: only the step below is left to see */
	if (h < *hi) {
		if ((ret = probe(s, h, false, &fails)) < 0)
			return ret;
		if (fails) {
			*lo = h;
			while (*hi - *lo > 1 && used(s) + 1 < s->p->boots) {
				uint64_t next = *lo + g;

				if (next >= *hi)
					break;
				if ((ret = probe(s, next, false, &fails)) < 0)
					return ret;
				if (!fails) {
					*hi = next;
					break;
				}
				*lo = next;
				g *= 2;
			}
			return 0;
		}
		*hi = h;
	}
	if (h - 1 > *lo && used(s) + 1 < s->p->boots) {
		if ((ret = probe(s, h - 1, false, &fails)) < 0)
			return ret;
		if (fails)
			*lo = h - 1;
		else
			*hi = h - 1;
	}
	return 0;
}

/* The smallest step above @lo seen to pass (not counting failed confirmations). */
static uint64_t smallest_pass_above(const struct ps_result *r, uint64_t lo, uint64_t max_k)
{
	uint64_t best = max_k;

	for (size_t i = 0; i < r->nobs; i++) {
		uint64_t k = r->obs[i].pool_bytes / PS_STEP;

		if (!r->obs[i].fails && k > lo && k < best)
			best = k;
	}
	return best;
}

static void finish(struct ps_result *r, uint64_t lo, uint64_t hi, uint64_t min_k, bool confirmed)
{
	r->answer = hi * PS_STEP;
	r->largest_failed = lo >= min_k ? lo * PS_STEP : 0;
	if (hi - lo > 1)
		r->verdict = PS_BRACKET;
	else
		r->verdict = confirmed ? PS_FOUND : PS_UNSTABLE;
}

int ps_search(const struct ps_params *p, ps_probe_fn probe_fn, void *arg, struct ps_result *out)
{
	struct search s = {.p = p, .probe = probe_fn, .arg = arg, .r = out};
	uint64_t min_k = p->min / PS_STEP, max_k = p->max / PS_STEP, lo = min_k - 1, hi = max_k;
	bool fails, confirmed = false;
	const struct ps_obs *top;
	int ret;

	memset(out, 0, sizeof(*out));
	out->monotone = true;
	/* 1. max: which rows fail whatever the pool */
	if ((ret = probe(&s, max_k, false, &fails)) < 0)
		return ret;
	top = &out->obs[0];
	if (!top->boot_ok) {
		out->verdict = PS_MAX_DIED;
		return 0;
	}
	if ((ret = exclude_from(out, top)) < 0)
		return ret;
	judge(out, &out->obs[0]); /* again, against the rows it excluded: it passes */
	if (top->nrows && top->nfailed >= top->nrows) {
		out->verdict = PS_NONE_HELPS;
		return 0;
	}
	/* 2. the hint, 3. bisection, 4. confirmation; again above a failed confirmation */
	if (top->peak_slots >= 0 && (ret = use_hint(&s, top->peak_slots, &lo, &hi)) < 0)
		return ret;
	for (;;) {
		if ((ret = bisect(&s, &lo, &hi)) < 0)
			return ret;
		if (hi - lo > 1 || used(&s) >= p->boots)
			break;
		if ((ret = probe(&s, hi, true, &fails)) < 0)
			return ret;
		if (!fails) {
			confirmed = true;
			break;
		}
		/* it passed once and failed now: not a size to recommend */
		out->monotone = false;
		lo = hi;
		hi = smallest_pass_above(out, lo, max_k);
		if (hi <= lo /* max itself failed now */ || used(&s) >= p->boots) {
			out->answer = 0;
			out->largest_failed = lo * PS_STEP;
			out->verdict = PS_UNSTABLE;
			return 0;
		}
	}
	finish(out, lo, hi, min_k, confirmed);
	return 0;
}

void ps_obs_clear(struct ps_obs *o)
{
	for (size_t i = 0; i < o->nfailed; i++) {
		free(o->failed[i]);
		if (o->row_line)
			free(o->row_line[i]);
	}
	free(o->failed);
	free(o->row_line);
	free(o->row_ops);
	free(o->first_line);
	free(o->dir);
	free(o->kernel);
	memset(o, 0, sizeof(*o));
}

void ps_result_free(struct ps_result *r)
{
	for (size_t i = 0; i < r->nobs; i++)
		ps_obs_clear(&r->obs[i]);
	free(r->obs);
	for (size_t i = 0; i < r->nexcluded; i++)
		free(r->excluded[i]);
	free(r->excluded);
	memset(r, 0, sizeof(*r));
}

uint64_t ps_cvm_default(uint64_t ram_bytes)
{
	/* arch/x86/mm/mem_encrypt.c: 6 % of RAM, clamped to [64 MiB, 1 GiB] */
	uint64_t sz = ram_bytes / 100 * 6;

	if (sz < (64ull << 20))
		sz = 64ull << 20;
	if (sz > (1ull << 30))
		sz = 1ull << 30;
	return sz;
}

const char *ps_verdict_name(enum ps_verdict v)
{
	switch (v) {
	case PS_FOUND:
		return "found";
	case PS_NONE_HELPS:
		return "no-pool-helps";
	case PS_MAX_DIED:
		return "max-boot-died";
	case PS_BRACKET:
		return "bracket";
	case PS_UNSTABLE:
		return "unstable";
	}
	return "unknown";
}
