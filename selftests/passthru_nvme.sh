#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NVMe passthrough (ioctls on the namespace, its generic char device and
# the controller, and io_uring commands) against a held QEMU NVMe namespace
# and its twin: writes, write zeroes, deallocate and format are refused with
# Namespace Is Write Protected; identify, read and logs still work.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd nvme
held=$(nvme_disk a) && twin=$(nvme_disk b) || skip_all "NVMe controllers bh-nvme-a/b not attached"
ctrl=${held%n1}
head -c 4096 /dev/urandom >/tmp/data

fill_random "$held" && fill_random "$twin"
assert "hold placed on $held" hold "$held" passthru-test

attack "nvme write" "$held" "$twin" \
	'nvme write "$DEV" --start-block=0 --block-count=7 --data-size=4096 --data=/tmp/data'
attack "nvme write-zeroes" "$held" "$twin" 'nvme write-zeroes "$DEV" --start-block=0 --block-count=63'
attack "nvme dsm --ad" "$held" "$twin" 'nvme dsm "$DEV" --ad --slbs=0 --blocks=2048'
attack "nvme io-passthru write" "$held" "$twin" \
	'nvme io-passthru "$DEV" --opcode=0x01 --namespace-id=1 --data-len=4096 --write \
		--cdw10=0 --cdw11=0 --cdw12=7 --input-file=/tmp/data'
attack "nvme io-passthru write on the generic device" "$held" "$twin" \
	'nvme io-passthru "/dev/ng${DEV#/dev/nvme}" --opcode=0x01 --namespace-id=1 --data-len=4096 \
		--write --cdw10=0 --cdw11=0 --cdw12=7 --input-file=/tmp/data'
attack "nvme format" "$held" "$twin" 'nvme format "$DEV" --lbaf=0 --force'
attack "nvme admin-passthru Format NVM on the controller" "$held" "$twin" \
	'nvme admin-passthru "${DEV%n1}" --opcode=0x80 --namespace-id=1 --cdw10=0'
attack "nvme admin-passthru Format NVM, all namespaces" "$held" "$twin" \
	'nvme admin-passthru "${DEV%n1}" --opcode=0x80 --namespace-id=0xffffffff --cdw10=0'
if fio --enghelp=io_uring_cmd >/dev/null 2>&1; then
	attack "io_uring passthrough write (fio io_uring_cmd)" "$held" "$twin" \
		'fio --name=uring --filename="/dev/ng${DEV#/dev/nvme}" --ioengine=io_uring_cmd \
			--cmd_type=nvme --rw=write --bs=4k --size=1M --output=/dev/null'
else
	skip "io_uring passthrough" "this fio has no io_uring_cmd engine"
fi

out=$(nvme write "$held" --start-block=0 --block-count=7 --data-size=4096 --data=/tmp/data 2>&1)
expect_match "a refused command reports write protection" "Write Protected" "$out"

assert "nvme id-ctrl still works" nvme id-ctrl "$ctrl"
assert "nvme id-ns still works" nvme id-ns "$held"
assert "nvme smart-log still works" nvme smart-log "$ctrl"
assert "nvme read still works" nvme read "$held" --start-block=0 --block-count=0 --data-size=512 --data=/dev/null
refused=$("$BLKHOLD" status "$held" --json | jq .refused.passthrough)
expect_ne "passthrough refusals are counted" 0 "$refused"

release_all
assert "after release nvme write works on $held" \
	nvme write "$held" --start-block=0 --block-count=7 --data-size=4096 --data=/tmp/data
ktap_finish
