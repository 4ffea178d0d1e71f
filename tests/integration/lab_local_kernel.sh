#!/usr/bin/env bash
# Your own kernel in the lab (issue 14): `bouncelab lab --kernel-image PATH
# --modules DIR` and `--kernel-deb FILE.deb`. Makes a "local build" out of
# a cached Debian 6.12 kernel (its vmlinuz is a bzImage, its unpacked tree
# is the shape of `make modules_install INSTALL_MOD_PATH=`), a trimmed
# linux-image .deb of it (only the modules a guest loads, with their
# modules.dep closure), and checks without booting (--resolve) that
#   - a file that is not a bzImage, modules of another release, a tree
#     without vgem, a .deb of another package and a file that is no .deb
#     are refused with exit 2, naming the value (and the real run refuses
#     them before anything boots: no boot folder);
#   - a good build resolves to release, local-<16 hex> and the image's
#     SHA-256 (as sha256sum computes it), from the image and from the .deb;
# and that bisect refuses a bad list of local builds before it boots;
# then boots the .deb once (force, the smoke job) and checks from the
# documents: testbed.kernel_package "local", package_version
# local-<16 hex>, kernel_image_sha256, the guest's release = the image's,
# the guest's /proc/version (kernel.proc_version) = the image's version
# string with the compiler,
# folder local-<release>-force, and that the imports bounced.
# Skips (77) when no 6.12 kernel is cached (testbed/cache/kernels), and the
# boot part when qemu or the static gembench is missing.
set -u -o pipefail
cd "$(dirname "$0")/../.."

build=${BOUNCELAB_BUILD:-build}
bouncelab=$build/bouncelab
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$bouncelab" ] || skip "$bouncelab missing (make)"
command -v jq >/dev/null || skip "jq not installed (make deps)"
command -v dpkg-deb >/dev/null || skip "dpkg-deb not installed"
cache=${BOUNCELAB_CACHE:-testbed/cache}
kdir=$(ls -d "$cache"/kernels/linux-image-6.12.*-amd64-unsigned_* 2>/dev/null | while read -r d; do
	[ -f "$d/.complete" ] && echo "$d"; done | sort -V | tail -n 1)
[ -n "$kdir" ] || skip "no 6.12 kernel in $cache/kernels (bouncelab lab --kernels 6.12 fetches one)"
rel=$(ls "$kdir/lib/modules" | head -n 1)
image=$kdir/boot/vmlinuz-$rel
[ -f "$image" ] || skip "$image missing"

out=$(mktemp -d "${TMPDIR:-/tmp}/bl-local.XXXXXX")
trap 'rm -rf "$out"' EXIT
export BOUNCELAB_CACHE=$out/cache # the .deb unpacks here, not into the shared cache
start=$SECONDS

# --- the local build: the image under another name, and a trimmed modules tree ---
cp "$image" "$out/bzImage"
sum=$(sha256sum "$out/bzImage" | cut -d' ' -f1)
mods=$out/mods
mdir=$kdir/lib/modules/$rel
# the closure of what every guest loads (testbed/mkinitramfs.sh), from modules.dep
want="vgem virtio_gpu virtio_dma_buf udmabuf drm drm_kms_helper drm_shmem_helper"
paths=$(awk -F: -v want=" $want " '
	{ b = $1; sub(/.*\//, "", b); sub(/\.ko(\.(xz|zst|gz))?$/, "", b); gsub(/-/, "_", b)
	  if (index(want, " " b " ")) { print $1; n = split($2, d, " "); for (i = 1; i <= n; i++) print d[i] } }' \
	"$mdir/modules.dep" | sort -u)
[ -n "$paths" ] || fail "no modules of '$want' in $mdir/modules.dep"
for p in $paths; do
	mkdir -p "$mods/lib/modules/$rel/$(dirname "$p")" && cp "$mdir/$p" "$mods/lib/modules/$rel/$p" ||
		fail "copying $p"
done
cp "$mdir"/modules.builtin "$mdir"/modules.order "$mods/lib/modules/$rel/" 2>/dev/null
depmod -b "$mods" "$rel" 2>/dev/null || fail "depmod -b $mods $rel"

# a .deb of it, as make bindeb-pkg would name it
pkg=$out/pkg
mkdir -p "$pkg/DEBIAN" "$pkg/boot" && cp -a "$mods/lib" "$pkg/" && cp "$out/bzImage" "$pkg/boot/vmlinuz-$rel"
printf 'Package: linux-image-%s\nVersion: 1.0-local\nArchitecture: amd64\nMaintainer: bouncelab tests <t@example.org>\nDescription: a local build for the lab test\n' \
	"$rel" >"$pkg/DEBIAN/control"
dpkg-deb --root-owner-group -Zgzip -z1 -b "$pkg" "$out/linux-image-local.deb" >/dev/null || fail "dpkg-deb -b"

# --- refusals, each naming the value ---
refused() { # what, expected words (|-separated), lab arguments...
	local what=$1 words=$2 rc
	shift 2
	"$bouncelab" lab "$@" >"$out/msg" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2: $(cat "$out/msg")"
	IFS='|' read -ra ws <<<"$words"
	for w in "${ws[@]}"; do
		grep -qF -- "$w" "$out/msg" || fail "$what: the message does not name '$w': $(cat "$out/msg")"
	done
	echo "refused ($what): $(grep -m1 error "$out/msg")"
}
refused "not a bzImage" "$kdir/boot/config-$rel|not a bzImage" --resolve \
	--kernel-image "$kdir/boot/config-$rel" --modules "$mods"
mkdir -p "$out/other/lib/modules/6.1.0-99-amd64"
refused "modules of another release" "--modules $out/other|6.1.0-99-amd64|$rel" --resolve \
	--kernel-image "$out/bzImage" --modules "$out/other"
cp -a "$mods" "$out/novgem" && find "$out/novgem" -name 'vgem.ko*' -delete && depmod -b "$out/novgem" "$rel" 2>/dev/null
refused "a tree without vgem" "--modules $out/novgem|no vgem module" --resolve \
	--kernel-image "$out/bzImage" --modules "$out/novgem"
mkdir -p "$out/notk/DEBIAN" "$out/notk/usr/share/doc"
printf 'Package: bl-not-a-kernel\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: no kernel\n' \
	>"$out/notk/DEBIAN/control"
dpkg-deb --root-owner-group -b "$out/notk" "$out/notk.deb" >/dev/null || fail "dpkg-deb -b notk"
refused "a .deb of another package" "--kernel-deb $out/notk.deb|bl-not-a-kernel" --resolve --kernel-deb "$out/notk.deb"
refused "a file that is no .deb" "--kernel-deb $out/bzImage|not a Debian package" --resolve --kernel-deb "$out/bzImage"
refused "an image and a .deb" "--kernel-deb|--kernel-image" --kernel-deb "$out/linux-image-local.deb" \
	--kernel-image "$out/bzImage" --modules "$mods"

# --- a good build resolves, from the image and from the .deb ---
for how in image deb; do
	if [ $how = image ]; then args=(--kernel-image "$out/bzImage" --modules "$mods"); else args=(--kernel-deb "$out/linux-image-local.deb"); fi
	"$bouncelab" lab --resolve "${args[@]}" >"$out/res" 2>&1 || fail "$how: --resolve exited $?: $(cat "$out/res")"
	cat "$out/res"
	grep -q "release $rel, sha256 $sum" "$out/res" || fail "$how: no 'release $rel, sha256 $sum' in the output"
	grep -q "local-${sum:0:16}" "$out/res" || fail "$how: no local-${sum:0:16} in the output"
done
# --- bisect over local builds: every build checked before the first boot ---
bisect_refused() { # what, expected words (|-separated), bisect arguments...
	local what=$1 words=$2 rc
	shift 2
	"$bouncelab" bisect --mode force --out "$out/bisect" "$@" >"$out/msg" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || fail "bisect, $what: exit $rc, expected 2: $(cat "$out/msg")"
	IFS='|' read -ra ws <<<"$words"
	for w in "${ws[@]}"; do
		grep -qF -- "$w" "$out/msg" || fail "bisect, $what: the message does not name '$w': $(cat "$out/msg")"
	done
	[ ! -e "$out/bisect" ] || fail "bisect, $what: left $out/bisect behind (something booted?)"
	echo "bisect refused ($what): $(grep -m1 error "$out/msg")"
}
bisect_refused "an image without its tree" "2 tree(s)" --kernel-images "$out/bzImage" --modules "$mods,$mods"
bisect_refused "a list item that is no bzImage" "$kdir/boot/config-$rel|not a bzImage" \
	--kernel-images "$out/bzImage,$kdir/boot/config-$rel" --modules "$mods,$mods"
bisect_refused "the same build twice" "same build|local-${sum:0:16}" \
	--kernel-images "$out/bzImage,$image" --modules "$mods,$kdir"
bisect_refused "a .deb of another package" "bl-not-a-kernel" --kernel-debs "$out/linux-image-local.deb,$out/notk.deb"
bisect_refused "two lists" "exclude each other" --kernels 6.12 --kernel-debs "$out/linux-image-local.deb"
echo "refusals and resolution: ok in $((SECONDS - start)) s"

# --- one boot of the .deb ---
static=${BOUNCELAB_STATIC_DIR:-build-static}
command -v qemu-system-x86_64 >/dev/null || skip "the boot: qemu-system-x86_64 not installed (refusals passed)"
[ -x "$static/gembench" ] || skip "the boot: $static/gembench missing, make static (refusals passed)"
# the real run refuses before booting too: no boot folder
"$bouncelab" lab --kernel-image "$out/bzImage" --modules "$out/other" --modes force --job configs/jobs/smoke.ini \
	--out "$out/refused" >"$out/msg" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "a real run with modules of another release exited $rc, expected 2"
[ -z "$(ls "$out/refused" 2>/dev/null | grep -v '^\.work$')" ] || fail "a refused run left boot folders: $(ls "$out/refused")"

. tests/integration/lab_retry.bash
lab_boot "$bouncelab" "$out/lab" "$out/lab.log" --kernel-deb "$out/linux-image-local.deb" --modes force \
	--job configs/jobs/smoke.ini --timeout 400 --parallel 1
rc=$?
[ "$rc" -eq 0 ] || fail "bouncelab lab exited $rc"
dir=$out/lab/local-$rel-force
docs=("$dir"/*.json)
[ -e "${docs[0]}" ] || fail "no result document in $dir ($(ls "$out/lab"))"
for d in "${docs[@]}"; do
	jq -e --arg s "$sum" --arg v "local-${sum:0:16}" --arg r "$rel" '
		.status == "ok" and .testbed.kernel_package == "local" and .testbed.package_version == $v and
		.testbed.kernel_image_sha256 == $s and .kernel.release == $r and .testbed.kernel_release == $r and
		(.testbed.kernel_image_version | startswith($r + " ")) and
		(.kernel.proc_version | startswith("Linux version " + $r + " ")) and
		((.testbed.kernel_image_version | sub("^[^)]*\\) "; "")) as $uts | .kernel.proc_version | endswith($uts)) and
		(.testbed.kernel_deb_package == "linux-image-" + $r)' "$d" >/dev/null ||
		fail "$d: $(jq -c '{status, kernel: .kernel.release, t: (.testbed | {kernel_package, package_version, kernel_image_sha256, kernel_deb_package})}' "$d")"
	if [ "$(jq -r .job.workload "$d")" = import ]; then
		jq -e '[.results[] | .counters.swiotlb_bounced | (type == "number" and . > 0)] | all' "$d" >/dev/null ||
			fail "force: an import row of the local build did not bounce in $d"
		jq -r '.results[] | "local build, force: import \(.size): ops \(.ops), swiotlb_bounced \(.counters.swiotlb_bounced)"' "$d"
	fi
done
echo "lab_local_kernel: ok in $((SECONDS - start)) s"
