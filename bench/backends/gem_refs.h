/*
 * The GEM handles a backend holds, counted: importing a dma-buf the same
 * device exported returns the handle it already has, so a handle is closed
 * with its last reference only. Shared by the i915 and xe backends.
 */
#ifndef GB_GEM_REFS_H
#define GB_GEM_REFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gem_ref {
	uint32_t handle;
	unsigned refs;
	/* what the backend remembers of the handle: i915, 1 for a userptr
	 * object; xe, the page size of its region (its binds' alignment) */
	uint32_t tag;
};

struct gem_refs {
	struct gem_ref *v;
	size_t n, cap;
};

/* The entry of @handle, or NULL. */
struct gem_ref *gem_refs_find(struct gem_refs *t, uint32_t handle);
/* One more reference to @handle (a new entry with @tag, or the old one's count). 0 or -ENOMEM. */
int gem_refs_get(struct gem_refs *t, uint32_t handle, uint32_t tag);
/* Drops one reference; true when the handle is to be closed now (its last, or not held). */
bool gem_refs_put(struct gem_refs *t, uint32_t handle);
void gem_refs_free(struct gem_refs *t);

#endif
