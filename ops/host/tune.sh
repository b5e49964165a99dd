#!/usr/bin/env bash
# tune.sh: every host tuning step for l0d, in order, with the same flags.
#
# Usage: tune.sh --cores LIST [--apply] [--root DIR]
#
# Runs cpu-isolation.sh, irq-affinity.sh, governor.sh, sysctl.sh and
# limits.sh (see each for what and why). Dry run by default, like each of
# them; stops at the first that fails.

set -euo pipefail
dir=$(dirname "$0")
for step in cpu-isolation irq-affinity governor sysctl limits; do
	printf '== %s\n' "$step"
	"$dir/$step.sh" "$@"
done
