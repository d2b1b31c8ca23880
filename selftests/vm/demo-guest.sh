#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo's script inside the VM: every command is shown with its output.
set -u
project=$(cd "$(dirname "$0")/../.." && pwd)
export PATH=$project/userspace:$PATH
# The host's /etc is read-only in the VM: the store goes to scratch space.
export BLKHOLD_STATE_DIR=/tmp/blkhold-store
modprobe -a virtio_blk ext4 2>/dev/null
sleep 1
insmod "$project/build/$(uname -r)/module/blkhold.ko" || exit 1
disk=
for d in /sys/block/vd*; do
	[ "$(cat "$d/serial")" = bh-virtio-a ] && disk=/dev/${d##*/}
done
[ -n "$disk" ] || { echo "no demo disk"; exit 1; }

show() {
	printf '\n#'
	printf ' %q' "$@"
	printf '\n'
	"$@" 2>&1
	printf '[exit %d]\n' $?
}
sum() { dd if="$disk" bs=1M iflag=direct status=none | sha256sum | cut -c1-16; }

echo "blkhold demo on kernel $(uname -r), disk $disk"
show mkfs.ext4 -q -F -L evidence "$disk"
before=$(sum)
echo "sha256 of $disk before the hold: $before..."
show blkhold hold "$disk" --name CASE-2024-17 --reason "Smith v. Jones"
show blkdiscard -f "$disk"
show blkdiscard -f -z "$disk"
show dd if=/dev/zero of="$disk" bs=1M count=8 oflag=direct
show dd if=/dev/zero of="$disk" bs=1M count=8
show mkfs.ext4 -F "$disk"
show wipefs -a "$disk"
show blockdev --setrw "$disk"
show mount "$disk" /mnt
show findmnt -no SOURCE,OPTIONS /mnt
umount /mnt
after=$(sum)
echo
echo "sha256 of $disk after the attacks: $after... ($([ "$before" = "$after" ] && echo unchanged || echo CHANGED))"
show blkhold status "$disk"
show blkhold list
printf '\n# dmesg | grep blkhold | tail -n 4\n'
dmesg | grep blkhold | tail -n 4 | cut -c16-
show blkhold release "$disk" --name CASE-2024-17 --reason "case closed"
show blkdiscard -f "$disk"
echo "sha256 of $disk after release and discard: $(sum)..."
[ "$before" = "$after" ]
