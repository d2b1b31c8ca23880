#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hold and release in a loop while fio writes (direct and buffered): while
# a hold is in place no write lands; between holds writes land again.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd fio
disk=$(virtio_disk b) || skip_all "virtio disk bh-virtio-b not attached"
rounds=8
# The writers aim at the first 4 MiB, and only those are copied and
# compared: an eighth of the 32 MiB disk, read three times a round.
region=4

# fio stops at its first EPERM whatever its error options say: restart it.
# A steady 250 writes a second each keeps writes in flight at every hold
# and release without taking the guest's CPU from the holds and copies.
writer() {
	while [ ! -e "$snap.stop" ]; do
		fio --name="$1" --filename="$disk" --size=${region}M --rw=randwrite --bs="$2" \
			--direct="$3" --ioengine=psync --time_based --runtime=120 \
			--rate_iops=250 --output=/dev/null >/dev/null 2>&1
		sleep 0.05
	done
}
# Copies of the region, compared byte for byte (cheaper than hashes under TCG).
snap=/tmp/race.$$
writer direct 4k 1 &
writer_direct=$!
writer buffered 64k 0 &
writer_buffered=$!
# A loop killed between two runs of fio can still start one more, which
# writes for two minutes into the next test: stop the loops, then kill
# every fio until both loops are gone.
writers_gone() {
	pkill -x fio
	! kill -0 $writer_direct 2>/dev/null && ! kill -0 $writer_buffered 2>/dev/null
}
# A writeback refused during a hold is reported once, to the next fsync of
# the disk (sfdisk's, in the next program): take it here.
stop_writers() {
	touch "$snap.stop"
	wait_for writers_gone
	wait 2>/dev/null
	sync "$disk" 2>/dev/null || sync "$disk" || diag "$disk: fsync fails twice"
}
trap 'stop_writers; rm -f "$snap".*' EXIT
copy_region() { dd if="$disk" of="$1" bs=1M count=$region iflag=direct status=none; }
copy_region "$snap.first"
writing() { copy_region "$snap.now" && ! cmp -s "$snap.now" "$snap.first"; }
wait_for writing || diag "the writers have changed nothing yet"

# Each refused writeback of the buffered writer's pages is reported once
# to the next O_DIRECT reader of the disk (EIO): read again then. An
# unreadable disk leaves FILE empty, which never equals a copy.
disk_copy() {
	for _ in 1 2 3 4 5; do
		copy_region "$1" 2>/dev/null && return
	done
	: >"$1"
}

stable=0 changed=0
for i in $(seq 1 $rounds); do
	hold "$disk" race-test || { not_ok "hold $i placed"; break; }
	disk_copy "$snap.a"
	sleep 0.5
	disk_copy "$snap.b"
	release "$disk" race-test || { not_ok "hold $i released"; break; }
	[ -s "$snap.a" ] && cmp -s "$snap.a" "$snap.b" && stable=$((stable + 1))
	sleep 0.5
	disk_copy "$snap.c"
	cmp -s "$snap.b" "$snap.c" || changed=$((changed + 1))
done
stop_writers

expect_eq "no write landed during any of $rounds holds" $rounds $stable
expect_ne "writes landed between holds" 0 $changed
expect_eq "no hold is left" "no holds" "$("$BLKHOLD" list)"
ktap_finish
