/*
 * CPU profiles, the parsing half (see profile.h): `perf script` text into
 * the samples' top kernel and user symbols and their folded stacks, each
 * counted in a small open-addressing hash keyed by string (a profile has
 * thousands of distinct stacks, too many for a linear search per sample).
 * Recording is in profile_record.c, the JSON form in profile_json.c.
 */
#include "profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* --- a string -> count hash ----------------------------------------------------------- */

struct counter {
	char **keys;
	uint64_t *counts;
	size_t cap, n; /* cap is a power of two */
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static int counter_grow(struct counter *c)
{
	size_t cap = c->cap ? c->cap * 2 : 256;
	char **keys = calloc(cap, sizeof(*keys));
	uint64_t *counts = calloc(cap, sizeof(*counts));

	if (!keys || !counts) {
		free(keys);
		free(counts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->cap; i++) {
		size_t j;

		if (!c->keys[i])
			continue;
		for (j = fnv1a(c->keys[i]) & (cap - 1); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = c->keys[i];
		counts[j] = c->counts[i];
	}
	free(c->keys);
	free(c->counts);
	c->keys = keys;
	c->counts = counts;
	c->cap = cap;
	return 0;
}

static int counter_add(struct counter *c, const char *key, uint64_t n)
{
	size_t j;

	if ((c->n + 1) * 2 > c->cap && counter_grow(c) < 0)
		return -ENOMEM;
	for (j = fnv1a(key) & (c->cap - 1); c->keys[j]; j = (j + 1) & (c->cap - 1))
		if (!strcmp(c->keys[j], key)) {
			c->counts[j] += n;
			return 0;
		}
	c->keys[j] = strdup(key);
	if (!c->keys[j])
		return -ENOMEM;
	c->counts[j] = n;
	c->n++;
	return 0;
}

static void counter_free(struct counter *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->keys[i]);
	free(c->keys);
	free(c->counts);
	memset(c, 0, sizeof(*c));
}

static int cmp_sym(const void *a, const void *b)
{
	const struct bl_profile_sym *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int cmp_stack(const void *a, const void *b)
{
	const struct bl_profile_stack *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return strcmp(x->folded, y->folded);
}

/* Moves the counter's keys into a sorted symbol array (the counter keeps nothing). */
static int to_syms(struct counter *c, uint64_t total, struct bl_profile_sym **out, size_t *n)
{
	size_t k = 0;

	*out = calloc(c->n ? c->n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->keys[i])
			continue;
		(*out)[k].name = c->keys[i];
		(*out)[k].samples = c->counts[i];
		(*out)[k].share = total ? (double)c->counts[i] / (double)total : 0;
		c->keys[i] = NULL;
		k++;
	}
	*n = k;
	qsort(*out, k, sizeof(**out), cmp_sym);
	return 0;
}

/* --- parsing perf script ------------------------------------------------------------------ */

struct frame {
	char *sym; /* points into the line buffer */
	bool kernel;
};

struct parse_state {
	struct counter kern, user, stacks;
	char comm[256];
	struct frame *frames;
	size_t n_frames, cap_frames;
	char **lines; /* the sample's frame lines (copies), owned */
	uint64_t samples;
	char *event;
};

static bool is_kernel_dso(const char *dso, const char *addr)
{
	if (!strcmp(dso, "[kernel.kallsyms]") || !strncmp(dso, "[kernel.", 8))
		return true;
	/* modules appear as "[vgem]"; these bracketed ones are user space */
	if (dso[0] == '[' && strcmp(dso, "[unknown]") && strcmp(dso, "[vdso]") &&
	    strcmp(dso, "[vsyscall]") && strcmp(dso, "[heap]") && strcmp(dso, "[stack]"))
		return true;
	/* no dso: the canonical upper half of x86-64 addresses is the kernel's */
	return !strcmp(dso, "[unknown]") && strlen(addr) == 16 && !strncmp(addr, "ffff", 4);
}

/* Parses "  addr sym+0x1f (dso)" in place. 0, or -EINVAL. */
static int parse_frame(char *line, struct frame *fr)
{
	char *p = line, *addr, *dso, *sym, *plus;
	size_t len;

	while (*p == ' ' || *p == '\t')
		p++;
	addr = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (p == addr || !*p)
		return -EINVAL;
	*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	sym = p;
	len = strlen(sym);
	while (len && (sym[len - 1] == ' ' || sym[len - 1] == '\r'))
		sym[--len] = '\0';
	dso = "";
	if (len && sym[len - 1] == ')') {
		char *open = strrchr(sym, '(');

		/* the dso is the last parenthesised group, after a space */
		if (open && open > sym && open[-1] == ' ') {
			sym[len - 1] = '\0';
			dso = open + 1;
			open[-1] = '\0';
		}
	}
	if (!*sym)
		sym = "[unknown]";
	plus = NULL;
	for (char *q = strstr(sym, "+0x"); q; q = strstr(q + 1, "+0x"))
		plus = q;
	if (plus && plus != sym)
		*plus = '\0';
	fr->sym = sym;
	fr->kernel = is_kernel_dso(dso, addr);
	return 0;
}

/* Parses the header "comm pid[/tid] [cpu] secs.usecs: period event:". */
static int parse_header(struct parse_state *st, char *line)
{
	char *tok[64], *save = NULL, *t;
	size_t n = 0, ts = 0, comm_end;

	for (t = strtok_r(line, " \t", &save); t && n < 64; t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	for (ts = 0; ts < n; ts++) {
		size_t l = strlen(tok[ts]);

		if (l > 1 && tok[ts][l - 1] == ':' && strchr(tok[ts], '.') &&
		    strspn(tok[ts], "0123456789.") == l - 1)
			break;
	}
	if (ts == n || ts < 2)
		return -EINVAL;
	/* before the time: comm (may contain spaces), pid[/tid], optional [cpu] */
	comm_end = ts - 1;
	if (tok[comm_end][0] == '[')
		comm_end--;
	if (comm_end < 1 || strspn(tok[comm_end], "0123456789/") != strlen(tok[comm_end]))
		return -EINVAL;
	st->comm[0] = '\0';
	for (size_t i = 0; i < comm_end; i++) {
		size_t off = strlen(st->comm);

		snprintf(st->comm + off, sizeof(st->comm) - off, "%s%s", i ? " " : "", tok[i]);
	}
	/* the event: the token after the (optional numeric) period, without its ':' */
	if (!st->event) {
		size_t e = ts + 1;

		if (e < n && strspn(tok[e], "0123456789") == strlen(tok[e]))
			e++;
		if (e < n) {
			char *colon;

			st->event = strdup(tok[e]);
			if (!st->event)
				return -ENOMEM;
			colon = strchr(st->event, ':');
			if (colon)
				*colon = '\0';
		}
	}
	return 0;
}

/* Adds the sample whose frames were collected (leaf first). */
static int finish_sample(struct parse_state *st)
{
	size_t len = strlen(st->comm) + 1;
	char *folded, *p;
	const struct frame *leaf;
	int ret;

	for (size_t i = 0; i < st->n_frames; i++)
		len += strlen(st->frames[i].sym) + 5;
	folded = malloc(len + 1);
	if (!folded)
		return -ENOMEM;
	p = folded + sprintf(folded, "%s", st->comm);
	/* folded stacks read root first */
	for (size_t i = st->n_frames; i-- > 0;) {
		/* ';' separates frames in folded form: keep it out of names */
		*p++ = ';';
		for (const char *s = st->frames[i].sym; *s; s++)
			*p++ = *s == ';' ? ':' : *s;
		if (st->frames[i].kernel)
			p += sprintf(p, "_[k]");
	}
	*p = '\0';
	ret = counter_add(&st->stacks, folded, 1);
	free(folded);
	if (ret)
		return ret;
	leaf = st->n_frames ? &st->frames[0] : &(struct frame){ "[unknown]", false };
	ret = counter_add(leaf->kernel ? &st->kern : &st->user, leaf->sym, 1);
	if (ret)
		return ret;
	st->samples++;
	for (size_t i = 0; i < st->n_frames; i++)
		free(st->lines[i]);
	st->n_frames = 0;
	return 0;
}

static int add_frame(struct parse_state *st, const char *line)
{
	char *copy;

	if (st->n_frames == st->cap_frames) {
		size_t cap = st->cap_frames ? st->cap_frames * 2 : 64;
		struct frame *nf = realloc(st->frames, cap * sizeof(*nf));
		char **nl;

		if (!nf)
			return -ENOMEM;
		st->frames = nf;
		nl = realloc(st->lines, cap * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		st->lines = nl;
		st->cap_frames = cap;
	}
	copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	if (parse_frame(copy, &st->frames[st->n_frames]) < 0) {
		free(copy);
		return -EINVAL;
	}
	st->lines[st->n_frames++] = copy;
	return 0;
}

int bl_profile_parse_script(const char *text, size_t len, struct bl_profile *out, char *err,
			    size_t errlen)
{
	struct parse_state st = { 0 };
	bool in_sample = false;
	size_t pos = 0, lineno = 0;
	char *line = NULL;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *nline = realloc(line, l + 1);

		if (!nline) {
			ret = -ENOMEM;
			break;
		}
		line = nline;
		memcpy(line, text + pos, l);
		line[l] = '\0';
		pos += l + (nl ? 1 : 0);
		lineno++;
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';

		if (line[0] == '#')
			continue;
		if (strspn(line, " \t") == l) { /* blank: the sample ends */
			if (in_sample)
				ret = finish_sample(&st);
			in_sample = false;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			if (!in_sample) {
				bl_seterr(err, errlen, "perf script line %zu: a frame outside a sample",
				       lineno);
				ret = -EINVAL;
			} else if ((ret = add_frame(&st, line)) == -EINVAL) {
				bl_seterr(err, errlen, "perf script line %zu: not 'addr symbol (dso)'",
				       lineno);
			}
			continue;
		}
		if (in_sample && (ret = finish_sample(&st)))
			break;
		ret = parse_header(&st, line);
		if (ret == -EINVAL)
			bl_seterr(err, errlen, "perf script line %zu: not a sample header "
					    "'comm pid time: period event:'",
			       lineno);
		in_sample = true;
	}
	if (!ret && in_sample)
		ret = finish_sample(&st);
	if (!ret && !st.samples) {
		bl_seterr(err, errlen, "perf script: no samples");
		ret = -EINVAL;
	}
	if (!ret)
		ret = to_syms(&st.kern, st.samples, &out->kernel, &out->n_kernel);
	if (!ret)
		ret = to_syms(&st.user, st.samples, &out->user, &out->n_user);
	if (!ret) {
		size_t k = 0;

		out->stacks = calloc(st.stacks.n ? st.stacks.n : 1, sizeof(*out->stacks));
		if (!out->stacks) {
			ret = -ENOMEM;
		} else {
			for (size_t i = 0; i < st.stacks.cap; i++) {
				if (!st.stacks.keys[i])
					continue;
				out->stacks[k].folded = st.stacks.keys[i];
				out->stacks[k].samples = st.stacks.counts[i];
				st.stacks.keys[i] = NULL;
				k++;
			}
			out->n_stacks = k;
			qsort(out->stacks, k, sizeof(*out->stacks), cmp_stack);
		}
	}
	out->samples = st.samples;
	out->event = st.event;
	st.event = NULL;
	for (size_t i = 0; i < st.n_frames; i++)
		free(st.lines[i]);
	free(st.lines);
	free(st.frames);
	free(st.event);
	free(line);
	counter_free(&st.kern);
	counter_free(&st.user);
	counter_free(&st.stacks);
	if (ret)
		bl_profile_free(out);
	return ret;
}

void bl_profile_free(struct bl_profile *p)
{
	for (size_t i = 0; i < p->n_kernel; i++)
		free(p->kernel[i].name);
	for (size_t i = 0; i < p->n_user; i++)
		free(p->user[i].name);
	for (size_t i = 0; i < p->n_stacks; i++)
		free(p->stacks[i].folded);
	free(p->kernel);
	free(p->user);
	free(p->stacks);
	free(p->event);
	memset(p, 0, sizeof(*p));
}
