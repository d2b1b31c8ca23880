#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The provider's wipe step of the re-provisioning test (reprovision.sh),
# as a wipe image runs it: every tool of the arsenal on every disk and
# partition, each failure let be (a held one refuses them).
for d in /sys/block/*; do
	case ${d##*/} in loop* | ram* | zram* | dm-* | md* | sr* | fd*) continue ;; esac
	disk=/dev/${d##*/}
	# the partitions first: wiping the disk's table takes their nodes away
	for node in $(ls -d "$d"/"${d##*/}"*/ 2>/dev/null | sed 's|/$||; s|.*/|/dev/|') "$disk"; do
		blkdiscard -f "$node"
		wipefs -a "$node"
		dd if=/dev/zero of="$node" bs=1M oflag=direct conv=fsync 2>&1 | tail -n 1
	done
	sgdisk --zap-all "$disk"
	case $disk in
	/dev/nvme*) nvme format "$disk" --force ;;
	/dev/sd*) sg_format --format --quick "$disk" ;;
	esac
	echo "wipe: $disk done"
done
