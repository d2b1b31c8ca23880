#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The limits that keep one caller from exhausting kernel memory, set small
# at load: holds per volume, holds on the host, armed records. At each the
# next hold is refused with the limit's name and nothing is left half
# placed; the kernel log shows no report (the VM runner fails on one).
# blkhold_nl's holds_per_volume_limit takes the default limit (1,024).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd losetup
a=$(virtio_disk a) && b=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a and -b not attached"
[ -n "${BLKHOLD_KO:-}" ] || skip_all "BLKHOLD_KO does not name the module to reload"
loops=()
cleanup() {
	release_all
	for l in "${loops[@]}"; do losetup -d "$l"; done
	rm -f /tmp/limits-*.img
	rmmod blkhold 2>/dev/null
	insmod "$BLKHOLD_KO"
}
trap cleanup EXIT
run() { out=$("$@" 2>&1); rc=$?; }

assert "blkhold unloads" rmmod blkhold
assert "blkhold loads with small limits" \
	insmod "$BLKHOLD_KO" max_holds_per_volume=3 max_holds=6 max_records=4
for n in 1 2 3; do
	assert "hold $n on $a" hold "$a" "a$n"
done
run "$BLKHOLD" hold "$a" --name a4 --transient
expect_match "the 4th hold on one volume is refused" "most holds allowed.*max_holds_per_volume" "$out"
assert "hold on $b (the 4th record)" hold "$b" b1
run "$BLKHOLD" hold "$b" --name b2 --transient
expect_match "a 5th record is refused" "max_records" "$out"
for n in 1 2 3; do
	truncate -s 8M "/tmp/limits-$n.img"
	loops+=("$(losetup -f --show "/tmp/limits-$n.img")")
done
assert "hold 5 on ${loops[0]} (no identity: no record)" \
	"$BLKHOLD" hold "${loops[0]}" --name l1 --transient --device-only
assert "hold 6 on ${loops[1]}" "$BLKHOLD" hold "${loops[1]}" --name l2 --transient --device-only
run "$BLKHOLD" hold "${loops[2]}" --name l3 --transient --device-only
expect_match "a 7th hold on the host is refused" "most holds allowed.*max_holds" "$out"
expect_eq "exactly six holds are in force" 6 \
	"$("$BLKHOLD" list --json | jq '[.volumes[].holds[]] | length')"
expect_eq "and four records" 4 "$("$BLKHOLD" list --json | jq '[.volumes[] |
	select(.device | test("vd")) | .holds[]] | length')"
release_all
expect_eq "every hold is released" "no holds" "$("$BLKHOLD" list 2>&1)"
assert "a hold fits again after the release" hold "$b" b2
assert "release" release "$b" b2
ktap_finish
