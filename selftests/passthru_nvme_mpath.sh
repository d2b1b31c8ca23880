#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A namespace shared by two controllers of one NVMe subsystem (dual-port
# drives): the head node /dev/nvmeXnY sits over hidden per-path disks, and
# passthrough through the head lands on one of them. A hold on the head
# holds every path, so each attack through the head, its generic node and
# either controller's admin queue is refused. I/O attacks change the twin
# namespace of the same subsystem; admin commands are judged per
# controller (any namespace of a controller with a held one is refused),
# so their twin is the namespace of the separate controller bh-nvme-b.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd nvme jq
held=$(nvme_mpath_disk a) && twin=$(nvme_mpath_disk b) ||
	skip_all "the NVMe subsystem bh-mpath with namespaces a and b is not attached"
other=$(nvme_disk b) || skip_all "NVMe controller bh-nvme-b not attached"
ctrls=$(nvme_mpath_ctrls)
[ "$(echo $ctrls | wc -w)" = 2 ] || skip_all "the NVMe subsystem bh-mpath has not two controllers"
trap release_all EXIT
head -c 4096 /dev/urandom >/tmp/mpath-data

paths=$(ls -d /sys/block/*/ | grep -c "nvme[0-9]*c[0-9]*n")
diag "head $held, twin $twin, controllers" $ctrls ", $paths hidden path disks"
fill_random "$held" && fill_random "$twin" && fill_random "$other"
assert "hold placed on the head node $held" hold "$held" mpath-test
expect_eq "the hold is on the head and both hidden paths" 3 \
	"$("$BLKHOLD" list --json | jq '[.volumes[] | select(.holds[].name == "mpath-test")] | length')"

attack "nvme write through the head" "$held" "$twin" \
	'nvme write "$DEV" --start-block=0 --block-count=7 --data-size=4096 --data=/tmp/mpath-data'
attack "nvme write-zeroes through the head" "$held" "$twin" \
	'nvme write-zeroes "$DEV" --start-block=0 --block-count=63'
attack "nvme dsm --ad through the head" "$held" "$twin" 'nvme dsm "$DEV" --ad --slbs=0 --blocks=2048'
# A namespace ID comes from sysfs: a head's name need not end in its NSID
# (heads are numbered in the order the namespaces were found).
attack "nvme io-passthru write through the head" "$held" "$twin" \
	'nvme io-passthru "$DEV" --opcode=0x01 --namespace-id=$(cat /sys/block/${DEV#/dev/}/nsid) --data-len=4096 --write \
		--cdw10=0 --cdw11=0 --cdw12=7 --input-file=/tmp/mpath-data'
attack "nvme io-passthru write through the head's generic node" "$held" "$twin" \
	'nvme io-passthru "/dev/ng${DEV#/dev/nvme}" --opcode=0x01 --namespace-id=$(cat /sys/block/${DEV#/dev/}/nsid) \
		--data-len=4096 --write --cdw10=0 --cdw11=0 --cdw12=7 --input-file=/tmp/mpath-data'
attack "nvme format through the head" "$held" "$other" 'nvme format "$DEV" --lbaf=0 --force'
for c in $ctrls; do
	attack "admin Format NVM through controller $c" "$held" "$other" \
		"if [ \"\$DEV\" = $held ]; then C=/dev/$c; else C=\${DEV%n1}; fi
		nvme admin-passthru \$C --opcode=0x80 --namespace-id=\$(cat /sys/block/\${DEV#/dev/}/nsid) --cdw10=0"
done

assert "a read through the head still works" \
	nvme read "$held" --start-block=0 --block-count=0 --data-size=512 --data=/dev/null
release_all
assert "after release nvme write through the head works" \
	nvme write "$held" --start-block=0 --block-count=7 --data-size=4096 --data=/tmp/mpath-data
ktap_finish
