#!/usr/bin/env bash
# Bash completion (issue 18): completion/bouncelab.bash completes
# bouncelab's subcommands, each command's options, DMA modes (from the mode
# table), workloads and backends (from gembench --list), for bouncelab and
# gembench, with the built programs first on PATH.
set -u -o pipefail
cd "$(dirname "$0")/../.."
build=${BOUNCELAB_BUILD:-build}
[ -x "$build/bouncelab" ] || { echo "not built: $build/bouncelab (make check builds it)"; exit 1; }
export PATH=$PWD/$build:$PATH
# shellcheck source=../../completion/bouncelab.bash
source completion/bouncelab.bash
fails=0

# complete WORDS...: the last word is the one being completed
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	case $1 in
	bouncelab) _bouncelab ;;
	gembench) _gembench ;;
	esac
	printf '%s\n' "${COMPREPLY[@]}"
}
# expect DESCRIPTION WANTED WORDS...: WANTED must be among the candidates
expect() {
	local what=$1 want=$2; shift 2
	local got
	got=$(complete_words "$@")
	if grep -qx -- "$want" <<<"$got"; then echo "ok   $what"
	else echo "FAIL $what: '$want' not in: $(echo $got)"; fails=$((fails + 1)); fi
}
# refuse DESCRIPTION UNWANTED WORDS...: UNWANTED must not be offered
refuse() {
	local what=$1 bad=$2; shift 2
	if complete_words "$@" | grep -qx -- "$bad"; then echo "FAIL $what: '$bad' offered"; fails=$((fails + 1))
	else echo "ok   $what"; fi
}

expect "subcommand export" export bouncelab ex
expect "subcommand nightly" nightly bouncelab ""
refuse "no made-up subcommand" frobnicate bouncelab ""
expect "export's --origin" --origin bouncelab export --or
expect "lab's --modes" --modes bouncelab lab --mo
expect "a DMA mode" force bouncelab lab --modes fo
expect "a second DMA mode after a comma" force,iommu-pt bouncelab lab --modes force,iommu-
refuse "not a mode" forc bouncelab lab --modes forc
expect "a mode in a selector" mode=noforce bouncelab runs mode=nof
expect "a metric" bounces_per_op bouncelab compare --metric bounces_p
expect "gembench --workload" --workload gembench --wor
expect "a workload" userptr-scattered gembench --workload userptr-s
expect "a backend" udmabuf gembench --backend udm
refuse "a workload is not a backend" import gembench --backend im

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
