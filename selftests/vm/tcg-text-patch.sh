#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Not a test: the reproducer behind design.rst, "Test rig: single-threaded
# TCG". Runs in a guest with no blkhold loaded and toggles the function
# tracer on two hot block-layer functions while fio writes through them:
#
#   BLKHOLD_TCG_THREAD=multi selftests/vm/run-vm.sh --kernel 6.1.0-56-amd64 \
#       --script selftests/vm/tcg-text-patch.sh --out /tmp/tp --timeout 600
#
# With thread=single it prints its progress and ends; with thread=multi
# the guest has locked up within a minute, a vCPU executing the int3 of a
# finished patch.
modprobe virtio_blk
for _ in $(seq 1 100); do [ -e /dev/vdb ] && break; sleep 0.1; done
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
t=/sys/kernel/tracing
echo "blkdev_write_iter submit_bio_noacct" > $t/set_ftrace_filter
pids=
for w in 1 2; do
	(while :; do fio --name=w$w --filename=/dev/vdb --rw=randwrite --bs=4k --direct=$((w - 1)) --ioengine=psync --time_based --runtime=60 --output=/dev/null >/dev/null 2>&1; done) &
	pids+=" $!"
done
start=$(date +%s)
n=0
last=$start
while [ $(($(date +%s) - start)) -lt ${ROUNDS_SECONDS:-300} ]; do
	echo function > $t/current_tracer
	echo nop > $t/current_tracer
	n=$((n + 1))
	if [ $(($(date +%s) - last)) -ge 30 ]; then
		last=$(date +%s)
		echo "$((last - start)) s: toggled the function tracer $n times"
	fi
done
kill $pids
pkill fio
echo "done: toggled the function tracer $n times"
