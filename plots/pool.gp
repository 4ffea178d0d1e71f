# Failed operations and the peak of SWIOTLB slots in use against the pool
# the boot had, for one kernel and DMA mode that ran with several pool sizes
# (bouncelab pool, lab MODE:pool=SIZE): failed ops as bars (left axis: a
# pool too small refuses mappings; failures that stay at every size are
# mappings no pool helps), peak slots used as a line with points (right
# axis), and the pool itself as the dashed diagonal "peak = pool" on the
# right axis: a peak touching it filled the pool. Data: pool-<kernel>_<mode>.dat,
#   pool_slots failed_ops_per_boot peak_slots_used runs boots   ('?' = no debugfs count)
# Variables (-e): data, out, fmt, kernel, mode, subtitle, clock.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("kernel")) kernel = ""
if (!exists("mode")) mode = ""

stats data using 1 nooutput name "POOL"
stats data using 2 nooutput name "FAILED"
# the lowest peak (or pool) sets the right axis' floor; no peak known: the pools
stats data using (valid(3) && $3 > 0 ? $3 : $1) nooutput name "PEAK"
y2lo = (PEAK_min < POOL_min ? PEAK_min : POOL_min) / 1.5
set title heading("Failed ops and peak SWIOTLB slots in use against the pool size".(kernel eq "" ? "" : " on kernel ".kernel).(mode eq "" ? "" : ", mode ".mode)) noenhanced
set logscale x 2
set xrange [POOL_min / 1.5 : POOL_max * 1.5]
set xtics () noenhanced
do for [e=0:40] { if (2**e >= POOL_min / 1.5 && 2**e <= POOL_max * 1.5) { set xtics add (sprintf("%d\n(%s)", 2**e, size_label(2**e * 2048)) 2**e) } }
set xlabel "pool the boot had (2 KiB slots; bytes in brackets, log scale)" offset 0,-1
set ylabel "failed operations per boot (bars)"
set yrange [0 : (FAILED_max > 0 ? FAILED_max * 1.15 : 1)]
set y2label "peak SWIOTLB slots in use (line; log scale)"
set logscale y2 2
set y2range [y2lo : POOL_max * 1.5]
set y2tics nomirror
set format y2 "%.0f"
set ytics nomirror
set key outside below center horizontal
set style fill solid 0.7 border rgb "#333333"
set bmargin 8
# bars a fifth of a doubling wide, whatever the pool
plot data using 1:2:($1 * 0.14) with boxes lc rgb "#D55E00" title "failed operations per boot", \
	'' using 1:2:(sprintf("%g", $2)) with labels offset 0,0.7 notitle, \
	'' using 1:3 axes x1y2 with linespoints lc rgb "#0072B2" pt 7 lw 2 title "peak slots in use", \
	'' using 1:1 axes x1y2 with lines lc rgb "#888888" dt 2 lw 1.5 title "the pool (peak = pool: full)"
