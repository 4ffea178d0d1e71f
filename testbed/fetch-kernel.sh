#!/usr/bin/env bash
# Fetches one Debian kernel for the testbed and prints what it got.
#
#   testbed/fetch-kernel.sh [--resolve-only | --list] [--package PKG=VERSION] [--cache DIR] KERNEL
#
# KERNEL names Debian kernels the way `bouncelab lab --kernels` does:
#   6.12                  a series: the newest version of it in apt's index
#   6.12.111, 6.1.0-53    an exact version (the package name's, without +debNN)
#   6.12.107..6.12.118    a range: every version of one series in apt's index
#                         between the two, both included (--list only)
#   6.12:cloud            any of the above in a flavour (cloud, rt); without
#                         one, the plain -amd64 kernels (not -cloud, not -rt)
# Packages are linux-image-<version>[+debNN]-[<flavour>-]amd64-unsigned. The
# exact package and version are resolved each time (versions move) and
# printed; a fetch downloads the .deb with apt-get download, extracts it
# with dpkg-deb -x into DIR/<package>_<version>/ and runs depmod -b there
# (a kernel already in the cache is not downloaded again):
#
#   series=6.12
#   label=6.12.117                        (the exact version, :flavour added)
#   package=linux-image-6.12.117+deb12-amd64-unsigned
#   version=6.12.117-1~deb12u1
#   release=6.12.117+deb12-amd64          (uname -r of the guest)
#   dir=/abs/path/to/cache/...            (root of the extracted package)
#   vmlinuz=/abs/path/.../boot/vmlinuz-...
#
# --resolve-only prints series/label/package/version without downloading
# (the lab uses it to refuse an unknown kernel before anything boots);
# --list prints every kernel KERNEL names, oldest first, one "LABEL PACKAGE
# VERSION" line each (how the lab expands a range); --package skips the
# resolution and fetches that exact package (what the lab resolved).
# Versions are ordered as dpkg orders them (dpkg --compare-versions).
# Exit: 0 ok, 2 KERNEL is malformed or names nothing in apt's index (an
# unknown version, an empty range, a range across series), 1 the fetch
# failed. Errors go to stderr as "kernel KERNEL: operation: cause".
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BOUNCELAB_CACHE:-$here/cache}  # installed: the lab points it at the user's cache
resolve_only=0
list=0
pinned=""
usage="usage: fetch-kernel.sh [--resolve-only | --list] [--package PKG=VERSION] [--cache DIR] KERNEL"
while [ $# -gt 0 ]; do
	case "$1" in
	--resolve-only) resolve_only=1; shift ;;
	--list) list=1; shift ;;
	--package) pinned=$2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	-h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "fetch-kernel: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "$usage" >&2; exit 2; }
kernel=$1

die() { # code, message
	echo "kernel $kernel: $2" >&2
	exit "$1"
}

# --- what KERNEL says ---------------------------------------------------------
sel=${kernel%%:*} flavour=""
case "$kernel" in *:*) flavour=${kernel#*:} ;; esac
case "$flavour" in
'') suffix=-amd64-unsigned ;;
cloud|rt) suffix=-$flavour-amd64-unsigned ;;
*) die 2 "unknown flavour '$flavour' (expected cloud or rt, or none for the plain amd64 kernels)" ;;
esac
first=$sel last=""
case "$sel" in *..*) first=${sel%%..*} last=${sel#*..} ;; esac
is_exact() { [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9]+)?$ ]]; }
series_of() { local s=${1%%-*}; echo "${s%.*}" | cut -d. -f1,2; }
if [ -n "$last" ]; then
	is_exact "$first" || die 2 "range start '$first' is not an exact version (like 6.12.107 or 6.1.0-47)"
	is_exact "$last" || die 2 "range end '$last' is not an exact version (like 6.12.118 or 6.1.0-57)"
	series=$(series_of "$first")
	[ "$(series_of "$last")" = "$series" ] ||
		die 2 "range crosses series ($first is $series, $last is $(series_of "$last")): a range stays within one series"
	dpkg --compare-versions "$first" le "$last" ||
		die 2 "range is empty: $first is newer than $last"
elif is_exact "$first"; then
	series=$(series_of "$first")
elif [[ $first =~ ^[0-9]+\.[0-9]+$ ]]; then
	series=$first
else
	die 2 "not a kernel (expected a series like 6.12, a version like 6.12.111 or 6.1.0-53, or a range FIRST..LAST)"
fi
[ -z "$last" ] || [ "$list" = 1 ] || [ -n "$pinned" ] ||
	die 2 "a range names several kernels: resolve it with --list and fetch each"

# The label of a package: its version part without +debNN and the flavour,
# what a user types to pick it (6.12.111, 6.1.0-53), then :flavour.
label_of() {
	local v=${1#linux-image-}
	v=${v%"$suffix"}
	v=${v%%+*}
	echo "$v${flavour:+:$flavour}"
}
version_of_label() { local v=${1%%:*}; echo "$v"; }

# 6.1 packages are named linux-image-6.1.0-N-amd64-unsigned, 6.12 ones
# linux-image-6.12.N+deb12-amd64-unsigned: the series is followed by a dot
# or a dash, never by another digit (so 6.1 never matches 6.12).
pattern="^linux-image-${series//./\\.}[.-][0-9][^ ]*${suffix}\$"
list_candidates() {
	local p
	apt-cache search --names-only "$pattern" 2>/dev/null | awk '{ print $1 }' | while read -r p; do
		# Without a flavour, -cloud- and -rt- packages are not candidates;
		# with one, only its own (the pattern already ends in it).
		[ -z "$flavour" ] && [[ $p =~ -(cloud|rt)-amd64-unsigned$ ]] && continue
		echo "$p"
	done
}

if [ -n "$pinned" ]; then
	best=${pinned%%=*} best_ver=${pinned#*=}
	case "$best" in linux-image-"$series"[.-]*"$suffix") ;; *) die 2 "--package $pinned is not a $series${flavour:+ $flavour} kernel" ;; esac
	best_label=$(label_of "$best")
else
candidates=$(list_candidates)
if [ -z "$candidates" ] && [ -z "$(apt-cache search --names-only '^linux-image-' 2>/dev/null | head -n 1)" ]; then
	# A fresh machine has an empty apt index: read it once, then look again.
	echo "kernel $kernel: apt's index has no linux-image packages; running apt-get update" >&2
	apt-get update -q >&2 || die 1 "apt-get update failed"
	candidates=$(list_candidates)
fi
if [ -z "$candidates" ]; then
	msg=$(apt-cache show "linux-image-$series$suffix" 2>&1 >/dev/null | head -n 1)
	die 2 "no package matching $pattern in apt's index (apt-cache show linux-image-$series$suffix: ${msg:-no output})"
fi

# Every candidate with its version, oldest first by dpkg's order of the
# labels (6.1.0-47 < 6.1.0-53, 6.12.107 < 6.12.111). One apt-cache call for
# all candidates: each call costs seconds on a busy machine.
known=()
while read -r p v; do
	[ -n "$v" ] || continue
	l=$(label_of "$p")
	i=${#known[@]}
	while [ "$i" -gt 0 ] && dpkg --compare-versions "$(version_of_label "${known[i - 1]%% *}")" gt "$(version_of_label "$l")"; do
		known[i]=${known[i - 1]}
		i=$((i - 1))
	done
	known[i]="$l $p $v"
done < <(apt-cache show --no-all-versions $candidates 2>/dev/null |
	awk '/^Package: /{ p = $2 } /^Version: /{ print p, $2 }')
[ "${#known[@]}" -gt 0 ] || die 2 "apt-cache show gave no version for: $candidates"
names=$(for k in "${known[@]}"; do printf ' %s' "${k%% *}"; done)

# What KERNEL picks of them.
picked=()
for k in "${known[@]}"; do
	v=$(version_of_label "${k%% *}")
	if [ -n "$last" ]; then
		dpkg --compare-versions "$v" ge "$first" && dpkg --compare-versions "$v" le "$last" && picked+=("$k")
	elif is_exact "$first"; then
		[ "$v" = "$first" ] && picked+=("$k")
	fi
done
if [ -n "$last" ]; then
	[ "${#picked[@]}" -gt 0 ] ||
		die 2 "range is empty: apt's index has no $series${flavour:+ $flavour} version from $first to $last (it has:$names)"
elif is_exact "$first"; then
	[ "${#picked[@]}" -gt 0 ] ||
		die 2 "unknown version: apt's index has no $series${flavour:+ $flavour} kernel $first (it has:$names)"
else
	picked=("${known[${#known[@]} - 1]}") # the series: its newest
fi
if [ "$list" = 1 ]; then
	printf '%s\n' "${picked[@]}"
	exit 0
fi
read -r best_label best best_ver <<<"${picked[0]}"
fi

echo "series=$series"
echo "label=$best_label"
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
		echo "kernel $kernel: downloading $best $best_ver" >&2
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
	echo "kernel $kernel: extracting $(basename "$deb")" >&2
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
