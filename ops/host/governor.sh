#!/usr/bin/env bash
# governor.sh: run l0d's cores at full clock (the "performance" governor).
#
# Usage: governor.sh [--cores LIST] [--governor NAME] [--apply] [--root DIR]
#
# A core that clocks down between requests needs time to ramp up again, and
# that time lands in the latency of the next request. This sets
# /sys/devices/system/cpu/cpuN/cpufreq/scaling_governor to NAME (default
# performance) on the cores of LIST (default: $L0_POOL_CORES, else every CPU).
# Hosts without cpufreq (most VMs) have nothing to change. The setting does not
# survive a reboot: add cpufreq.default_governor=performance to the kernel
# command line (Linux >= 5.9) or run this from a oneshot unit at boot.

L0_SCRIPT="governor"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

governor=performance
while [ $# -gt 0 ]; do
	case "$1" in
	--governor)
		[ $# -ge 2 ] || l0_die "--governor needs a name"
		governor="$2"
		shift 2
		;;
	*)
		l0_common_arg "$@"
		shift "$L0_SHIFT"
		;;
	esac
done

if [ -n "$L0_CORES_ARG" ]; then
	cores_txt=$(l0_service_cores)
else
	n=$(l0_ncpus)
	cores_txt=$(seq 0 $((n - 1)))
fi
mapfile -t cores <<<"$cores_txt"

seen=0
for c in "${cores[@]}"; do
	dir=$(l0_path "/sys/devices/system/cpu/cpu$c/cpufreq")
	f="$dir/scaling_governor"
	[ -e "$f" ] || continue
	seen=$((seen + 1))
	cur=$(cat "$f")
	if [ "$cur" = "$governor" ]; then
		l0_say ok "cpu$c: governor already $governor"
		continue
	fi
	if [ -r "$dir/scaling_available_governors" ] &&
		! grep -qw -- "$governor" "$dir/scaling_available_governors"; then
		l0_say cannot "cpu$c: governor $governor not offered ($(cat "$dir/scaling_available_governors"))"
		continue
	fi
	L0_CHANGES=$((L0_CHANGES + 1))
	if ! l0_applying; then
		l0_say would "cpu$c: governor $cur -> $governor"
	elif (printf '%s\n' "$governor" >"$f") 2>/dev/null; then
		l0_say changed "cpu$c: governor $cur -> $governor"
	else
		L0_CHANGES=$((L0_CHANGES - 1))
		l0_say cannot "cpu$c: the kernel refused governor $governor"
	fi
done
if [ "$seen" -eq 0 ]; then
	l0_say ok "no cpufreq governors on this host (a VM, or no frequency scaling driver): nothing to do"
fi
l0_summary
