/*
 * Run selectors (see selector.h): one table of keys, keys[] below, from
 * which the parser, its error messages and the help text all come. A key
 * has a kind (free text, one of a list, a DMA mode, a time, a count, a
 * UUID), the member of struct bl_run_filter it sets, and a help line; an
 * alias is a row that names the key it stands for, so both spellings parse
 * the same way and "given twice" covers both.
 */
#include "selector.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmamode.h"
#include "resultdoc.h"
#include "units.h"

enum sel_kind {
	SK_TEXT,   /* any non-empty text */
	SK_CHOICE, /* one of values[] */
	SK_MODE,   /* a mode of the DMA-mode table (or "pt") */
	SK_TIME,   /* a date or RFC 3339 time (int64_t member) */
	SK_COUNT,  /* a number of runs >= 1 (int member) */
	SK_UUID,   /* a run UUID */
	SK_BOOT,   /* a testbed boot index >= 0 (int member: index + 1) */
	SK_POOL,   /* a SWIOTLB pool size, whole 256 KiB segments (int64_t member: 2 KiB slots) */
};

/* The members of struct bl_run_filter a key may set, for "given twice". */
enum {
	SF_KERNEL = 1 << 0,
	SF_SWIOTLB = 1 << 1,
	SF_IOMMU = 1 << 2,
	SF_OTHER = 1 << 3, /* members only one key sets: the key's own bit suffices */
};

struct sel_key {
	const char *name;
	const char *alias_of;	   /* NULL for a key; else the key this spelling stands for */
	enum sel_kind kind;
	size_t member;		   /* offsetof() the bl_run_filter member it sets */
	const char *const *values; /* SK_CHOICE: the allowed values, NULL-terminated */
	const char *arg;	   /* the value's name in the help text */
	const char *help;
};

static const char *const swiotlb_values[] = { "force", "noforce", "default", NULL };
static const char *const iommu_values[] = { "off", "on", "pt", NULL };
static const char *const status_values[] = { "ok", "failed", "skipped", "timeout", NULL };
static const char *const clock_values[] = { "icount", "wall", NULL };
static const char *const versions_values[] = { "newest", "all", NULL };

#define M(m) offsetof(struct bl_run_filter, m)
static const struct sel_key keys[] = {
	{ "kernel", NULL, SK_TEXT, M(kernel), NULL, "K",
	  "release (6.12.57+deb13-amd64), series (6.12: not 6.1) or Debian package version" },
	{ "mode", NULL, SK_MODE, 0, NULL, "M",
	  "DMA mode (sets swiotlb and/or iommu, and the hypervisor; xen-pv:balloon=1536M)" },
	{ "swiotlb", NULL, SK_CHOICE, M(swiotlb), swiotlb_values, "S", "the boot's swiotlb= mode" },
	{ "iommu", NULL, SK_CHOICE, M(iommu), iommu_values, "I", "the boot's IOMMU mode" },
	{ "device", NULL, SK_TEXT, M(device), NULL, "D", "driver name (vgem) or node (/dev/dri/card0)" },
	{ "importer", NULL, SK_TEXT, M(importer), NULL, "D", "importer driver name or node" },
	{ "backend", NULL, SK_TEXT, M(backend), NULL, "B", "the job's backend (dumb, udmabuf, ...)" },
	{ "workload", NULL, SK_TEXT, M(workload), NULL, "W", "the job's workload (import, ...)" },
	{ "job", NULL, SK_TEXT, M(job), NULL, "J", "job name" },
	{ "host", NULL, SK_TEXT, M(host), NULL, "H", "hostname" },
	{ "status", NULL, SK_CHOICE, M(status), status_values, "S", "the run's status" },
	{ "clock", NULL, SK_CHOICE, M(clock), clock_values, "C",
	  "the testbed's guest clock (times on the two are never compared)" },
	{ "run", NULL, SK_UUID, M(run_id), NULL, "UUID", "one run" },
	{ "boot", NULL, SK_BOOT, M(boot), NULL, "N",
	  "the testbed's Nth boot of its configuration (lab --boots; from 0)" },
	{ "pool", NULL, SK_POOL, M(pool_slabs), NULL, "SIZE",
	  "the boot's SWIOTLB pool (16M = 8192 slots; lab MODE:pool=SIZE, bouncelab pool)" },
	{ "since", NULL, SK_TIME, M(since), NULL, "T",
	  "started at or after T: a date (2026-11-01) or RFC 3339 time" },
	{ "until", NULL, SK_TIME, M(until), NULL, "T", "started before T (exclusive)" },
	{ "last", NULL, SK_COUNT, M(limit), NULL, "N", "the newest N runs" },
	{ "versions", NULL, SK_CHOICE, M(versions), versions_values, "V",
	  "newest (default): of the Debian package versions of one series (kernel=6.12) or release, only "
	  "the newest, so versions never pool unnoticed; all: every one" },
	/* the daemon's query parameters (GET /api/v1/runs) */
	{ "run_id", "run", SK_UUID, M(run_id), NULL, "UUID", NULL },
	{ "limit", "last", SK_COUNT, M(limit), NULL, "N", NULL },
};
#undef M
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static bool one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (!strcmp(v, *allowed))
			return true;
	return false;
}

static void join(char *buf, size_t len, const char *const *words)
{
	size_t off = 0;

	buf[0] = '\0';
	for (; *words && off < len; words++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", *words);
}

static const struct sel_key *find_key(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* The key a row stands for (itself, or the key an alias names). */
static const struct sel_key *canonical(const struct sel_key *k)
{
	return k->alias_of ? find_key(k->alias_of) : k;
}

/* "kernel, mode, ..., run_id, limit": every spelling, for "unknown key" messages. */
static void key_list(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_KEYS && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", keys[i].name);
}

/* The mode "pt" is the short name of the passthrough mode, as the testbed's mode specs have it. */
static const struct bl_mode_info *mode_named(const char *name)
{
	return !strcmp(name, "pt") ? &bl_modes[BL_MODE_IOMMU_PT] : bl_mode_find(name);
}

/* Same hypervisor (both none, or the same one): rows a bare filter must tell apart. */
static bool same_hypervisor(const struct bl_mode_info *a, const struct bl_mode_info *b)
{
	return a->hypervisor == b->hypervisor ||
	       (a->hypervisor && b->hypervisor && !strcmp(a->hypervisor, b->hypervisor));
}

int bl_mode_filter(struct bl_run_filter *f, const char *mode)
{
	const struct bl_mode_info *m;
	const char *colon = strchr(mode, ':');
	char name[32];
	uint64_t balloon = 0;
	bool shared = false;

	/* NAME[:balloon=SIZE], as bl_mode_key() and the lab's mode specs write it */
	if ((colon ? (size_t)(colon - mode) : strlen(mode)) >= sizeof(name))
		return -EINVAL;
	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - mode) : (int)strlen(mode), mode);
	m = mode_named(name);
	if (!m)
		return -EINVAL;
	if (colon && (!m->hypervisor || strncmp(colon + 1, "balloon=", 8) ||
		      bl_parse_size(colon + 9, &balloon) || !balloon || balloon > INT64_MAX))
		return -EINVAL;
	f->swiotlb = NULL;
	f->iommu = NULL;
	/* a Xen dom0 is never a bare boot, and a ballooned one never a plain one */
	f->hypervisor = m->hypervisor ? m->hypervisor : "";
	f->balloon = m->hypervisor ? (balloon ? (int64_t)balloon : -1) : 0;
	/* a mode with an IOMMU that translates is an IOMMU boot whatever swiotlb says */
	if (m->emulated_iommu) {
		f->iommu = m->iommu;
		return 0;
	}
	f->swiotlb = m->swiotlb;
	/*
	 * When another mode boots with the same swiotlb= (default: the IOMMU
	 * modes boot without a swiotlb option too), the IOMMU setting tells
	 * them apart, so the filter pins it.
	 */
	for (size_t i = 0; i < BL_MODE_COUNT; i++)
		if (&bl_modes[i] != m && same_hypervisor(&bl_modes[i], m) && !strcmp(bl_modes[i].swiotlb, m->swiotlb))
			shared = true;
	if (shared)
		f->iommu = m->iommu;
	return 0;
}

/* Which members @k set in @f (for "given twice" across mode, swiotlb, iommu). */
static unsigned members_of(const struct sel_key *k, const struct bl_run_filter *f)
{
	if (k->kind == SK_MODE)
		return (f->swiotlb ? SF_SWIOTLB : 0) | (f->iommu ? SF_IOMMU : 0);
	if (k->member == offsetof(struct bl_run_filter, swiotlb))
		return SF_SWIOTLB;
	if (k->member == offsetof(struct bl_run_filter, iommu))
		return SF_IOMMU;
	return SF_OTHER;
}

/* Parse state: which keys (by position of the canonical row) and members are taken. */
struct parse_state {
	bool given[N_KEYS];
	unsigned members; /* SF_SWIOTLB | SF_IOMMU set so far */
};

/*
 * Applies key=value to @f. @value must outlive the filter. @ctx names the
 * selector in messages, @name is the key as written.
 */
static int apply_key(struct bl_run_filter *f, struct parse_state *ps, const char *ctx,
		     const char *name, const char *value, char *err, size_t errlen)
{
	const struct sel_key *row = find_key(name), *k;
	char list[200];
	unsigned set;

	if (!row) {
		key_list(list, sizeof(list));
		bl_seterr(err, errlen, "selector '%s': unknown key '%s' (known: %s)", ctx, name, list);
		return -EINVAL;
	}
	k = canonical(row);
	if (!*value) {
		bl_seterr(err, errlen, "selector '%s': %s: empty value", ctx, name);
		return -EINVAL;
	}
	if (ps->given[k - keys] ||
	    ((k->kind == SK_MODE || members_of(k, f) != SF_OTHER) &&
	     (ps->members & (k->kind == SK_MODE ? SF_SWIOTLB | SF_IOMMU : members_of(k, f))))) {
		bl_seterr(err, errlen, "selector '%s': %s: given twice (or with mode=)", ctx, name);
		return -EINVAL;
	}
	switch (k->kind) {
	case SK_TEXT:
		*(const char **)((char *)f + k->member) = value;
		break;
	case SK_CHOICE:
		if (!one_of(value, k->values)) {
			join(list, sizeof(list), k->values);
			bl_seterr(err, errlen, "selector '%s': %s: '%s' is not one of %s", ctx, name,
			       value, list);
			return -EINVAL;
		}
		*(const char **)((char *)f + k->member) = value;
		break;
	case SK_MODE:
		if (bl_mode_filter(f, value) < 0) {
			bl_mode_names(list, sizeof(list));
			bl_seterr(err, errlen,
				  "selector '%s': %s: '%s' is not one of %s (or pt; a Xen mode may add "
				  ":balloon=SIZE)",
				  ctx, name, value, list);
			return -EINVAL;
		}
		break;
	case SK_TIME: {
		int64_t t;

		if (bl_parse_time(value, &t) < 0) {
			bl_seterr(err, errlen,
			       "selector '%s': %s: '%s' is not a date (2026-11-01) or RFC 3339 time",
			       ctx, name, value);
			return -EINVAL;
		}
		/* 0 means "no bound" in the filter: the epoch itself becomes 1 s later */
		*(int64_t *)((char *)f + k->member) = t ? t : 1;
		break;
	}
	case SK_COUNT: {
		char *end;
		long n;

		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || *end || n < 1 || n > 1000000) {
			bl_seterr(err, errlen, "selector '%s': %s: '%s' is not a number of runs >= 1",
			       ctx, name, value);
			return -EINVAL;
		}
		*(int *)((char *)f + k->member) = (int)n;
		break;
	}
	case SK_BOOT: {
		char *end;
		long n;

		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || *end || end == value || n < 0 || n > 1000) {
			bl_seterr(err, errlen, "selector '%s': %s: '%s' is not a boot index (0, 1, ...)",
				  ctx, name, value);
			return -EINVAL;
		}
		*(int *)((char *)f + k->member) = (int)n + 1;
		break;
	}
	case SK_POOL: {
		uint64_t bytes;

		/* the store keeps slots (io_tlb_nslabs); a size between segments never matches */
		if (bl_parse_size(value, &bytes) || !bytes || bytes % (256u << 10)) {
			bl_seterr(err, errlen,
				  "selector '%s': %s: '%s' is not a pool size in whole 256K segments (16M, 512K)",
				  ctx, name, value);
			return -EINVAL;
		}
		*(int64_t *)((char *)f + k->member) = (int64_t)(bytes / 2048);
		break;
	}
	case SK_UUID:
		if (!bl_uuid_valid(value)) {
			bl_seterr(err, errlen, "selector '%s': %s: '%s' is not a run UUID", ctx, name,
			       value);
			return -EINVAL;
		}
		*(const char **)((char *)f + k->member) = value;
		break;
	}
	set = members_of(k, f);
	ps->given[k - keys] = true;
	if (set != SF_OTHER)
		ps->members |= set;
	return 0;
}

int bl_selector_parse(const char *text, struct bl_selector *sel, char *err, size_t errlen)
{
	struct parse_state ps = { 0 };
	char *save = NULL, *item;
	int ret;

	memset(sel, 0, sizeof(*sel));
	if (!text)
		text = "";
	sel->buf = strdup(text);
	sel->text = strdup(text);
	if (!sel->buf || !sel->text) {
		ret = -ENOMEM;
		goto fail;
	}
	for (item = strtok_r(sel->buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq) {
			bl_seterr(err, errlen, "selector '%s': '%s' is not key=value", text, item);
			ret = -EINVAL;
			goto fail;
		}
		*eq = '\0';
		ret = apply_key(&sel->filter, &ps, text, item, eq + 1, err, errlen);
		if (ret < 0)
			goto fail;
	}
	if (sel->filter.since && sel->filter.until && sel->filter.until <= sel->filter.since) {
		bl_seterr(err, errlen, "selector '%s': until is not after since", text);
		ret = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	free(sel->buf);
	free(sel->text);
	memset(sel, 0, sizeof(*sel));
	return ret;
}

int bl_selector_set(struct bl_selector *sel, const char *key, const char *value, char *err,
		    size_t errlen)
{
	/*
	 * The filter points into sel->buf, so append "key=value" to a new
	 * buffer and parse the whole text again: simple, and one code path
	 * validates both.
	 */
	struct bl_selector fresh;
	size_t len = strlen(sel->text) + strlen(key) + strlen(value) + 3;
	char *text = malloc(len);
	int ret;

	if (!text)
		return -ENOMEM;
	snprintf(text, len, "%s%s%s=%s", sel->text, *sel->text ? "," : "", key, value);
	ret = bl_selector_parse(text, &fresh, err, errlen);
	free(text);
	if (ret < 0)
		return ret;
	bl_selector_free(sel);
	*sel = fresh;
	return 0;
}

void bl_selector_free(struct bl_selector *sel)
{
	free(sel->buf);
	free(sel->text);
	memset(sel, 0, sizeof(*sel));
}

void bl_selector_help(FILE *out, const char *indent)
{
	fprintf(out, "%sSELECTOR: comma-separated KEY=VALUE, each key at most once; empty = every run.\n",
		indent);
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct sel_key *k = &keys[i];
		char kv[32], vals[160] = "";

		if (k->alias_of)
			continue;
		snprintf(kv, sizeof(kv), "%s=%s", k->name, k->arg);
		if (k->kind == SK_CHOICE) {
			join(vals, sizeof(vals), k->values);
		} else if (k->kind == SK_MODE) {
			bl_mode_names(vals, sizeof(vals));
			snprintf(vals + strlen(vals), sizeof(vals) - strlen(vals), " (pt = %s)",
				 bl_modes[BL_MODE_IOMMU_PT].name);
		}
		fprintf(out, "%s  %-14s %s%s%s\n", indent, kv, k->help, *vals ? ": " : "", vals);
	}
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].alias_of)
			fprintf(out, "%s  %-14s alias of %s (the daemon's query parameter)\n", indent,
				keys[i].name, keys[i].alias_of);
}

int bl_selector_join(char *text, size_t len, int argc, char *const *argv)
{
	for (int i = 0; i < argc; i++) {
		size_t off = strlen(text);

		if ((size_t)snprintf(text + off, len - off, "%s%s", off ? "," : "", argv[i]) >=
		    len - off)
			return -ENAMETOOLONG;
	}
	return 0;
}
