#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build blkhold.ko for kernel RELEASE in OUTDIR (default build/RELEASE/),
# with W=1; any compiler warning fails the build. The build runs in a
# scratch tree and OUTDIR/module/blkhold.ko is then replaced by a rename,
# so a VM loading the module meanwhile never sees it missing or half
# written.
#
# A kernel of another Debian release (kernel-store.sh) is built in its own
# build root, with that release's compiler and kbuild.
set -uo pipefail
rel=$1
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
out=${2:-$project/build/$rel}

root=$("$here/kernel-store.sh" root "$rel" 2>/dev/null) ||
	{ echo "build-module: no headers for $rel (in /lib/modules or a build root)" >&2; exit 1; }
kdir=/lib/modules/$rel/build
mkdir -p "$out/module" && out=$(cd "$out" && pwd) || exit 1
if [ -n "$root" ]; then
	tree=$(mktemp -d "$root/var/tmp/blkhold-build.XXXXXX") || exit 1
else
	tree=$(mktemp -d "$out/.build.XXXXXX") || exit 1
fi
trap 'rm -rf "$tree"' EXIT
cp -r "$project/Kbuild" "$project/VERSION" "$project/module" "$project/include" "$tree/"
if [ -n "$root" ]; then
	log=$("$here/kernel-store.sh" chroot "$rel" make -C "$kdir" M="${tree#"$root"}" \
		W=1 modules 2>&1)
else
	log=$(make -C "$kdir" M="$tree" W=1 modules 2>&1)
fi
rc=$?
if [ $rc != 0 ] || grep -q "warning:" <<<"$log"; then
	echo "$log" >&2
	echo "build-module: $rel: build failed or warned" >&2
	exit 1
fi
mv -f "$tree/module/blkhold.ko" "$out/module/blkhold.ko"

# The load test's variant: a hook on a function no kernel has. Only
# gate.o is built again.
if [ -n "$root" ]; then
	"$here/kernel-store.sh" chroot "$rel" make -C "$kdir" M="${tree#"$root"}" \
		W=1 BLKHOLD_TEST_MISSING_HOOK=1 modules >/dev/null 2>&1
else
	make -C "$kdir" M="$tree" W=1 BLKHOLD_TEST_MISSING_HOOK=1 modules >/dev/null 2>&1
fi || { echo "build-module: $rel: the missing-hook test build failed" >&2; exit 1; }
mv -f "$tree/module/blkhold.ko" "$out/module/blkhold-missing-hook.ko"
