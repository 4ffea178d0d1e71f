/*
 * Arena allocation for jansson (see json_arena.h). Outside an arena the
 * allocator is plain malloc/free, so strings jansson returns (json_dumps)
 * are freed with free() as before; inside one, a free() of a block the
 * current arena owns does nothing. Chunks grow geometrically so that even
 * a 16 MiB document is a handful of them and the ownership test stays cheap.
 */
#include "json_arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#define CHUNK_FIRST (16 * 1024)
#define CHUNK_MAX   (4 * 1024 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct bl_json_arena {
	struct chunk *chunks; /* newest first; only the newest is being filled */
	size_t next_size;
};

static _Thread_local struct bl_json_arena *current;

static void *arena_alloc(struct bl_json_arena *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	struct chunk *c = a->chunks;

	if (!need)
		need = 16;
	if (!c || c->size - c->used < need) {
		size_t size = a->next_size;

		while (size < need)
			size *= 2;
		if (!(c = malloc(sizeof(*c) + size)))
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = a->chunks;
		a->chunks = c;
		if (a->next_size < CHUNK_MAX)
			a->next_size *= 2;
	}
	c->used += need;
	return c->data + c->used - need;
}

static bool arena_owns(const struct bl_json_arena *a, const void *p)
{
	for (const struct chunk *c = a->chunks; c; c = c->next) {
		if ((const unsigned char *)p >= c->data &&
		    (const unsigned char *)p < c->data + c->size)
			return true;
	}
	return false;
}

static void *json_alloc(size_t n)
{
	return current ? arena_alloc(current, n) : malloc(n);
}

static void json_release(void *p)
{
	if (p && !(current && arena_owns(current, p)))
		free(p);
}

/* Before main(), while there is one thread: jansson's allocator is a plain global. */
__attribute__((constructor)) static void install(void)
{
	json_set_alloc_funcs(json_alloc, json_release);
}

struct bl_json_arena *bl_json_arena_begin(void)
{
	struct bl_json_arena *a = calloc(1, sizeof(*a));

	if (a) {
		a->next_size = CHUNK_FIRST;
		current = a;
	}
	return a;
}

void bl_json_arena_end(struct bl_json_arena *a)
{
	if (a && current == a)
		current = NULL;
}

void bl_json_arena_free(struct bl_json_arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	bl_json_arena_end(a);
	for (c = a->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}
