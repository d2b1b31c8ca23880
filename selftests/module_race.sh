#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The first hold racing rmmod: either the unload wins and the hold fails,
# or the hold wins and the module stays with it in force. Never a hold on
# an unloaded module (the kernel log would show the oops).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd jq
disk=$(virtio_disk a) || skip_all "no virtio disk bh-virtio-a attached"
[ -n "${BLKHOLD_KO:-}" ] || skip_all "BLKHOLD_KO does not name the module to reload"
# Stopped half-way: the module back, and no hold of the race left.
cleanup() {
	[ -d /sys/module/blkhold ] || insmod "$BLKHOLD_KO"
	release_all
}
trap cleanup EXIT

inconsistent=0 tries=8
for i in $(seq 1 $tries); do
	rmmod blkhold 2>/dev/null &
	rm_pid=$!
	"$BLKHOLD" hold "$disk" --name race-$i --transient >/dev/null 2>&1
	held=$?
	wait $rm_pid
	if [ -d /sys/module/blkhold ]; then
		present=1
		"$BLKHOLD" list --json | jq -e --arg n race-$i \
			'[.volumes[].holds[].name] | index($n)' >/dev/null || present=0
		[ $((held == 0)) = $present ] || inconsistent=$((inconsistent + 1))
		release "$disk" race-$i 2>/dev/null
		rmmod blkhold 2>/dev/null
	elif [ $held = 0 ]; then
		inconsistent=$((inconsistent + 1))
	fi
	insmod "$BLKHOLD_KO" || break
done
expect_eq "a first hold racing rmmod leaves a consistent state ($tries tries)" 0 "$inconsistent"
assert "the module is loaded after the race" test -d /sys/module/blkhold
expect_eq "... with no holds" "no holds" "$("$BLKHOLD" list 2>&1)"
ktap_finish
