#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench" inside the VM: fio against null_blk (no memory: the cheapest
# device, so the hooks' cost shows) and brd (memory-backed). Cases:
#   a  blkhold not loaded          b  loaded, no holds
#   c  10,000 holds on 100 other volumes
#   d  reads on the held device    e  dm-linear over the device, no blkhold
#   f  a dm volume of 1,000 pieces of the device's second half held (1,000
#      ranges beneath it); I/O to the first half: what a fragmented LV's
#      hold costs every other bio of its PV
#   g  the same with a volume of 4 pieces, to compare (f) with
#   h  the 1,000 pieces of (f) held, and I/O to the gaps between them:
#      what a thin LV's hold costs the other thin LVs' blocks beside its
#      own in the pool
#   i  the 4 pieces of (g) held, the same I/O as (h), to compare it with
# Each round runs every case once, (a) included, so each case has an (a)
# of the same round and boot to compare with. Prints "csv,..." lines for
# bench.sh.
set -u
project=$(cd "$(dirname "$0")/../.." && pwd)
ko=$project/build/$(uname -r)/module/blkhold.ko
holds=$project/build/bench-holds
export PATH=$project/userspace:$PATH
# the host's root is read-only here; releasing a stacked volume reads the store
BLKHOLD_STATE_DIR=$(mktemp -d) && export BLKHOLD_STATE_DIR
runtime=${BENCH_RUNTIME:-3}
rounds=${BENCH_ROUNDS:-3}
cases=${BENCH_CASES:-a,b,c,d,e,f,g,h,i}
cases=${cases//,/ }

modprobe null_blk nr_devices=101 gb=1 bs=4096 irqmode=0 submit_queues=2 || exit 1
modprobe brd rd_nr=1 rd_size=262144 || exit 1
# brd allocates a page on its first write: allocate them all before any
# case runs, or the first (a) pays for it.
dd if=/dev/zero of=/dev/ram0 bs=1M oflag=direct status=none
modprobe dm_mod
others=()
for i in $(seq 1 100); do others+=(/dev/nullb$i); done
rel=$(uname -r)

loaded() { [ -d /sys/module/blkhold ]; }
unload() { loaded && rmmod blkhold; }
load() { loaded || insmod "$ko"; }

# The 10,000 holds of case c, placed once for both devices of a round.
others_held=no
drop_others() {
	[ $others_held = yes ] && "$holds" del 10000 "${others[@]}" >/dev/null
	others_held=no
}
place_others() {
	[ $others_held = yes ] && return
	"$holds" add 10000 "${others[@]}" >/dev/null ||
		{ echo "# bench: cannot place the 10,000 holds of case c"; exit 1; }
	others_held=yes
}

# Cases f and g: a dm volume of PIECES 8-sector pieces of DEV's second half.
stack_ranges=1000
place_stack() {
	local dev=$1 pieces=$2 half i table=
	half=$(($(blockdev --getsz "$dev") / 2))
	for i in $(seq 0 $((pieces - 1))); do
		table+="$((i * 8)) 8 linear $dev $((half + i * 16))"$'\n'
	done
	printf '%s' "$table" | dmsetup create benchstack --noudevsync &&
		dmsetup mknodes benchstack || return 1
	local t0=$EPOCHREALTIME
	blkhold hold /dev/mapper/benchstack --name bench --transient 2>&1 >/dev/null |
		sed 's/^/# /'
	[ "${PIPESTATUS[0]}" = 0 ] || return 1
	stack_place_secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
}
drop_stack() {
	[ -e /dev/mapper/benchstack ] || return 0
	blkhold release /dev/mapper/benchstack --name bench 2>&1 >/dev/null | sed 's/^/# /'
	dmsetup remove --noudevsync benchstack 2>&1 | sed 's/^/# /'
}

# state CASE DEV: bring the system into the state of CASE for DEV
state() {
	dmsetup remove --noudevsync benchlin 2>/dev/null
	drop_stack
	case $1 in
	a | e) drop_others
	       blkhold release "$2" --name bench >/dev/null 2>&1
	       unload ;;
	b) load; drop_others
	   blkhold release "$2" --name bench >/dev/null 2>&1 ;;
	c) load; blkhold release "$2" --name bench >/dev/null 2>&1
	   place_others ;;
	d) load; drop_others
	   blkhold hold "$2" --name bench --transient >/dev/null ;;
	f | g | h | i) load; drop_others
	   blkhold release "$2" --name bench >/dev/null 2>&1
	   place_stack "$2" "$(case $1 in f | h) echo $stack_ranges ;; *) echo 4 ;; esac)" ||
		{ echo "# bench: cannot hold the stacked volume of case $1"; exit 1; } ;;
	esac
	if [ "$1" = e ]; then
		dmsetup create benchlin --noudevsync \
			--table "0 $(blockdev --getsz "$2") linear $2 0" && dmsetup mknodes benchlin
	fi
	# Let the work a change leaves behind (RCU callbacks, ftrace's
	# trampoline freeing after a load or a last release) finish before
	# fio runs: with one CPU it would be counted against the case.
	sleep 2
}

# Where a case's I/O goes, as fio options: the first half for (f) and
# (g); for (h) and (i) the 4 KiB gaps between the pieces of (f): blocks
# aligned to 8 KiB from the first gap on, over the pieces' span.
region() {
	local half
	case $1 in
	f | g) echo --size=50% ;;
	h | i) half=$(($(blockdev --getsz "$2") / 2))
	       echo --offset=$((half * 512 + 4096)) --size=$((stack_ranges * 8192)) \
		--blockalign=8k ;;
	esac
}

# run DEV RW JOBS [FIO OPTION...]: prints "IOPS P99_USEC"; a refused
# write stops fio and shows as its error
run() {
	local dev=$1 rw=$2 jobs=$3
	shift 3
	fio --name=bench --filename="$dev" --rw="$rw" --bs=4k --iodepth=32 "$@" \
		--ioengine=libaio --direct=1 --numjobs="$jobs" --group_reporting \
		--time_based --runtime="$runtime" --output-format=json 2>/dev/null |
		jq -r --arg rw "${rw#rand}" '.jobs[0] |
			if .error != 0 then "fio-error-\(.error) 0" else .[$rw] |
			"\(.iops | floor) \(.clat_ns.percentile["99.000000"] / 1000 | floor)" end'
}

echo "# blkhold bench on $rel: fio 4k, iodepth 32, ${runtime}s a run, $rounds rounds, ${BENCH_CLOCK:-host} clock"
# A round brings the system into each case once and runs every
# configuration there, so (c) places its 10,000 holds once a round.
for round in $(seq 1 "$rounds"); do
	for c in $cases; do
		for dev in /dev/nullb0 /dev/ram0; do
			state $c "$dev"
			target=$dev
			[ $c = e ] && target=/dev/mapper/benchlin
			for rw in randread randwrite; do
				[ $c = d ] && [ $rw = randwrite ] && continue
				for jobs in 1 2; do
					read -r iops p99 < <(run "$target" $rw $jobs $(region $c "$dev"))
					echo "csv,$rel,${dev#/dev/},$rw,$jobs,$c,$round,$iops,$p99"
				done
			done
		done
	done
done
state a /dev/nullb0

# Holds: time to add and release 10,000, and kernel memory per hold.
load
slab_before=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
add=$("$holds" add 10000 "${others[@]}")
slab_after=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
del=$("$holds" del 10000 "${others[@]}")
clock=${BENCH_CLOCK:-host}
echo "holds,$rel,add 10000 holds (seconds; $clock clock),$(sed 's/.*: \([0-9.]*\) s.*/\1/' <<<"$add")"
echo "holds,$rel,release 10000 holds (seconds; $clock clock; target 1),$(sed 's/.*: \([0-9.]*\) s.*/\1/' <<<"$del")"
echo "holds,$rel,slab bytes per hold,$(( (slab_after - slab_before) * 1024 / 10000 ))"
# The same 10,000 with one drain for the batch (drain-later), as restore
# arms its holds: one RCU Tasks grace period instead of one a volume.
batch=$("$holds" batch 10000 "${others[@]}")
"$holds" del 10000 "${others[@]}" >/dev/null
echo "holds,$rel,add 10000 holds with one drain (seconds; $clock clock; target 1),$(sed 's/.*: \([0-9.]*\) s.*/\1/' <<<"$batch")"
state f /dev/nullb0
echo "holds,$rel,hold a dm volume of $stack_ranges pieces (seconds; $clock clock),$stack_place_secs"
drop_stack

# 10,000 ranges of one disk, as a fragmented or thin LV holds, with the
# hooks installed already (case f's volume is gone, the 10,000 holds of
# case c keep them): placing, listing and releasing them.
secs_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
place_others
t0=$EPOCHREALTIME
blkhold list --json >/tmp/bench-list.json
secs=$(secs_since "$t0")
listed=$(jq '[.volumes[].holds | length] | add' /tmp/bench-list.json)
echo "holds,$rel,list --json of $listed holds on 100 volumes (seconds; $clock clock; target 0.5),$secs"
stack_ranges=10000
state_pieces=$stack_ranges
place_stack /dev/nullb0 "$state_pieces" ||
	{ echo "# bench: cannot hold a dm volume of $state_pieces pieces"; exit 1; }
echo "holds,$rel,hold a dm volume of $state_pieces pieces (seconds; $clock clock; target 2),$stack_place_secs"
t0=$EPOCHREALTIME
blkhold list --json >/tmp/bench-list.json
secs=$(secs_since "$t0")
listed=$(jq '[.volumes[].holds | length] | add' /tmp/bench-list.json)
echo "holds,$rel,list --json of $listed holds on 10100 volumes (seconds; $clock clock),$secs"
t0=$EPOCHREALTIME
drop_stack
echo "holds,$rel,release the $state_pieces pieces (seconds; $clock clock; target 1),$(secs_since "$t0")"
drop_others

# Refused requests per second: one process writing to a held device.
blkhold hold /dev/nullb0 --name bench --transient >/dev/null
rate=$(python3 - <<'PY'
import mmap, os, time
fd = os.open("/dev/nullb0", os.O_WRONLY | os.O_DIRECT)
page = mmap.mmap(-1, 4096)	# page-aligned, as O_DIRECT wants
n, end = 0, time.monotonic() + 3
while time.monotonic() < end:
    try:
        os.pwritev(fd, [page], 0)
    except PermissionError:
        n += 1
print(n // 3)
PY
)
echo "holds,$rel,refused writes per second ($clock clock),$rate"
blkhold release /dev/nullb0 --name bench >/dev/null

unload
