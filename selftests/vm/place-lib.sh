# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the first boots of the tests that boot VMs of their own
# (boot-place.sh, reprovision-place.sh): the CLI with its store on the
# share, KTAP checks whose descriptions start with $place_prefix, and the
# nodes of the disks the test attached, found by their identity.
project=$(cd "$(dirname "$0")/../.." && pwd)
blkhold="$project/userspace/blkhold --state-dir /mnt/state"
n=0 failed=0

check() {	# check WHAT CMD...
	local what=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n $place_prefix$what"
	else
		echo "not ok $n $place_prefix$what"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=1
	fi
}

# The node of the disk whose serial or wwid ends in @1.
by_identity() {
	local d id
	for d in /sys/block/*; do
		for id in serial wwid device/wwid; do
			id=$(cat "$d/$id" 2>/dev/null) || continue
			case $id in *"$1") echo "/dev/${d##*/}"; return 0 ;; esac
		done
	done
	return 1
}

# The first namespace of the NVMe controller with serial @1.
by_nvme_serial() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ "$(tr -d ' ' <"$c/serial" 2>/dev/null)" = "$1" ] && echo "/dev/${c##*/}n1" && return 0
	done
	return 1
}
