# SWIOTLB slots in use (debugfs io_tlb_used, 2 KiB each) before a row ran, at
# its peak and after its buffers were torn down, one group of bars per
# workload and devices (bouncelab plot: one chart per kernel and DMA mode,
# a group per workload / devices whose boot had a SWIOTLB pool in use, the
# row with the highest peak). Slots still used after teardown above the
# "before" level are what the workload left behind; "before" is the
# device's standing traffic (console, virtqueues). Over each peak bar the
# buffer size of that row; the pool the boot had (the documents' swiotlb
# nslabs, never typed) is a dashed red line. Data: slots-<kernel>_<mode>.dat,
# a header line and
#   "label" before peak after size_bytes pool_slots   ('?' = unknown)
# Variables (-e): data, out, fmt, subtitle, clock, kernel, mode, width.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("kernel")) kernel = ""
if (!exists("mode")) mode = ""

# the pool: one value when every boot had the same (the usual case)
stats data using 6 nooutput name "POOL"
pool_known = exists("POOL_records") && POOL_records > 0
pool_title = !pool_known ? "" : POOL_min == POOL_max ? \
	sprintf("pool the boot had: %d slots (%d MiB)", POOL_max, POOL_max * 2048 / 1048576) : \
	sprintf("pool the boots had: %d to %d slots", POOL_min, POOL_max)

set title heading("SWIOTLB slots in use before, at peak and after teardown (2 KiB each)".(kernel eq "" ? "" : " on kernel ".kernel).(mode eq "" ? "" : ", mode ".mode)) noenhanced
set key autotitle columnheader
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.9
set ylabel "SWIOTLB slots in use (2 KiB each)"
# room above the pool line for its key entry
if (pool_known) { set yrange [0:POOL_max * 1.12] } else { set yrange [0:*] }
set xtics rotate by 0 noenhanced
set key outside below center horizontal
set grid noxtics ytics
set bmargin 7
# the file's first line names the columns; '?' rows draw no bar
plot data using 2:xtic(1) title "before the row" ls 6, \
	'' using 3 title "peak during the row" ls 2, \
	'' using 4 title "after teardown" ls 1, \
	'' using 0:3:(valid(5) ? size_label($5) : "") with labels offset 0,0.8 font ",10" textcolor rgb "#333333" notitle, \
	'' using 0:(0):(valid(2) ? (column(2) + column(3) + column(4) == 0 ? "0 slots" : "") : "no SWIOTLB\ndebugfs") \
		with labels offset 0,1.5 textcolor rgb "#555555" notitle, \
	'' using 0:6 with linespoints lc rgb "#D00000" dt 2 lw 2 pt 0 title (pool_known ? pool_title : "pool size unknown")
