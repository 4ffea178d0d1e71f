# Throughput of one workload vs buffer size: ops/s (left) and MiB/s (right),
# one line per series (`bouncelab plot` writes one file per workload,
# kernel and devices, a series per DMA mode, identical modes merged), error bars = standard deviation
# over the repetitions; one shared key under both panels. Data: blocks
# (throughput-*.dat), each headed by its series name; columns
#   size_bytes ops_per_sec_mean ops_per_sec_sd mib_per_sec_mean mib_per_sec_sd runs failed_errno
# failed_errno 0: the row has values; else every operation of the size
# failed with that errno (-1: none recorded) and the row is a marker row
#   1048576 ? ? ? ? 1 5
# standing between single blank lines where it meets value rows, so that
# the series' line breaks there (gnuplot draws lines across '?'),
# drawn as an 'x' in the series' colour at the bottom of both panels,
# never as a throughput (the refusals' rate is not the workload's), with
# the key entry "all ops failed (errno 5)" (style.gp: failed_scan).
# Variables (-e): data, out, fmt (png|svg), workload, kernel, subtitle,
# clock, height, devices, modes, series_mode / series_dev (style.gp).
load system("dirname '".ARG0."'")."/style.gp"

stats data using 1 nooutput
n = STATS_blocks
# an explicit x range: a panel whose series are all '?' still draws (empty)
xlo = STATS_min / 1.4
xhi = STATS_max * 1.4
fail_col = 7
@failed_scan
kf = key_frac(n + (failed_title ne ""))

set multiplot title heading("Throughput of ".size_subject." vs buffer size, a line per DMA mode".size_modes) noenhanced
@panel_top
eval panel_bottom(kf)
@left_panel
set xrange [xlo:xhi]
@size_axis
@failed_axis
# a strip at the bottom for the markers of sizes where every operation failed
if (failed_title ne "") { set offsets 0, 0, 0, graph 0.14 }
unset key
set logscale y 10
# every size of every series failed: nothing to scale the axis by, say so
stats data using (valid(2) ? 1 : 0) nooutput name "VALUES"
if (VALUES_sum == 0) {
	set yrange [1:10]
	set label 2 "no value to draw: every operation failed" at graph 0.5, graph 0.5 center textcolor rgb "#555555"
}
set format y "%.0s%c"
set ylabel "operations per second (ops/s, log scale)"
set title "operations per second" noenhanced
plot for [i=0:n-1] data index i using 1:2:3 with yerrorlines lc rgb s_col(i) pt s_pt(i) dt s_dt(i) lw 2 notitle, \
	for [i=0:n-1] data index i using 1:(failed_at(fail_col, i)) axes x1y2 with points lc rgb s_col(i) @failed_pt notitle
@right_panel
set ylabel "bandwidth (MiB/s, log scale)"
set title "bandwidth" noenhanced
plot for [i=0:n-1] data index i using 1:4:5 with yerrorlines lc rgb s_col(i) pt s_pt(i) dt s_dt(i) lw 2 notitle, \
	for [i=0:n-1] data index i using 1:(failed_at(fail_col, i)) axes x1y2 with points lc rgb s_col(i) @failed_pt notitle
set offsets 0, 0, 0, 0
@key_panel
plot for [i=0:n-1] data index i using 1:(NaN) with linespoints lc rgb s_col(i) pt s_pt(i) dt s_dt(i) lw 2 title columnheader(1), \
	NaN with points lc rgb "#555555" @failed_pt title failed_title
unset multiplot
