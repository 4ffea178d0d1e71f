#!/usr/bin/env bash
# The A/A fixture of tests/unit/test_judge_aa.c from the output folder of
# `bouncelab lab --kernels 6.12 --modes noforce --boots N` (N boots of one
# configuration): one line per boot and result row, on stdout.
#
#   bench/scripts/aa_fixture.sh DIR > tests/fixtures/aa/icount-6.12-noforce-6boots.tsv
#
# Columns: boot, job, workload[/variant], size, mapped segments per op ("-"
# when the row has no DMA counter), then each repetition's ops/s. Rows where
# an operation failed and documents of failed jobs are left out.
set -eu
dir=${1:?usage: aa_fixture.sh DIR}
command -v jq >/dev/null || { echo "aa_fixture: needs jq" >&2; exit 2; }
printf '# A/A boots of one configuration: %s\n' "$(jq -r '"Debian \(.testbed.package_version), \(.testbed.mode), clock \(.testbed.clock), cmdline \(.testbed.cmdline)"' "$(ls "$dir"/*-boot0/*.json | head -n 1)")"
printf '# made by bench/scripts/aa_fixture.sh from `bouncelab lab --boots N` on %s\n' "$(date -u +%F)"
printf '#boot\tjob\tworkload\tsize\tsegments_per_op\tops_per_sec...\n'
for d in "$dir"/*-boot*; do
	b=${d##*-boot}
	for f in "$d"/*.json; do
		jq -r --arg b "$b" 'select(.status == "ok") | .job.name as $j | .results[]
			| select((.failures.ops // 0) == 0 and (.ops_per_sec.values | length) > 0)
			| [$b, $j, (.workload + (if .variant then "/" + .variant else "" end)), (.size | tostring),
			   (if .counters.dma_map_segments != null and .ops > 0
			    then (.counters.dma_map_segments / .ops * 1000 | round / 1000 | tostring) else "-" end)]
			  + (.ops_per_sec.values | map(tostring)) | join("\t")' "$f"
	done
done
