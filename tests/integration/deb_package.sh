#!/usr/bin/env bash
# The Debian package (issue 18): `make deb` builds bouncelab_*.deb with
# dpkg-buildpackage (about 90 s on two cores); unpacked into a scratch root
# with dpkg -x, its programs run from there (bouncelab --version names this
# tree's commit, gembench --list lists backends); its systemd unit starts
# the packaged daemon; the example config is a conffile; man pages and
# completion are in place; lintian reports no errors (its warnings are
# printed for the log: debian/README.source-style reasons in the report).
set -u -o pipefail
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
[ -x "$build/bouncelab" ] || { echo "not built: $build/bouncelab (make check builds it)"; exit 1; }
for tool in dpkg-buildpackage:dpkg-dev dh:debhelper; do
	command -v "${tool%%:*}" >/dev/null ||
		{ echo "SKIP: ${tool%%:*} missing (Debian package ${tool#*:}; make deps)"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bl-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

# the commit make deb sees (the programs in $build may be older)
want=$(git describe --always 2>/dev/null) || want=unknown
start=$SECONDS
make -s BUILD="$build" deb >"$tmp/make.log" 2>&1 || { tail -n 40 "$tmp/make.log"; echo "FAIL: make deb"; exit 1; }
echo "make deb took $((SECONDS - start)) s"
deb=$(ls "$build"/deb/bouncelab_*.deb 2>/dev/null | head -n 1)
check "make deb built bouncelab_*.deb" test -f "$deb"
[ -f "$deb" ] || exit 1

r=$tmp/root
dpkg -x "$deb" "$r" && dpkg -e "$deb" "$tmp/control"
out=$(cd / && "$r/usr/bin/bouncelab" --version); rc=$?
check "packaged bouncelab --version runs" test $rc -eq 0
check "packaged bouncelab --version names this tree's commit ($want)" bash -c '[[ "$0" == "bouncelab "*"+$1" || "$0" == "bouncelab "*"+$1-dirty" ]]' "$out" "$want"
out=$(cd / && "$r/usr/bin/gembench" --list); rc=$?
check "packaged gembench --list exits 0 and lists backends" bash -c '[ "$0" -eq 0 ] && grep -q "^Backends:" <<<"$1"' "$rc" "$out"
check "packaged unit starts /usr/bin/bouncelabd" \
	grep -q '^ExecStart=/usr/bin/bouncelabd ' "$r/lib/systemd/system/bouncelabd.service"
check "nightly timer packaged" test -f "$r/lib/systemd/system/bouncelab-nightly.timer"
check "the example config is a conffile" grep -qx /etc/bouncelab/bouncelabd.ini "$tmp/control/conffiles"
check "man pages packaged" bash -c 'ls "$0"/usr/share/man/man1/gembench.1* "$0"/usr/share/man/man5/bouncelab-jobs.5* "$0"/usr/share/man/man8/bouncelabd.8* >/dev/null' "$r"
check "static guest programs packaged" test -x "$r/usr/lib/bouncelab/guest/gembench"
check "bash completion packaged" test -f "$r/usr/share/bash-completion/completions/bouncelab"

if command -v lintian >/dev/null; then
	lintian --no-tag-display-limit "$deb" >"$tmp/lintian.txt" 2>&1
	grep '^W: ' "$tmp/lintian.txt" | sed 's/^/lintian warning (kept): /'
	check "lintian reports no errors" bash -c '! grep -q "^E: " "$0" || { grep "^E: " "$0"; false; }' "$tmp/lintian.txt"
else
	echo "lintian not installed (Debian package lintian): not run"
fi

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
