#!/usr/bin/env bash
# Control characters in stored text (issue 17, defect 10): a document whose
# workload and kernel release carry CR, ESC and U+202E is stored as sent,
# but `bouncelab runs` (a terminal), /metrics (Prometheus labels) and the
# Markdown report never print them raw: escapes (\x1b, \u202e) or U+FFFD.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd" "$BUILD/bouncelab"
command -v jq >/dev/null || { echo "jq missing"; exit 77; }

# CR, ESC and RLO (U+202E) in two text fields.
jq -c '.run_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	| .kernel.release = "6.12\r\u001b[2Jevil"
	| .results |= map(.workload = "imp\u001b[31mort\u202edcba")' "$FIXTURE" >"$T/doc.json"
raw() { # file: 0 when it holds a raw CR, ESC or U+202E
	LC_ALL=C grep -q $'\r\\|\x1b\\|\xe2\x80\xae' "$1"
}

printf '[monitor]\nenabled = false\n' >"$T/d.ini"
start_daemon --config "$T/d.ini"
code=$(http_code -X POST --data-binary @"$T/doc.json" /api/v1/runs)
[ "$code" = 201 ] || fail "POST: $code $(cat "$T/last_body")"
# stored as sent: the document comes back byte for byte
http_code /api/v1/runs/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee >/dev/null
[ "$(jq -r '.results[0].workload' "$T/last_body")" = "$(jq -r '.results[0].workload' "$T/doc.json")" ] ||
	fail "the stored document lost its text"
http_code /metrics >/dev/null
cp "$T/last_body" "$T/metrics"
grep -q 'workload="imp' "$T/metrics" || fail "/metrics: no series for the workload"
raw "$T/metrics" && fail "/metrics: a raw CR, ESC or U+202E in a label: $(grep -a 'workload="imp' "$T/metrics" | head -1 | od -c | head -3)"
stop_daemon
echo "ok   /metrics labels: $(grep -a -o 'workload="imp[^"]*"' "$T/metrics" | head -1)"

"$BUILD/bouncelab" runs --db "$DB" --results >"$T/runs.txt" 2>&1 || fail "bouncelab runs: $(cat "$T/runs.txt")"
raw "$T/runs.txt" && fail "bouncelab runs: a raw CR, ESC or U+202E reaches the terminal"
grep -qF 'imp\x1b[31mort\u202edcba' "$T/runs.txt" || fail "bouncelab runs: the workload is not shown escaped: $(cat "$T/runs.txt")"
grep -qF '6.12\x0d\x1b[2Jevil' "$T/runs.txt" || fail "bouncelab runs: the kernel is not shown escaped: $(cat "$T/runs.txt")"
echo "ok   bouncelab runs: $(grep -F 'imp\x1b' "$T/runs.txt" | head -1 | awk '{print $1}')"

if "$BUILD/bouncelab" report --help >/dev/null 2>&1; then
	mkdir -p "$T/report"
	if "$BUILD/bouncelab" report --db "$DB" --out "$T/report/REPORT.md" >"$T/report.log" 2>&1; then
		for f in "$T"/report/*.md; do
			raw "$f" && fail "report $f: a raw CR, ESC or U+202E in the Markdown"
		done
		echo "ok   the Markdown report"
	else
		echo "note: bouncelab report did not run here: $(tail -n 1 "$T/report.log")"
	fi
fi
