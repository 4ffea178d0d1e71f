/*
 * What the result-document validator's files share (resultdoc.c: the
 * document and its entry points; resultdoc_rows.c: the results[] rows;
 * resultdoc_walk.c: the walk itself, typed getters that report the first
 * problem with its dotted path). Nothing outside lib/resultdoc*.c includes
 * it.
 */
#ifndef BL_RESULTDOC_INT_H
#define BL_RESULTDOC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "resultdoc.h"

/* Validation state: where the error goes and the path of the current object. */
struct vctx {
	char *err;
	size_t errlen;
	char path[192]; /* dotted path of the object being validated; "" = root */
};

enum need { OPTIONAL, REQUIRED };

/* resultdoc_walk.c */
const char *rd_type_name(const json_t *v);
/* Writes "<path>.<key>: <message>" into the error buffer; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int rd_fail(struct vctx *c, const char *key, const char *fmt,
						  ...);
size_t rd_push(struct vctx *c, const char *key, size_t index);
void rd_pop(struct vctx *c, size_t len);
int rd_get_string(struct vctx *c, json_t *obj, const char *key, enum need need, const char **out);
bool rd_as_integer(json_t *v, json_t *obj, const char *key, json_t *arr, size_t index, int64_t *out,
		   bool *enomem);
int rd_get_int(struct vctx *c, json_t *obj, const char *key, enum need need, int64_t min,
	       struct bl_opt_i64 *out);
int rd_get_number(struct vctx *c, json_t *obj, const char *key, struct bl_opt_f64 *out);
int rd_get_object(struct vctx *c, json_t *obj, const char *key, enum need need, json_t **out);
int rd_get_enum(struct vctx *c, json_t *obj, const char *key, enum need need,
		const char *const *choices, size_t n, const char **out, int *idx);
int rd_get_time(struct vctx *c, json_t *obj, const char *key, enum need need, const char **text,
		struct bl_opt_i64 *unix_s);

/* resultdoc_rows.c: results[] into d->results, each row checked. 0 or -EINVAL (c->err). */
int rd_parse_results(struct vctx *c, json_t *root, struct bl_resultdoc *d);

#endif
