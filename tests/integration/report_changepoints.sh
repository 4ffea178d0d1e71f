#!/usr/bin/env bash
# The report's change points over Debian package versions (issue 14), end
# to end: 24 synthetic runs made from one fixture (named as such), one per
# package version 6.12.100 .. 6.12.123, whose 64K import bounces per op
# double from 6.12.112 on, ran newest version first (run times go against
# the versions) and are ingested out of order; the
# report must list exactly one change point, at 6.12.112 after 6.12.111
# (the versions are ordered as dpkg orders them, not as they were stored),
# for bounces_per_op of import 64K, and none for the sizes that stay put;
# with gnuplot, its figure over the package versions is rendered and linked.
set -u -o pipefail
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
bl=$build/bouncelab
[ -x "$bl" ] || { echo "FAIL: $bl is not built (make $bl)"; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed (make deps)"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

tmp=$(mktemp -d)
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$tmp"' EXIT
src=tests/fixtures/result-6.12-force-udmabuf-import.json
for v in $(seq 123 -1 100); do
	k=1
	[ "$v" -ge 112 ] && k=2
	jq --arg id "$(printf '7a1c0e52-8d2e-4b7a-9c61-0e5d2f9a%04d' "$v")" \
	   --arg t "$(printf '2026-11-%02dT02:00:00Z' $((124 - v)))" --arg v "$v" --argjson k "$k" '
		.run_id = $id | .started_at = $t | .finished_at = $t | .job.name = "versions"
		| .fixture = "FIXTURE: synthetic package-version series for tests, not measured"
		| .kernel.release = "6.12.\($v)+deb12-amd64"
		| .kernel.boot_id = "6b1c2d3e-4f50-4a61-8b72-93a4b5c6\($id[-4:])"
		| .testbed.package_version = "6.12.\($v)-1~deb12u1"
		| .testbed.kernel_package = "linux-image-6.12.\($v)+deb12-amd64-unsigned"
		| .results |= map(if .size == 65536 then
			.counters.swiotlb_bounced *= $k | .counters.swiotlb_bounced_bytes *= $k
		  else . end)' "$src" >"$tmp/v$v.json" || fail "jq"
done
"$bl" ingest --db "$tmp/t.db" "$tmp"/v*.json >/dev/null || fail "ingest"
"$bl" report --db "$tmp/t.db" --all --no-plots --out "$tmp/r.md" >/dev/null 2>"$tmp/err" ||
	fail "report: $(cat "$tmp/err")"
sed -n '/^## Change points/,/^## /p' "$tmp/r.md" >"$tmp/cp.md"
cat "$tmp/cp.md"
grep -q '^## Change points' "$tmp/cp.md" || fail "no Change points section"
rows=$(grep -c '^| versions |' "$tmp/cp.md")
[ "$rows" -eq 1 ] || fail "$rows change point rows, expected 1"
grep -q '^| versions | import | 64K | bounces_per_op | force | 6.12 | 6.12.111-1~deb12u1 | 6.12.112-1~deb12u1 ' "$tmp/cp.md" ||
	fail "the change point is not import 64K bounces_per_op from 6.12.112 after 6.12.111"

# the figure of that series (plots/versions.gp), when gnuplot can draw it
if command -v gnuplot >/dev/null; then
	"$bl" report --db "$tmp/t.db" --all --plots "$tmp/plots" --out "$tmp/p.md" >/dev/null 2>"$tmp/err" ||
		fail "report with plots: $(cat "$tmp/err")"
	figs=("$tmp"/plots/versions-bounces_per_op-*import*64K*.png)
	[ -s "${figs[0]}" ] || fail "no versions figure for import 64K: $(ls "$tmp/plots")"
	[ "${#figs[@]}" -eq 1 ] || fail "${#figs[@]} versions figures, expected 1"
	grep -q "$(basename "${figs[0]}")" "$tmp/p.md" || fail "the report does not link $(basename "${figs[0]}")"
	grep -q '^### Change points over package versions' "$tmp/p.md" || fail "no heading for the versions figures"
	grep '"6.12.112-1~deb12u1"' "$tmp"/plots/versions-bounces_per_op-*.dat | grep -q ' 1$' ||
		fail "the data file does not mark the run of 6.12.112 as the change point"
fi
echo "PASS"
