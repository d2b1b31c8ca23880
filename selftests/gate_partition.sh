#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A held partition beside an unheld one: coverage is by sectors, so the
# whole-disk node cannot reach the held range, and the neighbour stays
# writable. Two holds on one volume: it stays held until both are gone.
. "$(dirname "$0")/lib.sh"
require_root
disk=$(virtio_disk a) || skip_all "virtio disk bh-virtio-a not attached"

printf 'start=2048, size=20480\nstart=22528\n' | sfdisk -q -f "$disk" >/dev/null 2>&1
blockdev --rereadpt "$disk" 2>/dev/null
p1=${disk}1 p2=${disk}2
wait_for test -b "$p2" || { not_ok "partitions of $disk appear"; ktap_finish; }
fill_random "$p1" && fill_random "$p2"
p1_sum=$(sha256_direct "$p1")
mib1=1		# p1 starts at sector 2048: 1 MiB into the disk
mib2=11		# p2 starts at sector 22528: 11 MiB into the disk

assert "hold placed on $p1" hold "$p1" part-test
refs=$(cat /sys/module/blkhold/refcnt)
out=$(dd if=/dev/urandom of="$disk" bs=1M seek=$mib1 count=1 oflag=direct 2>&1)
expect_match "a write through $disk into $p1 fails with EPERM" "Operation not permitted" "$out"
dd if=/dev/urandom of="$disk" bs=1M seek=$mib1 count=1 conv=fsync 2>/dev/null
out=$(blkdiscard -f -o $((mib1 << 20)) -l 1MiB "$disk" 2>&1)
expect_match "a discard through $disk into $p1 fails with EPERM" "Operation not permitted" "$out"
blkdiscard -f -z -o $((mib1 << 20)) -l 1MiB "$disk" 2>/dev/null
expect_eq "$p1 unchanged (O_DIRECT)" "$p1_sum" "$(sha256_direct "$p1")"
expect_eq "$p1 unchanged (page cache of $p1)" "$p1_sum" "$(sha256_cached "$p1")"
expect_eq "$p1 range unchanged (page cache of $disk)" "$p1_sum" \
	"$(dd if="$disk" bs=1M skip=$mib1 count=10 status=none | sha256sum | cut -d' ' -f1)"

p2_sum=$(sha256_direct "$p2")
out=$(dd if=/dev/urandom of="$disk" bs=512 seek=22527 count=2 oflag=direct 2>&1)
expect_match "a write straddling the end of $p1 is refused whole" "Operation not permitted" "$out"
expect_eq "... and $p2 is untouched by it" "$p2_sum" "$(sha256_direct "$p2")"
assert "a write through $disk into $p2 works" \
	dd if=/dev/urandom of="$disk" bs=1M seek=$mib2 count=1 oflag=direct status=none
expect_ne "... and changed $p2" "$p2_sum" "$(sha256_direct "$p2")"
assert "a write to $p2 works" dd if=/dev/urandom of="$p2" bs=1M count=1 oflag=direct status=none
assert "a discard of $p2 works" blkdiscard -f "$p2"
assert "a write before the partitions through $disk works" \
	dd if=/dev/zero of="$disk" bs=512 seek=100 count=1 oflag=direct status=none

assert "a zeroout through $disk of $p2 is passed on to the kernel" \
	blkdiscard -f -z -o $((mib2 << 20)) -l 1MiB "$disk"
expect_eq "refused and passed-on calls leave no module reference behind" \
	"$refs" "$(cat /sys/module/blkhold/refcnt)"

refute "blockdev --setrw $p1 is refused" blockdev --setrw "$p1"
blockdev --setrw "$disk" 2>/dev/null
expect_eq "$p1 stays read-only" 1 "$(blockdev --getro "$p1")"
dd if=/dev/urandom of="$p1" bs=1M count=1 oflag=direct 2>/dev/null
dd if=/dev/urandom of="$disk" bs=1M seek=$mib1 count=1 oflag=direct 2>/dev/null
expect_eq "after --setrw attempts $p1 is unchanged" "$p1_sum" "$(sha256_direct "$p1")"

assert "a second hold on $p1" hold "$p1" part-test-2
assert "release of the first hold" release "$p1" part-test
dd if=/dev/urandom of="$p1" bs=1M count=1 oflag=direct 2>/dev/null
expect_eq "with one hold left $p1 stays unchanged" "$p1_sum" "$(sha256_direct "$p1")"
assert "release of the second hold" release "$p1" part-test-2
assert "with no hold left $p1 is writable" \
	dd if=/dev/urandom of="$p1" bs=1M count=1 oflag=direct status=none
expect_ne "... and changed" "$p1_sum" "$(sha256_direct "$p1")"

release_all
wipefs -a -f "$disk" >/dev/null 2>&1
blockdev --rereadpt "$disk" 2>/dev/null
ktap_finish
