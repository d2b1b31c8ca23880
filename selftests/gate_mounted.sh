#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A filesystem mounted read-write before the hold: after the hold, new
# files, deletions and fstrim change no byte of the volume.
. "$(dirname "$0")/lib.sh"
require_root
disk=$(nvme_disk b) || skip_all "NVMe controller bh-nvme-b not attached"
mnt=$(mktemp -d)

mkfs.ext4 -F -q "$disk" && mount "$disk" "$mnt" || skip_all "cannot mount ext4 on $disk"
for i in 1 2 3; do
	dd if=/dev/urandom of="$mnt/file$i" bs=64k count=4 status=none
done
sync

# Frozen, the filesystem has nothing left to write while the hold is placed
# and the volume is read: once it thaws, its journal commits are refused,
# and the kernel reports such a lost write once to whoever next waits on
# the device's cache, an O_DIRECT read too (EIO), which would spoil the
# reference read.
fsfreeze -f "$mnt" || skip_all "cannot freeze ext4 on $disk"
out=$("$BLKHOLD" hold "$disk" --name mounted-test 2>&1)
expect_match "a hold on a mounted volume succeeds" "hold 'mounted-test' placed" "$out"
expect_match "... and warns that the mount is read-write" "mounted read-write at $mnt.*remount" "$out"
before=$(sha256_direct "$disk")
fsfreeze -u "$mnt"

dd if=/dev/urandom of="$mnt/new" bs=64k count=8 status=none 2>/dev/null
rm -f "$mnt/file1" 2>/dev/null
mkdir "$mnt/dir" 2>/dev/null
sync 2>/dev/null
fstrim "$mnt" 2>/dev/null
# unmounting commits the journal and writes the superblock
umount "$mnt" 2>/dev/null || umount -l "$mnt"

expect_eq "the volume is unchanged (O_DIRECT)" "$before" "$(sha256_direct "$disk")"
expect_eq "the volume is unchanged (page cache)" "$before" "$(sha256_cached "$disk")"
refused=$("$BLKHOLD" status "$disk" --json | jq '.refused_total')
expect_ne "the filesystem's writes were refused and counted" 0 "$refused"

release_all
rmdir "$mnt"
ktap_finish
