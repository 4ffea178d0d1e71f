#!/usr/bin/env bash
# The systemd unit (issue 17, defect 12), as far as this machine can check
# without systemd as PID 1:
#  - systemd-analyze verify passes on configs/bouncelabd.service (ExecStart
#    pointed at this build's daemon);
#  - systemd-analyze security rates its exposure 3.0 or less (was 9.0);
#  - Type=notify: the daemon sends READY=1 to $NOTIFY_SOCKET once it serves,
#    STOPPING=1 when it stops;
#  - logs to the journal carry their priority ("<3>" for an error) when
#    stderr is the journal's stream ($JOURNAL_STREAM);
#  - the daemon serves under the unit's NoNewPrivileges and capability
#    bounding set (setpriv), with its UMask.
# Skips (77) without systemd-analyze.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd"
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze missing"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing (it plays systemd's notify socket)"; exit 77; }
UNIT=configs/bouncelabd.service

# verify, with the binary this build made
sed "s|/usr/local/bin/bouncelabd|$ROOT/$BUILD/bouncelabd|" "$UNIT" >"$T/bouncelabd.service"
systemd-analyze verify "$T/bouncelabd.service" >"$T/verify.log" 2>&1 || fail "systemd-analyze verify: $(cat "$T/verify.log")"
[ -s "$T/verify.log" ] && fail "systemd-analyze verify complains: $(cat "$T/verify.log")"
echo "ok   systemd-analyze verify"

# exposure
systemd-analyze security --offline=true "$UNIT" >"$T/security.log" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T/security.log")
[ -n "$score" ] || fail "systemd-analyze security said no score: $(tail -n 3 "$T/security.log")"
awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' || fail "exposure $score, more than 3.0: $(grep '✗' "$T/security.log" | head -20)"
echo "ok   exposure $score (at most 3.0)"

# Type=notify, under the unit's no-new-privileges and capability bounding set when setpriv can
python3 - "$T/notify" >"$T/notify.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
for _ in range(2):
    print(s.recv(4096).decode().replace("\n", " "), flush=True)
PY
NPID=$!
for i in $(seq 1 50); do [ -S "$T/notify" ] && break; sleep 0.05; done
wrap=()
if command -v setpriv >/dev/null && setpriv --no-new-privs --bounding-set -all,+perfmon,+dac_read_search true 2>/dev/null; then
	wrap=(setpriv --no-new-privs --bounding-set -all,+perfmon,+dac_read_search)
fi
printf '[monitor]\nenabled = false\n' >"$T/d.ini"
(umask 0027; NOTIFY_SOCKET=$T/notify exec "${wrap[@]}" "$BUILD/bouncelabd" --foreground --db "$DB" --socket "$SOCK" \
	--config "$T/d.ini" >>"$T/daemon.log" 2>&1) &
DPID=$!
for i in $(seq 1 200); do healthz_ok && break; sleep 0.05; done
healthz_ok || fail "the daemon does not serve${wrap:+ under ${wrap[*]}}"
stop_daemon
wait $NPID
grep -q '^READY=1' "$T/notify.out" || fail "no READY=1 on \$NOTIFY_SOCKET: $(cat "$T/notify.out")"
grep -q '^STOPPING=1' "$T/notify.out" || fail "no STOPPING=1 on \$NOTIFY_SOCKET: $(cat "$T/notify.out")"
[ "$(stat -c %a "$DB")" = 640 ] || fail "the database is mode $(stat -c %a "$DB") under UMask=0027"
echo "ok   READY=1 and STOPPING=1 sent${wrap:+, under ${wrap[*]}}; database mode 640 under UMask=0027"

# journal priorities: stderr matching $JOURNAL_STREAM gets "<N>" prefixes
exec 3>"$T/journal.log"
js=$(stat -L -c '%d:%i' /proc/self/fd/3)
JOURNAL_STREAM=$js timeout 20 "$BUILD/bouncelabd" --foreground --config /dev/zero --db "$DB" --socket "$SOCK" 2>&3 || true
exec 3>&-
grep -q '^<3>bouncelabd: error: ' "$T/journal.log" || fail "no '<3>' priority on an error for the journal: $(head -3 "$T/journal.log")"
timeout 20 "$BUILD/bouncelabd" --foreground --config /dev/zero --db "$DB" --socket "$SOCK" 2>"$T/plain.log" || true
grep -q '^<' "$T/plain.log" && fail "a priority prefix without the journal: $(head -1 "$T/plain.log")"
echo "ok   journal priorities"
