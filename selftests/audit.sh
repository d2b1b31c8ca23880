#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# blkhold audit: the follower records a hold and a refused wipe with the
# process, uid and sectors; events the kernel announced while it was
# stopped show as a gap of exactly their number; the log's chain verifies,
# and an edited line is named; --name and --since select; bad input is
# refused with one line.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd jq
a=$(virtio_disk a) || skip_all "virtio disk bh-virtio-a not attached"

store=$(mktemp -d /tmp/audit-store.XXXXXX)
export BLKHOLD_STATE_DIR=$store
log=$store/audit
follower=
journald= cgroup_mounted=
stop_follower() {
	[ -n "$follower" ] && kill "$follower" 2>/dev/null && wait "$follower" 2>/dev/null
	follower=
}
cleanup() {
	stop_follower
	release_all
	if [ -n "$journald" ]; then
		kill "$journald" 2>/dev/null && wait "$journald" 2>/dev/null
		rm -rf /run/systemd/journal /run/log/journal
	fi
	[ -n "$cgroup_mounted" ] && umount /sys/fs/cgroup
	rm -rf "$store"
}
trap cleanup EXIT

start_follower() {
	local started
	started=$(grep -c '"event":"audit-started"' "$log" 2>/dev/null)
	"$BLKHOLD" audit --follow >>"$store/follow.out" 2>&1 &
	follower=$!
	wait_for sh -c "[ \$(grep -c '\"event\":\"audit-started\"' '$log' 2>/dev/null) -gt ${started:-0} ]"
}

# The JSON of each line of event $1 (the chain's two hashes cut off).
entries() {
	grep "\"event\":\"$1\"" "$log" | sed -E 's/ [0-9a-f]{64} [0-9a-f]{64}$//'
}

write_block() {	# write_block SECTOR: 4 KiB there, refused on a held disk
	dd if=/dev/zero of="$a" bs=4096 seek=$(($1 / 8)) count=1 oflag=direct conv=notrunc \
		status=none 2>/dev/null
}

# A journald of the test's own (the guest has no systemd): what the
# follower sends the journal, field by field. journald wants a cgroup
# file system.
journal_ok=
if [ -x /lib/systemd/systemd-journald ] && [ ! -e /run/systemd/journal/socket ]; then
	mkdir -p /run/systemd /run/log
	if ! mountpoint -q /sys/fs/cgroup; then
		mount -t cgroup2 cgroup2 /sys/fs/cgroup && cgroup_mounted=1
	fi
	/lib/systemd/systemd-journald >/dev/null 2>&1 &
	journald=$!
	wait_for test -S /run/systemd/journal/socket && journal_ok=1
fi
journal_refused() {
	journalctl -D /run/log/journal -o json --no-pager BLKHOLD_EVENT=refused 2>/dev/null |
		jq -r '"\(.BLKHOLD_COMM) \(.BLKHOLD_UID) \(.BLKHOLD_KIND) \(.BLKHOLD_SECTOR) \(.BLKHOLD_SECTORS) \(.BLKHOLD_DEVICE) \(.SYSLOG_IDENTIFIER) \(.PRIORITY)"' |
		head -n 1
}

# not in a subshell: $follower must stay set here
start_follower
assert "the follower starts and says so in the log" grep -q '"event":"audit-started"' "$log"
hold "$a" audit-case "the audit test"
refute "a write to the held disk is refused" write_block 16
assert "the refusal reaches the log" wait_for grep -q '"event":"refused"' "$log"
expect_eq "it records the process, uid, kind and sectors" "dd 0 write 16 8 /dev/${a#/dev/}" \
	"$(entries refused | head -n 1 | jq -r '"\(.comm) \(.uid) \(.kind) \(.sector) \(.sectors) \(.device)"')"
expect_eq "and the hold's placement, with its reason" "audit-case the audit test" \
	"$(entries hold-added | jq -r '"\(.hold) \(.reason)"')"
expect_match "each kernel event carries its number" '^[0-9]+$' \
	"$(entries refused | head -n 1 | jq -r .event_seq)"
assert "--verify: the chain is intact" "$BLKHOLD" audit --verify
if [ -n "$journal_ok" ]; then
	wait_for sh -c '[ -n "$(journalctl -D /run/log/journal --no-pager -q BLKHOLD_EVENT=refused 2>/dev/null)" ]'
	expect_eq "the journal has the refusal, field by field, as a warning" \
		"dd 0 write 16 8 /dev/${a#/dev/} blkhold 4" "$(journal_refused)"
else
	skip "the journal's fields" "no systemd-journald to start in this guest"
fi

# Stopped: what the kernel announces meanwhile is a gap of exactly its size.
stop_follower
assert "the stop is recorded" grep -q '"event":"audit-stopped"' "$log"
assert "the follower's stop left the chain intact" "$BLKHOLD" audit --verify
for s in 24 32 40; do write_block "$s"; done
start_follower
expect_eq "the three refusals while it was stopped show as a gap of 3" 3 \
	"$(entries gap | tail -n 1 | jq -r .missed)"
refute "a write after the restart is refused" write_block 48
assert "... and recorded after the gap" wait_for sh -c "grep '\"event\":\"refused\"' '$log' | grep -q '\"sector\":48'"
prev=$(entries gap | tail -n 1 | jq -r .to)
expect_eq "numbering goes on from the gap" $((prev + 1)) \
	"$(entries refused | tail -n 1 | jq -r .event_seq)"

# Showing: by hold, by date, as JSON.
out=$("$BLKHOLD" audit --name audit-case --json)
expect_eq "--name selects the hold's placement and the two refusals recorded on its disk" "1 2 0" \
	"$(jq -r '[.entries[] | .event] | "\(map(select(. == "hold-added")) | length) \(map(select(. == "refused")) | length) \(map(select(. == "gap")) | length)"' <<<"$out")"
expect_eq "--since a later day selects nothing" 0 \
	"$("$BLKHOLD" audit --since 2099-01-01 --json | jq '.entries | length')"
assert "the human form names the refusal" sh -c "'$BLKHOLD' audit | grep -q 'refused device=/dev/${a#/dev/} .*comm=dd'"
refute "--since with no date is refused" "$BLKHOLD" audit --since yesterday
msg=$("$BLKHOLD" audit --since yesterday 2>&1)
expect_eq "... in one line" 1 "$(wc -l <<<"$msg")"
refute "--follow with --json is refused" "$BLKHOLD" audit --follow --json

# blkhold unloaded under the follower: it says so and exits, so that its
# service restarts it; the next load is a new epoch.
release "$a" audit-case
wait_for grep -q '"event":"hold-released"' "$log"
assert "blkhold unloads once its holds are gone" rmmod blkhold
wait_for sh -c "! kill -0 $follower 2>/dev/null"
wait "$follower"
rc=$?
follower=
expect_ne "the follower exits with an error when blkhold is unloaded" 0 "$rc"
assert "and records it" grep -q '"event":"module-unloaded"' "$log"
insmod "$BLKHOLD_KO"
start_follower
assert "the next load is recorded as a new epoch" grep -q '"event":"module-loaded"' "$log"
assert "the chain is intact across it" "$BLKHOLD" audit --verify

# An edited line is named.
stop_follower
# the hold's placement: which line it is depends on what came before (a gap)
n=$(grep -n '"event":"hold-added"' "$log" | head -n 1 | cut -d: -f1)
sed -i "${n}s/\"uid\":0/\"uid\":7/" "$log"
msg=$("$BLKHOLD" audit --verify 2>&1)
rc=$?
expect_eq "--verify fails on an edited line" 1 "$rc"
expect_match "and names it" "line $n: its hash does not match its content" "$msg"

ktap_finish
