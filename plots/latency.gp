# Latency percentiles of one workload vs buffer size, one colour per kernel x
# DMA mode: p50 solid, p99 dashed (p90 / p99.9 / max stay in the data file).
# Data: latency-*.dat blocks with columns
#   size_bytes p50_ns p90_ns p99_ns p999_ns max_ns runs
# Plotted in microseconds. Variables (-e): data, out, fmt, workload, subtitle.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("workload")) workload = "workload"

stats data using 1 nooutput
n = STATS_blocks
# an explicit x range: a panel whose series are all '?' still draws (empty)
set xrange [STATS_min / 1.4 : STATS_max * 1.4]

set title heading("Latency of '".workload."' vs buffer size: p50 (solid) and p99 (dashed), per kernel and DMA mode") noenhanced
@size_axis
set logscale y 10
set format y "%g"
set ylabel "latency per operation (µs, log scale)"
plot for [i=0:n-1] data index i using 1:($2 / 1000) with linespoints ls (i+1) title columnheader(1), \
	for [i=0:n-1] data index i using 1:($4 / 1000) with lines ls (i+1) dt 2 notitle, \
	NaN with lines lc rgb "#555555" dt 1 title "p50 (solid)", \
	NaN with lines lc rgb "#555555" dt 2 title "p99 (dashed)"
