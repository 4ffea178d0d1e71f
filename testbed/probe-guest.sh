# Probe guest script for `bouncelab lab --guest-script testbed/probe-guest.sh`
# (run by busybox sh inside the testbed guest). It measures nothing: it prints
# one result document (JSON, one line) describing the boot itself, so the
# testbed can be checked without gembench: kernel release and /proc/cmdline,
# the SWIOTLB pool the guest really got (debugfs swiotlb/, null when a file
# is absent: never 0), the DRM devices and which modules loaded.
# Its status is "skipped" (the contract's word for a run that measured
# nothing). Exit 0 always: a missing device is data here, not a failure.

esc() { # JSON string body: escape backslashes, quotes and control bytes
	printf '%s' "$1" | tr '\n\t\r' '   ' | sed 's/\\/\\\\/g; s/"/\\"/g'
}
num_or_null() { # file: its first word when numeric, else null
	v=$(cat "$1" 2>/dev/null | head -n 1)
	case "$v" in ''|*[!0-9]*) echo null ;; *) echo "$v" ;; esac
}
cmdline=$(cat /proc/cmdline)
swiotlb=default
case " $cmdline " in
*" swiotlb=noforce "*|*" swiotlb="*",noforce "*) swiotlb=noforce ;;
*" swiotlb=force "*|*" swiotlb="*",force "*) swiotlb=force ;;
esac
iommu=off
case " $cmdline " in *" intel_iommu=on "*) iommu=on ;; esac
case " $cmdline " in *" iommu=pt "*) iommu=pt ;; esac
d=/sys/kernel/debug/swiotlb
files=""
for f in $(ls "$d" 2>/dev/null); do files="$files${files:+,}\"$(esc "$f")\""; done
cards=""
for c in /sys/class/drm/card[0-9]*; do
	[ -e "$c/device/driver" ] || continue
	drv=$(basename "$(readlink "$c/device/driver")")
	cards="$cards${cards:+,}{\"node\":\"/dev/dri/$(basename "$c")\",\"driver\":\"$(esc "$drv")\"}"
done
groups=$(ls /sys/kernel/iommu_groups 2>/dev/null | wc -l)
mods=$(cut -d' ' -f1 /proc/modules | tr '\n' ' ')
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '{"format":1,"run_id":"%s","status":"skipped","error":"probe guest script: reports the boot, measures nothing",' "$(cat /proc/sys/kernel/random/uuid)"
printf '"tool":{"name":"probe-guest","version":"1"},"started_at":"%s","finished_at":"%s",' "$now" "$now"
printf '"host":{"hostname":"%s","cpu":"%s","mem_bytes":%s},' "$(esc "$(hostname)")" \
	"$(esc "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)")" \
	"$(( $(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) * 1024 ))"
printf '"kernel":{"release":"%s","version":"%s","cmdline":"%s"},' \
	"$(esc "$(uname -r)")" "$(esc "$(uname -v)")" "$(esc "$cmdline")"
printf '"dma":{"swiotlb":"%s","swiotlb_slabs":%s,"iommu":"%s","swiotlb_debugfs":[%s],"io_tlb_used":%s},' \
	"$swiotlb" "$(num_or_null $d/io_tlb_nslabs)" "$iommu" "$files" "$(num_or_null $d/io_tlb_used)"
printf '"device":null,"importer":null,"drm_cards":[%s],"iommu_groups":%s,"modules":"%s",' "$cards" "$groups" "$(esc "$mods")"
printf '"job":{"name":"probe","backend":"none","workload":"probe","params":{}},"results":[]}\n'
exit 0
