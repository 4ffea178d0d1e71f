/*
 * `bouncelab pool --areas N`: does splitting the SWIOTLB pool into N areas
 * (each with its own lock: less contention, but each area's slots are a
 * contiguous run of their own, so the largest mapping a pool can hold
 * shrinks) change the answer? The answer with N areas is set against the
 * answer of a pool search of the same kernel, job and mode with the
 * kernel's default areas, from a stored pool.json (cmd_pool.c finds it),
 * and the verdict goes into the document as "areas_advice" and onto the
 * terminal. Pure: documents in, document out (tests/unit/test_poolareas.c).
 *
 * areas_advice: {areas, default_areas_document (the path, or null),
 * default_verdict, default_pool_bytes, pool_bytes (null when that search
 * found no answer), differs (true/false, null when there is nothing to
 * set it against or a search found no size), text (one sentence)}.
 */
#ifndef AN_POOLAREAS_H
#define AN_POOLAREAS_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Is @other a pool-search document with the kernel's default areas (areas
 * null) for the same kernel (release, else series), job and mode as @doc?
 */
bool pa_is_default_twin(const json_t *doc, const json_t *other);

/*
 * Sets @doc's "areas_advice" against @base (a default twin, or NULL when
 * none is stored; @base_path names it). Nothing when @doc has no areas.
 * 0 or -ENOMEM.
 */
int pa_advise(json_t *doc, const json_t *base, const char *base_path);

/*
 * pa_advise against the newest pool.json in the folders beside @out (the
 * search's own --out: the earlier searches of the default var/pool/<time>/
 * folders) that is @doc's default twin, when @doc has areas. 0 or -ENOMEM.
 */
int pa_advise_from_dir(json_t *doc, const char *out);

/* The advice's line ("  areas: ..."), when @doc has one. */
void pa_print(FILE *out, const json_t *doc);

#endif
