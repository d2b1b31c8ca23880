# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by the blkhold selftests: KTAP output, the devices the VM runner
# attaches, and the attacks' before/after evidence. Each test prints one
# KTAP line per assertion and a plan at the end; its exit status follows
# kselftest (0 pass, 1 fail, 4 skip).

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

BLKHOLD=${BLKHOLD_CLI:-blkhold}
ktap_n=0
ktap_failed=0
ktap_passed=0

echo "TAP version 13"

# BLKHOLD_STEP_TIMES=1: after each result, how long it took since the
# previous one (to find where a slow test spends its time).
ktap_last=${EPOCHREALTIME/./}
step_time() {
	local now=${EPOCHREALTIME/./}

	[ -n "${BLKHOLD_STEP_TIMES:-}" ] &&
		printf '# step %d took %d.%02d s\n' "$ktap_n" $(((now - ktap_last) / 1000000)) \
			$(((now - ktap_last) / 10000 % 100))
	ktap_last=$now
}

ok() {
	ktap_n=$((ktap_n + 1)); ktap_passed=$((ktap_passed + 1))
	echo "ok $ktap_n $*"
	step_time
}

not_ok() {
	ktap_n=$((ktap_n + 1)); ktap_failed=$((ktap_failed + 1))
	echo "not ok $ktap_n $*"
	step_time
}

skip() {
	local what=$1; shift
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n $what # SKIP $*"
	step_time
}

diag() {
	echo "# $*"
}

# assert DESCRIPTION COMMAND...: passes when the command succeeds.
assert() {
	local what=$1; shift
	local out
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what"
		diag "command failed: $*"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
	fi
}

# refute DESCRIPTION COMMAND...: passes when the command fails.
refute() {
	local what=$1; shift
	local out
	if out=$("$@" 2>&1); then
		not_ok "$what"
		diag "command succeeded but should have failed: $*"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
	else
		ok "$what"
	fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "expected: $2"
		diag "actual:   $3"
	fi
}

# expect_ne DESCRIPTION UNEXPECTED ACTUAL
expect_ne() {
	if [ "$2" != "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "both are: $3"
	fi
}

# expect_match DESCRIPTION REGEX TEXT
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1"
		diag "no match for /$2/ in:"
		printf '%s\n' "$3" | head -n 20 | sed 's/^/#   /'
	fi
}

ktap_finish() {
	echo "1..$ktap_n"
	if [ "$ktap_failed" -gt 0 ]; then
		exit $KSFT_FAIL
	elif [ "$ktap_passed" -eq 0 ] && [ "$ktap_n" -gt 0 ]; then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}

# skip_all REASON: the whole test cannot run here.
skip_all() {
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip_all "needs the '$c' command"
	done
}

# ---- devices ----

# wait_for COMMAND...: until it succeeds, for at most 30 seconds times
# BLKHOLD_TIMEOUT_FACTOR (a busy host is slow, not broken).
# How many times slower than on an idle host the guest runs now, in
# hundredths: its vCPUs share the host's cores with whatever else runs
# there. run-vm.sh writes the host's load average and core count to
# /run/blkhold-host/load; load / cores, 1 to 8 (100 to 800).
host_slowdown100() {
	local load cores f
	read -r load cores 2>/dev/null </run/blkhold-host/load || { echo 100; return; }
	[[ $cores =~ ^[1-9][0-9]*$ && $load =~ ^([0-9]+)\.([0-9]{2})$ ]] || { echo 100; return; }
	f=$(( (10#${BASH_REMATCH[1]} * 100 + 10#${BASH_REMATCH[2]}) / cores ))
	echo $(( f < 100 ? 100 : f > 800 ? 800 : f ))
}

# The same, rounded up to a whole factor.
host_slowdown() {
	echo $(( ($(host_slowdown100) + 99) / 100 ))
}

wait_for() {
	local i
	for i in $(seq 1 $((300 * ${BLKHOLD_TIMEOUT_FACTOR:-1}))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# The virtio disk the runner attached with serial bh-virtio-a (or -b).
virtio_disk() {
	local d
	for d in /sys/block/vd*; do
		[ "$(cat "$d/serial" 2>/dev/null)" = "bh-virtio-$1" ] && echo "/dev/${d##*/}" && return 0
	done
	return 1
}

# The first namespace of the NVMe controller with serial bh-nvme-a (or -b).
nvme_disk() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/serial" 2>/dev/null | tr -d ' ')" = "bh-nvme-$1" ] || continue
		echo "/dev/${c##*/}n1"
		return 0
	done
	return 1
}

# The subsystem bh-mpath the runner attaches: two controllers, two shared
# namespaces and one of the first controller's own, each seen through a
# head node over hidden path disks.
nvme_mpath_subsys() {
	local s
	for s in /sys/class/nvme-subsystem/*; do
		grep -q "bh-mpath$" "$s/subsysnqn" 2>/dev/null && echo "$s" && return 0
	done
	return 1
}

# The head node of its namespace a (nsid 1), b (nsid 2) or c (nsid 3, on
# the first controller only).
nvme_mpath_disk() {
	local s d nsid=1
	[ "$1" = b ] && nsid=2
	[ "$1" = c ] && nsid=3
	s=$(nvme_mpath_subsys) || return 1
	for d in "$s"/nvme*n*; do
		case ${d##*/} in *c*) continue ;; esac
		[ "$(cat "$d/nsid" 2>/dev/null)" = $nsid ] && echo "/dev/${d##*/}" && return 0
	done
	return 1
}

nvme_mpath_ctrls() {
	local s
	s=$(nvme_mpath_subsys) || return 1
	ls "$s" | grep -E '^nvme[0-9]+$'
}

# scsi_debug with two hosts, each with its own store: two independent disks.
scsi_debug_disks() {
	local d
	if [ ! -d /sys/module/scsi_debug ]; then
		modprobe scsi_debug dev_size_mb=32 delay=0 lbpu=1 lbpws=1 add_host=2 \
			per_host_store=1 >/dev/null 2>&1 || return 1
	fi
	wait_for sh -c 'ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block 2>/dev/null | grep -c "^sd" | grep -q 2' || return 1
	for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/sd*; do
		echo "/dev/${d##*/}"
	done
}

# Fill a disk with random data, so that any change shows in its checksum.
fill_random() {
	local bytes
	bytes=$(blockdev --getsize64 "$1") || return 1
	head -c "$bytes" /dev/urandom | dd of="$1" bs=1M oflag=direct iflag=fullblock status=none
}

sha256_direct() {
	dd if="$1" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1
}

# range_sum DEV START COUNT: sha256 of sectors [START, START + COUNT) as the
# medium holds them, read in 1 MiB requests (a 512-byte O_DIRECT read each
# costs a guest under TCG about 200 us).
range_sum() {
	dd if="$1" bs=1M skip=$(($2 * 512)) count=$(($3 * 512)) \
		iflag=direct,skip_bytes,count_bytes status=none | sha256sum | cut -d' ' -f1
}

sha256_cached() {
	sha256sum <"$1" | cut -d' ' -f1
}

# copy_direct DEV FILE: DEV's content as its medium has it (O_DIRECT).
copy_direct() {
	dd if="$1" of="$2" bs=1M iflag=direct status=none
}

# same_direct DEV FILE: whether DEV's medium still holds FILE's bytes;
# cmp names the first difference on stdout when not.
same_direct() {
	dd if="$1" bs=1M iflag=direct status=none | cmp - "$2" 2>&1
}

# Generic netlink sockets subscribed to a multicast group ("blkhold watch"),
# and whether there are more than $1 of them.
watchers() {
	awk '$2 == 16 && $4 != "00000000" { n++ } END { print n + 0 }' /proc/net/netlink
}

more_watchers() {
	[ "$(watchers)" -gt "$1" ]
}

# ---- a clean system to install on ----

# overlay_root_mount: the guest's root read-only below, tmpfs above, at
# $root, with /proc, /sys, /dev, /run and /tmp, ready for chroot. No
# initramfs rebuilds there (boot-path.sh tests the boot path).
overlay_root_mount() {
	overlay_top=$(mktemp -d /tmp/overlay.XXXXXX)
	root=$overlay_top/root
	mount -t tmpfs tmpfs "$overlay_top" &&
		mkdir -p "$overlay_top/upper" "$overlay_top/work" "$root" &&
		mount -t overlay overlay \
			-o "lowerdir=/,upperdir=$overlay_top/upper,workdir=$overlay_top/work" "$root" ||
		return 1
	mount -t proc proc "$root/proc"
	mount -t sysfs sys "$root/sys"
	mount --bind /dev "$root/dev"
	mount --bind /dev/pts "$root/dev/pts"
	mount -t tmpfs tmpfs "$root/run"
	mkdir -p "$root/run/lock"
	mount -t tmpfs tmpfs "$root/tmp"
	echo update_initramfs=no >"$root/etc/initramfs-tools/update-initramfs.conf"
}

overlay_root_umount() {
	local m
	[ -n "${overlay_top:-}" ] || return 0
	for m in run/lock run tmp dev/pts dev sys proc; do
		umount "$root/$m" 2>/dev/null
	done
	umount "$root" 2>/dev/null
	umount "$overlay_top" 2>/dev/null
	rm -rf "$overlay_top"
}

# in_root COMMAND...: run it in the overlay, with a clean environment.
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# ---- holds ----

# A transient hold: most tests are about the gate, not the store.
hold() {
	"$BLKHOLD" hold "$1" --name "${2:-selftest}" ${3:+--reason "$3"} --transient >/dev/null
}

release() {
	"$BLKHOLD" release "$1" --name "${2:-selftest}" >/dev/null
}

# Release every hold on the host: tests start and end with none.
release_all() {
	"$BLKHOLD" list --json 2>/dev/null |
		jq -r '.volumes[] | .device as $d | .holds[] | "\($d) \(.name)"' |
		while read -r dev name; do
		"$BLKHOLD" release "$dev" --name "$name" >/dev/null 2>&1
	done
	"$BLKHOLD" list --json 2>/dev/null |
		jq -r '.stored[] | "\(.identity) \(.hold.name)"' |
		while read -r id name; do
		"$BLKHOLD" release "$id" --name "$name" >/dev/null 2>&1
	done
}

# ---- attacks ----

# attack DESCRIPTION HELD_DEV TWIN_DEV SCRIPT [TWIN_PREPARE]
# Runs SCRIPT (sh, the disk in $DEV) first on the unheld twin, which must
# change, or the attack proves nothing; an attack the device does not
# support is skipped with the tool's reason. Then on the held disk, whose
# content must not change, read with O_DIRECT and through the page cache.
# TWIN_PREPARE runs on the twin first (e.g. a signature for wipefs).
# Each disk's content before the attack is kept as a copy and compared
# byte for byte after it (a hash of each read cost as much as the attack
# itself under TCG); the twin gets its copy back.
attack() {
	local what=$1 held=$2 twin=$3 script=$4 prepare=${5:-}
	local copy=/tmp/attack-before.$$ out rc direct cached

	[ -n "$prepare" ] && DEV=$twin sh -c "$prepare" >/dev/null 2>&1
	copy_direct "$twin" "$copy" || {
		rm -f "$copy"; not_ok "$what: cannot read the twin $twin"; return
	}
	out=$(DEV=$twin sh -c "$script" 2>&1)
	rc=$?
	sync
	if same_direct "$twin" "$copy" >/dev/null; then
		rm -f "$copy"
		if [ $rc != 0 ]; then
			skip "$what on $held" "the device cannot do it: $(printf '%s' "$out" | tail -n 1)"
		else
			not_ok "$what: changes the unheld twin $twin"
			diag "the attack changed nothing on the unheld disk: it proves nothing"
		fi
		return
	fi
	ok "$what: changes the unheld twin $twin"
	dd if="$copy" of="$twin" bs=1M oflag=direct status=none

	copy_direct "$held" "$copy" || {
		rm -f "$copy"; not_ok "$what: cannot read the held $held"; return
	}
	out=$(DEV=$held sh -c "$script" 2>&1)
	sync
	direct=$(same_direct "$held" "$copy")
	cached=$(cmp "$held" "$copy" 2>&1)
	rm -f "$copy"
	if [ -z "$direct$cached" ]; then
		ok "$what: held $held unchanged"
	else
		not_ok "$what: held $held unchanged"
		diag "O_DIRECT: ${direct:-unchanged}; cached: ${cached:-unchanged}"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	fi
}
