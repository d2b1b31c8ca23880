#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what a target of the Makefile needs on Debian 12, when it is
# missing. Needs root and apt.
#
# usage: install-deps.sh [TARGET]
#   build   make: a compiler, libnl, libcrypto, libcurl, libsystemd,
#           libcryptsetup, this kernel's headers
#   deb     make deb: build's, debhelper, dh-dkms, lintian
#   demo    make demo: build's, QEMU, a supported kernel and its headers,
#           what the VM's init and the demo's wipe tools run
#   check   make check and make bench (the default): all of the above, both
#           of Debian 12's kernels, the real storage tools the tests attack
#           with, Ironic, Ansible, debootstrap for the Debian 13 build root
set -euo pipefail

target=${1:-check}

build=(build-essential pkg-config libnl-genl-3-dev libnl-3-dev libssl-dev
	libcurl4-openssl-dev libsystemd-dev libcryptsetup-dev kmod)
deb=(dpkg-dev debhelper dh-dkms lintian)
demo=(linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static
	cpio gzip util-linux e2fsprogs coreutils)
check=(
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	linux-source-6.1 linux-source-6.12 python3-yaml python3-jsonschema
	xz-utils fdisk sg3-utils nvme-cli fio mdadm dmsetup
	iproute2 jq hdparm kexec-tools python3 procps perl bsdextrautils
	initramfs-tools udev systemd
	dkms ansible python3-apt
	lvm2 cryptsetup-bin thin-provisioning-tools gdisk
	ironic-api ironic-conductor openssl curl debootstrap
	flex bison bc libelf-dev
)

case $target in
build) packages=("${build[@]}")
	# this kernel's headers, where Debian has them (not for a custom kernel)
	headers=linux-headers-$(uname -r)
	apt-cache show "$headers" >/dev/null 2>&1 && packages+=("$headers") ;;
deb) packages=("${build[@]}" "${deb[@]}") ;;
demo) packages=("${build[@]}" "${demo[@]}") ;;
check) packages=("${build[@]}" "${deb[@]}" "${demo[@]}" "${check[@]}") ;;
*) echo "install-deps: unknown target '$target' (build, deb, demo or check)" >&2
	exit 2 ;;
esac

# Two runs starting at once on a fresh host (two CI jobs) would race for
# dpkg's lock: the second waits here, then finds the packages installed.
if [ "$(id -u)" = 0 ]; then
	exec 9>/run/lock/blkhold-install-deps.lock
	flock 9
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing packages, and not root to install them: ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Ironic's and the tftp server's packages would start daemons here: the
	# test starts its own (ironic.sh). policy-rc.d keeps them stopped.
	policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		policy=/usr/sbin/policy-rc.d
	fi
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	rc=$?
	[ -n "$policy" ] && rm -f "$policy"
	[ $rc = 0 ] || exit $rc
fi

[ "$target" = check ] || exit 0

# promtool checks "blkhold metrics" (cli.sh). It comes with Debian's
# prometheus package, whose installation would start a Prometheus server
# here: unpack the package into build/prometheus instead.
project=$(cd "$(dirname "$0")/../.." && pwd)
promtool=$project/build/prometheus/usr/bin/promtool
if [ ! -x "$promtool" ]; then
	tmp=$(mktemp -d)
	mkdir -p "$project/build"
	if (cd "$tmp" && apt-get download -q prometheus >/dev/null 2>&1) &&
		dpkg-deb -x "$tmp"/prometheus_*.deb "$project/build/prometheus"; then
		echo "install-deps: unpacked promtool into build/prometheus"
	else
		echo "install-deps: warning: could not fetch the prometheus package; cli.sh skips its promtool check" >&2
	fi
	rm -rf "$tmp"
fi
