#!/usr/bin/env bash
# limits.sh: install the open-file limits of 99-l0d-limits.conf.
#
# Usage: limits.sh [--apply] [--root DIR]
#
# Installs ops/host/99-l0d-limits.conf as
# /etc/security/limits.d/99-l0d-limits.conf (read by pam_limits at the next
# login) and reports the current shell's limit. l0d under systemd does not
# need it: the unit sets LimitNOFILE.

L0_SCRIPT="limits"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

while [ $# -gt 0 ]; do
	l0_common_arg "$@"
	shift "$L0_SHIFT"
done

conf="$(dirname "$0")/99-l0d-limits.conf"
[ -r "$conf" ] || l0_die "cannot read $conf"
want=$(awk '$1 == "*" && $2 == "soft" && $3 == "nofile" { print $4 }' "$conf")
l0_say info "this shell: nofile soft $(ulimit -Sn), hard $(ulimit -Hn); wanted after login: $want"
l0_write_file "$(l0_path /etc/security/limits.d/99-l0d-limits.conf)" "$(cat "$conf")" "open-file limits"
l0_summary
