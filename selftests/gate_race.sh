#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hold and release in a loop while fio writes (direct and buffered): while
# a hold is in place no write lands; between holds writes land again.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd fio
disk=$(virtio_disk b) || skip_all "virtio disk bh-virtio-b not attached"
rounds=8

# fio stops at its first EPERM whatever its error options say: restart it.
writer() {
	while :; do
		fio --name="$1" --filename="$disk" --rw=randwrite --bs="$2" \
			--direct="$3" --ioengine=psync --time_based --runtime=120 \
			--output=/dev/null >/dev/null 2>&1
		sleep 0.05
	done
}
writer direct 4k 1 &
writer_direct=$!
writer buffered 64k 0 &
writer_buffered=$!
first=$(sha256_direct "$disk")
writing() { [ "$(sha256_direct "$disk")" != "$first" ]; }
wait_for writing || diag "the writers have changed nothing yet"

stable=0 changed=0
for i in $(seq 1 $rounds); do
	hold "$disk" race-test || { not_ok "hold $i placed"; break; }
	a=$(sha256_direct "$disk")
	sleep 0.5
	b=$(sha256_direct "$disk")
	release "$disk" race-test || { not_ok "hold $i released"; break; }
	[ "$a" = "$b" ] && stable=$((stable + 1))
	sleep 0.5
	[ "$(sha256_direct "$disk")" != "$b" ] && changed=$((changed + 1))
done
kill $writer_direct $writer_buffered 2>/dev/null
pkill -x fio
wait 2>/dev/null

expect_eq "no write landed during any of $rounds holds" $rounds $stable
expect_ne "writes landed between holds" 0 $changed
expect_eq "no hold is left" "no holds" "$("$BLKHOLD" list)"
ktap_finish
