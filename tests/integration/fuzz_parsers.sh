#!/usr/bin/env bash
# Runs the libFuzzer targets over the analysis parsers for a bounded time:
# selectors (tests/fuzz/fuzz_selector.c, seeded with valid and invalid
# selectors) and `perf script` text (tests/fuzz/fuzz_profile.c, seeded with
# the captured fixture). Passes when neither finds a crash, leak or
# sanitizer report. FUZZ_SECONDS (default 15) bounds each. Skips (77)
# without clang.
set -u
. "$(dirname "$0")/fuzz_common.bash"
work=$fuzz_work

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

fuzz_run fuzz_selector "$work/sel" "${FUZZ_SECONDS:-15}" 8192
fuzz_run fuzz_profile "$work/prof" "${FUZZ_SECONDS:-15}" 8192
[ $fuzz_failed -eq 0 ] && echo "fuzz_selector and fuzz_profile: no crash, leak or sanitizer report"
exit $fuzz_failed
