#!/usr/bin/env bash
# /metrics passes `promtool check metrics` (issue 17 acceptance), lint
# included (abbreviated units: bouncelab_latest_ops_per_sec was refused),
# with stored runs whose text carries quotes, backslashes, CR, ESC and
# U+202E in label values. Skips (77) without promtool (Debian: prometheus).
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd"
command -v promtool >/dev/null || { echo "SKIP: promtool missing (Debian package prometheus; make deps installs it)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }

jq -c '.run_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"' "$FIXTURE" >"$T/plain.json"
jq -c '.run_id = "aaaaaaaa-bbbb-4ccc-8ddd-ffffffffffff" | .kernel.release = "6.12 \"q\" \\\\ \r\u001b[2J"
	| .results |= map(.workload = "w\u202e\"x\\\\y\nz")' "$FIXTURE" >"$T/hostile.json"

for monitor in false true; do
	printf '[monitor]\nenabled = %s\n' "$monitor" >"$T/d.ini"
	rm -f "$DB" "$DB"-wal "$DB"-shm
	start_daemon --config "$T/d.ini"
	check() { # what
		http_code /metrics >/dev/null
		cp "$T/last_body" "$T/metrics"
		promtool check metrics <"$T/metrics" >"$T/promtool.out" 2>&1 ||
			fail "promtool check metrics ($1, monitor $monitor): $(cat "$T/promtool.out")"
		echo "ok   promtool: $1, monitor $monitor ($(grep -c '^bouncelab' "$T/metrics") samples)"
	}
	check "empty store"
	for f in plain hostile; do
		code=$(http_code -X POST --data-binary @"$T/$f.json" /api/v1/runs)
		[ "$code" = 201 ] || fail "POST $f: $code $(cat "$T/last_body")"
	done
	check "two runs, one with hostile text"
	grep -q '^bouncelab_latest_operations_per_second{' "$T/metrics" || fail "no throughput series"
	stop_daemon
done
