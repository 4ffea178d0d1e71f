# SWIOTLB bounces per operation of every job of one kernel against every
# DMA mode and buffer size: a row per job (workload and devices), a block of
# columns per mode (its name on top), a column per size inside it; the
# colour is bounces per op on a log scale (yellow few, dark red many).
# White: 0 bounces. Black with a white x: every operation failed (the
# kernel refused the mapping; never a value). Grey: the kernel cannot
# count bounces. Data: heatmap-<kernel>.dat, columns
#   job_row x "job" "mode" size_bytes bounces_per_op state failed_errno
# x = mode block * (nsizes + 1) + size column; state 0 a value, 1 every
# operation failed (bounces '?'), 2 the kernel cannot count ('?').
# Variables (-e): data, out, fmt, kernel, modes (the blocks' names, in
# order, space separated), nsizes (columns per block), subtitle, clock,
# width, height.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("kernel")) kernel = ""
if (!exists("modes")) modes = ""
if (!exists("nsizes")) nsizes = 1
nsizes = nsizes + 0

stats data using 1 nooutput name "ROWS"
stats data using 2 nooutput name "XS"
# the colour scale spans the positive values; none: a nominal one
stats data using (column(7) == 0 && column(6) > 0 ? column(6) : NaN) nooutput name "POS"
pos_known = exists("POS_records") && POS_records > 0
lo = pos_known ? POS_min : 1
hi = pos_known ? (POS_max > POS_min ? POS_max : POS_min * 10) : 10

set title heading("SWIOTLB bounces per operation".(kernel eq "" ? "" : " on kernel ".kernel).": every job x DMA mode x buffer size") noenhanced
set xrange [XS_min - 0.5 : XS_max + 0.5]
set yrange [ROWS_min - 0.5 : ROWS_max + 0.5]
unset grid
set border 0
set tics scale 0
set ytics noenhanced font ",11"
set xtics rotate by 90 right font ",8" noenhanced
set xlabel "buffer size, per DMA mode"
# the modes' names over their blocks
set x2range [XS_min - 0.5 : XS_max + 0.5]
set x2tics () noenhanced font ",12"
do for [m=1:words(modes)] { set x2tics add (word(modes, m) (m - 1) * (nsizes + 1) + (nsizes - 1) / 2.0) }
set logscale cb
set cbrange [lo:hi]
set cblabel "bounces per operation (log scale)"
set format cb "%g"
set palette defined (0 "#FFEDA0", 0.35 "#FEB24C", 0.7 "#F03B20", 1 "#800026")
set lmargin 30
set key outside below center horizontal
plot data using 2:1:(0.5):(0.48):(column(7) == 0 && column(6) > 0 ? column(6) : NaN) with boxxyerror fs solid 1.0 noborder lc palette notitle, \
	'' using 2:(column(7) == 0 && column(6) == 0 ? column(1) : NaN):(0.5):(0.48) with boxxyerror fs solid 1.0 border lc rgb "#DDDDDD" fc rgb "#FFFFFF" notitle, \
	'' using 2:(column(7) == 2 ? column(1) : NaN):(0.5):(0.48) with boxxyerror fs solid 1.0 noborder lc rgb "#BBBBBB" notitle, \
	'' using 2:(column(7) == 1 ? column(1) : NaN):(0.5):(0.48) with boxxyerror fs solid 1.0 noborder lc rgb "#000000" notitle, \
	'' using 2:(column(7) == 1 ? column(1) : NaN) with points pt 2 ps 0.9 lw 1.5 lc rgb "#FFFFFF" notitle, \
	'' using 2:(NaN):xtic(size_label(column(5))) notitle, \
	'' using (NaN):1:ytic(3) notitle, \
	NaN with boxes fs solid 1.0 border lc rgb "#BBBBBB" fc rgb "#FFFFFF" title "0 bounces", \
	NaN with boxes fs solid 1.0 lc rgb "#000000" title "refused: every operation failed (x)", \
	NaN with boxes fs solid 1.0 lc rgb "#BBBBBB" title "the kernel cannot count"
