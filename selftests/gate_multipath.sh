#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Request-based device mapper: dm-multipath hands cloned requests to the
# disk below, past submit_bio_noacct(). A multipath map made over a held
# disk after the hold cannot write to it, its path stays up (reads work,
# the path is not failed), and the same map over the unheld twin writes.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd dmsetup jq
held=$(virtio_disk a) && twin=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a/b not attached"
modprobe -a dm_multipath dm_round_robin 2>/dev/null || skip_all "no dm-multipath modules"
map=bh-mpath
node=/dev/mapper/$map

cleanup() {
	dmsetup remove --noudevsync "$map" 2>/dev/null
	release_all
}
trap cleanup EXIT

# One path, round-robin, no queueing: a failed path would fail the I/O.
make_map() {
	local dev=$1
	dmsetup create --noudevsync "$map" --table \
		"0 $(blockdev --getsz "$dev") multipath 0 0 1 1 round-robin 0 1 1 $(cat "/sys/block/${dev#/dev/}/dev") 1" &&
		dmsetup mknodes "$map"
}

# The path's state in the map's status: A (active) or F (failed).
path_state() {
	dmsetup status "$map" | awk -v p="$1" '{ for (i = 1; i < NF; i++) if ($i == p) { print $(i + 1); exit } }'
}

write_map() {
	dd if=/dev/urandom of="$node" bs=64k count=1 oflag=direct status=none
}

fill_random "$twin"
before=$(sha256_direct "$twin")
if make_map "$twin"; then
	assert "a write through a multipath map over the unheld twin works" write_map
	dmsetup remove --noudevsync "$map"
	expect_ne "... and changes it" "$before" "$(sha256_direct "$twin")"
else
	not_ok "a multipath map over the unheld twin can be made"
fi

fill_random "$held"
assert "hold placed on $held" hold "$held" mpath-test
before=$(sha256_direct "$held")
majmin=$(cat "/sys/block/${held#/dev/}/dev")
if make_map "$held"; then
	ok "a multipath map over the held disk can be made"
	refute "a write through it is refused" write_map
	out=$(dd if=/dev/urandom of="$node" bs=64k count=1 oflag=direct 2>&1)
	expect_match "... with an error that is not a path failure" "Remote I/O error" "$out"
	expect_eq "... the held disk is unchanged" "$before" "$(sha256_direct "$held")"
	expect_eq "... its path is still active" A "$(path_state "$majmin")"
	expect_eq "... and reads through the map return the held data" "$before" \
		"$(dd if="$node" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)"
	expect_match "... and the refusals are counted on the held disk" '^[1-9]' \
		"$("$BLKHOLD" status "$held" --json | jq '.refused.write // 0')"
	dmsetup remove --noudevsync "$map"
else
	not_ok "a multipath map over the held disk can be made"
fi
release "$held" mpath-test
ktap_finish
