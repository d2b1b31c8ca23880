#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Paths where blkhold used to let a change through or stall the host:
#  - a write asleep behind someone else's queue freeze (an elevator
#    switch) when a hold is placed does not land after the hold returns;
#  - md's own metadata ranges of a held array's members pass md's bios
#    only: io_uring's block discard command (6.12) is refused there;
#  - a release naming a device number whose driver is not loaded returns
#    at once, loads nothing and leaves disk probes alone.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd mdadm losetup jq
disk=$(virtio_disk b) || skip_all "virtio disk bh-virtio-b not attached"
sys=$(dirname "$0")/blkhold_sys
tmp=$(mktemp -d)
writer= freezer= md=/dev/md97 members=()
cleanup() {
	[ -n "$writer" ] && kill "$writer" 2>/dev/null
	[ -n "$freezer" ] && kill "$freezer" 2>/dev/null
	wait 2>/dev/null
	release_all
	[ -b "$md" ] && mdadm --stop "$md" >/dev/null 2>&1
	for m in "${members[@]}"; do losetup -d "$m"; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- a write behind an elevator switch's freeze ----
q=/sys/block/${disk#/dev/}/queue
grep -q mq-deadline "$q/scheduler" || modprobe mq-deadline 2>/dev/null
grep -q mq-deadline "$q/scheduler" || skip_all "no mq-deadline scheduler to switch to"
fill_random "$disk"
head -c 4096 /dev/urandom >"$tmp/block"
(
	i=0
	while :; do
		dd if="$tmp/block" of="$disk" bs=4k seek=$((i % 64)) count=1 oflag=direct \
			conv=notrunc status=none 2>/dev/null
		i=$((i + 1))
		echo $i >"$tmp/writes.new" && mv "$tmp/writes.new" "$tmp/writes"
	done
) &
writer=$!
(
	while :; do
		echo mq-deadline >"$q/scheduler"
		echo none >"$q/scheduler"
	done
) &
freezer=$!
writes() { cat "$tmp/writes" 2>/dev/null || echo 0; }
writes_past() { [ "$(writes)" -ge "$1" ]; }
late=0
for round in 1 2 3 4 5; do
	hold "$disk" freeze-race || { not_ok "hold placed in round $round"; continue; }
	copy_direct "$disk" "$tmp/at-hold"
	wait_for writes_past $(($(writes) + 5))
	out=$(same_direct "$disk" "$tmp/at-hold")
	[ -n "$out" ] && late=$((late + 1)) && diag "round $round: $out"
	release "$disk" freeze-race
	wait_for writes_past $(($(writes) + 2))
done
kill "$freezer" "$writer"
wait 2>/dev/null
freezer= writer=
expect_eq "no write landed after a hold returned, while elevator switches froze the queue (5 rounds)" \
	0 "$late"
echo none >"$q/scheduler"

# ---- io_uring discard on a held array member's metadata ----
if grep -qw blkdev_uring_cmd /proc/kallsyms; then
	for n in 1 2; do
		truncate -s 64M "$tmp/member$n.img"
		members+=("$(losetup -f --show "$tmp/member$n.img")")
	done
	yes | mdadm --create "$md" --run --force --level=1 --raid-devices=2 --metadata=1.2 \
		--bitmap=internal --assume-clean "${members[@]}" >/dev/null 2>&1
	[ -b "$md" ] || mknod "$md" b 9 97
	assert "hold placed on the array $md" "$BLKHOLD" hold "$md" --name meta-test --transient
	out=$("$sys" uring-discard "${members[0]}" 0 1048576)
	expect_ne "io_uring discard of a member's superblock and bitmap is refused" ok "$out"
	assert "the member's superblock is intact" mdadm --examine "${members[0]}"
	out=$("$sys" uring-discard "${members[0]}" 8388608 1048576)
	expect_ne "... and of its data" ok "$out"
	expect_match "the array is healthy" "\[UU\]" "$(cat /proc/mdstat)"
	release "$md" meta-test
else
	skip "io_uring discard on a member's metadata" "this kernel has no io_uring block discard (6.12 on)"
fi

# ---- a release by a device number whose driver is not loaded ----
if lsmod | grep -q "^loop " && ! rmmod loop 2>/dev/null; then
	skip "release by a device number without its driver" "loop is in use"
else
	assert "records are armed" hold "$disk" armed
	start=$(date +%s)
	out=$(timeout 60 "$BLKHOLD" release 7:0 --diskseq 999999 --name nothing 2>&1)
	rc=$?
	expect_eq "release 7:0 with loop not loaded fails (no such device)" 1 "$rc"
	expect_match "... naming the device" "7:0" "$out"
	refute "... without loading loop" sh -c 'lsmod | grep -q "^loop "'
	assert "a disk probe meanwhile goes on" modprobe loop
	assert "a loop device can be set up" losetup -f
	expect_eq "... and it all took under 30 s" 1 "$(( $(date +%s) - start < 30 ))"
	release "$disk" armed
fi
ktap_finish
