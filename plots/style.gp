# Shared style for every bouncelab figure: terminal, fonts, colours, grid,
# and the buffer-size axis. Loaded by each plots/*.gp script AFTER it has
# received its variables on the command line:
#   gnuplot -e "data='in.dat'; out='fig.png'; fmt='png'; subtitle='...'" plots/X.gp
# fmt is png (pngcairo) or svg; subtitle names what the data came from
# (kernels, modes, device), and may be empty. Scripts never embed data.

if (!exists("fmt")) fmt = "png"
if (!exists("subtitle")) subtitle = ""
# the guest clock the times are on ("" = real hardware, or not said): a
# line under the title, because times on QEMU's icount clock (1 ns per
# guest instruction) and on a wall clock are different quantities
if (!exists("clock")) clock = ""
if (!exists("data") || !exists("out")) {
	print "plot: pass data='FILE' and out='FILE' with -e"
	exit status 2
}
# wide enough for a two-panel figure with a key beside each panel
if (!exists("width")) width = 1400
if (!exists("height")) height = 760
width = width + 0     # -e may pass them as strings
height = height + 0

if (fmt eq "svg") {
	set terminal svg size width, height dynamic enhanced font "sans,13" background rgb "white"
} else {
	if (fmt ne "png") {
		print "plot: fmt must be png or svg, not ".fmt
		exit status 2
	}
	set terminal pngcairo size width, height enhanced font "sans,12" background rgb "white"
}
set output out

# Colour-blind-safe palette (Okabe-Ito), one line style per series.
set style line 1 lc rgb "#0072B2" lw 2 pt 7 ps 1.1
set style line 2 lc rgb "#D55E00" lw 2 pt 5 ps 1.1
set style line 3 lc rgb "#009E73" lw 2 pt 9 ps 1.2
set style line 4 lc rgb "#CC79A7" lw 2 pt 11 ps 1.2
set style line 5 lc rgb "#E69F00" lw 2 pt 13 ps 1.2
set style line 6 lc rgb "#56B4E9" lw 2 pt 15 ps 1.2
set style line 7 lc rgb "#000000" lw 2 pt 3 ps 1.1
set style line 8 lc rgb "#999999" lw 2 pt 1 ps 1.1
set style increment user
set linetype cycle 8

set grid xtics ytics lc rgb "#d0d0d0" lw 1 dt 3
set border 3 lw 1
set tics nomirror out
set key outside right top vertical Left reverse noenhanced box lc rgb "#c0c0c0" spacing 1.2
set datafile missing "?"
set datafile commentschars "#"

# Buffer sizes on a log2 axis labelled 4K, 64K, 1M ...
size_label(x) = x >= 2**30 ? sprintf("%dG", x / 2**30) : \
	x >= 2**20 ? sprintf("%dM", x / 2**20) : \
	x >= 2**10 ? sprintf("%dK", x / 2**10) : sprintf("%d", x)
size_axis = "set logscale x 2; set xtics (); do for [e=0:40:2] { set xtics add (size_label(2**e) 2**e) }; set xlabel 'buffer size (bytes, log scale)'"

# Series styles. `bouncelab plot` passes series_mode and series_dev: one
# number per data block, so that a figure's colour says the DMA mode
# (palette index: 1 default, 2 force, 3 iommu, 4 iommu-pt, 7 noforce) and
# its point shape and dash say the devices. Without them (fixtures, by
# hand) each block gets its own colour.
if (!exists("series_mode")) series_mode = ""
if (!exists("series_dev")) series_dev = ""
palette_rgb(k) = word("#0072B2 #D55E00 #009E73 #CC79A7 #E69F00 #56B4E9 #000000 #999999", (k - 1) % 8 + 1)
s_col(i) = palette_rgb(series_mode eq "" ? i + 1 : int(word(series_mode, i + 1)))
s_devi(i) = series_dev eq "" ? i + 1 : int(word(series_dev, i + 1))
s_pt(i) = int(word("7 5 9 11 13 15 3 1 2 4", (s_devi(i) - 1) % 10 + 1))
s_dt(i) = series_dev eq "" ? 1 : (s_devi(i) - 1) % 5 + 1

# A figure with two panels draws its key once, under both: key_frac(n) is
# the share of the height the key of n entries needs (key_cols per row),
# panel_margins(kf) puts the panels above it, and after them @key_panel
# turns the canvas into an empty plot whose only content is the key (plot
# each series with '(NaN)' after it).
# key_cols: entries per row (`bouncelab plot` passes 1 when a merged
# series' name is too long to share a row)
if (!exists("key_cols")) key_cols = 2
key_cols = key_cols + 0
key_rows(n) = int(ceil(n / (key_cols + 0.0)))
key_frac(n) = (key_rows(n) * 22.0 + 14) / height
# (a line more under the title when it names the clock)
panel_top = sprintf("set tmargin at screen %g", 1 - ((clock eq "" ? 100.0 : 120.0) + (exists("modes") && modes ne "" ? 20 : 0)) / height)
panel_bottom(kf) = sprintf("set bmargin at screen %g", kf + 70.0 / height)
left_panel = "set lmargin at screen 0.07; set rmargin at screen 0.47"
right_panel = "set lmargin at screen 0.57; set rmargin at screen 0.97"
key_panel = "unset title; unset xlabel; unset ylabel; unset logscale; unset grid; unset border; unset tics; unset label; set xrange [0:1]; set yrange [0:1]; set lmargin at screen 0.01; set rmargin at screen 0.99; set bmargin at screen 0; set tmargin at screen kf; set key at screen 0.5, screen kf center top horizontal maxcols ".sprintf("%d", key_cols)." noreverse Right nobox spacing 1.1 width 1"

# A title line with the subtitle and the clock under it when there are
# (titles are set noenhanced: driver names like virtio_gpu must not become
# subscripts).
heading(t) = t.(subtitle eq "" ? "" : "\n".subtitle).(clock eq "" ? "" : "\n".clock)
# What a size figure is about, for its title: workload, devices, kernel
# and the modes drawn (`bouncelab plot` passes each; "" when not given).
if (!exists("workload")) workload = "workload"
if (!exists("kernel")) kernel = ""
if (!exists("devices")) devices = ""
if (!exists("modes")) modes = ""
size_subject = "'".workload."'".(devices eq "" ? "" : " with ".devices).(kernel eq "" ? "" : " on kernel ".kernel)
size_modes = modes eq "" ? "" : "\nmodes: ".modes
# the floor of a log axis that draws 0: its tick says 0
zero_floor = "set ytics add ('0' 0.01)"


# Sizes where every operation failed (the size figures). Such a size has a
# marker row in its series' block: every value '?', then runs, then
# failed_errno = the errno (-1: none recorded); rows with values have
# failed_errno 0. A single blank line stands where value rows and marker
# rows meet, so that the series' line breaks at the failed size (gnuplot
# draws lines across '?'). A script sets fail_col (its failed_errno column) and
# runs @failed_scan after it has read STATS_blocks: failed_title becomes
# "all ops failed (errno 5)" (every distinct errno, "" when no size failed).
# @failed_axis puts the markers on the y2 axis (0..1), so that
# failed_at(col, i) draws series i's 'x' in a strip at the bottom of a
# panel whatever its scale (a script leaves the lowest 14 % of a panel to
# them), staggered so that series failing at one size do
# not hide each other (a row per series, up to 8); the key panel plots
# 'NaN with points @failed_pt title failed_title'.
failed_at(c, i) = column(c) != 0 ? 0.015 + 0.014 * (i % 8) : NaN
failed_pt = "pt 2 ps 2.2 lw 2.5"
failed_axis = "set y2range [0:1]; unset y2tics"
failed_scan = "failed_title = ''; failed_errnos = ''; failed_prev = -2; do for [failed_k = 1:12] { stats data using (column(fail_col) != 0 && column(fail_col) > failed_prev ? column(fail_col) : 1e9) nooutput name 'FAILED'; if (FAILED_min >= 1e9) { break }; failed_errnos = failed_errnos.(failed_errnos eq '' ? '' : ', ').(FAILED_min < 0 ? '?' : sprintf('%d', FAILED_min)); failed_prev = FAILED_min }; if (failed_errnos ne '') { failed_title = 'all ops failed (errno '.failed_errnos.')' }"
