# SWIOTLB slots in use (debugfs io_tlb_used, 2 KiB each) before a row ran, at
# its peak and after its buffers were torn down, one group of bars per
# row label (bouncelab plot: one chart per kernel, a group per DMA mode /
# workload / devices whose boot had a SWIOTLB pool in use). Slots still used after teardown above the
# "before" level are what the workload left behind; "before" is the device's
# standing traffic (console, virtqueues). Data: slots-<kernel>.dat, a header line and
#   "label" before peak after      ('?' = no SWIOTLB debugfs on that boot)
# Variables (-e): data, out, fmt, subtitle.
load system("dirname '".ARG0."'")."/style.gp"

set title heading("SWIOTLB slots in use before, at peak and after teardown (2 KiB each)") noenhanced
set key autotitle columnheader
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.9
set ylabel "SWIOTLB slots in use (2 KiB each)"
set yrange [0:*]
set xtics rotate by 0 noenhanced
set key outside below center horizontal
set grid noxtics ytics
set bmargin 7
# the file's first line names the columns; '?' rows draw no bar
plot data using 2:xtic(1) title "before the row" ls 6, \
	'' using 3 title "peak during the row" ls 2, \
	'' using 4 title "after teardown" ls 1, \
	'' using 0:(0):(valid(2) ? (column(2) + column(3) + column(4) == 0 ? "0 slots" : "") : "no SWIOTLB\ndebugfs") \
		with labels offset 0,1.5 textcolor rgb "#555555" notitle
