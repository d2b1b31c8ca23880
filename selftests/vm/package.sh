#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages on a clean system of RELEASE's Debian release: this
# host's root for Debian 12's kernels, the kernel's build root for
# another release's (kernel-store.sh), with packages built there. Two
# parts:
#
#  - here, in an overlay of that root (package-root.sh, in a mount
#    namespace of its own: nothing on the host changes): apt-get installs
#    blkhold-dkms and blkhold; DKMS builds and signs the module for every
#    kernel with headers; a kernel upgrade's hook builds it again, and
#    skips a kernel without the ftrace options blkhold needs;
#  - in a VM booted with RELEASE, on that installed system
#    (package-vm.sh): modprobe loads the DKMS-built module, the packaged
#    CLI places a stored hold, removing either package with the hold in
#    force is refused, and after the release both go, with the modules.
#
# Compilers run at native speed here; the VM does what needs the kernel.
# KTAP on stdout; exit status 0 when every assertion passed.
#
# usage: package.sh RELEASE
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
rel=${1:?usage: package.sh RELEASE}
work=$project/build/vm/$rel/package

root=$("$here/kernel-store.sh" root "$rel") || { echo "1..0 # SKIP no kernel $rel"; exit 4; }
rm -rf "$work"
mkdir -p "$work/state"
if [ -n "$root" ]; then
	debs=$work/deb
	if ! "$here/package-build.sh" "$rel" "$debs" >"$work/build.log" 2>&1; then
		echo "not ok 1 the packages build in $root"
		tail -n 20 "$work/build.log" | sed 's/^/# /'
		echo "1..1"
		exit 1
	fi
else
	debs=$project/build/deb
fi

# The installation, in a mount namespace where its overlay lives and dies.
BLKHOLD_PKG_LOWER=${root:-/} BLKHOLD_PKG_DEBS=$debs BLKHOLD_PKG_WORK=$work \
	unshare --mount --propagation private -- "$here/package-root.sh" "$rel" \
	>"$work/root.ktap" 2>&1
root_rc=$?
grep -v '^1\.\.' "$work/root.ktap"
n=$(grep -c '^\(not \)\{0,1\}ok ' "$work/root.ktap")

# The installed system, booted: the guest lays the overlay's upper layer
# over the same root.
vm_rc=1
if [ -s "$work/state/upper.tar" ]; then
	qemu=()
	[ -n "$root" ] && qemu=(--qemu -fsdev
		--qemu "local,id=pkgroot,path=$root,readonly=on,security_model=none,multidevs=remap"
		--qemu -device --qemu virtio-9p-pci,fsdev=pkgroot,mount_tag=pkgroot)
	"$here/run-vm.sh" --kernel "$rel" --script "$here/package-vm.sh" --out "$work/vm" \
		--timeout 900 --share "$work/state" "${qemu[@]}" >"$work/run-vm.log" 2>&1
	vm_rc=$?
	# the VM's results, numbered on from here
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ ([0-9]+)(.*)$ ]]; then
			n=$((n + 1))
			echo "${BASH_REMATCH[1]}ok $n${BASH_REMATCH[3]}"
		elif [[ $line != "TAP version"* && $line != 1..* ]]; then
			echo "$line"
		fi
	done <"$work/vm/ktap.log"
	[ $vm_rc = 0 ] || sed 's/^/# /' "$work/run-vm.log"
else
	n=$((n + 1))
	echo "not ok $n the installed system is handed to the VM"
fi
echo "1..$n"
rm -rf "$work/state"
[ $root_rc = 0 ] && [ $vm_rc = 0 ]
