#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real wipe tools against a held virtio-blk disk (discard=unmap) and its twin.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/attacks.sh"
require_root
held=$(virtio_disk a) && twin=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a/b not attached"
attack_suite "$held" "$twin"
release_all
ktap_finish
