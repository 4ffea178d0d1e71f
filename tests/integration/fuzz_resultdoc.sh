#!/usr/bin/env bash
# Runs the libFuzzer target over the result document parser
# (tests/fuzz/fuzz_resultdoc.c) for a bounded time, seeded from the fixture
# documents. Passes when the fuzzer finds no crash, leak or sanitizer report.
# FUZZ_SECONDS (default 30) bounds the run. Skips (77) without clang.
set -u
. "$(dirname "$0")/fuzz_common.bash"

fuzz_seed_documents "$fuzz_work/corpus"
fuzz_run fuzz_resultdoc "$fuzz_work/corpus" "${FUZZ_SECONDS:-30}" 16384 \
	-dict=tests/fuzz/resultdoc.dict || exit 1
echo "PASS: fuzz_resultdoc ran ${FUZZ_SECONDS:-30} s without a finding"
