/*
 * Cached probe answers shared by the i915 and xe backends (probe_answer.h).
 */
#include "probe_answer.h"

#include <stdio.h>
#include <string.h>

void gb_probe_answer_vset(struct gb_probe_answer *a, const char *driver, const char *hint, int err,
			  const char *fmt, va_list ap)
{
	char what[120];

	a->err = err;
	if (!err) {
		a->why[0] = '\0';
		return;
	}
	vsnprintf(what, sizeof(what), fmt, ap);
	snprintf(a->why, sizeof(a->why), "%s: %s: %s%s", driver, what, strerror(-err), hint ? hint : "");
}

int gb_probe_answer_get(const struct gb_probe_answer *a, char *why, size_t why_len)
{
	if (a->err && why && why_len)
		snprintf(why, why_len, "%s", a->why);
	return a->err;
}

void gb_probe_answer_refused(json_t *refused, const char *key, const struct gb_probe_answer *a)
{
	if (a->err)
		json_object_set_new(refused, key, json_string(a->why));
}

void gb_probe_answers_refused(json_t *refused, const struct gb_backend_ops *b,
			      const struct gb_probe_answer *probes, size_t variants)
{
	char key[32];

	for (int f = 0; f < GB_FEAT_COUNT; f++) {
		const struct gb_probe_answer *row = probes + (size_t)f * variants;
		const struct gb_variant *v = b->variants[f];

		if (!v) {
			gb_probe_answer_refused(refused, gb_feature_name(f), &row[0]);
			continue;
		}
		for (; v->name; v++) {
			snprintf(key, sizeof(key), "%s:%s", gb_feature_name(f), v->name);
			gb_probe_answer_refused(refused, key, &row[v->id]);
		}
	}
}
