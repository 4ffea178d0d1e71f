# One DMA mode against the baseline mode on one kernel, grouped by job: a
# row per job, a column per buffer size, each cell one compared row, its
# colour the verdict (red significantly worse, green significantly better,
# grey no significant change, white with a grey frame unknown: too few
# boots or no noise floor to judge, purple failed: every operation of the
# row failed on a side, so there is no change, only refusals) and its text
# the relative change of the metric in % ("failed" and the errno for a
# failed cell). Data: compare-<kernel>_<mode>-vs-noforce.dat, columns
#   job_row size_column "job" size_bytes change_pct ci_lo_pct ci_hi_pct class failed_errno
# class: 0 same, 1 better, 2 worse, 3 unknown, 4 failed (change '?').
# Variables (-e): data, out, fmt, metric_label, noise_pct, kernel, mode,
# subtitle, clock, width, height.
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("metric_label")) metric_label = "the metric"
if (!exists("noise_pct")) noise_pct = 2
if (!exists("kernel")) kernel = ""
if (!exists("mode")) mode = "new"
noise_pct = noise_pct + 0   # -e passes strings

stats data using 1 nooutput name "ROWS"
stats data using 2 nooutput name "COLS"
set title heading("What ".mode." costs".(kernel eq "" ? "" : " on kernel ".kernel).": ".metric_label." against noforce, per job and buffer size (verdict = colour)") noenhanced
set xrange [COLS_min - 0.5 : COLS_max + 0.5]
set yrange [ROWS_min - 0.5 : ROWS_max + 0.5]
unset grid
set border 0
set tics scale 0
set xtics noenhanced
set ytics noenhanced
set xlabel "buffer size"
set lmargin 34
set bmargin 7
set key outside below center horizontal
colour(c) = c == 2 ? 0xD00000 : c == 1 ? 0x009E73 : c == 0 ? 0xBBBBBB : c == 4 ? 0x7B3294 : 0xFFFFFF
ink(c) = c == 0 || c == 3 ? 0x222222 : 0xFFFFFF
cell_text(c, v, e) = c == 4 ? (e > 0 ? sprintf("failed\nerrno %d", e) : "failed") : sprintf("%+.0f%%", v)
plot data using 2:1:(0.48):(0.46):(colour($8)) with boxxyerror fs solid 1.0 border lc rgb "#888888" fc rgb variable notitle, \
	'' using 2:1:(cell_text($8, $5, $9)):(ink($8)) with labels tc rgb variable font ",10" notitle, \
	'' using 2:(NaN):xtic(size_label($4)) notitle, \
	'' using (NaN):1:ytic(3) notitle, \
	NaN with boxes fs solid lc rgb "#D00000" title "significantly worse", \
	NaN with boxes fs solid lc rgb "#009E73" title "significantly better", \
	NaN with boxes fs solid lc rgb "#BBBBBB" title sprintf("no significant change (noise %g%%)", noise_pct), \
	NaN with boxes fs empty lc rgb "#888888" title "unknown (too few boots)", \
	NaN with boxes fs solid lc rgb "#7B3294" title "failed: every op failed on a side"
