#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# package.sh's second part, in the test VM: the system package-root.sh
# installed (its upper layer, /mnt/state/upper.tar, over the same root:
# the host's, or the build root shared as "pkgroot") with the DKMS-built
# module loaded by modprobe, a stored hold placed with the packaged CLI,
# removal refused while it is in force and done after its release.
. "$(dirname "$0")/../lib.sh"
require_root

version=$(cat "$(dirname "$0")/../../VERSION")
rel=$(uname -r)
modprobe -a virtio_blk nvme overlay 2>/dev/null
disk=$(virtio_disk a) || skip_all "no virtio test disk"

lower=/
if grep -qx pkgroot /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; then
	lower=/mnt/pkgroot
	mkdir -p "$lower"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro pkgroot "$lower" ||
		skip_all "cannot mount the build root"
fi
top=$(mktemp -d /tmp/package.XXXXXX)
root=$top/root
mount -t tmpfs tmpfs "$top"
mkdir -p "$top/upper" "$top/work" "$root"
tar -C "$top/upper" --xattrs --xattrs-include='trusted.*' -xf /mnt/state/upper.tar ||
	skip_all "cannot unpack the installed system"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$top/upper,workdir=$top/work" "$root" ||
	skip_all "cannot mount the installed system"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/run"
mount -t tmpfs tmpfs "$root/tmp"

in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
cleanup() {
	in_root blkhold release "$disk" --name PKG-1 >/dev/null 2>&1
	umount -R "$root" 2>/dev/null
	umount "$top" 2>/dev/null
}
trap cleanup EXIT
ko=$(ls "$root/lib/modules/$rel/updates/dkms/"blkhold.ko* 2>/dev/null | head -n 1)

assert "modprobe loads the DKMS-built module" in_root modprobe blkhold
expect_eq "the loaded module is the package's version" "$version" \
	"$(cat /sys/module/blkhold/version 2>/dev/null)"
expect_eq "the loaded module is the one DKMS built" "$(modinfo -F srcversion "$ko" 2>/dev/null)" \
	"$(cat /sys/module/blkhold/srcversion 2>/dev/null)"

fill_random "$disk"
before=$(sha256_direct "$disk")
assert "the packaged CLI places a stored hold" in_root blkhold hold "$disk" --name PKG-1 \
	--reason "package test"
refute "a write to the held disk is refused" dd if=/dev/zero of="$disk" bs=4096 count=1 \
	oflag=direct status=none

# Removal while the hold is in force: refused, and nothing is gone.
out=$(in_root apt-get remove -y -q blkhold-dkms 2>&1)
expect_match "removing blkhold-dkms with a hold in force is refused, saying why" \
	"refusing removal: legal holds are in force" "$out"
assert "blkhold-dkms stays installed" sh -c \
	"chroot '$root' dpkg-query -W -f='\${Status}' blkhold-dkms | grep -q 'install ok installed'"
assert "the built module stays" test -e "$ko"
assert "the module stays loaded" test -d /sys/module/blkhold
out=$(in_root apt-get remove -y -q blkhold 2>&1)
expect_match "removing blkhold with a hold in force is refused, saying why" \
	"refusing removal: legal holds are in force or stored" "$out"
assert "blkhold stays installed" in_root test -x /usr/sbin/blkhold
expect_eq "the held disk is unchanged" "$before" "$(sha256_direct "$disk")"

# Released: both go, the built modules with them. Debian then rebuilds
# the newest kernel's initramfs (a hook went), which in this throw-away
# root would only cost minutes of TCG: the admin's own switch skips it.
[ ! -d "$root/etc/initramfs-tools" ] ||
	echo update_initramfs=no >>"$root/etc/initramfs-tools/update-initramfs.conf"
assert "the packaged CLI releases the hold" in_root blkhold release "$disk" --name PKG-1
assert "both packages are removed once no hold is left" \
	in_root apt-get remove -y -q blkhold-dkms blkhold
expect_eq "no module is left under updates/dkms" "" \
	"$(ls "$root"/lib/modules/*/updates/dkms/blkhold.ko* 2>/dev/null)"
assert "the store is kept (/etc/blkhold/ledger)" test -s "$root/etc/blkhold/ledger"
ktap_finish
