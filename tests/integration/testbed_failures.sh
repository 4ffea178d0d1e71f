#!/usr/bin/env bash
# Testbed failure handling: every boot leaves a valid document, whatever
# happens to it, and one bad kernel does not stop the others.
#
# A `bouncelab lab` run over two kernels x two modes:
#   - kernel 6.1 cannot be fetched: a FAKE fetch-kernel.sh (in a copy of the
#     testbed folder, named as a fake) fails for it with a message; the real
#     script serves 6.12. Expect one failed document per 6.1 mode naming
#     the kernel and the fetch error.
#   - 6.12: the guest script panics the kernel (sysrq c). Expect a failed
#     document per mode whose error holds the console tail with the panic.
# A second run: the guest hangs (a busy loop). Expect it killed at --timeout
# and a failed document with testbed.status "timeout". Both runs exit 1.
# Both run on the default clock, icount, and their documents say so.
# Bad input (unknown mode, malformed pool, unknown
# series, malformed job file, --clock fast, --boots 0 or 21, --kvm with
# --clock icount; the Xen modes': balloon=0, a balloon dom0 cannot give,
# pool= on Xen, balloon= without Xen, --kvm with Xen) is refused with exit 2
# before anything boots,
# naming the bad value. Skips (77) without qemu or jq.
set -u -o pipefail
cd "$(dirname "$0")/../.."
root=$PWD

build=${BOUNCELAB_BUILD:-build}
bouncelab=$root/$build/bouncelab
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (make deps)"
command -v jq >/dev/null || skip "jq not installed (make deps)"
[ -x "$bouncelab" ] || skip "$bouncelab missing (make)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bl-failures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- bad input: refused before anything boots ---------------------------------
printf 'this is not ini\n' >"$tmp/bad.ini"
refused() { # expected text in the message, then the arguments
	local want=$1; shift
	local msg rc
	msg=$("$bouncelab" lab --guest-script testbed/probe-guest.sh --out "$tmp/never" "$@" 2>&1)
	rc=$?
	[ "$rc" -eq 2 ] || fail "lab $*: exit $rc, expected 2 (refused): $msg"
	[[ "$msg" == *"$want"* ]] || fail "lab $*: message does not name '$want': $msg"
	[ ! -e "$tmp/never" ] || fail "lab $*: created $tmp/never although the input was refused"
	echo "refused as expected: lab $* -> $msg"
}
refused "bogus" --modes force,bogus
refused "16Q" --modes force:pool=16Q
refused "100K" --modes force:pool=100K
refused "7.99" --kernels 7.99
refused "6.x" --kernels 6.x
refused "$tmp/bad.ini" --job "$tmp/bad.ini"
refused "$tmp/missing.ini" --job "$tmp/missing.ini"
refused "'fast'" --clock fast
refused "'0'" --boots 0
refused "'21'" --boots 21
refused "--clock icount" --kvm --clock icount
refused "'xen-pv:balloon=0': balloon=0 gives nothing back" --modes xen-pv:balloon=0
refused "'xen-pv:balloon=8G': a balloon of 8192 MiB" --modes xen-pv:balloon=8G
refused "of its 3072 MiB (--mem)" --modes xen-pv:balloon=3G --mem 3072
refused "pool=16M is not supported on xen-pv" --modes xen-pv:pool=16M
refused "balloon=1G needs a Xen mode" --modes force:balloon=1G
refused "--kvm with a Xen mode" --kvm --modes force,xen-pv

# --- a tree whose fetch script fails for 6.1 (a fake) ---------------------------
mkdir -p "$tmp/root/testbed" "$tmp/root/configs/jobs"
cp testbed/*.sh "$tmp/root/testbed/"
# lab checks the default job (standard.ini) even with --guest-script
cp configs/jobs/smoke.ini configs/jobs/standard.ini "$tmp/root/configs/jobs/"
ln -s "$root/testbed/cache" "$tmp/root/testbed/cache"
cat >"$tmp/root/testbed/fetch-kernel.sh" <<EOF
#!/usr/bin/env bash
# FAKE fetch-kernel.sh for testbed_failures.sh: 6.1 resolves but cannot be
# downloaded; everything else goes to the real script.
for a in "\$@"; do series=\$a; done
if [ "\$series" = 6.1 ]; then
	case " \$* " in
	*" --resolve-only "*) echo series=6.1; echo package=linux-image-6.1.0-0-amd64-unsigned; echo version=0-fake; exit 0 ;;
	esac
	echo "kernel 6.1: apt-get download linux-image-6.1.0-0-amd64-unsigned=0-fake: E: fake download failure" >&2
	exit 1
fi
exec "$root/testbed/fetch-kernel.sh" "\$@"
EOF

printf 'echo c >/proc/sysrq-trigger\n' >"$tmp/panic.sh"
# A busy loop, not a sleep: on the icount clock (sleep=off) an idle guest's
# clock jumps ahead, so `sleep 100000` would end at once.
printf 'while :; do :; done\n' >"$tmp/hang.sh"

one_doc() { # dir -> the single document's path, or nothing
	local docs=("$1"/*.json)
	[ -e "${docs[0]}" ] && [ "${#docs[@]}" -eq 1 ] && echo "${docs[0]}"
}

# Run 1: 6.1 cannot be fetched, 6.12 panics. The timeout is generous (a
# loaded 2-core machine has needed 25 s to reach the panic on the wall
# clock, and icount boots take ~2.5x longer); a panic ends the boot at once
# anyway.
start=$SECONDS
BOUNCELAB_ROOT=$tmp/root "$bouncelab" lab --kernels 6.1,6.12 --modes force,noforce \
	--guest-script "$tmp/panic.sh" --out "$tmp/lab" --timeout 300 --parallel 2 --mem 2048
rc=$?
echo "bouncelab lab (fetch failure, panics) exited $rc after $((SECONDS - start)) s"
[ "$rc" -eq 1 ] || fail "exit $rc, expected 1 (boots failed)"

for mode in force noforce; do
	d=$(one_doc "$tmp/lab/6.1-$mode") || fail "6.1 $mode: not exactly one document: $(ls "$tmp/lab/6.1-$mode")"
	ls "$tmp/lab/6.1-$mode"/*.invalid 2>/dev/null && fail "6.1 $mode: invalid documents written"
	jq -e '.status == "failed" and .format == 1 and (.run_id | length) == 36' "$d" >/dev/null ||
		fail "6.1 $mode: not a failed document: $d"
	jq -e --arg m "$mode" '.testbed.mode == $m and .dma.swiotlb == $m and
		(.kernel.cmdline | contains("swiotlb=" + $m))' "$d" >/dev/null ||
		fail "6.1 $mode: intended mode not recorded"
	jq -e '.error | contains("kernel 6.1") and contains("fake download failure")' "$d" >/dev/null ||
		fail "6.1 $mode: error does not name the kernel and apt's message: $(jq -r .error "$d")"
	jq -e '.testbed.kernel_package == "linux-image-6.1.0-0-amd64-unsigned" and
		.kernel.release == "6.1.0-0-amd64"' "$d" >/dev/null ||
		fail "6.1 $mode: kernel package or release not recorded"
	# the lab's own failed documents say which clock, QEMU and boot too
	jq -e '.testbed.clock == "icount" and .testbed.icount_shift == 0 and
		(.testbed.qemu_version | type == "string") and .testbed.boot_index == 0 and
		.testbed.boots == 1' "$d" >/dev/null ||
		fail "6.1 $mode: clock, QEMU version or boot not recorded: $(jq -c .testbed "$d")"

	d=$(one_doc "$tmp/lab/6.12-$mode") || fail "6.12 $mode: not exactly one document"
	jq -e '.status == "failed" and .testbed.status == "failed"' "$d" >/dev/null ||
		fail "6.12 $mode: not failed: $d"
	jq -e '.error | contains("died before") and contains("Kernel panic")' "$d" >/dev/null ||
		fail "6.12 $mode: error lacks the reason or the panic from the console: $(jq -r .error "$d" | head -n 5)"
	jq -e '.kernel.release | startswith("6.12.")' "$d" >/dev/null || fail "6.12 $mode: no kernel release"
	jq -e '.testbed.clock == "icount" and .testbed.icount_shift == 0 and
		(.testbed.qemu_args | index("-icount")) != null' "$d" >/dev/null ||
		fail "6.12 $mode: not on the icount clock: $(jq -c '.testbed | {clock, icount_shift}' "$d")"
done

# Run 2: the guest hangs; killed at the timeout.
start=$SECONDS
"$bouncelab" lab --kernels 6.12 --modes iommu --guest-script "$tmp/hang.sh" --out "$tmp/hang" \
	--timeout 15 --mem 2048
rc=$?
echo "bouncelab lab (hang) exited $rc after $((SECONDS - start)) s"
[ "$rc" -eq 1 ] || fail "exit $rc, expected 1 (the boot timed out)"
d=$(one_doc "$tmp/hang/6.12-iommu") || fail "6.12 iommu: not exactly one document"
jq -e '.status == "failed" and .testbed.status == "timeout" and .dma.iommu == "on"' "$d" >/dev/null ||
	fail "6.12 iommu: not recorded as a timeout: $d"
jq -e '.error | contains("--timeout 15")' "$d" >/dev/null || fail "6.12 iommu: error does not name the timeout"
jq -e '.testbed.boot_seconds >= 15 and .testbed.boot_seconds < 40' "$d" >/dev/null ||
	fail "6.12 iommu: boot_seconds $(jq .testbed.boot_seconds "$d") is not the timeout"
[ -s "$tmp/hang/6.12-iommu/console.log" ] || fail "6.12 iommu: console.log missing"
jq -e '.testbed.clock == "icount"' "$d" >/dev/null || fail "6.12 iommu: not on the icount clock"
echo "testbed failures: ok"
