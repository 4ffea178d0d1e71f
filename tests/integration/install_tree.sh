#!/usr/bin/env bash
# make install (issue 18): `make install DESTDIR=$tmp PREFIX=/usr` puts the
# programs, guest programs, testbed scripts, job files, gnuplot scripts,
# example config, systemd units, man pages and bash completion where GNU conventions and the FHS say,
# the installed units start the installed daemon, and the installed
# programs run from there (--version as the build's, gembench --list).
# The build folder is relinked with PREFIX=/usr for the install and back
# with the default afterwards (only build/gen/installdirs.c changes).
set -u -o pipefail
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
[ -x "$build/bouncelab" ] || { echo "not built: $build/bouncelab (make check builds it)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bl-install.XXXXXX")
trap 'rm -rf "$tmp"; make -s BUILD="$build" all >/dev/null 2>&1' EXIT
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

make -s -j2 BUILD="$build" install DESTDIR="$tmp/root" PREFIX=/usr >"$tmp/make.log" 2>&1 ||
	{ tail -n 30 "$tmp/make.log"; echo "FAIL: make install"; exit 1; }
r=$tmp/root
for f in usr/bin/gembench usr/bin/bouncelab usr/bin/bouncelabd \
	usr/lib/bouncelab/guest/gembench usr/lib/bouncelab/guest/bouncelabd \
	usr/lib/bouncelab/testbed/fetch-kernel.sh usr/lib/bouncelab/testbed/mkinitramfs.sh \
	usr/lib/bouncelab/testbed/guest-init.sh; do
	check "$f installed, executable" test -x "$r/$f"
done
for f in usr/share/bouncelab/jobs/standard.ini usr/share/bouncelab/kernels \
	usr/share/bouncelab/plots/style.gp etc/bouncelab/bouncelabd.ini \
	usr/lib/systemd/system/bouncelabd.service usr/lib/systemd/system/bouncelab-nightly.service \
	usr/lib/systemd/system/bouncelab-nightly.timer usr/share/man/man1/gembench.1 \
	usr/share/man/man1/bouncelab.1 usr/share/man/man8/bouncelabd.8 usr/share/man/man5/bouncelab-jobs.5 \
	usr/share/bash-completion/completions/bouncelab usr/share/bash-completion/completions/gembench; do
	check "$f installed" test -f "$r/$f"
done
check "the installed daemon unit starts /usr/bin/bouncelabd" \
	grep -q '^ExecStart=/usr/bin/bouncelabd ' "$r/usr/lib/systemd/system/bouncelabd.service"
check "the installed units name no /usr/local" \
	bash -c '! grep -l /usr/local "$0"/usr/lib/systemd/system/*' "$r"
check "the nightly service starts /usr/bin/bouncelab nightly" \
	grep -q '^ExecStart=/usr/bin/bouncelab nightly' "$r/usr/lib/systemd/system/bouncelab-nightly.service"
check "the source unit is left as it was" grep -q '^ExecStart=/usr/local/bin/bouncelabd' configs/bouncelabd.service

# the installed programs, run from the scratch root (no source tree beside them)
want=$("$build/bouncelab" --version | sed 's/^bouncelab //')
out=$(cd / && "$r/usr/bin/bouncelab" --version); rc=$?
check "installed bouncelab --version runs" test $rc -eq 0
check "installed bouncelab --version is the build's ($want)" test "$out" = "bouncelab $want"
out=$(cd / && "$r/usr/bin/gembench" --list); rc=$?
check "installed gembench --list exits 0" test $rc -eq 0
check "installed gembench --list lists backends and workloads" \
	bash -c 'grep -q "^Backends:" <<<"$0" && grep -q "^Workloads:" <<<"$0"' "$out"
out=$(cd / && "$r/usr/bin/bouncelabd" --version); rc=$?
check "installed bouncelabd --version is the build's" test "$out" = "bouncelabd $want"

# installed, the default store and socket are the installed daemon's
out=$(cd / && env -u BOUNCELAB_DB -u BOUNCELAB_SOCKET "$r/usr/bin/bouncelab" status)
check "installed bouncelab defaults to /var/lib/bouncelab/bouncelab.db" grep -q '^database: */var/lib/bouncelab/bouncelab.db' <<<"$out"
check "installed bouncelab defaults to /run/bouncelab/bouncelabd.sock" grep -q '/run/bouncelab/bouncelabd.sock' <<<"$out"
out=$(env -u BOUNCELAB_DB "$build/bouncelab" status)
check "the tree's bouncelab still defaults to var/bouncelab.db" grep -q '^database: *var/bouncelab.db' <<<"$out"

# installed, the compiled-in data folder is /usr/share/bouncelab (not the tree)
check "the build compiled in /usr/share/bouncelab for PREFIX=/usr" \
	grep -q '"/usr/share/bouncelab"' "$build/gen/installdirs.c"

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
