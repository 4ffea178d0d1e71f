/*
 * The store's health checks (see store.h): PRAGMA quick_check when the
 * daemon opens the database, so a damaged file is refused at start-up with
 * a clear message rather than served as 503s, and the cheap probe behind
 * bouncelabd's /healthz, which reads what every request reads.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store_internal.h"

int store_quick_check(struct bl_store *s)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	/* (1): the first problem is enough to refuse; the whole list can be long. */
	rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *msg = (const char *)sqlite3_column_text(st, 0);

		if (!msg || strcmp(msg, "ok")) {
			char one[160];

			/* Its answer spans lines ("*** in database main ***\nPage 4: ..."): one line for the log. */
			snprintf(one, sizeof(one), "%s", msg ? msg : "no answer");
			for (char *p = one; *p; p++)
				if (*p == '\n')
					*p = ' ';
			store_seterr(s, "store: the database is damaged (PRAGMA quick_check: %s); "
					"restore it from a backup, or move it aside to start a new one",
				     one);
			ret = -EIO;
		}
	} else {
		ret = store_sqlerr(s, rc, "PRAGMA quick_check");
		store_seterr(s, "store: the database is damaged (PRAGMA quick_check: %s); "
				"restore it from a backup, or move it aside to start a new one",
			     sqlite3_errmsg(s->db));
	}
	sqlite3_finalize(st);
	return ret;
}

int bl_store_probe(struct bl_store *s, char *err, size_t errlen)
{
	/* The schema and the newest run: the pages every request reads first. */
	static const char *const probes[] = {
		"SELECT count(*) FROM sqlite_schema",
		"SELECT max(id) FROM runs",
	};
	int ret = 0;

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]) && !ret; i++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(s->db, probes[i], -1, &st, NULL);

		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			ret = store_sqlerr(s, rc, "health probe");
			bl_seterr(err, errlen, "%s", s->errmsg);
		}
		sqlite3_finalize(st);
	}
	return ret;
}
