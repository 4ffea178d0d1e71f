#!/bin/sh
# Reports bouncelab result documents to LAVA, inside a lava-test-shell:
# one `lava-test-case NAME --result R --measurement V --units U` per
# measurement, named and judged exactly as the KCIDB export does it
# (bouncelab export --kcidb: PASS/DONE -> pass, FAIL/ERROR -> fail,
# SKIP -> skip; the name is KCIDB's dotted path, e.g.
# bouncelab.import.udmabuf-vgem.1M.bounces_per_op), then prints each
# document between markers so the job log keeps them, and, when
# BOUNCELAB_INGEST_URL is set, posts them to a bouncelabd there
# (BOUNCELAB_TOKEN: its bearer token).
#
#   lava-report.sh RESULTS.jsonl
#
# Installed as /usr/lib/bouncelab/lava-report.sh; needs jq. Exit 0 when
# every row was reported (the rows' own results say pass or fail), 1 when
# the documents could not be read.
set -u
[ $# -eq 1 ] || { echo "usage: lava-report.sh RESULTS.jsonl" >&2; exit 2; }
docs=$1
[ -s "$docs" ] || { echo "lava-report: $docs: no result documents" >&2; exit 1; }
command -v jq >/dev/null || { echo "lava-report: jq not installed" >&2; exit 1; }
bl=${BOUNCELAB:-bouncelab}
tmp=$(mktemp -d /tmp/lava-report.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$bl" ingest --direct --quiet --db "$tmp/r.db" "$docs" >&2 || { echo "lava-report: $docs: not stored" >&2; exit 1; }
"$bl" export --kcidb --origin lava --db "$tmp/r.db" --out "$tmp/k.json" || exit 1
jq -r '.tests[] | [.path,
	({"PASS": "pass", "DONE": "pass", "FAIL": "fail", "ERROR": "fail", "SKIP": "skip"}[.status] // "unknown"),
	(.number.value // "" | tostring), (.number.unit // "")] | @tsv' "$tmp/k.json" |
while IFS="$(printf '\t')" read -r name result value unit; do
	if [ -n "$value" ]; then
		lava-test-case "$name" --result "$result" --measurement "$value" --units "${unit:-none}"
	else
		lava-test-case "$name" --result "$result"
	fi
done

# the documents themselves, for whoever reads the job log (and a collector)
n=0
while IFS= read -r doc; do
	n=$((n + 1))
	echo "<<<bouncelab-document $n"
	printf '%s\n' "$doc"
	echo ">>>bouncelab-document $n"
	if [ -n "${BOUNCELAB_INGEST_URL:-}" ]; then
		printf '%s' "$doc" | curl -sS --fail -X POST -H 'Content-Type: application/json' \
			${BOUNCELAB_TOKEN:+-H "Authorization: Bearer $BOUNCELAB_TOKEN"} \
			--data-binary @- "$BOUNCELAB_INGEST_URL/api/v1/runs" >/dev/null ||
			echo "lava-report: document $n: POST $BOUNCELAB_INGEST_URL failed" >&2
	fi
done <<EOF2
$(jq -c . "$docs")
EOF2
exit 0
