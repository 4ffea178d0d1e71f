#!/usr/bin/env bash
# A/A verdicts: how often compare calls two identical configurations
# different (a benchmark of the statistics, not a test; make check does not
# run it). Boots Debian 6.12 in noforce with the standard job, or takes the
# folders of earlier runs, and prints the share of rows flagged:
#
#   icount, one boot a side: the --cal boots (default 0,1) calibrate the
#     noise floor, then the --pair boots (default 2,3) are compared, one
#     boot a side (throughput rows and count rows);
#   wall clock, three boots a side: boots 0, 2, 4 against 1, 3, 5 (Welch's t
#     on boot means), without a floor.
#
#   bench/scripts/aa_verdicts.sh [--icount DIR] [--wall DIR] [--cal LIST] [--pair A,B]
#
# DIR: a `bouncelab lab --boots 6 --clock icount` (resp. `--clock wall`)
# output folder; given one, only that clock is judged; given neither, the
# script boots both (about 9 and 4 minutes here). Everything goes to a
# scratch database.
set -u
cd "$(dirname "$0")/../.."
bl=${BOUNCELAB_BUILD:-build}/bouncelab
icount="" wall="" cal=0,1 pair=2,3
while [ $# -gt 0 ]; do
	case "$1" in
	--icount) icount=$2; shift 2 ;;
	--wall) wall=$2; shift 2 ;;
	--cal) cal=$2; shift 2 ;;
	--pair) pair=$2; shift 2 ;;
	-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "aa_verdicts: unknown option '$1'" >&2; exit 2 ;;
	esac
done
command -v jq >/dev/null || { echo "aa_verdicts: needs jq" >&2; exit 2; }
work=$(mktemp -d /tmp/bl-aa-XXXXXX)
trap 'rm -rf "$work"' EXIT
job=configs/jobs/standard.ini
# with neither folder given, boot both; with one, judge only that one
if [ -z "$icount" ] && [ -z "$wall" ]; then
	icount=var/aa-icount wall=var/aa-wall
	"$bl" lab --kernels 6.12 --modes noforce --boots 6 --clock icount --job $job --out $icount >&2 || exit 1
	"$bl" lab --kernels 6.12 --modes noforce --boots 6 --clock wall --job $job --out $wall >&2 || exit 1
fi

# share of rows of a compare --format json output (stdin) with a verdict, by kind
flagged() { # label
	jq -r --arg l "$1" '
		def share($rows): ($rows | map(select(.verdict == "WORSE" or .verdict == "better")) | length) as $f
			| "\($f) of \($rows | length) (\(if ($rows | length) > 0 then (1000 * $f / ($rows | length) | round / 10) else 0 end) %), unknown \($rows | map(select(.verdict == "unknown")) | length)";
		[.rows[] | select(.base_n > 0 and .new_n > 0)] as $r
		| "\($l): throughput rows flagged \(share($r | map(select(.metric == "ops_per_sec")))); latency p50 rows flagged \(share($r | map(select(.metric == "latency_p50_ns")))); count rows flagged \(share($r | map(select(.count))))"'
}

# --- icount, one boot a side, calibrated on two other boots
if [ -n "$icount" ]; then
db=$work/icount.db
mkdir -p "$work/cal"
for b in ${cal//,/ }; do ln -s "$(realpath "$(ls -d "$icount"/*-boot$b | head -n 1)")" "$work/cal/b$b"; done
"$bl" calibrate --db "$db" --from "$work/cal" | sed 's/^/  /'
a=${pair%,*} b=${pair#*,}
"$bl" ingest --direct --quiet --db "$db" "$icount"/*-boot$a/*.json "$icount"/*-boot$b/*.json >/dev/null
"$bl" compare --db "$db" --base clock=icount,boot=$a --new clock=icount,boot=$b --format json \
	--metric ops_per_sec,latency_p50_ns,bounces_per_op,sync_mib_per_op,failed_share,job_failed,slots_after \
	| flagged "icount A/A, boot $a vs boot $b (floor from boots $cal)"
fi

# --- wall clock, three boots a side (even boots against odd boots), no floor
[ -n "$wall" ] || exit 0
db=$work/wall.db
for d in "$wall"/*-boot*; do
	k=${d##*-boot}
	for f in "$d"/*.json; do
		jq -c --argjson side $((k % 2)) '.testbed.boot_index = $side' "$f"
	done
done >"$work/wall.jsonl"
"$bl" ingest --direct --quiet --db "$db" "$work/wall.jsonl" >/dev/null
"$bl" compare --db "$db" --base clock=wall,boot=0 --new clock=wall,boot=1 --format json \
	--metric ops_per_sec,latency_p50_ns,bounces_per_op,sync_mib_per_op,failed_share,job_failed,slots_after \
	| flagged "wall A/A, boots 0,2,4 vs 1,3,5 (Welch on boot values)"
