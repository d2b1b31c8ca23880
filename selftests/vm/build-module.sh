#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build blkhold.ko for kernel RELEASE in OUTDIR (default build/RELEASE/),
# with W=1; any compiler warning fails the build. The build runs in a
# scratch tree and OUTDIR/module/blkhold.ko is then replaced by a rename,
# so a VM loading the module meanwhile never sees it missing or half
# written.
set -uo pipefail
rel=$1
project=$(cd "$(dirname "$0")/../.." && pwd)
kdir=/lib/modules/$rel/build
out=${2:-$project/build/$rel}

[ -e "$kdir/Makefile" ] || { echo "build-module: no headers for $rel at $kdir" >&2; exit 1; }
mkdir -p "$out/module" && out=$(cd "$out" && pwd) || exit 1
tree=$(mktemp -d "$out/.build.XXXXXX") || exit 1
trap 'rm -rf "$tree"' EXIT
cp -r "$project/Kbuild" "$project/module" "$project/include" "$tree/"
log=$(make -C "$kdir" M="$tree" W=1 modules 2>&1)
rc=$?
if [ $rc != 0 ] || grep -q "warning:" <<<"$log"; then
	echo "$log" >&2
	echo "build-module: $rel: build failed or warned" >&2
	exit 1
fi
mv -f "$tree/module/blkhold.ko" "$out/module/blkhold.ko"
