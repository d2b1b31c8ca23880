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
		/usr/bin/dd if=/dev/urandom of="$node" bs=4096 count=16 seek=512 oflag=direct conv=notrunc 2>/dev/null
		/usr/sbin/wipefs -a -f "$node" >/dev/null 2>&1
		/usr/sbin/blkdiscard -f "$node" >/dev/null 2>&1
	done
done
dmesg | grep -q "has stored holds: held before it can be opened"
report $? "the kernel held the disks as they were added"

# The dm volume comes back, as LVM would activate it; the udev rule in the
# initramfs holds it again.
for d in /sys/block/vd*; do
	[ "$(cat "$d/serial")" = bh-boot-b ] && b=$d
done
DM_DISABLE_UDEV=1 /usr/sbin/dmsetup create bh-boot-lv --uuid BLKHOLD-BOOT-LV \
	--table "0 4096 linear $(cat "$b/dev") 4096"
report $? "the dm volume is made again on ${b##*/}"
held=
for _ in $(seq 1 100); do
	udevadm settle --timeout=10
	held=$(@SBINDIR@/blkhold status /dev/dm-0 2>&1)
	case $held in *"hold 'CASE-LV'"*) break ;; esac
	sleep 0.2
done
case $held in *"hold 'CASE-LV'"*) true ;; *) false ;; esac
report $? "the udev rule held it again (restore)"
case $held in *"beneath, stored: serial=bh-boot-b sectors 4096-8191"*) true ;; *) false ;; esac
report $? "its stored range beneath is shown"
/usr/bin/dd if=/dev/urandom of=/dev/dm-0 bs=4096 count=1 oflag=direct conv=notrunc 2>/dev/null
report $((!$?)) "a write to it is refused"
DM_DISABLE_UDEV=1 /usr/sbin/dmsetup remove bh-boot-lv 2>/dev/null
report $((!$?)) "its map is frozen: dmsetup remove is refused"
echo "1..$n"
printf "\n# blkhold-vm: exit 0\n"
sync
poweroff -f
