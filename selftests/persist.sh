#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stored holds: bound to the disk's identity and sectors, kept in the
# ledger, in force again the moment a matching disk comes back (re-plug
# per transport, late arrival), with a writer trying the whole time.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd jq sfdisk losetup

store=$(mktemp -d /tmp/persist-store.XXXXXX)
export BLKHOLD_STATE_DIR=$store
stop=$(mktemp -u /tmp/persist-stop.XXXXXX)
writer=
cleanup() {
	touch "$stop"
	[ -n "$writer" ] && wait "$writer" 2>/dev/null
	release_all
	rmmod scsi_debug 2>/dev/null
	[ -n "${loopdev:-}" ] && losetup -d "$loopdev"
	rm -rf "$store" "$stop" /tmp/persist-loop.img
}
trap cleanup EXIT

# The kernel's identity of disk node $1, as the CLI stores it.
identity_of() {
	"$BLKHOLD" list --json | jq -r --arg n "${1#/dev/}" \
		'.stored[] | select(.bound > 0) | .identity' | head -n 1
}

# The current node of the scsi_debug disk (its name may change on re-plug).
sdebug_node() {
	local d
	for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/sd*; do
		[ -e "$d" ] && echo "/dev/${d##*/}" && return 0
	done
	return 1
}

# writer_start CMD: run CMD (sh) in a loop until writer_stop.
writer_start() {
	rm -f "$stop"
	( while [ ! -e "$stop" ]; do sh -c "$1" >/dev/null 2>&1; done ) &
	writer=$!
}

writer_stop() {
	touch "$stop"
	wait "$writer" 2>/dev/null
	writer=
}

# ---- no identity, bad input ----
truncate -s 8M /tmp/persist-loop.img
loopdev=$(losetup -f --show /tmp/persist-loop.img)
out=$("$BLKHOLD" hold "$loopdev" --name x 2>&1)
rc=$?
expect_eq "a disk without a stable identity gets no stored hold" 1 $rc
expect_match "... and is told to use --transient" "no stable identity.*--transient" "$out"
expect_eq "... nothing is written to the store" "" "$(ls "$store")"
assert "a transient hold on it still works" "$BLKHOLD" hold "$loopdev" --name x --transient --device-only
expect_match "list says it is transient" "^$loopdev .* 1$" "$("$BLKHOLD" list)"
assert "release it" "$BLKHOLD" release "$loopdev" --name x

# ---- a stored hold on a virtio disk ----
vda=$(virtio_disk a) || skip_all "virtio disk bh-virtio-a not attached"
assert "stored hold placed on $vda" "$BLKHOLD" hold "$vda" --name CASE-1 --reason "stored"
expect_eq "the ledger has a header and one entry" 2 "$(wc -l <"$store/ledger")"
expect_eq "the hold is bound to the virtio serial" "serial=bh-virtio-a" "$(identity_of "$vda")"
expect_eq "the volume's hold is persistent" true \
	"$("$BLKHOLD" list --json | jq '.volumes[0].holds[0].persistent')"
out=$("$BLKHOLD" verify --initramfs none)
expect_eq "verify passes" 0 $?
expect_match "verify: chain intact" "chain intact" "$out"
expect_match "verify: kernel as in the store" "1 stored hold armed, as in the store" "$out"
refute "a write to $vda is refused" dd if=/dev/zero of="$vda" bs=4k count=1 oflag=direct status=none
assert "release the stored hold" "$BLKHOLD" release "$vda" --name CASE-1
expect_eq "the ledger has the release too" 3 "$(wc -l <"$store/ledger")"
expect_eq "nothing is armed any more" 0 "$("$BLKHOLD" list --json | jq '.stored | length')"
assert "$vda is writable again" dd if=/dev/zero of="$vda" bs=4k count=1 oflag=direct status=none

# ---- SCSI: re-plug, a partition, a late disk, two paths of one identity ----
modprobe scsi_debug dev_size_mb=16 delay=0 vpd_use_hostno=0 add_host=1 >/dev/null 2>&1 ||
	skip_all "scsi_debug cannot be loaded"
wait_for sdebug_node || skip_all "no scsi_debug disk appeared"
sd=$(sdebug_node)
printf 'label: gpt\nstart=2048, size=8192\nstart=10240, size=8192\n' | sfdisk -q "$sd" >/dev/null 2>&1
wait_for test -e "${sd}2" || not_ok "partitions of $sd appeared"
fill_random "${sd}1"
fill_random "${sd}2"
sum1=$(sha256_direct "${sd}1")
assert "stored hold placed on ${sd}1" "$BLKHOLD" hold "${sd}1" --name P1
id=$(identity_of "$sd")
expect_match "the identity is the SCSI device's wwid" "^device/wwid=naa\." "$id"
expect_eq "... the range is the partition's" "2048 8192" \
	"$("$BLKHOLD" list --json | jq -r '.stored[0] | "\(.start) \(.sectors)"')"
expect_eq "... and its partition UUID is recorded" "$(blkid -p -s PART_ENTRY_UUID -o value "${sd}1")" \
	"$("$BLKHOLD" list --json | jq -r '.stored[0].partuuid')"

# A writer hammers every node of that disk while it is deleted and rescanned.
writer_start "for d in /dev/sd*; do dd if=/dev/urandom of=\$d bs=4k count=8 seek=\$((2048 / 8)) oflag=direct conv=notrunc,nocreat; done"
host=$(ls -d /sys/bus/pseudo/drivers/scsi_debug/adapter*/host* | head -n 1)
host=${host##*/}
seq_old=$(cat /sys/block/${sd#/dev/}/diskseq)
echo 1 >"/sys/block/${sd#/dev/}/device/delete"
wait_for sh -c "! ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/sd* >/dev/null 2>&1"
echo "- - -" >"/sys/class/scsi_host/$host/scan"
wait_for sdebug_node || not_ok "the scsi_debug disk came back"
sd=$(sdebug_node)
wait_for test -e "${sd}2" || not_ok "its partitions came back"
writer_stop
expect_ne "the disk came back as another disk" "$seq_old" "$(cat /sys/block/${sd#/dev/}/diskseq)"
expect_eq "the re-plugged partition is unchanged" "$sum1" "$(sha256_direct "${sd}1")"
expect_eq "its node is read-only" 1 "$(blockdev --getro "${sd}1")"
refute "a write through the partition is refused" dd if=/dev/zero of="${sd}1" bs=4k count=1 oflag=direct status=none
refute "a write through the whole disk at its sectors is refused" \
	dd if=/dev/zero of="$sd" bs=512 count=8 seek=4096 oflag=direct status=none
assert "the neighbour partition is writable" dd if=/dev/zero of="${sd}2" bs=4k count=1 oflag=direct status=none
expect_eq "the writer did not change it either" "$sum1" "$(sha256_direct "${sd}1")"
expect_match "status shows the hold on the new disk" "hold 'P1'" "$("$BLKHOLD" status "${sd}1")"

# The table is outside the held range: it can be rewritten, and a new
# partition UUID on the held range is reported, the range still held.
sfdisk -q --part-uuid "$sd" 1 11111111-2222-3333-4444-555555555555 >/dev/null 2>&1
blockdev --rereadpt "$sd" 2>/dev/null
wait_for sh -c "dmesg | grep -q \"partition UUID is '11111111-2222-3333-4444-555555555555'\""
expect_match "a changed partition UUID raises an alert" \
	"partition UUID is '11111111-2222-3333-4444-555555555555', not '[0-9a-f-]{36}' as stored" \
	"$(dmesg | grep 'partition UUID is' | tail -n 1)"
refute "... and the range stays held" dd if=/dev/zero of="$sd" bs=512 count=8 seek=2048 oflag=direct status=none

# The disk's driver goes away and comes back later: the hold waits for it.
rmmod scsi_debug || not_ok "scsi_debug unloads"
expect_eq "list --json shows the hold waiting for its disk" "$id P1" \
	"$("$BLKHOLD" list --json | jq -r '.waiting[] | "\(.identity) \(.hold.name)"')"
expect_match "list shows it waiting" "Waiting for their disk" "$("$BLKHOLD" list)"
modprobe scsi_debug dev_size_mb=16 delay=0 vpd_use_hostno=0 add_host=2 per_host_store=1 >/dev/null 2>&1
wait_for sh -c 'ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block 2>/dev/null | grep -c "^sd" | grep -q 2' ||
	not_ok "two scsi_debug disks appeared"
# Both disks carry one identity (vpd_use_hostno=0): like two paths of one LUN.
n=0
for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/sd*; do
	node=/dev/${d##*/}
	before=$(sha256_direct "$node")
	refute "the late disk $node refuses its first write (range of P1)" \
		dd if=/dev/urandom of="$node" bs=512 count=8 seek=2048 oflag=direct status=none
	expect_eq "... and is unchanged" "$before" "$(sha256_direct "$node")"
	assert "... outside the range it is writable" \
		dd if=/dev/urandom of="$node" bs=512 count=8 seek=0 oflag=direct status=none
	n=$((n + 1))
done
expect_eq "the record holds both disks of its identity" 2 \
	"$("$BLKHOLD" list --json | jq '.stored[0].bound')"
rmmod scsi_debug

# The same identity on a disk of another size: held whole, and said.
modprobe scsi_debug dev_size_mb=24 delay=0 vpd_use_hostno=0 add_host=1 >/dev/null 2>&1
wait_for sdebug_node || not_ok "a bigger scsi_debug disk appeared"
sd=$(sdebug_node)
refute "a disk of another size with the identity is held whole (sector 0)" \
	dd if=/dev/urandom of="$sd" bs=512 count=1 oflag=direct status=none
expect_match "the kernel log says why" "disk size differs from the stored hold's: all of the disk is held" \
	"$(dmesg | grep 'disk size differs' | tail -n 1)"
rmmod scsi_debug

# ---- NVMe and virtio: PCI remove and rescan ----

# pci_replug NODE NAME ATTR PCI FIND: a stored hold NAME on NODE; a writer
# loops over every disk whose sysfs ATTR shows NODE's value while the PCI
# device PCI is removed and rescanned; FIND prints the node again after.
pci_replug() {
	local node=$1 name=$2 attr=$3 pci=$4 find=$5 value sum
	fill_random "$node"
	sum=$(sha256_direct "$node")
	assert "stored hold $name placed on $node" "$BLKHOLD" hold "$node" --name "$name"
	value=$(cat "/sys/block/${node#/dev/}/$attr")
	writer_start "for a in /sys/block/*/$attr; do [ \"\$(cat \$a)\" = '$value' ] || continue; d=\${a%/$attr}; dd if=/dev/urandom of=/dev/\${d##*/} bs=4k count=1 oflag=direct conv=notrunc,nocreat; done"
	echo 1 >"$pci/remove"
	wait_for sh -c "[ ! -e '$pci' ]"
	echo 1 >/sys/bus/pci/rescan
	wait_for $find || not_ok "$node's device came back after the PCI rescan"
	writer_stop
	node=$($find)
	expect_eq "$name: the re-plugged disk is unchanged" "$sum" "$(sha256_direct "$node")"
	refute "$name: a write to the re-plugged disk is refused" \
		dd if=/dev/zero of="$node" bs=4k count=1 oflag=direct status=none
	assert "$name: release it" "$BLKHOLD" release "$node" --name "$name"
}

nv=$(nvme_disk a) || skip_all "NVMe disk bh-nvme-a not attached"
nid=$(cat "/sys/block/${nv#/dev/}/wwid")
nid=wwid=$nid
pci_replug "$nv" NV wwid "$(readlink -f "/sys/block/${nv#/dev/}/device/device")" "nvme_disk a"
pci_replug "$vda" VIRT serial "$(readlink -f "/sys/block/${vda#/dev/}/device/..")" "virtio_disk a"
vda=$(virtio_disk a)

# ---- the ledger: crash safety, tampering, a missing or foreign store ----
for i in $(seq 1 25); do
	"$BLKHOLD" hold "$vda" --name "crash-$i" >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((RANDOM % 10))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if ! "$BLKHOLD" verify --initramfs none 2>/dev/null | grep -q "chain intact"; then
		not_ok "the ledger survives kill -9 during a hold (round $i)"
		"$BLKHOLD" verify --initramfs none 2>&1 | sed 's/^/#   /'
		break
	fi
done
[ "$i" = 25 ] && ok "the ledger survives kill -9 during a hold (25 rounds)"
assert "a hold after the kills succeeds" "$BLKHOLD" hold "$vda" --name after-kills
expect_eq "... and clears what the kills left half-written" 0 \
	"$(find "$store" -name '.ledger.*' | wc -l)"
assert "restore arms whatever the kills left in the store only" "$BLKHOLD" restore
expect_match "restore logs the store's sequence number and head to the kernel log" \
	"blkhold: restore from $store/ledger: seq [0-9]+ head [0-9a-f]{16}" "$(dmesg | grep 'restore from' | tail -n 1)"
assert "then verify finds store and kernel alike" "$BLKHOLD" verify --initramfs none

cp "$store/ledger" "$store/ledger.good"
sed -i '2s/CASE-1/CASE-9/' "$store/ledger"
out=$("$BLKHOLD" verify --initramfs none 2>&1)
expect_eq "verify fails on a ledger edited by hand" 1 $?
expect_match "... naming the line" "DAMAGED: .*line 2" "$out"
out=$("$BLKHOLD" hold "$vda" --name after-edit 2>&1)
expect_match "a damaged ledger is not appended to" "damaged" "$out"
armed=$("$BLKHOLD" list --json | jq '.stored | length')
"$BLKHOLD" restore >/dev/null 2>&1
expect_eq "restore on a damaged ledger still exits 1" 1 $?
after=$("$BLKHOLD" list --json | jq '.stored | length')
expect_eq "... and drops no armed hold" true "$([ "$after" -ge "$armed" ] && echo true)"
# A line that no longer parses still arms the most it could mean: all of
# the disk it names. A last line without its newline is read all the same.
vdb=$(virtio_disk b)
salvage=/tmp/persist-salvage
mkdir -p "$salvage"
BLKHOLD_STATE_DIR=$salvage "$BLKHOLD" hold "$vdb" --name salvage-me >/dev/null
BLKHOLD_STATE_DIR=$salvage "$BLKHOLD" release "$vdb" --name salvage-me >/dev/null
head -n 2 "$salvage/ledger" | sed '2s/ hold / hxld /' >"$salvage/ledger.new"
mv "$salvage/ledger.new" "$salvage/ledger"
out=$(BLKHOLD_STATE_DIR=$salvage "$BLKHOLD" restore 2>&1)
expect_match "restore names the line that does not parse" "line 2 does not parse: arming all of the disk serial=bh-virtio-b" "$out"
refute "... and the whole disk is held" dd if=/dev/zero of="$vdb" bs=4k count=1 oflag=direct
assert "the salvaged hold is released on the kernel's word" \
	"$BLKHOLD" release serial=bh-virtio-b --name salvage-me
rm -rf "$salvage" && mkdir -p "$salvage"	# a ledger of its own, no damaged line in it
BLKHOLD_STATE_DIR=$salvage "$BLKHOLD" hold "$vdb" --name no-newline >/dev/null
BLKHOLD_STATE_DIR=$salvage "$BLKHOLD" release "$vdb" --name no-newline >/dev/null
head -n 2 "$salvage/ledger" | head -c -1 >"$salvage/ledger.new"
mv "$salvage/ledger.new" "$salvage/ledger"
BLKHOLD_STATE_DIR=$salvage "$BLKHOLD" restore >/dev/null 2>&1
refute "a last hold line without its newline is armed" dd if=/dev/zero of="$vdb" bs=4k count=1 oflag=direct
"$BLKHOLD" release serial=bh-virtio-b --name no-newline >/dev/null 2>&1
rm -rf "$salvage"
echo "garbage" >"$store/ledger"
expect_match "a foreign file is named as such" "not a blkhold ledger" \
	"$("$BLKHOLD" verify --initramfs none 2>&1)"
mv "$store/ledger.good" "$store/ledger"
out=$("$BLKHOLD" verify --initramfs none 2>&1)
expect_match "verify names what the damaged ledger armed beyond the good one" \
	"hold 'CASE-9' on serial=bh-virtio-a is armed but not in the store" "$out"
assert "a hold armed only in the kernel is released on the kernel's word" \
	"$BLKHOLD" release "$vda" --name CASE-9
for stale in "$nid NV" "$id P1" "serial=bh-virtio-a VIRT"; do
	"$BLKHOLD" release ${stale% *} --name ${stale#* } >/dev/null 2>&1
done
assert "the good ledger verifies again" "$BLKHOLD" verify --initramfs none
# An initramfs whose ledger is a symbolic link to the host's would read the
# host's store in verify and none at boot.
if command -v unmkinitramfs >/dev/null && command -v cpio >/dev/null; then
	fake=$(mktemp -d)
	mkdir -p "$fake/etc/blkhold"
	ln -s "$store/ledger" "$fake/etc/blkhold/ledger"
	(cd "$fake" && find . | cpio -o -H newc 2>/dev/null) >/tmp/persist-symlinked.img
	out=$("$BLKHOLD" verify --initramfs /tmp/persist-symlinked.img 2>&1)
	expect_eq "verify fails on an initramfs whose ledger is a symbolic link" 1 $?
	expect_match "... and says so" "symbolic link" "$out"
	rm -rf "$fake" /tmp/persist-symlinked.img
else
	skip "an initramfs with a symbolic link for its ledger" "no unmkinitramfs or cpio"
fi
out=$(BLKHOLD_STATE_DIR=/tmp/persist-none "$BLKHOLD" restore 2>&1)
expect_match "restore without a store says so and succeeds" "no stored holds" "$out"

ktap_finish
