#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A write issued before the hold but held back on its way to the disk must
# not land after "blkhold hold" returned: parked by blk-throttle (cgroup v2
# io.max), or delayed in a device-mapper work queue (dm-delay). Each is
# first shown to deliver the write to the unheld twin.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd dmsetup jq
held=$(virtio_disk a) && twin=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a/b not attached"
cg=
slow=
pid=
write_rc=

majmin() {
	cat "/sys/block/${1#/dev/}/dev"
}

refused_writes() {
	"$BLKHOLD" status "$1" --json | jq '.refused.write // 0'
}

# Is process $1 waiting in the kernel (for its write)?
in_kernel_wait() {
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = D ]
}

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$slow" ] && echo "$(majmin "$held") wbps=max" >"$slow/io.max" 2>/dev/null
	[ -n "$slow" ] && echo "$(majmin "$twin") wbps=max" >"$slow/io.max" 2>/dev/null
	wait 2>/dev/null
	[ -n "$slow" ] && rmdir "$slow" 2>/dev/null
	dmsetup remove --noudevsync bh-delay 2>/dev/null
	release_all
}
trap cleanup EXIT

# ---- blk-throttle ----

setup_cgroup() {
	cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -z "$cg" ]; then
		cg=/tmp/bh-cgroup2
		mkdir -p "$cg" && mount -t cgroup2 none "$cg" || return 1
	fi
	echo +io >"$cg/cgroup.subtree_control" 2>/dev/null
	grep -qw io "$cg/cgroup.subtree_control" || return 1
	slow=$cg/bh-slow
	mkdir -p "$slow"
}

# throttled_write DEV HOLD: start a 64 KiB direct write to DEV in a cgroup
# that lets 1 KiB/s through, wait until it is parked, place the hold when
# HOLD is "hold", then lift the limit so the throttle lets the write go.
# Sets write_rc to dd's status.
throttled_write() {
	local dev=$1
	write_rc=unset
	echo "$(majmin "$dev") wbps=1024" >"$slow/io.max" || return 1
	sh -c 'echo $$ >"$1/cgroup.procs" && exec dd if=/dev/urandom of="$2" bs=64k count=1 oflag=direct status=none' \
		- "$slow" "$dev" 2>/dev/null &
	pid=$!
	wait_for in_kernel_wait $pid || diag "the write to $dev did not wait in the kernel"
	[ "$2" = hold ] && hold "$dev" deferred-test
	echo "$(majmin "$dev") wbps=max" >"$slow/io.max"
	wait $pid
	write_rc=$?
	pid=
}

if setup_cgroup; then
	before=$(sha256_direct "$twin")
	throttled_write "$twin" nohold
	expect_eq "a throttled write reaches the unheld twin" 0 "$write_rc"
	expect_ne "... and changes it" "$before" "$(sha256_direct "$twin")"

	before=$(sha256_direct "$held")
	throttled_write "$held" hold
	expect_ne "a write throttled before the hold fails after it" 0 "$write_rc"
	expect_eq "... and the held disk is unchanged" "$before" "$(sha256_direct "$held")"
	expect_eq "... and it is counted as a refused write" 1 "$(refused_writes "$held")"
	release "$held" deferred-test
else
	skip "writes held back by blk-throttle" "no cgroup v2 io controller here"
fi

# ---- a device-mapper work queue (dm-delay) ----

# delayed_write DEV HOLD: a direct write through a dm-delay map over DEV
# that would hold writes for a minute; the hold on DEV is placed
# meanwhile, then suspending the map sends the write on at once.
delayed_write() {
	local dev=$1
	write_rc=unset
	dmsetup create --noudevsync bh-delay \
		--table "0 $(blockdev --getsz "$dev") delay $(majmin "$dev") 0 60000" || return 1
	dmsetup mknodes bh-delay
	dd if=/dev/urandom of=/dev/mapper/bh-delay bs=64k count=1 oflag=direct status=none 2>/dev/null &
	pid=$!
	wait_for in_kernel_wait $pid || diag "the write through dm-delay did not wait in the kernel"
	[ "$2" = hold ] && hold "$dev" deferred-test
	dmsetup suspend --noudevsync bh-delay
	dmsetup resume --noudevsync bh-delay
	wait $pid
	write_rc=$?
	pid=
	dmsetup remove --noudevsync bh-delay
}

if modprobe dm_delay 2>/dev/null; then
	before=$(sha256_direct "$twin")
	delayed_write "$twin" nohold
	expect_eq "a write delayed by dm-delay reaches the unheld twin" 0 "$write_rc"
	expect_ne "... and changes it" "$before" "$(sha256_direct "$twin")"

	before=$(sha256_direct "$held")
	delayed_write "$held" hold
	expect_ne "a write in dm-delay's queue before the hold fails after it" 0 "$write_rc"
	expect_eq "... and the held disk is unchanged" "$before" "$(sha256_direct "$held")"
else
	skip "writes delayed by dm-delay" "no dm_delay module"
fi

ktap_finish
