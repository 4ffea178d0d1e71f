#!/usr/bin/env bash
# gembench --profile end to end: rows carry a perf profile (symbols, shares,
# folded stacks) or, unprofiled, the reason. Two places, whichever this
# machine has:
#   1. here: `gembench --profile` on the DRM devices / dma-buf exporters
#      this host has (a job per one present); the documents must say
#      job.params.profile = true and every row must carry "profile" (an object
#      with samples and top_kernel/top_user/folded) or null with
#      unavailable.profile naming perf;
#   2. in the testbed: Debian 6.12 under QEMU with swiotlb=force runs
#      configs/jobs/profile.ini (lab copies the host's perf and its libraries
#      into the guest); the import rows must show the bounce: a folded stack
#      through swiotlb_tbl_map_single, and every row samples > 0.
# Skips (77) with the reason when neither can run (no device here and no
# QEMU, cached 6.12 kernel or static gembench).
set -u -o pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lab_retry.bash

build=${BOUNCELAB_BUILD:-build}
gb=$build/gembench
static=${BOUNCELAB_STATIC_DIR:-build-static}
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$gb" ] || { echo "SKIP: $gb missing (make)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed (make deps)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gb-prof.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ran=0

# Every row of every document: a profile with samples, or null with a perf reason.
check_rows() { # file
	jq -e -s 'length > 0 and all(.[]; .job.params.profile == true)' "$1" >/dev/null ||
		fail "$1: a document lacks job.params.profile = true"
	jq -e -s '[.[].results[]] | all(.[];
		(.profile | type == "object" and .tool == "perf" and .samples > 0 and
		 (.top_kernel | type == "array") and (.top_user | type == "array") and
		 (.folded | length) > 0 and (.top_kernel + .top_user | all(.[]; .share >= 0 and .share <= 1)))
		or (.profile == null and (.unavailable.profile | type == "string" and contains("perf"))))' \
		"$1" >/dev/null || fail "$1: a row has neither a profile nor the reason: $(jq -c '[.results[] | {workload, size, profile: (.profile | type), why: .unavailable.profile}]' "$1")"
}

# --- 1. on this host -----------------------------------------------------------
# The CLI flag reaches the document even when the job is skipped.
"$gb" --profile --workload create --device /nonexistent/card9 --no-mount --json - \
	>"$tmp/absent.jsonl" 2>/dev/null
rc=$?
[ "$rc" -eq 77 ] || fail "absent device: exit $rc, expected 77"
jq -e '.status == "skipped" and .job.params.profile == true' "$tmp/absent.jsonl" >/dev/null ||
	fail "--profile not recorded in job.params: $(cat "$tmp/absent.jsonl")"
"$gb" --profile=maybe --workload create --check >/dev/null 2>"$tmp/err" &&
	fail "--profile=maybe accepted"
grep -q "not true or false" "$tmp/err" || fail "--profile=maybe: unclear error: $(cat "$tmp/err")"

jobs=()
for d in vgem virtio_gpu; do
	"$gb" --list 2>/dev/null | grep -q " $d " && jobs+=("--workload populate --device $d --sizes 1M")
done
[ -e /dev/udmabuf ] && "$gb" --list 2>/dev/null | grep -q " vgem " &&
	jobs+=("--workload import --backend udmabuf --importer vgem --sizes 1M")
for j in "${jobs[@]}"; do
	# shellcheck disable=SC2086
	"$gb" --profile $j --iterations 50 --reps 2 --json "$tmp/host.jsonl" >/dev/null 2>"$tmp/err" ||
		fail "gembench --profile $j: exit $?: $(tail -n 3 "$tmp/err")"
	check_rows "$tmp/host.jsonl"
	echo "here: gembench --profile $j: $(jq -r '[.results[] | "\(.size): \(.profile.samples // .unavailable.profile) samples, top kernel \(.profile.top_kernel[0].symbol // "-")"] | join("; ")' "$tmp/host.jsonl")"
	ran=$((ran + 1))
done

# --- 2. in the testbed -----------------------------------------------------------
why_no_lab=""
command -v qemu-system-x86_64 >/dev/null || why_no_lab="qemu-system-x86_64 not installed"
[ -x "$static/gembench" ] && "$static/gembench" --help 2>/dev/null | grep -q -- '--profile' ||
	why_no_lab="$static/gembench missing or without --profile (make static)"
[ -x "$build/bouncelab" ] || why_no_lab="$build/bouncelab missing (make)"
ls testbed/cache/kernels 2>/dev/null | grep -q '^linux-image-6\.12' ||
	why_no_lab="no cached 6.12 kernel (bouncelab lab --kernels 6.12 fetches it)"
if [ -z "$why_no_lab" ]; then
	start=$SECONDS
	# One boot (a second if the first dies: lab_retry.bash says why).
	lab_boot "$build/bouncelab" "$tmp/lab" "$tmp/lab.out" --kernels 6.12 --modes force \
		--job configs/jobs/profile.ini --timeout 240 --parallel 1
	rc=$?
	[ "$rc" -eq 0 ] || fail "bouncelab lab: exit $rc on both boots"
	jq -c . "$tmp"/lab/6.12-force/*.json >"$tmp/guest.jsonl" || fail "unreadable documents"
	[ "$(wc -l <"$tmp/guest.jsonl")" -eq 2 ] || fail "expected 2 documents from the guest"
	check_rows "$tmp/guest.jsonl"
	# The guest has perf: every row is profiled, and the imports show the bounce copy.
	jq -e -s '[.[].results[]] | all(.[]; .profile.samples > 0)' "$tmp/guest.jsonl" >/dev/null ||
		fail "a guest row is unprofiled: $(jq -c '[.results[] | .unavailable.profile]' "$tmp/guest.jsonl")"
	jq -e -s '[.[] | select(.job.workload == "import") | .results[].profile.folded[]] |
		any(.[]; contains("swiotlb_tbl_map_single_[k]"))' "$tmp/guest.jsonl" >/dev/null ||
		fail "no import stack through swiotlb_tbl_map_single under swiotlb=force"
	jq -r '.results[] | "guest: \(.workload) \(.size): \(.profile.samples) samples in \(.duration_ns / 1e6 | floor) ms, top kernel: \([.profile.top_kernel[:3][] | "\(.symbol) \(.share * 100 | floor)%"] | join(", "))"' \
		"$tmp/guest.jsonl"
	echo "testbed part took $((SECONDS - start)) s"
	ran=$((ran + 1))
fi

if [ "$ran" -eq 0 ]; then
	echo "SKIP: no DRM device or dma-buf exporter here, and no testbed: $why_no_lab"
	exit 77
fi
echo "gembench profile: ok"
