/*
 * daemon_verify: checks a daemon_load ledger against the database, through
 * the store (no SQL here): every run answered 201 or 200 is stored, and
 * the database holds --expect runs in all (runs.uuid is UNIQUE, so with
 * --expect equal to the number of distinct UUIDs each is there exactly once).
 *
 *   daemon_verify --db PATH --ledger FILE [--expect N]
 *
 * Prints "checked=.. stored_once=.. missing=.. duplicated=.. total=.." and
 * exits 0 when nothing is wrong.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "ledger", required_argument, NULL, 'l' },
		{ "expect", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *ledger = NULL;
	long expect = -1, checked = 0, once = 0, missing = 0, dup = 0, unanswered_stored = 0;
	struct bl_store_opts so = { .read_only = true };
	struct bl_store *s = NULL;
	char err[256], uuid[64];
	int code, attempts, opt, bad = 0;
	int64_t total = 0;
	FILE *f;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'l': ledger = optarg; break;
		case 'e': expect = atol(optarg); break;
		default: return 2;
		}
	}
	if (!db || !ledger) {
		fprintf(stderr, "usage: daemon_verify --db PATH --ledger FILE [--expect N]\n");
		return 2;
	}
	if (bl_store_open(db, &so, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "daemon_verify: %s: %s\n", db, err);
		return 1;
	}
	f = fopen(ledger, "r");
	if (!f) {
		fprintf(stderr, "daemon_verify: %s: %s\n", ledger, strerror(errno));
		bl_store_close(s);
		return 1;
	}
	/*
	 * runs.uuid is UNIQUE in the schema; presence is checked per UUID with
	 * the document lookup (indexed), and "exactly once" follows from the
	 * total: N distinct UUIDs present and N runs in all leaves no room for
	 * a second copy of any.
	 */
	while (fscanf(f, "%63s %d %d", uuid, &code, &attempts) == 3) {
		char *doc = NULL;
		int ret = bl_store_get_document(s, uuid, &doc);

		checked++;
		free(doc);
		if (ret < 0 && ret != -ENOENT) {
			fprintf(stderr, "daemon_verify: get %s: %s\n", uuid, bl_store_errmsg(s));
			bad = 1;
			break;
		}
		if (code == 200 || code == 201) {
			if (ret == 0) {
				once++;
			} else {
				missing++;
				fprintf(stderr, "MISSING %s was answered %d but is not stored\n", uuid, code);
			}
		} else if (ret == 0) {
			unanswered_stored++;
		}
	}
	fclose(f);
	if (bl_store_count_runs(s, NULL, &total) < 0) {
		fprintf(stderr, "daemon_verify: count all: %s\n", bl_store_errmsg(s));
		bad = 1;
	}
	bl_store_close(s);
	if (total > checked)
		dup = (long)(total - checked); /* more runs than distinct UUIDs submitted */
	printf("checked=%ld stored_once=%ld missing=%ld duplicated=%ld unanswered_but_stored=%ld total=%" PRId64 "\n",
	       checked, once, missing, dup, unanswered_stored, total);
	if (expect >= 0 && total != expect) {
		fprintf(stderr, "daemon_verify: expected %ld runs in the database, found %" PRId64 "\n", expect, total);
		bad = 1;
	}
	return bad || missing || dup ? 1 : 0;
}
