#!/bin/busybox sh
# /init of the testbed guest (copied in by testbed/mkinitramfs.sh).
#
# Mounts the kernel file systems, loads the DRM / dma-buf modules listed in
# /modules.order (dependencies first, already decompressed), then runs the
# guest command and sends its stdout (JSON Lines, one result document a line)
# out on the dedicated result channel /dev/ttyS1, framed as
#
#   BOUNCELAB-RESULTS-BEGIN
#   {...}
#   BOUNCELAB-RESULTS-END rc=<exit code>
#
# Before BEGIN, what the guest found out about the machine, from
# /guest-balloon.sh (one JSON object each):
#
#   BOUNCELAB-BALLOON {...}       the balloon step's readings (Xen modes with
#                                 bouncelab.balloon=SIZE on the kernel command
#                                 line; else {"balloon_kb":null,...})
#   BOUNCELAB-HYPERVISOR {...}    /sys/hypervisor's facts (nulls off Xen)
#
# The host treats a missing END line as a guest that died. Diagnostics
# (stderr) go to the console (ttyS0, or Xen's hvc0). Then the guest powers off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null ||
	echo "init: tracefs: mount failed (tracepoint counters will be unavailable)"
mkdir -p /tmp /root
# Loopback only (no network): a guest script may run bouncelabd on TCP.
ip link set lo up 2>/dev/null

# modules.order: one path a line, relative to /lib/modules/<release>/.
rel=$(uname -r)
while read -r m; do
	[ -n "$m" ] || continue
	insmod "/lib/modules/$rel/$m" || echo "init: insmod $m failed"
done </modules.order
# Let udev-less device nodes settle: devtmpfs creates them as drivers probe.
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -e /dev/dri/card0 ] && break
	sleep 0.2
done
echo "init: $(uname -r) cmdline: $(cat /proc/cmdline)"
ls /dev/dri 2>/dev/null | sed 's/^/init: dri: /'

if ! stty -F /dev/ttyS1 raw -echo; then
	echo "init: /dev/ttyS1: stty failed; results cannot leave the guest"
	poweroff -f
fi
exec 3>/dev/ttyS1
# The balloon step runs before the job: it is what the mode is about.
balloon=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^bouncelab\.balloon=//p' | tail -n 1)
if [ -n "$balloon" ]; then
	echo "init: balloon $balloon: giving it back to Xen and taking it back"
	sh /guest-balloon.sh "$balloon" >/tmp/facts.jsonl
else
	sh /guest-balloon.sh --facts-only >/tmp/facts.jsonl
fi
echo "init: guest-balloon.sh exited $?"
sed -n '1s/^/BOUNCELAB-BALLOON /p; 2s/^/BOUNCELAB-HYPERVISOR /p' /tmp/facts.jsonl >&3
sed 's/^/init: /' /tmp/facts.jsonl
echo BOUNCELAB-RESULTS-BEGIN >&3
if [ -f /guest-run ]; then
	sh /guest-run >&3
else
	/bin/gembench --job /job.ini --json - >&3
fi
rc=$?
echo "BOUNCELAB-RESULTS-END rc=$rc" >&3
exec 3>&-
sync
poweroff -f
