# One series over Debian package versions with its change points (issue
# 14): x = the runs in package version order (dpkg's; the nights of one
# version side by side), labelled with the package version where it
# changes from one run to the next; y = the run's value of one row
# (metric_label); the level of each segment between change points as a
# flat line that steps at each change point; each change point (the
# first run of a new level) a red diamond. Data: versions-*.dat, columns
#   index package_version value segment_mean change_point(0|1)
# Variables (-e): data, out, fmt, workload, metric_label, subtitle.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("workload")) workload = "workload"
if (!exists("metric_label")) metric_label = "value"

stats data using 1 nooutput
set xrange [STATS_min - 0.5 : STATS_max + 0.5]
set title heading("Change points of ".metric_label." for '".workload."' over package versions") noenhanced
set xlabel "run, in Debian package version order (then time)"
set xtics rotate by -30 noenhanced font ",10"
set ylabel metric_label noenhanced
set format y "%g"
set key inside top left opaque
plot data using 1:3:xtic(2) with linespoints ls 1 title "each run", \
	data using 1:4 with steps lw 3 lc rgb "#555555" title "level between change points", \
	data using 1:($5 > 0 ? $3 : NaN) with points pt 13 ps 3 lc rgb "#E00000" title "change point (p <= 0.001)"
