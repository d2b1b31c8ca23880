#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the tiny initramfs that boots a Debian kernel far enough to mount
# the host's root over virtio-9p: static busybox, the 9p/virtio modules of
# that kernel (decompressed, in load order) and guest-boot.sh as /init.
#
# usage: mkinitramfs.sh RELEASE OUTPUT
set -euo pipefail

rel=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "mkinitramfs: $*" >&2; exit 1; }

# A kernel of another Debian release: see its modules in /lib/modules.
if [ -z "${BLKHOLD_IN_KERNEL_STORE:-}" ] && "$here/kernel-store.sh" root "$rel" 2>/dev/null | grep -q .; then
	BLKHOLD_IN_KERNEL_STORE=1 exec "$here/kernel-store.sh" run "$rel" "$0" "$@"
fi
[ -d "/lib/modules/$rel" ] || die "no modules for kernel $rel in /lib/modules"
[ -x /bin/busybox ] || die "busybox-static is not installed"
command -v cpio >/dev/null || die "cpio is not installed"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,root,modules}
cp /bin/busybox "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$here/guest-boot.sh" "$stage/init"

"$here/stage-modules.sh" "$rel" "$stage/modules" virtio_pci 9pnet_virtio 9p

# Two VMs of one kernel may build it at once: each renames its own.
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$out.$$"
mv "$out.$$" "$out"
