#!/usr/bin/env bash
# cpu-isolation.sh: keep the kernel's own work off the cores l0d's actors use.
#
# Usage: cpu-isolation.sh --cores LIST [--apply] [--root DIR]
#
# Prints the kernel command line parameters for the service's cores LIST
# (default $L0_POOL_CORES):
#   isolcpus=managed_irq,domain,LIST  no scheduler load balancing onto LIST
#                                     and no managed device IRQs there
#   nohz_full=LIST                    no periodic tick while one task runs
#   rcu_nocbs=LIST                    RCU callbacks run on the other CPUs
#   irqaffinity=OTHERS                boot-time default IRQ affinity
# and how GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub would change. With
# --apply it rewrites that line (a backup goes to /etc/default/grub.l0d-bak)
# and runs update-grub when operating on the real root; a reboot makes the
# change effective. Running it twice changes nothing the second time.

L0_SCRIPT="cpu-isolation"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

while [ $# -gt 0 ]; do
	l0_common_arg "$@"
	shift "$L0_SHIFT"
done

cores_txt=$(l0_service_cores)
mapfile -t cores <<<"$cores_txt"
others_txt=$(l0_housekeeping "${cores[@]}")
others=()
[ -z "$others_txt" ] || mapfile -t others <<<"$others_txt"
[ "${#others[@]}" -gt 0 ] || l0_die "--cores ${L0_CORES_ARG} names every CPU: leave at least one for the kernel, the proxy and the event loop"
list=$(l0_format_cpulist "${cores[@]}")
hk=$(l0_format_cpulist "${others[@]}")
for c in "${cores[@]}"; do
	if [ "$c" -eq 0 ]; then
		l0_say warning "CPU 0 is in the list: it usually takes timer and boot-time IRQs; prefer other cores"
	fi
done

params=("isolcpus=managed_irq,domain,$list" "nohz_full=$list" "rcu_nocbs=$list" "irqaffinity=$hk")
l0_say advice "kernel parameters for service cores $list (housekeeping $hk): ${params[*]}"
l0_say advice "run l0d on them: L0_POOL_CORES=$list and CPUAffinity=${list//,/ } in the unit (ranges allowed)"

# What the running kernel was booted with.
cmdline_file=$(l0_path /proc/cmdline)
if [ -r "$cmdline_file" ]; then
	booted=$(cat "$cmdline_file")
	missing=()
	for p in "${params[@]}"; do
		case " $booted " in *" $p "*) ;; *) missing+=("$p") ;; esac
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		l0_say ok "the running kernel was booted with all of them"
	else
		l0_say info "the running kernel lacks: ${missing[*]}"
	fi
fi

# The persistent setting: GRUB_CMDLINE_LINUX_DEFAULT.
grub=$(l0_path /etc/default/grub)
if [ ! -f "$grub" ]; then
	l0_say cannot "no $grub: add to your boot loader's kernel command line: ${params[*]}"
	l0_summary
	exit 0
fi
line=$(grep -E '^GRUB_CMDLINE_LINUX_DEFAULT=' "$grub" | tail -n 1 || true)
value=${line#GRUB_CMDLINE_LINUX_DEFAULT=}
value=${value#\"}
value=${value%\"}
kept=()
for w in $value; do
	case "$w" in
	isolcpus=* | nohz_full=* | rcu_nocbs=* | irqaffinity=*) ;;
	*) kept+=("$w") ;;
	esac
done
new="${kept[*]}${kept[*]:+ }${params[*]}"
newline="GRUB_CMDLINE_LINUX_DEFAULT=\"$new\""
if [ "$line" = "$newline" ]; then
	l0_say ok "$grub already has: $newline"
	l0_summary
	exit 0
fi
L0_CHANGES=$((L0_CHANGES + 1))
if ! l0_applying; then
	l0_say would "edit $grub: ${line:-(no GRUB_CMDLINE_LINUX_DEFAULT line)} -> $newline"
	l0_say would "then run update-grub (or grub2-mkconfig -o /boot/grub2/grub.cfg) and reboot"
	l0_summary
	exit 0
fi
[ -f "$grub.l0d-bak" ] || cp -p "$grub" "$grub.l0d-bak"
tmp="$grub.l0d-tmp"
if [ -n "$line" ]; then
	awk -v nl="$newline" '/^GRUB_CMDLINE_LINUX_DEFAULT=/ { print nl; next } { print }' "$grub" >"$tmp"
else
	{ cat "$grub"; printf '%s\n' "$newline"; } >"$tmp"
fi
mv -f "$tmp" "$grub"
l0_say changed "edited $grub (backup $grub.l0d-bak): $newline"
if [ -z "$L0_ROOT" ] && command -v update-grub >/dev/null 2>&1; then
	update-grub
	l0_say changed "ran update-grub; reboot to boot with the new parameters"
else
	l0_say advice "run update-grub (or grub2-mkconfig -o /boot/grub2/grub.cfg) and reboot"
fi
l0_summary
