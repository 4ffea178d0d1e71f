#!/usr/bin/env bash
# gembench overhead benchmark (a benchmark, not a test). In ONE testbed
# boot, `gembench --overhead` alternates, in ABBA order, blocks of the
# `create` workload on vgem as gembench measures it (per-op clock,
# histogram, kernel counters enabled and polled) with blocks of the same
# ioctls (MODE_CREATE_DUMB + GEM_CLOSE) in a bare loop, and prints
#     ratio = median over block pairs of (gembench ops/s / bare ops/s)
# Short neighbouring blocks matter: under TCG on a shared host the guest's
# speed drifts by 2-3x within a second. Target: ratio >= 0.97.
#
# usage: bench/scripts/overhead.sh [--kernel 6.12] [--mode noforce]
#                                  [--ops N] [--pairs N] [--smp N] [--out DIR]
# One vCPU by default: with two, waking the idle vCPU (perf enable/disable
# IPIs around each block) steals the busy one's host CPU under TCG.
# Needs build/bouncelab and build-static/gembench (make all static) and jq.
set -euo pipefail
cd "$(dirname "$0")/../.."

kernel=6.12 mode=noforce ops=500 pairs=100 size=4K smp=1
out=var/overhead/$(date -u +%Y%m%dT%H%M%SZ)
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--ops) ops=$2; shift 2 ;;
	--pairs) pairs=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "overhead.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
command -v jq >/dev/null || { echo "overhead.sh: jq is needed" >&2; exit 2; }
mkdir -p "$out"
guest=$out/guest-run.sh
cat >"$guest" <<GUEST
# runs inside the guest; stdout goes to the result channel
/bin/gembench --overhead --workload create --backend dumb --device vgem --sizes $size \
	--iterations $ops --reps $pairs
GUEST
# The lab reports the boot as failed (the line is not a result document);
# what matters is the channel output.
build/bouncelab lab --kernels "$kernel" --modes "$mode" --guest-script "$guest" \
	--smp "$smp" --parallel 1 --out "$out" >"$out/lab.log" 2>&1 || true
chan=$(ls "$out"/*/channel.txt 2>/dev/null | head -n 1)
[ -n "$chan" ] || { echo "overhead.sh: no channel output; see $out/lab.log" >&2; exit 1; }
tr -d '\r' <"$chan" | grep '^{"overhead"' >"$out/overhead.json" ||
	{ echo "overhead.sh: no overhead line in $chan" >&2; exit 1; }
release=$(tr -d '\r' <"$chan" | grep -m1 -o 'init: [^ ]*' || true)
jq -r --arg k "$kernel" --arg m "$mode" --arg smp "$smp" '
	"kernel \($k) (\(.driver) on \(.node)), mode \($m), \($smp) vCPU: create \(.size) bytes, \(.pairs) block pairs of \(.ops_per_block) ops, counters \(.counters), timer \(.timer_cost_ns) ns/read",
	"gembench: mean \(.gembench_ops_per_sec_mean | floor) ops/s; bare loop: mean \(.bare_ops_per_sec_mean | floor) ops/s",
	"ratio of total times = \(.ratio_total_time)",
	"ratio gembench/bare (median of \(.pairs) pair ratios) = \(.ratio_median) (target >= 0.97)"' \
	"$out/overhead.json"
