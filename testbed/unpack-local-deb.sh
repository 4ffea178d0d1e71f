#!/usr/bin/env bash
# Unpacks a local kernel package for the testbed and prints what it holds.
#
#   testbed/unpack-local-deb.sh [--cache DIR] FILE.deb
#
# FILE.deb is a linux-image-* package: one built with `make bindeb-pkg`, or
# a Debian one downloaded by hand. Its control fields are checked first
# (dpkg-deb -f); it is extracted with dpkg-deb -x into
# DIR/local/<package>_<version>_<12 hex of the .deb's SHA-256>/ (once: the
# same file is not extracted again), depmod -b runs there, and it prints
#
#   package=linux-image-6.12.118+deb12-amd64-unsigned
#   version=6.12.118-1~deb12u1
#   dir=/abs/path/to/cache/local/...      (root of the extracted package)
#   vmlinuz=/abs/path/.../boot/vmlinuz-...
#
# The lab then checks the image and the modules as it checks
# --kernel-image and --modules (testbed/lab_local_check.c).
# Exit: 0 ok, 2 FILE is not a kernel image package (not a .deb, another
# package, no boot/vmlinuz-* inside), 1 a tool failed. Errors go to stderr
# as "--kernel-deb FILE: what: cause".
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BOUNCELAB_CACHE:-$here/cache}
while [ $# -gt 0 ]; do
	case "$1" in
	--cache) cache=$2; shift 2 ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unpack-local-deb: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: unpack-local-deb.sh [--cache DIR] FILE.deb" >&2; exit 2; }
deb=$1
die() { # code, message
	echo "--kernel-deb $deb: $2" >&2
	exit "$1"
}

[ -f "$deb" ] || die 2 "no such file"
fields=$(dpkg-deb -f "$deb" Package Version 2>&1) ||
	die 2 "not a Debian package (dpkg-deb -f: $(echo "$fields" | head -n 1))"
package=$(echo "$fields" | sed -n 's/^Package: //p')
version=$(echo "$fields" | sed -n 's/^Version: //p')
case "$package" in
linux-image-amd64|linux-image-cloud-amd64|linux-image-rt-amd64)
	die 2 "package $package is Debian's meta package (it holds no kernel): pass the linux-image-<release> package it depends on" ;;
linux-image-?*) ;;
*) die 2 "package '$package' is not a kernel image package (expected linux-image-<release>, as make bindeb-pkg builds)" ;;
esac

sum=$(sha256sum "$deb" | cut -c1-12) || die 1 "sha256sum failed"
dir=$cache/local/${package}_${version}_$sum
if [ ! -f "$dir/.complete" ]; then
	mkdir -p "$cache/local" || die 1 "mkdir $cache/local failed"
	# the kernels' lock: two labs unpacking the same file at once wait for each other
	exec 9>"$cache/.lock"
	flock 9 || die 1 "flock $cache/.lock failed"
fi
if [ ! -f "$dir/.complete" ]; then
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp" || die 1 "mkdir $dir.tmp failed"
	echo "--kernel-deb $deb: extracting $package $version" >&2
	out=$(dpkg-deb -x "$deb" "$dir.tmp" 2>&1) || { rm -rf "$dir.tmp"; die 1 "dpkg-deb -x: $out"; }
	for rel in $(ls "$dir.tmp/lib/modules" 2>/dev/null); do
		out=$(depmod -b "$dir.tmp" "$rel" 2>&1) || { rm -rf "$dir.tmp"; die 1 "depmod -b $rel: $out"; }
	done
	touch "$dir.tmp/.complete"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir" || die 1 "mv into $dir failed"
fi
images=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null)
[ -n "$images" ] || die 2 "package $package holds no boot/vmlinuz-*: not a kernel image"
[ "$(echo "$images" | wc -l)" -eq 1 ] || die 2 "package $package holds several images: $(echo $images)"
echo "package=$package"
echo "version=$version"
echo "dir=$(cd "$dir" && pwd)"
echo "vmlinuz=$(cd "$dir" && pwd)/boot/$(basename "$images")"
