/*
 * Parsing the testbed's result channel (see lab_channel.h): split into
 * lines, take the tagged facts before the frame, find the frame, parse each
 * line inside it as one JSON object.
 */
#include "lab_channel.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_doc(struct lab_channel *ch, json_t *doc)
{
	json_t **docs = realloc(ch->docs, (ch->ndocs + 1) * sizeof(*docs));

	if (!docs)
		return -ENOMEM;
	ch->docs = docs;
	ch->docs[ch->ndocs++] = doc;
	return 0;
}

static void bad_line(struct lab_channel *ch, size_t lineno, const char *why)
{
	if (!ch->bad_lines++)
		snprintf(ch->error, sizeof(ch->error), "result channel line %zu: %s", lineno, why);
}

/* One JSON object out of @n bytes of @line, or NULL with the reason counted as a bad line. */
static json_t *object_of(struct lab_channel *ch, size_t lineno, const char *line, size_t n)
{
	json_error_t jerr;
	json_t *obj = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr);
	char why[200];

	if (!obj) {
		snprintf(why, sizeof(why), "not JSON: %s", jerr.text);
		bad_line(ch, lineno, why);
		return NULL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		bad_line(ch, lineno, "JSON but not an object");
		return NULL;
	}
	return obj;
}

/* A tagged fact line before BEGIN: into *@slot, once. */
static void fact_line(struct lab_channel *ch, size_t lineno, const char *tag, const char *line, size_t n,
		      json_t **slot)
{
	size_t t = strlen(tag);
	json_t *obj;

	if (*slot) {
		bad_line(ch, lineno, "the same fact line twice");
		return;
	}
	obj = object_of(ch, lineno, line + t, n - t);
	if (obj)
		*slot = obj;
}

static bool has_tag(const char *line, size_t n, const char *tag)
{
	return n >= strlen(tag) && !memcmp(line, tag, strlen(tag));
}

int lab_channel_parse(const char *text, size_t len, struct lab_channel *ch)
{
	size_t pos = 0, lineno = 0;

	memset(ch, 0, sizeof(*ch));
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		lineno++;
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (!ch->begin) {
			/* The guest's facts; anything else before BEGIN is ignored. */
			if (n == strlen(LAB_CHANNEL_BEGIN) && !memcmp(line, LAB_CHANNEL_BEGIN, n))
				ch->begin = true;
			else if (has_tag(line, n, LAB_CHANNEL_BALLOON))
				fact_line(ch, lineno, LAB_CHANNEL_BALLOON, line, n, &ch->balloon);
			else if (has_tag(line, n, LAB_CHANNEL_HYPERVISOR))
				fact_line(ch, lineno, LAB_CHANNEL_HYPERVISOR, line, n, &ch->hypervisor);
			continue;
		}
		if (n >= strlen(LAB_CHANNEL_END) && !memcmp(line, LAB_CHANNEL_END, strlen(LAB_CHANNEL_END))) {
			char num[16];
			size_t k = n - strlen(LAB_CHANNEL_END);
			char *end;
			long rc;

			if (!k || k >= sizeof(num)) {
				bad_line(ch, lineno, "END line without an exit code");
				continue;
			}
			memcpy(num, line + strlen(LAB_CHANNEL_END), k);
			num[k] = '\0';
			rc = strtol(num, &end, 10);
			if (*end || rc < 0 || rc > 255) {
				bad_line(ch, lineno, "END line with a malformed exit code");
				continue;
			}
			ch->end = true;
			ch->rc = (int)rc;
			break;
		}
		if (!n)
			continue;
		{
			json_t *doc = object_of(ch, lineno, line, n);

			if (!doc)
				continue;
			if (add_doc(ch, doc)) {
				json_decref(doc);
				lab_channel_free(ch);
				return -ENOMEM;
			}
		}
	}
	return 0;
}

void lab_channel_free(struct lab_channel *ch)
{
	for (size_t i = 0; i < ch->ndocs; i++)
		json_decref(ch->docs[i]);
	free(ch->docs);
	json_decref(ch->balloon);
	json_decref(ch->hypervisor);
	ch->docs = NULL;
	ch->ndocs = 0;
	ch->balloon = ch->hypervisor = NULL;
}
