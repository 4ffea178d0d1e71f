/*
 * CPU profiles, the JSON half (see profile.h): a parsed profile as the
 * result document carries it, and which symbols' shares changed most
 * between two such objects.
 */
#include "profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *syms_json(const struct bl_profile_sym *s, size_t n, size_t top)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n && i < top; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:I, s:f}", "symbol", s[i].name,
						       "samples", (json_int_t)s[i].samples,
						       "share", s[i].share))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *bl_profile_to_json(const struct bl_profile *p, size_t top, size_t stacks)
{
	json_t *folded = json_array(), *o;

	for (size_t i = 0; folded && i < p->n_stacks && i < stacks; i++) {
		char *line = NULL;

		if (asprintf(&line, "%s %llu", p->stacks[i].folded,
			     (unsigned long long)p->stacks[i].samples) < 0 ||
		    json_array_append_new(folded, json_string(line))) {
			free(line);
			json_decref(folded);
			return NULL;
		}
		free(line);
	}
	if (!folded)
		return NULL;
	o = json_pack("{s:s, s:s?, s:I, s:o*, s:o*, s:o, s:I}", "tool", "perf", "event", p->event,
		      "samples", (json_int_t)p->samples, "top_kernel",
		      syms_json(p->kernel, p->n_kernel, top), "top_user",
		      syms_json(p->user, p->n_user, top), "folded", folded, "stacks_total",
		      (json_int_t)p->n_stacks);
	return o;
}

static double share_of(const json_t *list, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
	{
		const char *sym = json_string_value(json_object_get(e, "symbol"));

		if (sym && !strcmp(sym, name))
			return json_number_value(json_object_get(e, "share"));
	}
	return 0;
}

static int cmp_change(const void *a, const void *b)
{
	const struct bl_profile_change *x = a, *y = b;
	double dx = x->new_share - x->base_share, dy = y->new_share - y->base_share;

	dx = dx < 0 ? -dx : dx;
	dy = dy < 0 ? -dy : dy;
	if (dx != dy)
		return dx < dy ? 1 : -1;
	return strcmp(x->name, y->name);
}

int bl_profile_diff(const json_t *base, const json_t *new_p, struct bl_profile_change *out,
		    size_t max)
{
	static const char *const sides[2] = { "top_kernel", "top_user" };
	struct bl_profile_change *all = NULL;
	size_t n = 0, cap = 0;

	if (!json_is_object(base) || !json_is_object(new_p))
		return -EINVAL;
	for (int side = 0; side < 2; side++) {
		const json_t *lists[2] = { json_object_get(base, sides[side]),
					   json_object_get(new_p, sides[side]) };

		for (int which = 0; which < 2; which++) {
			size_t i;
			json_t *e;

			json_array_foreach(lists[which], i, e) {
				const char *name = json_string_value(json_object_get(e, "symbol"));
				bool dup = false;

				if (!name)
					continue;
				for (size_t k = 0; k < n; k++)
					if (all[k].kernel == !side && !strcmp(all[k].name, name))
						dup = true;
				if (dup)
					continue;
				if (n == cap) {
					size_t nc = cap ? cap * 2 : 64;
					struct bl_profile_change *na = realloc(all, nc * sizeof(*na));

					if (!na) {
						free(all);
						return -ENOMEM;
					}
					all = na;
					cap = nc;
				}
				snprintf(all[n].name, sizeof(all[n].name), "%s", name);
				all[n].kernel = !side;
				all[n].base_share = share_of(lists[0], name);
				all[n].new_share = share_of(lists[1], name);
				n++;
			}
		}
	}
	if (n)
		qsort(all, n, sizeof(*all), cmp_change);
	if (n > max)
		n = max;
	if (n)
		memcpy(out, all, n * sizeof(*out));
	free(all);
	return (int)n;
}
