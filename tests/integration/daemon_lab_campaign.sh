#!/usr/bin/env bash
# bouncelabd runs lab campaigns (issue 14 acceptance, "the daemon runs
# campaigns" and "every night is judged"):
#  0. (no boot) lab = / on = values the daemon refuses at start-up, each
#     error naming the key and the value; and on = new-kernel 6.12 with a
#     test double for bouncelab (its --resolve answer is a file the test
#     writes, its "campaign" one fixture document): the schedule runs once
#     for 6.12.118, not again after a restart, and again once the index
#     answers 6.12.119; the version is kept in the store;
#  1. a [schedule camp] with lab = kernels=6.12, modes=force, boots=1,
#     job=configs/jobs/smoke.ini and every = 1s runs `bouncelab lab` twice,
#     the second campaign starting only after the first finished (no
#     double run), each in its own folder under DB's folder/campaigns/camp/;
#  2. every document each campaign wrote is stored (each run_id in the
#     folders is in the database), the scheduled runs are closed "ok";
#  3. each campaign is a judged night (nights, source schedule:camp), and
#     the second night's runs were judged against the first's: verdict rows
#     whose subject is a run of night 2 and whose baseline names the run of
#     night 1 with the same job ("last-night:<uuid>");
#  4. the daemon logged one line per judged night and per campaign;
#  5. SIGTERM in the middle of the third campaign kills its whole process
#     group: no QEMU of this test's campaigns survives, and the run is
#     stored as failed (stopped), nothing lost.
# Skips (77) without qemu, jq, sqlite3, the static gembench (make static),
# or when apt's index cannot name a 6.12 kernel and none is cached.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd" "$BUILD/bouncelab"
skip() { echo "SKIP: $*"; exit 77; }

# --- 0. refused at start-up (fast: nothing boots) ---------------------------
refused() { # what-the-error-says lines-of-the-schedule...
	local says=$1
	shift
	printf '[monitor]\nenabled = false\n[schedule bad]\n' >"$T/bad.ini"
	printf '%s\n' "$@" >>"$T/bad.ini"
	chmod 600 "$T/bad.ini"
	local rc=0
	"$BUILD/bouncelabd" --foreground --config "$T/bad.ini" --db "$T/bad.db" --socket "$T/bad.sock" \
		>"$T/bad.log" 2>&1 || rc=$?
	[ "$rc" != 0 ] || fail "bouncelabd accepted: $*"
	grep -qF -- "$says" "$T/bad.log" || fail "the error for '$*' does not say '$says': $(cat "$T/bad.log")"
	echo "refused as expected: $(tail -n 1 "$T/bad.log")"
}
JOB=configs/jobs/smoke.ini
refused "lab: boots '0'" "every = 1h" "lab = kernels=6.12, boots=0, job=$JOB"
refused "lab: job '$T/none.ini'" "every = 1h" "lab = kernels=6.12, job=$T/none.ini"
refused "lab: 'color': unknown key" "every = 1h" "lab = kernels=6.12, color=red, job=$JOB"
refused "lab: kernels is empty" "every = 1h" "lab = kernels=, job=$JOB"
refused "lab: modes 'forse'" "every = 1h" "lab = modes=forse, job=$JOB"
refused "exclude each other" "every = 1h" "command = true" "lab = job=$JOB"
refused "on = 'new-kernel 6.12.111'" "on = new-kernel 6.12.111" "lab = job=$JOB"
refused "only a lab schedule" "on = new-kernel 6.12" "job = $JOB"
# a lab that names other kernels than the series it waits for: said at start-up (a
# warning; the second schedule's error only makes the daemon stop right after it)
refused "lab kernels=6.1 boots those, not the new 6.12 version" "on = new-kernel 6.12" \
	"lab = kernels=6.1, job=$JOB" "[schedule z]" "every = 1h" "command = true" "lab = job=$JOB"
refused "lab kernels=6.12 boots those, not the new 6.12:cloud version" "on = new-kernel 6.12:cloud" \
	"lab = kernels=6.12, job=$JOB" "[schedule z]" "every = 1h" "command = true" "lab = job=$JOB"

# --- 0b. on = new-kernel, with a test double for `bouncelab lab` --------------
command -v jq >/dev/null || skip "jq not installed (make deps)"
command -v sqlite3 >/dev/null || skip "sqlite3 not installed (make deps)"
sql() { sqlite3 -batch -noheader "$DB" "$@"; }
cat >"$T/fake_bouncelab" <<SH
#!/usr/bin/env bash
# Test double of bouncelab lab: --resolve prints what $T/index says;
# otherwise one fixture document with a fresh run_id into --out DIR/6.12-force/.
[ "\$1" = lab ] || exit 2
echo "\$*" >>"$T/fake_calls"
case " \$* " in *" --resolve "*) echo "lab: --kernels 6.12: \$(cat "$T/index") (\$(cat "$T/index")-1)"; exit 0 ;; esac
while [ \$# -gt 0 ]; do [ "\$1" = --out ] && out=\$2; shift; done
id=\$(cat /proc/sys/kernel/random/uuid)
mkdir -p "\$out/6.12-force"
jq --arg id "\$id" '.run_id = \$id' "$ROOT/$FIXTURE" >"\$out/6.12-force/\$id.json"
SH
chmod +x "$T/fake_bouncelab"
cat >"$T/nk.ini" <<INI
[daemon]
bouncelab = $T/fake_bouncelab
[monitor]
enabled = false
[schedule nk]
on = new-kernel 6.12
poll = 1m
timeout = 1m
lab = modes=force, job=$JOB
INI
chmod 600 "$T/nk.ini"
campaigns_of() { grep -c -- "--out" "$T/fake_calls" 2>/dev/null || echo 0; }
wait_campaigns() { # N: until N campaigns of the double were stored (10 s at most)
	for _ in $(seq 1 100); do
		[ "$(sql "SELECT count(*) FROM scheduled_runs WHERE schedule = 'nk' AND status != 'running'" 2>/dev/null)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "new-kernel: $1 campaign(s) expected, $(campaigns_of) started: $(cat "$T/fake_calls" 2>/dev/null)"
}
echo 6.12.118 >"$T/index"
start_daemon --config "$T/nk.ini"
wait_campaigns 1
grep -q -- "--kernels 6.12 --modes force --job $JOB --out $T/campaigns/nk/" "$T/fake_calls" ||
	fail "new-kernel: the campaign was not bouncelab lab --kernels 6.12 ...: $(cat "$T/fake_calls")"
[ "$(sql "SELECT version FROM schedule_kernels WHERE schedule = 'nk' AND series = '6.12'")" = 6.12.118 ] ||
	fail "new-kernel: 6.12.118 not remembered: $(sql 'SELECT * FROM schedule_kernels')"
stop_daemon
start_daemon --config "$T/nk.ini" # polls again at start: 6.12.118 was run
for _ in $(seq 1 50); do [ "$(grep -c -- --resolve "$T/fake_calls")" -ge 2 ] && break; sleep 0.1; done
sleep 1
[ "$(campaigns_of)" = 1 ] || fail "new-kernel: 6.12.118 ran again after a restart: $(cat "$T/fake_calls")"
stop_daemon
echo 6.12.119 >"$T/index"
start_daemon --config "$T/nk.ini"
wait_campaigns 2
[ "$(campaigns_of)" = 2 ] || fail "new-kernel: 6.12.119 did not run exactly once: $(cat "$T/fake_calls")"
[ "$(sql "SELECT version FROM schedule_kernels WHERE schedule = 'nk'")" = 6.12.119 ] ||
	fail "new-kernel: 6.12.119 not remembered"
[ "$(sql "SELECT count(*) FROM scheduled_runs WHERE schedule = 'nk' AND status = 'ok'")" = 2 ] ||
	fail "new-kernel: campaigns not stored ok: $(sql "SELECT summary FROM scheduled_runs WHERE schedule = 'nk'")"
grep -q "schedule nk: apt's index has 6.12 6.12.119, newer than 6.12.118" "$T/daemon.log" ||
	fail "new-kernel: no log line naming the new version"
stop_daemon
echo "new-kernel: ran for 6.12.118, not again after a restart, then once for 6.12.119"
rm -f "$DB" "$DB"-wal "$DB"-shm
: >"$T/daemon.log"

# --- the campaigns ---------------------------------------------------------
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (make deps)"
static=${BOUNCELAB_STATIC_DIR:-build-static}
[ -x "$static/gembench" ] || skip "$static/gembench missing (make static)"
if ! "$BUILD/bouncelab" lab --kernels 6.12 --resolve >"$T/resolve.txt" 2>&1; then
	ls testbed/cache/kernels 2>/dev/null | grep -q '^linux-image-6\.12' ||
		skip "apt's index names no 6.12 kernel and none is cached: $(tail -n 1 "$T/resolve.txt")"
fi

cat >"$T/camp.ini" <<INI
[daemon]
bouncelab = $ROOT/$BUILD/bouncelab
[monitor]
enabled = false
[schedule camp]
every = 1s
timeout = 6m
lab = kernels=6.12, modes=force, boots=1, job=$JOB
INI
chmod 600 "$T/camp.ini"
rm -rf "$T/campaigns"
start=$SECONDS
start_daemon --config "$T/camp.ini"

# Two campaigns over (each ~1-2 min under load; the test's budget is 6 min).
campaigns_done() { grep -c "schedule camp: campaign " "$T/daemon.log"; }
while [ "$(campaigns_done)" -lt 2 ]; do
	[ $((SECONDS - start)) -lt 330 ] || fail "two campaigns did not finish in 330 s ($(campaigns_done) did)"
	kill -0 "$DPID" 2>/dev/null || fail "bouncelabd died"
	sleep 2
done
echo "two campaigns in $((SECONDS - start)) s"
# The third one has started (every = 1s): stop the daemon in the middle of it.
for _ in $(seq 1 50); do [ "$(ls "$T/campaigns/camp" | wc -l)" -ge 3 ] && break; sleep 0.2; done
sleep 3 # long enough for QEMU to be running
stop_daemon
leftover=$(pgrep -f -- "$T/campaigns" || true)
[ -z "$leftover" ] || fail "processes of the stopped campaign survived the daemon: $(ps -o pid,args -p "${leftover//$'\n'/,}")"

# --- 1. two campaigns, one after the other, each in its folder ---------------
mapfile -t dirs < <(ls -d "$T"/campaigns/camp/*/ | sed 's|/$||' | sort)
[ "${#dirs[@]}" -ge 3 ] || fail "expected 3 campaign folders, found ${#dirs[@]}: ${dirs[*]}"
mapfile -t sched < <(sql "SELECT status || ' ' || started_unix || ' ' || ifnull(finished_unix, 0) FROM scheduled_runs
	WHERE schedule = 'camp' ORDER BY id")
echo "scheduled runs: ${sched[*]}"
read -r st1 s1 f1 <<<"${sched[0]}"
read -r st2 s2 f2 <<<"${sched[1]}"
read -r st3 _ _ <<<"${sched[2]:-none 0 0}"
[ "$st1" = ok ] && [ "$st2" = ok ] || fail "campaigns 1 and 2: status $st1, $st2 (expected ok): $(sql 'SELECT summary FROM scheduled_runs')"
[ "$s2" -ge "$f1" ] || fail "campaign 2 started at $s2, before campaign 1 finished at $f1: a double run"
[ "$st3" = failed ] || fail "campaign 3, stopped by SIGTERM: status $st3, expected failed"

# --- 2. every document stored ------------------------------------------------
uuids_of() { # campaign folder -> "job uuid" lines
	local d
	for d in "$1"/*/*.json; do jq -r '"\(.job.name) \(.run_id)"' "$d"; done
}
for k in 0 1; do
	n=0
	while read -r job id; do
		[ "$(sql "SELECT count(*) FROM runs WHERE uuid = lower('$id')")" = 1 ] ||
			fail "campaign $((k + 1)): $job run $id not stored"
		n=$((n + 1))
	done < <(uuids_of "${dirs[$k]}")
	[ "$n" -ge 1 ] || fail "campaign $((k + 1)) wrote no document in ${dirs[$k]}"
	echo "campaign $((k + 1)): $n documents, all stored"
done

# --- 3. nights judged, night 2 against night 1 ---------------------------------
mapfile -t nights < <(sql "SELECT id FROM nights WHERE source = 'schedule:camp' AND status = 'judged' ORDER BY id")
[ "${#nights[@]}" -ge 2 ] || fail "expected 2 judged nights of schedule:camp, found ${#nights[@]}"
n2=${nights[1]}
checked=0
while read -r job id2; do
	id1=$(uuids_of "${dirs[0]}" | awk -v j="$job" '$1 == j {print $2}')
	[ -n "$id1" ] || fail "night 1 has no run of job $job"
	rows=$(sql "SELECT count(*) FROM verdicts WHERE night_id = $n2 AND subject = lower('$id2')
		AND baseline = 'last-night:' || lower('$id1')")
	[ "$rows" -gt 0 ] || fail "no verdict row of night 2's $job run $id2 against night 1's $id1: $(sql "SELECT subject, baseline, metric, verdict FROM verdicts WHERE night_id = $n2 LIMIT 5")"
	echo "night $n2: $job: $rows verdict rows against last-night:$id1 ($(sql "SELECT group_concat(verdict || '=' || c, ' ') FROM (SELECT verdict, count(*) c FROM verdicts WHERE night_id = $n2 AND subject = lower('$id2') GROUP BY verdict)"))"
	checked=$((checked + 1))
done < <(uuids_of "${dirs[1]}")
[ "$checked" -ge 1 ] || fail "night 2 has no runs to check"

# --- 4. the log ----------------------------------------------------------------
grep -q "schedule camp: night $n2 judged: .* runs\?; against last night: " "$T/daemon.log" ||
	fail "no log line for night $n2's judgement"
grep -q "schedule camp: campaign ok, exit 0, .* documents stored, 0 refused, night $n2: " "$T/daemon.log" ||
	fail "no one-line summary of campaign 2"
grep -q "schedule camp: campaign failed, .*interrupted\|schedule camp: campaign failed, exit" "$T/daemon.log" ||
	fail "no summary line of the stopped campaign 3"
echo "daemon lab campaign: ok in $((SECONDS - start)) s"
