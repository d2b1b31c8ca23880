#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real wipe tools against a held virtio-blk disk (discard=unmap) and its twin.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/attacks.sh"
require_root
held=$(virtio_disk a) && twin=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a/b not attached"
hold "$held" serial-test
expect_eq "a held virtio disk still reports its serial (GET_ID passthrough)" \
	bh-virtio-a "$(cat "/sys/block/${held#/dev/}/serial" 2>&1)"
release "$held" serial-test
attack_suite "$held" "$twin"
release_all
ktap_finish
