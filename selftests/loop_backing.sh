#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A loop device's data is a file: a hold on the loop device also holds the
# file's extents on the disk beneath, so writing the file through its
# filesystem is refused too. Where the extents cannot be held (a file on
# tmpfs, a sparse file) the hold is refused with the reason; --device-only
# holds the device alone, with a warning.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd losetup mkfs.ext4 fallocate
tmp=$(mktemp -d)
mnt=$tmp/mnt
loops=()
cleanup() {
	release_all
	for ((i = ${#loops[@]} - 1; i >= 0; i--)); do
		[ "$i" = 0 ] && umount "$mnt" 2>/dev/null
		losetup -d "${loops[$i]}" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
new_loop() { loops+=("$(losetup -f --show "$1")") && echo "${loops[-1]}"; }
run() { out=$("$@" 2>&1); rc=$?; }

truncate -s 64M "$tmp/fs.img"
fsdev=$(new_loop "$tmp/fs.img")
mkfs.ext4 -q "$fsdev" && mkdir -p "$mnt" && mount "$fsdev" "$mnt" || skip_all "cannot make an ext4 filesystem"
fallocate -l 8M "$mnt/backing.img"
head -c 8M /dev/urandom | dd of="$mnt/backing.img" bs=1M conv=notrunc oflag=direct status=none
inner=$(new_loop "$mnt/backing.img")
copy_direct "$inner" "$tmp/before"

run "$BLKHOLD" hold "$inner" --name file-test --transient
expect_eq "a hold on a loop device over an ext4 file is placed" 0 "$rc"
expect_match "the file's extents on $fsdev are held beneath it" "\"derived_from\":\"${inner#/dev/}\"" \
	"$("$BLKHOLD" list --json)"
refute "writing the loop device is refused" dd if=/dev/zero of="$inner" bs=4k count=1 oflag=direct
refute "writing the file through ext4 is refused" \
	dd if=/dev/zero of="$mnt/backing.img" bs=4k count=1 conv=notrunc oflag=direct
echo 3 >/proc/sys/vm/drop_caches
out=$(same_direct "$inner" "$tmp/before")
expect_eq "the file is unchanged" "" "$out"
assert "writing elsewhere on the filesystem works" \
	dd if=/dev/zero of="$mnt/other" bs=4k count=4 oflag=direct
assert "release" release "$inner" file-test
assert "after release the file can be written" \
	dd if=/dev/zero of="$mnt/backing.img" bs=4k count=1 conv=notrunc oflag=direct

truncate -s 8M "$mnt/sparse.img"
sparse=$(new_loop "$mnt/sparse.img")
run "$BLKHOLD" hold "$sparse" --name sparse-test --transient
expect_eq "a hold over a sparse file is refused" 1 "$rc"
expect_match "... naming the hole" "hole at byte 0" "$out"
expect_eq "... and nothing is held" "no holds" "$("$BLKHOLD" list 2>&1)"

truncate -s 8M "$tmp/tmpfs.img"
ontmp=$(new_loop "$tmp/tmpfs.img")
run "$BLKHOLD" hold "$ontmp" --name tmpfs-test --transient
expect_match "a hold over a file on tmpfs is refused: not on a block device" \
	"not on a block device.*--device-only" "$out"
run "$BLKHOLD" hold "$ontmp" --name tmpfs-test --transient --device-only
expect_eq "--device-only holds the device alone" 0 "$rc"
expect_match "... and warns that the file stays writable" "warning: .*backing file stays writable" "$out"
assert "release" release "$ontmp" tmpfs-test
ktap_finish
