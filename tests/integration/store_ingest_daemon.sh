#!/usr/bin/env bash
# bouncelab ingest through bouncelabd: documents go over the daemon's unix
# socket (POST /api/v1/runs) when it answers, the answers are the same as
# straight into the database (stored / duplicate / rejected with the field),
# `bouncelab status` sees the daemon, and once the daemon is gone ingest
# falls back to the database without storing anything twice.
set -u
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
bl=$PWD/$build/bouncelab
bld=$PWD/$build/bouncelabd
# Built by `make check` (make all) with that build's flags; building here could mix flags.
for p in "$bl" "$bld"; do
	[ -x "$p" ] || { echo "not built: $p (make BUILD=$build $p first; make check does)"; exit 1; }
done
fx=$PWD/tests/fixtures

work=$(mktemp -d /tmp/bl-ingest-daemon-XXXXXX)
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export BOUNCELAB_DB=$work/var/test.db BOUNCELAB_SOCKET=$work/var/d.sock
fails=0
check() {
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

mkdir -p var
"$bld" --foreground --db "$BOUNCELAB_DB" --socket "$BOUNCELAB_SOCKET" > daemon.log 2>&1 &
daemon_pid=$!
for _ in $(seq 50); do
	"$bl" status 2>/dev/null | grep -q '^daemon: *reachable' && break
	sleep 0.1
done
out=$("$bl" status)
if ! grep -q '^daemon: *reachable' <<<"$out"; then
	echo "FAIL: bouncelabd did not come up; its log:"
	cat daemon.log
	exit 1
fi
echo "ok   status sees the daemon"

out=$("$bl" ingest "$fx/results.jsonl" "$fx/result-6.12-force-udmabuf-import.json" 2>&1); rc=$?
check "ingest through the daemon exits 0" test $rc -eq 0
check "ingest went through the daemon" grep -q 'through the daemon at' <<<"$out"
check "5 stored, 1 duplicate" grep -q 'ingest: 5 stored, 1 duplicate, 0 rejected' <<<"$out"

printf '%s\n' '{"format": 1, "run_id": "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01", "status": "ok"}' > bad.json
out=$("$bl" ingest bad.json 2>&1); rc=$?
check "a document the daemon refuses exits 1" test $rc -eq 1
check "the daemon's reason names the field" grep -q 'rejected: tool: missing' <<<"$out"

kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=
out=$("$bl" status)
check "status sees the daemon gone" grep -q '^daemon: *not reachable' <<<"$out"
check "status counts 5 runs" grep -q 'runs: *5 stored' <<<"$out"
out=$("$bl" ingest "$fx/results.jsonl" 2>&1); rc=$?
check "without the daemon ingest goes straight into the database" grep -q 'directly into' <<<"$out"
check "and finds every run already stored" grep -q 'ingest: 0 stored, 5 duplicate, 0 rejected' <<<"$out"

[ $fails -eq 0 ] || { echo "FAIL: $fails check(s) failed; daemon log:"; cat daemon.log; exit 1; }
echo "PASS: ingest through the daemon"
