#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hibernation image restore, for one kernel, in a boot of its own: the
# image replaces the whole of memory, and the test VMs' root over 9p does
# not survive the device freeze that making one takes. The boot runs
# hibernate-init.sh from an initramfs holding busybox, virtio-blk, the
# module, the CLI and blkhold_sys: an image is made before any hold,
# a hold is placed, and restoring the image (which has no hold) must be
# refused. Prints KTAP; exit status 0 when every assertion passed.
#
# usage: hibernate.sh RELEASE
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
rel=$1
work=$project/build/vm/$rel/hibernate
stage=$work/initramfs

rm -rf "$work"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,modules,lib64,lib/x86_64-linux-gnu}
cp /bin/busybox "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$here/hibernate-init.sh" "$stage/init"
cp "$project/build/$rel/module/blkhold.ko" "$stage/modules/zz-blkhold.ko"
# A kernel of another release's build root: its modules, seen in
# /lib/modules by kernel-store.sh run (this host's kernels: as they are).
"$here/kernel-store.sh" run "$rel" "$here/stage-modules.sh" "$rel" "$stage/modules" \
	virtio_pci virtio_blk || { echo "not ok 1 the guest's virtio modules are found"; exit 1; }
for exe in "$project/userspace/blkhold" "$project/selftests/blkhold_sys"; do
	cp "$exe" "$stage/bin/"
	ldd "$exe" | grep -o '/[^ ]*' | while read -r lib; do
		cp -L "$lib" "$stage$lib"
	done
done
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$work/initramfs.cpio.gz"

truncate -s 16M "$work/disk.img"
"$here/run-vm.sh" --kernel "$rel" --out "$work/vm" --timeout 600 --no-disks --mem 768 \
	--initrd "$work/initramfs.cpio.gz" --append "rdinit=/init" \
	--qemu -drive --qemu "file=$work/disk.img,if=none,id=d,format=raw,cache=unsafe" \
	--qemu -device --qemu "virtio-blk-pci,drive=d,serial=bh-hibernate"
rc=$?
cat "$work/vm/ktap.log"
rm -f "$work/disk.img"
exit $rc
