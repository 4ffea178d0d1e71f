/*
 * Result document validation (see resultdoc.h for the rules).
 *
 * The validator walks the JSON tree once, checking each contract field and
 * filling the typed view as it goes. It keeps the dotted path of the field
 * it is looking at so that the first problem found is reported with its
 * exact location ("results[2].counters.swiotlb_bounced: ..."); it stops at
 * the first problem because one precise message is more useful to a
 * producer than a cascade.
 */
#include "resultdoc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmamode.h"
#include "json_arena.h"

const char *const bl_run_status_names[BL_STATUS_COUNT] = {
	[BL_STATUS_OK] = "ok",
	[BL_STATUS_FAILED] = "failed",
	[BL_STATUS_SKIPPED] = "skipped",
	[BL_STATUS_TIMEOUT] = "timeout",
};

const char *const bl_counter_names[BL_COUNTER_COUNT] = {
	[BL_C_SWIOTLB_BOUNCED] = "swiotlb_bounced",
	[BL_C_SWIOTLB_BOUNCED_BYTES] = "swiotlb_bounced_bytes",
	[BL_C_DMA_MAP_SG] = "dma_map_sg",
	[BL_C_DMA_MAP_PAGE] = "dma_map_page",
	[BL_C_DMA_MAP_SEGMENTS] = "dma_map_segments",
	[BL_C_IO_TLB_NSLABS] = "io_tlb_nslabs",
	[BL_C_IO_TLB_USED_BEFORE] = "io_tlb_used_before",
	[BL_C_IO_TLB_USED_PEAK] = "io_tlb_used_peak",
	[BL_C_IO_TLB_USED_AFTER] = "io_tlb_used_after",
	[BL_C_DMA_SYNC_BYTES] = "dma_sync_bytes",
};

const char *const bl_latency_names[BL_LAT_COUNT] = {
	[BL_LAT_P50] = "p50", [BL_LAT_P90] = "p90", [BL_LAT_P99] = "p99",
	[BL_LAT_P999] = "p999", [BL_LAT_MAX] = "max",
};

/* Validation state: where the error goes and the path of the current object. */
struct vctx {
	char *err;
	size_t errlen;
	char path[192]; /* dotted path of the object being validated; "" = root */
};

static const char *type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

/* Writes "<path>.<key>: <message>" into the error buffer; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) static int fail(struct vctx *c, const char *key,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return -EINVAL;
	if (key)
		n = snprintf(c->err, c->errlen, "%s%s%s: ", c->path, *c->path ? "." : "", key);
	else
		n = snprintf(c->err, c->errlen, "%s: ", *c->path ? c->path : "document");
	if (n < 0 || (size_t)n >= c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Descends into member @key (or element [@index] when key is NULL); returns the old length. */
static size_t push(struct vctx *c, const char *key, size_t index)
{
	size_t len = strlen(c->path);

	if (key)
		snprintf(c->path + len, sizeof(c->path) - len, "%s%s", len ? "." : "", key);
	else
		snprintf(c->path + len, sizeof(c->path) - len, "[%zu]", index);
	return len;
}

static void pop(struct vctx *c, size_t len)
{
	c->path[len] = '\0';
}

enum need { OPTIONAL, REQUIRED };

/* A string member; NULL in *out when null/absent and optional. */
static int get_string(struct vctx *c, json_t *obj, const char *key, enum need need,
		      const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (need == REQUIRED)
			return v ? fail(c, key, "expected a string, got null") :
				   fail(c, key, "missing");
		return 0;
	}
	if (!json_is_string(v))
		return fail(c, key, "expected a string%s, got %s",
			    need == REQUIRED ? "" : " or null", type_name(v));
	if (need == REQUIRED && json_string_length(v) == 0)
		return fail(c, key, "must not be empty");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return fail(c, key, "contains a NUL character");
	*out = json_string_value(v);
	return 0;
}

/*
 * @v as an integer: a JSON integer, or a real with an integral value
 * (1000000.0: Python and JavaScript clients write those). false for
 * anything else. A real is replaced by the integer in its container
 * (@obj's member @key, or @arr's element @index) so every later reader of
 * the tree sees an integer; *@enomem when that replacement failed.
 */
static bool as_integer(json_t *v, json_t *obj, const char *key, json_t *arr, size_t index,
		       int64_t *out, bool *enomem)
{
	json_t *n;
	double d;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	d = json_real_value(v);
	/* Both bounds exact in a double; the range an int64 holds. */
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != trunc(d))
		return false;
	*out = (int64_t)d;
	n = json_integer(*out);
	if (!n || (obj ? json_object_set_new(obj, key, n) : json_array_set_new(arr, index, n)))
		*enomem = true;
	return true;
}

/* An integer member >= @min. */
static int get_int(struct vctx *c, json_t *obj, const char *key, enum need need, int64_t min,
		   struct bl_opt_i64 *out)
{
	json_t *v = json_object_get(obj, key);
	bool enomem = false;
	int64_t n;

	out->set = false;
	out->v = 0;
	if (!v || json_is_null(v)) {
		if (need == REQUIRED)
			return v ? fail(c, key, "expected an integer, got null") :
				   fail(c, key, "missing");
		return 0;
	}
	if (!as_integer(v, obj, key, NULL, 0, &n, &enomem))
		return fail(c, key, "expected an integer%s, got %s",
			    need == REQUIRED ? "" : " or null", type_name(v));
	if (enomem)
		return -ENOMEM;
	if (n < min)
		return fail(c, key, "must be >= %lld, got %lld", (long long)min, (long long)n);
	out->v = n;
	out->set = true;
	return 0;
}

static int get_number(struct vctx *c, json_t *obj, const char *key, struct bl_opt_f64 *out)
{
	json_t *v = json_object_get(obj, key);

	out->set = false;
	out->v = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return fail(c, key, "expected a number or null, got %s", type_name(v));
	out->v = json_number_value(v);
	out->set = true;
	return 0;
}

/* An object member; NULL in *out when null/absent and optional. */
static int get_object(struct vctx *c, json_t *obj, const char *key, enum need need, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (need == REQUIRED)
			return v ? fail(c, key, "expected an object, got null") :
				   fail(c, key, "missing");
		return 0;
	}
	if (!json_is_object(v))
		return fail(c, key, "expected an object%s, got %s",
			    need == REQUIRED ? "" : " or null", type_name(v));
	*out = v;
	return 0;
}

/* One of @choices (NULL-terminated); index in *idx, -1 when null/absent and optional. */
static int get_enum(struct vctx *c, json_t *obj, const char *key, enum need need,
		    const char *const *choices, size_t n, const char **out, int *idx)
{
	const char *s;
	char list[128] = "";
	int err = get_string(c, obj, key, need, &s);

	if (idx)
		*idx = -1;
	*out = s;
	if (err || !s)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s, choices[i])) {
			if (idx)
				*idx = (int)i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "|" : "",
			 choices[i]);
	}
	return fail(c, key, "expected one of %s, got \"%.40s\"", list, s);
}

int bl_uuid_valid(const char *s)
{
	static const int dash[] = { 8, 13, 18, 23 };
	size_t i, d = 0;

	if (!s || strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (d < 4 && (int)i == dash[d]) {
			if (s[i] != '-')
				return 0;
			d++;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly @n digits at *p into *out and advances; -1 if not digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int bl_parse_time(const char *s, int64_t *out_unix)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	const char *p = s;

	if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -EINVAL;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -EINVAL;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -EINVAL;
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
		    digits(&p, 2, &sec))
			return -EINVAL;
		if (h > 23 || mi > 59 || sec > 60) /* 60: a leap second */
			return -EINVAL;
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 ||
			    om > 59)
				return -EINVAL;
		} else {
			return -EINVAL; /* RFC 3339 needs a zone */
		}
		if (*p)
			return -EINVAL;
	}
	*out_unix = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
		    sec - sign * (oh * 3600 + om * 60);
	return 0;
}

static int get_time(struct vctx *c, json_t *obj, const char *key, enum need need,
		    const char **text, struct bl_opt_i64 *unix_s)
{
	int err = get_string(c, obj, key, need, text);

	unix_s->set = false;
	if (err || !*text)
		return err;
	if (bl_parse_time(*text, &unix_s->v))
		return fail(c, key, "expected an RFC 3339 date-time, got \"%.40s\"", *text);
	unix_s->set = true;
	return 0;
}

/* {"mean": n, "values": [n...]}: the values array is copied into doubles. */
static int get_series(struct vctx *c, json_t *obj, const char *key, struct bl_series *out)
{
	json_t *s, *vals, *v;
	size_t len, i;
	int err;

	memset(out, 0, sizeof(*out));
	err = get_object(c, obj, key, OPTIONAL, &s);
	if (err || !s)
		return err;
	len = push(c, key, 0);
	err = get_number(c, s, "mean", &out->mean);
	if (err)
		goto out;
	/* A rate: a negative one is nonsense that comparisons would call "better". */
	if (out->mean.set && out->mean.v < 0) {
		err = fail(c, "mean", "must be >= 0, got %g", out->mean.v);
		goto out;
	}
	vals = json_object_get(s, "values");
	if (vals && !json_is_null(vals)) {
		if (!json_is_array(vals)) {
			err = fail(c, "values", "expected an array of numbers, got %s",
				   type_name(vals));
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
					err = fail(c, k, "expected a number, got %s", type_name(v));
					goto out;
				}
				d[i] = json_number_value(v);
				if (d[i] < 0) {
					char k[32];

					snprintf(k, sizeof(k), "values[%zu]", i);
					err = fail(c, k, "must be >= 0, got %g", d[i]);
					goto out;
				}
			}
			out->n_values = json_array_size(vals);
		}
	}
out:
	pop(c, len);
	return err;
}

static int check_series_reps(struct vctx *c, const char *key, const struct bl_series *sr,
			     int64_t reps)
{
	size_t len;
	int err;

	if ((int64_t)sr->n_values <= reps)
		return 0;
	len = push(c, key, 0);
	err = fail(c, "values", "%zu values for %lld repetitions (reps)", sr->n_values, (long long)reps);
	pop(c, len);
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
		return fail(c, key, "expected an array of strings, got %s", type_name(a));
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			char k[64];

			snprintf(k, sizeof(k), "%s[%zu]", key, i);
			return fail(c, k, "expected a string, got %s", type_name(v));
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

	err = get_object(c, row, "counters", REQUIRED, &obj);
	if (err)
		return err;
	r->counters_json = obj;
	len = push(c, "counters", 0);
	/* Every member is a count: integers >= 0 or null, extra counters included. */
	json_object_foreach(obj, name, v) {
		bool enomem = false;
		int64_t n = 0;

		if (!json_is_null(v) && !as_integer(v, obj, name, NULL, 0, &n, &enomem)) {
			err = fail(c, name, "expected an integer or null, got %s", type_name(v));
			goto out;
		}
		if (enomem) {
			err = -ENOMEM;
			goto out;
		}
		if (n < 0) {
			err = fail(c, name, "must be >= 0, got %lld", (long long)n);
			goto out;
		}
	}
	for (int i = 0; i < BL_COUNTER_COUNT; i++) {
		err = get_int(c, obj, bl_counter_names[i], OPTIONAL, 0, &r->counters[i]);
		if (err)
			goto out;
	}
out:
	pop(c, len);
	return err;
}

/* per_rep: each member an array of reps integers >= 0 (what one repetition did or counted). */
static int parse_per_rep(struct vctx *c, json_t *row, struct bl_result_row *r)
{
	const char *name;
	json_t *obj, *arr, *v;
	size_t len, i;
	int err;

	if ((err = get_object(c, row, "per_rep", OPTIONAL, &obj)) || !obj)
		return err;
	len = push(c, "per_rep", 0);
	json_object_foreach(obj, name, arr) {
		if (!json_is_array(arr)) {
			err = fail(c, name, "expected an array, got %s", type_name(arr));
			break;
		}
		if ((int64_t)json_array_size(arr) != r->reps) {
			err = fail(c, name, "%zu values for %lld repetitions (reps)", json_array_size(arr),
				   (long long)r->reps);
			break;
		}
		json_array_foreach(arr, i, v) {
			bool integer, enomem = false;
			int64_t n = 0;

			integer = as_integer(v, NULL, NULL, arr, i, &n, &enomem);
			if (enomem) {
				err = -ENOMEM;
				break;
			}
			if (!integer || n < 0) {
				size_t l2 = push(c, name, 0);

				push(c, NULL, i);
				err = integer ? fail(c, NULL, "must be >= 0, got %lld", (long long)n) :
						fail(c, NULL, "expected an integer, got %s", type_name(v));
				pop(c, l2);
				break;
			}
		}
		if (err)
			break;
	}
	pop(c, len);
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
		return fail(c, NULL, "expected an object, got %s", type_name(row));
	if ((err = get_string(c, row, "workload", REQUIRED, &r->workload)) ||
	    (err = get_string(c, row, "variant", OPTIONAL, &r->variant)))
		return err;
	if (!r->variant)
		r->variant = "";
	if ((err = get_int(c, row, "size", REQUIRED, 0, &i64)))
		return err;
	r->size = i64.v;
	if ((err = get_int(c, row, "reps", REQUIRED, 0, &i64)))
		return err;
	r->reps = i64.v;
	if ((err = get_int(c, row, "ops", REQUIRED, 0, &i64)))
		return err;
	r->ops = i64.v;
	if ((err = get_int(c, row, "duration_ns", REQUIRED, 0, &i64)))
		return err;
	r->duration_ns = i64.v;
	if ((err = get_series(c, row, "ops_per_sec", &r->ops_per_sec)) ||
	    (err = get_series(c, row, "bytes_per_sec", &r->bytes_per_sec)))
		return err;
	/* One value per repetition: more values than reps were measured by nothing. */
	if ((err = check_series_reps(c, "ops_per_sec", &r->ops_per_sec, r->reps)) ||
	    (err = check_series_reps(c, "bytes_per_sec", &r->bytes_per_sec, r->reps)))
		return err;

	if ((err = get_object(c, row, "latency_ns", OPTIONAL, &obj)))
		return err;
	if (obj) {
		len = push(c, "latency_ns", 0);
		for (int i = 0; i < BL_LAT_COUNT && !err; i++)
			err = get_int(c, obj, bl_latency_names[i], OPTIONAL, 0, &r->latency_ns[i]);
		pop(c, len);
		if (err)
			return err;
	}

	if ((err = parse_counters(c, row, r)))
		return err;

	if ((err = get_number(c, row, "bounce_rate", &r->bounce_rate)))
		return err;
	if (r->bounce_rate.set && !(r->bounce_rate.v >= 0.0 && r->bounce_rate.v <= 1.0))
		return fail(c, "bounce_rate", "must be in [0, 1] or null, got %g",
			    r->bounce_rate.v);

	if ((err = get_object(c, row, "failures", OPTIONAL, &obj)))
		return err;
	if (obj) {
		len = push(c, "failures", 0);
		err = get_int(c, obj, "ops", REQUIRED, 0, &i64);
		r->failed_ops = i64.v;
		if (!err)
			err = get_int(c, obj, "errno", OPTIONAL, 0, &r->failed_errno);
		if (!err)
			err = get_string(c, obj, "error", OPTIONAL, &r->failed_error);
		if (!err)
			err = check_string_array(c, obj, "kernel_log", &r->kernel_log);
		pop(c, len);
		if (err)
			return err;
	}

	if ((err = get_object(c, row, "unavailable", OPTIONAL, &obj)))
		return err;
	if (obj) {
		len = push(c, "unavailable", 0);
		json_object_foreach(obj, name, v) {
			if (!json_is_string(v)) {
				err = fail(c, name, "expected a string (the reason), got %s",
					   type_name(v));
				break;
			}
		}
		pop(c, len);
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

static int parse_results(struct vctx *c, json_t *root, struct bl_resultdoc *d)
{
	json_t *arr = json_object_get(root, "results"), *row;
	struct bl_result_row **sorted;
	size_t i, len, n;
	int err = 0;

	if (!arr)
		return fail(c, "results", "missing");
	if (!json_is_array(arr))
		return fail(c, "results", "expected an array, got %s", type_name(arr));
	n = json_array_size(arr);
	if (d->status == BL_STATUS_OK && n == 0)
		return fail(c, "results", "a run with status \"ok\" needs at least one row");
	if (!n)
		return 0;
	d->results = calloc(n, sizeof(*d->results));
	if (!d->results)
		return -ENOMEM;
	json_array_foreach(arr, i, row) {
		len = push(c, "results", 0);
		push(c, NULL, i);
		err = parse_row(c, row, &d->results[i]);
		d->n_results = i + 1;
		pop(c, len);
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
			err = fail(c, k,
				   "repeats results[%zu] (workload %s, variant \"%s\", size %lld); "
				   "give such rows distinct \"variant\" values",
				   (size_t)(a - d->results), b->workload, b->variant,
				   (long long)b->size);
		}
	}
	free(sorted);
	return err;
}

static int parse_device(struct vctx *c, json_t *root, const char *key, enum need need,
			const char **node, const char **driver, const char **version,
			const char **pci, bool *has)
{
	json_t *obj;
	size_t len;
	int err = get_object(c, root, key, need, &obj);

	*has = false;
	if (err || !obj)
		return err;
	len = push(c, key, 0);
	if (!(err = get_string(c, obj, "node", OPTIONAL, node)) &&
	    !(err = get_string(c, obj, "driver", OPTIONAL, driver)) &&
	    !(err = get_string(c, obj, "driver_version", OPTIONAL, version)) &&
	    !(err = get_string(c, obj, "pci_id", OPTIONAL, pci))) {
		/* A run that found no device may say so with an all-null object. */
		if (!*node && !*driver && need == REQUIRED)
			err = fail(c, NULL, "needs a driver or a node");
	}
	pop(c, len);
	*has = !err && (*node || *driver || *version || *pci);
	return err;
}

static int validate(struct vctx *c, json_t *root, struct bl_resultdoc *d)
{
	static const char *const swiotlb_modes[] = { "force", "noforce", "default" };
	static const char *const iommu_modes[] = { "off", "on", "pt" };
	struct bl_opt_i64 i64;
	json_t *obj;
	enum need need_ok;
	const char *s;
	size_t len;
	int err, idx;

	if (!json_is_object(root))
		return fail(c, NULL, "expected a JSON object, got %s", type_name(root));
	if ((err = get_int(c, root, "format", REQUIRED, 0, &i64)))
		return err;
	if (i64.v != BL_RESULTDOC_FORMAT)
		return fail(c, "format", "unsupported format %lld (this bouncelab reads %d)",
			    (long long)i64.v, BL_RESULTDOC_FORMAT);
	d->format = (int)i64.v;

	if ((err = get_string(c, root, "run_id", REQUIRED, &s)))
		return err;
	if (!bl_uuid_valid(s))
		return fail(c, "run_id", "expected a UUID (8-4-4-4-12 hex digits), got \"%.40s\"",
			    s);
	for (int i = 0; i < 36; i++)
		d->run_id_buf[i] = (char)tolower((unsigned char)s[i]);
	d->run_id_buf[36] = '\0';
	d->run_id = d->run_id_buf;
	if (strcmp(s, d->run_id_buf)) {
		/* Stored in its canonical form, as its key is: the tree changes, the text goes. */
		if (json_object_set_new(root, "run_id", json_string(d->run_id_buf)))
			return -ENOMEM;
		d->rewritten = true;
	}

	if ((err = get_enum(c, root, "status", REQUIRED, bl_run_status_names, BL_STATUS_COUNT, &s,
			    &idx)))
		return err;
	d->status = (enum bl_run_status)idx;
	/* A run that did not finish "ok" may know less about where it ran. */
	need_ok = d->status == BL_STATUS_OK ? REQUIRED : OPTIONAL;

	if ((err = get_string(c, root, "error", OPTIONAL, &d->error)))
		return err;

	if ((err = get_object(c, root, "tool", REQUIRED, &obj)))
		return err;
	len = push(c, "tool", 0);
	if (!(err = get_string(c, obj, "name", REQUIRED, &d->tool_name)))
		err = get_string(c, obj, "version", REQUIRED, &d->tool_version);
	pop(c, len);
	if (err)
		return err;

	if ((err = get_time(c, root, "started_at", REQUIRED, &d->started_at, &i64)))
		return err;
	d->started_unix = i64.v;
	if ((err = get_time(c, root, "finished_at", OPTIONAL, &d->finished_at, &d->finished_unix)))
		return err;
	/* Whole seconds: a run that finishes within its start second is fine. */
	if (d->finished_unix.set && d->finished_unix.v < d->started_unix)
		return fail(c, "finished_at", "%s is before started_at %s", d->finished_at, d->started_at);

	if ((err = get_object(c, root, "host", need_ok, &obj)))
		return err;
	if (obj) {
		len = push(c, "host", 0);
		if (!(err = get_string(c, obj, "hostname", REQUIRED, &d->hostname)) &&
		    !(err = get_string(c, obj, "cpu", OPTIONAL, &d->cpu)))
			err = get_int(c, obj, "mem_bytes", OPTIONAL, 0, &d->mem_bytes);
		pop(c, len);
		if (err)
			return err;
	}

	if ((err = get_object(c, root, "kernel", need_ok, &obj)))
		return err;
	if (obj) {
		len = push(c, "kernel", 0);
		if (!(err = get_string(c, obj, "release", REQUIRED, &d->kernel_release)) &&
		    !(err = get_string(c, obj, "version", OPTIONAL, &d->kernel_version)))
			err = get_string(c, obj, "cmdline", OPTIONAL, &d->cmdline);
		if (!err && !(err = get_string(c, obj, "boot_id", OPTIONAL, &s)) && s) {
			if (!bl_uuid_valid(s)) {
				err = fail(c, "boot_id", "expected a UUID (8-4-4-4-12 hex digits), got \"%.40s\"",
					   s);
			} else {
				for (int i = 0; i < 37; i++)
					d->boot_id_buf[i] = (char)tolower((unsigned char)s[i]);
				d->boot_id = d->boot_id_buf;
			}
		}
		pop(c, len);
		if (err)
			return err;
	}

	if ((err = get_object(c, root, "testbed", OPTIONAL, &obj)))
		return err;
	if (obj) {
		static const char *const clocks[] = { "icount", "wall" };

		len = push(c, "testbed", 0);
		if (!(err = get_string(c, obj, "package_version", OPTIONAL, &d->package_version)) &&
		    !(err = get_string(c, obj, "kernel_package", OPTIONAL, &d->kernel_package)) &&
		    !(err = get_enum(c, obj, "clock", OPTIONAL, clocks, 2, &d->testbed_clock, NULL)) &&
		    !(err = get_int(c, obj, "boot_index", OPTIONAL, 0, &d->testbed_boot_index)))
			err = get_int(c, obj, "balloon_bytes", OPTIONAL, 1, &d->balloon_bytes);
		/* before the clock was recorded the lab ran multi-threaded TCG: wall clock */
		if (!err && !d->testbed_clock)
			d->testbed_clock = "wall";
		pop(c, len);
		if (err)
			return err;
	}

	if ((err = get_object(c, root, "hypervisor", OPTIONAL, &obj)))
		return err;
	if (obj) {
		const char *type, *guest_type;

		len = push(c, "hypervisor", 0);
		if (!(err = get_string(c, obj, "type", OPTIONAL, &type)))
			err = get_string(c, obj, "guest_type", OPTIONAL, &guest_type);
		pop(c, len);
		if (err)
			return err;
		/* "xen-pv": the part of the mode the hypervisor decides */
		d->hypervisor = bl_hypervisor_key(type, guest_type, d->hypervisor_buf, sizeof(d->hypervisor_buf));
	}

	if ((err = get_object(c, root, "dma", need_ok, &obj)))
		return err;
	if (obj) {
		len = push(c, "dma", 0);
		if (!(err = get_enum(c, obj, "swiotlb", OPTIONAL, swiotlb_modes, 3, &d->swiotlb,
				     NULL)) &&
		    !(err = get_int(c, obj, "swiotlb_slabs", OPTIONAL, 0, &d->swiotlb_slabs)))
			err = get_enum(c, obj, "iommu", OPTIONAL, iommu_modes, 3, &d->iommu, NULL);
		pop(c, len);
		if (err)
			return err;
	}

	if ((err = parse_device(c, root, "device", need_ok, &d->dev_node, &d->dev_driver,
				&d->dev_driver_version, &d->dev_pci_id, &d->has_device)) ||
	    (err = parse_device(c, root, "importer", OPTIONAL, &d->imp_node, &d->imp_driver,
				&d->imp_driver_version, &d->imp_pci_id, &d->has_importer)))
		return err;

	if ((err = get_object(c, root, "job", REQUIRED, &obj)))
		return err;
	len = push(c, "job", 0);
	if (!(err = get_string(c, obj, "name", REQUIRED, &d->job_name)) &&
	    !(err = get_string(c, obj, "backend", REQUIRED, &d->job_backend)) &&
	    !(err = get_string(c, obj, "workload", REQUIRED, &d->job_workload)))
		err = get_object(c, obj, "params", OPTIONAL, &d->job_params);
	pop(c, len);
	if (err)
		return err;

	return parse_results(c, root, d);
}

int bl_resultdoc_from_json(json_t *root, struct bl_resultdoc **out, char *err, size_t errlen)
{
	struct vctx c = { .err = err, .errlen = errlen };
	struct bl_resultdoc *d;
	int ret;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!root)
		return fail(&c, NULL, "no document");
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->root = json_incref(root);
	ret = validate(&c, root, d);
	if (ret) {
		if (ret == -ENOMEM && err && errlen)
			snprintf(err, errlen, "document: out of memory");
		bl_resultdoc_free(d);
		return ret;
	}
	*out = d;
	return 0;
}

int bl_resultdoc_parse(const char *text, size_t len, struct bl_resultdoc **out, char *err,
		       size_t errlen)
{
	struct bl_json_arena *arena;
	json_error_t jerr;
	json_t *root;
	int ret;

	*out = NULL;
	if (len > BL_RESULTDOC_MAX_BYTES) {
		if (err && errlen)
			snprintf(err, errlen, "document: %zu bytes, more than the limit of %u", len,
				 BL_RESULTDOC_MAX_BYTES);
		return -E2BIG;
	}
	/* The tree lives exactly as long as the document: one arena (NULL: the heap). */
	arena = bl_json_arena_begin();
	/* Duplicate keys are refused: which of two "status" members counts is ambiguous. */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		bl_json_arena_free(arena);
		if (err && errlen)
			snprintf(err, errlen, "document: invalid JSON at line %d column %d: %s",
				 jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	ret = bl_resultdoc_from_json(root, out, err, errlen);
	/* With the arena still current: on failure this frees the tree into it. */
	json_decref(root); /* the document holds its own reference */
	bl_json_arena_end(arena);
	if (ret) {
		bl_json_arena_free(arena);
		return ret;
	}
	(*out)->arena = arena;
	/* Kept so the store saves the document as it came, without re-serialising it. */
	if ((*out)->rewritten)
		return 0; /* made canonical: the store serialises the tree */
	(*out)->text = malloc(len + 1);
	if (!(*out)->text) {
		bl_resultdoc_free(*out);
		*out = NULL;
		if (err && errlen)
			snprintf(err, errlen, "document: out of memory");
		return -ENOMEM;
	}
	memcpy((*out)->text, text, len);
	(*out)->text[len] = '\0';
	(*out)->text_len = len;
	return 0;
}

void bl_resultdoc_free(struct bl_resultdoc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n_results; i++) {
		free((void *)doc->results[i].ops_per_sec.values);
		free((void *)doc->results[i].bytes_per_sec.values);
	}
	free(doc->results);
	free(doc->text);
	if (doc->arena)
		bl_json_arena_free(doc->arena); /* the whole tree, without walking it */
	else
		json_decref(doc->root);
	free(doc);
}
