#!/usr/bin/env bash
# Xen PV testbed test (issue 13): one `bouncelab lab` run boots the newest
# Debian 6.12 as Xen's PV dom0 in `xen-pv:balloon=256M` and in `xen-pv`,
# runs configs/jobs/xen.ini and checks FROM THE RESULT DOCUMENTS only the
# rows that are the same in every boot (testbed/XEN-NOTES.md, "What varies"):
#   - every boot ok, one valid document per job section, on the icount clock,
#     with a hypervisor object: type xen, a version, guest_type PV, dom0,
#     the Xen package version; dma.swiotlb "default" (no option given) and
#     dma.swiotlb_impl "xen-swiotlb";
#   - with the balloon: the balloon readings reached both targets; dma-heap
#     1M -> vgem was refused on every operation with EIO (errno 5) and the
#     row holds the kernel's "swiotlb buffer is full" line (every one of 18
#     ballooned 6.12 boots so far); dma-heap 64K -> vgem was never refused
#     and bounced once per operation or not at all (once per op in 17 of 18
#     boots, 0 in one: XEN-NOTES.md; "> 0" would fail about one run in 18);
#   - without the balloon: no balloon readings (none asked for), and every
#     row bounced 0 times.
# virtio_gpu -> vgem after the balloon bounces in some boots and not in
# others (which frames come back from Xen): printed, never asserted.
# 256M instead of the matrix's 1536M: the same deterministic rows, a shorter
# balloon step. Skips (77) without qemu, jq, the static gembench, or Xen in
# apt's index.
set -u -o pipefail
cd "$(dirname "$0")/../.."

build=${BOUNCELAB_BUILD:-build}
bouncelab=$build/bouncelab
skip() { echo "SKIP: $*"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (make deps)"
command -v jq >/dev/null || skip "jq not installed (make deps)"
static=${BOUNCELAB_STATIC_DIR:-build-static}
[ -x "$static/gembench" ] || skip "$static/gembench missing (make static)"
[ -x "$bouncelab" ] || skip "$bouncelab missing (make)"
# fetch-xen.sh exits 2 when apt knows no Xen: nothing to boot here
testbed/fetch-xen.sh --resolve-only >/dev/null 2>&1
[ $? -eq 2 ] && skip "xen-hypervisor-4.17-amd64 is not in apt's index"

out=$(mktemp -d "${TMPDIR:-/tmp}/bl-xen.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

start=$SECONDS
. tests/integration/lab_retry.bash
# dom0 3072 MiB: what XEN-NOTES.md measured; two boots at once by default
# (one vCPU each), BOUNCELAB_TEST_PARALLEL=1 for a machine shared with others.
lab_boot "$bouncelab" "$out/lab" "$out/lab.log" --kernels 6.12 --modes xen-pv:balloon=256M,xen-pv \
	--job configs/jobs/xen.ini --mem 3072 --parallel "${BOUNCELAB_TEST_PARALLEL:-2}"
rc=$?
echo "bouncelab lab exited $rc after $((SECONDS - start)) s"
[ "$rc" -eq 0 ] || fail "bouncelab lab exited $rc"

for slug in xen-pv-balloon256M xen-pv; do
	dir=$out/lab/6.12-$slug
	docs=("$dir"/*.json)
	[ -e "${docs[0]}" ] || fail "$slug: no result document in $dir"
	[ "${#docs[@]}" -eq 2 ] || fail "$slug: ${#docs[@]} documents, expected 2 (one per job section)"
	for d in "${docs[@]}"; do
		job=$(jq -r .job.name "$d")
		[ "$(jq -r .status "$d")" = ok ] || fail "$slug: $job: status $(jq -r .status "$d"): $(jq -r .error "$d" | head -n 5)"
		jq -e '.testbed.clock == "icount" and .testbed.hypervisor == "xen-pv" and
			(.testbed.qemu_args | index("qemu64")) != null' "$d" >/dev/null ||
			fail "$slug: $job: testbed $(jq -c '.testbed | {clock, hypervisor, mode_spec}' "$d")"
		jq -e '.hypervisor.type == "xen" and (.hypervisor.version | test("^[0-9]+\\.[0-9]+")) and
			.hypervisor.guest_type == "PV" and .hypervisor.dom0 == true and
			(.hypervisor.xen_package_version | type == "string" and length > 0)' "$d" >/dev/null ||
			fail "$slug: $job: hypervisor $(jq -c .hypervisor "$d")"
		jq -e '.dma.swiotlb == "default" and .dma.swiotlb_impl == "xen-swiotlb"' "$d" >/dev/null ||
			fail "$slug: $job: dma $(jq -c '.dma | {swiotlb, swiotlb_impl}' "$d")"
		jq -r --arg s "$slug" '.job.name as $j | .results[] |
			"\($s): \($j) \(.size): ops \(.ops), swiotlb_bounced \(.counters.swiotlb_bounced), failures \(.failures.ops // 0) errno \(.failures.errno // "-")"' "$d"
		if [ "$slug" = xen-pv ]; then
			jq -e '.hypervisor.balloon == null and .hypervisor.balloon_requested_bytes == null' "$d" >/dev/null ||
				fail "xen-pv: $job: balloon readings without a balloon: $(jq -c .hypervisor.balloon "$d")"
			jq -e '[.results[].counters.swiotlb_bounced | type == "number" and . == 0] | all' "$d" >/dev/null ||
				fail "xen-pv: $job: a row bounced (or has no count) without the balloon"
			continue
		fi
		jq -e '.hypervisor.balloon.reached_low == true and .hypervisor.balloon.reached_restored == true and
			.hypervisor.balloon.balloon_kb == 262144 and .hypervisor.balloon_requested_bytes == 268435456' \
			"$d" >/dev/null || fail "$slug: $job: balloon $(jq -c .hypervisor.balloon "$d")"
		[ "$job" = import-dmaheap-vgem ] || continue
		jq -e '.results[] | select(.size == 65536) | (.failures.ops // 0) == 0 and
			(.counters.swiotlb_bounced == 0 or .counters.swiotlb_bounced == .ops)' "$d" >/dev/null ||
			fail "$slug: dma-heap 64K -> vgem: refused, or bounced neither once per op nor never: $(jq -c '.results[] | select(.size == 65536) | {ops, counters: .counters.swiotlb_bounced, failures}' "$d")"
		jq -e '.results[] | select(.size == 1048576) | .failures.ops == .ops and .ops > 0 and .failures.errno == 5 and
			([.failures.kernel_log[]? | select(contains("swiotlb buffer is full"))] | length > 0)' "$d" >/dev/null ||
			fail "$slug: dma-heap 1M -> vgem: not refused with EIO and 'swiotlb buffer is full': $(jq -c '.results[] | select(.size == 1048576) | .failures' "$d")"
	done
done
echo "testbed xen: ok in $((SECONDS - start)) s"
