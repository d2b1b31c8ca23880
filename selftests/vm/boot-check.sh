#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Second boot of the boot path test (boot-path.sh), in Debian's initramfs
# as an init-top script after udev: the earliest a normal system writes.
# Tries dd, wipefs and blkdiscard on every disk and partition, reports KTAP
# on ttyS1 and powers off; the
# host then compares the disks' bytes. Installed by boot-path.sh's hook.
PREREQ="udev"
prereqs() { echo "$PREREQ"; }
case $1 in
prereqs) prereqs; exit 0 ;;
esac

exec >/dev/ttyS1 2>&1
udevadm settle --timeout=60
n=0
report() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n boot 2: $2"; else echo "not ok $n boot 2: $2"; fi
}
echo "TAP version 13"
[ -d /sys/module/blkhold ]
report $? "blkhold is loaded in the initramfs"
grep -q '^blkhold ' /proc/modules && grep -E '^(virtio_blk|nvme_core) ' /proc/modules >/dev/null
report $? "... and the disk drivers too"
for d in /sys/block/vd* /sys/block/nvme*n1; do
	[ -e "$d" ] || continue
	for node in /dev/${d##*/} /dev/${d##*/}p*; do
		[ -b "$node" ] || continue
		/usr/bin/dd if=/dev/urandom of="$node" bs=4096 count=16 oflag=direct conv=notrunc 2>/dev/null
		/usr/sbin/wipefs -a -f "$node" >/dev/null 2>&1
		/usr/sbin/blkdiscard -f "$node" >/dev/null 2>&1
	done
done
dmesg | grep -q "has stored holds: held before it can be opened"
report $? "the kernel held the disks as they were added"
echo "1..$n"
printf "\n# blkhold-vm: exit 0\n"
sync
poweroff -f
