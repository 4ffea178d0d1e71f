#!/bin/busybox sh
# The balloon step of the Xen PV modes (issue 13), run inside the guest
# (dom0) before the job. busybox sh only: it will be part of the initramfs.
#
#   guest-balloon.sh [--timeout SECONDS] [--facts-only] SIZE
#
# SIZE (like 1536M, 1G, 786432K; a plain number is KiB) is given back to Xen
# through the balloon driver and taken back again:
#
#   1. target_kb := current_kb - SIZE   (/sys/devices/system/xen_memory/
#      xen_memory0/target_kb); wait until info/current_kb reaches it
#   2. target_kb := the first current_kb; wait until current_kb reaches it
#
# Each wait is bounded (--timeout, default 120 s, polled every 0.1 s); a
# wait that runs out is reported, never hidden. What a long-running Xen
# host's memory looks like afterwards: dom0's pseudo-physical frames are
# backed by scattered machine frames, so xen-swiotlb bounces multi-page
# segments.
#
# stdout: two JSON objects, one a line:
#
#   {"balloon_kb":..,"current_kb_before":..,"target_kb_low":..,
#    "current_kb_low":..,"target_kb_restored":..,"current_kb_restored":..,
#    "reached_low":true,"reached_restored":true,"waited_low_ms":..,
#    "waited_restored_ms":..,"waited_ms":..,"error":null}
#   {"type":"xen","version":"4.17.7","major":4,"minor":17,"extra":".7",
#    "guest_type":"PV","dom0":true,"dom0_source":"...","capabilities":"...",
#    "unavailable":{...}}
#
# A reading that cannot be had is null, with the reason in "error" (balloon)
# or under "unavailable" (hypervisor). --facts-only skips the balloon (the
# first line is then {"balloon_kb":null,...,"error":"not requested"}).
# Exit: 0 done (or facts only), 1 the balloon step failed or a wait ran out
# (the JSON says which), 2 bad arguments.

timeout_s=120
facts_only=0
size=""
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout_s=$2; shift 2 ;;
	--facts-only) facts_only=1; shift ;;
	-h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "guest-balloon: unknown option '$1'" >&2; exit 2 ;;
	*) size=$1; shift ;;
	esac
done
case "$timeout_s" in ''|*[!0-9]*) echo "guest-balloon: --timeout '$timeout_s': expected whole seconds" >&2; exit 2 ;; esac

XM=/sys/devices/system/xen_memory/xen_memory0
HV=/sys/hypervisor

# JSON helpers. A string value, escaped (backslash, quote; control
# characters dropped), or null when empty.
jstr() {
	[ -n "$1" ] || { printf 'null'; return; }
	printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}
jnum() { # a whole number or null
	case "$1" in ''|*[!0-9-]*) printf 'null' ;; *) printf '%s' "$1" ;; esac
}
jbool() { # 1/0 or empty -> true/false/null
	case "$1" in 1) printf 'true' ;; 0) printf 'false' ;; *) printf 'null' ;; esac
}
readf() { # the first line of a file, trailing blanks stripped; empty when unreadable
	[ -r "$1" ] || return 1
	v=$(head -n 1 "$1" 2>/dev/null) || return 1
	printf '%s' "$v" | sed 's/[[:space:]]*$//'
}
now_ms() { # milliseconds since boot (/proc/uptime has centiseconds)
	awk '{ printf "%d", $1 * 1000 }' /proc/uptime
}

size_kb() { # SIZE -> KiB, or nothing when malformed
	case "$1" in
	''|*[!0-9KkMmGg]*) return ;;
	*[Kk]) n=${1%?}; m=1 ;;
	*[Mm]) n=${1%?}; m=1024 ;;
	*[Gg]) n=${1%?}; m=1048576 ;;
	*) n=$1; m=1 ;;
	esac
	case "$n" in ''|*[!0-9]*) return ;; esac
	echo $((n * m))
}

# --- the balloon step -------------------------------------------------------
b_size="" b_before="" b_tlow="" b_clow="" b_trest="" b_crest=""
b_rlow="" b_rrest="" b_wlow="" b_wrest="" b_err="" rc=0

wait_for() { # target, "down"|"up" -> sets w_ms, w_ok, w_cur
	t0=$(now_ms)
	deadline=$((t0 + timeout_s * 1000))
	w_ok=0
	while :; do
		w_cur=$(readf "$XM/info/current_kb")
		if [ -n "$w_cur" ]; then
			if [ "$2" = down ] && [ "$w_cur" -le "$1" ]; then w_ok=1; break; fi
			if [ "$2" = up ] && [ "$w_cur" -ge "$1" ]; then w_ok=1; break; fi
		fi
		[ "$(now_ms)" -ge "$deadline" ] && break
		sleep 0.1
	done
	w_ms=$(($(now_ms) - t0))
}

balloon() {
	if [ "$facts_only" = 1 ]; then b_err="not requested"; return; fi
	b_size=$(size_kb "$size")
	if [ -z "$b_size" ] || [ "$b_size" -le 0 ]; then
		echo "guest-balloon: SIZE '$size': expected a size like 1536M, 1G or 786432K (more than 0)" >&2
		exit 2
	fi
	if [ ! -d "$XM" ]; then
		b_err="$XM: missing (not a Xen guest, or no balloon driver)"; rc=1; return
	fi
	b_before=$(readf "$XM/info/current_kb")
	[ -n "$b_before" ] || { b_err="$XM/info/current_kb: unreadable"; rc=1; return; }
	if [ "$b_size" -ge "$b_before" ]; then
		b_err="balloon of $b_size KiB is not smaller than the $b_before KiB dom0 has"; rc=1; return
	fi
	b_tlow=$((b_before - b_size))
	if ! echo "$b_tlow" >"$XM/target_kb" 2>/dev/null; then
		b_err="$XM/target_kb: writing $b_tlow failed"; rc=1; return
	fi
	wait_for "$b_tlow" down
	b_clow=$w_cur b_rlow=$w_ok b_wlow=$w_ms
	if [ "$w_ok" != 1 ]; then
		b_err="current_kb stayed at $w_cur, above the target $b_tlow, after $w_ms ms"; rc=1
		# Take back what was given anyway: the job must not run short of memory.
	fi
	b_trest=$b_before
	if ! echo "$b_trest" >"$XM/target_kb" 2>/dev/null; then
		b_err="${b_err:+$b_err; }$XM/target_kb: writing $b_trest failed"; rc=1; return
	fi
	wait_for "$b_trest" up
	b_crest=$w_cur b_rrest=$w_ok b_wrest=$w_ms
	if [ "$w_ok" != 1 ]; then
		b_err="${b_err:+$b_err; }current_kb stayed at $w_cur, below the target $b_trest, after $w_ms ms"; rc=1
	fi
}
balloon

waited=""
[ -n "$b_wlow" ] && waited=$((b_wlow + ${b_wrest:-0}))
printf '{"balloon_kb":%s,"current_kb_before":%s,"target_kb_low":%s,"current_kb_low":%s,"target_kb_restored":%s,"current_kb_restored":%s,"reached_low":%s,"reached_restored":%s,"waited_low_ms":%s,"waited_restored_ms":%s,"waited_ms":%s,"timeout_s":%s,"error":%s}\n' \
	"$(jnum "$b_size")" "$(jnum "$b_before")" "$(jnum "$b_tlow")" "$(jnum "$b_clow")" \
	"$(jnum "$b_trest")" "$(jnum "$b_crest")" "$(jbool "$b_rlow")" "$(jbool "$b_rrest")" \
	"$(jnum "$b_wlow")" "$(jnum "$b_wrest")" "$(jnum "$waited")" "$timeout_s" "$(jstr "$b_err")"

# --- the hypervisor facts ---------------------------------------------------
una="" # "key":"reason" pairs, comma-separated
miss() { una="${una:+$una,}\"$1\":$(jstr "$2")"; }

h_type=$(readf "$HV/type") || miss type "$HV/type: missing (no hypervisor, or no CONFIG_XEN_SYS_HYPERVISOR)"
h_major=$(readf "$HV/version/major") || miss major "$HV/version/major: missing"
h_minor=$(readf "$HV/version/minor") || miss minor "$HV/version/minor: missing"
h_extra=$(readf "$HV/version/extra") || miss extra "$HV/version/extra: missing"
h_version=""
[ -n "$h_major" ] && [ -n "$h_minor" ] && h_version="$h_major.$h_minor${h_extra}"
# guest_type: "PV", "PVH" or "HVM" (Linux 4.19+), absent on older kernels.
h_gtype=$(readf "$HV/guest_type") || miss guest_type "$HV/guest_type: missing (kernel older than 4.19, or not Xen)"
h_caps=""
# Dom0: the start_info flag SIF_INITDOMAIN, exposed as start_flags/initdomain
# (Linux 4.17+, PV only); else xenfs' capabilities file says control_d (it
# needs the xenfs module and a mount on /proc/xen).
h_dom0="" h_dom0_src=""
if v=$(readf "$HV/start_flags/initdomain"); then
	h_dom0=$v h_dom0_src="$HV/start_flags/initdomain"
fi
if [ ! -r /proc/xen/capabilities ] && [ -d /proc/xen ]; then
	mount -t xenfs xenfs /proc/xen 2>/dev/null
fi
if [ -r /proc/xen/capabilities ]; then
	h_caps=$(cat /proc/xen/capabilities 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')
	if [ -z "$h_dom0" ]; then
		case " $h_caps " in *" control_d "*) h_dom0=1 ;; *) h_dom0=0 ;; esac
		h_dom0_src=/proc/xen/capabilities
	fi
else
	miss capabilities "/proc/xen/capabilities: missing (xenfs not loaded or not mounted)"
fi
if [ -z "$h_dom0" ]; then
	if [ -n "$h_type" ]; then miss dom0 "neither $HV/start_flags/initdomain nor /proc/xen/capabilities"
	else miss dom0 "no hypervisor"; fi
fi
# pagesize is printed in hex ("1000"), changeset is "unavailable" on
# release builds.
h_pagesize=""
if v=$(readf "$HV/properties/pagesize"); then
	case "$v" in ''|*[!0-9a-fA-F]*) miss pagesize "$HV/properties/pagesize: '$v' is not hex" ;; *) h_pagesize=$((0x$v)) ;; esac
else
	miss pagesize "$HV/properties/pagesize: missing"
fi
h_changeset=$(readf "$HV/properties/changeset") && [ -n "$h_changeset" ] ||
	miss changeset "$HV/properties/changeset: missing or empty"

printf '{"type":%s,"version":%s,"major":%s,"minor":%s,"extra":%s,"guest_type":%s,"dom0":%s,"dom0_source":%s,"capabilities":%s,"changeset":%s,"pagesize":%s,"unavailable":{%s}}\n' \
	"$(jstr "$h_type")" "$(jstr "$h_version")" "$(jnum "$h_major")" "$(jnum "$h_minor")" \
	"$(jstr "$h_extra")" "$(jstr "$h_gtype")" "$(jbool "$h_dom0")" "$(jstr "$h_dom0_src")" \
	"$(jstr "$h_caps")" "$(jstr "$h_changeset")" "$(jnum "$h_pagesize")" "$una"
exit $rc
