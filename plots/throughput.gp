# Throughput of one workload vs buffer size: ops/s (left) and MiB/s (right),
# one line per series (`bouncelab plot` writes one file per workload and
# kernel, a series per DMA mode x devices), error bars = standard deviation
# over the repetitions; one shared key under both panels. Data: blocks
# (throughput-*.dat), each headed by its series name; columns
#   size_bytes ops_per_sec_mean ops_per_sec_sd mib_per_sec_mean mib_per_sec_sd runs
# Variables (-e): data, out, fmt (png|svg), workload, kernel, subtitle,
# height, series_mode / series_dev (style.gp).
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("workload")) workload = "workload"
if (!exists("kernel")) kernel = ""
on_kernel = kernel eq "" ? "" : " on ".kernel

stats data using 1 nooutput
n = STATS_blocks
# an explicit x range: a panel whose series are all '?' still draws (empty)
xlo = STATS_min / 1.4
xhi = STATS_max * 1.4
kf = key_frac(n)

set multiplot title heading("Throughput of '".workload."'".on_kernel." vs buffer size, per DMA mode and devices") noenhanced
@panel_top
eval panel_bottom(kf)
@left_panel
set xrange [xlo:xhi]
@size_axis
unset key
set logscale y 10
set format y "%.0s%c"
set ylabel "operations per second (ops/s, log scale)"
set title "operations per second" noenhanced
plot for [i=0:n-1] data index i using 1:2:3 with yerrorlines lc rgb s_col(i) pt s_pt(i) dt s_dt(i) lw 2 notitle
@right_panel
set ylabel "bandwidth (MiB/s, log scale)"
set title "bandwidth" noenhanced
plot for [i=0:n-1] data index i using 1:4:5 with yerrorlines lc rgb s_col(i) pt s_pt(i) dt s_dt(i) lw 2 notitle
@key_panel
plot for [i=0:n-1] data index i using 1:(NaN) with linespoints lc rgb s_col(i) pt s_pt(i) dt s_dt(i) lw 2 title columnheader(1)
unset multiplot
