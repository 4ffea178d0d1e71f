#!/usr/bin/env bash
# Fetches Debian's Xen hypervisor for the testbed and prints what it got.
#
#   testbed/fetch-xen.sh [--resolve-only] [--package PKG=VERSION] [--cache DIR] [SERIES]
#
# Resolves the newest xen-hypervisor-<SERIES>-amd64 package in apt's index
# (SERIES defaults to 4.17, Debian 12's Xen; every version apt lists counts,
# the newest by Debian version order wins), downloads it with apt-get
# download, extracts it with dpkg-deb -x into DIR/xen/<package>_<version>/
# and gunzips its /boot/xen-<SERIES>-amd64.gz to boot/xen-<SERIES>-amd64,
# the ELF image QEMU's multiboot loader (-kernel) accepts. A hypervisor
# already in the cache is not downloaded again. It prints:
#
#   package=xen-hypervisor-4.17-amd64
#   version=4.17.7+13-g2445b30a44-0+deb12u1
#   xen=/abs/path/to/cache/xen/.../boot/xen-4.17-amd64   (the ELF, for -kernel)
#   xen_version=4.17.7                  (what the hypervisor calls itself)
#   dir=/abs/path/to/cache/xen/...      (root of the extracted package)
#
# --resolve-only prints package/version without downloading; --package skips
# the resolution and fetches that exact package (what a lab resolved).
# Exit: 0 ok, 2 the series is unknown to apt (or bad input), 1 the fetch
# failed. Errors go to stderr as "xen: operation: cause", with apt's own
# message.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=$here/cache
resolve_only=0
pinned=""
while [ $# -gt 0 ]; do
	case "$1" in
	--resolve-only) resolve_only=1; shift ;;
	--package) [ $# -ge 2 ] || { echo "xen: --package: needs PKG=VERSION" >&2; exit 2; }; pinned=$2; shift 2 ;;
	--cache) [ $# -ge 2 ] || { echo "xen: --cache: needs a folder" >&2; exit 2; }; cache=$2; shift 2 ;;
	-h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "xen: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -le 1 ] || { echo "usage: fetch-xen.sh [--resolve-only] [--package PKG=VERSION] [--cache DIR] [SERIES]" >&2; exit 2; }
series=${1:-4.17}

die() { # code, message
	echo "xen: $2" >&2
	exit "$1"
}

case "$series" in
''|*[!0-9.]*|.*|*.|*..*) die 2 "series: '$series' is not a Xen series (expected digits and dots, like 4.17)" ;;
esac
pkg=xen-hypervisor-$series-amd64

versions() { # -> every version of $pkg apt's index lists, one a line
	apt-cache show "$pkg" 2>/dev/null | awk '/^Version: /{ print $2 }'
}
if [ -n "$pinned" ]; then
	best=${pinned%%=*} best_ver=${pinned#*=}
	[ "$best" = "$pkg" ] && [ -n "$best_ver" ] && [ "$best_ver" != "$pinned" ] ||
		die 2 "--package: '$pinned' is not $pkg=VERSION"
else
	vers=$(versions)
	if [ -z "$vers" ] && [ -z "$(apt-cache search --names-only '^xen-hypervisor-' 2>/dev/null | head -n 1)" ]; then
		# A fresh machine has an empty apt index: read it once, then look again.
		echo "xen: apt's index has no xen-hypervisor packages; running apt-get update" >&2
		apt-get update -q >&2 || die 1 "apt-get update: failed"
		vers=$(versions)
	fi
	if [ -z "$vers" ]; then
		msg=$(apt-cache show "$pkg" 2>&1 >/dev/null | head -n 1)
		die 2 "resolve: $pkg is not in apt's index (apt-cache show: ${msg:-no output})"
	fi
	# Newest by Debian version order (the index may hold the release's and
	# the security archive's versions at once).
	best=$pkg best_ver=""
	for v in $vers; do
		if [ -z "$best_ver" ] || dpkg --compare-versions "$v" gt "$best_ver"; then
			best_ver=$v
		fi
	done
fi

echo "package=$best"
echo "version=$best_ver"
[ "$resolve_only" = 1 ] && exit 0

dir=$cache/xen/${best}_${best_ver}
gz=boot/xen-$series-amd64.gz
elf=boot/xen-$series-amd64
if [ ! -f "$dir/.complete" ]; then
	# Two labs fetching at once must not extract into the same folder: one
	# fetches, the other waits and reuses (the same lock as fetch-kernel.sh).
	mkdir -p "$cache" || die 1 "mkdir: $cache failed"
	exec 9>"$cache/.lock"
	flock 9 || die 1 "flock: $cache/.lock failed"
fi
if [ ! -f "$dir/.complete" ]; then
	mkdir -p "$cache/debs" "$cache/xen" || die 1 "mkdir: $cache/debs failed"
	deb=$(ls "$cache/debs/${best}_"*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		echo "xen: downloading $best $best_ver" >&2
		tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX") || die 1 "mktemp: failed"
		if ! out=$(cd "$tmp" && apt-get download "$best=$best_ver" 2>&1); then
			rm -rf "$tmp"
			die 1 "apt-get download $best=$best_ver: $(echo "$out" | grep -E '^(E|W):' | head -n 3 | tr '\n' ' ')"
		fi
		mv "$tmp"/*.deb "$cache/debs/" && rmdir "$tmp" || die 1 "mv: moving the downloaded package failed"
		deb=$(ls "$cache/debs/${best}_"*.deb | head -n 1)
	fi
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	echo "xen: extracting $(basename "$deb")" >&2
	out=$(dpkg-deb -x "$deb" "$dir.tmp" 2>&1) || { rm -rf "$dir.tmp"; die 1 "dpkg-deb -x $deb: $out"; }
	[ -f "$dir.tmp/$gz" ] || { rm -rf "$dir.tmp"; die 1 "extract: $deb has no /$gz"; }
	out=$(gzip -dc "$dir.tmp/$gz" 2>&1 >"$dir.tmp/$elf") || { rm -rf "$dir.tmp"; die 1 "gunzip /$gz: $out"; }
	touch "$dir.tmp/.complete"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir" || die 1 "mv: into $dir failed"
	# The .deb is kept only until it is extracted: the tree is the cache.
	rm -f "$deb"
fi
[ -f "$dir/$elf" ] || die 1 "cache: $dir/$elf missing from the extracted package"
# QEMU's multiboot loader takes an ELF (or a raw image with a multiboot
# header); a still-compressed or truncated file is refused at boot, late.
[ "$(head -c 4 "$dir/$elf" | od -An -c | tr -d ' ')" = '177ELF' ] ||
	die 1 "gunzip: $dir/$elf is not an ELF image"
# The hypervisor's own version string ("Xen version 4.17.7 (...)" in its
# banner, printed at boot); the package version's upstream part otherwise.
xver=$(LC_ALL=C grep -aoE 'Xen version [0-9]+\.[0-9]+\.[0-9]+[^ ]*' "$dir/$elf" 2>/dev/null | head -n 1 | awk '{ print $3 }')
if [ -z "$xver" ]; then
	xver=${best_ver%%[+~-]*}
fi
echo "xen=$dir/$elf"
echo "xen_version=$xver"
echo "dir=$dir"
