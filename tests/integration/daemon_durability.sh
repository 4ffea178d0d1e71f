#!/usr/bin/env bash
# Durability of bouncelabd's ingest (issue 5 acceptance): 8 concurrent
# clients submit 2,000 documents while the daemon is killed with SIGKILL
# and restarted several times. Every document answered 201 (or 200) must be
# in the database exactly once, PRAGMA integrity_check must say ok, and the
# documents that got no answer are resubmitted by the clients (the same
# UUIDs) without creating duplicates. Finally all 2,000 are resubmitted
# once more: every answer must be 200 (duplicate) and the count unchanged.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd" "$BUILD/tools/daemon_load" "$BUILD/tools/daemon_verify"
command -v sqlite3 >/dev/null || fail "sqlite3 command missing (make deps)"

DOCS=2000
KILLS=5
SEED=$((RANDOM * 32768 + RANDOM))

start_daemon
"$BUILD/tools/daemon_load" --socket "$SOCK" --template "$FIXTURE" --docs $DOCS --clients 8 \
	--seed $SEED --ledger "$T/ledger" --deadline 100 >"$T/load.out" 2>&1 &
LPID=$!

kills=0
while [ $kills -lt $KILLS ] && kill -0 $LPID 2>/dev/null; do
	# 20-100 ms of load between kills: the daemon stores ~3,000-5,000 documents/s
	sleep "0.$(printf %02d $((2 + RANDOM % 9)))"
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=""
	kills=$((kills + 1))
	sleep "0.0$((5 + RANDOM % 5))" # clients find nobody home meanwhile
	start_daemon
done
rc=0
wait $LPID || rc=$?
cat "$T/load.out"
[ $rc = 0 ] || fail "load client: not every document was answered (exit $rc)"
echo "killed and restarted the daemon $kills times during the load"
[ $kills -ge 3 ] || fail "the load finished before 3 kills: the test did not test (make it slower)"

stop_daemon
echo "[$SECONDS s] load done"
integrity=$(sqlite3 "$DB" 'PRAGMA integrity_check')
[ "$integrity" = ok ] || fail "integrity_check: $integrity"
echo "[$SECONDS s] integrity_check: ok"
"$BUILD/tools/daemon_verify" --db "$DB" --ledger "$T/ledger" --expect $DOCS || fail "ledger and database disagree"

echo "[$SECONDS s] verified"
# Everything again: nothing new may be stored.
start_daemon
"$BUILD/tools/daemon_load" --socket "$SOCK" --template "$FIXTURE" --docs $DOCS --clients 8 \
	--seed $SEED --ledger "$T/ledger2" --deadline 60 >"$T/load2.out" 2>&1 || fail "resubmission: $(cat "$T/load2.out")"
cat "$T/load2.out"
grep -q "answered_201=0 answered_200=$DOCS " "$T/load2.out" || fail "resubmitting stored documents must answer 200 for all"
stop_daemon
"$BUILD/tools/daemon_verify" --db "$DB" --ledger "$T/ledger2" --expect $DOCS || fail "duplicates after resubmission"
echo "durability: ok"
