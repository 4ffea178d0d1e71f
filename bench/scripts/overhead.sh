#!/usr/bin/env bash
# gembench overhead benchmark (a benchmark, not a test): in ONE testbed boot,
# runs the `create` workload on vgem (MODE_CREATE_DUMB + GEM_CLOSE per op,
# with gembench's per-op timing, histogram and kernel counters live) and
# the same ioctls in a bare loop (gembench --bare-loop: no per-op clock, no
# counters), alternating in short rounds (TCG speed drifts with the host's
# load, so each round compares neighbours in time), and prints
#     ratio = median over rounds of (median gembench ops/s / median bare ops/s)
# plus the ratio of the overall medians. Target: >= 0.97.
#
# usage: bench/scripts/overhead.sh [--kernel 6.12] [--mode noforce]
#                                  [--iterations N] [--rounds N] [--out DIR]
# Needs build/bouncelab and build-static/gembench (make all static) and jq.
set -euo pipefail
cd "$(dirname "$0")/../.."

kernel=6.12 mode=noforce iterations=5000 reps=3 rounds=12 size=4K
out=var/overhead/$(date -u +%Y%m%dT%H%M%SZ)
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--iterations) iterations=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "overhead.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
command -v jq >/dev/null || { echo "overhead.sh: jq is needed" >&2; exit 2; }
mkdir -p "$out"
guest=$out/guest-run.sh
cat >"$guest" <<GUEST
# runs inside the guest; stdout goes to the result channel
round=0
while [ \$round -lt $rounds ]; do
	round=\$((round + 1))
	/bin/gembench --workload create --backend dumb --device vgem --sizes $size \
		--iterations $iterations --reps $reps --warmup 200 --json - 2>/dev/null
	/bin/gembench --bare-loop --workload create --device vgem --sizes $size --iterations $iterations --reps $reps
done
GUEST
# The lab marks the boot failed (the bare loop's lines are not result
# documents); what matters is the channel output.
build/bouncelab lab --kernels "$kernel" --modes "$mode" --guest-script "$guest" \
	--out "$out" >"$out/lab.log" 2>&1 || true
chan=$(ls "$out"/*/channel.txt 2>/dev/null | head -n 1)
[ -n "$chan" ] || { echo "overhead.sh: no channel output; see $out/lab.log" >&2; exit 1; }
tr -d '\r' <"$chan" | grep '^{' >"$out/lines.jsonl"
median() { jq -s 'sort | .[(length / 2 | floor)]'; }
gb=$(jq -c 'select(.tool.name == "gembench") | .results[0].ops_per_sec.values[]' "$out/lines.jsonl" | median)
bare=$(jq -c 'select(.bare_loop) | .ops_per_sec[]' "$out/lines.jsonl" | median)
ngb=$(jq -c 'select(.tool.name == "gembench") | .results[0].ops_per_sec.values[]' "$out/lines.jsonl" | wc -l)
nbare=$(jq -c 'select(.bare_loop) | .ops_per_sec[]' "$out/lines.jsonl" | wc -l)
timer=$(jq -s '[.[] | select(.tool.name == "gembench") | .timer.cost_ns] | first' "$out/lines.jsonl")
kernel_rel=$(jq -rs '[.[] | select(.tool.name == "gembench") | .kernel.release] | first' "$out/lines.jsonl")
[ "$gb" != null ] && [ "$bare" != null ] || { echo "overhead.sh: missing figures in $out/lines.jsonl" >&2; exit 1; }
# per round: median of gembench's reps / median of the bare loop's reps
rounds_ratio=$(jq -s '
	def med: sort | .[(length / 2 | floor)];
	[ .[] | if .bare_loop then {b: (.ops_per_sec | med)}
		else {g: (.results[0].ops_per_sec.values | med)} end ] as $l
	| [ range(0; ($l | length) - 1; 2) | select($l[.].g and $l[. + 1].b)
	    | $l[.].g / $l[. + 1].b ] | med' "$out/lines.jsonl")
echo "kernel $kernel_rel, mode $mode, create $size on vgem, $iterations ops x $reps reps x $rounds rounds"
echo "gembench: median $gb ops/s over $ngb reps (timer cost $timer ns per read)"
echo "bare loop: median $bare ops/s over $nbare reps"
awk -v a="$gb" -v b="$bare" 'BEGIN { printf "ratio of overall medians = %.4f\n", a / b }'
awk -v r="$rounds_ratio" 'BEGIN { printf "ratio gembench/bare (median of per-round ratios) = %.4f (target >= 0.97)\n", r }'
