#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# First boot of the boot path test (boot-path.sh), in the test VM: place
# stored holds, with the store on the share that the second boot's
# initramfs is built from. KTAP on stdout.
set -u
place_prefix="boot 1: "
. "$(dirname "$0")/place-lib.sh"

echo "TAP version 13"
modprobe -a virtio_blk nvme
insmod "$project/build/$(uname -r)/module/blkhold.ko"
for _ in $(seq 1 100); do
	by_identity bh-boot-a >/dev/null && [ -e "$(by_nvme_serial bh-boot-c)p1" ] && break
	sleep 0.1
done
a=$(by_identity bh-boot-a)
c=$(by_nvme_serial bh-boot-c)
check "stored hold on the virtio disk $a" $blkhold hold "$a" --name CASE-A
check "stored hold on partition ${c}p1 of the NVMe disk" $blkhold hold "${c}p1" --name CASE-C1
# An LV-like dm volume on sectors 4096-8191 of disk b, under a uuid as LVM
# gives one: its range on b is stored, bound to b's identity.
b=$(by_identity bh-boot-b)
modprobe dm_mod
export DM_DISABLE_UDEV=1
check "a dm volume on $b" dmsetup create --noudevsync bh-boot-lv --uuid BLKHOLD-BOOT-LV \
	--table "0 4096 linear $(cat /sys/block/${b#/dev/}/dev) 4096"
dmsetup mknodes bh-boot-lv
check "stored hold on the dm volume" $blkhold hold /dev/mapper/bh-boot-lv --name CASE-LV
check "the store verifies" $blkhold verify --initramfs none
echo "1..$n"
exit $failed
