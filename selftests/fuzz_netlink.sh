#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The netlink fuzzer (blkhold_fuzz.c) against the live module: generated
# and damaged messages to every command as root and as nobody, then
# concurrent adds, releases and dumps. Its KTAP is this test's. The runner
# fails the VM on any oops or WARN; the fuzzer checks that nobody changed
# nothing and that the registry is empty once everything is released.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd jq
disk=$(virtio_disk b) || skip_all "virtio disk bh-virtio-b not attached"
# lib.sh printed the KTAP header already
"$(dirname "$0")/blkhold_fuzz" "$disk" "${BLKHOLD_FUZZ_MESSAGES:-100000}" |
	sed '1{/^TAP version/d}'
rc=${PIPESTATUS[0]}
release_all	# what a failed run left behind must not reach the next test
exit "$rc"
