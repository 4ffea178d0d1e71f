#!/usr/bin/env bash
# bouncelabd's bounce monitor inside the testbed (issue 5 acceptance):
# Debian 6.12 under QEMU with swiotlb=force, the daemon running in the guest
# while gembench imports udmabuf buffers into vgem. The monitor's vgem
# totals for the window around gembench, live (/metrics) and as stored
# samples (GET /api/v1/monitor), must equal gembench's own vgem counts
# (counters_by_device, summed over rows), bounces and bounced bytes.
# Skips (77) without QEMU, a cached 6.12 kernel or the static programs.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelab"
command -v qemu-system-x86_64 >/dev/null || { echo "skip: qemu-system-x86_64 missing"; exit 77; }
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
SDIR=${BOUNCELAB_STATIC_DIR:-build-static}
for p in "$SDIR/gembench" "$SDIR/bouncelabd"; do
	[ -x "$p" ] && [ -s "$p" ] || { echo "skip: $p not built (make static)"; exit 77; }
done
ls testbed/cache/kernels 2>/dev/null | grep -q '^linux-image-6\.12' ||
	{ echo "skip: no cached 6.12 kernel in testbed/cache/kernels (bouncelab lab --kernels 6.12 fetches it)"; exit 77; }

. "$(dirname "$0")/lab_retry.bash"
lab_boot "$BUILD/bouncelab" "$T/lab" "$T/lab.out" --kernels 6.12 --modes force --parallel 1 \
	--timeout 150 --guest-script tests/integration/daemon_lab_monitor.guest
rc=$?
doc=$(ls "$T"/lab/*/*.json 2>/dev/null | head -n 1)
[ -n "$doc" ] || { tail -n 40 "$T"/lab/*/console.log 2>/dev/null; fail "no result document from the guest (lab exit $rc)"; }
grep "guest:" "$T"/lab/*/console.log | tail -n 3
jq -e '.bouncelabd_monitor' "$doc" >/dev/null || fail "the document has no bouncelabd_monitor member"
[ "$(jq .bouncelabd_monitor.monitor_up "$doc")" = 1 ] || fail "the monitor was not sampling in the guest"
g_b=$(jq '[.results[].counters_by_device.vgem.swiotlb_bounced // empty] | add // 0' "$doc")
g_y=$(jq '[.results[].counters_by_device.vgem.swiotlb_bounced_bytes // empty] | add // 0' "$doc")
m_b=$(jq .bouncelabd_monitor.bounces "$doc")
m_y=$(jq .bouncelabd_monitor.bounced_bytes "$doc")
s_b=$(jq .bouncelabd_monitor.stored_bounces "$doc")
s_y=$(jq .bouncelabd_monitor.stored_bounced_bytes "$doc")
echo "gembench vgem: $g_b bounces, $g_y bytes; monitor vgem (same window): $m_b bounces, $m_y bytes; stored samples: $s_b bounces, $s_y bytes"
[ "$g_b" -gt 0 ] || fail "gembench counted no vgem bounces under swiotlb=force: nothing to compare"
[ "$g_b" = "$m_b" ] || fail "bounces differ: gembench $g_b, monitor $m_b"
[ "$g_y" = "$m_y" ] || fail "bounced bytes differ: gembench $g_y, monitor $m_y"
[ "$g_b" = "$s_b" ] || fail "stored samples' bounces differ: gembench $g_b, stored $s_b"
[ "$g_y" = "$s_y" ] || fail "stored samples' bytes differ: gembench $g_y, stored $s_y"
echo "lab monitor: ok"
