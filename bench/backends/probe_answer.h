/*
 * A backend's cached probe answers (i915.c, xe.c): what open() found out
 * once about a feature or one of its variants ("works", or -errno with one
 * line saying why), handed back by the probe hook and listed under the
 * document's device.refused by the describe hook.
 */
#ifndef GB_PROBE_ANSWER_H
#define GB_PROBE_ANSWER_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

#include "backend.h"

struct gb_probe_answer {
	int err;       /* 0 = works; -errno = refused (or failed) */
	char why[200]; /* "driver: operation: cause[hint]" when err != 0 */
};

/*
 * Records @err: "DRIVER: <fmt...>: strerror(-err)HINT" (@hint may be "",
 * e.g. " (GPU wedged?)" for the errors that can mean that); 0 clears why.
 */
void gb_probe_answer_vset(struct gb_probe_answer *a, const char *driver, const char *hint, int err,
			  const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* The probe hook's answer: a->err, with a->why copied into @why when it is an error. */
int gb_probe_answer_get(const struct gb_probe_answer *a, char *why, size_t why_len);

/* Adds "@key": why to @refused when @a is a refusal. */
void gb_probe_answer_refused(json_t *refused, const char *key, const struct gb_probe_answer *a);

/*
 * Adds every refused feature (and feature:variant, by @b's variant names)
 * of the table @probes (GB_FEAT_COUNT rows of @variants answers each) to
 * @refused.
 */
void gb_probe_answers_refused(json_t *refused, const struct gb_backend_ops *b,
			      const struct gb_probe_answer *probes, size_t variants);

#endif
