#!/usr/bin/env bash
# Fetches one Debian kernel series for the testbed and prints what it got.
#
#   testbed/fetch-kernel.sh [--resolve-only] [--package PKG=VERSION] [--cache DIR] SERIES
#
# Resolves the newest linux-image-<SERIES>...-amd64-unsigned package in apt's
# index (not -cloud, not -rt), downloads it with apt-get download, extracts it
# with dpkg-deb -x into DIR/<package>_<version>/ and runs depmod -b there. A
# kernel already in the cache is not downloaded again. Versions move, so the
# exact package and version are resolved each time and printed:
#
#   series=6.12
#   package=linux-image-6.12.117+deb12-amd64-unsigned
#   version=6.12.117-1~deb12u1
#   release=6.12.117+deb12-amd64          (uname -r of the guest)
#   dir=/abs/path/to/cache/...            (root of the extracted package)
#   vmlinuz=/abs/path/.../boot/vmlinuz-...
#
# --resolve-only prints series/package/version without downloading (the lab
# uses it to refuse an unknown series before anything boots); --package
# skips the resolution and fetches that exact package (what the lab resolved).
# Exit: 0 ok, 2 the series is unknown to apt, 1 the fetch failed. Errors go to
# stderr as "kernel SERIES: operation: cause", with apt's own message.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BOUNCELAB_CACHE:-$here/cache}  # installed: the lab points it at the user's cache
resolve_only=0
pinned=""
while [ $# -gt 0 ]; do
	case "$1" in
	--resolve-only) resolve_only=1; shift ;;
	--package) pinned=$2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	-h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "fetch-kernel: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: fetch-kernel.sh [--resolve-only] [--package PKG=VERSION] [--cache DIR] SERIES" >&2; exit 2; }
series=$1

die() { # code, message
	echo "kernel $series: $2" >&2
	exit "$1"
}

case "$series" in
''|*[!0-9.]*|.*|*.|*..*) die 2 "not a kernel series (expected digits and dots, like 6.12)" ;;
esac

# 6.1 packages are named linux-image-6.1.0-N-amd64-unsigned, 6.12 ones
# linux-image-6.12.N+deb12-amd64-unsigned: the series is followed by a dot
# or a dash, never by another digit (so 6.1 never matches 6.12).
pattern="^linux-image-${series//./\\.}[.-][0-9][^ ]*-amd64-unsigned\$"
list_candidates() {
	apt-cache search --names-only "$pattern" 2>/dev/null | awk '{ print $1 }' |
		grep -Ev -- '-(cloud|rt)-amd64-unsigned$'
}
if [ -n "$pinned" ]; then
	best=${pinned%%=*} best_ver=${pinned#*=}
	case "$best" in linux-image-"$series"[.-]*-amd64-unsigned) ;; *) die 2 "--package $pinned is not a $series kernel" ;; esac
else
candidates=$(list_candidates)
if [ -z "$candidates" ] && [ -z "$(apt-cache search --names-only '^linux-image-' 2>/dev/null | head -n 1)" ]; then
	# A fresh machine has an empty apt index: read it once, then look again.
	echo "kernel $series: apt's index has no linux-image packages; running apt-get update" >&2
	apt-get update -q >&2 || die 1 "apt-get update failed"
	candidates=$(list_candidates)
fi
if [ -z "$candidates" ]; then
	msg=$(apt-cache show "linux-image-$series-amd64-unsigned" 2>&1 >/dev/null | head -n 1)
	die 2 "no package matching $pattern in apt's index (apt-cache show linux-image-$series-amd64-unsigned: ${msg:-no output})"
fi

# Newest by Debian version order, not by name. One apt-cache call for all
# candidates: each call costs seconds on a busy machine.
best="" best_ver=""
while read -r p v; do
	[ -n "$v" ] || continue
	if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best_ver"; then
		best=$p best_ver=$v
	fi
done < <(apt-cache show --no-all-versions $candidates 2>/dev/null |
	awk '/^Package: /{ p = $2 } /^Version: /{ print p, $2 }')
[ -n "$best" ] || die 2 "apt-cache show gave no version for: $candidates"
fi

echo "series=$series"
echo "package=$best"
echo "version=$best_ver"
[ "$resolve_only" = 1 ] && exit 0

dir=$cache/kernels/${best}_${best_ver}
if [ ! -f "$dir/.complete" ]; then
	# Two labs fetching at once (two engineers, a test and a run) must not
	# extract into the same folder: one fetches, the other waits and reuses.
	mkdir -p "$cache" || die 1 "mkdir $cache failed"
	exec 9>"$cache/.lock"
	flock 9 || die 1 "flock $cache/.lock failed"
fi
if [ ! -f "$dir/.complete" ]; then
	mkdir -p "$cache/debs" || die 1 "mkdir $cache/debs failed"
	deb=$(ls "$cache/debs/${best}_"*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		echo "kernel $series: downloading $best $best_ver" >&2
		tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX") || die 1 "mktemp failed"
		if ! out=$(cd "$tmp" && apt-get download "$best=$best_ver" 2>&1); then
			rm -rf "$tmp"
			die 1 "apt-get download $best=$best_ver: $(echo "$out" | grep -E '^(E|W):' | head -n 3 | tr '\n' ' ')"
		fi
		mv "$tmp"/*.deb "$cache/debs/" && rmdir "$tmp" || die 1 "moving the downloaded package failed"
		deb=$(ls "$cache/debs/${best}_"*.deb | head -n 1)
	fi
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	echo "kernel $series: extracting $(basename "$deb")" >&2
	out=$(dpkg-deb -x "$deb" "$dir.tmp" 2>&1) || { rm -rf "$dir.tmp"; die 1 "dpkg-deb -x $deb: $out"; }
	rel=$(ls "$dir.tmp/lib/modules" 2>/dev/null | head -n 1)
	[ -n "$rel" ] || { rm -rf "$dir.tmp"; die 1 "$deb has no lib/modules/<release>"; }
	out=$(depmod -b "$dir.tmp" "$rel" 2>&1) || { rm -rf "$dir.tmp"; die 1 "depmod -b: $out"; }
	touch "$dir.tmp/.complete"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir" || die 1 "mv into $dir failed"
	# The .deb is kept only until it is extracted: the tree is the cache.
	rm -f "$deb"
fi
rel=$(ls "$dir/lib/modules" | head -n 1)
vmlinuz=$dir/boot/vmlinuz-$rel
[ -f "$vmlinuz" ] || die 1 "$vmlinuz missing from the extracted package"
echo "release=$rel"
echo "dir=$dir"
echo "vmlinuz=$vmlinuz"
