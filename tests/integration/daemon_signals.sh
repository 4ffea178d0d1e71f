#!/usr/bin/env bash
# bouncelabd's signals: SIGHUP reopens the log file (log rotation) and
# reloads the configuration (a schedule added to the file starts running;
# a broken file is refused and the running configuration kept); SIGTERM
# ends with status 0 after answering what it had received, also in the
# middle of an ingest flood, and every answered document is stored. The
# log file's and the socket's folders are made at start, every level.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd" "$BUILD/tools/fake_gembench"

FAKE="$ROOT/$BUILD/tools/fake_gembench --template $ROOT/$FIXTURE --log $T/starts"
printf '[daemon]\nlog_file = %s\n[monitor]\nenabled = false\n' "$T/bouncelabd.log" >"$T/d.ini"
start_daemon --config "$T/d.ini"
grep -q "serving" "$T/bouncelabd.log" || fail "log_file not written"

# Rotation: move the file away, SIGHUP, new messages go to a new file.
mv "$T/bouncelabd.log" "$T/bouncelabd.log.1"
kill -HUP "$DPID"
sleep 0.5
[ -f "$T/bouncelabd.log" ] || fail "SIGHUP did not reopen the log file"
grep -q "config: reloaded (0 schedules)" "$T/bouncelabd.log" || fail "no reload message in the new log"

# Reload: a schedule appears.
printf '[schedule added]\nevery = 1h\ncommand = %s --name added\n' "$FAKE" >>"$T/d.ini"
kill -HUP "$DPID"
for i in $(seq 1 40); do grep -q "^added " "$T/starts" 2>/dev/null && break; sleep 0.1; done
grep -q "^added " "$T/starts" 2>/dev/null || fail "a schedule added by SIGHUP did not run"

# A broken file is refused; the daemon keeps the running configuration and serves.
printf '[daemon]\nmax_body = lots\n' >>"$T/d.ini"
kill -HUP "$DPID"
sleep 0.5
grep -q "config: reload failed" "$T/bouncelabd.log" || fail "a broken config was not refused"
healthz_ok || fail "not serving after a refused reload"

stop_daemon
grep -q "stopping" "$T/bouncelabd.log" || fail "no clean-exit message"

# SIGTERM in the middle of an ingest flood: exit 0, and every document
# answered 201/200 before the exit is in the database.
need_built "$BUILD/tools/daemon_load" "$BUILD/tools/daemon_verify"
printf '[monitor]\nenabled = false\n' >"$T/flood.ini"
start_daemon --config "$T/flood.ini"
"$BUILD/tools/daemon_load" --socket "$SOCK" --template "$FIXTURE" --docs 3000 --clients 8 \
	--ledger "$T/ledger" --deadline 4 >"$T/load.out" 2>&1 &
LPID=$!
sleep 0.4
stop_daemon
wait $LPID # it gives up on the rest at its deadline: no daemon any more
cat "$T/load.out"
answered=$(awk '$2 == 201 || $2 == 200' "$T/ledger" | wc -l)
[ "$answered" -gt 0 ] || fail "SIGTERM came before any document was answered: the check did not check"
"$BUILD/tools/daemon_verify" --db "$DB" --ledger "$T/ledger" >"$T/verify.out" || fail "a document answered before SIGTERM is missing"
cat "$T/verify.out"
# SIGTERM answers what it committed before it exits (a 300 ms grace for the answers to leave).
grep -q "unanswered_but_stored=0 " "$T/verify.out" || fail "documents were committed at SIGTERM but their clients got no answer"

# Folders that do not exist yet, two levels deep, for the log file and the socket.
SOCK=$T/run/a/b/sock
start_daemon --config "$T/flood.ini" --log-file "$T/logs/a/b/bouncelabd.log"
grep -q "serving" "$T/logs/a/b/bouncelabd.log" || fail "log file in a new nested folder not written"
[ -S "$SOCK" ] || fail "socket in a new nested folder not made"
stop_daemon
echo "signals: ok"
