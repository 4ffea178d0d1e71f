#!/usr/bin/env bash
# Text from documents reaches gnuplot as labels (issue 17, defect 4): a
# workload named "'x" made 4 of 5 figures fail, because values went into
# gnuplot's single-quoted strings. Every printable ASCII character, a
# leading quote, a trailing backslash and UTF-8 must render every figure.
# Skips (77) without gnuplot.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BOUNCELAB_BUILD:-build}
bl=$BUILD/bouncelab
[ -x "$bl" ] || { echo "not built: $bl"; exit 1; }
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot is not installed (make deps)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
tmp=$(mktemp -d /tmp/plots_labels.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
src=tests/fixtures/result-6.12-force-udmabuf-import.json

ascii=$(printf '%s' ' !"#$%&'"'"'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~')
labels=("'x" "$ascii" 'ends in a backslash\' 'défaut → ü, 日本語, ½')
n=0
for label in "${labels[@]}"; do
	for night in 1 2; do
		n=$((n + 1))
		jq -c --arg id "$(printf '3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a%04d' $n)" \
			--arg t "2026-11-2${night}T02:00:00Z" --arg w "$label" \
			'.run_id = $id | .started_at = $t | .finished_at = $t | .results |= map(.workload = $w)' \
			"$src" >"$tmp/doc$n.json" || { echo "FAIL: jq"; exit 1; }
	done
done
"$bl" ingest --direct --quiet --db "$tmp/db" "$tmp"/doc*.json >"$tmp/ingest.log" 2>&1 ||
	{ echo "FAIL: ingest"; cat "$tmp/ingest.log"; exit 1; }
"$bl" plot --db "$tmp/db" --out "$tmp/out" --format svg >"$tmp/plot.log" 2>&1
rc=$?
tail -n 1 "$tmp/plot.log"
grep -q ' 0 failed' "$tmp/plot.log" && [ $rc = 0 ] ||
	{ echo "FAIL: figures failed to render (exit $rc):"; grep -B2 -A2 'error' "$tmp/plot.log" | head -40; exit 1; }
# every label's figures exist: 5 per label (bounces, throughput, latency, trend; slots per kernel)
svgs=$(ls "$tmp"/out/*.svg | wc -l)
[ "$svgs" -ge $((4 * ${#labels[@]})) ] || { echo "FAIL: only $svgs figures for ${#labels[@]} labels"; exit 1; }
# the UTF-8 label arrives intact in the headings
grep -lq '日本語' "$tmp"/out/*.svg || { echo "FAIL: the UTF-8 label is not in any figure"; exit 1; }
echo "ok: $svgs figures for ${#labels[@]} hostile labels"
