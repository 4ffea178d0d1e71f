/*
 * Arena allocation for jansson trees that live and die together.
 *
 * A parsed result document is some 300 small jansson blocks (one per
 * value, member and hash bucket) that are all freed at once when the
 * document goes. With an arena current on the parsing thread, they come
 * from a few 32 KiB chunks instead, and releasing the document releases
 * the chunks without walking the tree. In bouncelabd this was half of the
 * event loop's time per POST (json_loadb + json_delete, perf).
 *
 * jansson has one process-wide allocator (json_set_alloc_funcs), installed
 * by a constructor before main(): malloc/free, except that while an arena
 * is current on a thread, that thread's jansson blocks come from it and
 * jansson's frees of them do nothing. So: nothing but the tree may be
 * built while an arena is current (no json_dumps whose result is free()d),
 * an arena tree is only ever released by bl_json_arena_free() or while its
 * arena is current, and no part of it may be kept past that.
 */
#ifndef BL_JSON_ARENA_H
#define BL_JSON_ARENA_H

struct bl_json_arena;

/* A new arena, current on this thread until bl_json_arena_end(); NULL when out of memory. */
struct bl_json_arena *bl_json_arena_begin(void);
/* Later jansson allocations on this thread come from the heap again. */
void bl_json_arena_end(struct bl_json_arena *a);
/* Releases every block of @a at once. NULL is fine. */
void bl_json_arena_free(struct bl_json_arena *a);

#endif
