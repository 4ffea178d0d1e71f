#!/usr/bin/env bash
# gembench's command-line contract on any machine (no DRM device needed):
#   - the shipped job files pass --check (exit 0);
#   - bad input is refused up front with exit 1, naming file, line and key;
#   - a job whose device is absent is skipped: exit 77, the reason on stderr,
#     and with --json - stdout holds only one JSON line per job, status "skipped";
#   - without --workload (and without a job file) one job per workload the
#     backend can do; an absent device then gives exit 77 and ONE line naming it;
#   - --list and --help work.
set -u -o pipefail
cd "$(dirname "$0")/../.."

build=${BOUNCELAB_BUILD:-build}
gb=$build/gembench
[ -x "$gb" ] || { echo "SKIP: $gb missing (make)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed (make deps)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gb-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for f in configs/jobs/*.ini; do
	"$gb" --check "$f" >/dev/null || fail "--check $f"
done

# each row: file contents | text the error must contain
check_bad() {
	printf '%b' "$1" >"$tmp/bad.ini"
	out=$("$gb" --check "$tmp/bad.ini" 2>&1)
	rc=$?
	[ $rc -eq 1 ] || fail "bad job file accepted (exit $rc): $1"
	case "$out" in *"$2"*) ;; *) fail "error '$out' lacks '$2'" ;; esac
	case "$out" in *"$tmp/bad.ini"*) ;; *) fail "error '$out' does not name the file" ;; esac
}
check_bad '[a]\nworkload = create\nsizes = 12Q\n' 'bad.ini:3'
check_bad '[a]\nworkload = create\nsizes = 0\n' 'zero'
check_bad '[a]\nworklod = create\n' "unknown key 'worklod'"
check_bad '[a]\nworkload = nope\n' "unknown workload 'nope'"
# a job file section still needs its workload, even when its device names a backend
check_bad '[a]\nworkload = create\n[b]\ndevice = i915\n' "bad.ini:3: job 'b': no 'workload' key"

out=$("$gb" --workload create --sizes 12Q 2>&1); rc=$?
[ $rc -eq 1 ] || fail "--sizes 12Q: exit $rc"
case "$out" in *"--sizes"*"12Q"*) ;; *) fail "--sizes 12Q: '$out'" ;; esac

"$gb" --job configs/jobs/standard.ini --device /nonexistent/card9 --importer /nonexistent/card8 \
	--no-mount --json - >"$tmp/out.jsonl" 2>"$tmp/err.txt"
rc=$?
[ $rc -eq 77 ] || fail "absent devices: exit $rc, expected 77"
grep -q "nothing to run here" "$tmp/err.txt" || fail "no reason on stderr"
jobs=$(grep -c '^\[' configs/jobs/standard.ini)
jobs=$((jobs - 1))   # [global]
[ "$(wc -l <"$tmp/out.jsonl")" -eq "$jobs" ] || fail "expected $jobs JSON lines"
jq -e -s 'all(.[]; .format == 1 and .status == "skipped" and (.error | type == "string"))' \
	"$tmp/out.jsonl" >/dev/null || fail "documents are not all skipped with a reason"

# no --workload on the command line: one job per workload the backend can do,
# and an absent device skips them all with ONE line naming it (exit 77)
out=$("$gb" --device vgem --check 2>&1) || fail "--device vgem --check: $out"
[ "$out" = "command line: 6 jobs OK" ] || fail "--device vgem --check: '$out'"
out=$("$gb" --device i915 --importer vgem --check 2>&1) || fail "--device i915 --check: $out"
[ "$out" = "command line: 12 jobs OK" ] || fail "--device i915 --importer vgem --check: '$out'"
"$gb" --device /nonexistent/card9 --no-mount --json "$tmp/all.jsonl" >/dev/null 2>"$tmp/all.err"
rc=$?
[ $rc -eq 77 ] || fail "--device /nonexistent/card9: exit $rc, expected 77"
[ "$(wc -l <"$tmp/all.err")" -eq 1 ] || fail "absent device: not one line: $(cat "$tmp/all.err")"
grep -q "nothing to run here: .*'/nonexistent/card9'" "$tmp/all.err" ||
	fail "absent device: reason does not name it: $(cat "$tmp/all.err")"
jq -e -s 'length == 6 and all(.[]; .status == "skipped" and .job.backend == "dumb")
	  and ([.[].job.workload] | unique | length) == 6' "$tmp/all.jsonl" >/dev/null ||
	fail "--device /nonexistent/card9: expected 6 skipped documents, one per workload"
out=$("$gb" --device vgem --variant nope --check 2>&1); rc=$?
[ $rc -eq 1 ] || fail "--variant nope without a workload: exit $rc"
case "$out" in *"variant 'nope'"*) ;; *) fail "--variant nope: '$out'" ;; esac

"$gb" --list >/dev/null || fail "--list"
"$gb" --help | grep -q -- '--sizes' || fail "--help lacks --sizes"
echo "gembench CLI: ok"
