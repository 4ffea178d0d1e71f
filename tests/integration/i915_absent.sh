#!/usr/bin/env bash
# On a machine without an Intel GPU, the i915 jobs are skipped, not failed:
# `gembench configs/jobs/i915.ini`, `gembench --backend i915` and
# `gembench --device i915` (every i915 workload) exit 77
# with a one-line reason naming i915, and every result document says
# "skipped" with that reason and no rows. On a machine with an i915 node
# this test has nothing to check and skips (the unit tests cover the backend
# through fake_i915 everywhere).
set -u
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
nice make -s "$build/gembench" >/dev/null || { echo "FAIL: cannot build $build/gembench"; exit 1; }
gb=$PWD/$build/gembench

for n in /dev/dri/card* /dev/dri/renderD*; do
	[ -e "$n" ] || continue
	drv=$(basename "$(readlink -f "/sys/class/drm/$(basename "$n")/device/driver" 2>/dev/null)")
	if [ "$drv" = i915 ]; then
		echo "this machine has an i915 node ($n): nothing to check here"
		exit 77
	fi
done

work=$(mktemp -d /tmp/bl-i915-absent-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

"$gb" --json "$work/docs.jsonl" configs/jobs/i915.ini >"$work/out" 2>"$work/err"; rc=$?
check "job file: exit 77 (got $rc)" test $rc -eq 77
check "job file: last stderr line is the reason, naming i915" \
	grep -q "nothing to run here: .*i915" <(tail -n 1 "$work/err")
jobs=$(grep -c '^\[' configs/jobs/i915.ini); jobs=$((jobs - 1)) # minus [global]
check "one document per job ($jobs)" test "$(wc -l <"$work/docs.jsonl")" -eq "$jobs"
check "every document is skipped, with a reason, without rows" jq -e -s \
	'all(.[]; .status == "skipped" and (.error | test("i915|udmabuf"))
	          and ((.results // []) | length) == 0)' "$work/docs.jsonl"

"$gb" --backend i915 --workload create >"$work/out" 2>"$work/err"; rc=$?
check "--backend i915: exit 77 (got $rc)" test $rc -eq 77
check "--backend i915: one-line reason" grep -q "nothing to run here: .*i915" <(tail -n 1 "$work/err")

# the issue's acceptance: `gembench --device i915` (no backend, no workload)
"$gb" --device i915 --json "$work/cli.jsonl" >"$work/out" 2>"$work/err"; rc=$?
check "--device i915: exit 77 (got $rc)" test $rc -eq 77
check "--device i915: exactly one line on stderr" test "$(wc -l <"$work/err")" -eq 1
check "--device i915: it is the reason, naming the device" \
	grep -q "nothing to run here: .*backend i915: open device 'i915'" "$work/err"
check "--device i915: a skipped i915 document per workload" jq -e -s \
	'length >= 10 and all(.[]; .status == "skipped" and .job.backend == "i915")' \
	"$work/cli.jsonl"

echo "$fails failed"
[ $fails -eq 0 ]
