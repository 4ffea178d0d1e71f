/*
 * The results[] rows of a result document (resultdoc_int.h): each row's
 * series, counters, per-repetition values and failures checked against the
 * contract, and the rows' keys checked for duplicates.
 */
#include "resultdoc_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_arena.h"

/* {"mean": n, "values": [n...]}: the values array is copied into doubles. */
static int get_series(struct vctx *c, json_t *obj, const char *key, struct bl_series *out)
{
	json_t *s, *vals, *v;
	size_t len, i;
	int err;

	memset(out, 0, sizeof(*out));
	err = rd_get_object(c, obj, key, OPTIONAL, &s);
	if (err || !s)
		return err;
	len = rd_push(c, key, 0);
	err = rd_get_number(c, s, "mean", &out->mean);
	if (err)
		goto out;
	/* A rate: a negative one is nonsense that comparisons would call "better". */
	if (out->mean.set && out->mean.v < 0) {
		err = rd_fail(c, "mean", "must be >= 0, got %g", out->mean.v);
		goto out;
	}
	vals = json_object_get(s, "values");
	if (vals && !json_is_null(vals)) {
		if (!json_is_array(vals)) {
			err = rd_fail(c, "values", "expected an array of numbers, got %s",
				   rd_type_name(vals));
			goto out;
		}
		if (json_array_size(vals)) {
			double *d = calloc(json_array_size(vals), sizeof(*d));

			if (!d) {
				err = -ENOMEM;
				goto out;
			}
			out->values = d;
			json_array_foreach(vals, i, v) {
				if (!json_is_number(v)) {
					char k[32];

					snprintf(k, sizeof(k), "values[%zu]", i);
					err = rd_fail(c, k, "expected a number, got %s", rd_type_name(v));
					goto out;
				}
				d[i] = json_number_value(v);
				if (d[i] < 0) {
					char k[32];

					snprintf(k, sizeof(k), "values[%zu]", i);
					err = rd_fail(c, k, "must be >= 0, got %g", d[i]);
					goto out;
				}
			}
			out->n_values = json_array_size(vals);
		}
	}
out:
	rd_pop(c, len);
	return err;
}

static int check_series_reps(struct vctx *c, const char *key, const struct bl_series *sr,
			     int64_t reps)
{
	size_t len;
	int err;

	if ((int64_t)sr->n_values <= reps)
		return 0;
	len = rd_push(c, key, 0);
	err = rd_fail(c, "values", "%zu values for %lld repetitions (reps)", sr->n_values, (long long)reps);
	rd_pop(c, len);
	return err;
}

static int check_string_array(struct vctx *c, json_t *obj, const char *key, json_t **out)
{
	json_t *a = json_object_get(obj, key), *v;
	size_t i;

	*out = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return rd_fail(c, key, "expected an array of strings, got %s", rd_type_name(a));
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			char k[64];

			snprintf(k, sizeof(k), "%s[%zu]", key, i);
			return rd_fail(c, k, "expected a string, got %s", rd_type_name(v));
		}
	}
	*out = a;
	return 0;
}

static int parse_counters(struct vctx *c, json_t *row, struct bl_result_row *r)
{
	json_t *obj, *v;
	const char *name;
	size_t len;
	int err;

	err = rd_get_object(c, row, "counters", REQUIRED, &obj);
	if (err)
		return err;
	r->counters_json = obj;
	len = rd_push(c, "counters", 0);
	/* Every member is a count: integers >= 0 or null, extra counters included. */
	json_object_foreach(obj, name, v) {
		bool enomem = false;
		int64_t n = 0;

		if (!json_is_null(v) && !rd_as_integer(v, obj, name, NULL, 0, &n, &enomem)) {
			err = rd_fail(c, name, "expected an integer or null, got %s", rd_type_name(v));
			goto out;
		}
		if (enomem) {
			err = -ENOMEM;
			goto out;
		}
		if (n < 0) {
			err = rd_fail(c, name, "must be >= 0, got %lld", (long long)n);
			goto out;
		}
	}
	for (int i = 0; i < BL_COUNTER_COUNT; i++) {
		err = rd_get_int(c, obj, bl_counter_names[i], OPTIONAL, 0, &r->counters[i]);
		if (err)
			goto out;
	}
out:
	rd_pop(c, len);
	return err;
}

/* per_rep: each member an array of reps integers >= 0 (what one repetition did or counted). */
static int parse_per_rep(struct vctx *c, json_t *row, struct bl_result_row *r)
{
	const char *name;
	json_t *obj, *arr, *v;
	size_t len, i;
	int err;

	if ((err = rd_get_object(c, row, "per_rep", OPTIONAL, &obj)) || !obj)
		return err;
	len = rd_push(c, "per_rep", 0);
	json_object_foreach(obj, name, arr) {
		if (!json_is_array(arr)) {
			err = rd_fail(c, name, "expected an array, got %s", rd_type_name(arr));
			break;
		}
		if ((int64_t)json_array_size(arr) != r->reps) {
			err = rd_fail(c, name, "%zu values for %lld repetitions (reps)", json_array_size(arr),
				   (long long)r->reps);
			break;
		}
		json_array_foreach(arr, i, v) {
			bool integer, enomem = false;
			int64_t n = 0;

			integer = rd_as_integer(v, NULL, NULL, arr, i, &n, &enomem);
			if (enomem) {
				err = -ENOMEM;
				break;
			}
			if (!integer || n < 0) {
				size_t l2 = rd_push(c, name, 0);

				rd_push(c, NULL, i);
				err = integer ? rd_fail(c, NULL, "must be >= 0, got %lld", (long long)n) :
						rd_fail(c, NULL, "expected an integer, got %s", rd_type_name(v));
				rd_pop(c, l2);
				break;
			}
		}
		if (err)
			break;
	}
	rd_pop(c, len);
	if (!err)
		r->per_rep = obj;
	return err;
}

static int parse_row(struct vctx *c, json_t *row, struct bl_result_row *r)
{
	struct bl_opt_i64 i64;
	json_t *obj, *v;
	const char *name;
	size_t len;
	int err;

	if (!json_is_object(row))
		return rd_fail(c, NULL, "expected an object, got %s", rd_type_name(row));
	if ((err = rd_get_string(c, row, "workload", REQUIRED, &r->workload)) ||
	    (err = rd_get_string(c, row, "variant", OPTIONAL, &r->variant)))
		return err;
	if (!r->variant)
		r->variant = "";
	if ((err = rd_get_int(c, row, "size", REQUIRED, 0, &i64)))
		return err;
	r->size = i64.v;
	if ((err = rd_get_int(c, row, "reps", REQUIRED, 0, &i64)))
		return err;
	r->reps = i64.v;
	if ((err = rd_get_int(c, row, "ops", REQUIRED, 0, &i64)))
		return err;
	r->ops = i64.v;
	if ((err = rd_get_int(c, row, "duration_ns", REQUIRED, 0, &i64)))
		return err;
	r->duration_ns = i64.v;
	if ((err = get_series(c, row, "ops_per_sec", &r->ops_per_sec)) ||
	    (err = get_series(c, row, "bytes_per_sec", &r->bytes_per_sec)))
		return err;
	/* One value per repetition: more values than reps were measured by nothing. */
	if ((err = check_series_reps(c, "ops_per_sec", &r->ops_per_sec, r->reps)) ||
	    (err = check_series_reps(c, "bytes_per_sec", &r->bytes_per_sec, r->reps)))
		return err;

	if ((err = rd_get_object(c, row, "latency_ns", OPTIONAL, &obj)))
		return err;
	if (obj) {
		len = rd_push(c, "latency_ns", 0);
		for (int i = 0; i < BL_LAT_COUNT && !err; i++)
			err = rd_get_int(c, obj, bl_latency_names[i], OPTIONAL, 0, &r->latency_ns[i]);
		rd_pop(c, len);
		if (err)
			return err;
	}

	if ((err = parse_counters(c, row, r)))
		return err;

	if ((err = rd_get_number(c, row, "bounce_rate", &r->bounce_rate)))
		return err;
	if (r->bounce_rate.set && !(r->bounce_rate.v >= 0.0 && r->bounce_rate.v <= 1.0))
		return rd_fail(c, "bounce_rate", "must be in [0, 1] or null, got %g",
			    r->bounce_rate.v);

	if ((err = rd_get_object(c, row, "failures", OPTIONAL, &obj)))
		return err;
	if (obj) {
		len = rd_push(c, "failures", 0);
		err = rd_get_int(c, obj, "ops", REQUIRED, 0, &i64);
		r->failed_ops = i64.v;
		if (!err)
			err = rd_get_int(c, obj, "errno", OPTIONAL, 0, &r->failed_errno);
		if (!err)
			err = rd_get_string(c, obj, "error", OPTIONAL, &r->failed_error);
		if (!err)
			err = check_string_array(c, obj, "kernel_log", &r->kernel_log);
		rd_pop(c, len);
		if (err)
			return err;
	}

	if ((err = rd_get_object(c, row, "unavailable", OPTIONAL, &obj)))
		return err;
	if (obj) {
		len = rd_push(c, "unavailable", 0);
		json_object_foreach(obj, name, v) {
			if (!json_is_string(v)) {
				err = rd_fail(c, name, "expected a string (the reason), got %s",
					   rd_type_name(v));
				break;
			}
		}
		rd_pop(c, len);
		if (err)
			return err;
		r->unavailable = obj;
	}
	return parse_per_rep(c, row, r);
}

/* Orders rows by (workload, variant, size), then position, to find repeats in O(n log n). */
static int row_key_cmp(const void *a, const void *b)
{
	const struct bl_result_row *x = *(const struct bl_result_row *const *)a;
	const struct bl_result_row *y = *(const struct bl_result_row *const *)b;
	int r = strcmp(x->workload, y->workload);

	if (!r)
		r = strcmp(x->variant, y->variant);
	if (!r)
		r = (x->size > y->size) - (x->size < y->size);
	if (!r)
		r = (x > y) - (x < y);
	return r;
}

int rd_parse_results(struct vctx *c, json_t *root, struct bl_resultdoc *d)
{
	json_t *arr = json_object_get(root, "results"), *row;
	struct bl_result_row **sorted;
	size_t i, len, n;
	int err = 0;

	if (!arr)
		return rd_fail(c, "results", "missing");
	if (!json_is_array(arr))
		return rd_fail(c, "results", "expected an array, got %s", rd_type_name(arr));
	n = json_array_size(arr);
	if (d->status == BL_STATUS_OK && n == 0)
		return rd_fail(c, "results", "a run with status \"ok\" needs at least one row");
	if (!n)
		return 0;
	d->results = calloc(n, sizeof(*d->results));
	if (!d->results)
		return -ENOMEM;
	json_array_foreach(arr, i, row) {
		len = rd_push(c, "results", 0);
		rd_push(c, NULL, i);
		err = parse_row(c, row, &d->results[i]);
		d->n_results = i + 1;
		rd_pop(c, len);
		if (err)
			return err;
	}

	/* The store keys rows by (workload, variant, size): refuse repeats. */
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sorted[i] = &d->results[i];
	qsort(sorted, n, sizeof(*sorted), row_key_cmp);
	for (i = 1; i < n && !err; i++) {
		const struct bl_result_row *a = sorted[i - 1], *b = sorted[i];

		if (a->size == b->size && !strcmp(a->workload, b->workload) &&
		    !strcmp(a->variant, b->variant)) {
			char k[48];

			snprintf(k, sizeof(k), "results[%zu]", (size_t)(b - d->results));
			err = rd_fail(c, k,
				   "repeats results[%zu] (workload %s, variant \"%s\", size %lld); "
				   "give such rows distinct \"variant\" values",
				   (size_t)(a - d->results), b->workload, b->variant,
				   (long long)b->size);
		}
	}
	free(sorted);
	return err;
}
