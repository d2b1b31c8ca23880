# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The wipe procedures of a hosting provider, run with the real tools
# against a held disk and its unheld twin. Sourced by the gate_*.sh tests.

# attack_suite HELD TWIN
attack_suite() {
	local held=$1 twin=$2 out mnt

	fill_random "$held" && fill_random "$twin" || { not_ok "filling the disks"; return; }
	# A filesystem signature gives wipefs and mount something to find.
	mkfs.ext4 -F -q "$held" >/dev/null 2>&1
	assert "hold placed on $held" hold "$held" attack-test "selftest of the gate"

	attack "blkdiscard" "$held" "$twin" 'blkdiscard -f "$DEV"'
	attack "blkdiscard --secure" "$held" "$twin" 'blkdiscard -f -s "$DEV"'
	attack "blkdiscard --zeroout" "$held" "$twin" 'blkdiscard -f -z "$DEV"'
	attack "dd oflag=direct" "$held" "$twin" \
		'dd if=/dev/urandom of="$DEV" bs=1M count=4 oflag=direct'
	attack "dd buffered" "$held" "$twin" \
		'dd if=/dev/urandom of="$DEV" bs=1M count=4 conv=fsync'
	attack "mkfs.ext4" "$held" "$twin" 'mkfs.ext4 -F -q "$DEV"'
	attack "wipefs -a" "$held" "$twin" 'wipefs -a -f "$DEV"' 'mkfs.ext4 -F -q "$DEV"'
	attack "shred" "$held" "$twin" 'shred -n 1 -s 4M "$DEV"'
	attack "fallocate --punch-hole" "$held" "$twin" \
		'fallocate --punch-hole --offset 0 --length 4MiB "$DEV"'
	attack "fallocate --zero-range" "$held" "$twin" \
		'fallocate --zero-range --offset 0 --length 4MiB "$DEV"'
	attack "sfdisk" "$held" "$twin" 'echo ",," | sfdisk -q -f "$DEV"'
	attack "losetup, then write" "$held" "$twin" \
		'l=$(losetup -f --show "$DEV") || exit 1
		 dd if=/dev/urandom of="$l" bs=1M count=4 oflag=direct; rc=$?
		 losetup -d "$l"; exit $rc'
	attack "dm-linear, then write" "$held" "$twin" \
		'dmsetup create bhlinear --noudevsync --table "0 $(blockdev --getsz "$DEV") linear $DEV 0" || exit 1
		 dmsetup mknodes bhlinear
		 dd if=/dev/urandom of=/dev/mapper/bhlinear bs=1M count=4 oflag=direct; rc=$?
		 dmsetup remove --noudevsync bhlinear; exit $rc'
	attack "mdadm --create" "$held" "$twin" \
		'yes | MDADM_NO_UDEV=1 mdadm --create /dev/md100 --run --force --level=1 \
			--raid-devices=2 --metadata=1.2 "$DEV" missing; rc=$?
		 mdadm --stop /dev/md100; exit $rc'

	out=$(dd if=/dev/zero of="$held" bs=4k count=1 oflag=direct 2>&1)
	expect_match "a write to $held fails with EPERM" "Operation not permitted" "$out"
	out=$(blkdiscard -f "$held" 2>&1)
	expect_match "a discard of $held fails with EPERM" "Operation not permitted" "$out"
	assert "sg3-style read-write open of $held still works" \
		sh -c "exec 3<>$held"

	mnt=$(mktemp -d)
	out=$(mount "$held" "$mnt" 2>&1)
	expect_match "mount of $held falls back to read-only" "^ro," \
		"$(findmnt -no OPTIONS "$mnt")"
	umount "$mnt" 2>/dev/null
	rmdir "$mnt"

	refute "blockdev --setrw $held is refused" blockdev --setrw "$held"
	expect_eq "$held stays read-only" 1 "$(blockdev --getro "$held")"

	assert "hold released" release "$held" attack-test
	expect_eq "$held is no longer read-only" 0 "$(blockdev --getro "$held")"
	local before
	before=$(sha256_direct "$held")
	assert "after release a write to $held works" \
		dd if=/dev/urandom of="$held" bs=1M count=1 oflag=direct status=none
	expect_ne "after release the write changed $held" "$before" "$(sha256_direct "$held")"
}
