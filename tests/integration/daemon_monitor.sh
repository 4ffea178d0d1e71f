#!/usr/bin/env bash
# bouncelabd's bounce monitor degrades cleanly and samples where it can:
#  A. tracepoints missing (tracefs pointed at an empty folder): the daemon
#     says why exactly once, reports bouncelabd_monitor_up 0, keeps serving;
#  B. on a kernel where swiotlb:swiotlb_bounced is visible and perf allows
#     it, one sample per interval is stored (system-wide row at least) and
#     /metrics says bouncelabd_monitor_up 1. Where it is not visible, B is
#     reported as not run (with the reason) and A still decides.
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
echo "monitor: ok"
