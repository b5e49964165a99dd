#!/usr/bin/env bash
# irq-affinity.sh: steer device interrupts away from l0d's cores.
#
# Usage: irq-affinity.sh --cores LIST [--match REGEX] [--apply] [--root DIR]
#
# An interrupt handled on an actor's core stalls the request running there:
# a tail latency spike. This computes the mask of every CPU NOT in LIST
# (default $L0_POOL_CORES; any number of CPUs, counted from /proc/interrupts)
# and sets /proc/irq/N/smp_affinity of each interrupt listed in
# /proc/interrupts (only those whose line matches REGEX, e.g. 'eth0|mlx5', when
# given) and /proc/irq/default_smp_affinity for interrupts registered later.
# Interrupts the kernel will not move (per-CPU timers, managed queues) are
# reported as "cannot". When /etc/default/irqbalance exists it also bans LIST
# there (IRQBALANCE_BANNED_CPULIST), or irqbalance would undo this. Nothing
# persists across reboots: use irqaffinity= (cpu-isolation.sh) for that, or run
# this from a oneshot unit at boot.

L0_SCRIPT="irq-affinity"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

match=""
while [ $# -gt 0 ]; do
	case "$1" in
	--match)
		[ $# -ge 2 ] || l0_die "--match needs a regular expression"
		match="$2"
		shift 2
		;;
	*)
		l0_common_arg "$@"
		shift "$L0_SHIFT"
		;;
	esac
done

ncpu=$(l0_ncpus)
cores_txt=$(l0_service_cores)
mapfile -t cores <<<"$cores_txt"
others_txt=$(l0_housekeeping "${cores[@]}")
[ -n "$others_txt" ] || l0_die "--cores ${L0_CORES_ARG} names every CPU: interrupts need at least one other CPU"
mapfile -t others <<<"$others_txt"
mask=$(l0_mask "$ncpu" "${others[@]}")
want=$(l0_mask_norm "$mask")
list=$(l0_format_cpulist "${cores[@]}")
l0_say info "$ncpu CPUs; service cores $list; interrupts go to $(l0_format_cpulist "${others[@]}") (mask $mask)"

# set_affinity FILE DESC: make FILE hold the mask.
set_affinity() {
	local f="$1" desc="$2" cur
	if [ ! -e "$f" ]; then
		l0_say cannot "$desc: no $f"
		return
	fi
	cur=$(cat "$f" 2>/dev/null || echo "?")
	if [ "$(l0_mask_norm "$cur")" = "$want" ]; then
		l0_say ok "$desc: already $cur"
		return
	fi
	if ! l0_applying; then
		l0_say would "$desc: $cur -> $mask"
		L0_CHANGES=$((L0_CHANGES + 1))
		return
	fi
	if (printf '%s\n' "$mask" >"$f") 2>/dev/null; then
		l0_say changed "$desc: $cur -> $mask"
		L0_CHANGES=$((L0_CHANGES + 1))
	else
		l0_say cannot "$desc: the kernel refused $mask (per-CPU or managed interrupt)"
	fi
}

interrupts=$(l0_path /proc/interrupts)
[ -r "$interrupts" ] || l0_die "cannot read $interrupts"
while IFS= read -r row; do
	[[ "$row" =~ ^[[:space:]]*([0-9]+):(.*)$ ]] || continue
	irq=${BASH_REMATCH[1]}
	rest=${BASH_REMATCH[2]}
	if [ -n "$match" ] && ! [[ "$rest" =~ $match ]]; then
		continue
	fi
	# The description: what follows the per-CPU counts.
	desc=$(printf '%s' "$rest" | awk -v n="$ncpu" '{ s = ""; for (i = n + 1; i <= NF; i++) s = s (s == "" ? "" : " ") $i; print s }')
	set_affinity "$(l0_path "/proc/irq/$irq/smp_affinity")" "irq $irq (${desc:-?})"
done <"$interrupts"
set_affinity "$(l0_path /proc/irq/default_smp_affinity)" "default for new interrupts"

irqbalance=$(l0_path /etc/default/irqbalance)
if [ -f "$irqbalance" ]; then
	line="IRQBALANCE_BANNED_CPULIST=$list"
	if grep -qx "$line" "$irqbalance"; then
		l0_say ok "$irqbalance already has $line"
	elif l0_applying; then
		{ grep -v '^IRQBALANCE_BANNED_CPULIST=' "$irqbalance" || true; printf '%s\n' "$line"; } >"$irqbalance.l0d-tmp"
		mv -f "$irqbalance.l0d-tmp" "$irqbalance"
		l0_say changed "$irqbalance: $line (restart irqbalance)"
		L0_CHANGES=$((L0_CHANGES + 1))
	else
		l0_say would "$irqbalance: set $line, then restart irqbalance"
		L0_CHANGES=$((L0_CHANGES + 1))
	fi
fi
l0_summary
