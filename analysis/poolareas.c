/*
 * The areas advice of `bouncelab pool --areas N` (see poolareas.h): the
 * smallest pool that works with N areas against the one that works with
 * the kernel's default areas, in words. What is compared is the requested
 * pool of each answer (answer.pool_bytes): both searches probe sizes the
 * same way, so equal requests are the same answer.
 */
#include "poolareas.h"

#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define MIB (1024.0 * 1024.0)

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool same_str(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

bool pa_is_default_twin(const json_t *doc, const json_t *other)
{
	const json_t *k = json_object_get(doc, "kernel"), *ok = json_object_get(other, "kernel");
	const char *rel = str(k, "release"), *orel = str(ok, "release");

	if (!json_is_object(other) || !same_str(str(other, "kind"), "pool-search") ||
	    !json_is_null(json_object_get(other, "areas")))
		return false;
	/* the exact release when both know it (a series moves), else the series asked for */
	if (rel && orel ? strcmp(rel, orel) : !same_str(str(k, "series"), str(ok, "series")))
		return false;
	return same_str(str(doc, "job"), str(other, "job")) &&
	       same_str(str(doc, "mode"), str(other, "mode"));
}

/* answer.pool_bytes, or -1 when the search found no size. */
static json_int_t answer_bytes(const json_t *doc)
{
	const json_t *b = json_object_get(json_object_get(doc, "answer"), "pool_bytes");

	return json_is_integer(b) ? json_integer_value(b) : -1;
}

int pa_advise(json_t *doc, const json_t *base, const char *base_path)
{
	const json_t *areas = json_object_get(doc, "areas");
	json_int_t mine = answer_bytes(doc), theirs = base ? answer_bytes(base) : -1;
	json_t *a;
	char text[640];
	json_int_t n;

	if (!json_is_integer(areas))
		return 0;
	n = json_integer_value(areas);
	a = json_object();
	if (!a)
		return -ENOMEM;
	json_object_set_new(a, "areas", json_integer(n));
	json_object_set_new(a, "default_areas_document",
			    base_path && base ? json_string(base_path) : json_null());
	json_object_set_new(a, "default_verdict",
			    base ? json_string(str(base, "verdict") ? str(base, "verdict") : "?")
				 : json_null());
	json_object_set_new(a, "default_pool_bytes",
			    theirs >= 0 ? json_integer(theirs) : json_null());
	json_object_set_new(a, "pool_bytes", mine >= 0 ? json_integer(mine) : json_null());
	if (!base) {
		snprintf(text, sizeof(text),
			 "no default-areas answer stored; run without --areas to compare");
		json_object_set_new(a, "differs", json_null());
	} else if (mine < 0 || theirs < 0) {
		/* one search has no size to set against the other: say what each found */
		snprintf(text, sizeof(text),
			 "with %" JSON_INTEGER_FORMAT
			 " areas the search ended '%s', with the default areas '%s' (%s): "
			 "%s",
			 n, str(doc, "verdict") ? str(doc, "verdict") : "?",
			 str(base, "verdict") ? str(base, "verdict") : "?",
			 base_path ? base_path : "stored",
			 (mine < 0) == (theirs < 0)
			     ? "neither found a size, nothing to compare"
			     : "the areas change whether a pool size works at all");
		json_object_set_new(a, "differs",
				    (mine < 0) == (theirs < 0) ? json_null() : json_true());
	} else if (mine == theirs) {
		snprintf(text, sizeof(text),
			 "with %" JSON_INTEGER_FORMAT
			 " areas the smallest pool that works is %.2f MiB, the same as "
			 "with the default areas (%s): more areas (less lock contention, smaller "
			 "contiguous runs) do "
			 "not change the answer for this job",
			 n, (double)mine / MIB, base_path ? base_path : "stored");
		json_object_set_new(a, "differs", json_false());
	} else {
		snprintf(
		    text, sizeof(text),
		    "with %" JSON_INTEGER_FORMAT
		    " areas the smallest pool that works is %.2f MiB, %s than the "
		    "%.2f MiB with the default areas (%s): %s",
		    n, (double)mine / MIB, mine > theirs ? "larger" : "smaller",
		    (double)theirs / MIB, base_path ? base_path : "stored",
		    mine > theirs
			? "each area is a smaller contiguous run, so the job's mappings need a "
			  "bigger pool to find room"
			: "a smaller pool sufficed with more areas, which splitting cannot "
			  "explain: "
			  "search both again before relying on it");
		json_object_set_new(a, "differs", json_true());
	}
	json_object_set_new(a, "text", json_string(text));
	return json_object_set_new(doc, "areas_advice", a) ? -ENOMEM : 0;
}

void pa_print(FILE *out, const json_t *doc)
{
	const char *t = str(json_object_get(doc, "areas_advice"), "text");

	if (t)
		fprintf(out, "  areas: %s\n", t);
}

/* The newest default twin in the folders beside @out (see poolareas.h). */
int pa_advise_from_dir(json_t *doc, const char *out)
{
	char parent[PATH_MAX], pat[PATH_MAX + 16], path[PATH_MAX] = "";
	json_t *best = NULL;
	glob_t g;
	int ret;

	if (!json_is_integer(json_object_get(doc, "areas")))
		return 0;
	snprintf(parent, sizeof(parent), "%s", out);
	for (size_t n = strlen(parent); n > 1 && parent[n - 1] == '/';)
		parent[--n] = '\0';
	if (strrchr(parent, '/'))
		*strrchr(parent, '/') = '\0';
	else
		snprintf(parent, sizeof(parent), ".");
	snprintf(pat, sizeof(pat), "%s/*/pool.json", *parent ? parent : "/");
	if (!glob(pat, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			json_t *d = json_load_file(g.gl_pathv[i], 0, NULL);
			const char *t = json_string_value(json_object_get(d, "finished_at"));
			const char *bt = json_string_value(json_object_get(best, "finished_at"));

			/* RFC 3339 in UTC: the newest sorts last */
			if (pa_is_default_twin(doc, d) &&
			    (!best || (t && bt && strcmp(t, bt) > 0))) {
				json_decref(best);
				best = d;
				snprintf(path, sizeof(path), "%s", g.gl_pathv[i]);
			} else {
				json_decref(d);
			}
		}
		globfree(&g);
	}
	ret = pa_advise(doc, best, best ? path : NULL);
	json_decref(best);
	return ret;
}
