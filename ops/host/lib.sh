# shellcheck shell=bash disable=SC2034
# Shared helpers of the l0d host tuning scripts (sourced, not run).
#
# Every script is idempotent and changes nothing unless given --apply: by
# default it prints what it would change ("would: ..."), what is already as
# wanted ("ok: ...") and what it cannot change ("cannot: ..."). With --apply it
# prints "changed: ..." for each change it made.
#
# L0_HOST_ROOT (or --root DIR) prefixes every /proc, /sys and /etc path, so the
# scripts can be pointed at a copy of a host's files (the tests do that).

set -euo pipefail
shopt -s inherit_errexit

L0_MODE=dry-run
L0_ROOT="${L0_HOST_ROOT:-}"
L0_CORES_ARG="${L0_POOL_CORES:-}"
L0_CHANGES=0
L0_SHIFT=0

# l0_die MSG: print MSG on stderr and exit 2 (usage or environment error).
l0_die() {
	printf '%s: %s\n' "${L0_SCRIPT:-l0-host}" "$1" >&2
	exit 2
}

# l0_say KIND MSG: one line of the report.
l0_say() {
	printf '%s: %s\n' "$1" "$2"
}

# l0_common_arg ARG [VALUE]: handle a flag every script takes and set
# L0_SHIFT to the number of arguments it used; dies on an unknown flag.
l0_common_arg() {
	case "$1" in
	--apply) L0_MODE=apply; L0_SHIFT=1 ;;
	--dry-run) L0_MODE=dry-run; L0_SHIFT=1 ;;
	--root)
		[ $# -ge 2 ] || l0_die "--root needs a directory"
		L0_ROOT="$2"; L0_SHIFT=2 ;;
	--cores)
		[ $# -ge 2 ] || l0_die "--cores needs a CPU list such as 2-5 or 2,3"
		L0_CORES_ARG="$2"; L0_SHIFT=2 ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
		exit 0 ;;
	*) l0_die "unknown argument '$1' (--help lists them)" ;;
	esac
}

# l0_path P: P (absolute) under the configured root.
l0_path() {
	printf '%s%s' "$L0_ROOT" "$1"
}

# l0_applying: true when --apply was given.
l0_applying() {
	[ "$L0_MODE" = apply ]
}

# l0_parse_cpulist LIST: the CPUs of a list like "2-5,7" or "0,1,1", one per
# line, sorted, without duplicates. Dies on a malformed list.
l0_parse_cpulist() {
	local list="$1" part lo hi c
	[ -n "$list" ] || l0_die "empty CPU list"
	{
		IFS=',' read -r -a parts <<<"$list"
		for part in "${parts[@]}"; do
			part="${part// /}"
			if [[ "$part" =~ ^([0-9]+)-([0-9]+)$ ]]; then
				lo=$((10#${BASH_REMATCH[1]})); hi=$((10#${BASH_REMATCH[2]}))
				[ "$lo" -le "$hi" ] || l0_die "bad CPU range $part"
				for ((c = lo; c <= hi; c++)); do echo "$c"; done
			elif [[ "$part" =~ ^[0-9]+$ ]]; then
				echo $((10#$part))
			else
				l0_die "bad CPU list entry '$part' in '$list'"
			fi
		done
	} | sort -n -u
}

# l0_format_cpulist CPU...: the compact list form ("2-5,7") of sorted CPUs.
l0_format_cpulist() {
	local out="" start="" prev="" c
	for c in "$@"; do
		if [ -z "$start" ]; then
			start=$c
		elif [ "$c" -ne $((prev + 1)) ]; then
			out+="${out:+,}$(l0_range "$start" "$prev")"
			start=$c
		fi
		prev=$c
	done
	[ -z "$start" ] || out+="${out:+,}$(l0_range "$start" "$prev")"
	printf '%s' "$out"
}

l0_range() {
	if [ "$1" -eq "$2" ]; then printf '%s' "$1"; else printf '%s-%s' "$1" "$2"; fi
}

# l0_ncpus: the number of CPUs, counted from the header of /proc/interrupts
# (one CPUn column per possible CPU), else from /sys/.../cpu/possible.
l0_ncpus() {
	local f n
	f="$(l0_path /proc/interrupts)"
	if [ -r "$f" ]; then
		n=$(head -n 1 "$f" | tr -s ' \t' '\n' | grep -c '^CPU[0-9][0-9]*$' || true)
		if [ "$n" -gt 0 ]; then echo "$n"; return; fi
	fi
	f="$(l0_path /sys/devices/system/cpu/possible)"
	if [ -r "$f" ]; then
		n=$(l0_parse_cpulist "$(cat "$f")" | tail -n 1)
		echo $((n + 1)); return
	fi
	l0_die "cannot count CPUs: neither $(l0_path /proc/interrupts) nor $f is readable"
}

# l0_mask NCPUS CPU...: the kernel's hex CPU mask of the CPUs (comma-separated
# 32-bit groups, most significant first), for NCPUS CPUs.
l0_mask() {
	local n="$1" groups g c val out=""
	shift
	groups=$(((n + 31) / 32))
	for ((g = groups - 1; g >= 0; g--)); do
		val=0
		for c in "$@"; do
			if [ $((c / 32)) -eq "$g" ]; then val=$((val | (1 << (c % 32)))); fi
		done
		out+="${out:+,}$(printf '%08x' "$val")"
	done
	printf '%s' "$out"
}

# l0_mask_norm MASK: MASK without commas and leading zeros, lower case, so
# that masks printed with different widths compare equal.
l0_mask_norm() {
	local m
	m="$(printf '%s' "$1" | tr -d ', \n' | tr 'A-F' 'a-f' | sed 's/^0*//')"
	printf '%s' "${m:-0}"
}

# l0_service_cores: the service's CPUs (from --cores or L0_POOL_CORES), one
# per line; dies when none were given or one is beyond the host's CPUs.
l0_service_cores() {
	local n c list
	[ -n "$L0_CORES_ARG" ] || l0_die "give the service's cores: --cores LIST or L0_POOL_CORES=LIST (as in the unit)"
	n=$(l0_ncpus)
	list=$(l0_parse_cpulist "$L0_CORES_ARG")
	for c in $list; do
		[ "$c" -lt "$n" ] || l0_die "CPU $c of '$L0_CORES_ARG' does not exist: this host has $n CPUs (0-$((n - 1)))"
		echo "$c"
	done
}

# l0_housekeeping CORE...: every CPU of the host not in CORE..., one per line.
l0_housekeeping() {
	local n c s skip
	n=$(l0_ncpus)
	for ((c = 0; c < n; c++)); do
		skip=0
		for s in "$@"; do if [ "$s" -eq "$c" ]; then skip=1; fi; done
		[ "$skip" -eq 1 ] || echo "$c"
	done
}

# l0_write_file PATH CONTENT DESC: make PATH hold CONTENT (plus a newline).
l0_write_file() {
	local path="$1" content="$2" desc="$3"
	if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then
		l0_say ok "$desc: $path already up to date"
		return
	fi
	if l0_applying; then
		mkdir -p "$(dirname "$path")"
		printf '%s\n' "$content" >"$path.l0d-tmp"
		mv -f "$path.l0d-tmp" "$path"
		l0_say changed "$desc: wrote $path"
	else
		l0_say would "$desc: write $path"
	fi
	L0_CHANGES=$((L0_CHANGES + 1))
}

# l0_summary: the last line of every script's report.
l0_summary() {
	if l0_applying; then
		l0_say summary "$L0_SCRIPT: $L0_CHANGES change(s) applied"
	else
		l0_say summary "$L0_SCRIPT: $L0_CHANGES change(s) to make (dry run; --apply to make them)"
	fi
}
