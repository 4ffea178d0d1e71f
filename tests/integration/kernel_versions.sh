#!/usr/bin/env bash
# Kernels by exact version (issue 14), against apt's real index, booting
# nothing: `bouncelab lab --resolve` turns a range into every version apt
# knows between its ends (counted here independently from apt-cache's
# package names) and a series into its newest; an unknown version, an empty
# range, a backwards range, a range across series and an unknown flavour are
# refused with exit 2 naming the value, by `lab` and by `bisect` alike, and
# nothing is written; bisect also refuses a list not oldest first. Skips
# (77) when apt's index has no 6.12 kernels.
set -u -o pipefail
cd "$(dirname "$0")/../.."

build=${BOUNCELAB_BUILD:-build}
bouncelab=$PWD/$build/bouncelab
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$bouncelab" ] || skip "$bouncelab missing (make)"
names=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$' 2>/dev/null |
	awk '{ print $1 }' | sed -E 's/^linux-image-(6\.12\.[0-9]+)\+.*/\1/' | sort -V)
[ -n "$names" ] || skip "apt's index has no 6.12 kernels (apt-get update)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bl-kver.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- a range: every version apt has between the ends, oldest first -----------
first=$(echo "$names" | head -n 1)
last=$(echo "$names" | tail -n 1)
want=$(echo "$names" | tr '\n' ' ' | sed 's/ $//')
out=$("$bouncelab" lab --kernels "$first..$last" --resolve 2>&1) || fail "lab --resolve $first..$last: $out"
echo "$out"
got=$(echo "$out" | grep -o ' 6\.12\.[0-9]* (' | tr -d ' (' | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] || fail "range $first..$last resolved to '$got', apt has '$want'"
n=$(echo "$names" | wc -l)
[[ "$out" == *": $n version(s):"* ]] || fail "the count $n is not printed: $out"

# a series resolves to its newest; an exact version to itself, with its package version
out=$("$bouncelab" lab --kernels "6.12,$first" --resolve 2>&1) || fail "lab --resolve 6.12,$first: $out"
[[ "$out" == *"--kernels 6.12: $last ("* ]] || fail "6.12 did not resolve to the newest, $last: $out"
[[ "$out" == *"--kernels $first: $first ($first-"* ]] || fail "$first did not resolve to itself: $out"

# --- bad input: exit 2, the value named, nothing written -----------------------
refused() { # command, expected text, then the --kernels value
	local cmd=$1 want=$2 k=$3 msg rc
	if [ "$cmd" = lab ]; then
		msg=$("$bouncelab" lab --kernels "$k" --modes force --out "$tmp/never" 2>&1)
	else
		msg=$("$bouncelab" bisect --kernels "$k" --mode force --out "$tmp/never" 2>&1)
	fi
	rc=$?
	[ "$rc" -eq 2 ] || fail "$cmd --kernels $k: exit $rc, expected 2: $msg"
	[[ "$msg" == *"$want"* ]] || fail "$cmd --kernels $k: message does not name '$want': $msg"
	[ ! -e "$tmp/never" ] || fail "$cmd --kernels $k: wrote $tmp/never although refused"
	echo "refused as expected: $cmd --kernels $k -> $msg"
}
for cmd in lab bisect; do
	refused $cmd "unknown version" 6.12.1		       # never in a bookworm index
	refused $cmd "6.12.1..6.12.2" 6.12.1..6.12.2	       # an empty range
	refused $cmd "$last is newer than $first" "$last..$first" # backwards
	refused $cmd "crosses series" "6.1.0-47..$last"	       # across series
	refused $cmd "unknown flavour 'gpu'" 6.12:gpu
	refused $cmd "'6.12..$last'" "6.12..$last"	       # a series as a range end
done
# bisect needs two versions
refused bisect "needs two or more" "$first"
refused bisect "list the versions oldest first" "$last,$first" # a list out of order
echo "PASS"
