#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The gate's hooks on the I/O path are ftrace direct entries. Another
# ftrace user on the same functions (the function tracer, a kprobe) makes
# ftrace call them from its own trampoline: the gate must refuse just the
# same, and its unheld twin must stay writable, while they trace.
. "$(dirname "$0")/lib.sh"
require_root
held=$(virtio_disk a) && twin=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a/b not attached"
tracing=/sys/kernel/tracing
[ -e "$tracing/enabled_functions" ] || mount -t tracefs nodev "$tracing" 2>/dev/null
[ -e "$tracing/enabled_functions" ] || skip_all "no tracefs at $tracing"
hooked='submit_bio_noacct blkdev_write_iter'

# entry_of FUNCTION: what ftrace calls from FUNCTION's first instruction.
entry_of() {
	grep -A 1 "^$1 " "$tracing/enabled_functions" | grep -o 'bh_[a-z_]*entry' | head -n 1
}

# refused WHEN: a write, a buffered write and a discard of $held all fail
# and change nothing; a write to $twin works.
refused() {
	local before out
	before=$(sha256_direct "$held")
	out=$(dd if=/dev/urandom of="$held" bs=4k count=4 oflag=direct 2>&1)
	expect_match "$1: an O_DIRECT write fails with EPERM" "Operation not permitted" "$out"
	dd if=/dev/urandom of="$held" bs=4k count=4 conv=fsync 2>/dev/null
	blkdiscard -f -o 0 -l 1MiB "$held" 2>/dev/null
	expect_eq "$1: $held unchanged" "$before" "$(sha256_direct "$held")"
	expect_eq "$1: $held unchanged in the page cache" "$before" "$(sha256_cached "$held")"
	assert "$1: $twin stays writable" \
		dd if=/dev/urandom of="$twin" bs=4k count=4 oflag=direct status=none
}

untrace() {
	echo nop >"$tracing/current_tracer"
	echo >"$tracing/set_ftrace_filter"
	[ -d "$tracing/events/kprobes/blkhold_test" ] &&
		echo 0 >"$tracing/events/kprobes/blkhold_test/enable"
	echo '-:blkhold_test' >>"$tracing/kprobe_events" 2>/dev/null
	echo >"$tracing/trace"
}

fill_random "$held"
assert "hold placed on $held" hold "$held" traced-test
expect_eq "submit_bio_noacct calls blkhold's direct entry" bh_bio_entry \
	"$(entry_of submit_bio_noacct)"
expect_eq "blkdev_write_iter calls blkhold's direct entry" bh_write_entry \
	"$(entry_of blkdev_write_iter)"
refused "untraced"

echo "$hooked" >"$tracing/set_ftrace_filter" && echo function >"$tracing/current_tracer"
refused "under the function tracer"
expect_match "the function tracer saw the refused writes" "blkdev_write_iter" \
	"$(head -c 1M "$tracing/trace")"
untrace

if echo 'p:blkhold_test submit_bio_noacct' >>"$tracing/kprobe_events" 2>/dev/null &&
   echo 1 >"$tracing/events/kprobes/blkhold_test/enable"; then
	refused "under a kprobe"
	expect_match "the kprobe fired" "blkhold_test:" "$(head -c 1M "$tracing/trace")"
else
	skip "the gate under a kprobe" "cannot place a kprobe on submit_bio_noacct"
fi
untrace

refused "after tracing"
assert "hold released" release "$held" traced-test
expect_eq "without holds submit_bio_noacct is not hooked" "" "$(entry_of submit_bio_noacct)"
assert "without holds $held is writable" \
	dd if=/dev/urandom of="$held" bs=4k count=4 oflag=direct status=none
release_all
ktap_finish
