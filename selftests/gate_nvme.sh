#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real wipe tools against a held QEMU NVMe namespace and its twin.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/attacks.sh"
require_root
held=$(nvme_disk a) && twin=$(nvme_disk b) || skip_all "NVMe controllers bh-nvme-a/b not attached"
attack_suite "$held" "$twin"
release_all
ktap_finish
