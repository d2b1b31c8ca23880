#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a Debian kernel under QEMU with the host root shared read-only over
# virtio-9p, run a script inside it and hand back its output and status.
#
# usage: run-vm.sh --kernel RELEASE --script PATH [--out DIR]
#                  [--timeout SECONDS] [--accel tcg|kvm|auto] [--mem MIB]
#                  [--icount SHIFT] [--env NAME=VALUE]...
#                  [--share DIR] [--no-disks] [--qemu ARG]...
#                  [--initrd FILE --append CMDLINE]
#
# --share DIR is writable in the guest at /mnt/state (the test initramfs
# mounts it). --no-disks leaves out the four test disks; --qemu adds
# QEMU arguments (disks of the caller's). --initrd boots another initramfs
# (Debian's, for the boot path test) with --append as the command line.
#
# --icount SHIFT (TCG only) runs the guest clock on instructions executed,
# 2^SHIFT ns each, instead of host time, on one guest CPU: timings inside
# the guest then count instructions and no longer depend on what else the
# host runs.
#
# BLKHOLD_TCG_THREAD=multi runs each guest CPU on a host thread of its own
# (multi-threaded TCG) instead of both on one; see below for why the
# default is single.
#
# The script's stdout/stderr (KTAP) arrive on the guest's ttyS1 and are
# saved as OUT/ktap.log; the kernel console goes to OUT/console.log.
# Exit status: the script's, 124 when the guest hung past the timeout, and
# non-zero whenever the kernel log shows an oops, BUG, WARNING, lockup,
# RCU stall or refcount warning, even if the script itself passed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
kernel=
script=
out=
timeout=900
accel=${BLKHOLD_ACCEL:-tcg}
mem=1024
icount=
guest_env=
share=
test_disks=1
extra=()
initrd=
append=

die() { echo "run-vm: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--script) script=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--icount) icount=$2; shift 2 ;;
	--env) guest_env+=" blkhold.env.$2"; shift 2 ;;
	--share) share=$2; shift 2 ;;
	--no-disks) test_disks=; shift ;;
	--qemu) extra+=("$2"); shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	*) die "unknown option '$1'" ;;
	esac
done
[ -n "$kernel" ] || die "--kernel RELEASE is required"
if [ -z "$initrd" ]; then
	[ -n "$script" ] || die "--script PATH is required"
	[ -f "$script" ] || die "no such script '$script'"
	script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")
	case $script in
	"$project"/*) ;;
	*) die "script '$script' is not inside the project ($project)" ;;
	esac
fi
vmlinuz=$("$here/kernel-store.sh" vmlinuz "$kernel" 2>/dev/null) || vmlinuz=/boot/vmlinuz-$kernel
[ -r "$vmlinuz" ] || die "no kernel image $vmlinuz (install linux-image-$kernel)"
# A kernel of another Debian release: its modules, shared in (guest-boot.sh).
modules=$("$here/kernel-store.sh" modules "$kernel" 2>/dev/null) || modules=
case $modules in
/lib/modules/*) modules= ;;
esac
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed"

out=${out:-$project/build/vm/$kernel}
mkdir -p "$out"
if [ -z "$initrd" ]; then
	initrd=$project/build/initramfs-$kernel.cpio.gz
	if [ ! -s "$initrd" ] || [ "$initrd" -ot "$here/guest-boot.sh" ]; then
		"$here/mkinitramfs.sh" "$kernel" "$initrd" || die "initramfs for $kernel failed"
	fi
fi

# KVM hangs early on some hosts although /dev/kvm exists: only use it when
# a short boot to the initramfs shows it works.
kvm_works() {
	[ -w /dev/kvm ] || return 1
	local probe="$out/kvm-probe.log"
	rm -f "$probe"
	timeout 20 qemu-system-x86_64 -accel kvm -m 256 -nographic -no-reboot \
		-kernel "$vmlinuz" -initrd "$initrd" -monitor none \
		-serial "file:$probe" -append "console=ttyS0 panic=-1 rdinit=/bin/poweroff" \
		>/dev/null 2>&1 || return 1
	grep -q "Run /bin/poweroff" "$probe"
}

case $accel in
tcg) ;;
kvm) ;;
auto) if kvm_works; then accel=kvm; else accel=tcg; fi ;;
*) die "--accel must be tcg, kvm or auto, not '$accel'" ;;
esac
# Round-robin TCG: the guest still has two CPUs, but one host thread runs
# them in turn. With multi-threaded TCG a CPU could still execute the int3
# of a finished ftrace text patch (seen as "Oops: int3" at a patched
# function while hooks were installed under load); real x86 serialises
# that with IPIs, MTTCG does not emulate it exactly.
tcg_thread=${BLKHOLD_TCG_THREAD:-single}
case $tcg_thread in
single | multi) ;;
*) die "BLKHOLD_TCG_THREAD must be single or multi, not '$tcg_thread'" ;;
esac
accel_opts=(-accel "tcg,thread=$tcg_thread" -cpu max)
[ "$accel" = kvm ] && accel_opts=(-accel kvm -cpu host)
cpus=2
if [ -n "$icount" ]; then
	[ "$accel" = tcg ] || die "--icount needs TCG, not $accel"
	[[ $icount =~ ^[0-9]+$ ]] || die "--icount takes a shift (0-10), not '$icount'"
	# One CPU: the clock counts a single instruction stream that two
	# vCPUs would only take turns on, and 6.1 hangs bringing up a second.
	accel_opts+=(-icount "shift=$icount,sleep=off")
	cpus=1
fi

# Emulated disks the tests attack: each kind twice, a held one and an
# unheld twin, so that every refusal can be shown to matter.
disks=()
for name in ${test_disks:+virtio-a virtio-b nvme-a nvme-b}; do
	img=$out/$name.img
	rm -f "$img"
	truncate -s 32M "$img"
	case $name in
	virtio-*)
		disks+=(-drive "file=$img,if=none,id=$name,format=raw,discard=unmap,cache=unsafe"
			-device "virtio-blk-pci,drive=$name,serial=bh-$name") ;;
	nvme-*)
		disks+=(-drive "file=$img,if=none,id=$name,format=raw,discard=unmap,cache=unsafe"
			-device "nvme,drive=$name,serial=bh-$name") ;;
	esac
done

# Two controllers of one NVMe subsystem sharing namespaces 1 and 2: the
# guest sees head nodes over hidden per-path disks (native multipath).
# Namespace 3 is the first controller's alone: the second reaches it only
# through commands to the whole subsystem.
if [ -n "$test_disks" ]; then
	disks+=(-device nvme-subsys,id=bh-subsys,nqn=bh-mpath
		-device nvme,id=bh-mpc0,serial=bh-mpath,subsys=bh-subsys
		-device nvme,id=bh-mpc1,serial=bh-mpath,subsys=bh-subsys)
	for nsid in 1 2 3; do
		img=$out/mpath-$nsid.img
		rm -f "$img"
		truncate -s 32M "$img"
		disks+=(-drive "file=$img,if=none,id=mpath-$nsid,format=raw,discard=unmap,cache=unsafe")
		if [ $nsid = 3 ]; then
			disks+=(-device "nvme-ns,drive=mpath-$nsid,nsid=$nsid,bus=bh-mpc0,shared=off")
		else
			disks+=(-device "nvme-ns,drive=mpath-$nsid,nsid=$nsid,shared=on")
		fi
	done
fi

if [ -n "$modules" ]; then
	disks+=(-fsdev "local,id=modules,path=$(cd "$modules" && pwd -P),readonly=on,security_model=none"
		-device virtio-9p-pci,fsdev=modules,mount_tag=modules)
fi
if [ -n "$share" ]; then
	disks+=(-fsdev "local,id=state,path=$share,security_model=none"
		-device virtio-9p-pci,fsdev=state,mount_tag=state)
fi

# The host's load, for the guest's test timeouts (guest-run.sh): written
# every two seconds while the VM runs, read over a share the guest does
# not cache.
hostinfo=$out/hostinfo
mkdir -p "$hostinfo"
write_host_load() {
	local load
	read -r load _ </proc/loadavg
	echo "$load $(nproc)" >"$hostinfo/load.tmp" && mv -f "$hostinfo/load.tmp" "$hostinfo/load"
}
write_host_load

# How many times slower than on an idle host the guest runs now, in
# hundredths, as the guest's lib.sh reckons it: 1 to 8.
slowdown100() {
	local load
	read -r load _ </proc/loadavg
	awk -v l="$load" -v c="$(nproc)" 'BEGIN { f = int(l * 100 / c)
		print (f < 100 ? 100 : (f > 800 ? 800 : f)) }'
}

# watch_guest PID: wait for the guest, keeping the load file fresh. Its
# time limit counts an idle host's seconds, as its tests' do (guest-run.sh):
# on a host twice as busy it gets twice as long on the clock, at most 8
# times. Past the limit: TERM, and KILL 10 s later; returns 124.
watch_guest() {
	local pid=$1 used=0 wall=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		write_host_load
		used=$((used + 200 * 100 / $(slowdown100)))
		wall=$((wall + 2))
		[ $((used / 100)) -lt "$timeout" ] && [ $wall -lt $((timeout * 8)) ] && continue
		kill -TERM "$pid" 2>/dev/null
		for _ in 1 2 3 4 5; do kill -0 "$pid" 2>/dev/null && sleep 2; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid"
		return 124
	done
	wait "$pid"
}

rm -f "$out/console.log" "$out/ktap.log"
# A soft lockup panics the guest, so a real one fails the run; its
# threshold is the longest the kernel allows (120 s, not 20), since on a
# busy host a TCG guest's CPU can go unscheduled for tens of seconds.
cmdline="console=ttyS0 panic=-1 oops=panic softlockup_panic=1 watchdog_thresh=60 nokaslr"
if [ -n "$append" ]; then
	cmdline+=" $append"
else
	cmdline+=" blkhold.project=$project blkhold.script=$script$guest_env"
	# Debian builds x32 in but off; tamper.sh tries kexec_load's x32 entry.
	cmdline+=" syscall.x32=y"
	[ -n "${BLKHOLD_TESTS:-}" ] && cmdline+=" blkhold.tests=$(echo $BLKHOLD_TESTS | tr " " ,)"
fi

qemu-system-x86_64 \
	"${accel_opts[@]}" -smp "$cpus" -m "$mem" -nographic -no-reboot -monitor none \
	-kernel "$vmlinuz" -initrd "$initrd" -append "$cmdline" \
	-serial "file:$out/console.log" -serial "file:$out/ktap.log" \
	-fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev local,id=project,path="$project",readonly=on,security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=project,mount_tag=project \
	-fsdev local,id=hostinfo,path="$hostinfo",readonly=on,security_model=none \
	-device virtio-9p-pci,fsdev=hostinfo,mount_tag=hostinfo \
	"${disks[@]}" "${extra[@]}" >"$out/qemu.log" 2>&1 &
qemu_pid=$!
trap 'kill $qemu_pid 2>/dev/null' EXIT
watch_guest $qemu_pid
qemu_rc=$?
rm -f "$out"/*.img

sed -i 's/\r$//' "$out/ktap.log" "$out/console.log" 2>/dev/null
status=$(sed -n 's/^# blkhold-vm: exit \([0-9]*\)$/\1/p' "$out/ktap.log" | tail -n 1)
sed -i '/^# blkhold-vm: exit /d' "$out/ktap.log"

if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "run-vm: $kernel: guest did not finish within ${timeout}s of an idle host's time" >&2
	status=124
elif [ -z "$status" ]; then
	echo "run-vm: $kernel: guest stopped without reporting (qemu exit $qemu_rc)" >&2
	status=1
fi

bad='Oops|BUG:|WARNING:|Kernel panic|soft lockup|hard LOCKUP|rcu_sched detected stall|rcu: INFO:|refcount_t:|general protection fault|possible circular locking|UBSAN:|KASAN:|ODEBUG:|suspected memory leak'
if grep -Eq "$bad" "$out/console.log"; then
	echo "run-vm: $kernel: the kernel log shows a problem:" >&2
	grep -E -B2 -A20 "$bad" "$out/console.log" | head -n 60 >&2
	[ "$status" = 0 ] && status=3
fi
if [ "$status" != 0 ]; then
	echo "run-vm: $kernel: last lines of the guest console ($out/console.log):" >&2
	tail -n 40 "$out/console.log" >&2
fi
exit "$status"
