#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The re-provisioning run, for one kernel. Boot 1 is the storage host: it
# stores holds on a virtio disk, an NVMe namespace and a partition of a
# SCSI disk. On the VM host that store is exported, merged into a fleet
# registry with a hold placed there by identity alone (a fourth disk), and
# signed. Boot 2 is the provider's wipe image, made by "make wipe-initrd",
# with the disks attached in another order and the registry served over
# QEMU's user network (guestfwd to a command: no socket on the host): its
# wipe step runs every wipe tool on every disk. Held ranges must come out
# unchanged, byte for byte, the rest wiped, and the console report name
# each held disk's case. Then three more boots that must fail closed,
# wiping nothing: the registry server down, a registry signed by another
# key, a registry older than the image's. Prints KTAP; exit status 0 when
# every assertion passed.
#
# usage: reprovision.sh RELEASE
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
. "$here/host-ktap.sh"
rel=$1
work=$project/build/vm/$rel/reprovision
blkhold=$project/userspace/blkhold

rm -rf "$work"
mkdir -p "$work/state" "$work/fleet" "$work/serve" "$work/old-serve" "$work/other-serve"
for d in a n r u; do head -c 16M /dev/urandom >"$work/$d.img"; done
head -c 32M /dev/urandom >"$work/s.img"
printf 'label: gpt\nstart=2048, size=16384\nstart=18432, size=16384\n' | sfdisk -q "$work/s.img" >/dev/null

drive() { echo "-drive file=$work/$1.img,if=none,id=$1,format=raw,cache=unsafe,discard=unmap"; }
virtio() { echo "$(drive "$1") -device virtio-blk-pci,drive=$1,serial=bh-rp-$1"; }
scsi="$(drive s) -device virtio-scsi-pci,id=scsi0 -device scsi-hd,bus=scsi0.0,drive=s,serial=bh-rp-s,wwn=0x5000c500a1b2c3d4"
nvme="$(drive n) -device nvme,drive=n,serial=bh-rp-n"
qemu_args() { local a; for a in "$@"; do printf -- '--qemu\n%s\n' "$a"; done; }

# ---- boot 1: the storage host ----
mapfile -t args < <(qemu_args $(virtio a) $(virtio r) $nvme $scsi $(virtio u))
"$here/run-vm.sh" --kernel "$rel" --script "$here/reprovision-place.sh" --out "$work/host" \
	--timeout 900 --no-disks --share "$work/state" "${args[@]}"
report $? "boot 1 stored holds on the storage host"
sed 's/^/# /' "$work/host/ktap.log"

# ---- on the VM host: a fleet registry, signed ----
openssl req -x509 -newkey rsa:3072 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
	-days 30 -subj "/CN=blkhold registry" 2>/dev/null &&
	openssl req -x509 -newkey rsa:3072 -nodes -keyout "$work/other-key.pem" \
		-out "$work/other-cert.pem" -days 30 -subj "/CN=someone else" 2>/dev/null
report $? "the provider's key and another are made"
"$blkhold" --state-dir "$work/state" export --out "$work/host.reg" >/dev/null &&
	"$blkhold" --state-dir "$work/fleet" import "$work/host.reg" >/dev/null
report $? "the host's store is exported and merged into the fleet registry"
"$blkhold" --state-dir "$work/fleet" export --out "$work/old-serve/fleet.reg" \
	--sign "$work/key.pem" --cert "$work/cert.pem" >/dev/null
"$blkhold" --state-dir "$work/fleet" hold --identity serial=bh-rp-r --name CASE-R \
	--reason "placed by identity" >/dev/null
report $? "a hold placed in the registry by identity alone"
"$blkhold" --state-dir "$work/fleet" export --out "$work/serve/fleet.reg" \
	--sign "$work/key.pem" --cert "$work/cert.pem" >/dev/null
report $? "the fleet registry is exported and signed"
cp "$work/serve/fleet.reg" "$work/other-serve/fleet.reg"
"$blkhold" --state-dir "$work/fleet" export --out "$work/other-serve/fleet.reg" \
	--sign "$work/other-key.pem" --cert "$work/other-cert.pem" >/dev/null
openssl cms -verify -binary -inform DER -in "$work/serve/fleet.reg.p7s" -content "$work/serve/fleet.reg" \
	-CAfile "$work/cert.pem" -purpose any -out /dev/null 2>/dev/null
report $? "openssl cms -verify checks the registry's signature"
sequence=$(sed -n 's/^sequence //p' "$work/serve/fleet.reg")

# ---- the wipe image ----
KVER=$rel OUT=$work/wipe.img CERT=$work/cert.pem WIPE=$here/reprovision-wipe.sh SEQUENCE=$sequence \
	"$project/scripts/wipe-initrd.sh" >"$work/wipe-initrd.log" 2>&1
report $? "make wipe-initrd builds the wipe image"
lsinitramfs "$work/wipe.img" >"$work/lsinitramfs.txt" 2>&1
! grep -q "etc/blkhold/ledger" "$work/lsinitramfs.txt" && grep -q "blkhold.ko" "$work/lsinitramfs.txt"
report $? "it carries the module and none of the build host's store"

before_a=$(sum "$work/a.img") before_n=$(sum "$work/n.img") before_r=$(sum "$work/r.img")
before_u=$(sum "$work/u.img") before_s1=$(sectors "$work/s.img" 2048 16384)
before_s2=$(sectors "$work/s.img" 18432 16384)

# wipe_boot NAME DIR: the wipe image, disks in another order, DIR served
# (no DIR: nothing answers, the fetch times out)
wipe_boot() {
	local net="user,id=net0,restrict=on"
	[ -n "$2" ] && net+=",guestfwd=tcp:10.0.2.100:80-cmd:$here/http-serve.sh $2"
	mapfile -t args < <(qemu_args $(virtio u) $scsi $nvme $(virtio r) $(virtio a) \
		-netdev "$net" -device virtio-net-pci,netdev=net0)
	"$here/run-vm.sh" --kernel "$rel" --out "$work/$1" --timeout 900 --no-disks --mem 1024 \
		--initrd "$work/wipe.img" \
		--append "ip=dhcp blkhold.registry=http://10.0.2.100/fleet.reg blkhold.then=poweroff blkhold.timeout=20 root=/dev/blkhold-none" \
		"${args[@]}" >"$work/$1.log" 2>&1
	grep -q "blkhold-wipe: report " "$work/$1/console.log"
}

# ---- boot 2: the wipe, the registry armed ----
wipe_boot wipe "$work/serve"
report $? "boot 2 ran the wipe image to its report"
grep "blkhold-wipe:" "$work/wipe/console.log" | sed 's/^/# /'
[ "$(sum "$work/a.img")" = "$before_a" ]
report $? "the held virtio disk is unchanged, byte for byte"
[ "$(sum "$work/n.img")" = "$before_n" ]
report $? "the held NVMe namespace is unchanged"
[ "$(sectors "$work/s.img" 2048 16384)" = "$before_s1" ]
report $? "the held SCSI partition is unchanged"
[ "$(sum "$work/r.img")" = "$before_r" ]
report $? "the disk held by identity from the registry is unchanged"
[ "$(sum "$work/u.img")" != "$before_u" ]
report $? "the unheld disk was wiped"
[ "$(sectors "$work/s.img" 18432 16384)" != "$before_s2" ]
report $? "the unheld partition of the SCSI disk was wiped"
report_line=$(grep -o "blkhold-wipe: report .*" "$work/wipe/console.log")
for c in CASE-A CASE-N CASE-S1 CASE-R; do
	grep -q "held by $c" "$work/wipe/console.log"
	report $? "the console names $c"
done
grep -q '"fail_closed":false' <<<"$report_line" && grep -q '"held":false' <<<"$report_line"
report $? "the JSON report says the registry was armed and names a wiped disk"

# ---- fail closed: nothing is wiped, and the console says why ----
fail_closed() {	# NAME DIR WHY
	local sums
	sums=$(sum "$work/u.img")
	wipe_boot "$1" "$2"
	report $? "$1: the wipe image reports"
	grep "blkhold-wipe:" "$work/$1/console.log" | sed 's/^/# /'
	grep -q "FAIL CLOSED: .*$3" "$work/$1/console.log"
	report $? "$1: the console says why ($3)"
	[ "$(sum "$work/u.img")" = "$sums" ] && [ "$(sectors "$work/s.img" 18432 16384)" = "$(cat "$work/s2.sum")" ]
	report $? "$1: nothing is wiped"
}
sectors "$work/s.img" 18432 16384 >"$work/s2.sum"
fail_closed server-down "" "cannot fetch"
fail_closed other-key "$work/other-serve" "does not verify"
fail_closed older "$work/old-serve" "older than"
echo "1..$n"
rm -f "$work"/*.img
exit $failed
