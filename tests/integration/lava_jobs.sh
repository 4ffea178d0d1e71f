#!/usr/bin/env bash
# LAVA (issue 18): every job definition in configs/lava/ validates with
# Debian's lava-common schema validator (strict), a broken one does not;
# and configs/lava/lava-report.sh, given the fixture documents and a
# recording lava-test-case on PATH, reports each measurement with
# --measurement and --units under KCIDB's dotted names: pass for a
# measurement, fail for a refused operation, skip for a skipped job.
set -u -o pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${BOUNCELAB_BUILD:-build}
[ -x "$build/bouncelab" ] || { echo "not built: $build/bouncelab (make check builds it)"; exit 1; }
py=${BOUNCELAB_PYTHON:-/usr/bin/python3}
"$py" -c 'import lava_common.schemas, yaml' 2>/dev/null ||
	{ echo "SKIP: python3 module lava_common missing (Debian package lava-common; make deps)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed (make deps)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bl-lava.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # description, then a command that must succeed
	local what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
validate() { # job file: exit 0 when lava-common accepts it, else prints why
	"$py" - "$1" <<'PY'
import sys, yaml
from lava_common.schemas import validate
try:
    validate(yaml.safe_load(open(sys.argv[1])), strict=True)
except Exception as e:
    print("%s: %s" % (sys.argv[1], e))
    sys.exit(1)
PY
}

n=0
for f in configs/lava/*.yaml; do
	n=$((n + 1))
	check "$f validates" validate "$f"
done
check "configs/lava has the QEMU job and the i915 template" test $n -ge 2
grep -v '^job_name:' configs/lava/qemu-debian-swiotlb.yaml >"$tmp/broken.yaml"
out=$(validate "$tmp/broken.yaml"); rc=$?
check "a job without job_name is refused, naming the key" bash -c '[ "$0" -ne 0 ] && grep -q job_name <<<"$1"' "$rc" "$out"

# lava-report.sh with a lava-test-case that records its arguments
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "$@" >>"%s"\n' "$tmp/cases" >"$tmp/bin/lava-test-case"
chmod +x "$tmp/bin/lava-test-case"
fx=$root/tests/fixtures
cat "$fx"/result-*.json | jq -c . >"$tmp/results.jsonl"
PATH=$tmp/bin:$root/$build:$PATH configs/lava/lava-report.sh "$tmp/results.jsonl" >"$tmp/log" 2>&1
rc=$?
check "lava-report.sh exits 0" test $rc -eq 0
check "a measurement with its value and units" \
	grep -qx 'bouncelab.import.udmabuf-vgem.1M.bounces_per_op --result pass --measurement 256 --units bounces/op' "$tmp/cases"
check "a refused operation fails" grep -q '^bouncelab.import.dma-heap-vgem.1M --result fail$' "$tmp/cases"
check "a skipped job is a skip" grep -q '^bouncelab.mmap.i915 --result skip$' "$tmp/cases"
check "the documents are in the log" grep -q '^<<<bouncelab-document 1$' "$tmp/log"
out=$(PATH=$tmp/bin:$root/$build:$PATH configs/lava/lava-report.sh "$tmp/none.jsonl" 2>&1); rc=$?
check "no documents: exit 1 naming the file" bash -c '[ "$0" -eq 1 ] && grep -q none.jsonl <<<"$1"' "$rc" "$out"

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
