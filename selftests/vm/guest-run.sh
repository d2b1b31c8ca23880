#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (see run-vm.sh): loads the drivers and the freshly
# built blkhold module, runs the selftests and prints KTAP, one result per
# test program with the program's own KTAP lines behind "# ".
# BLKHOLD_TESTS (space-separated) narrows the run.
set -u

selftests=$(cd "$(dirname "$0")/.." && pwd)
project=$(cd "$selftests/.." && pwd)
rel=$(uname -r)
export BLKHOLD_KO=$project/build/$rel/module/blkhold.ko
export BLKHOLD_CLI=$project/userspace/blkhold
export PATH=$project/userspace:$selftests:$PATH
export LC_ALL=C
# The host's /etc is read-only here: stored holds go to scratch space.
export BLKHOLD_STATE_DIR=/tmp/blkhold-store

# settings: timeout=SECONDS for every test, timeout.TEST=SECONDS for one,
# in an idle host's time (run_timed); BLKHOLD_TIMEOUT_FACTOR scales them
# on a host slower than this one.
test_timeout() {
	local t
	t=$(sed -n "s/^timeout\.$1=//p" "$selftests/settings")
	[ -n "$t" ] || t=$(sed -n 's/^timeout=//p' "$selftests/settings")
	echo $((t * ${BLKHOLD_TIMEOUT_FACTOR:-1}))
}
# lib.sh's host_slowdown100: how many times slower than on an idle host
# this guest runs now, in hundredths, from the host's load.
slowdown100() {
	(. "$selftests/lib.sh" >/dev/null && host_slowdown100)
}

# run_timed SECONDS TEST: run TEST in a session of its own (so that what
# it leaves running can be found) until it has had SECONDS of an idle
# host's time: each second on the clock counts 1/slowdown. A test still
# running then, or after 8 x SECONDS on the clock, gets TERM, and KILL
# 10 s later, with every process of its group, as from timeout(1); and
# the same exit status.
run_timed() {
	local budget=$(( $1 * 10000 )) used=0 wall=0 pid
	setsid sh -c 'echo $$ >/tmp/test.sid; exec "./$0"' "$2" &
	pid=$!
	while wait_second "$pid"; do
		used=$(( used + 10000 * 100 / $(slowdown100) ))
		wall=$(( wall + 1 ))
		[ $used -lt $budget ] && [ $wall -lt $(( $1 * 8 )) ] && continue
		echo "timed out: $((used / 10000)) s of an idle host's time, $wall s on the clock"
		# the test leads its own process group: its children go with it
		kill -TERM -- -"$pid" 2>/dev/null
		for _ in $(seq 1 10); do wait_second "$pid" || break; done
		kill -KILL -- -"$pid" 2>/dev/null
		wait "$pid"
		return 124
	done
	wait "$pid"
}

# A second, or less if process $1 ends first; false once it has ended.
wait_second() {
	local tick
	kill -0 "$1" 2>/dev/null || return 1
	sleep 1 &
	tick=$!
	wait -n "$1" "$tick"
	kill "$tick" 2>/dev/null
	kill -0 "$1" 2>/dev/null
}

tests=$(make -s --no-print-directory -C "$selftests" list_tests)
[ -n "${BLKHOLD_TESTS:-}" ] && tests=$BLKHOLD_TESTS

echo "TAP version 13"
echo "# host load (1-min average, cores): $(cat /run/blkhold-host/load 2>/dev/null || echo unknown); test timeouts count an idle host's seconds"
modprobe -a virtio_blk nvme sd_mod sg loop dm_mod raid1 2>&1 | sed 's/^/# /'
# No udev here: wait for the attached disks to show up.
for _ in $(seq 1 100); do
	[ -e /dev/vdb ] && [ -e /dev/nvme1n1 ] && break
	sleep 0.1
done
# A module whose init hangs must not hold the run until the VM timeout:
# give loading a minute (a task stuck in the kernel cannot be killed, so
# wait for it rather than run it under timeout(1)).
insmod "$BLKHOLD_KO" >/tmp/insmod.log 2>&1 &
insmod_pid=$!
for _ in $(seq 1 600); do
	kill -0 $insmod_pid 2>/dev/null || break
	sleep 0.1
done
if kill -0 $insmod_pid 2>/dev/null; then
	echo "1..1"
	echo "not ok 1 selftests: blkhold: loading $BLKHOLD_KO # hung for 60 seconds"
	exit 1
fi
wait $insmod_pid || { sed 's/^/# /' /tmp/insmod.log; echo "# cannot load $BLKHOLD_KO"; }

# A test that failed half-way must not take the next ones with it: kill
# what it left running, release the holds it left.
clean_up_after() {
	local left
	pkill -KILL -s "$(cat /tmp/test.sid)" 2>/dev/null
	left=$("$BLKHOLD_CLI" list --json 2>/dev/null | jq '(.volumes | length) + (.stored | length)')
	if [ "${left:-0}" != 0 ]; then
		echo "# $1 left $left holds behind: releasing them"
		(. "$selftests/lib.sh" >/dev/null && release_all)
	fi
}

set -- $tests
echo "1..$#"
n=0
for t in "$@"; do
	n=$((n + 1))
	cd "$selftests" || exit 1
	echo "# selftests: blkhold: $t"
	timeout=$(test_timeout "$t")
	started=$(date +%s)
	run_timed "$timeout" "$t" 2>&1 | sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	clean_up_after "$t"
	echo "# $t ran $(($(date +%s) - started)) s"
	case $rc in
	0) echo "ok $n selftests: blkhold: $t" ;;
	4) echo "ok $n selftests: blkhold: $t # SKIP" ;;
	124 | 137) echo "not ok $n selftests: blkhold: $t # TIMEOUT ${timeout} seconds" ;;
	*) echo "not ok $n selftests: blkhold: $t # exit=$rc" ;;
	esac
done
# A kernel with kmemleak (make check-debug): a scan now reports in the
# kernel log what leaked, and run-vm.sh fails the run on it. The scan
# runs twice: an object freed late is only suspected after two.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	sed 's/^/# kmemleak: /' /sys/kernel/debug/kmemleak | head -n 60
fi
exit 0
