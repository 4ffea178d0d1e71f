#!/usr/bin/env bash
# `bouncelab compare`, `plot` and `report` end to end on the fixture documents
# (tests/fixtures, invented figures) ingested into a temporary database, plus
# a synthetic nightly series made from one fixture: three identical nights
# and a fourth whose 64K import throughput is 15% lower. Checks exit codes
# (a regression fails the gate, no change passes it, bad selectors are
# usage errors that name the key), the report's sections and findings, and
# that every figure the report links exists and is a PNG.
set -u
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
bl=$build/bouncelab
[ -x "$bl" ] || { echo "FAIL: $bl is not built (make $bl)"; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed (make deps)"; exit 77; }

tmp=${KEEP_TMP:-$(mktemp -d)}
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$tmp"' EXIT
db=$tmp/t.db
fail=0
check() { # description, command... (on failure, prints the command)
	local what=$1; shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what: $*"; fail=1; return 1; fi
}

# --- the data: fixtures + four synthetic nights ------------------------------
src=tests/fixtures/result-6.12-force-udmabuf-import.json
for night in 1 2 3 4; do
	scale=1
	[ $night = 4 ] && scale=0.85
	jq --arg id "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a20$night$night" \
	   --arg t "2026-11-2${night}T02:00:00Z" --argjson k "$scale" '
		.run_id = $id | .started_at = $t | .finished_at = $t | .job.name = "nightly"
		| .kernel.boot_id = "6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e\($id[-1:])"
		| .fixture = "FIXTURE: synthetic nightly series for tests, not measured"
		| .results |= map(if .size == 65536 then
			.ops_per_sec.values |= map(. * $k) | .ops_per_sec.mean *= $k
			| .bytes_per_sec.values |= map(. * $k) | .bytes_per_sec.mean *= $k
		  else . end)' "$src" >"$tmp/night$night.json" || { echo "FAIL: jq"; exit 1; }
done
# the same job on an older kernel, 10% slower: kernel against kernel
jq '.run_id = "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a4001" | .kernel.release = "6.1.0-41-amd64"
	| .testbed.package_version = "6.1.158-1" | .started_at = "2026-11-19T02:00:00Z"
	| .results |= map(.ops_per_sec.values |= map(. * 0.9) | .ops_per_sec.mean *= 0.9)' \
	"$src" >"$tmp/old-kernel.json"
"$bl" ingest --direct --quiet --db "$db" tests/fixtures/results.jsonl "$tmp"/night*.json "$tmp/old-kernel.json" \
	>"$tmp/ingest.log" 2>&1 || { echo "FAIL: ingest"; cat "$tmp/ingest.log"; exit 1; }

# --- compare -------------------------------------------------------------------
# Before any calibration: force and noforce ran one boot each, so their times are
# unknown (no between-boot spread, no noise floor), never a verdict; counts are judged.
"$bl" compare --db "$db" --modes --kernel 6.12 --where job=udmabuf-import --all \
	--metric ops_per_sec,bounces_per_op >"$tmp/uncal.txt" 2>&1
check "uncalibrated: one boot a side is unknown" \
	grep -Eq 'import +1M ops_per_sec .*-68\.9% .*uncalibrated +unknown' "$tmp/uncal.txt"
check "uncalibrated: counts are still judged exactly" \
	grep -Eq 'import +1M bounces_per_op .*exact +WORSE \*' "$tmp/uncal.txt"
# Calibrate: two A/A boots of 6.12.57 noforce (the noforce fixture, the second 1 % faster).
mkdir -p "$tmp/aa"
for b in 1 2; do
	jq --arg id "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a50$b$b" --arg t "2026-11-19T1${b}:00:00Z" \
	   --argjson k "1.0$((b - 1))" '.run_id = $id | .started_at = $t | .finished_at = $t
		| .kernel.boot_id = "6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7a\($id[-1:])"
		| .results |= map(.ops_per_sec.values |= map(. * $k) | .ops_per_sec.mean *= $k)' \
		tests/fixtures/result-6.12-noforce-udmabuf-import.json >"$tmp/aa/boot$b.json"
done
"$bl" calibrate --db "$db" --from "$tmp/aa" >"$tmp/cal.txt" 2>&1
rc=$?
check "calibrate from two A/A boots (exit $rc)" [ $rc = 0 ]
check "calibrate: a 1 % throughput floor" grep -q 'median 1.00 %' "$tmp/cal.txt"

"$bl" compare --db "$db" --base job=nightly,until=2026-11-24 --new job=nightly,since=2026-11-24 \
	--fail-on-regression >"$tmp/reg.txt" 2>&1
rc=$?
check "a 15% drop fails the gate (exit $rc)" [ $rc = 1 ]
check "the gate names the row" grep -Eq '^regression: .*import 64K ops_per_sec' "$tmp/reg.txt"
check "the 64K row is marked worse" grep -Eq 'import +64K ops_per_sec .*-15\.0%.*WORSE \*' "$tmp/reg.txt"
check "the 4K row is not listed (text shows changed rows)" bash -c '! grep -Eq "import +4K ops_per_sec" "$1"' _ "$tmp/reg.txt"

"$bl" compare --db "$db" --base job=nightly,until=2026-11-23 \
	--new job=nightly,since=2026-11-23,until=2026-11-24 --fail-on-regression \
	>"$tmp/same.txt" 2>&1
rc=$?
check "identical nights pass the gate (exit $rc)" [ $rc = 0 ]
check "and say 0 worse, first" grep -q '^0 worse' "$tmp/same.txt"
check "and no significant change" grep -q '^no significant change$' "$tmp/same.txt"

"$bl" compare --db "$db" --base job=nightly,until=2026-11-24 --new job=nightly,since=2026-11-24 \
	--format json --metric ops_per_sec >"$tmp/reg.json" 2>/dev/null
check "json: one worse row, at 64K" \
	[ "$(jq '[.rows[] | select(.verdict == "WORSE") | .size] == [65536]' "$tmp/reg.json")" = true ]
check "json: only the metric asked for" \
	[ "$(jq '[.rows[].metric] | unique == ["ops_per_sec"]' "$tmp/reg.json")" = true ]

"$bl" compare --db "$db" --base kernal=6.1 --new kernel=6.12 >"$tmp/bad.txt" 2>&1
rc=$?
check "a bad selector key is a usage error (exit $rc)" [ $rc = 2 ]
check "naming the key" grep -q "unknown key 'kernal'" "$tmp/bad.txt"
"$bl" compare --db "$db" --base kernel=6.1 --new kernel=6.12 --metric speed >"$tmp/bad2.txt" 2>&1
check "an unknown metric is a usage error" [ $? = 2 ]
"$bl" compare --db "$db" --base kernel=5.10 --new kernel=6.12 >"$tmp/none.txt" 2>&1
rc=$?
check "no matching runs: exit 3 (got $rc)" [ $rc = 3 ]
check "saying which selector" grep -q "no runs match --base 'kernel=5.10'" "$tmp/none.txt"

"$bl" compare --db "$db" --modes --kernel 6.12 --where job=udmabuf-import \
	--metric ops_per_sec,bounces_per_op >"$tmp/modes.txt" 2>&1
check "--modes compares force against noforce" grep -q '== force vs noforce' "$tmp/modes.txt"
check "--modes: force costs throughput at 1M" \
	grep -Eq 'import +1M ops_per_sec .*-6[89]\.[0-9]%.*t 1:n .*WORSE \*' "$tmp/modes.txt"

# profiles: the same nights carrying a (synthetic) perf profile per row, where the
# share of swiotlb_bounce grows from 30% to 50% on night 4
for night in 1 2 3 4; do
	k=30
	[ $night = 4 ] && k=50
	jq --argjson k $k '.run_id |= sub("20(?<n>[0-9])[0-9]$"; "30\(.n)\(.n)") | .job.name = "profiled"
		| .results |= map(.profile = {tool: "perf", event: "cpu-clock", samples: 100,
			top_kernel: [{symbol: "swiotlb_bounce", samples: $k, share: ($k / 100)},
				     {symbol: "memcpy_orig", samples: 20, share: 0.2}],
			top_user: [{symbol: "measure_loop", samples: (80 - $k), share: ((80 - $k) / 100)}],
			folded: []})' "$tmp/night$night.json" >"$tmp/prof$night.json"
done
"$bl" ingest --direct --quiet --db "$db" "$tmp"/prof*.json >>"$tmp/ingest.log" 2>&1
"$bl" compare --db "$db" --base job=profiled,until=2026-11-24 --new job=profiled,since=2026-11-24 \
	--metric ops_per_sec --profiles >"$tmp/prof.txt" 2>&1
check "--profiles names the symbol whose share grew" \
	grep -q 'import 64K: swiotlb_bounce \[k\] 30.0% -> 50.0% (+20.0 points)' "$tmp/prof.txt"
check "--profiles leaves out symbols that did not move" bash -c "! grep -q memcpy_orig '$tmp/prof.txt'"
"$bl" compare --db "$db" --base job=nightly,until=2026-11-24 --new job=nightly,since=2026-11-24 \
	--metric ops_per_sec --profiles >"$tmp/noprof.txt" 2>&1
check "--profiles without profiles says so" grep -q 'no row was profiled on both sides' "$tmp/noprof.txt"

# the nightly judgement (what bouncelabd calls after a scheduled run), on a copy
cp "$db" "$tmp/judge.db"
"$bl" compare --db "$tmp/judge.db" --judge 3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a2044 --base job=nightly \
	--fail-on-regression >"$tmp/judge.txt" 2>&1
rc=$?
check "judging night 4 against nights 1-3 finds the regression (ops/s; MiB/s only when asked) (exit $rc)" [ $rc = 1 ]
check "and says so in one line" grep -q 'against 3 baseline runs.*: 1 worse' "$tmp/judge.txt" ||
	cat "$tmp/judge.txt"
"$bl" compare --db "$tmp/judge.db" --judge 3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a2033 --base job=nightly \
	--fail-on-regression >"$tmp/judge3.txt" 2>&1
check "night 3 against nights 1-2 passes" [ $? = 0 ]
"$bl" compare --db "$tmp/judge.db" --judge 3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a2011 --base job=nightly \
	>"$tmp/judge1.txt" 2>&1
check "the first night has no baseline: exit 3" [ $? = 3 ]
check "saying so" grep -q 'no baseline runs match' "$tmp/judge1.txt"

# --- plot ------------------------------------------------------------------------
have_gnuplot=0
gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo && have_gnuplot=1
"$bl" plot --db "$db" --out "$tmp/plots" job=nightly >"$tmp/plot.txt" 2>&1
rc=$?
if [ $have_gnuplot = 1 ]; then
	check "plot renders (exit $rc)" [ $rc = 0 ]
	check "a trend figure for the nightly job" test -n "$(compgen -G "$tmp/plots/trend-import-*.png")"
	check "the 4th night is marked as a regression" \
		grep -Eq '^[0-9]+ [0-9.e+]+ [0-9.e+]+ [0-9.e+]+ 1$' "$tmp"/plots/trend-import-*.dat
else
	check "plot without gnuplot says so (exit $rc)" grep -q "gnuplot is not installed" "$tmp/plot.txt"
fi
# every run: one figure per (workload, kernel, devices), one compare chart per (kernel, mode)
"$bl" plot --db "$db" --out "$tmp/plots-all" >"$tmp/plot-all.txt" 2>&1
check "size figures per workload, kernel and devices" \
	test -s "$tmp/plots-all/bounces-import-6.12.57-vgem_udmabuf.dat" -a -s "$tmp/plots-all/throughput-create-6.1.0-41-virtio_gpu.dat"
check "their series name the mode, not the kernel or the devices" \
	bash -c "grep -q '^\"force\"' '$tmp/plots-all/bounces-import-6.12.57-vgem_udmabuf.dat' && ! grep -q '^\"6\.\|^\"[^\"]*vgem' '$tmp/plots-all/bounces-import-6.12.57-vgem_udmabuf.dat'"
check "one compare chart per kernel and mode, none per job" \
	bash -c "test -s '$tmp/plots-all/compare-6.12.57_force-vs-noforce.dat' && ! ls '$tmp/plots-all' | grep -q 'compare-.*_force_'"
check "the compare chart: a cell per job and size, its verdict class 0-4, no cell twice" \
	awk '/^#/ { next } { sub(/"[^"]*"/, "L"); if ($(NF-1) !~ /^[0-4]$/) bad++; if (seen[$1 " " $2]++) bad++; n++ }
		END { exit !(n > 0 && !bad) }' "$tmp/plots-all/compare-6.12.57_force-vs-noforce.dat"

# --- report -----------------------------------------------------------------------
mkdir -p "$tmp/r"
"$bl" report --db "$db" --out "$tmp/r/RESULTS.md" --all >"$tmp/report.log" 2>&1
rc=$?
check "report (exit $rc)" [ $rc = 0 ]
r=$tmp/r/RESULTS.md
for section in "## What ran" "## Results per kernel, mode and device" "## Figures" \
	"## What each DMA mode costs" "## Kernel against kernel" "## Findings" \
	"### What force costs per size" "### Where bounces per operation exceed one" \
	"### SWIOTLB slots still held after teardown" "### Operations the kernel refused"; do
	check "report has '$section'" grep -qF "$section" "$r"
done
check "the report opens with the headline" bash -c 'grep -m1 "^## " "$1" | grep -qx "## Headline"' _ "$r"
check "headline: force on 6.12 refuses one row noforce runs, with the kernel's line" \
	grep -Eq '^\| 6\.12\.57 \| force \| wall \| 1 / 16 / 256 \| .* \| \*\*1\*\* \| 0 \| \[heap-import\] import 1M: Input/output error: platform vgem: swiotlb buffer is full' "$r"
check "headline: the baseline row comes first in its kernel" \
	bash -c 'grep -E "^\| 6\.12\.57 \|" "$1" | head -n1 | grep -q "| noforce |"' _ "$r"
check "headline: force's throughput against noforce, judged" \
	grep -Eq '^\| 6\.12\.57 \| force \|.*\| -63\.5% \| 3 / 0 of 3 \|$' "$r"
d=$tmp/r/RESULTS-details.md
check "the full tables go to a side file" test -s "$d"
check "which the report links" grep -qF '](RESULTS-details.md#what-each-dma-mode-costs)' "$r"
check "kernel against kernel: a summary table per kernel pair and mode" \
	grep -q '^### 6.12.57 against 6.1.0-41, force$' "$r"
check "with a row per job: 6.1 10% slower, so 6.12's median change +11.1%" \
	grep -Eq '^\| udmabuf-import \(vgem\+udmabuf\) \|.*\| \+11\.1% \|' "$r"
check "kernel against kernel: the full table in the side file" \
	grep -q '^### 6.12.57 against 6.1.0-41, force, job udmabuf-import (vgem+udmabuf)' "$d"
check "with the 6.1 runs 10% slower, so 6.12 better" \
	grep -Eq 'udmabuf-import vgem\+udmabuf\] import \| 64K \| ops_per_sec .*\| \+11\.1% .*\*\*better\*\*' "$d"
check "the per-row tables are in the side file, not the report" \
	bash -c "grep -q '^| size | ops/s' '$d' && ! grep -q '^| size | ops/s' '$r'"
"$bl" report --db "$db" --out - --no-plots --all >"$tmp/stdout.md" 2>/dev/null
check "--out -: the full tables are folded into the report" \
	grep -Eq 'udmabuf-import vgem\+udmabuf\] import \| 64K \| ops_per_sec .*\*\*better\*\*' "$tmp/stdout.md"
check "kernels with exact versions and packages" grep -q '6.1.0-41-amd64.*6.1.158-1' "$r"
check "the swiotlb-full EIO row with its kernel log" \
	grep -q 'vgem+dma-heap, import: errno 5 (Input/output error) at 1M 60/60; first error.*swiotlb buffer is full' "$r"
check "bounces per op above one, with the numbers" grep -q 'udmabuf, import: 64K 16, 1M 256' "$r"
check "slots left after teardown, with the number" grep -q 'create 64K: 38 slots' "$r"
check "what force costs, with its interval" \
	grep -Eq 'import 1M -6[89]\.[0-9]% \[-[0-9.]+%, -[0-9.]+%\] \(significant\)' "$r"
check "null counters are named, not zero" grep -q 'dma_map_sg unknown: no dma:\* tracepoints' "$r"
check "the emulation note (fixtures ran under QEMU)" grep -q 'TCG emulation' "$r"
if [ $have_gnuplot = 1 ]; then
	links=$(grep -o '](plots/out/[^)]*\.png)' "$r" | sed 's/^](//; s/)$//')
	check "the report links figures" [ -n "$links" ]
	for l in $links; do
		check "linked figure $l is a PNG" \
			[ "$(head -c 8 "$tmp/r/$l" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	done
fi
# figures elsewhere than beside the report: links still resolve from the report's folder
if [ $have_gnuplot = 1 ]; then
	mkdir -p "$tmp/r2/sub"
	"$bl" report --db "$db" --out "$tmp/r2/sub/R.md" --plots "$tmp/r2/figs" --all >/dev/null 2>&1
	l=$(grep -o '](\.\./figs/[^)]*\.png)' "$tmp/r2/sub/R.md" | head -n 1 | sed 's/^](//; s/)$//')
	check "--plots elsewhere: links go ../figs/ ($l)" test -n "$l" -a -s "$tmp/r2/sub/$l"
fi
# without gnuplot: the report is still written, with the figures' data and the reason
mkdir -p "$tmp/nobin"
PATH="$tmp/nobin" "$bl" report --db "$db" --out "$tmp/nognu/R.md" --all >/dev/null 2>&1
check "no gnuplot: the report is written anyway" test -s "$tmp/nognu/R.md"
check "and says why there are no figures" grep -q 'none was rendered: gnuplot is not installed' "$tmp/nognu/R.md"
# the same database gives the same report (seeded bootstrap, no clock in it)
"$bl" report --db "$db" --out "$tmp/r/again.md" --no-plots --all >/dev/null 2>&1
"$bl" report --db "$db" --out "$tmp/r/again2.md" --no-plots --all >/dev/null 2>&1
check "the report is reproducible" \
	diff <(sed 's/again2\(-details\)\{0,1\}\.md/X/g' "$tmp/r/again2.md" "$tmp/r/again2-details.md") \
		<(sed 's/again\(-details\)\{0,1\}\.md/X/g' "$tmp/r/again.md" "$tmp/r/again-details.md")

# by default the newest night only: the runs within 12 h of the newest (night 4 of
# the synthetic series and its profiled twin), with trends over their configurations
"$bl" report --db "$db" --out "$tmp/night/R.md" --no-plots >/dev/null 2>&1
check "the default report covers the newest night, and says so" \
	grep -q '^This report covers the newest night: the 2 runs that started from 2026-11-24T02:00:00Z' "$tmp/night/R.md"
PATH="$tmp/nobin" "$bl" report --db "$db" --out "$tmp/nightfig/R.md" >/dev/null 2>&1
check "its trend figures follow the night's configurations over every night" \
	bash -c "grep -q 'same configurations over all 8 stored runs' '$tmp/nightfig/R.md' &&
		grep -Eq '^[0-9]+ [0-9.e+]+ [0-9.e+]+ [0-9.e+]+ 1$' '$tmp'/nightfig/plots/out/trend-import-*nightly.dat"
check "the newest night's jobs are there, the older runs are not" \
	bash -c "grep -q 'jobs: .*profiled. (1 run)' '$tmp/night/R.md' && ! grep -q 'virtio-dumb-create' '$tmp/night/R.md'"
check "--all reports every run (no night line)" \
	bash -c "! grep -q 'covers the newest night' '$tmp/r/RESULTS.md' && grep -q 'virtio-dumb-create' '$tmp/r/RESULTS.md'"
"$bl" report --db "$db" --out "$tmp/night2/R.md" --no-plots --night-hours 200 >/dev/null 2>&1
check "--night-hours widens the night (200 h reaches back to 2026-11-19)" \
	grep -q 'that started from 2026-11-19' "$tmp/night2/R.md"
"$bl" report --db "$db" --out "$tmp/sel/R.md" --no-plots job=nightly >/dev/null 2>&1
check "a selector reports every run it picks" \
	bash -c "! grep -q 'covers the newest night' '$tmp/sel/R.md' && grep -q 'selector .job=nightly.' '$tmp/sel/R.md'"

# --- failures are results, and times say their clock (issue 12) -------------------
# the heap fixture (dma-heap 1M under force: EIO 60/60) on QEMU's icount clock,
# beside a noforce twin on the same clock where 1M works
heap=tests/fixtures/result-6.12-force-heap-import-eio.json
fdb=$tmp/failed.db
jq '.testbed.clock = "icount"' "$heap" >"$tmp/heap-force.json"
jq '.testbed.clock = "icount" | .run_id = "c0ffee00-1234-4abc-8def-00000000a005"
	| .dma.swiotlb = "noforce" | .dma.swiotlb_slabs = null
	| .kernel.cmdline |= sub("swiotlb=force"; "swiotlb=noforce")
	| .kernel.boot_id = "6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7f5"
	| .status = "ok" | .error = null
	| .results |= map(.failures = null)' "$heap" >"$tmp/heap-noforce.json"
"$bl" ingest --direct --quiet --db "$fdb" "$tmp/heap-force.json" "$tmp/heap-noforce.json" \
	>"$tmp/ingest-failed.log" 2>&1 || { echo "FAIL: ingest"; cat "$tmp/ingest-failed.log"; }
"$bl" plot --db "$fdb" --out "$tmp/plots-failed" >"$tmp/plot-failed.txt" 2>&1
# the rows of one series' block in a figure's data file
series_rows() { # file series
	awk -v s="\"$2\"" 'index($0, s) == 1 { on = 1; next } /^"/ { on = 0 } on && /^[0-9]/' "$1"
}
for kind in bounces throughput latency; do
	series_rows "$tmp/plots-failed/$kind-import-6.12.57-vgem_dma-heap.dat" 'force' >"$tmp/$kind-heap.rows"
	check "$kind: the failed size is a marker row (values '?', errno 5)" \
		grep -Eq '^1048576 (\? )+[0-9]+ 5$' "$tmp/$kind-heap.rows"
	check "$kind: and never a value at that size" \
		bash -c "! grep -Eq '^1048576 [0-9]' '$tmp/$kind-heap.rows'"
	check "$kind: the size that worked keeps its value" \
		grep -Eq '^65536 [0-9.e+]+ .* 0$' "$tmp/$kind-heap.rows"
done
series_rows "$tmp/plots-failed/bounces-import-6.12.57-vgem_dma-heap.dat" 'noforce' >"$tmp/noforce-heap.rows"
check "the noforce twin's 1M is a value row" grep -Eq '^1048576 [0-9.e+]+ .* 0$' "$tmp/noforce-heap.rows"
if [ $have_gnuplot = 1 ]; then
	check "the figure's caption marks the failed size and names the icount clock" \
		grep -q "bounces-import-6.12.57-vgem_dma-heap.png.*x: every operation failed.*QEMU's icount clock" \
		"$tmp/plot-failed.txt"
fi
"$bl" report --db "$fdb" --out "$tmp/failed/R.md" --all >"$tmp/report-failed.log" 2>&1
rc=$?
check "report with an all-failed row (exit $rc)" [ $rc = 0 ]
fr=$tmp/failed/R.md
check "the header names the icount clock and what it means" \
	grep -q "^- Times of 2 runs are on QEMU's icount clock: 1 ns per guest instruction, deterministic" "$fr"
check "and no other clock" bash -c "! grep -Eq '^- Times of .* (wall clock|own clock)' '$fr'"
check "the table says failed: errno 5, never a number" \
	grep -q '^| 1M | failed: errno 5 (Input/output error) | failed: errno 5' "$tmp/failed/R-details.md"
check "the row that worked keeps its numbers" \
	grep -Eq '^\| 64K \| [0-9]' "$tmp/failed/R-details.md"
check "what force costs leaves the failed size out and says where it is" \
	grep -q 'force on 6.12.57, job heap-import.*import 64K.*left out, every operation failed on one side (see "Operations the kernel refused"): import 1M\.' "$fr"
check "and gives no throughput change for it" bash -c "! grep -q 'import 1M [-+][0-9]' '$fr'"
check "the refusal is listed" grep -q 'vgem+dma-heap, import: errno 5 (Input/output error) at 1M 60/60' "$fr"
if [ $have_gnuplot = 1 ]; then
	check "every figure's caption names the icount clock" \
		bash -c "n=\$(grep -c '^!\[' '$fr'); [ \$n -gt 0 ] && [ \$(grep -c \"^!\\[.*QEMU's icount clock\" '$fr') = \$n ]"
fi
# --- Xen PV (issue 13): the heap fixture as a ballooned dom0 beside its noforce twin
xdb=$tmp/xen.db
jq '.testbed.clock = "icount" | .run_id = "c0ffee00-1234-4abc-8def-00000000a006"
	| .dma.swiotlb = "default" | .kernel.cmdline |= sub(" ?swiotlb=force"; "")
	| .kernel.boot_id = "6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7f6"
	| .testbed.balloon_bytes = 1610612736
	| .hypervisor = {type: "xen", guest_type: "PV", version: "4.17.7", dom0: true}' "$heap" >"$tmp/heap-xen.json"
"$bl" ingest --direct --quiet --db "$xdb" "$tmp/heap-noforce.json" "$tmp/heap-xen.json" \
	>"$tmp/ingest-xen.log" 2>&1 || { echo "FAIL: ingest xen"; cat "$tmp/ingest-xen.log"; }
"$bl" report --db "$xdb" --out "$tmp/xen/R.md" --all --no-plots >"$tmp/report-xen.log" 2>&1
xr=$tmp/xen/R.md
check "report: a 'What Xen PV does' section after the headline, before what ran" \
	bash -c 'grep "^## " "$1" | head -n 3 | tr "\n" "|" | grep -qx "## Headline|## What Xen PV does|## What ran|"' _ "$xr"
check "its table: noforce beside the ballooned dom0" \
	grep -q '^| job | workload | size | noforce | xen-pv:balloon=1536M |$' "$xr"
check "the refused import leads, with the error, where noforce ran it" \
	bash -c 'grep -A2 "^| --- | --- | ---: |" "$1" | sed -n 2p | grep -Eq "^\| heap-import \| import \| 1M \| [0-9.e+]+ \| \*\*refused 60/60, Input/output error\*\* \|$"' _ "$xr"
check "no Xen section without Xen runs" bash -c "! grep -q '^## What Xen PV does' '$r'"

# the fixtures without a clock (old documents: multi-threaded TCG) and one real host
check "the header names the wall clock for clockless testbed documents" \
	grep -q "^- Times of .* runs are on the wall clock of a guest under multi-threaded TCG" "$r"
check "and the host's own clock for real hardware" grep -q "^- Times of 1 run are on the host's own clock" "$r"

[ $fail = 0 ] && echo "compare, plot and report work on the fixtures"
exit $fail
