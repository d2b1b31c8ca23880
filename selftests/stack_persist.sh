#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stored holds on stacked volumes: the store keeps each range beneath as a
# stored hold bound to its disk (armed by the kernel whenever the disk
# appears) and the stacked volume under its dm or md uuid; restore holds
# the volume again when it is back and compares its map with the store.
# The stack's coming and going across a reboot is played by dropping the
# volume's own hold in the kernel (cli.py, as the kernel's own tools would)
# and removing or reloading it. selftests/vm/boot-path.sh does the real
# reboot.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd dmsetup jq losetup mdadm
a=$(virtio_disk a) && b=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a/b not attached"
modprobe dm_mod 2>/dev/null
modprobe raid1 2>/dev/null
export DM_DISABLE_UDEV=1
store=$(mktemp -d /tmp/stack-persist.XXXXXX)
export BLKHOLD_STATE_DIR=$store
name=CASE-STACK
maps="bh-sp-lin bh-sp-nb bh-sp-gone bh-sp-loop"
md=/dev/md92
loopdev=

speed_min=
speed_max=
cleanup() {
	release_all
	mdadm --stop "$md" >/dev/null 2>&1
	[ -n "$speed_min" ] && echo "$speed_min" >/proc/sys/dev/raid/speed_limit_min
	[ -n "$speed_max" ] && echo "$speed_max" >/proc/sys/dev/raid/speed_limit_max
	mdadm --zero-superblock "${a}2" "${b}2" >/dev/null 2>&1
	if [ -b "${a}2" ]; then
		wipefs -a -f -q "${a}2" "${b}2" "$a" "$b" 2>/dev/null
		blockdev --rereadpt "$a" 2>/dev/null
		blockdev --rereadpt "$b" 2>/dev/null
	fi
	local m
	for m in $maps; do dmsetup remove --noudevsync "$m" 2>/dev/null; done
	[ -n "$loopdev" ] && losetup -d "$loopdev"
	rm -rf "$store" /tmp/stack-persist.img
}
trap cleanup EXIT

majmin() {
	local d
	d=$(stat -L -c '%t %T' "$1") && printf '%d:%d\n' "0x${d% *}" "0x${d#* }"
}

dm_create() {
	dmsetup create --noudevsync "$1" --uuid "BLKHOLD-$1" --table "$2" && dmsetup mknodes "$1"
}

write_at() {
	dd if=/dev/urandom of="$1" bs=512 seek="$2" count=8 oflag=direct conv=notrunc status=none
}

# What `list --json` shows of the stored holds: "identity start+sectors beneath node_only".
stored() {
	"$BLKHOLD" list --json | jq -r '.stored[] | "\(.identity) \(.start)+\(.sectors) \(.beneath) \(.node_only)"' | sort
}

identity() {
	echo "serial=$(cat "/sys/block/${1#/dev/}/serial")"
}

# The stacked volume's own hold goes from the kernel, as at a reboot; the
# ranges stored beneath stay armed. cli.py sends hold-del as is.
project=$(cd "$(dirname "$0")/.." && pwd)
ynl_spec=$project/build/ynl/tree/Documentation/netlink/specs/blkhold.yaml
ynl_cli=$project/build/ynl/tools/net/ynl/cli.py
drop_top_hold() {
	local mm major minor
	mm=$(majmin "$1") || return 1
	major=${mm%:*} minor=${mm#*:}
	python3 "$ynl_cli" --spec "$ynl_spec" --do hold-del --json \
		"{\"major\": $major, \"minor\": $minor, \"diskseq\": $(cat "/sys/dev/block/$mm/diskseq"), \"name\": \"$name\"}" >/dev/null
}
have_ynl=
[ -f "$ynl_cli" ] && python3 -c 'import yaml' 2>/dev/null && have_ynl=1

fill_random "$a"
fill_random "$b"

# ---- dm-linear with a neighbour on the same disk ----
dm_create bh-sp-lin "0 8192 linear $(majmin "$a") 2048" || not_ok "dm-linear bh-sp-lin can be made"
dm_create bh-sp-nb "0 8192 linear $(majmin "$a") 16384" || not_ok "dm-linear bh-sp-nb can be made"
held_sum=$(range_sum "$a" 2048 8192)
assert "stored hold on the linear volume" "$BLKHOLD" hold /dev/mapper/bh-sp-lin --name $name
expect_eq "the ledger keeps the volume under its dm uuid and the range beneath" "1 1" \
	"$(grep -c " top:dm-uuid=BLKHOLD-bh-sp-lin " "$store/ledger") $(grep -c " data:dm-uuid=BLKHOLD-bh-sp-lin " "$store/ledger")"
expect_eq "the range beneath is a stored hold on the disk, marked beneath" \
	"$(identity "$a") 2048+8192 true false" "$(stored)"
expect_eq "the disk's node keeps its read-only flag off" 0 "$(blockdev --getro "$a")"
refute "a write into the range through the disk is refused" write_at "$a" 4096
assert "the neighbour volume is writable" write_at /dev/mapper/bh-sp-nb 0
refute "dmsetup remove is refused (map frozen)" dmsetup remove --noudevsync bh-sp-lin
assert "verify: store and kernel agree" "$BLKHOLD" verify --initramfs none
expect_match "status shows the range stored beneath" \
	"beneath, stored: $(identity "$a") sectors 2048-10239" \
	"$("$BLKHOLD" status /dev/mapper/bh-sp-lin)"
before=$(sha256sum <"$store/ledger")
expect_match "restore again: held already" "1 held already" "$("$BLKHOLD" restore 2>&1)"
expect_eq "restore writes nothing" "$before" "$(sha256sum <"$store/ledger")"

if [ -n "$have_ynl" ]; then
	assert "the volume's own hold goes (as at a reboot)" drop_top_hold /dev/mapper/bh-sp-lin
	refute "verify: the volume is present but its hold is not placed" \
		"$BLKHOLD" verify --initramfs none
	refute "the range beneath stays held" write_at "$a" 4096
	out=$("$BLKHOLD" restore 2>&1)
	expect_match "restore holds the volume again" "1 held now" "$out"
	expect_eq "... and it has the hold" $name \
		"$("$BLKHOLD" status /dev/mapper/bh-sp-lin --json | jq -r '.holds[].name')"
	refute "... its map is frozen again" dmsetup remove --noudevsync bh-sp-lin

	# The map changed while the volume was not held.
	assert "the volume's own hold goes again" drop_top_hold /dev/mapper/bh-sp-lin
	dmsetup reload --noudevsync bh-sp-lin --table "0 8192 linear $(majmin "$a") 24576" &&
		dmsetup resume --noudevsync bh-sp-lin
	out=$("$BLKHOLD" restore 2>&1)
	rc=$?
	expect_eq "restore with a changed map exits 1" 1 "$rc"
	expect_match "... naming the new range" "sectors 24576-32767 carry the volume now" "$out"
	expect_match "... and the stored one" "stored range $(identity "$a") sectors 2048-10239 of hold '$name' no longer carries the volume" "$out"
	expect_eq "... the volume is held all the same" $name \
		"$("$BLKHOLD" status /dev/mapper/bh-sp-lin --json | jq -r '.holds[].name')"
	refute "... and the stored range too" write_at "$a" 4096
else
	skip "the stack's reboot played by hold-del" "no cli.py in build/ynl or no python3-yaml"
fi

out=$("$BLKHOLD" release "$(identity "$a")" --name $name 2>&1)
expect_eq "release of the range beneath alone is refused" 1 "$?"
expect_match "... saying where to release it" "lies beneath the stacked volume dm-uuid=BLKHOLD-bh-sp-lin: release it there" "$out"
assert "release of the volume" "$BLKHOLD" release /dev/mapper/bh-sp-lin --name $name
expect_eq "nothing held or stored" "0 0" \
	"$("$BLKHOLD" list --json | jq -r '"\(.volumes | length) \(.stored | length)"')"
expect_eq "the ledger released both" 2 "$(grep -c " release " "$store/ledger")"
assert "verify: store and kernel agree" "$BLKHOLD" verify --initramfs none
expect_eq "the held range was unchanged until then" "$held_sum" "$(range_sum "$a" 2048 8192)"
assert "the range is writable again" write_at "$a" 4096
dmsetup remove --noudevsync bh-sp-lin bh-sp-nb

# ---- the volume is gone: its stored ranges stay held, released from beneath ----
if [ -n "$have_ynl" ]; then
	dm_create bh-sp-gone "0 4096 linear $(majmin "$b") 4096"
	assert "stored hold on a volume on the other disk" \
		"$BLKHOLD" hold /dev/mapper/bh-sp-gone --name $name --reason "case 7"
	assert "its own hold goes" drop_top_hold /dev/mapper/bh-sp-gone
	assert "... and it is removed" dmsetup remove --noudevsync bh-sp-gone
	expect_match "restore: the volume is not present" "the stacked volume is not present; its ranges beneath are held" \
		"$("$BLKHOLD" restore 2>&1)"
	refute "the range beneath is held" write_at "$b" 4096
	out=$("$BLKHOLD" release "$(identity "$b")" --name $name 2>&1)
	expect_eq "release through the disk's identity" 0 "$?"
	expect_match "... releases the absent volume's whole hold" "releasing stored hold '$name' of the stacked volume dm-uuid=BLKHOLD-bh-sp-gone" "$out"
	expect_eq "nothing stored" 0 "$("$BLKHOLD" list --json | jq '.stored | length')"
	assert "the range is writable again" write_at "$b" 4096
else
	skip "a stored hold whose volume is gone" "no cli.py in build/ynl or no python3-yaml"
fi

# ---- all or nothing: a disk beneath without an identity ----
truncate -s 8M /tmp/stack-persist.img
loopdev=$(losetup -f --show /tmp/stack-persist.img)
dm_create bh-sp-loop "0 4096 linear $(majmin "$loopdev") 0"
lines=$(wc -l <"$store/ledger")
out=$("$BLKHOLD" hold /dev/mapper/bh-sp-loop --name $name 2>&1)
expect_eq "a stored hold over a loop device fails" 1 "$?"
expect_match "... naming the disk without an identity" "no stable identity" "$out"
expect_eq "... nothing stays held or stored" "0 0" \
	"$("$BLKHOLD" list --json | jq -r '"\(.volumes | length) \(.stored | length)"')"
expect_eq "... the ledger says so" "not placed" \
	"$(tail -n +$((lines + 1)) "$store/ledger" | grep " release " | tail -n 1 | grep -o "not%20placed" | sed 's/%20/ /')"
assert "... and the volume can be removed" dmsetup remove --noudevsync bh-sp-loop

# unclean_assembly OFFSET: the held array, whose superblocks say a resync
# is due, comes back as at a reboot after an unclean shutdown: assembled
# read-only until its first write (md_mod start_ro=1, which Debian's
# mdadm sets), its resync waits; restore freezes it, since the members
# carry held ranges, and holds the array again before anything writes;
# no member fails.
unclean_assembly() {
	local off=$1 sums start_ro out
	sums="$(range_sum "$a" $((10240 + off)) 4096) $(range_sum "$b" $((10240 + off)) 4096)"
	start_ro=$(cat /sys/module/md_mod/parameters/start_ro)
	echo 1 >/sys/module/md_mod/parameters/start_ro
	assert "the array's own hold goes (as at a reboot)" drop_top_hold "$md"
	assert "... it stops" mdadm --stop "$md"
	assert "... and is assembled again" mdadm --assemble "$md" "${a}2" "${b}2"
	expect_match "... read-only until written, its resync pending" \
		"auto-read-only.*resync=PENDING" "$(grep -A3 "^md92 " /proc/mdstat | tr '\n' ' ')"
	out=$("$BLKHOLD" restore 2>&1)
	expect_match "restore first freezes its resync: its members carry held ranges" \
		"froze the resync of md92: its members carry held ranges" "$out"
	expect_match "... then holds it again" "1 held now" "$out"
	expect_eq "... and its resync stays frozen" frozen "$(cat /sys/block/md92/md/sync_action)"
	refute "... a write to the array is refused" write_at "$md" 0
	expect_match "... it stays healthy" '\[UU\]' "$(grep -A2 "^md92 " /proc/mdstat)"
	expect_eq "... and its members' data unchanged" "$sums" \
		"$(range_sum "$a" $((10240 + off)) 4096) $(range_sum "$b" $((10240 + off)) 4096)"
	echo "$start_ro" >/sys/module/md_mod/parameters/start_ro
}

# ---- md raid1 over partitions: md's own metadata stored node-only ----
partitions_made() { [ -b "${a}2" ] && [ -b "${b}2" ]; }
for d in "$a" "$b"; do
	printf 'start=2048, size=8192\nstart=10240\n' | sfdisk -q -f "$d" >/dev/null 2>&1
	blockdev --rereadpt "$d" 2>/dev/null
done
# Its first resync is cut short (frozen at once, at 1 KiB/s), so its
# superblocks say a resync is due, as after an unclean shutdown.
speed_min=$(cat /proc/sys/dev/raid/speed_limit_min)
speed_max=$(cat /proc/sys/dev/raid/speed_limit_max)
echo 1 >/proc/sys/dev/raid/speed_limit_min
echo 1 >/proc/sys/dev/raid/speed_limit_max
if wait_for partitions_made &&
	yes | mdadm --create "$md" --run --force --level=1 --raid-devices=2 --metadata=1.2 \
		--bitmap=internal "${a}2" "${b}2" >/dev/null 2>&1 &&
	echo frozen >/sys/block/md92/md/sync_action; then
	assert "stored hold on the md array" "$BLKHOLD" hold "$md" --name $name
	uuid=$(cat "/sys/dev/block/$(majmin "$md")/md/uuid")
	expect_eq "the ledger keeps the array under its md uuid" 1 \
		"$(grep -c " top:md-uuid=$uuid " "$store/ledger")"
	expect_eq "each member's data area is stored beneath, on its disk" 2 \
		"$(stored | grep -c " true false$")"
	assert "... and its superblock and bitmap, node-only" \
		test "$(stored | grep -c " true true$")" -ge 2
	off=$(cat "/sys/dev/block/$(majmin "$md")/md/dev-${a#/dev/}2/offset")
	refute "a member's data through its disk is refused" write_at "$a" $((10240 + off + 8))
	refute "... and through its partition" write_at "${a}2" $((off + 8))
	assert "the other partition stays writable" write_at "${a}1" 0
	assert "verify: store and kernel agree" "$BLKHOLD" verify --initramfs none
	expect_match "the array is healthy" '\[UU\]' \
		"$(grep -A2 "^$(basename "$(readlink -f "$md")") " /proc/mdstat)"
	[ -n "$have_ynl" ] && unclean_assembly "$off"
	assert "release of the array" "$BLKHOLD" release "$md" --name $name
	# the resync it was due starts, or it is idle without the unclean part
	expect_match "... which lets its resync run again" '^(idle|resync)$' \
		"$(cat /sys/block/md92/md/sync_action)"
	expect_eq "nothing stored" 0 "$("$BLKHOLD" list --json | jq '.stored | length')"
	mdadm --stop "$md" >/dev/null 2>&1
else
	not_ok "md raid1 over partitions can be made"
fi
echo "$speed_min" >/proc/sys/dev/raid/speed_limit_min
echo "$speed_max" >/proc/sys/dev/raid/speed_limit_max
ktap_finish
