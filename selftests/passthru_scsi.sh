#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# SCSI passthrough (SG_IO on /dev/sdX and /dev/sgN) against a held
# scsi_debug disk and a second one with its own store: every command that
# writes, unmaps or formats is refused with DATA PROTECT; reads still work.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd sg_raw sg_unmap sg_write_same sg_format sg_inq sg_readcap
mapfile -t disks < <(scsi_debug_disks)
[ ${#disks[@]} = 2 ] || skip_all "scsi_debug with two hosts is not available"
held=${disks[0]} twin=${disks[1]}
sg_of() { echo "/dev/$(ls "/sys/block/${1#/dev/}/device/scsi_generic")"; }
held_sg=$(sg_of "$held")
head -c 512 /dev/urandom >/tmp/block

fill_random "$held" && fill_random "$twin"
assert "hold placed on $held" hold "$held" passthru-test

attack "sg_unmap" "$held" "$twin" 'sg_unmap --force --lba=0 --num=2048 "$DEV"'
attack "sg_write_same(10)" "$held" "$twin" 'sg_write_same --10 --lba=0 --num=64 "$DEV"'
attack "sg_write_same(16)" "$held" "$twin" 'sg_write_same --16 --lba=0 --num=64 "$DEV"'
attack "sg_write_same --unmap" "$held" "$twin" 'sg_write_same --unmap --lba=0 --num=2048 "$DEV"'
attack "sg_write_same --16 --unmap" "$held" "$twin" 'sg_write_same --16 --unmap --lba=0 --num=2048 "$DEV"'
attack "sg_raw WRITE(10) on sd" "$held" "$twin" \
	'sg_raw -s 512 -i /tmp/block "$DEV" 2a 00 00 00 00 00 00 00 01 00'
attack "sg_raw WRITE(16) on sd" "$held" "$twin" \
	'sg_raw -s 512 -i /tmp/block "$DEV" 8a 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00'
attack "sg_raw WRITE(10) on sg" "$held" "$twin" \
	'sg=/dev/$(ls /sys/block/${DEV#/dev/}/device/scsi_generic)
	 sg_raw -s 512 -i /tmp/block "$sg" 2a 00 00 00 00 00 00 00 01 00'
attack "sg_raw WRITE(16) on sg" "$held" "$twin" \
	'sg=/dev/$(ls /sys/block/${DEV#/dev/}/device/scsi_generic)
	 sg_raw -s 512 -i /tmp/block "$sg" 8a 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00'
# 7.3's scsi_debug (its tape emulation) answers FORMAT UNIT, opcode 04h,
# with FORMAT MEDIUM, whose partition_tape() writes through a disk's NULL
# tape partition table: a kernel Oops (seen on 7.3.4+deb13). There the
# unheld twin cannot take the command; the held disk must refuse it before
# scsi_debug sees it.
if grep -qw resp_format_medium /proc/kallsyms; then
	before=$("$BLKHOLD" status "$held" --json | jq .refused.passthrough)
	refute "sg_format: held $held refuses FORMAT UNIT" sg_format --format --quick "$held"
	after=$("$BLKHOLD" status "$held" --json | jq .refused.passthrough)
	assert "... refused by blkhold (its passthrough refusals went from $before to $after)" \
		test "$after" -gt "$before"
	skip "sg_format on the unheld twin" \
		"this kernel's scsi_debug answers FORMAT UNIT with its tape code (an Oops on a disk in 7.3.4)"
else
	attack "sg_format" "$held" "$twin" 'sg_format --format --quick "$DEV"'
fi

out=$(sg_raw -s 512 -i /tmp/block "$held" 2a 00 00 00 00 00 00 00 01 00 2>&1)
expect_match "a refused command reports DATA PROTECT" "Sense key: Data Protect" "$out"
expect_match "... write protected" "[Ww]rite protected" "$out"
out=$(sg_raw -s 512 -i /tmp/block "$held_sg" 2a 00 00 00 00 00 00 00 01 00 2>&1)
expect_match "... also through $held_sg" "Sense key: Data Protect" "$out"

assert "sg_inq still works on $held" sg_inq "$held"
assert "sg_readcap still works on $held" sg_readcap "$held"
assert "sg_readcap --16 still works on $held" sg_readcap --16 "$held"
assert "sg_raw READ(10) still works on $held" sg_raw -r 512 "$held" 28 00 00 00 00 00 00 00 01 00
assert "sg_inq still works on $held_sg" sg_inq "$held_sg"
refused=$("$BLKHOLD" status "$held" --json | jq .refused.passthrough)
expect_ne "passthrough refusals are counted" 0 "$refused"
# sd's own commands pass: a partition rescan revalidates the disk (on
# 6.12 that reads the stream status, a SERVICE ACTION IN(16)).
assert "a partition rescan of $held works" blockdev --rereadpt "$held"
expect_eq "... and none of sd's revalidation commands is refused" "$refused" \
	"$("$BLKHOLD" status "$held" --json | jq .refused.passthrough)"

release_all
assert "after release sg_raw WRITE(10) works on $held" \
	sg_raw -s 512 -i /tmp/block "$held" 2a 00 00 00 00 00 00 00 01 00
rmmod scsi_debug 2>/dev/null
ktap_finish
