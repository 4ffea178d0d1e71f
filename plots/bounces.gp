# SWIOTLB bounces of one workload vs buffer size, one line per series
# (`bouncelab plot` writes one file per workload, kernel and devices, a
# series per DMA mode; modes with identical values at every size share one
# series named "default = iommu = noforce"): bounces per operation (left, swiotlb_bounced / ops)
# and bounce rate (right, bounced / DMA-mapped segments; only kernels with
# dma:* tracepoints can tell, '?' elsewhere). One shared key under both
# panels. Data: bounces-*.dat blocks headed by the series name, columns
#   size_bytes bounces_per_op bounce_rate runs failed_errno
# failed_errno 0: the row has values; else every operation of the size
# failed with that errno (-1: none recorded) and the row is a marker row
#   1048576 ? ? 1 5
# standing between single blank lines where it meets value rows, so that
# the series' line breaks there (gnuplot draws lines across '?'),
# drawn as an 'x' in the series' colour at the bottom of both panels,
# never as a value, with the key entry "all ops
# failed (errno 5)" (style.gp: failed_scan).
# Variables (-e): data, out, fmt (png|svg), workload, kernel, subtitle,
# clock, height, devices, modes, series_mode / series_dev (style.gp), no_rate (1: no series
# has a bounce rate; the panel says why it can be empty).
load system("dirname '".ARG0."'")."/style.gp"

stats data using 1 nooutput
n = STATS_blocks
# an explicit x range: a panel whose series are all '?' still draws (empty)
xlo = STATS_min / 1.4
xhi = STATS_max * 1.4
fail_col = 5
@failed_scan
kf = key_frac(n + 1 + (failed_title ne ""))

set multiplot title heading("SWIOTLB bounces of ".size_subject." vs buffer size, a line per DMA mode".size_modes) noenhanced
@panel_top
eval panel_bottom(kf)
@left_panel
set xrange [xlo:xhi]
@size_axis
@failed_axis
unset key
# bounces per op span 0 .. thousands: a log axis, with 0 drawn at the floor
set logscale y 10
# a strip under the floor for the markers of sizes where every operation failed
set yrange [failed_title eq "" ? 0.01 : 0.002:*]
set format y "%g"
@zero_floor
set ylabel "bounces per operation (log scale; 0 drawn at 0.01)"
set title "bounces per operation" noenhanced
at_floor(v) = v < 0.01 ? 0.01 : v
plot for [i=0:n-1] data index i using 1:(at_floor($2)) with linespoints lc rgb s_col(i) pt s_pt(i) dt s_dt(i) lw 2 notitle, \
	1 with lines lc rgb "#888888" dt 2 lw 1 notitle, \
	for [i=0:n-1] data index i using 1:(failed_at(fail_col, i)) axes x1y2 with points lc rgb s_col(i) @failed_pt notitle
@right_panel
unset logscale y
# the left panel's "0" tick at 0.01 is not this axis'
set ytics autofreq
set yrange [failed_title eq "" ? -0.05 : -0.25:1.05]
set ylabel "bounce rate (bounced / mapped segments)"
set title "bounce rate (kernels with dma:* tracepoints only)" noenhanced
if (exists("no_rate") && no_rate + 0) {
	# two causes leave it empty; the documents' bounce_rate_unavailable says which
	set label 1 "no bounce rate: no dma:* tracepoints on this kernel,\nor no DMA mapping of the job's devices" at graph 0.5, graph 0.5 center textcolor rgb "#555555"
}
plot for [i=0:n-1] data index i using 1:3 with linespoints lc rgb s_col(i) pt s_pt(i) dt s_dt(i) lw 2 notitle, \
	for [i=0:n-1] data index i using 1:(failed_at(fail_col, i)) axes x1y2 with points lc rgb s_col(i) @failed_pt notitle
@key_panel
plot for [i=0:n-1] data index i using 1:(NaN) with linespoints lc rgb s_col(i) pt s_pt(i) dt s_dt(i) lw 2 title columnheader(1), \
	NaN with lines lc rgb "#888888" dt 2 lw 1 title "1 bounce per op", \
	NaN with points lc rgb "#555555" @failed_pt title failed_title
unset multiplot
