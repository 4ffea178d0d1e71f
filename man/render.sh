#!/usr/bin/env bash
# Renders one man page: man/NAME.scd.in -> scdoc -> OUT. Lines of the
# source that are exactly a directive are replaced by what the built
# programs print, so a page cannot fall behind the program it describes:
#   @KEYS@             gembench --help-jobs-scdoc (the job-key table, as scdoc)
#   @HELP PROGRAM ARGS@  PROGRAM ARGS output as a literal block (--help texts)
# usage: man/render.sh BUILD_DIR SOURCE OUT
set -u -o pipefail
[ $# -eq 3 ] || { echo "usage: man/render.sh BUILD_DIR SOURCE OUT" >&2; exit 2; }
build=$1 src=$2 out=$3
command -v scdoc >/dev/null || { echo "man: scdoc not installed (Debian package scdoc; make deps)" >&2; exit 1; }
[ -f "$src" ] || { echo "man: $src: no such file" >&2; exit 1; }

expand() {
	local line n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		case "$line" in
		@KEYS@)
			"$build/gembench" --help-jobs-scdoc || { echo "man: $src:$n: gembench --help-jobs-scdoc failed" >&2; return 1; } ;;
		@HELP\ *@)
			local cmd=${line#@HELP } ; cmd=${cmd%@}
			local prog=${cmd%% *} args=""
			[ "$prog" != "$cmd" ] && args=${cmd#* }
			printf '```\n'
			# shellcheck disable=SC2086 # the arguments are words from our own page
			"$build/$prog" $args 2>&1 | sed 's/^usage: //' || true
			printf '```\n' ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$src"
}
tmp=$out.tmp
expand >"$tmp.scd" && scdoc <"$tmp.scd" >"$tmp" && mv "$tmp" "$out"
rc=$?
rm -f "$tmp.scd" "$tmp"
[ $rc -eq 0 ] || echo "man: $src: scdoc failed" >&2
exit $rc
