#!/usr/bin/env bash
# bouncelab export --kcidb (issue 18): the fixture documents stored with
# `ingest --direct`, exported, must validate against KCIDB's v5.3 schema
# (../shared/kcidb, or $KCIDB_SCHEMA) with Debian's python3-jsonschema, and
# carry the mapping analysis/kcidb.h promises: Debian package versions as
# checkouts, dotted paths, DONE numbers with units, FAIL for refused
# operations, SKIP for a skipped job, the DMA mode and clock, ids prefixed
# by the origin. Then the bad input: an empty selection exits 3 saying so,
# a bad origin or a missing format exits 2 naming it; and the validator
# itself rejects a broken export (so a pass means something).
set -u -o pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${BOUNCELAB_BUILD:-build}
bl=$root/$build/bouncelab
[ -x "$bl" ] || { echo "not built: $bl (make BUILD=$build all; make check does)"; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq not installed (make deps)"; exit 77; }
schema=${KCIDB_SCHEMA:-$root/../../shared/kcidb/kcidb-v5.3.schema.json}
[ -f "$schema" ] || schema=/work/shared/kcidb/kcidb-v5.3.schema.json
# Debian's python3 and its python3-jsonschema, not whatever python3 is first on PATH
py=${BOUNCELAB_PYTHON:-/usr/bin/python3}
[ -f "$schema" ] || { echo "SKIP: KCIDB schema not found (set KCIDB_SCHEMA)"; exit 77; }
"$py" -c "import jsonschema" 2>/dev/null ||
	{ echo "SKIP: python3 module jsonschema missing (Debian python3-jsonschema; make deps)"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bl-kcidb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export BOUNCELAB_SOCKET=$tmp/none.sock
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
validate() { # file: exit 0 when it validates (dates and URIs checked too)
	"$py" - "$schema" "$1" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
errors = list(jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(doc))
for e in errors[:5]:
    print("kcidb: %s: %s" % ("/".join(map(str, e.absolute_path)) or "(document)", e.message))
sys.exit(1 if errors else 0)
PY
}

fx=$root/tests/fixtures
"$bl" ingest --direct --quiet --db "$tmp/fx.db" "$fx"/result-*.json "$fx"/real-*.json >"$tmp/ingest.txt" 2>&1 ||
	{ cat "$tmp/ingest.txt"; echo "FAIL: ingesting the fixtures"; exit 1; }

"$bl" export --kcidb --db "$tmp/fx.db" --origin lab_a --out "$tmp/k.json" 2>"$tmp/err.txt"
rc=$?
check "export of the fixture store exits 0" test $rc -eq 0
check "the export validates against KCIDB v5.3" validate "$tmp/k.json"
j() { jq -e "$1" "$tmp/k.json" >/dev/null; }
check "schema version 5.3" j '.version == {"major": 5, "minor": 3}'
check "every id starts with the origin" \
	j '[.checkouts[], .builds[], .tests[] | .id | startswith("lab_a:")] | all'
check "a checkout per Debian package version" \
	j '[.checkouts[].git_commit_name] | sort == ["6.1.158-1", "6.12.117-1~deb12u1", "6.12.57-1"]'
check "a build per kernel image, of its checkout" \
	j '(.checkouts | map(.id)) as $c | [.builds[].checkout_id | IN($c[])] | all and length == 3'
check "bounces per op of the forced 1M udmabuf import: DONE, 256 bounces/op" \
	j '[.tests[] | select(.path == "bouncelab.import.udmabuf-vgem.1M.bounces_per_op"
		and .environment.misc.dma_mode == "force")] | length == 1 and .[0].status == "DONE"
		and .[0].number == {"value": 256, "unit": "bounces/op"}'
check "environment.misc names the DMA mode and the clock" \
	j '[.tests[] | .environment.misc | has("dma_mode") and has("clock")] | all'
check "the refused 1M heap import is FAIL, its reason in the comment" \
	j '[.tests[] | select(.path == "bouncelab.import.dma-heap-vgem.1M")][0]
		| .status == "FAIL" and (.comment | test("Input/output error"))'
check "its measurements are FAIL too" \
	j '[.tests[] | select(.path | startswith("bouncelab.import.dma-heap-vgem.1M.")) | .status] | unique == ["FAIL"]'
check "rows that worked are PASS" j '[.tests[] | select(.path == "bouncelab.import.udmabuf-vgem.4K") | .status] | unique == ["PASS"]'
check "the skipped job is SKIP with its reason" \
	j '[.tests[] | select(.status == "SKIP")] | length == 1 and (.[0].comment | test("no Intel GPU"))'

# a judged regression is FAIL: the forced udmabuf import judged against its noforce
# twin, the verdicts stored under the forced run (as nightly's judgement does)
"$bl" compare --db "$tmp/fx.db" --base run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b02 \
	--new run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01 \
	--store-verdicts 3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01 >"$tmp/judge.txt" 2>&1
"$bl" export --kcidb --db "$tmp/fx.db" --origin bouncelab_ci --out "$tmp/kj.json" >/dev/null 2>&1
check "after a judgement the export still validates" validate "$tmp/kj.json"
check "a measurement judged worse is FAIL, saying against what" \
	jq -e '[.tests[] | select(.path == "bouncelab.import.udmabuf-vgem.1M.bounces_per_op"
		and .environment.misc.dma_mode == "force")][0]
		| .status == "FAIL" and (.comment | test("^regression against run=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b02"))' "$tmp/kj.json"
check "and the same measurement before the judgement was DONE" \
	j '[.tests[] | select(.path == "bouncelab.import.udmabuf-vgem.1M.bounces_per_op"
		and .environment.misc.dma_mode == "force")][0].status == "DONE"'

# the validator can fail: a status KCIDB does not have
jq '.tests[0].status = "BROKEN"' "$tmp/k.json" >"$tmp/bad.json"
if validate "$tmp/bad.json" >"$tmp/bad.txt"; then
	echo "FAIL the validator accepted status BROKEN"; fails=$((fails + 1))
else
	check "the validator names the bad field" grep -q 'tests/0/status' "$tmp/bad.txt"
fi

# bad input
out=$("$bl" export --kcidb --db "$tmp/fx.db" kernel=5.4 2>&1 >/dev/null); rc=$?
check "empty selection exits 3" test $rc -eq 3
check "empty selection says so, with the selector" grep -q "no runs match 'kernel=5.4': nothing to export" <<<"$out"
out=$("$bl" export --kcidb --db "$tmp/fx.db" --origin Lab-A 2>&1 >/dev/null); rc=$?
check "bad origin exits 2" test $rc -eq 2
check "bad origin is named" grep -q "origin 'Lab-A'" <<<"$out"
out=$("$bl" export --db "$tmp/fx.db" 2>&1 >/dev/null); rc=$?
check "no format exits 2 and asks for --kcidb" bash -c '[ "$0" -eq 2 ] && grep -q -- --kcidb <<<"$1"' "$rc" "$out"
out=$("$bl" export --kcidb --db "$tmp/fx.db" mode=forc 2>&1 >/dev/null); rc=$?
check "bad selector exits 2 naming the value" bash -c '[ "$0" -eq 2 ] && grep -q "forc" <<<"$1"' "$rc" "$out"

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
