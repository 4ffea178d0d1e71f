/*
 * A test helper, not a test double: a real store in a scratch folder with
 * every fixture document of tests/fixtures/ in it, for the unit tests of the
 * code that reads stores (test_dataset, test_store_summary). Set-up and
 * tear-down have cmocka's group/test fixture shape; failures are cmocka
 * failures.
 */
#ifndef BL_FIXTURE_STORE_H
#define BL_FIXTURE_STORE_H

#include <stddef.h>

#include "resultdoc.h"
#include "store.h"

/* The fixture documents every store gets, in this order. */
extern const char *const fx_fixture_files[];
extern const size_t fx_n_fixtures;

struct fx_store {
	char dir[64];	   /* the scratch folder, removed by teardown */
	char db[128];	   /* the database in it */
	struct bl_store *s; /* open for writing */
};

/* tests/fixtures/@name with its run_id and started_at replaced when not NULL; validated. */
struct bl_resultdoc *fx_fixture(const char *name, const char *uuid, const char *started);
/* Stores @d (which must be new) and frees it. */
void fx_put(struct bl_store *s, struct bl_resultdoc *d);
/* *state = a struct fx_store with every fixture stored. */
int fx_store_setup(void **state);
int fx_store_teardown(void **state);

#endif
