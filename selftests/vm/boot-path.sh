#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The real boot path, for one kernel: a first boot places stored holds (on
# a disk, a partition and a dm volume); a
# second boots Debian's own initramfs, made by mkinitramfs with blkhold's
# hook and script, with the disks attached in the other order. A udev rule
# on each disk's add event and an init-top script after udev write to every
# disk; the held ones must come out unchanged, byte for byte, on the host.
# Prints KTAP; exit status 0 when every assertion passed.
#
# usage: boot-path.sh RELEASE
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
. "$here/host-ktap.sh"
rel=$1
work=$project/build/vm/$rel/boot

rm -rf "$work"
mkdir -p "$work/state" "$work/conf/hooks" "$work/conf/scripts/init-top"
for d in a b c; do
	head -c 16M /dev/urandom >"$work/$d.img"
done
printf 'label: gpt\nstart=2048, size=8192\nstart=10240, size=8192\n' |
	sfdisk -q "$work/c.img" >/dev/null

drive() { echo "-drive file=$work/$1.img,if=none,id=$1,format=raw,cache=unsafe,discard=unmap"; }
boot1=($(drive a) -device virtio-blk-pci,drive=a,serial=bh-boot-a
       $(drive b) -device virtio-blk-pci,drive=b,serial=bh-boot-b
       $(drive c) -device nvme,drive=c,serial=bh-boot-c)
# The second boot attaches them the other way round: vda and vdb swap.
boot2=($(drive b) -device virtio-blk-pci,drive=b,serial=bh-boot-b
       $(drive a) -device virtio-blk-pci,drive=a,serial=bh-boot-a
       $(drive c) -device nvme,drive=c,serial=bh-boot-c)

qemu_args() { local a; for a in "$@"; do printf -- '--qemu\n%s\n' "$a"; done; }

mapfile -t args < <(qemu_args "${boot1[@]}")
"$here/run-vm.sh" --kernel "$rel" --script "$here/boot-place.sh" --out "$work/vm1" \
	--timeout 900 --no-disks --share "$work/state" "${args[@]}"
report $? "boot 1 placed the stored holds"
sed 's/^/# /' "$work/vm1/ktap.log"

sum_a=$(sha256sum <"$work/a.img") sum_b=$(sha256sum <"$work/b.img")
sum_lv=$(sectors "$work/b.img" 4096 4096)
sum_c1=$(sectors "$work/c.img" 2048 8192) sum_c2=$(sectors "$work/c.img" 10240 8192)

# Debian's mkinitramfs with blkhold's hook and script as "make install"
# would place them, the module and CLI of this tree, and the test's own
# writers: an init-top script after udev and a udev rule.
sbin=$project/userspace
sed "s|@SBINDIR@|$sbin|g" "$project/boot/initramfs-tools/hooks/blkhold" >"$work/conf/hooks/blkhold"
sed "s|@SBINDIR@|$sbin|g" "$project/boot/initramfs-tools/scripts/init-top/00blkhold" \
	>"$work/conf/scripts/init-top/00blkhold"
sed "s|@SBINDIR@|$sbin|g" "$here/boot-check.sh" >"$work/conf/scripts/init-top/zz_blkhold_check"
cat >"$work/conf/hooks/blkhold_selftest" <<HOOK
#!/bin/sh
[ "\$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
mkdir -p "\$DESTDIR/etc/modprobe.d" "\$DESTDIR/usr/lib/udev/rules.d"
sed "s|@SBINDIR@|$sbin|g" "$project/boot/modprobe.d/blkhold.conf" >"\$DESTDIR/etc/modprobe.d/blkhold.conf"
copy_exec /usr/bin/dd
copy_exec /usr/sbin/wipefs
copy_exec /usr/sbin/blkdiscard
copy_exec /usr/sbin/dmsetup
echo 'ACTION=="add", SUBSYSTEM=="block", KERNEL=="vd*|nvme*n1*", RUN+="/usr/bin/dd if=/dev/urandom of=\$devnode bs=4096 count=4 seek=8 oflag=direct conv=notrunc"' \
	>"\$DESTDIR/usr/lib/udev/rules.d/99-blkhold-selftest.rules"
HOOK
chmod +x "$work/conf/hooks/"* "$work/conf/scripts/init-top/"*
printf 'MODULES=list\nBUSYBOX=y\nCOMPRESS=gzip\n' >"$work/conf/initramfs.conf"
printf 'virtio_pci\nvirtio_blk\nnvme\ndm_mod\n' >"$work/conf/modules"
sed "s|@SBINDIR@|$sbin|g" "$project/boot/udev/69-blkhold-stack.rules" >"$work/stack.rules"
BLKHOLD_KO=$project/build/$rel/module/blkhold.ko BLKHOLD_STATE_DIR=$work/state \
	BLKHOLD_UDEV_RULES=$work/stack.rules "$here/kernel-store.sh" run "$rel" \
	mkinitramfs -d "$work/conf" -o "$work/initramfs.cpio.gz" "$rel" >"$work/mkinitramfs.log" 2>&1
report $? "mkinitramfs builds an initramfs with blkhold's hook"
lsinitramfs "$work/initramfs.cpio.gz" >"$work/lsinitramfs.txt" 2>&1
grep -q "etc/blkhold/ledger" "$work/lsinitramfs.txt" && grep -q "blkhold.ko" "$work/lsinitramfs.txt" &&
	grep -q "etc/modprobe.d/blkhold.conf" "$work/lsinitramfs.txt"
report $? "lsinitramfs shows the module, the store and the modprobe.d file"

# verify compares the store with an initramfs's copy (the kernel part of
# its report fails here: the host runs no blkhold).
out=$("$project/userspace/blkhold" --state-dir "$work/state" verify \
	--initramfs "$work/initramfs.cpio.gz" 2>&1)
grep -q "initramfs: .* holds the same ledger" <<<"$out"
report $? "verify finds the store's ledger in the new initramfs"
if [ -r "/boot/initrd.img-$rel" ]; then
	out=$("$project/userspace/blkhold" --state-dir "$work/state" verify \
		--initramfs "/boot/initrd.img-$rel" 2>&1)
	grep -q "has no copy of the store" <<<"$out"
	report $? "verify names an initramfs without blkhold's copy of the store"
fi

mapfile -t args < <(qemu_args "${boot2[@]}")
"$here/run-vm.sh" --kernel "$rel" --out "$work/vm2" --timeout 900 --no-disks \
	--initrd "$work/initramfs.cpio.gz" --append "root=/dev/blkhold-none rootdelay=1" "${args[@]}"
report $? "boot 2 ran Debian's initramfs to its init-top checks"
sed 's/^/# /' "$work/vm2/ktap.log"
grep -q "^not ok" "$work/vm2/ktap.log" "$work/vm1/ktap.log"
report $((!$?)) "every check inside the two boots passed"

[ "$(sha256sum <"$work/a.img")" = "$sum_a" ]
report $? "the held virtio disk is unchanged, byte for byte"
[ "$(sectors "$work/c.img" 2048 8192)" = "$sum_c1" ]
report $? "the held NVMe partition is unchanged, byte for byte"
[ "$(sectors "$work/b.img" 4096 4096)" = "$sum_lv" ]
report $? "the range beneath the held dm volume is unchanged, byte for byte"
[ "$(sha256sum <"$work/b.img")" != "$sum_b" ]
report $? "the rest of that virtio disk was written (the writers ran)"
[ "$(sectors "$work/c.img" 10240 8192)" != "$sum_c2" ]
report $? "the unheld neighbour partition was written"
echo "1..$n"
rm -f "$work"/[abc].img
exit $failed
