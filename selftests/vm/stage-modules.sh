#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Copy kernel modules, with what they depend on, into an initramfs's
# staging directory, numbered in the order they must be loaded
# (modprobe prints the insmod lines in dependency order; builtins are
# skipped). Run it where /lib/modules/RELEASE is that kernel's: a kernel of
# another release's root through kernel-store.sh run.
#
# usage: stage-modules.sh RELEASE DIR MODULE...
set -euo pipefail
rel=$1 dir=$2
shift 2
mkdir -p "$dir"
n=0
modprobe -S "$rel" --show-depends -a "$@" |
	awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
	while read -r ko; do
		n=$((n + 1))
		dst=$(printf '%s/%02d-%s' "$dir" "$n" "$(basename "${ko%.xz}")")
		case $ko in
		*.xz) xz -dc "$ko" >"$dst" ;;
		*) cp "$ko" "$dst" ;;
		esac
	done
