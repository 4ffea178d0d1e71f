/*
 * libFuzzer target over the `perf script` parser (bl_profile_parse_script):
 * perf's text is an external program's output, so any bytes must give 0 or
 * -EINVAL/-ENOMEM with a terminated message, never a crash, leak or
 * sanitizer report. An accepted profile must be consistent (its leaf counts
 * add up to its samples, shares to 1) and survive the JSON form and a diff
 * against itself (no symbol moves).
 *
 * Built by `make fuzz`; run by tests/integration/fuzz_parsers.sh, seeded
 * with tests/fixtures/perf-script-dd.txt.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bl_profile p;
	struct bl_profile_change ch[4];
	char err[512];
	uint64_t leaves = 0;
	double shares = 0;
	json_t *j;
	int ret, n;

	memset(err, 'x', sizeof(err));
	ret = bl_profile_parse_script((const char *)data, size, &p, err, sizeof(err));
	if (ret) {
		if ((ret != -EINVAL && ret != -ENOMEM) || !memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	for (size_t i = 0; i < p.n_kernel; i++) {
		leaves += p.kernel[i].samples;
		shares += p.kernel[i].share;
	}
	for (size_t i = 0; i < p.n_user; i++) {
		leaves += p.user[i].samples;
		shares += p.user[i].share;
	}
	if (!p.samples || leaves != p.samples || fabs(shares - 1.0) > 1e-9)
		abort();
	j = bl_profile_to_json(&p, 4, 4);
	if (j) {
		n = bl_profile_diff(j, j, ch, 4);
		for (int i = 0; i < n; i++)
			if (ch[i].base_share != ch[i].new_share)
				abort();
		json_decref(j);
	}
	bl_profile_free(&p);
	return 0;
}
