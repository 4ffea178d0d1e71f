#!/usr/bin/env bash
# The figures of issue 16 and issue 15's pool figure, from a store of the
# fixture documents plus three copies of the dma-heap import (whose 1 MiB
# size fails with EIO under swiotlb=force) booted with pools of 2048, 8192
# and 32768 slots, and a copy of the noforce udmabuf import as mode iommu
# (the same values: it must be merged, not drawn twice). Checks, on the
# data files and the SVGs `bouncelab plot` writes, and on the report:
#   - no size figure has more than 8 series (one per DMA mode);
#   - modes with identical values are one series named "iommu = noforce",
#     and the subtitle says so;
#   - the failed size is a marker row (failed_errno 5, no value) with the
#     key entry "all ops failed (errno 5)", never a value;
#   - the heatmap exists per kernel, its failed cell is refused (state 1,
#     no value), and its SVG is drawn;
#   - the slots chart carries the pool from the documents (32768) and its
#     line's key entry; each bar's buffer size is in its data;
#   - latency percentiles are told apart in the key (p50 ... p99.9);
#   - the compare chart is per job and size with a verdict class;
#   - the pool figure (failed ops and peak slots per pool size) exists and
#     `bouncelab report` shows it in its "Pool sizing" section, and the
#     heatmaps under its headline.
# Skips (77) without gnuplot or jq.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-${BOUNCELAB_BUILD:-build}}
bl=$BUILD/bouncelab
[ -x "$bl" ] || { echo "not built: $bl"; exit 1; }
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot is not installed (make deps)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed (make deps)"; exit 77; }
T=$(mktemp -d /tmp/plots_figures.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

heap=tests/fixtures/result-6.12-force-heap-import-eio.json
i=0
for slabs in 2048 8192 32768; do
	i=$((i + 1))
	jq --arg id "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9b000$i" --argjson s "$slabs" \
		'.run_id = $id | .dma.swiotlb_slabs = $s' "$heap" >"$T/pool$i.json" || exit 1
done
jq '.run_id = "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9b0101" | .dma.swiotlb = "default" | .dma.iommu = "on"' \
	tests/fixtures/result-6.12-noforce-udmabuf-import.json >"$T/iommu.json" || exit 1
"$bl" ingest --direct --quiet --db "$T/db" tests/fixtures/results.jsonl tests/fixtures/result-*.json \
	"$T"/pool*.json "$T/iommu.json" >"$T/ingest.log" 2>&1 || { echo "FAIL ingest"; cat "$T/ingest.log"; exit 1; }
"$bl" plot --db "$T/db" --out "$T/out" --format svg >"$T/plot.log" 2>&1
check "plot renders every figure" grep -q ' 0 failed' "$T/plot.log"
out=$T/out

# at most 8 series per size figure, and some figure has several (not one per file)
max=0
for d in "$out"/bounces-*.dat "$out"/throughput-*.dat "$out"/latency-*.dat; do
	n=$(grep -c '^"' "$d")
	[ "$n" -gt "$max" ] && max=$n
done
check "size figures: at most 8 series each (most: $max)" test "$max" -ge 1 -a "$max" -le 8
# a series is DMA modes only: the devices are the figure's (its file and title), so
# that a figure can never hold modes x device pairs (40 series on a full matrix)
check "size figures: series named by modes, not devices" bash -c \
	"! grep -h '^\"' '$out'/bounces-*.dat '$out'/throughput-*.dat '$out'/latency-*.dat | grep -q '[+ ]vgem\|virtio_gpu'"

# identical modes merged into one series, named, and said
b=$out/bounces-import-6.12.57-vgem_udmabuf
check "bounces: iommu and noforce (identical) are one series" grep -qx '"iommu = noforce" ? ? ? ?' "$b.dat"
check "bounces: force stays its own series" grep -qx '"force" ? ? ? ?' "$b.dat"
check "bounces: the merged series' key entry is drawn" grep -q 'iommu = noforce' "$b.svg"
check "bounces: the subtitle says identical modes share a series" grep -q 'modes identical at every size share one series' "$b.svg"

# the failed size: a marker row, never a value, with its key entry
h=$out/bounces-import-6.12.57-vgem_dma-heap
check "failed size: a marker row (values '?', errno 5)" grep -qx '1048576 ? ? [0-9]* 5' "$h.dat"
check "failed size: no value row at 1M" bash -c "! grep -q '^1048576 [0-9]' '$h.dat'"
check "failed size: the key entry 'all ops failed (errno 5)'" grep -q 'all ops failed (errno 5)' "$h.svg"
check "titles name the devices, kernel and modes" grep -q "'import' with vgem+dma-heap on kernel 6.12.57" "$h.svg"

# the heatmap: per kernel, the refused cell marked, not a value
hm=$out/heatmap-6.12.57
check "heatmap: data and SVG" test -s "$hm.dat" -a -s "$hm.svg"
check "heatmap: the 1M heap import is refused (state 1, errno 5), no value" \
	grep -q '"import vgem+dma-heap" "force:pool=64M" 1048576 ? 1 5$' "$hm.dat"
# pool is a grouping key (issue 15): the boots of each pool are a mode block of their
# own, never averaged into one "force" (the fixture's pools: 4M, 16M, 64M)
check "heatmap: each pool its own block" test "$(grep -c '"import vgem+dma-heap" "force:pool=[0-9]*M" 1048576' "$hm.dat")" = 3
check "bounces: each pool its own series (here identical, so merged and named)" \
	grep -q '^"force:pool=16M = force:pool=4M = force:pool=64M"' "$h.dat"
check "heatmap: a heatmap for 6.1 too" test -s "$out/heatmap-6.1.0-41.svg"
check "heatmap: the refused key entry" grep -q 'refused: every operation failed' "$hm.svg"

# the slots chart: the pool from the documents, the buffer size per bar
s=$out/slots-6.12.57_force
check "slots: the pool column holds the documents' 32768" awk '/^"/ { n++; if ($NF != 32768) bad++ } END { exit !(n > 0 && !bad) }' "$s.dat"
check "slots: the pool line's key entry" grep -q 'pool the boot had: 32768 slots (64 MiB)' "$s.svg"
check "slots: each bar's buffer size" awk '/^"/ && $(NF-1) !~ /^[0-9]+$/ { bad++ } END { exit bad }' "$s.dat"

# latency: the percentiles in the key, a panel per mode
l=$out/latency-import-6.12.57-vgem_udmabuf.svg
for p in p50 p90 p99 p99.9; do
	check "latency: key entry $p" grep -q ">$p<" "$l"
done

# compare: a cell per job and size with its verdict class
c=$out/compare-6.12.57_force-vs-noforce.dat
check "compare: rows of job, size and a class 0-4" awk '/^[0-9]/ { n++; if ($(NF-1) !~ /^[0-4]$/) bad++ } END { exit !(n > 0 && !bad) }' "$c"

# the pool figure, and in the report's pool section
p=$out/pool-6.12.57_force
check "pool figure: one point per pool size" test "$(grep -c '^[0-9]' "$p.dat")" = 3
check "pool figure: drawn" grep -q 'peak slots in use' "$p.svg"
"$bl" report --db "$T/db" --all --out "$T/report.md" --plots "$T/rout" >"$T/report.log" 2>&1 ||
	{ echo "FAIL report"; cat "$T/report.log"; exit 1; }
check "report: the pool figure inside 'Pool sizing', before 'Figures'" awk '
	/^## Pool sizing/ { in_pool = 1 } /^## / && !/^## Pool sizing/ { in_pool = 0 }
	in_pool && /^!\[Failed ops and peak SWIOTLB slots/ { found = 1 }
	END { exit !found }' "$T/report.md"
check "report: the heatmaps under the headline, once" awk '
	/^## / { sec = $0 } /^!\[Heatmap of SWIOTLB bounces/ { n++; if (sec != "## Where bouncing happens") bad++ }
	/^## Where bouncing happens/ && !head { bad++ } /^## Headline/ { head = 1 }
	END { exit !(n == 2 && !bad) }' "$T/report.md"
[ "$fails" = 0 ] && echo "PASS" || echo "$fails check(s) failed"
exit $((fails > 0))
