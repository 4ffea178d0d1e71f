#!/usr/bin/env bash
# bouncelabd's bounce monitor degrades cleanly and samples where it can:
#  A. tracepoints missing (tracefs pointed at an empty folder): the daemon
#     says why exactly once, reports bouncelabd_monitor_up 0, keeps serving;
#  B. on a kernel where swiotlb:swiotlb_bounced is visible and perf allows
#     it, one sample per interval is stored (system-wide row at least) and
#     /metrics says bouncelabd_monitor_up 1. Where it is not visible, B is
#     reported as not run (with the reason) and A still decides;
#  C. run as an unprivileged user: the reason (permission) said once, serving.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd"

metric() { # name -> value
	http_code /metrics >/dev/null
	awk -v n="$1" '$1 == n {print $2}' "$T/last_body"
}

mkdir -p "$T/empty-tracefs/events"
printf '[monitor]\ninterval = 1s\ntracefs = %s\n' "$T/empty-tracefs" >"$T/none.ini"
start_daemon --config "$T/none.ini"
sleep 2.5
healthz_ok || fail "A: daemon not serving without tracepoints"
[ "$(metric bouncelabd_monitor_up)" = 0 ] || fail "A: monitor_up should be 0"
said=$(grep -c "monitor: swiotlb:swiotlb_bounced: no such tracepoint" "$T/daemon.log")
[ "$said" = 1 ] || fail "A: expected the reason logged exactly once, got $said times"
[ "$(metric bouncelab_monitor_samples_stored)" = 0 ] || fail "A: samples stored without a monitor (bounces would be unknown, not 0)"
stop_daemon
echo "A: no tracepoints: said once, serving, no samples: ok"

rm -f "$DB" "$DB"-*
printf '[monitor]\ninterval = 1s\n' >"$T/auto.ini"
: >"$T/daemon.log"
start_daemon --config "$T/auto.ini"
sleep 3.5
if grep -q "monitor: sampling swiotlb:swiotlb_bounced" "$T/daemon.log"; then
	[ "$(metric bouncelabd_monitor_up)" = 1 ] || fail "B: monitor_up should be 1"
	n=$(metric bouncelab_monitor_samples_stored)
	[ "${n:-0}" -ge 2 ] || fail "B: expected >= 2 samples after 3.5 s at 1 s intervals, got ${n:-none}"
	echo "B: sampling: $n samples stored in 3.5 s: ok"
else
	echo "B: not run here: $(grep -m1 'monitor:' "$T/daemon.log" | sed 's/^bouncelabd: warning: //')"
	[ "$(metric bouncelabd_monitor_up)" = 0 ] || fail "B: monitor_up should be 0 when not sampling"
fi
stop_daemon

# C. Without privileges (perf and tracefs closed to an unprivileged user):
# the reason is said once and the daemon serves.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 0711 "$T" # let the unprivileged user reach its folder
	mkdir -m 0777 "$T/nobody"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ROOT/$BUILD/bouncelabd" --foreground \
		--db "$T/nobody/db" --socket "$T/nobody/sock" 2>"$T/nobody.log" &
	DPID=$!
	for i in $(seq 1 100); do [ -S "$T/nobody/sock" ] && break; sleep 0.05; done
	sleep 0.3
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --unix-socket "$T/nobody/sock" http://d/healthz)
	[ "$code" = 200 ] || { cat "$T/nobody.log"; fail "C: unprivileged daemon not serving ($code)"; }
	n=$(grep -c "running without the bounce monitor" "$T/nobody.log")
	[ "$n" = 1 ] || { cat "$T/nobody.log"; fail "C: expected the reason once, got $n"; }
	echo "C: unprivileged: $(grep -m1 'monitor:' "$T/nobody.log" | sed 's/^bouncelabd: warning: //')"
	stop_daemon
else
	echo "C: not run (needs root and setpriv to drop privileges)"
fi
echo "monitor: ok"
