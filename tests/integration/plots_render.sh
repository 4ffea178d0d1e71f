#!/usr/bin/env bash
# Renders every plots/*.gp script from its fixture (plots/fixtures/NAME.dat,
# synthetic data, never measured) as PNG and SVG into build/plots-test, and
# checks each output is a non-empty, well-formed PNG (signature, IHDR of the
# expected size) or SVG (an <svg> root that is closed). Skips (77) when
# gnuplot or its pngcairo terminal is missing.
set -u
cd "$(dirname "$0")/../.."
out=${BOUNCELAB_BUILD:-build}/plots-test
mkdir -p "$out"

command -v gnuplot >/dev/null || { echo "SKIP: gnuplot is not installed (make deps)"; exit 77; }
gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo ||
	{ echo "SKIP: this gnuplot has no pngcairo terminal"; exit 77; }

fail=0
n=0
check_png() { # file
	local f=$1 sig w h
	sig=$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')
	[ "$sig" = "89504e470d0a1a0a" ] || { echo "FAIL: $f: not a PNG (signature $sig)"; return 1; }
	[ "$(head -c 16 "$f" | tail -c 4)" = "IHDR" ] || { echo "FAIL: $f: no IHDR chunk"; return 1; }
	w=$(head -c 20 "$f" | tail -c 4 | od -An -tu1 | awk '{print $1*16777216+$2*65536+$3*256+$4}')
	h=$(head -c 24 "$f" | tail -c 4 | od -An -tu1 | awk '{print $1*16777216+$2*65536+$3*256+$4}')
	[ "$w" -ge 800 ] && [ "$h" -ge 500 ] || { echo "FAIL: $f: ${w}x${h} is too small to read"; return 1; }
	[ "$(stat -c %s "$f")" -gt 10000 ] || { echo "FAIL: $f: suspiciously small"; return 1; }
	echo "ok: $f (${w}x${h}, $(stat -c %s "$f") bytes)"
}
check_svg() { # file
	local f=$1
	[ -s "$f" ] || { echo "FAIL: $f: empty"; return 1; }
	grep -q '<svg' "$f" || { echo "FAIL: $f: no <svg> element"; return 1; }
	tail -c 200 "$f" | grep -q '</svg>' || { echo "FAIL: $f: <svg> not closed (truncated?)"; return 1; }
	# a figure has drawn paths and text, not only a frame
	[ "$(grep -c '<path' "$f")" -gt 5 ] || { echo "FAIL: $f: almost nothing drawn"; return 1; }
	if command -v xmllint >/dev/null; then
		xmllint --noout "$f" || { echo "FAIL: $f: not well-formed XML"; return 1; }
	fi
	echo "ok: $f ($(stat -c %s "$f") bytes)"
}

for gp in plots/*.gp; do
	name=$(basename "$gp" .gp)
	[ "$name" = style ] && continue
	data=plots/fixtures/$name.dat
	if [ ! -f "$data" ]; then
		echo "FAIL: $gp has no fixture $data"
		fail=1
		continue
	fi
	for fmt in png svg; do
		n=$((n + 1))
		o=$out/$name.$fmt
		rm -f "$o"
		if ! gnuplot -e "data='$data'; out='$o'; fmt='$fmt'; workload='import'; metric_label='throughput (ops/s)'; subtitle='FIXTURE data (synthetic, not measured)'" "$gp" 2>"$out/$name.$fmt.log"; then
			echo "FAIL: gnuplot $gp ($fmt):"
			cat "$out/$name.$fmt.log"
			fail=1
			continue
		fi
		if [ "$fmt" = png ]; then check_png "$o" || fail=1; else check_svg "$o" || fail=1; fi
	done
done

# Sizes where every operation failed (issue 12): the size fixtures hold marker
# rows (values '?', last column the errno; a blank line where they meet value
# rows), and the figures draw them with their own key entry, never as values.
for name in bounces throughput latency; do
	data=plots/fixtures/$name.dat
	if awk '/^[0-9]/ && $NF != 0 { m++; for (i = 2; i < NF - 1; i++) if ($i != "?") bad++ }
		END { exit !(m > 0 && !bad) }' "$data"; then
		echo "ok: $data has marker rows without values"
	else
		echo "FAIL: $data: no all-failed marker row, or one with a value"
		fail=1
	fi
	if grep -q 'all ops failed (errno 5, 19)' "$out/$name.svg"; then
		echo "ok: $name.svg has the key entry 'all ops failed (errno 5, 19)'"
	else
		echo "FAIL: $name.svg: no key entry for the all-failed markers"
		fail=1
	fi
done
# the clock line under the title
o=$out/bounces-clock.svg
gnuplot -e "data='plots/fixtures/bounces.dat'; out='$o'; fmt='svg'; workload='import'; clock='times on QEMU''s icount clock: 1 ns per guest instruction'" plots/bounces.gp 2>/dev/null
if grep -q "times on QEMU's icount clock" "$o"; then
	echo "ok: the figure's title names the clock"
else
	echo "FAIL: $o: clock= is not in the title"
	fail=1
fi
# a figure without failures has no such key entry
printf '"noforce a"\n4096 0 0 3 0\n65536 0 0 3 0\n' >"$out/nofail.dat"
gnuplot -e "data='$out/nofail.dat'; out='$out/nofail.svg'; fmt='svg'" plots/bounces.gp 2>/dev/null
if [ -s "$out/nofail.svg" ] && ! grep -q 'all ops failed' "$out/nofail.svg"; then
	echo "ok: no failed size, no failed key entry"
else
	echo "FAIL: $out/nofail.svg: missing, or a failed key entry without failures"
	fail=1
fi

# a figure where every operation of every size failed (vgem -> virtio_gpu
# import: ENODEV) still renders: markers only, and the panel says why it is empty
for spec in bounces:2 throughput:4 latency:5; do
	name=${spec%%:*}
	q=$(printf ' ?%.0s' $(seq "${spec#*:}"))
	printf '"force vgem+virtio_gpu"%s ? ?\n4096%s 1 19\n1048576%s 1 19\n' "$q" "$q" "$q" \
		>"$out/allfailed-$name.dat"
	if gnuplot -e "data='$out/allfailed-$name.dat'; out='$out/allfailed-$name.svg'; fmt='svg'" \
		"plots/$name.gp" 2>"$out/allfailed-$name.log" &&
		grep -q 'all ops failed (errno 19)' "$out/allfailed-$name.svg"; then
		echo "ok: $name with every size failed renders its markers"
	else
		echo "FAIL: $name with every size failed:"
		cat "$out/allfailed-$name.log"
		fail=1
	fi
done

# the heatmap fixture's refused cell (state 1) has its key entry, the pool
# fixture its three series; the compare grid its failed cell
for spec in 'heatmap:refused: every operation failed' 'pool:peak slots in use' \
	'pool:the pool (peak = pool: full)' 'compare:failed: every op failed on a side'; do
	if grep -qF "${spec#*:}" "$out/${spec%%:*}.svg"; then
		echo "ok: ${spec%%:*}.svg has '${spec#*:}'"
	else
		echo "FAIL: ${spec%%:*}.svg lacks '${spec#*:}'"
		fail=1
	fi
done

# A script without its data must fail loudly, not draw an empty figure.
if gnuplot -e "out='$out/none.png'" plots/throughput.gp 2>/dev/null; then
	echo "FAIL: a script ran without data="
	fail=1
fi
[ "$n" -ge 18 ] || { echo "FAIL: only $n renders; expected 9 scripts x 2 formats"; fail=1; }
[ $fail -eq 0 ] && echo "all $n figures rendered into $out"
exit $fail
