#!/usr/bin/env bash
# On a machine without an xe GPU, the xe jobs are skipped, not failed:
# `gembench configs/jobs/xe.ini`, `gembench --backend xe` and
# `gembench --device xe` (every xe workload) exit 77 with a one-line reason
# naming xe, and every result document says "skipped" with that reason and
# no rows. On a machine with an xe node this test has nothing to check and
# skips (the unit tests cover the backend through fake_xe everywhere).
set -u
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
nice make -s "$build/gembench" >/dev/null || { echo "FAIL: cannot build $build/gembench"; exit 1; }
gb=$PWD/$build/gembench

for n in /dev/dri/card* /dev/dri/renderD*; do
	[ -e "$n" ] || continue
	drv=$(basename "$(readlink -f "/sys/class/drm/$(basename "$n")/device/driver" 2>/dev/null)")
	if [ "$drv" = xe ]; then
		echo "this machine has an xe node ($n): nothing to check here"
		exit 77
	fi
done

work=$(mktemp -d /tmp/bl-xe-absent-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

"$gb" --json "$work/docs.jsonl" configs/jobs/xe.ini >"$work/out" 2>"$work/err"; rc=$?
check "job file: exit 77 (got $rc)" test $rc -eq 77
check "job file: last stderr line is the reason, naming xe" \
	grep -q "nothing to run here: .*xe" <(tail -n 1 "$work/err")
jobs=$(grep -c '^\[' configs/jobs/xe.ini); jobs=$((jobs - 1)) # minus [global]
check "one document per job ($jobs)" test "$(wc -l <"$work/docs.jsonl")" -eq "$jobs"
check "every document is skipped, with a reason, without rows" jq -e -s \
	'all(.[]; .status == "skipped" and (.error | test("xe|udmabuf"))
	          and ((.results // []) | length) == 0)' "$work/docs.jsonl"
check "the vram jobs name their placement" jq -e -s \
	'[.[] | select(.job.params.device == "xe:vram")] | length >= 1 and
	 all(.[]; .error | test("xe:vram"))' "$work/docs.jsonl"

"$gb" --backend xe --workload create >"$work/out" 2>"$work/err"; rc=$?
check "--backend xe: exit 77 (got $rc)" test $rc -eq 77
check "--backend xe: one-line reason" grep -q "nothing to run here: .*xe" <(tail -n 1 "$work/err")

# the issue's acceptance: `gembench --device xe` (no backend, no workload)
"$gb" --device xe --json "$work/cli.jsonl" >"$work/out" 2>"$work/err"; rc=$?
check "--device xe: exit 77 (got $rc)" test $rc -eq 77
check "--device xe: exactly one line on stderr" test "$(wc -l <"$work/err")" -eq 1
check "--device xe: it is the reason, naming what it looked for" \
	grep -q "nothing to run here: .*backend xe: open device 'xe': .*xe" "$work/err"
check "--device xe: a skipped xe document per workload" jq -e -s \
	'length >= 8 and all(.[]; .status == "skipped" and .job.backend == "xe")' \
	"$work/cli.jsonl"

echo "$fails failed"
[ $fails -eq 0 ]
