#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Out of memory at each allocation a hold makes: failslab fails the Nth
# kernel allocation of the CLI's hold, for N from the first on, on a disk
# with an identity (a record bound to it) and one without. Each hold
# that stays can be released whole; the debug kernel (make check-debug)
# reports any leak, double free or bad access.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd losetup jq
fi=/sys/kernel/debug/failslab
[ -d "$fi" ] || skip_all "this kernel has no failslab (CONFIG_FAILSLAB: make check-debug)"
disk=$(virtio_disk b) || skip_all "virtio disk bh-virtio-b not attached"
truncate -s 8M /tmp/fault.img
loopdev=$(losetup -f --show /tmp/fault.img)
cleanup() {
	echo 0 >"$fi/probability"
	release_all
	losetup -d "$loopdev"
	rm -f /tmp/fault.img
}
trap cleanup EXIT
echo N >"$fi/ignore-gfp-wait"
echo Y >"$fi/task-filter"
echo 100 >"$fi/probability"
echo 0 >"$fi/interval"
echo 0 >"$fi/verbose"

# hold_failing N DEVICE OPTS...: the hold with the Nth allocation of its
# task failing (space counts bytes of allocations to let through first).
hold_failing() {
	local space=$1; shift
	echo "$space" >"$fi/space"
	echo 1 >"$fi/times"
	sh -c 'echo 1 >/proc/self/make-it-fail && exec "$@"' sh \
		"$BLKHOLD" hold "$@" --name fault --transient >/dev/null 2>&1
}

clean=0 placed=0 rounds=0
for dev in "$disk" "$loopdev"; do
	for space in $(seq 0 256 16384); do
		rounds=$((rounds + 1))
		hold_failing "$space" "$dev" $([ "$dev" = "$loopdev" ] && echo --device-only) &&
			placed=$((placed + 1))
		echo 0 >"$fi/times"
		# whatever stayed is a whole hold: it releases, and then nothing is left
		release_all
		[ "$("$BLKHOLD" list 2>&1)" = "no holds" ] && clean=$((clean + 1))
	done
done
diag "$placed of $rounds holds placed despite the failure injected"
expect_eq "after each of $rounds injected failures, what stayed released whole" "$rounds" "$clean"
assert "a hold without failures works" hold "$disk" after-faults
assert "release" release "$disk" after-faults
ktap_finish
