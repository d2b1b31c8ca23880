#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages on a clean system: on an overlay of the guest's root,
# install blkhold-dkms and blkhold with apt, let DKMS build the module for
# the running kernel, load it, place a hold with the packaged CLI, build
# for the other installed kernel as a kernel upgrade would (and be refused
# on a kernel without the ftrace options), then try to remove the packages
# with the hold in force (refused, nothing lost) and after its release.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd dpkg apt-get dkms chroot jq

project=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$project/VERSION")
debs=$project/build/deb
rel=$(uname -r)
disk=$(virtio_disk a) || skip_all "no virtio test disk"

cleanup() {
	[ -d /sys/module/blkhold ] && in_root blkhold release "$disk" --name PKG-1 >/dev/null 2>&1
	overlay_root_umount
	# The rest of the suite runs the module make check built.
	if ! grep -q "^$(modinfo -F srcversion "$BLKHOLD_KO") *$" /sys/module/blkhold/srcversion 2>/dev/null; then
		rmmod blkhold 2>/dev/null
		insmod "$BLKHOLD_KO"
	fi
}
trap cleanup EXIT

[ -f "$debs/blkhold-dkms_${version}_all.deb" ] ||
	{ not_ok "packages built (make deb) in $debs"; ktap_finish; }

overlay_root_mount || skip_all "cannot mount an overlay of the guest's root"
cp "$debs"/blkhold-dkms_"$version"_all.deb "$debs"/blkhold_"$version"_*.deb "$root/tmp/"

other=
for d in "$root"/usr/src/linux-headers-*-amd64; do
	k=${d##*/linux-headers-}
	[ "$k" != "$rel" ] && [ -e "$root/lib/modules/$k/build/Makefile" ] && other=$k
done

built_for() {	# built_for KERNEL: the path of the module DKMS installed for it
	ls "$root/lib/modules/$1/updates/dkms/"blkhold.ko* 2>/dev/null | head -n 1
}

# Leave the module make check loaded: the package's must be the one loaded.
release_all
rmmod blkhold 2>/dev/null

out=$(in_root sh -c "cd /tmp && apt-get install -y -q --no-install-recommends \
	./blkhold-dkms_${version}_all.deb ./blkhold_${version}_amd64.deb" 2>&1)
assert "apt-get installs both packages" in_root dpkg-query -W -f='${Status}' blkhold-dkms blkhold
assert "the udev rule for stacked volumes runs the packaged CLI" \
	grep -q 'RUN+="/usr/sbin/blkhold restore"' "$root/lib/udev/rules.d/69-blkhold-stack.rules"
expect_eq "DKMS built and installed the module for the running kernel $rel" \
	"blkhold/$version, $rel, x86_64: installed" "$(in_root dkms status -k "$rel" blkhold 2>/dev/null)"
ko=$(built_for "$rel")
expect_eq "the installed module is for $rel" "$rel" \
	"$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)"
[ -n "$ko" ] || printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
# Under Secure Boot only a signed module loads: DKMS signs with its MOK.
expect_eq "DKMS signed it with its machine owner key" "DKMS module signing key" \
	"$(modinfo -F signer "$ko" 2>/dev/null)"
assert "the key DKMS made is kept for enrollment (mokutil --import)" \
	test -s "$root/var/lib/dkms/mok.pub"

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
expect_eq "the held disk is unchanged" "$before" "$(sha256_direct "$disk")"

# A kernel upgrade: the kernel package runs DKMS's postinst hook for the
# new release. First on a kernel built without the ftrace options blkhold
# needs (its headers' .config edited in the overlay): skipped, saying why.
if [ -n "$other" ]; then
	in_root dkms remove -m blkhold -v "$version" -k "$other" >/dev/null 2>&1
	config=$root/usr/src/linux-headers-$other/.config
	cp "$config" "$root/tmp/config"
	sed -i '/^CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=/d' "$config"
	out=$(in_root /etc/kernel/postinst.d/dkms "$other" 2>&1)
	expect_match "a kernel without direct calls is skipped, saying why" \
		"BUILD_EXCLUSIVE" "$out"
	expect_eq "and gets no module" "" "$(built_for "$other")"
	cp "$root/tmp/config" "$config"
	out=$(in_root /etc/kernel/postinst.d/dkms "$other" 2>&1)
	ko_other=$(built_for "$other")
	expect_eq "the kernel upgrade hook builds the module for $other" "$other" \
		"$(modinfo -F vermagic "$ko_other" 2>/dev/null | cut -d' ' -f1)"
	[ -n "$ko_other" ] || printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
else
	skip "the kernel upgrade hook" "no second kernel with headers in the guest's root"
fi

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
refute "the disk is still held" dd if=/dev/zero of="$disk" bs=4096 count=1 \
	oflag=direct status=none
expect_eq "the held disk is still unchanged" "$before" "$(sha256_direct "$disk")"

# Released: both go, the built modules with them.
assert "the packaged CLI releases the hold" in_root blkhold release "$disk" --name PKG-1
assert "both packages are removed once no hold is left" \
	in_root apt-get remove -y -q blkhold-dkms blkhold
expect_eq "no module is left under updates/dkms" "" "$(built_for "$rel")$(built_for "${other:-$rel}")"
assert "the store is kept (/etc/blkhold/ledger)" test -s "$root/etc/blkhold/ledger"

ktap_finish
