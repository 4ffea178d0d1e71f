#!/usr/bin/env bash
# Fair scheduling (issue 17, defect 9): a schedule that is always due
# (every = 1s, a command that takes milliseconds) must not starve the one
# after it in the file; it did: the second ran 0 times in 6 s.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd" "$BUILD/tools/fake_gembench"
command -v jq >/dev/null || { echo "jq missing"; exit 77; }

ln -s "$ROOT/$BUILD/tools/fake_gembench" "$T/fake_gembench"
ln -s "$ROOT/$FIXTURE" "$T/fixture.json"
FAKE="$T/fake_gembench --template $T/fixture.json --log $T/starts"
cat >"$T/sched.ini" <<INI
[monitor]
enabled = false
[schedule greedy]
every = 1s
command = $FAKE --name greedy
[schedule second]
every = 1s
command = $FAKE --name second
INI
starts() { local n; n=$(grep -c "^$1 " "$T/starts" 2>/dev/null); echo "${n:-0}"; }

start_daemon --config "$T/sched.ini"
sleep 6
g=$(starts greedy); s=$(starts second)
stop_daemon
echo "in 6 s: greedy started $g times, second $s times"
[ "$s" -ge 2 ] || fail "second: started $s times in 6 s next to an always-due schedule (starved)"
[ "$g" -ge 2 ] || fail "greedy: started $g times in 6 s"
d=$((g > s ? g - s : s - g))
[ "$d" -le 1 ] || fail "unfair: greedy $g starts, second $s"
echo ok
