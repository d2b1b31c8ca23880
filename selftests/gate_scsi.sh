#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real wipe tools against a held scsi_debug disk (UNMAP, WRITE SAME) and a
# second scsi_debug disk with its own store.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/attacks.sh"
require_root
mapfile -t disks < <(scsi_debug_disks)
[ ${#disks[@]} = 2 ] || skip_all "scsi_debug with two hosts is not available"
attack_suite "${disks[0]}" "${disks[1]}"
release_all
rmmod scsi_debug 2>/dev/null
ktap_finish
