#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hold on a SCSI disk holds the medium, not sd's disk: with sd unbound
# from the LUN, and while a rescanned LUN has no disk yet (sd's autoprobe
# off), SCSI commands that write, unmap or format are refused through
# /dev/sgN and /dev/bsg/H:C:T:L; when sd binds again the disk is held
# before it can be opened, its data unchanged. The twin LUN on the other
# scsi_debug host, not held, stays writable the same way.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd sg_raw sg_dd sg_format
mapfile -t disks < <(scsi_debug_disks)
[ ${#disks[@]} = 2 ] || skip_all "scsi_debug with two hosts is not available"
held=${disks[0]} twin=${disks[1]}
hctl_of() { basename "$(readlink -f "/sys/block/${1#/dev/}/device")"; }
held_hctl=$(hctl_of "$held") twin_hctl=$(hctl_of "$twin")
sg_of_hctl() { echo "/dev/$(ls "/sys/bus/scsi/devices/$1/scsi_generic")"; }
disk_of_hctl() { ls "/sys/bus/scsi/devices/$1/block" 2>/dev/null | sed 's|^|/dev/|'; }
has_disk() { [ -n "$(disk_of_hctl "$1")" ]; }
copies=$(mktemp -d)
cleanup() {
	echo 1 >/sys/bus/scsi/drivers_autoprobe
	for h in "$held_hctl" "$twin_hctl"; do
		[ -e "/sys/bus/scsi/devices/$h" ] && ! has_disk "$h" &&
			echo "$h" >/sys/bus/scsi/drivers/sd/bind 2>/dev/null
	done
	release_all
	rm -rf "$copies"
}
trap cleanup EXIT
head -c 512 /dev/urandom >/tmp/medium-block

write10() { sg_raw -s 512 -i /tmp/medium-block "$1" 2a 00 00 00 00 00 00 00 01 00; }
# refused_through WHAT NODE: a WRITE(10), sg_dd and FORMAT UNIT through NODE
refused_through() {
	local out
	out=$(write10 "$2" 2>&1)
	expect_match "WRITE(10) through $1 is refused with DATA PROTECT" "Data Protect" "$out"
	refute "sg_dd through $1 is refused" sg_dd if=/dev/zero of="$2" bs=512 count=16
	refute "sg_format through $1 is refused" sg_format --format --quick "$2"
}

fill_random "$held" && fill_random "$twin"
copy_direct "$held" "$copies/held"
assert "hold placed on $held" hold "$held" medium-test

# ---- sd unbound: the queue outlives the disk ----
echo "$held_hctl" >/sys/bus/scsi/drivers/sd/unbind
echo "$twin_hctl" >/sys/bus/scsi/drivers/sd/unbind
refute "sd is unbound from $held_hctl" has_disk "$held_hctl"
expect_match "the hold stays, detached" "detached" "$("$BLKHOLD" list)"
refused_through "sg with sd unbound" "$(sg_of_hctl "$held_hctl")"
refused_through "bsg with sd unbound" "/dev/bsg/$held_hctl"
assert "the unheld twin is writable through sg" write10 "$(sg_of_hctl "$twin_hctl")"
assert "... and through bsg" write10 "/dev/bsg/$twin_hctl"
expect_match "refusals without a disk are counted" "passthrough\":[1-9]" \
	"$("$BLKHOLD" list --json)"

echo "$held_hctl" >/sys/bus/scsi/drivers/sd/bind
echo "$twin_hctl" >/sys/bus/scsi/drivers/sd/bind
assert "sd binds $held_hctl again" wait_for has_disk "$held_hctl"
held=$(disk_of_hctl "$held_hctl")
out=$(same_direct "$held" "$copies/held")
expect_eq "the held LUN is unchanged" "" "$out"
assert "the disk is held again" "$BLKHOLD" status "$held"
refute "... and refuses writes" dd if=/dev/zero of="$held" bs=4k count=1 oflag=direct

# ---- a rescan with sd's autoprobe off: sg and bsg before the disk ----
echo 1 >"/sys/bus/scsi/devices/$held_hctl/delete"
echo 0 >/sys/bus/scsi/drivers_autoprobe
host=${held_hctl%%:*}
echo "- - -" >"/sys/class/scsi_host/host$host/scan"
assert "the LUN is back, without a disk" wait_for test -e "/sys/bus/scsi/devices/$held_hctl/scsi_generic"
refute "... no disk yet" has_disk "$held_hctl"
refused_through "sg before sd binds" "$(sg_of_hctl "$held_hctl")"
refused_through "bsg before sd binds" "/dev/bsg/$held_hctl"
echo 1 >/sys/bus/scsi/drivers_autoprobe
echo "$held_hctl" >/sys/bus/scsi/drivers/sd/bind
assert "sd binds the rescanned LUN" wait_for has_disk "$held_hctl"
held=$(disk_of_hctl "$held_hctl")
out=$(same_direct "$held" "$copies/held")
expect_eq "the held LUN is still unchanged" "" "$out"
assert "the rescanned disk is held" "$BLKHOLD" status "$held"
expect_match "removing the held disk was logged as tamper" "removing a held disk" \
	"$(dmesg | grep blkhold)"

assert "release" release "$held" medium-test
echo "$held_hctl" >/sys/bus/scsi/drivers/sd/unbind
assert "after release, sg writes with sd unbound" write10 "$(sg_of_hctl "$held_hctl")"
echo "$held_hctl" >/sys/bus/scsi/drivers/sd/bind
rmmod scsi_debug 2>/dev/null
ktap_finish
