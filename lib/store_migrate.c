/*
 * The store's schema migrations: the compiled-in schema/NNNN_name.sql files
 * (schema_sql.h) applied in one transaction up to the newest, stamped in
 * PRAGMA user_version; and the check a read-only handle makes instead.
 * Migrations are whole files of DDL run by sqlite3_exec(); the PRAGMA
 * reads here run once per open and are not cached.
 */
#include <errno.h>
#include <stdio.h>

#include <sqlite3.h>

#include "schema_sql.h"
#include "store_internal.h"

/* One integer from a PRAGMA or count(*) read on the handle's connection. */
static int pragma_int(struct bl_store *s, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : store_sqlerr(s, rc, sql);
}

int store_migrate(struct bl_store *s, const struct bl_migration *migs, size_t n)
{
	int version = 0, ntables = 0, latest = n ? migs[n - 1].version : 0, err, rc;
	char *msg = NULL, sql[64];

	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sqlerr(s, rc, "begin migration");
	/* Read again under the lock: another process may have migrated meanwhile. */
	err = pragma_int(s, "PRAGMA user_version", &version);
	if (!err)
		err = pragma_int(s, "SELECT count(*) FROM sqlite_schema", &ntables);
	if (err)
		goto fail;
	if (version > latest) {
		store_seterr(s,
			 "store: %s: schema version %d is newer than this bouncelab knows (%d); "
			 "use a newer bouncelab", s->path, version, latest);
		err = -EPROTO;
		goto fail;
	}
	if (version == 0 && ntables > 0) {
		store_seterr(s,
			 "store: %s: has tables but no bouncelab schema version; "
			 "not a bouncelab database",
			 s->path);
		err = -ENOTSUP;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (migs[i].version <= version)
			continue;
		rc = sqlite3_exec(s->db, migs[i].sql, NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			store_seterr(s,
				 "store: %s: migration %s failed: %s; nothing was changed", s->path,
				 migs[i].name, msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			err = -EIO;
			goto fail;
		}
	}
	if (latest > version) {
		/* PRAGMA takes no parameters; the value is our own integer. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest);
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			err = store_sqlerr(s, rc, "stamp user_version");
			goto fail;
		}
	}
	rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		err = store_sqlerr(s, rc, "commit migration");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

int store_check_version(struct bl_store *s, int latest)
{
	int version = 0;
	int err = pragma_int(s, "PRAGMA user_version", &version);

	if (err)
		return err;
	if (version > latest) {
		store_seterr(s,
			 "store: %s: schema version %d is newer than this bouncelab knows (%d); "
			 "use a newer bouncelab", s->path, version, latest);
		return -EPROTO;
	}
	if (version == 0) {
		int ntables = 0;

		/* A foreign SQLite file, not an old bouncelab one: migrating would not help. */
		err = pragma_int(s, "SELECT count(*) FROM sqlite_schema", &ntables);
		if (err)
			return err;
		if (ntables > 0) {
			store_seterr(s, "store: %s: has tables but no bouncelab schema version; not a bouncelab database",
				     s->path);
			return -ENOTSUP;
		}
	}
	if (version < latest) {
		store_seterr(s,
			 "store: %s: schema version %d is older than %d and the handle is "
			 "read-only; "
			 "open it once read-write to migrate", s->path, version, latest);
		return -ESTALE;
	}
	return 0;
}
