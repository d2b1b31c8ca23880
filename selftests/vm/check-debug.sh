#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the suite on a 6.12 kernel built with the kernel's own
# detectors (debug-kernel.sh: KASAN, lockdep, RCU and sleep checks, debug
# objects, UBSAN, kmemleak). Any report in the kernel log fails the run
# (run-vm.sh), and so does a leak kmemleak finds at the end (guest-run.sh).
# The package and Ansible tests are left out: they test packaging, take
# most of an hour more on this kernel, and meet no code of the module that
# the others do not. Not part of "make check": the kernel takes long to
# build here and the suite runs several times slower on it. Timeouts are
# 8 times the release kernels' (gate_nvme, gate_scsi and passthru_nvme
# ran past 4 times, 1200 s, with two more VMs on the host), the VM's 6 h:
# they only catch hangs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)

if [ -z "${BLKHOLD_NO_INSTALL:-}" ]; then
	"$here/install-deps.sh"
fi
start=$(date +%s)
release=$("$here/debug-kernel.sh")
release=${release##*$'\n'}
built=$(date +%s)
# Three VMs side by side: the test programs dealt out alternately between
# two, and the two that remove SCSI disks (passthru_scsi.sh unloads
# scsi_debug) in a third boot of their own: removing a SCSI disk makes
# 6.12.117's own del_gendisk() report a circular locking dependency when
# the boot has seen ext4 writeback on another disk (reproduced with no
# blkhold loaded; design.rst), and after a report lockdep is off for the
# rest of that boot.
halves=("" "")
n=0
for t in $(make -s --no-print-directory -C "$project/selftests" list_tests); do
	case $t in package.sh | ansible.sh | gate_unplug.sh | passthru_scsi.sh) continue ;; esac
	halves[n % 2]+="$t "
	n=$((n + 1))
done
tests="${halves[0]}boot-path.sh | ${halves[1]}| passthru_scsi.sh gate_unplug.sh"

set +e
BLKHOLD_NO_INSTALL=1 BLKHOLD_KERNELS=$release BLKHOLD_TESTS="${BLKHOLD_TESTS:-$tests}" \
	BLKHOLD_TIMEOUT_FACTOR=${BLKHOLD_TIMEOUT_FACTOR:-8} BLKHOLD_VM_MEM=${BLKHOLD_VM_MEM:-2048} \
	BLKHOLD_VM_TIMEOUT=${BLKHOLD_VM_TIMEOUT:-21600} "$here/check.sh"
rc=$?
echo "check-debug: $release: kernel ready in $((built - start)) s, suite ran in $(($(date +%s) - built)) s"
exit $rc
