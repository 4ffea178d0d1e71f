/*
 * The schema migrations, compiled in from schema/NNNN_name.sql by the
 * Makefile (build/gen/schema_sql.c). Applied in order by the store; the
 * number of the last one applied is the database's PRAGMA user_version.
 */
#ifndef BL_SCHEMA_SQL_H
#define BL_SCHEMA_SQL_H

#include <stddef.h>

struct bl_migration {
	int version;	  /* NNNN from the file name; strictly increasing */
	const char *name; /* file name without .sql */
	const char *sql;  /* the whole file */
};

extern const struct bl_migration bl_migrations[];
extern const size_t bl_migrations_count;

#endif
