/*
 * Parsing the testbed's result channel (see lab_channel.h): split into
 * lines, find the frame, parse each line inside it as one JSON object.
 */
#include "lab_channel.h"

#include <errno.h>
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
			/* Anything before BEGIN (none expected) is ignored. */
			if (n == strlen(LAB_CHANNEL_BEGIN) && !memcmp(line, LAB_CHANNEL_BEGIN, n))
				ch->begin = true;
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
			json_error_t jerr;
			json_t *doc = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr);
			char why[200];

			if (!doc) {
				snprintf(why, sizeof(why), "not JSON: %s", jerr.text);
				bad_line(ch, lineno, why);
				continue;
			}
			if (!json_is_object(doc)) {
				json_decref(doc);
				bad_line(ch, lineno, "JSON but not an object");
				continue;
			}
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
	ch->docs = NULL;
	ch->ndocs = 0;
}
