#!/usr/bin/env bash
# bouncelab calibrate --from DIR against a database, from documents made out
# of a fixture (no boots): two boots whose throughput differs by a known
# amount give that floor and exact counts give 0; one boot, or boots of two
# configurations, are refused with the reason (exit 2) and store no floor;
# bad options are refused naming the value.
set -u
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
bl=$PWD/$build/bouncelab
[ -x "$bl" ] || { echo "not built: $bl (make check builds it)"; exit 1; }
fx=$PWD/tests/fixtures
work=$(mktemp -d /tmp/bl-calibrate-XXXXXX)
trap 'rm -rf "$work"' EXIT
export BOUNCELAB_DB=$work/test.db BOUNCELAB_SOCKET=$work/none.sock
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
floors() { sqlite3 "$BOUNCELAB_DB" "$1"; }

# boot N of the fixture's configuration: its own run_id and boot_id; boot 2's
# throughput values 10 % higher (every ops_per_sec value written as 'values')
make_boot() { # dir, index, sed expression for the values
	mkdir -p "$1"
	sed -e "s/3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01/3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b0$2/" \
	    -e "s/6B1C2D3E-4F50-4A61-8B72-93A4B5C6D7E8/6B1C2D3E-4F50-4A61-8B72-93A4B5C6D7E$2/" \
	    "$fx/result-6.12-force-udmabuf-import.json" >"$1/boot$2.json"
}
make_boot "$work/aa/b1" 1
make_boot "$work/aa/b2" 2
# scale boot 2's ops_per_sec by 1.1 (the fixture's per-rep values and mean)
jq -c '.results |= map(.ops_per_sec.values |= map(. * 1.1) | .ops_per_sec.mean *= 1.1)' \
	"$work/aa/b2/boot2.json" >"$work/b2.json" && mv "$work/b2.json" "$work/aa/b2/boot2.json"

out=$("$bl" calibrate --from "$work/aa" 2>&1); rc=$?
echo "$out"
check "two boots: exit 0" test $rc -eq 0
check "two boots: floors stored" test "$(floors 'SELECT count(*) FROM noise_floors')" -gt 0
check "throughput floor = 10 %" test "$(floors "SELECT DISTINCT printf('%.4f', floor) FROM noise_floors WHERE metric = 'ops_per_sec'")" = "0.1000"
check "exact counts: floor 0" test "$(floors "SELECT count(*) FROM noise_floors WHERE metric = 'bounces_per_op' AND floor != 0")" -eq 0
check "floors name their boots and runs" test "$(floors "SELECT DISTINCT boots || ' ' || json_array_length(runs) FROM noise_floors")" = "2 2"
check "summary names the configuration" grep -q 'noforce\|force' <<<"$out"

n=$(floors 'SELECT count(*) FROM noise_floors')
# one boot: no spread to measure
out=$("$bl" calibrate --from "$work/aa/b1" 2>&1); rc=$?
check "one boot: exit 2" test $rc -eq 2
check "one boot: says why" grep -q 'two boots or more' <<<"$out"
# two configurations: a 6.1 document beside them
mkdir -p "$work/mixed" && cp "$work/aa/b1/boot1.json" "$fx/result-6.1-force-virtio-create.json" "$work/mixed/"
out=$("$bl" calibrate --from "$work/mixed" 2>&1); rc=$?
check "two configurations: exit 2" test $rc -eq 2
check "two configurations: says why" grep -q 'more than one configuration' <<<"$out"
check "refusals stored no floor" test "$(floors 'SELECT count(*) FROM noise_floors')" -eq "$n"
# bad options, refused before anything boots
for bad in "--boots 1" "--boots x" "--clock fast" "--mode forced"; do
	out=$("$bl" calibrate $bad 2>&1); rc=$?
	check "calibrate $bad: exit 2, value named" test $rc -eq 2 -a -n "$(grep -F -- "'${bad#* }'" <<<"$out")"
done
out=$("$bl" calibrate --from "$work/nothing" 2>&1); rc=$?
check "no documents: exit 2" test $rc -eq 2

[ $fails -eq 0 ] && echo "calibrate_cli: all passed" || echo "calibrate_cli: $fails failed"
[ $fails -eq 0 ]
