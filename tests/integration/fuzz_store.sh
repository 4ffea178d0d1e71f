#!/usr/bin/env bash
# Runs the libFuzzer target over the store behind the parser
# (tests/fuzz/fuzz_store.c: every valid document is stored in an in-memory
# database and read back) for a bounded time, seeded from the fixture
# documents. Passes when the fuzzer finds no crash, leak, sanitizer report
# or valid document the store refuses.
# FUZZ_SECONDS (default 20) bounds the run. Skips (77) without clang.
set -u
. "$(dirname "$0")/fuzz_common.bash"

fuzz_seed_documents "$fuzz_work/corpus"
fuzz_run fuzz_store "$fuzz_work/corpus" "${FUZZ_SECONDS:-20}" 16384 \
	-dict=tests/fuzz/resultdoc.dict || exit 1
echo "PASS: fuzz_store ran ${FUZZ_SECONDS:-20} s without a finding"
