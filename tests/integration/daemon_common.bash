# Helpers for the bouncelabd integration tests (sourced, not a test itself).
# Every daemon a test starts runs in its own scratch folder and is stopped
# by PID on exit; nothing here touches var/ or another daemon.
set -u

BUILD=${BOUNCELAB_BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

need_built() { # paths...
	local p
	for p in "$@"; do
		if [ ! -x "$p" ]; then
			echo "not built: $p (make BUILD=$BUILD build... first; make check does)" >&2
			exit 1
		fi
	done
}

T=$(mktemp -d /tmp/bouncelabd-test.XXXXXX)
DPID=""
SOCK=$T/sock
DB=$T/db

cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	if [ -n "${KEEP_SCRATCH:-}" ]; then echo "scratch kept: $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T/daemon.log" ]; then
		echo "--- daemon log (tail) ---" >&2
		tail -n 40 "$T/daemon.log" >&2
	fi
	exit 1
}

# http CODE-ONLY request over the unix socket: http_code [curl args...] PATH
http_code() {
	local path=${!#}
	local args=("${@:1:$#-1}")
	curl -s -o "$T/last_body" -w '%{http_code}' --max-time 20 --unix-socket "$SOCK" "${args[@]}" "http://bouncelabd$path"
}

healthz_ok() { # leaves $T/last_body alone
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --unix-socket "$SOCK" http://bouncelabd/healthz)" = 200 ]
}

# start_daemon [extra options...]: starts bouncelabd in the foreground (background job), waits for /healthz.
start_daemon() {
	"$BUILD/bouncelabd" --foreground --db "$DB" --socket "$SOCK" "$@" >>"$T/daemon.log" 2>&1 &
	DPID=$!
	local i
	for i in $(seq 1 200); do
		if healthz_ok; then return 0; fi
		kill -0 "$DPID" 2>/dev/null || fail "bouncelabd exited at start-up"
		sleep 0.05
	done
	fail "bouncelabd did not answer /healthz within 10 s"
}

# stop_daemon: SIGTERM, expects a clean exit (status 0; sanitizers report through it).
stop_daemon() {
	kill -TERM "$DPID"
	local rc=0
	wait "$DPID" || rc=$?
	DPID=""
	[ "$rc" = 0 ] || fail "bouncelabd exited with status $rc after SIGTERM"
}

FIXTURE=tests/fixtures/result-6.12-force-udmabuf-import.json
