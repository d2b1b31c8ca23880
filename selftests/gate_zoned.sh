#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Zone reset, reset-all and finish are refused on a held zoned device;
# the unheld twin shows each operation works.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd blkzone

modprobe null_blk nr_devices=2 zoned=1 zone_size=4 gb=1 bs=4096 \
	memory_backed=1 queue_mode=2 >/dev/null 2>&1 || skip_all "null_blk cannot be loaded zoned"
wait_for test -b /dev/nullb1 || skip_all "null_blk devices did not appear"
held=/dev/nullb0 twin=/dev/nullb1

wptr() {	# write pointer of zone N, in sectors from its start
	blkzone report -o $(($2 * 8192)) -c 1 "$1" | sed -n 's/.*wptr 0x\([0-9a-f]*\).*/\1/p' |
		xargs -I{} printf '%d\n' 0x{}
}
cond() {
	blkzone report -o $(($2 * 8192)) -c 1 "$1" | sed -n 's/.*cond:\([ 0-9]*\)(\([a-z]*\)).*/\2/p'
}

for d in $held $twin; do
	dd if=/dev/urandom of=$d bs=1M count=1 oflag=direct status=none
done
assert "hold placed on $held" hold $held zoned-test

refute "blkzone reset of zone 0 on $held fails" blkzone reset -o 0 -c 1 $held
expect_eq "zone 0 of $held keeps its data" 2048 "$(wptr $held 0)"
assert "blkzone reset of zone 0 on $twin works" blkzone reset -o 0 -c 1 $twin
expect_eq "zone 0 of $twin is empty" 0 "$(wptr $twin 0)"

refute "blkzone finish of zone 1 on $held fails" blkzone finish -o 8192 -c 1 $held
expect_eq "zone 1 of $held stays empty" em "$(cond $held 1)"
assert "blkzone finish of zone 1 on $twin works" blkzone finish -o 8192 -c 1 $twin
expect_eq "zone 1 of $twin is full" fu "$(cond $twin 1)"

refute "blkzone reset of every zone on $held fails" blkzone reset $held
expect_eq "zone 0 of $held still keeps its data" 2048 "$(wptr $held 0)"
out=$(dd if=/dev/urandom of=$held bs=4k seek=256 count=1 oflag=direct 2>&1)
expect_match "a write at the write pointer of $held fails with EPERM" "Operation not permitted" "$out"
expect_eq "zone 0 of $held did not grow" 2048 "$(wptr $held 0)"

release_all
assert "after release zone reset on $held works" blkzone reset -o 0 -c 1 $held
rmmod null_blk
ktap_finish
