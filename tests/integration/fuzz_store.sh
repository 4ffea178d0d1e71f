#!/usr/bin/env bash
# Runs the libFuzzer target over the store behind the parser
# (tests/fuzz/fuzz_store.c: every valid document is stored in an in-memory
# database and read back) for a bounded time, seeded from the fixture
# documents. Passes when the fuzzer finds no crash, leak, sanitizer report
# or valid document the store refuses.
# FUZZ_SECONDS (default 20) bounds the run. Skips (77) without clang.
set -u
cd "$(dirname "$0")/../.."

if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: clang is not installed (apt-get install clang)"
	exit 77
fi
nice make -s fuzz >/dev/null || { echo "FAIL: make fuzz failed"; exit 1; }
bin=build-fuzz/fuzz/fuzz_store
[ -x "$bin" ] || { echo "FAIL: $bin was not built"; exit 1; }

work=$(mktemp -d /tmp/bl-fuzz-store-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
# Seeds: every fixture document, and each line of the JSON Lines fixture on its own.
cp tests/fixtures/*.json "$work/corpus/"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '%s' "$line" > "$work/corpus/line-$i.json"
done < tests/fixtures/results.jsonl

"$bin" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=16384 -rss_limit_mb=2048 \
	-timeout=10 -dict=tests/fuzz/resultdoc.dict -artifact_prefix="$work/artifacts/" \
	-print_final_stats=1 "$work/corpus" 2>&1 | tail -n 25
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
	echo "FAIL: the fuzzer stopped with exit $rc; reproducer(s):"
	for a in "$work"/artifacts/*; do
		[ -f "$a" ] || continue
		keep=build-fuzz/$(basename "$a")
		cp "$a" "$keep" && echo "  $keep"
	done
	exit 1
fi
echo "PASS: fuzz_store ran ${FUZZ_SECONDS:-20} s without a finding"
