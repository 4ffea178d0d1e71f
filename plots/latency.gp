# Latency percentiles of one workload vs buffer size, a panel per series
# (`bouncelab plot` writes one file per workload, kernel and devices, a
# series per DMA mode, modes with identical rows merged): in each panel
# p50, p90, p99 and p99.9 told apart by colour AND point shape (and dash),
# all panels on one y scale so that modes compare at a glance. The panel's
# key names its mode(s); the percentiles' key is under the panels. Data:
# latency-*.dat blocks headed by the series name, columns
#   size_bytes p50_ns p90_ns p99_ns p999_ns max_ns runs failed_errno
# failed_errno 0: the row has values; else every operation of the size
# failed with that errno (-1: none recorded) and the row is a marker row
#   1048576 ? ? ? ? ? 1 5
# standing between single blank lines where it meets value rows, so that
# the lines break there (gnuplot draws lines across '?'), drawn as an 'x'
# at the bottom of the panel, never as a latency (how fast the kernel
# refused is not the workload's), with the key entry "all ops failed
# (errno 5)" (style.gp: failed_scan). Plotted in microseconds; max stays
# in the data file. Variables (-e): data, out, fmt, workload, kernel,
# devices, modes, panels (the series' names joined by '|': the panels'
# titles), subtitle, clock, height.
load system("dirname '".ARG0."'")."/style.gp"

stats data using 1 nooutput
n = STATS_blocks
xlo = STATS_min / 1.4
xhi = STATS_max * 1.4
fail_col = 8
@failed_scan
# one y scale for every panel: from the lowest p50 to the highest p99.9
stats data using (valid(2) ? 1 : 0) nooutput name "VALUES"
no_values = VALUES_sum == 0
if (!no_values) {
	stats data using (valid(2) ? $2 / 1000 : NaN) nooutput name "LO"
	stats data using (valid(5) ? $5 / 1000 : valid(4) ? $4 / 1000 : NaN) nooutput name "HI"
}

# the percentiles: colour, point shape and dash each differ
pc_col(k) = word("#0072B2 #009E73 #E69F00 #D55E00", k)
pc_pt(k) = int(word("7 5 9 11", k))
pc_dt(k) = k
pc_name(k) = word("p50 p90 p99 p99.9", k)

cols = n <= 4 ? n : 4
rows = int(ceil(n / (cols + 0.0)))
kf = key_frac(4 + (failed_title ne ""))
top = 1 - ((clock eq "" ? 100.0 : 120.0) + (modes ne "" ? 20 : 0)) / height
bot = kf + 40.0 / height
ph = (top - bot) / rows
pw = 0.94 / cols

set multiplot title heading("Latency of ".size_subject." vs buffer size, a panel per DMA mode".size_modes) noenhanced
@size_axis
set xrange [xlo:xhi]
set logscale y 10
set format y "%g"
if (no_values) { set yrange [1:10] } else { set yrange [LO_min / 1.5 : HI_max * 1.5] }
@failed_axis
if (failed_title ne "") { set offsets 0, 0, 0, graph 0.14 }
unset key
# the panels' titles: `bouncelab plot` passes the series' names joined by '|'
if (!exists("panels")) panels = ""
do for [i=0:n-1] {
	rest = panels
	do for [j=1:i] { rest = strstrt(rest, "|") ? rest[strstrt(rest, "|") + 1:] : "" }
	ptitle = strstrt(rest, "|") ? rest[1:strstrt(rest, "|") - 1] : rest
	set title (ptitle eq "" ? sprintf("series %d", i + 1) : ptitle) noenhanced
	r = int(i / cols)
	c = i % cols
	set lmargin at screen 0.05 + c * pw + 0.035
	set rmargin at screen 0.05 + (c + 1) * pw - 0.01
	set tmargin at screen top - r * ph - 0.045
	set bmargin at screen top - (r + 1) * ph + 0.07
	set ylabel (c == 0 ? "µs per operation (log scale)" : "")
	set xlabel (r == rows - 1 ? "buffer size (bytes, log scale)" : "")
	if (no_values) {
		set label 2 "no value to draw: every operation failed" at graph 0.5, graph 0.5 center textcolor rgb "#555555"
	}
	plot for [k=1:4] data index i using 1:(column(k + 1) / 1000) with linespoints lc rgb pc_col(k) pt pc_pt(k) dt pc_dt(k) lw 2 notitle, \
		data index i using 1:(failed_at(fail_col, 0)) axes x1y2 with points lc rgb "#555555" @failed_pt notitle
}
set offsets 0, 0, 0, 0
@key_panel
plot for [k=1:4] NaN with linespoints lc rgb pc_col(k) pt pc_pt(k) dt pc_dt(k) lw 2 title pc_name(k), \
	NaN with points lc rgb "#555555" @failed_pt title failed_title
unset multiplot
