#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test VM, in the host's root (see guest-boot.sh): runs the
# script with its output on ttyS1, reports its exit status there and powers
# the VM off. Busybox powers off: the host's poweroff wants systemd.
"$BLKHOLD_SCRIPT" >/dev/ttyS1 2>&1 </dev/null
printf "\n# blkhold-vm: exit %d\n" $? >/dev/ttyS1
sync
exec /bin/busybox poweroff -f
