/*
 * libFuzzer target over the ingest path past the validator: every input
 * the validator accepts is stored (bl_store_put_run) in an in-memory
 * database and read back (bl_store_query_results, bl_store_get_document).
 * Finds crashes or store errors on documents that are valid but odd (huge
 * numbers, odd strings, extra counters, reasons without counters). A
 * store error on a valid document aborts: valid input must be storable.
 *
 * Built by `make fuzz`; run for a bounded time by tests/integration/fuzz_store.sh.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bl_store *store;

static int count_rows(const struct bl_run_row *run, const struct bl_result_view *res, void *user)
{
	size_t *n = user;

	if (!run->run_id || !res->workload || !res->variant)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bl_resultdoc *d = NULL;
	enum bl_put_outcome o;
	char err[512], *text = NULL;
	size_t rows = 0;

	if (!store && bl_store_open(":memory:", NULL, &store, err, sizeof(err))) {
		fprintf(stderr, "fuzz_store: %s\n", err);
		abort();
	}
	if (bl_resultdoc_parse((const char *)data, size, &d, err, sizeof(err)))
		return 0;
	if (bl_store_put_run(store, d, &o)) {
		fprintf(stderr, "fuzz_store: valid document not stored: %s\n", bl_store_errmsg(store));
		abort();
	}
	if (o == BL_PUT_INSERTED) {
		struct bl_run_filter f = { .run_id = d->run_id };

		if (bl_store_query_results(store, &f, count_rows, &rows) || rows != d->n_results)
			abort();
		if (bl_store_get_document(store, d->run_id, &text) || !text)
			abort();
		free(text);
	}
	bl_resultdoc_free(d);
	return 0;
}
