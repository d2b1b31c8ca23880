#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module loads, registers its netlink family, costs nothing without
# holds, cannot be unloaded while a hold exists, and unloads cleanly after.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd genl jq

hooked() {
	grep -q "^submit_bio_noacct" /sys/kernel/tracing/enabled_functions
}

disk=$(virtio_disk a) || skip_all "no virtio disk bh-virtio-a attached"

assert "module is loaded" test -d /sys/module/blkhold
expect_match "netlink family 'blkhold' is registered" "Name: blkhold" \
	"$(genl ctrl get name blkhold 2>&1)"
expect_match "module alias lets the family autoload it" \
	"net-pf-16-proto-16-family-blkhold" "$(modinfo -F alias "$BLKHOLD_KO")"
expect_eq "no holds at start" "no holds" "$("$BLKHOLD" list 2>&1)"
refute "without holds the gate's hooks are not installed" hooked

assert "a hold can be placed" hold "$disk" load-test
assert "with a hold the gate's hooks are installed" hooked
refute "kernel.ftrace_enabled=0 is refused while a hold exists" \
	sysctl -q -w kernel.ftrace_enabled=0
expect_eq "ftrace stays enabled" 1 "$(sysctl -n kernel.ftrace_enabled)"
out=$(rmmod blkhold 2>&1)
expect_match "rmmod is refused while a hold exists" "in use|busy" "$out"
assert "the module is still loaded" test -d /sys/module/blkhold
assert "the hold is still there" "$BLKHOLD" status "$disk"
assert "the hold can be released" release "$disk" load-test
refute "after the last release the hooks are gone" hooked
out=$(sysctl -q -w kernel.ftrace_enabled=0 2>&1)
case $out in
*"not supported"*)
	# 7.x: the knob is deprecated and never disables ftrace (EOPNOTSUPP)
	skip "without holds kernel.ftrace_enabled=0 works as usual" \
		"this kernel never lets kernel.ftrace_enabled disable ftrace"
	;;
*)
	expect_eq "without holds kernel.ftrace_enabled=0 works as usual" "" "$out"
	;;
esac
sysctl -q -w kernel.ftrace_enabled=1

assert "rmmod succeeds without holds" rmmod blkhold
refute "the family is gone after unload" genl ctrl get name blkhold
expect_match "the CLI says how to load the module" "not loaded.*modprobe blkhold" \
	"$("$BLKHOLD" list 2>&1)"
assert "the module loads again" insmod "$BLKHOLD_KO"
expect_eq "a reload starts with no holds" "no holds" "$("$BLKHOLD" list 2>&1)"

# A kernel without one of the hooked functions: the load fails and the
# kernel log names the function (build-module.sh's test variant hooks
# one that no kernel has).
missing=${BLKHOLD_KO%/*}/blkhold-missing-hook.ko
if [ -f "$missing" ]; then
	assert "the module unloads for the missing-hook build" rmmod blkhold
	mark=$(dmesg | wc -l)
	refute "a build hooking a function this kernel lacks does not load" insmod "$missing"
	expect_match "... and the kernel log names the function" \
		"blkhold_test_missing_function" "$(dmesg | tail -n +"$((mark + 1))")"
	refute "... and nothing of it stays" test -d /sys/module/blkhold
	assert "the real module loads again" insmod "$BLKHOLD_KO"
else
	skip "a build hooking a function this kernel lacks" "no $missing (build-module.sh makes it)"
fi

# Reading holds needs CAP_SYS_ADMIN, or the group the admin names.
require_cmd setpriv
assert "the module unloads to be loaded with read_group" rmmod blkhold
assert "it loads with read_group=4242" insmod "$BLKHOLD_KO" read_group=4242
assert "a hold is placed" hold "$disk" group-test
out=$(setpriv --reuid=65534 --regid=4242 --clear-groups "$BLKHOLD" list 2>&1)
expect_match "a member of group 4242 may list the holds" "^$disk " "$out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BLKHOLD" list 2>&1)
expect_match "another user may not" "needs CAP_SYS_ADMIN" "$out"
out=$(setpriv --reuid=65534 --regid=4242 --clear-groups "$BLKHOLD" release "$disk" --name group-test 2>&1)
expect_match "the group may not release" "needs CAP_SYS_ADMIN" "$out"
assert "release" release "$disk" group-test
assert "the module unloads" rmmod blkhold
assert "and loads as before" insmod "$BLKHOLD_KO"

ktap_finish
