#!/usr/bin/env bash
# bouncelabd's scheduler (issue 5 acceptance), with fake_gembench (a test
# double that prints a canned document marked tool.name=fake_gembench):
#  1. a schedule every 3 s runs its job and the documents are stored;
#  2. a hanging job is killed at its 1 s timeout and stored as "timeout"
#     with its stderr tail;
#  3. runs never overlap;
#  4. a restart (SIGTERM, and SIGKILL in the middle of a run) does not run
#     a job twice;
#  5. a schedule missed while the daemon was down runs once at start-up;
#  6. with a baseline selector, each run is judged against earlier runs;
#  7. a command that cannot be exec'd (a missing interpreter, not a
#     program) is stored as a failed run saying why, not as an exit 127.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd" "$BUILD/tools/fake_gembench"
command -v jq >/dev/null || { echo "jq missing"; exit 77; }

# Short paths through $T: inih reads at most 199 characters a line, and a
# command line naming the checkout and the build folder twice can be longer.
ln -s "$ROOT/$BUILD/tools/fake_gembench" "$T/fake_gembench"
ln -s "$ROOT/$FIXTURE" "$T/fixture.json"
FAKE="$T/fake_gembench --template $T/fixture.json --log $T/starts"
cat >"$T/sched.ini" <<INI
[monitor]
enabled = false
[schedule fast]
every = 3s
command = $FAKE --name fast
timeout = 10s
[schedule hang]
every = 1h
command = $FAKE --name hang --hang
timeout = 1s
INI
starts() { grep -c "^$1 " "$T/starts" 2>/dev/null || echo 0; }
runs_of() { # job [status] -> count stored
	http_code "/api/v1/runs?job=$1${2:+&status=$2}&limit=1000" >/dev/null
	jq .count "$T/last_body"
}

start_daemon --config "$T/sched.ini"
sleep 7.5
# fast ran at 0 s, 3 s(ish), 6 s(ish); hang ran once in between and was killed at 1 s.
f=$(starts fast); h=$(starts hang)
echo "after 7.5 s: fast started $f times, hang $h times"
[ "$f" -ge 2 ] && [ "$f" -le 4 ] || fail "fast: expected 2..4 starts in 7.5 s with every = 3s, got $f"
[ "$h" = 1 ] || fail "hang: expected 1 start, got $h"
[ "$(runs_of fast ok)" = "$f" ] || fail "fast: $f starts but $(runs_of fast ok) stored runs"
[ "$(runs_of hang timeout)" = 1 ] || fail "hang: not stored as timeout"
http_code "/api/v1/runs?job=hang&status=timeout" >/dev/null
id=$(jq -r '.runs[0].run_id' "$T/last_body")
http_code "/api/v1/runs/$id" >/dev/null
jq -r .error "$T/last_body" | grep -q "hanging on purpose" || fail "timeout run: stderr tail missing: $(jq -r .error "$T/last_body")"
grep -q "schedule hang: timeout" "$T/daemon.log" || fail "no one-line summary for the timeout run"
grep -q "schedule fast: ok, exit 0" "$T/daemon.log" || fail "no one-line summary for the fast run"
pgrep -f -- "--name hang --hang" >/dev/null && fail "the hanging job's process survived its timeout"

# Runs never overlap: each start comes after the previous run ended.
# (fast runs take milliseconds, hang takes its 1 s timeout: no start may fall inside it)
hang_start=$(awk '$1=="hang"{print $2}' "$T/starts")
awk -v hs="$hang_start" '$1=="fast" && $2 > hs && $2 < hs + 1000000000 {bad=1} END{exit bad}' "$T/starts" ||
	fail "a fast run started while hang was running"

# Restart with SIGTERM: neither schedule runs again early.
before=$(starts fast)
stop_daemon
start_daemon --config "$T/sched.ini"
sleep 1.5
[ "$(starts hang)" = 1 ] || fail "restart ran 'hang' (every 1h) again"
awk '$1=="fast"{ if (p && $2 - p < 2000000000) bad=1; p=$2 } END{exit bad}' "$T/starts" ||
	fail "restart ran 'fast' twice within its 3 s interval: $(cat "$T/starts")"
stop_daemon

# SIGKILL in the middle of a run: the run is not repeated at restart.
cat >"$T/once.ini" <<INI
[monitor]
enabled = false
[schedule once]
every = 1h
command = $FAKE --name once --hang
timeout = 30s
INI
start_daemon --config "$T/once.ini"
for i in $(seq 1 50); do [ "$(starts once)" = 1 ] && break; sleep 0.1; done
[ "$(starts once)" = 1 ] || fail "once: did not start"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
sleep 0.3
pgrep -f -- "--name once --hang" >/dev/null && fail "the job outlived the SIGKILLed daemon (PR_SET_PDEATHSIG)"
start_daemon --config "$T/once.ini"
sleep 2
[ "$(starts once)" = 1 ] || fail "once: ran again after the daemon was SIGKILLed mid-run"
grep -q "scheduler: 1 run left running by a previous daemon marked failed" "$T/daemon.log" ||
	fail "the run the SIGKILLed daemon left 'running' was not closed at restart"
stop_daemon

# A schedule missed while the daemon was down runs once at start-up, not once per missed slot.
: >"$T/starts"
sleep 7 # fast (every 3 s) missed two slots
start_daemon --config "$T/sched.ini"
sleep 1.5
[ "$(starts fast)" = 1 ] || fail "missed schedule: expected exactly one catch-up run, got $(starts fast)"
stop_daemon

# The nightly verdict: each run is compared with the earlier runs its
# baseline selector picks; the first has none, later ones get a verdict.
cat >"$T/judged.ini" <<INI
[monitor]
enabled = false
[schedule judged]
every = 2s
command = $FAKE --name judged
baseline = job=judged,last=5
INI
start_daemon --config "$T/judged.ini"
sleep 5
stop_daemon
grep -q "schedule judged: verdict: none: .*no baseline runs" "$T/daemon.log" || fail "first judged run: no 'no baseline' note"
grep -q "schedule judged: verdict against 'job=judged,last=5'" "$T/daemon.log" || fail "later judged runs got no verdict"
grep -q "schedule judged: ok, exit 0, .*verdict: [0-9]* worse" "$T/daemon.log" || fail "summary line lacks the verdict"
grep "schedule judged: verdict against" "$T/daemon.log" | head -n 1

# A command the exec refuses: executable files that cannot be run. The
# start fails (lib/subprocess.h reports the exec's errno), and the run is
# stored as failed with that reason.
printf '#!/nonexistent/interpreter\n' >"$T/no-interp.sh"
printf 'not a program\n' >"$T/not-a-program"
chmod +x "$T/no-interp.sh" "$T/not-a-program"
cat >"$T/broken.ini" <<INI
[monitor]
enabled = false
[schedule nointerp]
every = 1h
command = $T/no-interp.sh
[schedule noexec]
every = 1h
command = $T/not-a-program
INI
start_daemon --config "$T/broken.ini"
sleep 1.5
for name in nointerp noexec; do
	[ "$(runs_of $name failed)" = 1 ] || fail "$name: not stored as one failed run: $(runs_of $name failed)"
done
http_code "/api/v1/runs?job=nointerp&status=failed" >/dev/null
id=$(jq -r '.runs[0].run_id' "$T/last_body")
http_code "/api/v1/runs/$id" >/dev/null
jq -r .error "$T/last_body" | grep -q "start $T/no-interp.sh: No such file or directory" ||
	fail "nointerp: the stored run does not say why: $(jq -r .error "$T/last_body")"
http_code "/api/v1/runs?job=noexec&status=failed" >/dev/null
id=$(jq -r '.runs[0].run_id' "$T/last_body")
http_code "/api/v1/runs/$id" >/dev/null
jq -r .error "$T/last_body" | grep -q "start $T/not-a-program: Exec format error" ||
	fail "noexec: the stored run does not say why: $(jq -r .error "$T/last_body")"
grep -q "schedule noexec: start $T/not-a-program: Exec format error" "$T/daemon.log" ||
	fail "noexec: no error line in the log"
stop_daemon
echo "scheduler: ok"
