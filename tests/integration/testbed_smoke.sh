#!/usr/bin/env bash
# Testbed smoke test: boots the newest Debian 6.12 kernel under QEMU with
# swiotlb=force and with swiotlb=noforce, runs configs/jobs/smoke.ini
# (udmabuf -> vgem import and sync) with gembench inside, and checks FROM THE RESULT
# DOCUMENTS (never the console) that
#   - every boot produced documents with status ok,
#   - each records its DMA mode, the kernel's exact release and /proc/cmdline,
#   - under force every import row bounced (counters.swiotlb_bounced > 0),
#   - under noforce none did (== 0, and not null),
#   - the sync job's dma_sync_bytes is 2 x ops x size under force, 0 under
#     noforce, and null with a reason above 2 MiB (see bench/counters.c),
#   - the boots ran on the default clock, icount (testbed.clock "icount",
#     icount_shift 0, QEMU started with -icount) and the documents name the
#     QEMU version and which boot they came from (boot_index 0 of boots 1).
# Fetches the kernel when testbed/cache/ has none (CI starts empty).
# Skips (77) without qemu, jq or the static gembench (make static).
set -u -o pipefail
cd "$(dirname "$0")/../.."

build=${BOUNCELAB_BUILD:-build}
bouncelab=$build/bouncelab
skip() { echo "SKIP: $*"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (make deps)"
command -v jq >/dev/null || skip "jq not installed (make deps)"
static=${BOUNCELAB_STATIC_DIR:-build-static}   # where bouncelab lab takes gembench from
[ -x "$static/gembench" ] || skip "$static/gembench missing (make static)"
[ -x "$bouncelab" ] || skip "$bouncelab missing (make)"

out=$(mktemp -d "${TMPDIR:-/tmp}/bl-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

start=$SECONDS
. tests/integration/lab_retry.bash
lab_boot "$bouncelab" "$out/lab" "$out/lab.log" --kernels 6.12 --modes force,noforce \
	--job configs/jobs/smoke.ini --timeout 300 --parallel 2
rc=$?
echo "bouncelab lab exited $rc after $((SECONDS - start)) s"

# The sync job: under force each operation syncs the whole buffer twice
# (SYNC_START and SYNC_END), dma_sync_bytes = 2 x ops x size up to 2 MiB;
# above that the counters are null with a reason; under noforce 0 (6.12
# skips syncs a device does not need).
check_sync() { # mode document
	local mode=$1 d=$2
	jq -r '.results[] | "\(.size) \(.ops) \(.counters.dma_sync_bytes) \(.per_rep.dma_sync_bytes // [] | add) \(.unavailable.dma_sync_bytes // "")"' "$d" |
		while read -r size ops synced per_rep_sum why; do
			echo "$mode: sync size $size: ops $ops, dma_sync_bytes $synced (per repetition, summed: $per_rep_sum) ${why:+($why)}"
			[ "$synced" = null ] || [ "$per_rep_sum" = "$synced" ] ||
				fail "$mode: sync $size: per_rep.dma_sync_bytes sums to $per_rep_sum, the row says $synced"
			if [ "$size" -gt $((2 << 20)) ]; then
				[ "$synced" = null ] && [ -n "$why" ] ||
					fail "$mode: sync $size: dma_sync_bytes should be null with a reason, got $synced"
			elif [ "$mode" = force ]; then
				[ "$synced" = $((2 * ops * size)) ] ||
					fail "force: sync $size: dma_sync_bytes $synced, expected 2 x $ops x $size"
			else
				[ "$synced" = 0 ] || fail "noforce: sync $size: dma_sync_bytes $synced, expected 0"
			fi
		done || exit 1
}

for mode in force noforce; do
	dir=$out/lab/6.12-$mode
	docs=("$dir"/*.json)
	[ -e "${docs[0]}" ] || fail "$mode: no result document in $dir"
	for d in "${docs[@]}"; do
		jq -e . "$d" >/dev/null || fail "$d: not JSON"
		st=$(jq -r '.status' "$d")
		[ "$st" = ok ] || fail "$mode: $(basename "$d"): status $st: $(jq -r '.error' "$d" | head -n 5)"
		jq -e --arg m "$mode" '.testbed.mode == $m and .testbed.status == "ok" and .dma.swiotlb == $m' "$d" \
			>/dev/null || fail "$mode: $d does not record mode $mode (testbed.mode, dma.swiotlb)"
		rel=$(jq -r '.kernel.release // empty' "$d")
		[[ "$rel" == 6.12.* ]] || fail "$mode: kernel.release '$rel' is not a 6.12 release"
		[ "$rel" = "$(jq -r '.testbed.kernel_release' "$d")" ] ||
			fail "$mode: guest reports $rel, the package was $(jq -r '.testbed.kernel_release' "$d")"
		jq -e '.testbed.package_version | type == "string" and length > 0' "$d" >/dev/null ||
			fail "$mode: no testbed.package_version"
		# the default clock, and where the document came from (issue 12)
		jq -e '.testbed.clock == "icount" and .testbed.icount_shift == 0 and
			(.testbed.qemu_args | index("-icount")) != null' "$d" >/dev/null ||
			fail "$mode: not on the icount clock: $(jq -c '.testbed | {clock, icount_shift, accel}' "$d")"
		jq -e '.testbed.qemu_version | type == "string" and test("^[0-9]+\\.[0-9]+")' "$d" >/dev/null ||
			fail "$mode: testbed.qemu_version '$(jq -r .testbed.qemu_version "$d")' is not a version"
		jq -e '.testbed.boot_index == 0 and .testbed.boots == 1' "$d" >/dev/null ||
			fail "$mode: boot_index/boots $(jq -c '.testbed | [.boot_index, .boots]' "$d"), expected 0 of 1"
		jq -e --arg m "swiotlb=$mode" '.kernel.cmdline | type == "string" and contains($m)' "$d" >/dev/null ||
			fail "$mode: kernel.cmdline '$(jq -r .kernel.cmdline "$d")' does not hold swiotlb=$mode"
		if [ "$(jq -r .job.name "$d")" = udmabuf-vgem-sync ]; then
			check_sync "$mode" "$d"
			continue
		fi
		rows=$(jq '[.results[] | select(.workload == "import")] | length' "$d")
		[ "$rows" -gt 0 ] || fail "$mode: $d has no import rows"
		jq -r '.results[] | select(.workload == "import") |
			"\(.size) \(.ops) \(.counters.swiotlb_bounced)"' "$d" | while read -r size ops bounced; do
			echo "$mode: import size $size: ops $ops, swiotlb_bounced $bounced"
		done
		if [ "$mode" = force ]; then
			jq -e '[.results[] | select(.workload == "import") | .counters.swiotlb_bounced |
				(type == "number" and . > 0)] | all' "$d" >/dev/null ||
				fail "force: an import row did not bounce (swiotlb_bounced not > 0) in $d"
		else
			jq -e '[.results[] | select(.workload == "import") | .counters.swiotlb_bounced |
				(type == "number" and . == 0)] | all' "$d" >/dev/null ||
				fail "noforce: an import row bounced or has no count (swiotlb_bounced != 0) in $d"
		fi
	done
done
[ "$rc" -eq 0 ] || fail "bouncelab lab exited $rc"
echo "testbed smoke: ok in $((SECONDS - start)) s"
