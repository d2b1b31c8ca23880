#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# package.sh's first part, in a mount namespace of its own: an overlay of
# BLKHOLD_PKG_LOWER (this host's root, or a build root) where apt-get
# installs the packages from BLKHOLD_PKG_DEBS, DKMS builds the module for
# every kernel with headers, and a kernel upgrade's hook is played. The
# overlay's upper layer goes to BLKHOLD_PKG_WORK/state/upper.tar for the
# VM (package-vm.sh). KTAP lines on stdout, without the plan.
#
# usage: unshare --mount package-root.sh RELEASE
set -uo pipefail

rel=${1:?RELEASE}
lower=${BLKHOLD_PKG_LOWER:?}
debs=${BLKHOLD_PKG_DEBS:?}
work=${BLKHOLD_PKG_WORK:?}
project=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/host-ktap.sh"
version=$(cat "$project/VERSION")
top=$work/overlay
root=$top/merged

in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

built_for() {	# built_for KERNEL: the module DKMS installed for it
	ls "$root/lib/modules/$1/updates/dkms/"blkhold.ko* 2>/dev/null | head -n 1
}

mount_root() {
	mkdir -p "$top/upper" "$top/work" "$root" &&
		mount -t overlay overlay \
			-o "lowerdir=$lower,upperdir=$top/upper,workdir=$top/work" "$root" &&
		mount -t proc proc "$root/proc" &&
		mount -t sysfs sys "$root/sys" &&
		mount --bind /dev "$root/dev" &&
		mount -t tmpfs tmpfs "$root/run" &&
		mount -t tmpfs tmpfs "$root/tmp" || return 1
	# No service starts, no initramfs rebuild (boot-path.sh tests the
	# boot path), no daemon of the host's reached: this is a chroot.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	mkdir -p "$root/etc/initramfs-tools"
	echo update_initramfs=no >"$root/etc/initramfs-tools/update-initramfs.conf"
}

if ! mount_root; then
	report 1 "an overlay of $lower to install into"
	exit 1
fi
cp "$debs"/blkhold-dkms_"$version"_all.deb "$debs"/blkhold_"$version"_*.deb "$root/tmp/"

out=$(in_root sh -c "cd /tmp && apt-get install -y -q --no-install-recommends \
	./blkhold-dkms_${version}_all.deb ./blkhold_${version}_amd64.deb" 2>&1)
report $? "apt-get installs both packages on $(. "$root/etc/os-release" && echo "$PRETTY_NAME")" "$out"
grep -q 'RUN+="/usr/sbin/blkhold restore"' "$root/lib/udev/rules.d/69-blkhold-stack.rules"
report $? "the udev rule for stacked volumes runs the packaged CLI"

# Every kernel with headers gets the module: the one the VM boots and the
# others, as on a host that carries several.
others=()
for d in "$root"/lib/modules/*/build/Makefile; do
	k=${d#"$root"/lib/modules/}
	k=${k%%/*}
	[ "$k" != "$rel" ] && others+=("$k")
done
for k in "$rel" "${others[@]}"; do
	[ "$(modinfo -F vermagic "$(built_for "$k")" 2>/dev/null | cut -d' ' -f1)" = "$k" ]
	report $? "DKMS built and installed the module for $k" "$out"
done
ko=$(built_for "$rel")
modinfo -F signer "$ko" 2>/dev/null | grep -qi dkms
report $? "DKMS signed it with its machine owner key" "$(modinfo "$ko" 2>&1)"
[ -s "$root/var/lib/dkms/mok.pub" ]
report $? "the key DKMS made is kept for enrollment (mokutil --import)"

# A kernel upgrade: the kernel package runs DKMS's postinst hook for the
# new release. First on a kernel built without the ftrace options blkhold
# needs (its headers' configuration edited in the overlay): skipped,
# saying why.
if [ ${#others[@]} -gt 0 ]; then
	other=${others[0]}
	in_root dkms remove -m blkhold -v "$version" -k "$other" >/dev/null 2>&1
	# the configuration DKMS reads: .config, or auto.conf (trixie's DKMS)
	hdr=$root/usr/src/linux-headers-$other
	configs=()
	for c in "$hdr/.config" "$hdr/include/config/auto.conf"; do
		[ -e "$c" ] || continue
		configs+=("$c")
		cp "$c" "$top/${c##*/}"
		sed -i '/^CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=/d' "$c"
	done
	out=$(in_root /etc/kernel/postinst.d/dkms "$other" 2>&1)
	grep -q "BUILD_EXCLUSIVE" <<<"$out"
	report $? "a kernel without direct calls is skipped, saying why" "$out"
	[ -z "$(built_for "$other")" ]
	report $? "and gets no module"
	for c in "${configs[@]}"; do cp "$top/${c##*/}" "$c"; done
	out=$(in_root /etc/kernel/postinst.d/dkms "$other" 2>&1)
	[ "$(modinfo -F vermagic "$(built_for "$other")" 2>/dev/null | cut -d' ' -f1)" = "$other" ]
	report $? "the kernel upgrade hook builds the module for $other" "$out"
else
	n=$((n + 1))
	echo "ok $n the kernel upgrade hook # SKIP no second kernel with headers in $lower"
fi

# What the VM needs of this: the upper layer, with overlayfs' whiteouts.
in_root sh -c 'rm -rf /var/lib/dkms/blkhold/*/build /var/cache/apt/archives/*.deb /tmp/*'
tar -C "$top/upper" --xattrs --xattrs-include='trusted.*' -cf "$work/state/upper.tar" .
report $? "the installed system is packed for the VM"
umount -R "$root" 2>/dev/null
exit $failed
