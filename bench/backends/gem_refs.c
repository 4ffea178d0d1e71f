/*
 * Counted GEM handles (gem_refs.h).
 */
#include "gem_refs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct gem_ref *gem_refs_find(struct gem_refs *t, uint32_t handle)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].handle == handle)
			return &t->v[i];
	return NULL;
}

int gem_refs_get(struct gem_refs *t, uint32_t handle, uint32_t tag)
{
	struct gem_ref *r = gem_refs_find(t, handle);

	if (r) {
		r->refs++;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct gem_ref *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct gem_ref){ .handle = handle, .refs = 1, .tag = tag };
	return 0;
}

bool gem_refs_put(struct gem_refs *t, uint32_t handle)
{
	struct gem_ref *r = gem_refs_find(t, handle);

	if (r && --r->refs > 0)
		return false;
	if (r)
		*r = t->v[--t->n];
	return true;
}

void gem_refs_free(struct gem_refs *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
