# Nightly trend of one metric for one workload: one line per buffer size
# (bouncelab plot keeps at most four sizes, spread over the range), x = when
# the run started, a shaded band = the 95% confidence interval of each run's
# mean, a red ring where the night was significantly worse than the night
# before. Data: trend-*.dat blocks, each headed by its size, columns
#   started_unix mean ci_lo ci_hi regressed(0|1)
# Variables (-e): data, out, fmt, workload, metric_label (e.g. "throughput
# (ops/s)"), subtitle.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("workload")) workload = "workload"
if (!exists("metric_label")) metric_label = "value"

stats data using 1 nooutput
n = STATS_blocks
points = STATS_records / (n > 0 ? n : 1)
span = STATS_max - STATS_min
pad = span > 0 ? span * 0.03 : 3600
set xrange [STATS_min - pad : STATS_max + pad]

set title heading("Nightly trend of ".metric_label." for '".workload."', per buffer size") noenhanced
set xdata time
set timefmt "%s"
if (span > 3 * 86400) {
	set format x "%Y-%m-%d"
	set xtics rotate by -30
} else {
	set format x "%m-%d\n%H:%M"
}
set xlabel "run started (UTC)"
set logscale y 10
set format y "%.0s%c"
set ylabel metric_label." (log scale)" noenhanced
# under the plot: an opaque key inside hid the newest nights, the ones a reader came for
set key outside below center horizontal maxrows 3
set bmargin 10
set style fill transparent solid 0.18 noborder
# many nights: lines only, points would merge into a bar
ps_night = points > 60 ? 0 : 1
plot for [i=0:n-1] data index i using 1:3:4 with filledcurves ls (i+1) notitle, \
	for [i=0:n-1] data index i using 1:2 with linespoints ls (i+1) ps ps_night title columnheader(1), \
	for [i=0:n-1] data index i using 1:($5 > 0 ? $2 : NaN) with points pt 6 ps 3 lw 3 lc rgb "#E00000" notitle, \
	NaN with filledcurves lc rgb "#888888" title "95% CI of each run's mean", \
	NaN with points pt 6 ps 2.5 lw 3 lc rgb "#E00000" title "significantly worse than the night before"
