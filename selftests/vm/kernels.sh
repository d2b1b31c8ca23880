#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the supported kernels here, oldest first, one release per line:
# Debian 12's 6.1 (linux-image-amd64) and 6.12, newest of each series
# installed on this host, and the other releases' kernels that
# kernel-store.sh fetched. BLKHOLD_KERNELS overrides the list.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${BLKHOLD_KERNELS:-}" ]; then
	printf '%s\n' $BLKHOLD_KERNELS
	exit 0
fi
{
	for series in 6.1 6.12; do
		for d in /lib/modules/"$series".*-amd64; do
			[ -e "$d/build/Makefile" ] && [ -e "/boot/vmlinuz-${d##*/}" ] && echo "${d##*/}"
		done | sort -V | tail -n 1
	done
	"$here/kernel-store.sh" list
} | sort -V
