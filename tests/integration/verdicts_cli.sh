#!/usr/bin/env bash
# Verdicts that do not depend on timing noise (issue 12), through the real
# CLI and store, from documents made out of a fixture:
#  - a row whose operations go from 0 failed to all failed is a regression:
#    compare --fail-on-regression exits 1 and names the row, and the row is
#    not compared on throughput (it says "all ops failed in new");
#  - a job whose run goes from ok to failed is a regression (job_failed);
#  - a run on the icount clock is never compared with one on the wall clock;
#  - with one boot a side and no noise floor, times are unknown, not verdicts.
set -u
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
bl=$PWD/$build/bouncelab
[ -x "$bl" ] || { echo "not built: $bl (make check builds it)"; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed (make deps)"; exit 77; }
src=$PWD/tests/fixtures/result-6.12-noforce-udmabuf-import.json
work=$(mktemp -d /tmp/bl-verdicts-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
doc() { # out, run-id suffix, started_at, jq filter
	jq --arg id "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a60$2" --arg t "$3" \
		".run_id = \$id | .started_at = \$t | .finished_at = \$t
		 | .kernel.boot_id = \"6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7$2\" | $4" "$src" >"$1"
}

# 1. failures: night 1 ok, night 2 the 1M row refused on every operation (EIO)
db=$work/fail.db
doc "$work/ok.json" 01 2026-11-21T02:00:00Z '.job.name = "nightly"'
doc "$work/eio.json" 02 2026-11-22T02:00:00Z '.job.name = "nightly"
	| .results |= map(if .size == 1048576 then .failures = {ops: .ops, errno: 5,
		error: "DRM_IOCTL_PRIME_FD_TO_HANDLE: Input/output error",
		kernel_log: ["platform vgem: swiotlb buffer is full (sz: 1048576 bytes)"]} else . end)'
"$bl" ingest --direct --quiet --db "$db" "$work/ok.json" "$work/eio.json" >/dev/null 2>&1
out=$("$bl" compare --db "$db" --base run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a6001 \
	--new run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a6002 --fail-on-regression 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "failed ops 0 -> all: --fail-on-regression exits 1" test $rc -eq 1
check "and names the row" grep -Eq '^regression: .*import 1M failed_share: 0 -> 1$' <<<"$out"
check "the row is a WORSE count" grep -Eq 'import +1M failed_share .*exact +WORSE \*' <<<"$out"
check "its throughput is not compared, it says why" \
	grep -Eq 'import +1M ops_per_sec .*all ops failed in new \(errno 5\)' <<<"$out"
check "text lists changed rows only, the summary first" \
	bash -c '! grep -Eq "import +4K ops_per_sec" <<<"$1" && grep -Eq "^[0-9]+ worse, [0-9]+ better, [0-9]+ same, [0-9]+ unknown of [0-9]+ rows" <<<"$1"' _ "$out"
out=$("$bl" compare --db "$db" --base run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a6001 \
	--new run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a6002 --all 2>&1)
check "one boot a side, no floor: the other times are unknown, not verdicts (--all)" \
	grep -Eq 'import +4K ops_per_sec .*uncalibrated +unknown' <<<"$out"
check "--all with --changes-only: refused" \
	bash -c '! "$1" compare --db "$2" --base kernel=6.12 --new kernel=6.12 --all --changes-only 2>/dev/null' _ "$bl" "$db"

# 2. a job that stops running: ok, then failed with no results
doc "$work/failed.json" 03 2026-11-23T02:00:00Z '.job.name = "nightly" | .status = "failed"
	| .error = "the guest died" | .results = []'
"$bl" ingest --direct --quiet --db "$db" "$work/failed.json" >/dev/null 2>&1
out=$("$bl" compare --db "$db" --base run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a6001 \
	--new run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a6003 --fail-on-regression 2>&1); rc=$?
check "job ok -> failed: --fail-on-regression exits 1" test $rc -eq 1
check "named as job_failed" grep -Eq '^regression: .*\(job\) 0 job_failed: 0 -> 1' <<<"$out"

# 3. clocks: the same document on icount and on the wall clock
db=$work/clock.db
doc "$work/wall.json" 11 2026-11-21T02:00:00Z '.testbed.clock = "wall" | .testbed.boot_index = 0'
doc "$work/icount.json" 12 2026-11-22T02:00:00Z '.testbed.clock = "icount" | .testbed.icount_shift = 0
	| .testbed.boot_index = 1'
"$bl" ingest --direct --quiet --db "$db" "$work/wall.json" "$work/icount.json" >/dev/null 2>&1
out=$("$bl" compare --db "$db" --base run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a6011 \
	--new run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a6012 2>&1); rc=$?
check "wall against icount: refused (exit 3)" test $rc -eq 3
check "saying why" grep -q 'refusing to compare runs on the wall clock with runs on the icount clock' <<<"$out"
out=$("$bl" compare --db "$db" --base kernel=6.12 --new clock=icount 2>&1); rc=$?
check "a side on both clocks: refused" grep -q 'runs on both guest clocks' <<<"$out"
out=$("$bl" compare --db "$db" --base clock=icount --new clock=icount 2>&1); rc=$?
check "one clock a side: compared (exit $rc)" test $rc -eq 0
out=$("$bl" runs --db "$db" clock=icount 2>&1)
check "clock= selects runs" test "$(grep -c 3f6c1a52 <<<"$out")" -eq 1
out=$("$bl" runs --db "$db" boot=1 2>&1)
check "boot= selects the boot of lab --boots" grep -q '3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a6012' <<<"$out"
check "and only it" test "$(grep -c 3f6c1a52 <<<"$out")" -eq 1
out=$("$bl" runs --db "$db" boot=-1 2>&1); rc=$?
check "boot=-1 refused, naming the value" test $rc -eq 2 -a -n "$(grep -F "'-1'" <<<"$out")"

[ $fails -eq 0 ] && echo "verdicts_cli: all passed" || echo "verdicts_cli: $fails failed"
[ $fails -eq 0 ]
