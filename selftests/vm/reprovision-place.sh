#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# First boot of the re-provisioning test (reprovision.sh), as the storage
# host: stored holds on a virtio disk, an NVMe namespace and a partition
# of a SCSI disk, into the store on the share. KTAP on stdout.
set -u
project=$(cd "$(dirname "$0")/../.." && pwd)
blkhold="$project/userspace/blkhold --state-dir /mnt/state"
n=0 failed=0
check() {
	local what=$1; shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n host: $what"
	else
		echo "not ok $n host: $what"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=1
	fi
}
# The node of the disk whose identity ends in @1.
by_identity() {
	local d id
	for d in /sys/block/*; do
		for id in serial wwid device/wwid; do
			id=$(cat "$d/$id" 2>/dev/null) || continue
			case $id in *"$1") echo "/dev/${d##*/}"; return 0 ;; esac
		done
	done
	return 1
}

# The namespace of the NVMe controller with serial @1.
by_nvme_serial() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ "$(tr -d ' ' <"$c/serial" 2>/dev/null)" = "$1" ] && echo "/dev/${c##*/}n1" && return 0
	done
	return 1
}

echo "TAP version 13"
modprobe -a virtio_blk nvme virtio_scsi sd_mod
insmod "$project/build/$(uname -r)/module/blkhold.ko"
for _ in $(seq 1 200); do
	s=$(by_identity 5000c500a1b2c3d4) && [ -e "${s}2" ] && [ -e "$(by_nvme_serial bh-rp-n)" ] && break
	sleep 0.1
done
check "stored hold on the virtio disk" $blkhold hold "$(by_identity bh-rp-a)" --name CASE-A --reason "Smith v. Jones"
check "stored hold on the NVMe namespace" $blkhold hold "$(by_nvme_serial bh-rp-n)" --name CASE-N
check "stored hold on partition 1 of the SCSI disk" $blkhold hold "$(by_identity 5000c500a1b2c3d4)1" --name CASE-S1
check "the store verifies" $blkhold verify --initramfs none
echo "1..$n"
exit $failed
