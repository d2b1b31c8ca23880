#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# First boot of the re-provisioning test (reprovision.sh), as the storage
# host: stored holds on a virtio disk, an NVMe namespace and a partition
# of a SCSI disk, into the store on the share. KTAP on stdout.
set -u
place_prefix="host: "
. "$(dirname "$0")/place-lib.sh"

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
