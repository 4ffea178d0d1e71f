#!/usr/bin/env bash
# Where bouncelabd finds its configuration without --config (issue 18):
# $XDG_CONFIG_HOME/bouncelab/bouncelabd.ini, else ~/.config/bouncelab/,
# then SYSCONFDIR/bouncelab/; the first that exists is read, and a corrupt
# one is reported with its path and line and stops the start (never
# skipped for the next one). --config still wins.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd"

mkdir -p "$T/xdg/bouncelab" "$T/home/.config/bouncelab"
printf '[monitor]\nenabled = false\n' >"$T/ok.ini"

# 1. a corrupt user configuration: refused, naming the file and the line
printf '[monitor]\nenabled = false\nthis is not ini\n' >"$T/xdg/bouncelab/bouncelabd.ini"
out=$(XDG_CONFIG_HOME=$T/xdg "$BUILD/bouncelabd" --foreground --db "$DB" --socket "$SOCK" 2>&1) && rc=0 || rc=$?
[ "$rc" != 0 ] || fail "a corrupt XDG configuration started the daemon"
grep -qF "config: $T/xdg/bouncelab/bouncelabd.ini:3: syntax error" <<<"$out" ||
	fail "the error does not name the file and line: $out"
echo "ok   a corrupt \$XDG_CONFIG_HOME/bouncelab/bouncelabd.ini is refused with its path and line"

# 2. a good one is read, and the log says which
printf '[monitor]\nenabled = false\n' >"$T/xdg/bouncelab/bouncelabd.ini"
XDG_CONFIG_HOME=$T/xdg start_daemon
stop_daemon
grep -qF "config: $T/xdg/bouncelab/bouncelabd.ini (no --config given)" "$T/daemon.log" ||
	fail "the daemon does not say it read the XDG configuration"
echo "ok   \$XDG_CONFIG_HOME/bouncelab/bouncelabd.ini is read and named"

# 3. without XDG_CONFIG_HOME: ~/.config/bouncelab/
printf '[monitor]\nenabled = false\nnonsense\n' >"$T/home/.config/bouncelab/bouncelabd.ini"
out=$(env -u XDG_CONFIG_HOME HOME=$T/home "$BUILD/bouncelabd" --foreground --db "$DB" --socket "$SOCK" 2>&1) && rc=0 || rc=$?
[ "$rc" != 0 ] && grep -qF "$T/home/.config/bouncelab/bouncelabd.ini:3" <<<"$out" ||
	fail "~/.config/bouncelab/bouncelabd.ini was not the one read: $out"
echo "ok   ~/.config/bouncelab/bouncelabd.ini when XDG_CONFIG_HOME is unset"

# 4. --config wins over both
: >"$T/daemon.log"
XDG_CONFIG_HOME=$T/home/.config HOME=$T/home start_daemon --config "$T/ok.ini"
stop_daemon
! grep -q "no --config given" "$T/daemon.log" || fail "--config did not win"
echo "ok   --config wins"
