#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A held device whose media change without the device going away (new
# media in a removable drive, a loop device given another file) gets a
# new diskseq. Its holds stay with the device: writes are refused after
# the change as before it, and the change is announced.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd sg_reset losetup
tmp=$(mktemp -d)
loopdev=
cleanup() {
	release_all
	[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
	rmmod scsi_debug 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
diskseq() { cat "/sys/block/${1#/dev/}/diskseq"; }
diskseq_moved() { [ "$(diskseq "$1")" != "$2" ]; }

# ---- a removable SCSI drive: a unit attention says the media changed ----
rmmod scsi_debug 2>/dev/null
if modprobe scsi_debug removable=1 dev_size_mb=16 delay=0 >/dev/null 2>&1 &&
	wait_for sh -c 'ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block | grep -q sd'; then
	sd=/dev/$(ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block | grep -m1 sd)
	fill_random "$sd"
	copy_direct "$sd" "$tmp/sd"
	assert "hold placed on the removable $sd" hold "$sd" media-test
	seq=$(diskseq "$sd")
	# a reset makes the drive report a unit attention; the next open reads it
	sg_reset --device "$sd" >/dev/null 2>&1
	assert "the media change gives $sd a new diskseq" \
		wait_for sh -c "blockdev --getsz $sd >/dev/null; [ \"\$(cat /sys/block/${sd#/dev/}/diskseq)\" != $seq ]"
	refute "a write after the media change is refused" dd if=/dev/zero of="$sd" bs=4k count=1 oflag=direct
	refute "blkdiscard after it is refused" blkdiscard -f "$sd"
	out=$(same_direct "$sd" "$tmp/sd")
	expect_eq "the medium is unchanged" "" "$out"
	expect_match "the media change was announced" "media changed" "$(dmesg | grep blkhold)"
	assert "status shows the new diskseq" sh -c "$BLKHOLD status $sd --json | jq -e '.diskseq == $(diskseq "$sd")'"
	assert "release" release "$sd" media-test
	rmmod scsi_debug
else
	skip "a removable scsi_debug drive" "scsi_debug does not load with removable=1"
fi

# ---- a loop device given another file ----
truncate -s 16M "$tmp/first.img" "$tmp/second.img"
head -c 16M /dev/urandom >"$tmp/first.img"
loopdev=$(losetup -f --show "$tmp/first.img")
assert "hold placed on $loopdev (the device alone)" \
	"$BLKHOLD" hold "$loopdev" --name loop-test --transient --device-only
seq=$(diskseq "$loopdev")
assert "the held loop device is detached" losetup -d "$loopdev"
assert "and given another file" losetup "$loopdev" "$tmp/second.img"
expect_ne "its diskseq changed" "$seq" "$(diskseq "$loopdev")"
refute "a write to it is refused" dd if=/dev/urandom of="$loopdev" bs=4k count=1 oflag=direct
expect_eq "the file behind it now is untouched" "0" "$(tr -d '\0' <"$tmp/second.img" | wc -c)"
assert "release" release "$loopdev" loop-test
ktap_finish
