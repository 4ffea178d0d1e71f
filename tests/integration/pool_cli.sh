#!/usr/bin/env bash
# bouncelab pool: bad input is refused before anything boots (exit 2), the
# message naming the value: --min above --max, sizes that are not multiples
# of 256K, a mode with no pool (noforce), more than one kernel, a budget too
# small to confirm, areas out of range. --help exits 0 and names every
# option. The search itself is tests/unit/test_poolsearch.c (a fake boot).
set -u
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
bl=$PWD/$build/bouncelab
[ -x "$bl" ] || { echo "not built: $bl (make check builds it)"; exit 1; }
work=$(mktemp -d /tmp/bl-pool-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

# each row: the options, then the text the message must hold
while IFS='|' read -r opts says; do
	out=$("$bl" pool --out "$work/out" $opts 2>&1); rc=$?
	check "pool $opts: exit 2" test $rc -eq 2
	check "pool $opts: says '$says'" grep -qF -- "$says" <<<"$out"
done <<'ROWS'
--min 2M --max 1M|--min '2M' is above --max '1M'
--min 100K|--min '100K': not a multiple of 256K
--max 1000K|--max '1000K': not a multiple of 256K
--min 0|--min '0': not a size
--max lots|--max 'lots': not a size
--mode noforce|--mode 'noforce': noforce allocates no SWIOTLB pool
--mode forced|--mode 'forced': not a mode
--kernels 6.1,6.12|--kernels '6.1,6.12': one kernel per search
--boots 1|--boots '1': expected 2 to 40
--areas 0|--areas '0': expected 1 to 1024
--clock fast|--clock 'fast': expected icount or wall
--job /nonexistent.ini|--job '/nonexistent.ini'
ROWS
check "refusals booted nothing" test ! -e "$work/out"

out=$("$bl" pool --help); rc=$?
check "--help: exit 0" test $rc -eq 0
for opt in --kernels --job --mode --min --max --areas --boots --timeout --clock --out --db; do
	check "--help names $opt" grep -qF -- "$opt" <<<"$out"
done
check "bouncelab --help lists pool" grep -q '^  pool ' <<<"$("$bl" --help)"
[ "$fails" -eq 0 ]
