#!/usr/bin/env bash
# A/A verdicts: how often compare calls two identical configurations
# different (a benchmark of the statistics, not a test; make check does not
# run it). Boots Debian 6.12 in noforce with the standard job, or takes the
# folders of earlier runs, and prints the share of rows flagged:
#
#   icount, one boot a side: boots 0 and 1 calibrate the noise floor, boot 2
#     is compared with boot 3 (throughput rows and count rows);
#   wall clock, three boots a side: boots 0, 2, 4 against 1, 3, 5 (Welch's t
#     on boot means), without a floor.
#
#   bench/scripts/aa_verdicts.sh [--icount DIR] [--wall DIR]
#
# DIR: a `bouncelab lab --boots 4 --clock icount` (resp. `--boots 6 --clock
# wall`) output folder; without it the script boots one (about 5 and 4
# minutes here). Everything goes to a scratch database.
set -u
cd "$(dirname "$0")/../.."
bl=${BOUNCELAB_BUILD:-build}/bouncelab
icount="" wall=""
while [ $# -gt 0 ]; do
	case "$1" in
	--icount) icount=$2; shift 2 ;;
	--wall) wall=$2; shift 2 ;;
	-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "aa_verdicts: unknown option '$1'" >&2; exit 2 ;;
	esac
done
command -v jq >/dev/null || { echo "aa_verdicts: needs jq" >&2; exit 2; }
work=$(mktemp -d /tmp/bl-aa-XXXXXX)
trap 'rm -rf "$work"' EXIT
job=configs/jobs/standard.ini
[ -n "$icount" ] || { icount=var/aa-icount; "$bl" lab --kernels 6.12 --modes noforce --boots 4 --clock icount --job $job --out $icount >&2 || exit 1; }
[ -n "$wall" ] || { wall=var/aa-wall; "$bl" lab --kernels 6.12 --modes noforce --boots 6 --clock wall --job $job --out $wall >&2 || exit 1; }

# share of rows of a compare --format json output (stdin) with a verdict, by kind
flagged() { # label
	jq -r --arg l "$1" '[.rows[] | select(.base_n > 0 and .new_n > 0)] as $r
		| ($r | map(select(.count | not))) as $t | ($r | map(select(.count))) as $c
		| "\($l): throughput/latency rows flagged \($t | map(select(.verdict == "WORSE" or .verdict == "better")) | length) of \($t | length) (\(if ($t | length) > 0 then (100 * ($t | map(select(.verdict == "WORSE" or .verdict == "better")) | length) / ($t | length) * 10 | round / 10) else 0 end) %), unknown \($t | map(select(.verdict == "unknown")) | length); count rows flagged \($c | map(select(.verdict == "WORSE" or .verdict == "better")) | length) of \($c | length)"'
}

# --- icount, one boot a side, calibrated on two other boots
db=$work/icount.db
mkdir -p "$work/cal"
for b in 0 1; do ln -s "$PWD/$(ls -d "$icount"/*-boot$b | head -n 1)" "$work/cal/b$b"; done
"$bl" calibrate --db "$db" --from "$work/cal" | sed 's/^/  /'
"$bl" ingest --direct --quiet --db "$db" "$icount"/*-boot2/*.json "$icount"/*-boot3/*.json >/dev/null
"$bl" compare --db "$db" --base clock=icount,boot=2 --new clock=icount,boot=3 --format json \
	--metric ops_per_sec,latency_p50_ns,bounces_per_op,sync_mib_per_op,failed_share,job_failed,slots_after \
	| flagged "icount A/A, boot 2 vs boot 3 (floor from boots 0, 1)"

# --- wall clock, three boots a side (even boots against odd boots), no floor
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
	| flagged "wall A/A, boots 0,2,4 vs 1,3,5 (Welch on boot means)"
