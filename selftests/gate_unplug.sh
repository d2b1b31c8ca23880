#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A held disk removed while I/O runs: no oops (the runner checks the log),
# the hold is kept and shown detached, and the disk that takes over the
# device number is not held.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd fio

modprobe scsi_debug dev_size_mb=16 delay=0 add_host=1 >/dev/null 2>&1 ||
	skip_all "scsi_debug cannot be loaded"
wait_for sh -c 'ls /sys/bus/pseudo/drivers/scsi_debug/adapter0/host*/target*/*/block/ 2>/dev/null | grep -q sd' ||
	skip_all "no scsi_debug disk appeared"
name=$(ls /sys/bus/pseudo/drivers/scsi_debug/adapter0/host*/target*/*/block/)
disk=/dev/$name
devno=$(cat /sys/block/$name/dev)
seq_before=$(cat /sys/block/$name/diskseq)

assert "hold placed on $disk" hold "$disk" unplug-test
# Reads: the writes a held disk refuses are never in flight (and fio stops
# at its first EPERM).
fio --name=io --filename="$disk" --rw=randread --bs=4k --direct=1 --ioengine=libaio \
	--iodepth=8 --time_based --runtime=30 --continue_on_error=all --output=/dev/null &
fio_pid=$!
# The deletion must meet I/O in flight: wait until fio's reads run.
reads() { awk '{ print $1 }' "/sys/block/$name/stat"; }
reads_before=$(reads)
fio_reads() { [ "$(reads)" -gt $((reads_before + 100)) ] || ! kill -0 $fio_pid 2>/dev/null; }
wait_for fio_reads
kill -0 $fio_pid 2>/dev/null || diag "fio stopped before the deletion of $disk"
echo 1 >/sys/block/$name/device/delete
wait $fio_pid 2>/dev/null

out=$("$BLKHOLD" list)
expect_match "the hold is kept and shown detached" "/dev/$name \(detached\)" "$out"
expect_eq "JSON says detached" true \
	"$("$BLKHOLD" list --json | jq ".volumes[] | select(.diskseq == $seq_before) | .detached")"

# The first scsi_debug disk there is. A glob, not ls: with two hosts
# listed (the removed one's directory can linger), ls prints headers.
scsi_debug_disk() {
	local d
	for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/sd*; do
		[ -e "$d/dev" ] && { echo "${d##*/}"; return; }
	done
}
has_scsi_debug_disk() {
	[ -n "$(scsi_debug_disk)" ]
}

echo 1 >/sys/bus/pseudo/drivers/scsi_debug/add_host
wait_for has_scsi_debug_disk || not_ok "a new scsi_debug disk appeared"
new=$(scsi_debug_disk)
diag "new disk $new ($(cat /sys/block/$new/dev)), removed one was $name ($devno)"
expect_match "the new disk is not held" "not held" "$("$BLKHOLD" status /dev/$new)"
assert "the new disk is writable" dd if=/dev/urandom of=/dev/$new bs=4k count=1 oflag=direct status=none

assert "the detached hold can be released by device number and diskseq" \
	"$BLKHOLD" release "$devno" --diskseq "$seq_before" --name unplug-test
expect_eq "no hold is left" "no holds" "$("$BLKHOLD" list)"

# A hold placed while its disk is being deleted: if it is placed at all,
# it ends up detached, never bound to the gone disk.
bound_to_gone=0
placed=0
for i in $(seq 1 10); do
	name=$(scsi_debug_disk)
	[ -n "$name" ] || { echo 1 >/sys/bus/pseudo/drivers/scsi_debug/add_host; wait_for has_scsi_debug_disk; name=$(scsi_debug_disk); }
	[ -n "$name" ] || break
	seq=$(cat /sys/block/$name/diskseq)
	devno=$(cat /sys/block/$name/dev)
	echo 1 >/sys/block/$name/device/delete &
	"$BLKHOLD" hold /dev/$name --name del-race --transient >/dev/null 2>&1 && placed=$((placed + 1))
	wait
	state=$("$BLKHOLD" list --json | jq -r ".volumes[] | select(.diskseq == $seq) | .detached")
	[ "$state" = false ] && bound_to_gone=$((bound_to_gone + 1))
	[ -n "$state" ] && "$BLKHOLD" release "$devno" --diskseq "$seq" --name del-race >/dev/null
	echo 1 >/sys/bus/pseudo/drivers/scsi_debug/add_host
	wait_for has_scsi_debug_disk
done
diag "holds placed during deletion: $placed of 10"
expect_eq "a hold placed during its disk's deletion is never left bound to it" 0 "$bound_to_gone"
expect_eq "no hold is left after the deletion race" "no holds" "$("$BLKHOLD" list)"
rmmod scsi_debug 2>/dev/null
ktap_finish
