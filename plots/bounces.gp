# SWIOTLB bounces of one workload vs buffer size, one line per kernel x DMA
# mode: bounces per operation (left, swiotlb_bounced / ops) and bounce rate
# (right, bounced / DMA-mapped segments; only kernels with dma:* tracepoints
# can tell, '?' elsewhere). Data: bounces-*.dat blocks with columns
#   size_bytes bounces_per_op bounce_rate runs
# Variables (-e): data, out, fmt (png|svg), workload, subtitle.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("workload")) workload = "workload"

stats data using 1 nooutput
n = STATS_blocks
# an explicit x range: a panel whose series are all '?' still draws (empty)
set xrange [STATS_min / 1.4 : STATS_max * 1.4]

set multiplot layout 1,2 title heading("SWIOTLB bounces of '".workload."' vs buffer size, per kernel and DMA mode") noenhanced
@size_axis
# bounces per op span 0 .. thousands: a log axis, with 0 drawn at the floor
set logscale y 10
set yrange [0.01:*]
set format y "%g"
set ylabel "bounces per operation (log scale; 0 drawn at 0.01)"
set title "bounces per operation" noenhanced
set key inside top left
at_floor(v) = v < 0.01 ? 0.01 : v
plot for [i=0:n-1] data index i using 1:(at_floor($2)) with linespoints ls (i+1) title columnheader(1), \
	1 with lines lc rgb "#888888" dt 2 lw 1 title "1 bounce per op"
unset logscale y
set yrange [-0.05:1.05]
set ylabel "bounce rate (bounced / mapped segments)"
set title "bounce rate (kernels with dma:* tracepoints only)" noenhanced
set key inside center right
plot for [i=0:n-1] data index i using 1:3 with linespoints ls (i+1) title columnheader(1)
unset multiplot
