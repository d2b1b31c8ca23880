#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make demo": boot a VM with blkhold, hold an emulated disk, run real wipe
# tools against it and print the transcript. BLKHOLD_KERNELS picks the kernel.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
cd "$project" || exit 1

[ -n "${BLKHOLD_NO_INSTALL:-}" ] || "$here/install-deps.sh" demo || exit 1
kernel=$("$here/kernels.sh" | tail -n 1)
[ -n "$kernel" ] || { echo "demo: no supported kernel installed" >&2; exit 1; }
make -s -C userspace && "$here/build-module.sh" "$kernel" || exit 1
"$here/run-vm.sh" --kernel "$kernel" --script "$here/demo-guest.sh" \
	--out "$project/build/demo" --timeout 600
status=$?
cat "$project/build/demo/ktap.log"
exit $status
