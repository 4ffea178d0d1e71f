#!/usr/bin/env bash
# bouncelab ingest / runs / status straight against a database (no daemon):
# per-document answers, duplicates stored once, rejected documents named
# with their reason while valid ones are still stored, filters, JSON output,
# a database from a newer bouncelab refused.
set -u
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
bl=$PWD/$build/bouncelab
# Built by `make check` (make all) with that build's flags; building here could mix flags.
[ -x "$bl" ] || { echo "not built: $bl (make BUILD=$build $build/bouncelab first; make check does)"; exit 1; }
fx=$PWD/tests/fixtures
# the newest migration in schema/: what a fresh database is stamped with
latest=$(ls schema/[0-9][0-9][0-9][0-9]_*.sql | tail -n 1 | sed 's|.*/0*\([0-9][0-9]*\)_.*|\1|')
[ -n "$latest" ] || { echo "no migrations in schema/"; exit 1; }

work=$(mktemp -d /tmp/bl-store-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
export BOUNCELAB_DB=$work/db/test.db BOUNCELAB_SOCKET=$work/none.sock
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

# nothing stored yet
out=$("$bl" status); rc=$?
check "status on a missing database exits 0" test $rc -eq 0
check "status says nothing is stored" grep -q 'does not exist yet' <<<"$out"
check "status says the daemon is not reachable" grep -q '^daemon: *not reachable' <<<"$out"

# one pretty-printed document, then JSON Lines with the same run again
out=$("$bl" ingest "$fx/result-6.12-force-udmabuf-import.json" 2>&1); rc=$?
check "ingest one document exits 0" test $rc -eq 0
check "ingest says stored" grep -q '3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01: stored' <<<"$out"
check "ingest went straight into the database" grep -q 'directly into' <<<"$out"
out=$("$bl" ingest - < "$fx/results.jsonl" 2>&1); rc=$?
check "ingest JSON Lines from stdin exits 0" test $rc -eq 0
check "the repeated run is a duplicate" grep -q '<stdin>:3: 3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01: duplicate' <<<"$out"
check "summary counts 4 stored 1 duplicate" grep -q 'ingest: 4 stored, 1 duplicate, 0 rejected' <<<"$out"

# bad documents among good ones: good ones stored, exit 1, reasons named
{
	printf '%s\n' '{"format": 1, "run_id": "not-a-uuid"}'
	printf '%s\n' '{"format": 1, "run_id": "3f6c1a52-'
	jq -c '.run_id = "11111111-2222-4333-8444-555555555555"' "$fx/result-6.1-force-virtio-create.json" 2>/dev/null ||
		sed 's/9b1e44d0-7c3f-4e21-a0d4-5f8e6c2b7a03/11111111-2222-4333-8444-555555555555/' "$fx/result-6.1-force-virtio-create.json"
	sed 's/"swiotlb_bounced": 300,/"swiotlb_bounced": "300",/' "$fx/result-6.1-force-virtio-create.json" |
		sed 's/9b1e44d0-7c3f-4e21-a0d4-5f8e6c2b7a03/22222222-2222-4333-8444-555555555555/'
} > mixed.json
out=$("$bl" ingest mixed.json 2>&1); rc=$?
check "ingest with rejected documents exits 1" test $rc -eq 1
check "bad UUID rejected with its field" grep -q 'rejected: run_id: expected a UUID' <<<"$out"
check "truncated JSON rejected with its position" grep -q 'mixed.json:2: -: rejected: invalid JSON at line 2' <<<"$out"
check "valid document after the bad ones stored" grep -q '11111111-2222-4333-8444-555555555555: stored' <<<"$out"
check "wrong counter type rejected with its path" grep -q 'rejected: results\[0\].counters.swiotlb_bounced: expected an integer or null, got string' <<<"$out"
out=$("$bl" ingest does-not-exist.json 2>&1); rc=$?
check "a missing file exits 1" test $rc -eq 1
check "a missing file is named" grep -q 'ingest: does-not-exist.json: read: No such file or directory' <<<"$out"

# a directory: every *.json / *.jsonl below it, hidden folders left out
mkdir -p tree/6.12-force-boot0 tree/.work empty
cp "$fx/result-6.12-force-udmabuf-import.json" tree/6.12-force-boot0/a.json
cp "$fx/result-skipped-no-device.json" tree/.work/hidden.json
echo not a document >tree/6.12-force-boot0/console.log
out=$("$bl" ingest --db dir.db tree 2>&1); rc=$?
check "ingest DIR exits 0" test $rc -eq 0
check "ingest DIR stores the document below it, not the hidden one" grep -q 'ingest: 1 stored, 0 duplicate, 0 rejected' <<<"$out"
out=$("$bl" ingest --db dir.db empty 2>&1); rc=$?
check "ingest of a folder without documents exits 1, saying so" \
	bash -c '[ "$1" -eq 1 ] && grep -q "empty: no \*.json or \*.jsonl files below it" <<<"$2"' _ $rc "$out"

# runs: filters and JSON
out=$("$bl" runs)
check "runs lists 6 runs" test "$(grep -c '^[0-9a-f]\{8\}-' <<<"$out")" -eq 6
out=$("$bl" runs --kernel 6.1)
check "runs --kernel 6.1 does not match 6.12" test "$(grep -c '^[0-9a-f]\{8\}-' <<<"$out")" -eq 2
out=$("$bl" runs --kernel 6.12 --mode force --device vgem)
check "runs --kernel 6.12 --mode force --device vgem" test "$(grep -c '^[0-9a-f]\{8\}-' <<<"$out")" -eq 2
out=$("$bl" runs --since 2026-11-20T02:01:00Z --until 2026-11-20T02:06:00Z)
check "runs --since/--until" test "$(grep -c '^[0-9a-f]\{8\}-' <<<"$out")" -eq 3
out=$("$bl" runs --until 2026-11-19 2>&1)
check "runs --until a day before matches nothing" grep -q 'no run matches' <<<"$out"
out=$("$bl" runs --status failed --results --json)
check "runs --json is JSON with the failed run's rows" python3 -c '
import json, sys
runs = json.loads(sys.argv[1])
assert len(runs) == 1 and runs[0]["status"] == "failed", runs
rows = runs[0]["results"]
assert len(rows) == 2 and rows[1]["failed_ops"] == 60, rows
' "$out"
out=$("$bl" runs --kernel 6.1 --results --json)
check "NULL counters stay null in JSON, never 0" python3 -c '
import json, sys
runs = json.loads(sys.argv[1])
for run in runs:
    for r in run["results"]:
        if run["kernel"] == "6.1.0-41-amd64":
            assert r["counters"]["dma_map_sg"] is None and r["bounce_rate"] is None, r
            assert r["unavailable"]["dma_map_sg"] == "no dma:* tracepoints on this kernel", r
            assert r["unavailable"]["bounce_rate"] == "needs dma_map_segments", r
' "$out"
check "runs --mode bogus is a usage error" bash -c "'$bl' runs --mode bogus 2>/dev/null; test \$? -eq 2"

# export the stored documents and ingest them into another database
"$bl" runs --documents > export.jsonl
check "runs --documents gives one line per run" test "$(wc -l < export.jsonl)" -eq 6
out=$("$bl" ingest --db copy.db export.jsonl 2>&1); rc=$?
check "the export ingests into a fresh database" grep -q 'ingest: 6 stored, 0 duplicate, 0 rejected' <<<"$out"
out=$("$bl" runs --db copy.db --run 9B1E44D0-7C3F-4E21-A0D4-5F8E6C2B7A03 --documents)
check "runs --run UUID --documents gives that document" grep -q '"run_id": "9b1e44d0-7c3f-4e21-a0d4-5f8e6c2b7a03"' <<<"$out"

out=$("$bl" status)
check "status counts 6 runs" grep -q 'runs: *6 stored' <<<"$out"
check "status shows the schema version ($latest, the newest in schema/)" grep -qw "schema version $latest" <<<"$out"

# the stored document is the text as it was in the file, byte for byte
if command -v sqlite3 >/dev/null; then
	sqlite3 "$BOUNCELAB_DB" "SELECT document FROM runs WHERE uuid = '9b1e44d0-7c3f-4e21-a0d4-5f8e6c2b7a03'" > stored.json
	sed -n '1p' "$fx/results.jsonl" > original.json
	check "the stored document is the original text" cmp -s stored.json original.json
fi

# a database written by a newer bouncelab is refused, not touched
if command -v sqlite3 >/dev/null; then
	cp "$BOUNCELAB_DB" newer.db
	sqlite3 newer.db 'PRAGMA user_version = 999'
	out=$("$bl" status --db newer.db 2>&1); rc=$?
	check "status on a newer database exits 1" test $rc -eq 1
	check "the refusal names the versions" grep -q 'schema version 999 is newer than this bouncelab knows' <<<"$out"
	out=$("$bl" ingest --db newer.db "$fx/result-skipped-no-device.json" 2>&1); rc=$?
	check "ingest into a newer database fails" test $rc -eq 1
	check "newer database left at its version" test "$(sqlite3 newer.db 'PRAGMA user_version')" = 999
fi

[ $fails -eq 0 ] || { echo "FAIL: $fails check(s) failed"; exit 1; }
echo "PASS: store CLI"
