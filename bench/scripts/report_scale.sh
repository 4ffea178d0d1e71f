#!/usr/bin/env bash
# Benchmark (not a test; make check does not run it): how `bouncelab report`
# and `bouncelab compare` scale with the store. Generates synthetic stores
# shaped like the testbed's nightly matrix (tests/tools/report_store_gen.c:
# 2 kernels x 5 DMA modes x 18 jobs of configs/jobs/standard.ini per night,
# 13 sizes per document with counters and per_rep, one night per 180
# documents) of 6,000 and 66,000 documents under var/ (kept between runs;
# --regen makes them again), then times, on each:
#
#   report          the default report (the newest night, trends over the
#                   history) without figures: --no-plots
#   report+data     the same with every figure's data file written (gnuplot
#                   hidden from PATH: rendering is gnuplot's time, one
#                   process per figure, not the report's)
#   compare         --base kernel=6.1,mode=force --new kernel=6.12,mode=force
#                   (every night of both sides: the largest realistic pair)
#
# and prints wall time and peak RSS (/usr/bin/time -v), each against the
# issue's targets: <= 1 s for 6,000 documents, <= 5 s for 66,000, <= 256 MB.
# Each command runs --rounds times (default 3); the median wall time, its
# CPU time (user + system: steadier than wall time when other work shares
# the cores) and the largest peak are reported.
#
#   bench/scripts/report_scale.sh [--sizes "6000 66000"] [--rounds N] [--build DIR] [--regen]
set -u
cd "$(dirname "$0")/../.."
BUILD=${BOUNCELAB_BUILD:-build}
SIZES="6000 66000"
ROUNDS=3
REGEN=0
while [ $# -gt 0 ]; do
	case "$1" in
	--sizes) SIZES=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	--regen) REGEN=1; shift ;;
	*) echo "usage: $0 [--sizes \"6000 66000\"] [--rounds N] [--build DIR] [--regen]" >&2; exit 2 ;;
	esac
done
bl=$BUILD/bouncelab
gen=$BUILD/tools/report_store_gen
for p in "$bl" "$gen"; do
	[ -x "$p" ] || { echo "not built: $p (make $BUILD/bouncelab $gen)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p var
MEM_MB=256

# target_s for a store of $1 documents
target_for() { [ "$1" -le 6000 ] && echo 1 || echo 5; }

# measure LABEL DOCS CMD...: median wall time and largest peak RSS over ROUNDS runs
measure() {
	local label=$1 docs=$2; shift 2
	local walls=() peak=0 target status cpus=()
	for _ in $(seq "$ROUNDS"); do
		if ! /usr/bin/time -v -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err"; then
			echo "$label: failed:"; tail -n 3 "$tmp/err"; return 1
		fi
		walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":");
			s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$tmp/time")")
		cpus+=("$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$tmp/time")")
		kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time")
		[ "$kb" -gt "$peak" ] && peak=$kb
	done
	wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	target=$(target_for "$docs")
	status=$(awk -v w="$wall" -v t="$target" -v m="$peak" -v mm=$MEM_MB \
		'BEGIN { print (w <= t && m / 1024 <= mm) ? "target met" : "target NOT met" }')
	printf '%6d docs  %-12s wall %6.2f s (cpu %5.2f s)  peak %6.1f MB  (target <= %d s, <= %d MB): %s\n' \
		"$docs" "$label" "$wall" "$cpu" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')" \
		"$target" $MEM_MB "$status"
}

for n in $SIZES; do
	db=var/report-scale-$n.db
	if [ $REGEN = 1 ] || [ ! -s "$db" ]; then
		rm -f "$db" "$db-wal" "$db-shm"
		echo "generating $db ($n documents) ..."
		"$gen" --db "$db" -n "$n" || exit 1
	fi
	rows=$(sqlite3 "$db" 'SELECT count(*) FROM results' 2>/dev/null || echo '?')
	echo "== $db: $n documents, $rows result rows"
	measure report "$n" "$bl" report --db "$db" --out "$tmp/r/RESULTS.md" --no-plots
	measure report+data "$n" env PATH=/nonexistent "$bl" report --db "$db" \
		--out "$tmp/rd/RESULTS.md" --plots "$tmp/rd/plots"
	measure compare "$n" "$bl" compare --all --db "$db" --base kernel=6.1,mode=force \
		--new kernel=6.12,mode=force
	echo "        ($(ls "$tmp/rd/plots" | wc -l) figure data files; $(grep -c '' "$tmp/out") lines of compare output)"
done
