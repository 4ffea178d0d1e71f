#!/usr/bin/env bash
# Every night is judged (issue 14, issue 16), through the real CLI, store
# and daemon, from documents made out of a fixture (no boots):
#  - `bouncelab night judge` records a night and judges it against last
#    night: night 1 ok, night 2 with the 1M row refused on every operation:
#    a stored "worse" verdict with the night's id, failed_share 0 -> 1;
#  - a run on another guest clock is never matched: its first night;
#  - `bouncelab status` says what regressed, the report opens (after the
#    headline) with "What changed since last night";
#  - bouncelabd: GET /api/v1/nights/latest (JSON), 404 / 400 for a missing
#    or malformed id, /metrics' bouncelab_night_worse_rows, the dashboard's
#    /nights/{id} page and the latest night on /;
#  - bad usage exits 2 naming the value.
. "$(dirname "$0")/daemon_common.bash"
bl=$PWD/$BUILD/bouncelab
need_built "$bl" "$BUILD/bouncelabd"
command -v jq >/dev/null || { echo "SKIP: jq is not installed (make deps)"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 is not installed (make deps)"; exit 77; }
src=$PWD/tests/fixtures/result-6.12-noforce-udmabuf-import.json
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
doc() { # out, run-id suffix, started_at, jq filter
	jq --arg id "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a70$2" --arg t "$3" \
		".run_id = \$id | .started_at = \$t | .finished_at = \$t
		 | .kernel.boot_id = \"6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7$2\" | $4" "$src" >"$1"
}
# [options] filter file: the file is not empty (jq 1.6 -e says 0 for no input) and the filter holds
jq_true() { [ -s "${!#}" ] && jq -e "$@" >/dev/null; }
uuid=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a70

# 0. bad usage: exit 2, the value named
out=$("$bl" night judge --db "$DB" 2>&1); rc=$?
check "night judge without documents: exit 2" test $rc -eq 2
out=$("$bl" night judge --db "$DB" --baseline 'mode=forc' "$src" 2>&1); rc=$?
check "a bad --baseline: exit 2 naming it ($out)" bash -c '[ $1 -eq 2 ] && grep -q forc <<<"$2"' _ $rc "$out"
out=$("$bl" night show 0 --db "$DB" 2>&1); rc=$?
check "night show 0: exit 2" test $rc -eq 2
# 1. two nights of one configuration, the second failing on 1M
doc "$T/n1.json" 01 2026-11-21T02:00:00Z '.'
doc "$T/n2.json" 02 2026-11-22T02:00:00Z '.results |= map(if .size == 1048576 then .failures =
	{ops: .ops, errno: 5, error: "DRM_IOCTL_PRIME_FD_TO_HANDLE: Input/output error",
	 kernel_log: ["platform vgem: swiotlb buffer is full (sz: 1048576 bytes)"]} else . end)'
"$bl" ingest --direct --quiet --db "$DB" "$T/n1.json" "$T/n2.json" >/dev/null 2>&1
out=$("$bl" night show --db "$DB" 2>&1); rc=$?
check "night show with no night recorded: exit 1, says so ($out)" \
	bash -c '[ $1 -eq 1 ] && grep -q "no night recorded" <<<"$2"' _ $rc "$out"

out=$("$bl" night judge --db "$DB" --started 1795226400 "$T/n1.json" 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "night 1 judged: exit 0, first night" bash -c '[ $1 -eq 0 ] && grep -q "first night" <<<"$2"' _ $rc "$out"
out=$("$bl" night judge --db "$DB" --started 1795312800 --baseline "run=${uuid}01" "$T/n2.json" 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "night 2 judged: exit 0" test $rc -eq 0
check "it names the regression" grep -Eq "worse: .*import 1M failed_share 0 -> 1 .*\[last-night\]" <<<"$out"
rows=$(sqlite3 "$DB" "SELECT subject, baseline, metric, verdict, threshold FROM verdicts
	WHERE night_id = 2 AND verdict = 'worse' AND size = 1048576 ORDER BY baseline")
echo "$rows" | sed 's/^/    /'
check "a stored worse verdict against last night, with its threshold" \
	grep -qx "${uuid}02|last-night:${uuid}01|failed_share|worse|0.0" <<<"$rows"
check "and against the pinned baseline" \
	grep -qx "${uuid}02|baseline:run=${uuid}01|failed_share|worse|0.0" <<<"$rows"
check "the night's runs know their last night" \
	test "$(sqlite3 "$DB" "SELECT last_uuid FROM night_runs WHERE night_id = 2")" = "${uuid}01"

out=$("$bl" status --db "$DB" --socket "$T/no-socket" 2>&1)
echo "$out" | sed 's/^/    /'
check "status: the latest night and what regressed" \
	bash -c 'grep -q "^night: *#2 " <<<"$1" && grep -Eq "1 worse \(1 newly failing\)" <<<"$1" &&
		grep -q "failed_share 0 -> 1" <<<"$1"' _ "$out"
"$bl" report --db "$DB" --out "$T/report.md" --no-plots >/dev/null 2>&1
check "report: 'What changed since last night' right after the headline" \
	bash -c 'awk "/^## /{print}" "$1" | head -2 | tail -1 | grep -qx "## What changed since last night"' _ "$T/report.md"
check "report: counts first, then times, the regression with its threshold" \
	bash -c 'sed -n "/^## What changed/,/^## What ran/p" "$1" >"$1.sec" &&
		grep -n "^### " "$1.sec" | head -2 | tr "\n" " " | grep -Eq "Counts.*Times" &&
		grep -Eq "import 1M \| failed_share \| 0 \| 1 \| +\| 0 \| \*\*worse\*\* \(now failing\)" "$1.sec"' _ "$T/report.md"

# 2. the daemon: JSON, metrics, dashboard
printf '[monitor]\nenabled = false\n' >"$T/d.ini"
start_daemon --config "$T/d.ini"
code=$(http_code /api/v1/nights/latest)
cp "$T/last_body" "$T/latest.json"
check "GET /api/v1/nights/latest: 200" test "$code" = 200
check "its JSON: night 2, one failing row against last night" \
	jq_true --arg u "${uuid}02" '.id == 2 and .source == "nightly" and .status == "judged"
		and .counts.last_night.worse == 1 and .counts.last_night.failed_new == 1
		and .runs[0].run_id == $u and .runs[0].first_night == false
		and ([.rows[] | select(.verdict == "worse" and .against == "last-night"
			and .metric == "failed_share" and .size == 1048576 and .baseline_value == 0
			and .value == 1)] | length == 1)' "$T/latest.json"
code=$(http_code /api/v1/nights/1)
check "GET /api/v1/nights/1: the first night" \
	bash -c '[ "$1" = 200 ] && jq -e ".id == 1 and .runs[0].first_night" "$2/last_body" >/dev/null' _ "$code" "$T"
check "GET /api/v1/nights/99: 404" test "$(http_code /api/v1/nights/99)" = 404
check "GET /api/v1/nights/x1: 400" test "$(http_code /api/v1/nights/x1)" = 400
check "GET /api/v1/nights/-1: 400" test "$(http_code /api/v1/nights/-1)" = 400
code=$(http_code /metrics)
check "/metrics: bouncelab_night_worse_rows for the latest night" \
	bash -c '[ "$1" = 200 ] && grep -qx "bouncelab_night_worse_rows{against=\"last-night\"} 1" "$2/last_body" &&
		grep -qx "bouncelab_night_failed_new_rows{against=\"baseline\"} 1" "$2/last_body"' _ "$code" "$T"
if command -v promtool >/dev/null; then
	cp "$T/last_body" "$T/metrics"
	check "/metrics with a night passes promtool check metrics ($(promtool check metrics <"$T/metrics" 2>&1 | head -n 2 | tr '\n' ' '))" \
		bash -c 'promtool check metrics <"$1" >/dev/null 2>&1' _ "$T/metrics"
fi
code=$(http_code /nights/2)
check "GET /nights/2: the night's page, its numbers linking to both runs" \
	bash -c '[ "$1" = 200 ] && grep -q "href=\"/runs/${2}01\">0</a>" "$3/last_body" &&
		grep -q "href=\"/runs/${2}02\">1</a>" "$3/last_body"' _ "$code" "$uuid" "$T"
code=$(http_code /)
check "GET /: the latest night's verdicts, linking to its page" \
	bash -c '[ "$1" = 200 ] && grep -q "id=\"latest-night\"" "$2/last_body" &&
		grep -q "href=\"/nights/2\"" "$2/last_body"' _ "$code" "$T"
stop_daemon

# 3. the same job on another guest clock: never matched with the wall-clock nights
doc "$T/n3.json" 03 2026-11-23T02:00:00Z '.testbed.clock = "icount"'
"$bl" ingest --direct --quiet --db "$DB" "$T/n3.json" >/dev/null 2>&1
"$bl" night judge --db "$DB" --json "$T/n3.json" >"$T/n3.out" 2>"$T/n3.err"; rc=$?
check "another clock: judged, exit 0 ($(tail -n 1 "$T/n3.err"))" test $rc -eq 0
check "another clock: its first night, no verdict" \
	jq_true '.runs[0].first_night and .first_nights == 1 and (.rows | length == 0)' "$T/n3.out"
"$bl" report --db "$DB" --html "$T/html" --no-plots >/dev/null 2>&1
check "report --html writes the latest night's page" test -s "$T/html/nights/3.html"

# 4. a new Debian version of the series: judged against last night's version, and said
doc "$T/n4.json" 04 2026-11-24T02:00:00Z '.testbed.package_version = "6.12.58-1"
	| .kernel.release = "6.12.58+deb13-amd64"'
"$bl" ingest --direct --quiet --db "$DB" "$T/n4.json" >/dev/null 2>&1
"$bl" night judge --db "$DB" --json "$T/n4.json" >"$T/n4.out" 2>"$T/n4.err"
check "a new version of the series: judged against last night's (the wall-clock run 02)" \
	jq_true --arg u "${uuid}02" '.runs[0].first_night == false and .runs[0].last_night == $u' "$T/n4.out"
"$bl" report --db "$DB" --out "$T/report4.md" --no-plots >/dev/null 2>&1
check "report: the kernel changed, last night's version named" \
	grep -q "^- the kernel changed: .*6.12.58-1.*(last night: 6.12.57-1)" "$T/report4.md"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all night checks passed"
