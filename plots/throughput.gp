# Throughput of one workload vs buffer size: ops/s (left) and MiB/s (right),
# one line per kernel x DMA mode, error bars = standard deviation over the
# repetitions. Data: blocks written by `bouncelab plot` (throughput-*.dat),
# each headed by its series name; columns
#   size_bytes ops_per_sec_mean ops_per_sec_sd mib_per_sec_mean mib_per_sec_sd runs
# Variables (-e): data, out, fmt (png|svg), workload, subtitle.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("workload")) workload = "workload"

stats data using 1 nooutput
n = STATS_blocks
# an explicit x range: a panel whose series are all '?' still draws (empty)
set xrange [STATS_min / 1.4 : STATS_max * 1.4]

set multiplot layout 1,2 title heading("Throughput of '".workload."' vs buffer size, per kernel and DMA mode") noenhanced
@size_axis
set logscale y 10
set format y "%.0s%c"
set ylabel "operations per second (ops/s, log scale)"
set title "operations per second" noenhanced
set key inside bottom left
plot for [i=0:n-1] data index i using 1:2:3 with yerrorlines ls (i+1) title columnheader(1)
set ylabel "bandwidth (MiB/s, log scale)"
set title "bandwidth" noenhanced
set key inside top left
plot for [i=0:n-1] data index i using 1:4:5 with yerrorlines ls (i+1) title columnheader(1)
unset multiplot
