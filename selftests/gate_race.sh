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

# Each refused writeback of the buffered writer's pages is reported once
# to the next O_DIRECT reader of the disk (EIO): read again then.
disk_sum() {
	local sum try
	for try in 1 2 3 4 5; do
		sum=$(dd if="$disk" bs=1M iflag=direct status=none 2>/dev/null | sha256sum
			exit "${PIPESTATUS[0]}") && break
		sum="unreadable-$RANDOM$RANDOM"	# never equal to another
	done
	echo "${sum%% *}"
}

stable=0 changed=0
for i in $(seq 1 $rounds); do
	hold "$disk" race-test || { not_ok "hold $i placed"; break; }
	a=$(disk_sum)
	sleep 0.5
	b=$(disk_sum)
	release "$disk" race-test || { not_ok "hold $i released"; break; }
	[ "$a" = "$b" ] && stable=$((stable + 1))
	sleep 0.5
	[ "$(disk_sum)" != "$b" ] && changed=$((changed + 1))
done
kill $writer_direct $writer_buffered 2>/dev/null
pkill -x fio
wait 2>/dev/null

expect_eq "no write landed during any of $rounds holds" $rounds $stable
expect_ne "writes landed between holds" 0 $changed
expect_eq "no hold is left" "no holds" "$("$BLKHOLD" list)"
ktap_finish
