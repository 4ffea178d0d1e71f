# Shared by the fuzz_*.sh tests: skip without clang, build the libFuzzer
# targets (make fuzz), and fuzz_run, which runs one target for a bounded time
# and keeps any reproducer in build-fuzz/. Sourced, not run.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: clang is not installed (apt-get install clang)"
	exit 77
fi
nice make -s fuzz >/dev/null || { echo "FAIL: make fuzz failed"; exit 1; }

fuzz_work=$(mktemp -d /tmp/bl-fuzz-XXXXXX)
trap 'rm -rf "$fuzz_work"' EXIT
fuzz_failed=0

# fuzz_run TARGET CORPUS SECONDS MAX_LEN [libFuzzer options...]: 0 when the
# fuzzer found nothing; else 1 (and fuzz_failed=1) with the reproducers named.
fuzz_run() {
	local target=$1 corpus=$2 seconds=$3 max_len=$4 rc a keep
	local bin=build-fuzz/fuzz/$target arts=$fuzz_work/$target-artifacts
	shift 4
	[ -x "$bin" ] || { echo "FAIL: $bin was not built"; fuzz_failed=1; return 1; }
	mkdir -p "$arts"
	"$bin" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$arts/" -print_final_stats=1 "$@" "$corpus" 2>&1 | tail -n 25
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] && return 0
	echo "FAIL: $target stopped with exit $rc; reproducer(s):"
	for a in "$arts"/*; do
		[ -f "$a" ] || continue
		keep=build-fuzz/$target-$(basename "$a")
		cp "$a" "$keep" && echo "  $keep"
	done
	fuzz_failed=1
	return 1
}

# fuzz_seed_documents DIR: every fixture document, and each line of the JSON
# Lines fixture on its own.
fuzz_seed_documents() {
	local i=0 line
	mkdir -p "$1"
	cp tests/fixtures/*.json "$1/"
	while IFS= read -r line; do
		i=$((i + 1))
		printf '%s' "$line" > "$1/line-$i.json"
	done < tests/fixtures/results.jsonl
}
