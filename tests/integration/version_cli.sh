#!/usr/bin/env bash
# --version on every program (issue 18): each prints "<program> <version>",
# the three agree, the version carries this checkout's `git describe`
# (or "unknown" outside git), and a gembench document's tool.version is the
# same string, so a stored number names the source it was measured with.
set -u -o pipefail
cd "$(dirname "$0")/../.."

build=${BOUNCELAB_BUILD:-build}
for p in gembench bouncelab bouncelabd; do
	[ -x "$build/$p" ] || { echo "not built: $build/$p (make BUILD=$build all; make check does)"; exit 1; }
done
command -v jq >/dev/null || { echo "SKIP: jq not installed (make deps)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bl-version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

versions=()
for p in gembench bouncelab bouncelabd; do
	out=$("$build/$p" --version) || fail "$p --version exited $?"
	case "$out" in "$p "*) ;; *) fail "$p --version: '$out' does not start with '$p '" ;; esac
	v=${out#"$p "}
	# release number, '+', then git describe (hash, maybe -dirty) or "unknown"
	[[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+\+([0-9A-Za-z.-]+)$ ]] || fail "$p --version: '$v' is not VERSION+describe"
	versions+=("$v")
	echo "ok   $p --version: $v"
done
[ "${versions[0]}" = "${versions[1]}" ] && [ "${versions[1]}" = "${versions[2]}" ] ||
	fail "programs disagree: ${versions[*]}"
v=${versions[0]}

if desc=$(git describe --always 2>/dev/null); then
	case "$v" in *"+$desc" | *"+$desc-dirty") ;; *) fail "'$v' does not carry git describe '$desc' (stale build?)" ;; esac
	echo "ok   version carries git describe $desc"
else
	case "$v" in *+unknown) ;; *) fail "outside git the version must end in +unknown, got '$v'" ;; esac
fi

# a document: the device is absent, so the job is skipped, but it is still a document
"$build/gembench" --backend dumb --workload create --device /nonexistent/card9 --no-mount \
	--json - >"$tmp/doc.jsonl" 2>"$tmp/err.txt"
rc=$?
[ $rc -eq 77 ] || fail "gembench on an absent device: exit $rc, expected 77 ($(cat "$tmp/err.txt"))"
tv=$(jq -r '.tool.version' "$tmp/doc.jsonl" | sort -u)
[ "$tv" = "$v" ] || fail "gembench document tool.version '$tv' != --version '$v'"
echo "ok   gembench document tool.version = $v"
