#!/usr/bin/env bash
# The dashboard in a browser (issue 16): bouncelabd on a store of the
# fixture documents (plus one whose job name is markup and control
# characters, and stored verdicts), loaded by headless Chromium over the
# loopback TCP listener. Checks what the page rendered (--dump-dom): the
# headline table's rows, the latest verdicts, every <img> answering 200 with
# a non-empty body, the heatmaps in their own section, each loaded and
# decoded by Chromium with a non-zero size, every href answering 200,
# nothing from the store turned into markup; bad ids and methods get their 4xx; and `bouncelab report
# --html DIR` writes the same headline table. Screenshots go to
# var/dashboard/ (kept as CI artifacts). Installs nothing: without
# /usr/bin/chromium (make deps installs Debian's chromium) it is a skip.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd" "$BUILD/bouncelab"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "SKIP: $CHROMIUM is missing (make deps installs Debian's chromium)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed (make deps)"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed (make deps)"; exit 77; }
SHOTS=var/dashboard
mkdir -p "$SHOTS"

# --- the store: one night of fixtures, a hostile document, verdicts ------------
# The occupancy fixture ran a week later: left out, so that the newest night
# (the runs within 12 h of the newest) is the 2026-11-20 matrix.
HOSTILE=3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a7e77
jq --arg id "$HOSTILE" '.run_id = $id | .started_at = "2026-11-20T04:00:00Z"
	| .finished_at = .started_at
	| .job.name = "<script>alert(1)</script>\u0007 \"q\" &amp;"' \
	tests/fixtures/result-6.12-noforce-udmabuf-import.json >"$T/hostile.json" || fail "jq"
"$BUILD/bouncelab" ingest --direct --quiet --db "$DB" tests/fixtures/results.jsonl \
	tests/fixtures/result-*.json "$T/hostile.json" >"$T/ingest.log" 2>&1 ||
	fail "ingest: $(cat "$T/ingest.log")"
# the verdicts of a judgement: 6.12 force against noforce (a regression exits 1: fine)
"$BUILD/bouncelab" compare --db "$DB" --base kernel=6.12.57,mode=noforce \
	--new kernel=6.12.57,mode=force --store-verdicts night-2026-11-20 >"$T/compare.log" 2>&1
[ $? -le 1 ] || fail "compare --store-verdicts: $(tail -n 5 "$T/compare.log")"

# --- the daemon, with the TCP listener Chromium talks to --------------------
printf '%s\n' 0123456789abcdef0123456789abcdef >"$T/token"
chmod 600 "$T/token"
printf '[monitor]\nenabled = false\n' >"$T/bouncelabd.ini"
PORT=""
for try in 1 2 3; do
	PORT=$((20000 + RANDOM % 30000))
	"$BUILD/bouncelabd" --foreground --db "$DB" --socket "$SOCK" --config "$T/bouncelabd.ini" \
		--listen 127.0.0.1:$PORT --token-file "$T/token" >>"$T/daemon.log" 2>&1 &
	DPID=$!
	for i in $(seq 1 100); do healthz_ok && break; kill -0 $DPID 2>/dev/null || break; sleep 0.05; done
	healthz_ok && break
	kill -KILL $DPID 2>/dev/null; wait $DPID 2>/dev/null; DPID=""
done
[ -n "$DPID" ] || fail "bouncelabd did not start"
URL=http://127.0.0.1:$PORT

browse() { # what (dump|shot), url, out
	local flags=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/chrome"
		     --hide-scrollbars --timeout=20000)
	if [ "$1" = dump ]; then
		timeout 90 "$CHROMIUM" "${flags[@]}" --dump-dom "$2" >"$3" 2>>"$T/chromium.log"
	else
		timeout 90 "$CHROMIUM" "${flags[@]}" --screenshot="$3" --window-size=1280,2000 "$2" \
			>>"$T/chromium.log" 2>&1
	fi
}
fetch() { # url -> prints "CODE SIZE"
	curl -s -o "$T/fetched" -w '%{http_code} %{size_download}' --max-time 30 "$1"
}

# --- the figures are drawn off the event loop ------------------------------
# The first GET / finds none and starts drawing them on a worker thread; the
# page says so, and the API answers meanwhile (it waited seconds when the
# figures were drawn on the event loop). Then the figures come.
curl -s --max-time 30 -o "$T/first.html" "$URL/" || fail "GET / (first)"
grep -q 'The figures are being drawn' "$T/first.html" ||
	fail "first GET /: no word that the figures are being drawn: $(grep -o '<h2 id="figures">.\{0,200\}' "$T/first.html")"
t0=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$URL/healthz")
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$code" = 200 ] || fail "healthz while drawing: $code"
echo "ok   GET /healthz answered in $ms ms while the figures were being drawn"
for i in $(seq 1 240); do
	curl -s --max-time 30 -o "$T/drawn.html" "$URL/" && grep -q '<figure' "$T/drawn.html" && break
	sleep 0.25
done
grep -q '<figure' "$T/drawn.html" || fail "the figures were not drawn within 60 s: $(tail -n 5 "$T/daemon.log")"
grep -q 'figures drawn in' "$T/daemon.log" || fail "the daemon's log does not say the figures were drawn"
echo "ok   the figures were drawn on a worker thread, then served"

# --- the index, as the browser rendered it ----------------------------------
browse dump "$URL/" "$T/index.dom" || fail "chromium --dump-dom $URL/: $(tail -n 5 "$T/chromium.log")"
grep -q '<table id="headline">' "$T/index.dom" || fail "index: no headline table: $(head -c 500 "$T/index.dom")"
rows=$(grep -c '<tr class="headline-row">' "$T/index.dom")
[ "$rows" = 4 ] || fail "index: $rows headline rows, expected 4 (6.1 force; 6.12 force, noforce, iommu)"
for want in '<td title="6.1.0-41-amd64">6.1.0-41</td><td>force</td>' \
	    '<td title="6.12.57+deb13-amd64">6.12.57</td><td>force</td>' \
	    '<td title="6.12.57+deb13-amd64">6.12.57</td><td>noforce</td>' \
	    '<td title="6.12.57+deb13-amd64">6.12.57</td><td>iommu</td>' \
	    'swiotlb buffer is full (sz: 1048576 bytes)' \
	    '<td class="n">baseline</td>' \
	    '<td class="n">30768 of 32768</td>'; do
	grep -qF -- "$want" "$T/index.dom" || fail "index: the rendered page lacks: $want"
done
echo "ok: headline table: $rows rows (6.1 force; 6.12 force, noforce, iommu), the refusal's kernel line"
grep -q "<p id=\"verdict-counts\">The latest judgement ([^)]*) made [0-9]* verdicts: <span class=\"worse\">[1-9][0-9]* worse" "$T/index.dom" || fail "index: the verdict counts are not shown: $(grep -o "verdict-counts.\{0,200\}" "$T/index.dom")"
grep -q "<table id=\"verdicts\">" "$T/index.dom" || fail "index: the worse verdicts are not listed"
grep -qF '<td>night-2026-11-20</td>' "$T/index.dom" || fail "index: the verdicts' subject is missing"
echo "ok: latest verdicts"
# the hostile job name is text: no element came from it, its control character is visible
grep -qi '<script' "$T/index.dom" && fail "index: a <script> element came from the store"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;\x07 "q" &amp;amp;' "$T/index.dom" ||
	fail "index: the hostile job name is not shown as escaped text: $(grep -o 'alert.\{0,60\}' "$T/index.dom" | head -n 2)"
echo "ok: store strings are escaped (markup, a control character, an entity)"

# --- every figure loads, every link answers 200 -----------------------------
imgs=$(grep -o '<img src="[^"]*"' "$T/index.dom" | sed 's/<img src="//; s/"$//' | sort -u)
[ -n "$imgs" ] || fail "index: no figures (gnuplot-nox is a make deps package): $(grep -A1 'id="figures"' "$T/index.dom")"
n=0
for src in $imgs; do
	read -r code size <<<"$(fetch "$URL$src")"
	[ "$code" = 200 ] && [ "$size" -gt 0 ] || fail "figure $src: HTTP $code, $size bytes"
	head -c 400 "$T/fetched" | grep -q '<svg' || fail "figure $src: not an SVG"
	n=$((n + 1))
done
echo "ok: $n figures, each 200 with an SVG body"
# the heatmaps (bounces per op, every job x mode x size) have their own section,
# each image loading with a non-zero size (the SVG's declared width and height)
grep -q '<h2 id="heatmap">' "$T/index.dom" || fail "index: no heatmap section"
heats=$(grep -o '<figure class="heatmap"><img src="/figures/heatmap-[^"]*\.svg"' "$T/index.dom" |
	sed 's/.*<img src="//; s/"$//')
[ -n "$heats" ] || fail "index: the heatmap section has no image: $(grep -A2 'id="heatmap"' "$T/index.dom")"
for src in $heats; do
	read -r code size <<<"$(fetch "$URL$src")"
	[ "$code" = 200 ] && [ "$size" -gt 1000 ] || fail "heatmap $src: HTTP $code, $size bytes"
	# gnuplot's svg terminal (dynamic) declares its size as the viewBox
	read -r w h <<<"$(grep -m 1 -o 'viewBox="0 0 [0-9]* [0-9]*"' "$T/fetched" | tr -dc '0-9 ' |
		awk '{print $3, $4}')"
	[ "${w:-0}" -gt 0 ] && [ "${h:-0}" -gt 0 ] || fail "heatmap $src: no size (viewBox '$w $h')"
	# and Chromium decodes it: a page of ours loads the image and writes its natural size
	cat >"$T/heatmap-load.html" <<-HTML
	<!DOCTYPE html><html><body><img id="h" src="$URL$src"
	onload="document.body.setAttribute('data-size', this.naturalWidth + 'x' + this.naturalHeight)"
	onerror="document.body.setAttribute('data-size', 'error')"></body></html>
	HTML
	browse dump "file://$T/heatmap-load.html" "$T/heatmap-load.dom" || fail "chromium: loading $src"
	loaded=$(grep -o 'data-size="[^"]*"' "$T/heatmap-load.dom" | sed 's/data-size="//; s/"$//')
	[[ "$loaded" =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]] || fail "heatmap $src: the browser did not load it (size '$loaded')"
	echo "ok: heatmap $src: ${w}x${h}, $size bytes, loaded by the browser at $loaded"
done
hrefs=$(grep -o 'href="[^"]*"' "$T/index.dom" | sed 's/^href="//; s/"$//' | sed 's/&amp;/\&/g' | sort -u)
n=0
for h in $hrefs; do
	case $h in
	/*) ;;
	*) fail "index: a link that is not the daemon's own path: $h" ;;
	esac
	read -r code size <<<"$(fetch "$URL$h")"
	[ "$code" = 200 ] || fail "link $h: HTTP $code"
	n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "index: only $n links (the index and one per run expected)"
grep -q '<td class="runs"><a href="/runs/3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01" title="udmabuf-import">' "$T/index.dom" ||
	fail "index: the headline rows do not link the runs they sum"
echo "ok: $n links, each 200"

# --- a run's page -------------------------------------------------------------
browse dump "$URL/runs/$HOSTILE" "$T/run.dom" || fail "chromium: the run page"
grep -q '<h2 id="document">Stored document</h2>' "$T/run.dom" || fail "run page: no document"
grep -qF "\"run_id\": \"$HOSTILE\"" "$T/run.dom" || fail "run page: the document is not the run's"
grep -qi '<script' "$T/run.dom" && fail "run page: a <script> element came from the store"
for h in $(grep -o 'href="[^"]*"' "$T/run.dom" | sed 's/^href="//; s/"$//' | sort -u); do
	read -r code size <<<"$(fetch "$URL$h")"
	[ "$code" = 200 ] || fail "run page link $h: HTTP $code"
done
echo "ok: run page shows the stored document, links answer 200"

# --- bad input: 4xx, and the daemon keeps serving ---------------------------
check_code() { # path, wanted code, [curl args]
	local path=$1 want=$2; shift 2
	local got
	got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$@" "$URL$path")
	[ "$got" = "$want" ] || fail "$path ${*:-GET}: HTTP $got, expected $want"
	healthz_ok || fail "$path: /healthz no longer answers"
}
check_code /runs/not-a-uuid 400
check_code /runs/00000000-0000-4000-8000-000000000000 404
check_code "/runs/%3Cscript%3E" 400
check_code /figures/..%2F..%2Fetc%2Fpasswd 400
check_code /figures/.rendered 400
check_code /figures/missing-figure.svg 404
check_code /nights/1 404
# a write over TCP is judged by its token first (its body is never read without one),
# then by its route: the pages are read-only
check_code / 401 -X POST -d x
check_code / 405 -X POST -d x -H "Authorization: Bearer $(cat "$T/token")"
check_code "/runs/$HOSTILE" 405 -X POST -d x -H "Authorization: Bearer $(cat "$T/token")"
check_code / 200 -I
echo "ok: bad ids are 400/404, writes without a token 401, with one 405 on pages, HEAD answers"

# --- screenshots, looked at by people (CI artifacts) ------------------------
browse shot "$URL/" "$SHOTS/index.png" || fail "chromium --screenshot (index)"
browse shot "$URL/runs/3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01" "$SHOTS/run.png" ||
	fail "chromium --screenshot (run)"
for p in "$SHOTS/index.png" "$SHOTS/run.png"; do
	[ -s "$p" ] && [ "$(head -c 8 "$p" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "$p: not a PNG"
done
echo "ok: screenshots in $SHOTS/ (index.png, run.png)"

# --- the static pages are the served pages ----------------------------------
"$BUILD/bouncelab" report --db "$DB" --html "$T/site" >"$T/html.log" 2>&1 ||
	fail "report --html: $(cat "$T/html.log")"
curl -s --max-time 20 "$URL/" >"$T/served.html"
headline() { sed -n '/<table id="headline">/,/<\/table>/p' "$1"; }
[ -n "$(headline "$T/site/index.html")" ] || fail "report --html: no headline table"
# the same table but for the links: the daemon's paths, the files' relative names
diff <(headline "$T/served.html" | sed 's|href="/runs/\([^"]*\)"|href="runs/\1.html"|g') \
	<(headline "$T/site/index.html") >"$T/headline.diff" ||
	fail "report --html: its headline table differs from the served one: $(head -n 20 "$T/headline.diff")"
for f in $(grep -o 'href="runs/[^"]*"' "$T/site/index.html" | sed 's/^href="//; s/"$//'); do
	[ -s "$T/site/$f" ] || fail "report --html: the link $f has no file"
done
for f in $(grep -o '<img src="figures/[^"]*"' "$T/site/index.html" | sed 's/<img src="//; s/"$//'); do
	[ -s "$T/site/$f" ] || fail "report --html: the figure $f has no file"
done
grep -q '<img src="figures/heatmap-' "$T/site/index.html" || fail "report --html: no heatmap"
echo "ok: report --html writes the served headline table and the heatmap; its links and figures are files"
stop_daemon
echo "PASS"
