#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The two boots of the proof test (proof-reboot.sh), in the test VM, with
# the store on the share that outlives them. KTAP on stdout.
#
# PHASE=1: hold the disk, fingerprint it, and let the audit follower record
# a refused write; the VM is then switched off with the follower running.
# PHASE=2: after one byte of the disk changed on the host, restore the hold
# from the store; --verify names that byte's chunk and sectors, and the
# trail of the first boot is intact and goes on in this one.
# A compliance hold placed in boot 1 with a date a day ahead outlives boot
# 2, whose RTC the host set three years ahead: the retention clock goes
# on from boot 1's last reading, not from the system time.
set -u
place_prefix="boot $PHASE: "
. "$(dirname "$0")/place-lib.sh"
trail=/mnt/state/audit
clock_param=/sys/module/blkhold/parameters/retention_clock

wait_until() {	# wait_until CMD...: true within 30 s
	local _
	for _ in $(seq 1 300); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

in_trail() { grep -q "$1" "$trail" 2>/dev/null; }

# The JSON of the trail's first line of event $1 (its two hashes cut off).
first_entry() {
	grep -m 1 "\"event\":\"$1\"" "$trail" | sed -E 's/ [0-9a-f]{64} [0-9a-f]{64}$//'
}

start_follower() {
	local before
	before=$(grep -c '"event":"audit-started"' "$trail" 2>/dev/null)
	$blkhold audit --follow >/tmp/follow.out 2>&1 &
	wait_until sh -c "[ \$(grep -c '\"event\":\"audit-started\"' $trail 2>/dev/null) -gt ${before:-0} ]"
}

expect() {	# expect WHAT WANTED GOT
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n $place_prefix$1"
	else
		echo "not ok $n $place_prefix$1"
		echo "#   wanted '$2', got '$3'"
		failed=1
	fi
}

echo "TAP version 13"
modprobe virtio_blk
insmod "$project/build/$(uname -r)/module/blkhold.ko"
wait_until by_identity bh-proof >/dev/null
d=$(by_identity bh-proof)

if [ "$PHASE" = 1 ]; then
	check "a stored hold on $d" $blkhold hold "$d" --name CASE-PROOF --reason "proof test"
	check "its fingerprint is recorded" $blkhold fingerprint "$d" --name CASE-PROOF
	check "the audit follower starts" start_follower
	dd if=/dev/zero of="$d" bs=4096 seek=2 count=1 oflag=direct conv=notrunc status=none 2>/dev/null
	expect "a write to the held disk is refused" 1 $?
	check "the follower records the refusal" wait_until in_trail '"event":"refused"'
	until=$(( $(cat $clock_param) + 86400 ))
	echo "$until" >/mnt/state/retain-until
	check "a compliance hold a day ahead" $blkhold hold "$d" --name CASE-RET \
		--retain-until "@$until" --mode compliance
	# left running: the power goes off under it
else
	check "restore arms the stored hold" $blkhold restore
	check "the disk is held again" sh -c "$blkhold status $d | grep -q CASE-PROOF"
	check "the trail of boot 1 verifies" $blkhold audit --verify
	expect "it still holds boot 1's refusal: process, uid, sectors, device" \
		"dd 0 write 16 8 $d" \
		"$(first_entry refused | jq -r '"\(.comm) \(.uid) \(.kind) \(.sector) \(.sectors) \(.device)"')"
	out=$($blkhold fingerprint "$d" --name CASE-PROOF --verify --json)
	expect "--verify fails after the byte changed on the host" 1 $?
	expect "it names chunk 3, sectors 6144-8191" "false 3 6144 8191 1" \
		"$(jq -r '"\(.match) \(.first_differing_chunk) \(.first_differing_sector) \(.first_differing_last_sector) \(.differing)"' <<<"$out")"
	check "the follower of this boot starts" start_follower
	check "and records the new load of the module" in_trail '"event":"module-loaded"'
	check "the chain goes on across the reboot" $blkhold audit --verify
	until=$(cat /mnt/state/retain-until)
	expect "the system time (RTC moved ahead) is past the retention date" 1 \
		$(( $(date +%s) > until ))
	expect "the retention clock is not" 1 $(( $(cat $clock_param) < until ))
	out=$($blkhold release "$d" --name CASE-RET 2>&1)
	expect "so releasing the compliance hold is refused" 1 $?
	check "... as compliance" grep -q "compliance mode" <<<"$out"
	expect "its date is as it was" "$until compliance" \
		"$($blkhold status "$d" --json | jq -r '.holds[] | select(.name == "CASE-RET") | "\(.retain_until) \(.retain_mode)"')"
fi
echo "1..$n"
exit $failed
