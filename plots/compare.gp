# Relative change per compared row (new vs base) for one metric: a bar per
# (workload, size) with its 95% confidence interval; significant regressions
# red, significant improvements green, no significant change grey, rows with
# too few repetitions to judge hatched. Data: compare.dat, columns
#   index "label" change_pct ci_lo_pct ci_hi_pct class
# class: 0 same, 1 better, 2 worse, 3 too few reps.
# Variables (-e): data, out, fmt, metric_label, noise_pct, subtitle, and
# ycap: the highest change the axis shows (default 200 %; taller bars are
# cut there and labelled with their value); count: draw only the first count rows (bouncelab plot writes the largest
# changes first; 0 or unset = all).
load system("dirname '".ARG0."'")."/style.gp"
if (!exists("metric_label")) metric_label = "the metric"
if (!exists("noise_pct")) noise_pct = 2
noise_pct = noise_pct + 0   # -e passes strings

set title heading("Relative change of ".metric_label." per row (new vs base); red = significantly worse, green = significantly better") noenhanced
set ylabel "change (%), bars = 95% CI" noenhanced
set boxwidth 0.7
set style fill solid 0.8 border rgb "#333333"
set xtics rotate by -40 noenhanced
if (!exists("count")) count = 0
count = count + 0
stats data using 1 nooutput
last = (count > 0 && count - 1 < STATS_max) ? count - 1 : STATS_max
set xrange [-0.7:last + 0.7]

# one huge change (+1500%) must not flatten every other bar: the axis stops
# at ycap % and a cut bar is labelled with its value
if (!exists("ycap")) ycap = 200
ycap = ycap + 0
stats data every ::0::last using 3 nooutput name "C"
if (C_max > ycap) { set yrange [*:ycap] }

set grid noxtics ytics
set key outside below center horizontal
colour(c) = c == 2 ? 0xD00000 : c == 1 ? 0x009E73 : c == 3 ? 0xBBBBBB : 0x888888
plot data every ::0::last using 1:($6 == 3 ? NaN : $3):(colour($6)):xtic(2) with boxes lc rgb variable notitle, \
	'' every ::0::last using 1:($6 == 3 ? $3 : NaN) with boxes fill pattern 4 lc rgb "#888888" notitle, \
	'' every ::0::last using 1:3:4:5 with yerrorbars lc rgb "#000000" pt 0 ps 0 lw 1.5 notitle, \
	'' every ::0::last using 1:($3 > ycap ? ycap : NaN):(sprintf("%+.0f%%", $3)) with labels offset 0,0.7 font ",11" notitle, \
	noise_pct with lines lc rgb "#888888" dt 2 title sprintf("noise threshold +-%g%%", noise_pct), \
	-noise_pct with lines lc rgb "#888888" dt 2 notitle, \
	NaN with boxes lc rgb "#D00000" title "significantly worse", \
	NaN with boxes lc rgb "#009E73" title "significantly better", \
	NaN with boxes lc rgb "#888888" title "no significant change", \
	NaN with boxes fill pattern 4 lc rgb "#888888" title "too few repetitions"
