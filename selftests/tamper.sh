#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Root cannot quietly switch a hold off: each attempt is refused, the held
# volume stays unchanged after a direct write, and blkhold watch sees a
# tamper event. Without holds the same operations work as usual.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd jq hdparm python3
disk=$(virtio_disk a) || skip_all "virtio disk bh-virtio-a not attached"
log=$(mktemp)
mnt=$(mktemp -d)

printf 'start=2048, size=30720\nstart=32768\n' | sfdisk -q -f "$disk" >/dev/null 2>&1
blockdev --rereadpt "$disk"
wait_for test -b "${disk}2" || { not_ok "partitions of $disk appear"; ktap_finish; }
data=${disk}1 swap=${disk}2
mkfs.ext4 -F -q "$data" && mount "$data" "$mnt" || skip_all "cannot mount ext4 on $data"
dd if=/dev/zero of="$mnt/swapfile" bs=1M count=8 status=none && chmod 600 "$mnt/swapfile"
mkswap -q "$mnt/swapfile" >/dev/null && mkswap -q "$swap" >/dev/null && sync
# Any kernel image serves kexec: a kernel of another release's build root
# has none in this host's /boot, which the guest sees.
kernel=/boot/vmlinuz-$(uname -r)
[ -e "$kernel" ] || kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)

blkroset0() {
	python3 -c 'import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.ioctl(fd, 0x125d, struct.pack("i", 0))' "$1"
}


# ---- without holds all of it works ----
assert "without holds kexec -l loads a kernel" kexec -l "$kernel" --reuse-cmdline
assert "without holds kexec -u unloads it" kexec -u
if kexec -s -l "$kernel" --reuse-cmdline >/dev/null 2>&1; then
	ok "without holds kexec_file_load works"
	kexec -s -u
else
	skip "kexec_file_load without holds" "this kernel refuses it on its own"
fi
assert "without holds a 32-bit BLKROSET works" blkhold_sys ia32-roset "$data" 0
x32=$(blkhold_sys x32-kexec-unload)
case $x32 in
ok) ok "without holds kexec_load's x32 entry works" ;;
ENOSYS) skip "kexec_load's x32 entry" "x32 system calls are off (syscall.x32=y)" ;;
*) not_ok "without holds kexec_load's x32 entry works"; diag "it said $x32" ;;
esac
assert "without holds swapon of a partition works" swapon "$swap"
swapoff "$swap"
assert "without holds swapon of a swap file works" swapon "$mnt/swapfile"
swapoff "$mnt/swapfile"

# A kexec image loaded before the hold must not run after it.
kexec -l "$kernel" --reuse-cmdline
n=$(watchers)
"$BLKHOLD" watch --json >"$log" 2>&1 &
watch_pid=$!
wait_for more_watchers "$n"
# $data stays mounted read-write: a swap file on it must be refused by
# blkhold, not by a read-only mount.
assert "hold placed on $data" hold "$data" tamper-test
assert "hold placed on $swap" hold "$swap" tamper-test
before=$(sha256_direct "$disk")
sync

# attempt DESCRIPTION COMMAND...: refused, then a direct write changes nothing
attempt() {
	local what=$1; shift
	refute "$what is refused" "$@"
	dd if=/dev/urandom of="$data" bs=4k count=1 oflag=direct 2>/dev/null
	expect_eq "... and the gate still works after it" "$before" "$(sha256_direct "$disk")"
}

attempt "sysctl kernel.ftrace_enabled=0" sysctl -q -w kernel.ftrace_enabled=0
attempt "blockdev --setrw" blockdev --setrw "$data"
attempt "hdparm -r0" hdparm -r0 "$data"
attempt "a raw BLKROSET ioctl" blkroset0 "$data"
attempt "a 32-bit BLKROSET ioctl" blkhold_sys ia32-roset "$data" 0
attempt "a 32-bit BLKDISCARD ioctl" blkhold_sys ia32-discard "$data" 0 65536
attempt "rmmod blkhold" rmmod blkhold
attempt "rmmod -f blkhold" rmmod -f blkhold
assert "the module is still loaded" test -d /sys/module/blkhold
attempt "kexec_load" kexec -l "$kernel" --reuse-cmdline
attempt "kexec_file_load" kexec -s -l "$kernel" --reuse-cmdline
[ "$x32" = ok ] && attempt "kexec_load's x32 entry" blkhold_sys x32-kexec-unload
attempt "kexec -e of a kernel loaded before the hold" kexec -e
attempt "swapon of a held partition" swapon "$swap"
out=$(swapon "$mnt/swapfile" 2>&1)
expect_match "swapon of a swap file on a held volume is refused by blkhold" \
	"Operation not permitted" "$out"
umount "$mnt" 2>/dev/null || umount -l "$mnt"
expect_eq "no swap is active" "" "$(swapon --noheadings --show)"

out=$(rmmod -f blkhold 2>&1)
expect_match "rmmod's error names blkhold" "blkhold" "$out"
expect_match "the kernel log names the holds in the way" \
	"refused unloading blkhold \(held volume ${data#/dev/}, 1 hold\) from rmmod" "$(dmesg)"

# After the log check: each refused try is logged, and the flood would
# rate-limit the lines above.
out=$(blkhold_sys roset-race "$data" 3)
expect_match "BLKROSET whose argument flips between 1 and 0 never clears the flag" \
	", read-write after 0$" "$out"

# A module name the hook cannot read without faulting: another module
# still unloads, and no tamper event is made up.
tampers() {
	"$BLKHOLD" status "$data" --json | jq '.refused.tamper // 0'
}
if modprobe dummy 2>/dev/null; then
	n=$(tampers)
	expect_eq "unloading another module named from an unmapped page works" \
		ok "$(blkhold_sys unload-unmapped dummy)"
	refute "... the module is gone" test -d /sys/module/dummy
	expect_eq "... and no tamper event is counted" "$n" "$(tampers)"
else
	skip "unloading another module named from an unmapped page" "no 'dummy' module"
fi
# The same for blkhold, forced: judged from the kernel's copy of the name.
n=$(tampers)
refute "a forced unload of blkhold named from an unmapped page is refused" \
	blkhold_sys unload-unmapped blkhold force
assert "... the module is still loaded" test -d /sys/module/blkhold
expect_eq "... and a tamper event is counted" $((n + 1)) "$(tampers)"

all_tampers_seen() {
	local seen
	seen=$(jq -r 'select(.kind == "tamper") | .action' "$log" 2>/dev/null | sort -u | wc -l)
	[ "$seen" -ge 4 ]
}
wait_for all_tampers_seen
kill -INT $watch_pid
wait $watch_pid
actions=$(jq -r 'select(.kind == "tamper") | .action' "$log" | sort -u | tr '\n' '|')
for a in "unloading blkhold" kexec swapon "clearing the read-only flag (BLKROSET)"; do
	case "|$actions" in
	*"|$a|"*) ok "blkhold watch saw a tamper event: $a" ;;
	*) not_ok "blkhold watch saw a tamper event: $a"; diag "events: $actions" ;;
	esac
done

release_all
kexec -u 2>/dev/null
assert "after the last release the module unloads" rmmod blkhold
assert "... and loads again" insmod "$BLKHOLD_KO"

wipefs -a -f "$disk" >/dev/null 2>&1
blockdev --rereadpt "$disk" 2>/dev/null
rm -f "$log"
rmdir "$mnt"
ktap_finish
