# Latency percentiles of one workload vs buffer size, one colour per series
# (`bouncelab plot` writes one file per workload and kernel, a series per DMA
# mode x devices): p50 solid with points, p99 dashed without (p90 / p99.9 /
# max stay in the data file). Key under the plot. Data: latency-*.dat
# blocks with columns
#   size_bytes p50_ns p90_ns p99_ns p999_ns max_ns runs
# Plotted in microseconds. Variables (-e): data, out, fmt, workload, kernel,
# subtitle, height, series_mode / series_dev (style.gp).
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("workload")) workload = "workload"
if (!exists("kernel")) kernel = ""
on_kernel = kernel eq "" ? "" : " on ".kernel

stats data using 1 nooutput
n = STATS_blocks
# an explicit x range: a panel whose series are all '?' still draws (empty)
set xrange [STATS_min / 1.4 : STATS_max * 1.4]

kf = key_frac(n + 2)
set multiplot title heading("Latency of '".workload."'".on_kernel." vs buffer size: p50 (solid, points) and p99 (dashed), per DMA mode and devices") noenhanced
@panel_top
eval panel_bottom(kf)
set lmargin at screen 0.08
set rmargin at screen 0.97
@size_axis
set logscale y 10
set format y "%.0f"
set ylabel "latency per operation (µs, log scale)"
unset key
plot for [i=0:n-1] data index i using 1:($2 / 1000) with linespoints lc rgb s_col(i) pt s_pt(i) dt 1 lw 2 notitle, \
	for [i=0:n-1] data index i using 1:($4 / 1000) with lines lc rgb s_col(i) dt 2 lw 1 notitle
@key_panel
plot for [i=0:n-1] data index i using 1:(NaN) with linespoints lc rgb s_col(i) pt s_pt(i) dt 1 lw 2 title columnheader(1), \
	NaN with linespoints lc rgb "#555555" pt 7 dt 1 title "p50 (solid, points)", \
	NaN with lines lc rgb "#555555" dt 2 title "p99 (dashed)"
unset multiplot
