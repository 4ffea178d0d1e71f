#!/usr/bin/env bash
# The smaller defects of issue 17 (11), one check each:
#  - a 0-byte database file is refused by bouncelabd unless --init;
#  - a foreign SQLite file opened read-only says "not a bouncelab database"
#    (it said "open it once read-write to migrate");
#  - a run_id posted in upper case is stored in its canonical (lower) form;
#  - a bad --metric is reported once, not twice;
#  - the start-up error does not say "store: store:" (daemon_health.sh checks
#    the damaged-database message; this one the empty file's).
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd" "$BUILD/bouncelab"
command -v jq >/dev/null || { echo "jq missing"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 missing"; exit 77; }
printf '[monitor]\nenabled = false\n' >"$T/d.ini"

# 0-byte database: refused, naming why and the way out; --init makes one
: >"$DB"
rc=0
timeout 20 "$BUILD/bouncelabd" --foreground --db "$DB" --socket "$SOCK" --config "$T/d.ini" >"$T/empty.log" 2>&1 || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "0-byte database: bouncelabd started (status $rc)"
grep -q "empty file (0 bytes)" "$T/empty.log" && grep -q -- "--init" "$T/empty.log" ||
	fail "0-byte database: the refusal does not say why: $(cat "$T/empty.log")"
grep -q "store: store:" "$T/empty.log" && fail "0-byte database: 'store: store:' in $(cat "$T/empty.log")"
[ "$(stat -c %s "$DB")" = 0 ] || fail "0-byte database: the file was written to"
echo "ok   a 0-byte database is refused"
start_daemon --config "$T/d.ini" --init
echo "ok   --init makes a new database in it"

# upper-case run_id: stored lower-case, document and key alike
jq -c '.run_id = "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"' "$FIXTURE" >"$T/upper.json"
code=$(http_code -X POST --data-binary @"$T/upper.json" /api/v1/runs)
[ "$code" = 201 ] || fail "upper-case run_id: POST $code $(cat "$T/last_body")"
code=$(http_code /api/v1/runs/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee)
[ "$code" = 200 ] || fail "upper-case run_id: GET by the lower-case key: $code"
[ "$(jq -r .run_id "$T/last_body")" = aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee ] ||
	fail "upper-case run_id: stored as $(jq -r .run_id "$T/last_body")"
code=$(http_code -X POST --data-binary @"$T/upper.json" /api/v1/runs)
[ "$code" = 200 ] || fail "upper-case run_id posted again: $code (a duplicate is 200)"
stop_daemon
echo "ok   an upper-case run_id is stored lower-case"

# a foreign SQLite file, read-only
sqlite3 "$T/foreign.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
out=$("$BUILD/bouncelab" runs --db "$T/foreign.db" 2>&1) && fail "foreign database: bouncelab runs succeeded"
echo "$out" | grep -q "not a bouncelab database" || fail "foreign database: '$out'"
echo "ok   a foreign SQLite file: $out"

# a store an older bouncelab wrote (schema 0001..0006): a reading command
# migrates it once and reads it, instead of refusing until something writes
old=$T/old.db
for m in schema/000[1-6]_*.sql; do sqlite3 "$old" <"$m" || fail "old store: $m"; done
sqlite3 "$old" 'PRAGMA user_version = 6;'
out=$("$BUILD/bouncelab" report --db "$old" --out "$T/old.md" --no-plots 2>&1) || fail "old store: bouncelab report failed: $out"
echo "$out" | grep -q "migrating the database" || fail "old store: no word of the migration: $out"
[ "$(sqlite3 "$old" 'PRAGMA user_version')" -gt 6 ] || fail "old store: still schema 6"
"$BUILD/bouncelab" ingest --direct --quiet --db "$old" "$FIXTURE" >/dev/null 2>&1 || fail "old store: ingest after"
out=$("$BUILD/bouncelab" runs --db "$old" 2>&1)
echo "$out" | grep -q "$(jq -r .run_id "$FIXTURE")" || fail "old store: the run stored after is not listed: $out"
echo "ok   a store of an older schema is migrated by a reading command"

# a bad --metric: one message
out=$("$BUILD/bouncelab" compare --metric nope --base kernel=6.1 --new kernel=6.12 --db "$DB" 2>&1) &&
	fail "bad --metric: compare succeeded"
[ "$(echo "$out" | grep -c -- '--metric')" = 1 ] || fail "bad --metric: reported $(echo "$out" | grep -c -- '--metric') times: $out"
echo "ok   a bad --metric is reported once"
