/*
 * libFuzzer target over the result document parser and validator
 * (bl_resultdoc_parse), the code every HTTP body and ingested file goes
 * through. Any input must give 0 or -errno with a NUL-terminated message,
 * never a crash, leak or sanitizer report. Accepted documents are walked
 * once so that every pointer the view hands out is touched.
 *
 * Built by `make fuzz` (clang, -fsanitize=fuzzer,address,undefined);
 * run for a bounded time by tests/integration/fuzz_resultdoc.sh.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resultdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bl_resultdoc *d = NULL;
	char err[512];
	volatile size_t sink = 0;
	int ret;

	memset(err, 'x', sizeof(err));
	ret = bl_resultdoc_parse((const char *)data, size, &d, err, sizeof(err));
	if (ret) {
		if (ret > 0 || d || !memchr(err, '\0', sizeof(err)))
			abort(); /* a failure must be -errno, no doc, a terminated message */
		return 0;
	}
	if (!d || !d->run_id || strlen(d->run_id) != 36 || !d->tool_name || !d->job_name)
		abort();
	for (size_t i = 0; i < d->n_results; i++) {
		const struct bl_result_row *r = &d->results[i];

		sink += strlen(r->workload) + strlen(r->variant);
		for (size_t k = 0; k < r->ops_per_sec.n_values; k++)
			sink += r->ops_per_sec.values[k] > 0;
		for (size_t k = 0; k < r->bytes_per_sec.n_values; k++)
			sink += r->bytes_per_sec.values[k] > 0;
		if (r->bounce_rate.set && !(r->bounce_rate.v >= 0 && r->bounce_rate.v <= 1))
			abort();
		if (r->failed_error)
			sink += strlen(r->failed_error);
	}
	(void)sink;
	bl_resultdoc_free(d);
	return 0;
}
