#!/usr/bin/env bash
# Builds the testbed guest's initramfs for one kernel.
#
#   testbed/mkinitramfs.sh --kernel-dir DIR --out FILE [--release REL] [--job FILE]
#       [--gembench FILE] [--bouncelabd FILE] [--guest-script FILE]
#       [--perf FILE|auto]
#
# DIR is a kernel extracted by fetch-kernel.sh (DIR/lib/modules/<release>/
# with modules.dep from depmod -b; --release picks REL when DIR/lib/modules
# holds several, as a reused INSTALL_MOD_PATH tree may). The archive (newc cpio, uncompressed: the
# guest's TCG CPU unpacks it faster than it would inflate gzip) holds
# busybox-static, /init (testbed/guest-init.sh), the modules for vgem and
# virtio-gpu with everything they depend on in load order, udmabuf when this
# kernel builds it as a module, xen_privcmd and xenfs (Xen modes: dom0's
# /proc/xen/capabilities) when the kernel has them, /guest-balloon.sh (the
# Xen modes' balloon step, run by /init; harmless elsewhere), the static
# guest programs as /bin/gembench and /bin/bouncelabd, the job as /job.ini
# and an optional /guest-run script.
# --perf puts a perf binary in as /bin/perf with every library `ldd` lists
# and the dynamic loader, at their own paths (for gembench --profile); auto
# takes the host's linux-perf (the real perf_X.Y behind Debian's wrapper
# script, the one matching the guest's series when there is one), and only
# warns when there is none: the guest's rows then say "perf: cannot run".
# Modules built into the kernel (modules.builtin) are skipped; .ko.xz/.ko.zst
# are decompressed because busybox insmod loads plain .ko only.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
kdir="" out="" rel="" job="" gembench="" bouncelabd="" script="" perf=""
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel-dir) kdir=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--release) rel=$2; shift 2 ;;
	--job) job=$2; shift 2 ;;
	--gembench) gembench=$2; shift 2 ;;
	--bouncelabd) bouncelabd=$2; shift 2 ;;
	--guest-script) script=$2; shift 2 ;;
	--perf) perf=$2; shift 2 ;;
	-h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "mkinitramfs: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -n "$kdir" ] && [ -n "$out" ] || die "--kernel-dir and --out are required"
[ -n "$rel" ] || rel=$(ls "$kdir/lib/modules" 2>/dev/null | head -n 1)
[ -n "$rel" ] || die "$kdir/lib/modules: no kernel release inside"
mdir=$kdir/lib/modules/$rel
[ -f "$mdir/modules.dep" ] || die "$mdir/modules.dep missing (depmod -b not run?)"
busybox=$(command -v busybox) || die "busybox: not installed (Debian package busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked; install busybox-static"; }

# The modules the guest needs. udmabuf is optional: 6.1 has none at all.
# xen_privcmd and xenfs give a Xen dom0 /proc/xen (dom0-ness on 6.1, which
# has no /sys/hypervisor/start_flags); off Xen they load and do nothing.
wanted="virtio_pci drm drm_kms_helper drm_shmem_helper vgem virtio_dma_buf virtio_gpu udmabuf xen_privcmd xenfs"
optional=" udmabuf xen_privcmd xenfs "

stage=$(mktemp -d "${TMPDIR:-/tmp}/bl-initramfs.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,root,lib/modules/"$rel"} || die "mkdir failed"
cp "$busybox" "$stage/bin/busybox" || die "copying busybox failed"
cp "$here/guest-init.sh" "$stage/init" && chmod 755 "$stage/init" || die "copying init failed"
cp "$here/guest-balloon.sh" "$stage/guest-balloon.sh" || die "copying guest-balloon.sh failed"

# modules.dep lines: "kernel/drivers/x/a.ko.xz: kernel/y/b.ko.xz kernel/z/c.ko.xz"
# (the dependencies of a, deepest last). Map a module name to its path.
modpath() { # name -> path relative to $mdir, or nothing
	local n=${1//-/_}
	awk -F: -v n="$n" '{ p = $1; b = p; sub(/.*\//, "", b); sub(/\.ko(\.(xz|zst|gz))?$/, "", b);
		gsub(/-/, "_", b); if (b == n) { print p; exit } }' "$mdir/modules.dep"
}
builtin() { # name -> 0 when built into the kernel
	local n=${1//-/_}
	[ -f "$mdir/modules.builtin" ] &&
		sed 's/.*\///; s/\.ko$//; s/-/_/g' "$mdir/modules.builtin" | grep -qx "$n"
}
declare -A seen=()
order=()
add_module() { # path: add its dependencies first (depth first), then itself
	local p=$1 d
	[ -n "${seen[$p]:-}" ] && return
	seen[$p]=1
	for d in $(awk -F: -v p="$p" '$1 == p { print $2; exit }' "$mdir/modules.dep"); do
		add_module "$d"
	done
	order+=("$p")
}
for m in $wanted; do
	p=$(modpath "$m")
	if [ -z "$p" ]; then
		builtin "$m" && continue
		[[ "$optional" == *" $m "* ]] && { echo "mkinitramfs: $rel: $m is not a module here (built in, or absent from this kernel)" >&2; continue; }
		die "$rel: module $m is neither in modules.dep nor built in"
	fi
	add_module "$p"
done

: >"$stage/modules.order"
for p in "${order[@]}"; do
	src=$mdir/$p
	dst_rel=${p%.xz}; dst_rel=${dst_rel%.zst}; dst_rel=${dst_rel%.gz}
	dst=$stage/lib/modules/$rel/$dst_rel
	mkdir -p "$(dirname "$dst")"
	case "$p" in
	*.ko.xz) xz -dc "$src" >"$dst" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst" ;;
	*.ko.gz) gzip -dc "$src" >"$dst" ;;
	*) cp "$src" "$dst" ;;
	esac || die "$p: decompressing failed"
	echo "$dst_rel" >>"$stage/modules.order"
done

if [ -n "$gembench" ]; then cp "$gembench" "$stage/bin/gembench" || die "copying $gembench failed"; fi
if [ -n "$bouncelabd" ]; then cp "$bouncelabd" "$stage/bin/bouncelabd" || die "copying $bouncelabd failed"; fi
if [ -n "$job" ]; then cp "$job" "$stage/job.ini" || die "copying $job failed"; fi
if [ -n "$script" ]; then cp "$script" "$stage/guest-run" || die "copying $script failed"; fi

# The real perf binary: Debian's /usr/bin/perf is either perf itself (linux-perf
# 6.1) or a shell script that execs perf_<major.minor of the running kernel>.
find_perf() { # -> path of an ELF perf binary, or nothing
	local p series=${rel%%-*} c
	series=$(echo "$series" | cut -d. -f1-2)
	for c in "/usr/bin/perf_$series" "$(command -v perf 2>/dev/null)" $(ls -r /usr/bin/perf_[0-9]* 2>/dev/null); do
		[ -n "$c" ] && [ -x "$c" ] || continue
		p=$(readlink -f "$c")
		head -c 4 "$p" 2>/dev/null | grep -q 'ELF' && { echo "$p"; return; }
	done
}
if [ "$perf" = auto ]; then
	perf=$(find_perf)
	[ -n "$perf" ] || echo "mkinitramfs: --perf auto: no perf binary on this host (Debian package linux-perf): the guest profiles nothing" >&2
fi
if [ -n "$perf" ]; then
	[ -x "$perf" ] || die "--perf $perf: not an executable"
	cp -L "$perf" "$stage/bin/perf" || die "copying $perf failed"
	# ldd lines: "libx.so.1 => /lib/.../libx.so.1 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
	libs=$(ldd "$perf" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }') ||
		die "ldd $perf failed"
	[ -n "$libs" ] || die "ldd $perf: no libraries listed (a static perf needs no --perf copying; copy it as --gembench does)"
	for l in $libs; do
		mkdir -p "$stage$(dirname "$l")" && cp -L "$l" "$stage$l" || die "copying $l (for perf) failed"
	done
	# The loader is named by its canonical path in PT_INTERP; /lib64 may be a link on the host.
	nlibs=$(echo "$libs" | wc -l)
	echo "mkinitramfs: perf: $perf with $nlibs libraries ($(du -sm "$stage/bin/perf" "$stage/lib" "$stage/lib64" 2>/dev/null | awk '{ s += $1 } END { print s }') MiB with the modules)" >&2
fi

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out.tmp" ||
	die "cpio failed"
mv "$out.tmp" "$out" || die "mv $out failed"
echo "mkinitramfs: $out: $rel, modules: $(tr '\n' ' ' <"$stage/modules.order")" >&2
