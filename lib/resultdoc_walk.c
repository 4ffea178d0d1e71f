/*
 * The validator's walk (resultdoc_int.h): the dotted path of the field
 * being looked at, the typed getters that check one member each and report
 * the first problem at its exact place ("results[2].counters.x: ..."), and
 * the UUID and RFC 3339 time checks the contract needs.
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

const char *rd_type_name(const json_t *v)
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
int rd_fail(struct vctx *c, const char *key, const char *fmt, ...)
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
size_t rd_push(struct vctx *c, const char *key, size_t index)
{
	size_t len = strlen(c->path);

	if (key)
		snprintf(c->path + len, sizeof(c->path) - len, "%s%s", len ? "." : "", key);
	else
		snprintf(c->path + len, sizeof(c->path) - len, "[%zu]", index);
	return len;
}

void rd_pop(struct vctx *c, size_t len)
{
	c->path[len] = '\0';
}


/* A string member; NULL in *out when null/absent and optional. */
int rd_get_string(struct vctx *c, json_t *obj, const char *key, enum need need,
		      const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (need == REQUIRED)
			return v ? rd_fail(c, key, "expected a string, got null") :
				   rd_fail(c, key, "missing");
		return 0;
	}
	if (!json_is_string(v))
		return rd_fail(c, key, "expected a string%s, got %s",
			    need == REQUIRED ? "" : " or null", rd_type_name(v));
	if (need == REQUIRED && json_string_length(v) == 0)
		return rd_fail(c, key, "must not be empty");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return rd_fail(c, key, "contains a NUL character");
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
bool rd_as_integer(json_t *v, json_t *obj, const char *key, json_t *arr, size_t index,
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
int rd_get_int(struct vctx *c, json_t *obj, const char *key, enum need need, int64_t min,
		   struct bl_opt_i64 *out)
{
	json_t *v = json_object_get(obj, key);
	bool enomem = false;
	int64_t n;

	out->set = false;
	out->v = 0;
	if (!v || json_is_null(v)) {
		if (need == REQUIRED)
			return v ? rd_fail(c, key, "expected an integer, got null") :
				   rd_fail(c, key, "missing");
		return 0;
	}
	if (!rd_as_integer(v, obj, key, NULL, 0, &n, &enomem))
		return rd_fail(c, key, "expected an integer%s, got %s",
			    need == REQUIRED ? "" : " or null", rd_type_name(v));
	if (enomem)
		return -ENOMEM;
	if (n < min)
		return rd_fail(c, key, "must be >= %lld, got %lld", (long long)min, (long long)n);
	out->v = n;
	out->set = true;
	return 0;
}

int rd_get_number(struct vctx *c, json_t *obj, const char *key, struct bl_opt_f64 *out)
{
	json_t *v = json_object_get(obj, key);

	out->set = false;
	out->v = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return rd_fail(c, key, "expected a number or null, got %s", rd_type_name(v));
	out->v = json_number_value(v);
	out->set = true;
	return 0;
}

/* An object member; NULL in *out when null/absent and optional. */
int rd_get_object(struct vctx *c, json_t *obj, const char *key, enum need need, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (need == REQUIRED)
			return v ? rd_fail(c, key, "expected an object, got null") :
				   rd_fail(c, key, "missing");
		return 0;
	}
	if (!json_is_object(v))
		return rd_fail(c, key, "expected an object%s, got %s",
			    need == REQUIRED ? "" : " or null", rd_type_name(v));
	*out = v;
	return 0;
}

/* One of @choices (NULL-terminated); index in *idx, -1 when null/absent and optional. */
int rd_get_enum(struct vctx *c, json_t *obj, const char *key, enum need need,
		    const char *const *choices, size_t n, const char **out, int *idx)
{
	const char *s;
	char list[128] = "";
	int err = rd_get_string(c, obj, key, need, &s);

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
	return rd_fail(c, key, "expected one of %s, got \"%.40s\"", list, s);
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

int rd_get_time(struct vctx *c, json_t *obj, const char *key, enum need need,
		    const char **text, struct bl_opt_i64 *unix_s)
{
	int err = rd_get_string(c, obj, key, need, text);

	unix_s->set = false;
	if (err || !*text)
		return err;
	if (bl_parse_time(*text, &unix_s->v))
		return rd_fail(c, key, "expected an RFC 3339 date-time, got \"%.40s\"", *text);
	unix_s->set = true;
	return 0;
}
