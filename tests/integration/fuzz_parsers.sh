#!/usr/bin/env bash
# Runs the libFuzzer targets over the analysis parsers for a bounded time:
# selectors (tests/fuzz/fuzz_selector.c, seeded with valid and invalid
# selectors) and `perf script` text (tests/fuzz/fuzz_profile.c, seeded with
# the captured fixture). Passes when neither finds a crash, leak or
# sanitizer report. FUZZ_SECONDS (default 15) bounds each. Skips (77)
# without clang.
set -u
cd "$(dirname "$0")/../.."

if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: clang is not installed (apt-get install clang)"
	exit 77
fi
nice make -s fuzz >/dev/null || { echo "FAIL: make fuzz failed"; exit 1; }

work=$(mktemp -d /tmp/bl-fuzz-parsers-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
run() { # target, corpus folder
	local bin=build-fuzz/fuzz/$1 rc
	[ -x "$bin" ] || { echo "FAIL: $bin was not built"; fail=1; return; }
	mkdir -p "$work/$1-artifacts"
	"$bin" -max_total_time="${FUZZ_SECONDS:-15}" -max_len=8192 -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$work/$1-artifacts/" -print_final_stats=1 "$2" 2>&1 | tail -n 8
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: $1 stopped with exit $rc; reproducer(s):"
		for a in "$work/$1-artifacts"/*; do
			[ -f "$a" ] || continue
			cp "$a" "build-fuzz/$1-$(basename "$a")" && echo "  build-fuzz/$1-$(basename "$a")"
		done
		fail=1
	fi
}

mkdir -p "$work/sel" "$work/prof"
i=0
for s in "" "kernel=6.1,mode=force,device=vgem,job=standard,since=2026-11-01" \
	"mode=iommu-pt,last=3" "kernel=6.12,until=2026-11-26T06:21:32Z" "kernal=6.1" "mode=forc" \
	"run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01" "since=2026-11-02,until=2026-11-01" "a,b,c"; do
	i=$((i + 1))
	printf '%s' "$s" >"$work/sel/seed-$i"
done
cp tests/fixtures/perf-script-dd.txt "$work/prof/"
printf 'x 1 [000] 1.0: 1 cycles:\n\tffffffffc0001000 vgem_map+0x1 ([vgem])\n\n' >"$work/prof/small"

run fuzz_selector "$work/sel"
run fuzz_profile "$work/prof"
[ $fail -eq 0 ] && echo "fuzz_selector and fuzz_profile: no crash, leak or sanitizer report"
exit $fail
