#!/usr/bin/env bash
# Man pages (issue 18): make man builds gembench(1), bouncelab(1),
# bouncelabd(8) and bouncelab-jobs(5); each renders without a groff warning;
# bouncelab-jobs(5) names exactly the job keys `gembench --help` lists (both
# come from bench/options.c's table); a page source naming a missing
# program fails the build instead of leaving a hole.
set -u -o pipefail
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
[ -x "$build/gembench" ] || { echo "not built: $build/gembench (make check builds it)"; exit 1; }
command -v scdoc >/dev/null || { echo "SKIP: scdoc not installed (Debian package scdoc; make deps)"; exit 77; }
command -v man >/dev/null || { echo "SKIP: man not installed (Debian package man-db)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bl-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

make -s BUILD="$build" man >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; echo "FAIL: make man"; exit 1; }
for p in gembench.1 bouncelab.1 bouncelabd.8 bouncelab-jobs.5; do
	f=$build/man/$p
	check "$p built" test -s "$f"
	warn=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >"$tmp/$p.txt")
	check "$p renders without warnings${warn:+: $warn}" test -z "$warn"
	check "$p has NAME and SEE ALSO" bash -c 'grep -q "^NAME" "$0" && grep -q "^SEE ALSO" "$0"' "$tmp/$p.txt"
done

# the jobs page and --help list the same keys, in the same order
"$build/gembench" --help | sed -n '/^Job keys/,/^SIZES/p' | grep -o '^  --[a-z_]*' | sed 's/^  --//' >"$tmp/help.keys"
sed -n '/^KEYS/,/^EXAMPLE/p' "$tmp/bouncelab-jobs.5.txt" | grep -o '^       [a-z_]* = ' | awk '{ print $1 }' >"$tmp/man.keys"
check "gembench --help lists job keys" test -s "$tmp/help.keys"
check "bouncelab-jobs(5) lists the keys --help lists ($(wc -l <"$tmp/help.keys") keys)" cmp -s "$tmp/help.keys" "$tmp/man.keys"
check "the pasted --help of bouncelab(1) names the export command" grep -q 'export' "$tmp/bouncelab.1.txt"

# a directive naming a program that does not exist fails the page
printf 'x(1)\n\n# NAME\n\nx - y\n\n@HELP no-such-program --help@\n' >"$tmp/bad.scd.in"
printf 'x(1)\n\n# NAME\n\nx - y\n\n@KEYS@\n' >"$tmp/keys.scd.in"
man/render.sh "$build" "$tmp/keys.scd.in" "$tmp/keys.1" >/dev/null 2>&1
check "@KEYS@ renders the key table" grep -q 'workload' "$tmp/keys.1"
out=$(man/render.sh "$tmp/no-build" "$tmp/keys.scd.in" "$tmp/keys2.1" 2>&1); rc=$?
check "a missing gembench fails the page and names the line" bash -c '[ "$0" -ne 0 ] && grep -q "keys.scd.in:7" <<<"$1"' "$rc" "$out"

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
