#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The proof outlives the machine, for one kernel: boot 1 holds a virtio
# disk, fingerprints it and records a refused write in the audit trail,
# and is switched off with the follower running; while the guest is down
# one byte of the disk's image changes on the host; boot 2 restores the
# hold from the store, --verify names that byte's chunk and sectors, and
# the trail of boot 1 is intact and goes on (proof-guest.sh). Boot 2's
# RTC is three years ahead: boot 1's compliance hold must not expire.
# Prints KTAP; exit status 0 when every assertion passed.
#
# usage: proof-reboot.sh RELEASE
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
. "$here/host-ktap.sh"
rel=$1
work=$project/build/vm/$rel/proof

rm -rf "$work"
mkdir -p "$work/state"
head -c 16M /dev/urandom >"$work/disk.img"
disk=(--qemu "-drive" --qemu "file=$work/disk.img,if=none,id=p,format=raw,cache=unsafe"
      --qemu "-device" --qemu "virtio-blk-pci,drive=p,serial=bh-proof")

boot() {	# boot PHASE [QEMU-OPTION...]
	local phase=$1 opt rc extra=()

	shift
	for opt in "$@"; do
		extra+=(--qemu "$opt")
	done
	"$here/run-vm.sh" --kernel "$rel" --script "$here/proof-guest.sh" --out "$work/vm$phase" \
		--timeout 600 --no-disks --share "$work/state" --env "PHASE=$phase" "${disk[@]}" \
		"${extra[@]}"
	rc=$?
	report $rc "boot $phase ran"
	sed 's/^/# /' "$work/vm$phase/ktap.log"
}

boot 1
cp "$work/state/audit" "$work/trail-boot1" 2>/dev/null
trail_lines=$(wc -l <"$work/trail-boot1" 2>/dev/null || echo 0)
[ "$trail_lines" -ge 3 ]
report $? "boot 1's trail reached the host's disk before the power went off ($trail_lines lines)"

# Chunk 3 of 1 MiB: sectors 6144-8191.
python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
off = 3 * 1048576 + 8192 + 5
os.pwrite(fd, bytes([os.pread(fd, 1, off)[0] ^ 0xff]), off)
os.fsync(fd)' "$work/disk.img"

boot 2 -rtc "base=$(date -u -d '+3 years' +%Y-%m-%dT%H:%M:%S)"
[ "$(wc -l <"$work/state/audit")" -gt "$trail_lines" ] &&
	cmp -s "$work/trail-boot1" <(head -n "$trail_lines" "$work/state/audit")
report $? "boot 2 appended to the trail and left boot 1's lines as they were"
grep -q "^not ok" "$work/vm1/ktap.log" "$work/vm2/ktap.log"
report $((!$?)) "every check inside the two boots passed"
echo "1..$n"
rm -f "$work/disk.img"
exit $failed
