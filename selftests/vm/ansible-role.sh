#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Ansible collection's install role on a clean system: an overlay of
# this host's root, in a mount namespace of its own (nothing on the host
# changes), where the role installs the packages from a directory of .deb
# files and enables the boot units, and a second run changes nothing. It
# needs no kernel of its own (DKMS is told not to build: package.sh tests
# that), so it runs here, at native speed; ansible.sh runs the case
# playbook against a VM's disks. KTAP on stdout; exit status 0 when every
# assertion passed, 4 when Ansible is not installed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
. "$here/host-ktap.sh"
work=$project/build/ansible-role
version=$(cat "$project/VERSION")
collection=$(ls "$project"/build/blkhold-holds-*.tar.gz 2>/dev/null | head -n 1)

if [ "${1:-}" != --in-namespace ]; then
	echo "TAP version 13"
	command -v ansible-playbook >/dev/null || { echo "1..0 # SKIP no ansible-playbook"; exit 4; }
	rm -rf "$work"
	mkdir -p "$work"
	exec unshare --mount --propagation private -- "$0" --in-namespace
fi

root=$work/merged
mkdir -p "$work/upper" "$work/work" "$root"
if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/work" "$root" ||
	! mount -t proc proc "$root/proc" || ! mount -t sysfs sys "$root/sys" ||
	! mount --bind /dev "$root/dev" || ! mount -t tmpfs tmpfs "$root/run" ||
	! mount -t tmpfs tmpfs "$root/tmp"; then
	report 1 "an overlay of this host's root for the role"
	echo "1..$n"
	exit 1
fi
# a chroot: no service starts, no initramfs rebuild, no module build
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
echo update_initramfs=no >"$root/etc/initramfs-tools/update-initramfs.conf"
mkdir -p "$root/etc/dkms"
touch "$root/etc/dkms/no-autoinstall"
mkdir -p "$root/tmp/debs"
cp "$project"/build/deb/blkhold*_"$version"_*.deb "$root/tmp/debs/"
[ -n "$collection" ] && cp "$collection" "$root/tmp/"
cat >"$root/tmp/role.yml" <<'EOP'
- hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: blkhold.holds.install
      vars:
        blkhold_deb_dir: /tmp/debs
        blkhold_load_module: false
EOP

in_ansible() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive ANSIBLE_COLLECTIONS_PATH=/tmp/collections \
		ANSIBLE_HOME=/tmp/ansible ANSIBLE_NOCOLOR=1 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
		ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 "$@"
}

out=$(in_ansible ansible-galaxy collection install "/tmp/${collection##*/}" -p /tmp/collections 2>&1)
report $? "ansible-galaxy installs the built collection" "$out"
out=$(in_ansible ansible-playbook -i localhost, /tmp/role.yml 2>&1)
report $? "the install role runs" "$out"
[ "$(chroot "$root" dpkg-query -W -f='${Status}\n' blkhold-dkms blkhold 2>/dev/null |
	grep -c 'install ok installed')" = 2 ]
report $? "it installs both packages"
[ -L "$root/etc/systemd/system/sysinit.target.wants/blkhold-restore.service" ]
report $? "it enables blkhold-restore.service"
[ -L "$root/etc/systemd/system/timers.target.wants/blkhold-metrics.timer" ]
report $? "it enables blkhold-metrics.timer"
out=$(in_ansible ansible-playbook -i localhost, /tmp/role.yml 2>&1)
grep -Eq "localhost +: ok=[0-9]+ +changed=0 " <<<"$out"
report $? "a second run changes nothing" "$out"
umount -R "$root" 2>/dev/null
echo "1..$n"
exit $failed
