# Latency percentiles of one workload vs buffer size, one colour per series
# (`bouncelab plot` writes one file per workload and kernel, a series per DMA
# mode x devices): p50 solid with points, p99 dashed without (p90 / p99.9 /
# max stay in the data file). Key under the plot. Data: latency-*.dat
# blocks with columns
#   size_bytes p50_ns p90_ns p99_ns p999_ns max_ns runs failed_errno
# failed_errno 0: the row has values; else every operation of the size
# failed with that errno (-1: none recorded) and the row is a marker row
#   1048576 ? ? ? ? ? 1 5
# standing between single blank lines where it meets value rows, so that
# the series' line breaks there (gnuplot draws lines across '?'),
# drawn as an 'x' in the series' colour at the bottom of the plot, never
# as a latency (how fast the kernel refused is not the workload's), with
# the key entry "all ops failed (errno 5)" (style.gp: failed_scan).
# Plotted in microseconds. Variables (-e): data, out, fmt, workload, kernel,
# subtitle, clock, height, series_mode / series_dev (style.gp).
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("workload")) workload = "workload"
if (!exists("kernel")) kernel = ""
on_kernel = kernel eq "" ? "" : " on ".kernel

stats data using 1 nooutput
n = STATS_blocks
# an explicit x range: a panel whose series are all '?' still draws (empty)
set xrange [STATS_min / 1.4 : STATS_max * 1.4]
fail_col = 8
@failed_scan

kf = key_frac(n + 2 + (failed_title ne ""))
set multiplot title heading("Latency of '".workload."'".on_kernel." vs buffer size: p50 (solid, points) and p99 (dashed), per DMA mode and devices") noenhanced
@panel_top
eval panel_bottom(kf)
set lmargin at screen 0.08
set rmargin at screen 0.97
@size_axis
@failed_axis
# a strip at the bottom for the markers of sizes where every operation failed
if (failed_title ne "") { set offsets 0, 0, 0, graph 0.12 }
set logscale y 10
set format y "%.0f"
# every size of every series failed: nothing to scale the axis by, say so
stats data using (valid(2) ? 1 : 0) nooutput name "VALUES"
if (VALUES_sum == 0) {
	set yrange [1:10]
	set label 2 "no value to draw: every operation failed" at graph 0.5, graph 0.5 center textcolor rgb "#555555"
}
set ylabel "latency per operation (µs, log scale)"
unset key
plot for [i=0:n-1] data index i using 1:($2 / 1000) with linespoints lc rgb s_col(i) pt s_pt(i) dt 1 lw 2 notitle, \
	for [i=0:n-1] data index i using 1:($4 / 1000) with lines lc rgb s_col(i) dt 2 lw 1 notitle, \
	for [i=0:n-1] data index i using 1:(failed_at(fail_col, i)) axes x1y2 with points lc rgb s_col(i) @failed_pt notitle
set offsets 0, 0, 0, 0
@key_panel
plot for [i=0:n-1] data index i using 1:(NaN) with linespoints lc rgb s_col(i) pt s_pt(i) dt 1 lw 2 title columnheader(1), \
	NaN with linespoints lc rgb "#555555" pt 7 dt 1 title "p50 (solid, points)", \
	NaN with lines lc rgb "#555555" dt 2 title "p99 (dashed)", \
	NaN with points lc rgb "#555555" @failed_pt title failed_title
unset multiplot
