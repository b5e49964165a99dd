#!/usr/bin/env bash
# sysctl.sh: install and apply the kernel settings of 99-l0d.sysctl.conf.
#
# Usage: sysctl.sh [--apply] [--root DIR]
#
# Compares each key of ops/host/99-l0d.sysctl.conf (each is commented with why
# it is there) with the running value under /proc/sys and with the installed
# /etc/sysctl.d/99-l0d.conf. With --apply it writes the differing values and
# installs the file, so they persist across reboots.

L0_SCRIPT="sysctl"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

while [ $# -gt 0 ]; do
	l0_common_arg "$@"
	shift "$L0_SHIFT"
done

conf="$(dirname "$0")/99-l0d.sysctl.conf"
[ -r "$conf" ] || l0_die "cannot read $conf"

while IFS= read -r row; do
	[[ "$row" =~ ^[[:space:]]*(#|$) ]] && continue
	[[ "$row" =~ ^[[:space:]]*([a-z0-9_.-]+)[[:space:]]*=[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]] ||
		l0_die "$conf: cannot parse '$row'"
	key=${BASH_REMATCH[1]}
	val=${BASH_REMATCH[2]}
	f=$(l0_path "/proc/sys/${key//.//}")
	if [ ! -e "$f" ]; then
		l0_say cannot "$key: no $f on this kernel"
		continue
	fi
	cur=$(tr -s ' \t' ' ' <"$f")
	want=$(printf '%s' "$val" | tr -s ' \t' ' ')
	if [ "$cur" = "$want" ]; then
		l0_say ok "$key = $cur"
		continue
	fi
	L0_CHANGES=$((L0_CHANGES + 1))
	if ! l0_applying; then
		l0_say would "$key: $cur -> $want"
	elif (printf '%s\n' "$want" >"$f") 2>/dev/null; then
		l0_say changed "$key: $cur -> $want"
	else
		L0_CHANGES=$((L0_CHANGES - 1))
		l0_say cannot "$key: the kernel refused $want (not root, or a read-only /proc/sys in a container)"
	fi
done <"$conf"

l0_write_file "$(l0_path /etc/sysctl.d/99-l0d.conf)" "$(cat "$conf")" "persistent settings"
l0_summary
