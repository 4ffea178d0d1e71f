# Nightly trend of one metric for one workload: one line per buffer size,
# x = when the run started, error bars = 95% confidence interval of the
# run's mean, a red ring where the night was significantly worse than the
# night before. Data: trend-*.dat blocks, each headed by its size, columns
#   started_unix mean ci_lo ci_hi regressed(0|1)
# Variables (-e): data, out, fmt, workload, metric_label (e.g. "throughput
# (ops/s)"), subtitle.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("workload")) workload = "workload"
if (!exists("metric_label")) metric_label = "value"

stats data using 1 nooutput
n = STATS_blocks

set title heading("Nightly trend of ".metric_label." for '".workload."', per buffer size") noenhanced
set xdata time
set timefmt "%s"
set format x "%m-%d\n%H:%M"
set xlabel "run started (UTC)"
set logscale y 10
set format y "%.0s%c"
set ylabel metric_label." (log scale), bars = 95% CI" noenhanced
set key inside top right opaque
plot for [i=0:n-1] data index i using 1:2:3:4 with yerrorlines ls (i+1) title columnheader(1), \
	for [i=0:n-1] data index i using 1:($5 > 0 ? $2 : NaN) with points pt 6 ps 3.5 lw 3 lc rgb "#E00000" notitle, \
	NaN with points pt 6 ps 2.5 lw 3 lc rgb "#E00000" title "significantly worse than the night before"
