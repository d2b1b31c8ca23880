#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test initramfs (busybox). Mounts the host root read-only
# over 9p, gives it writable scratch space, mounts the project share at the
# path it has on the host and switches to that root, where guest-init.sh
# runs the script named on the kernel command line.

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

for ko in /modules/*.ko; do
	[ -e "$ko" ] && insmod "$ko"
done

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"; }
project=$(arg blkhold.project)
script=$(arg blkhold.script)
tests=$(arg blkhold.tests | tr , " ")

fail() {
	echo "guest-boot: $*" >/dev/ttyS1
	printf "\n# blkhold-vm: exit 2\n" >/dev/ttyS1
	sync
	poweroff -f
}

opts=trans=virtio,version=9p2000.L,msize=262144,cache=loose
mount -t 9p -o "$opts,ro" hostroot /root || fail "cannot mount the host root over 9p"
mount -t proc proc /root/proc
mount -t sysfs sys /root/sys
mount -t devtmpfs dev /root/dev
mkdir -p /root/dev/pts /root/dev/shm
ln -sf /proc/self/fd /root/dev/fd
mount -t devpts devpts /root/dev/pts
for d in tmp run var/tmp var/lib/nfs mnt root; do
	[ -d "/root/$d" ] && mount -t tmpfs -o mode=1777 tmpfs "/root/$d"
done
mount -t debugfs debugfs /root/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /root/sys/kernel/tracing 2>/dev/null
mount -t configfs configfs /root/sys/kernel/config 2>/dev/null
# run-vm.sh --share: a writable host directory, kept across boots
if grep -qx state /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; then
	mkdir -p /root/mnt/state
	mount -t 9p -o "$opts" state /root/mnt/state || fail "cannot mount the shared state"
fi

# A kernel of another Debian release (run-vm.sh): its modules, where the
# host's userspace looks for them.
if grep -qx modules /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; then
	mods=/root/usr/lib/modules
	[ -L /root/lib ] || mods=/root/lib/modules
	mount -t tmpfs -o mode=0755 tmpfs "$mods"
	mkdir "$mods/$(uname -r)"
	mount -t 9p -o "$opts,ro" modules "$mods/$(uname -r)" || fail "cannot mount the kernel's modules"
fi

# The host's load (run-vm.sh), read fresh each time: no cache.
if grep -qx hostinfo /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; then
	mkdir -p /root/run/blkhold-host
	mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,ro hostinfo /root/run/blkhold-host
fi

# The project may live under a directory now hidden by tmpfs (CI clones
# into /tmp); mount its own share at the same path.
mkdir -p "/root$project" 2>/dev/null
mount -t 9p -o "$opts,ro" project "/root$project" || fail "cannot mount the project share"

# switch_root, not chroot: the kernel's own helpers (modprobe for module
# autoloading) run in PID 1's root, which must be the host's.
export BLKHOLD_SCRIPT=$script BLKHOLD_TESTS=$tests HOME=/root
for kv in $(tr ' ' '\n' </proc/cmdline | sed -n 's/^blkhold\.env\.//p'); do
	export "${kv?}"
done
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec switch_root /root /bin/bash "$project/selftests/vm/guest-init.sh"
