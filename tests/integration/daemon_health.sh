#!/usr/bin/env bash
# /healthz says whether the daemon can serve now (issue 17, defect 2):
# 503 naming the reason when a write would fail (too little room on the
# database's file system, played with health_min_free above what is free),
# 200 otherwise; and a database whose pages were scribbled over is refused
# at start-up by PRAGMA quick_check with a message saying so, where it used
# to start and answer every request 503 while /healthz said 200.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd"
command -v jq >/dev/null || { echo "jq missing"; exit 77; }

printf '[monitor]\nenabled = false\n' >"$T/ok.ini"
printf '[daemon]\nhealth_min_free = 1000000T\n[monitor]\nenabled = false\n' >"$T/full.ini"

# 1. a healthy store: 200 "ok", and a document goes in
start_daemon --config "$T/ok.ini"
code=$(http_code /healthz)
[ "$code" = 200 ] && grep -qx ok "$T/last_body" || fail "healthy: /healthz $code $(cat "$T/last_body")"
jq -c '.run_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"' "$FIXTURE" >"$T/good.json"
code=$(http_code -X POST --data-binary @"$T/good.json" /api/v1/runs)
[ "$code" = 201 ] || fail "healthy: POST $code"
stop_daemon
echo "ok   a healthy store answers 200"

# 2. no room for a write: 503, and the answer says why
"$BUILD/bouncelabd" --foreground --db "$DB" --socket "$SOCK" --config "$T/full.ini" >>"$T/daemon.log" 2>&1 &
DPID=$!
for i in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
sleep 0.2
code=$(http_code /healthz)
[ "$code" = 503 ] || fail "disk full: /healthz answered $code, expected 503"
grep -q "free on its file system" "$T/last_body" || fail "disk full: /healthz does not say why: $(cat "$T/last_body")"
stop_daemon
echo "ok   too little free space answers 503: $(cat "$T/last_body")"

# 3. pages 4-7 scribbled over: refused at start-up, naming the damage
pages=$(( $(stat -c %s "$DB") / 4096 ))
[ "$pages" -ge 8 ] || fail "the database has only $pages pages; cannot damage pages 4-7"
cp "$DB" "$T/before"
dd if=/dev/urandom of="$DB" bs=4096 seek=3 count=4 conv=notrunc status=none
rc=0
timeout 20 "$BUILD/bouncelabd" --foreground --db "$DB" --socket "$SOCK" --config "$T/ok.ini" >"$T/damaged.log" 2>&1 || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || { cat "$T/damaged.log"; fail "damaged database: bouncelabd started (status $rc)"; }
grep -q "damaged" "$T/damaged.log" || { cat "$T/damaged.log"; fail "damaged database: the refusal does not say the database is damaged"; }
! grep -q "store: store:" "$T/damaged.log" || fail "damaged database: the message says \"store: store:\""
echo "ok   a damaged database is refused: $(grep damaged "$T/damaged.log" | head -1)"
