#!/usr/bin/env bash
# Benchmark (not a test): documents stored per second through bouncelabd's
# HTTP API with 8 concurrent clients, against the store's bare C loop
# inserting the same rows in one prepared-statement transaction
# (tests/tools/store_bare_loop.c). Prints both rates and their ratio; the
# issue's targets are ratio >= 0.5 and >= 2,000 documents/s.
#
#   tests/bench/daemon_throughput.sh [--docs N] [--rounds R] [--build DIR] [--doc FILE]
#
# Each round runs both sides, one after the other, each on a fresh
# database; the ratio is taken per round (side by side: this machine's load
# changes from minute to minute) and the median round's ratio is reported,
# with the median rate of each side.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BOUNCELAB_BUILD:-build}
DOCS=8000
ROUNDS=5
DOC=tests/fixtures/result-6.12-force-udmabuf-import.json
while [ $# -gt 0 ]; do
	case "$1" in
	--docs) DOCS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	--doc) DOC=$2; shift 2 ;;
	*) echo "usage: $0 [--docs N] [--rounds R] [--build DIR] [--doc FILE]" >&2; exit 2 ;;
	esac
done
for p in "$BUILD/bouncelabd" "$BUILD/tools/daemon_load" "$BUILD/tools/store_bare_loop"; do
	[ -x "$p" ] || { echo "not built: $p (make $BUILD/bouncelabd $BUILD/tools/daemon_load $BUILD/tools/store_bare_loop)" >&2; exit 1; }
done
T=$(mktemp -d /tmp/bouncelabd-bench.XXXXXX)
DPID=""
trap '[ -n "$DPID" ] && kill -TERM $DPID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
printf '[monitor]\nenabled = false\n' >"$T/bench.ini"
# Private copies: a shared work tree's build/ may be relinked under us meanwhile.
mkdir -p "$T/bin/tools"
cp "$BUILD/bouncelabd" "$T/bin/" && cp "$BUILD/tools/daemon_load" "$BUILD/tools/store_bare_loop" "$T/bin/tools/" || exit 1
BUILD=$T/bin

median() { sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
key() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

bare=() http=() ratios=()
for r in $(seq 1 "$ROUNDS"); do
	rm -f "$T"/bare.db*
	b=$("$BUILD/tools/store_bare_loop" --db "$T/bare.db" -n "$DOCS" --doc "$DOC" 2>/dev/null | key bare_loop_docs_per_sec)
	rm -f "$T"/http.db* "$T/sock"
	"$BUILD/bouncelabd" --foreground --config "$T/bench.ini" --db "$T/http.db" --socket "$T/sock" 2>"$T/daemon.log" &
	DPID=$!
	for i in $(seq 1 100); do [ -S "$T/sock" ] && break; sleep 0.05; done
	out=$("$BUILD/tools/daemon_load" --socket "$T/sock" --template "$DOC" --docs "$DOCS" --clients 8 --seed $r)
	h=$(echo "$out" | key docs_per_sec)
	kill -TERM $DPID; wait $DPID; DPID=""
	if ! echo "$out" | grep -q "answered_201=$DOCS "; then
		echo "round $r: not every document was stored once: $out" >&2
		tail -n 5 "$T/daemon.log" >&2
	fi
	ratio=$(awk -v b="$b" -v h="$h" 'BEGIN{printf "%.2f", (b > 0) ? h / b : 0}')
	echo "round $r: bare loop $b docs/s, HTTP (8 clients) $h docs/s, ratio $ratio"
	bare+=("$b"); http+=("$h"); ratios+=("$ratio")
done
B=$(printf '%s\n' "${bare[@]}" | median)
H=$(printf '%s\n' "${http[@]}" | median)
R=$(printf '%s\n' "${ratios[@]}" | median)
awk -v b="$B" -v h="$H" -v ratio="$R" -v n="$DOCS" -v r="$ROUNDS" 'BEGIN{
	printf "documents: %d per round, %d rounds (median), load %s\n", n, r, "'"$(cut -d' ' -f1-3 /proc/loadavg)"'"
	printf "bare_loop_docs_per_sec=%.0f\nhttp_docs_per_sec=%.0f\nratio=%.2f (median of the rounds)\n", b, h, ratio
	printf "targets: ratio >= 0.5: %s; >= 2000 docs/s: %s\n", (ratio >= 0.5) ? "met" : "NOT met", (h >= 2000) ? "met" : "NOT met"
}'
