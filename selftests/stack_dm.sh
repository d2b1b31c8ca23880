#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Holds on device-mapper volumes: a hold on the top device holds exactly
# the ranges beneath that carry its data, down to the disks, and freezes
# every map on the way. Writes, discards and wipes of those ranges on the
# disks are refused, their neighbours stay writable, and table reloads,
# removal (plain, forced, deferred), renames and messages are refused
# while held. Cases: linear with a neighbour on the same disk, linear over
# striped (two levels, two disks), multipath (every path), a volume of many
# pieces of one disk, and LUKS2 (header and data).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd dmsetup jq
a=$(virtio_disk a) && b=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a/b not attached"
modprobe dm_mod 2>/dev/null
export DM_DISABLE_UDEV=1
name=stack-test
maps="bh-top bh-mid bh-lin bh-nb bh-crypt bh-renamed bh-whole"

cleanup() {
	release_all
	local m
	for m in $maps; do dmsetup remove --noudevsync "$m" 2>/dev/null; done
}
trap cleanup EXIT

# The device number of node $1, as dm tables name devices.
majmin() {
	local d
	d=$(stat -L -c '%t %T' "$1") && printf '%d:%d\n' "0x${d% *}" "0x${d#* }"
}

dm_create() {
	dmsetup create --noudevsync "$1" --table "$2" && dmsetup mknodes "$1"
}

# Write 4 KiB of random data at sector $2 of $1.
write_at() {
	dd if=/dev/urandom of="$1" bs=512 seek="$2" count=8 oflag=direct conv=notrunc status=none
}

# The ranges of disk $1 held beneath stacked volumes, "start+sectors" each.
held_beneath() {
	"$BLKHOLD" status "$1" --json | jq -r '.held_beneath[] | "\(.start)+\(.sectors)"' | sort -n | tr '\n' ' '
}

fill_random "$a"
fill_random "$b"

# ---- linear, with a neighbour on the same disk ----
dm_create bh-lin "0 8192 linear $(majmin "$a") 2048" || not_ok "dm-linear bh-lin can be made"
dm_create bh-nb "0 8192 linear $(majmin "$a") 16384" || not_ok "dm-linear bh-nb can be made"
held_sum=$(range_sum "$a" 2048 8192)
assert "hold on the linear volume" "$BLKHOLD" hold /dev/mapper/bh-lin --name $name --transient
expect_eq "the range beneath is held, exactly" "2048+8192 " "$(held_beneath "$a")"
expect_match "status of the disk beneath names the range and the volume above" \
	"not held itself.*sectors 2048-10239 of the disk held by '$name' of dm-" \
	"$("$BLKHOLD" status "$a" | tr '\n' ' ')"
refute "dd into the held range of the disk beneath is refused" write_at "$a" 4096
refute "blkdiscard of the held range is refused" \
	blkdiscard -f -o $((2048 * 512)) -l $((8192 * 512)) "$a"
refute "a discard of the whole disk beneath is refused" blkdiscard -f "$a"
assert "the neighbour's range on the same disk stays writable" write_at "$a" 16384
assert "... and so does the neighbour volume" write_at /dev/mapper/bh-nb 0
assert "the disk outside every volume stays writable" write_at "$a" 0
refute "a table reload of the held volume is refused" \
	dmsetup reload --noudevsync bh-lin --table "0 8192 linear $(majmin "$b") 0"
refute "its removal is refused" dmsetup remove --noudevsync bh-lin
refute "... forced too" dmsetup remove --noudevsync --force bh-lin
dmsetup remove --noudevsync --deferred bh-lin >/dev/null 2>&1
assert "... a deferred removal leaves it in place" dmsetup info bh-lin
refute "its rename is refused" dmsetup rename --noudevsync bh-lin bh-renamed
refute "a target message to it is refused" dmsetup message bh-lin 0 "@stats_create - /1"
assert "suspend and resume pass (no map change)" \
	sh -c 'dmsetup suspend --noudevsync bh-lin && dmsetup resume --noudevsync bh-lin'
dmsetup remove_all --noudevsync >/dev/null 2>&1
assert "remove_all leaves the held volume" dmsetup info bh-lin
expect_eq "the held range is unchanged" "$held_sum" "$(range_sum "$a" 2048 8192)"
expect_match "the refusals are counted as tamper on the held volume" '^[1-9]' \
	"$("$BLKHOLD" status /dev/mapper/bh-lin --json | jq '.refused.tamper')"
assert "release of the linear volume" "$BLKHOLD" release /dev/mapper/bh-lin --name $name
expect_eq "... releases the range beneath" "" "$(held_beneath "$a")"
assert "... and the disk beneath is writable again" write_at "$a" 4096
assert "... and the volume can be removed" dmsetup remove --noudevsync bh-lin

# ---- linear over striped: two levels, two disks ----
dm_create bh-mid "0 16384 striped 2 128 $(majmin "$a") 4096 $(majmin "$b") 4096" ||
	not_ok "dm-striped bh-mid can be made"
dm_create bh-top "0 4096 linear $(majmin /dev/mapper/bh-mid) 8192" ||
	not_ok "dm-linear bh-top over it can be made"
sum_a=$(range_sum "$a" 8192 2048)
sum_b=$(range_sum "$b" 8192 2048)
assert "hold on the top of two levels" "$BLKHOLD" hold /dev/mapper/bh-top --name $name --transient
expect_eq "the stripes' part of disk a is held, exactly" "8192+2048 " "$(held_beneath "$a")"
expect_eq "... and of disk b" "8192+2048 " "$(held_beneath "$b")"
expect_eq "the middle volume's part is held too" "8192+4096 " "$(held_beneath /dev/mapper/bh-mid)"
refute "dd into disk a under the top is refused" write_at "$a" 9000
refute "dd into disk b under the top is refused" write_at "$b" 10000
assert "the striped volume's other part stays writable on disk a" write_at "$a" 4096
refute "a reload of the middle volume is refused" \
	dmsetup reload --noudevsync bh-mid --table "0 16384 linear $(majmin "$b") 0"
refute "its removal is refused" dmsetup remove --noudevsync --force bh-mid
expect_eq "disk a's held range is unchanged" "$sum_a" "$(range_sum "$a" 8192 2048)"
expect_eq "disk b's held range is unchanged" "$sum_b" "$(range_sum "$b" 8192 2048)"
assert "release of the top" "$BLKHOLD" release /dev/mapper/bh-top --name $name
expect_eq "... releases every level" "0" "$("$BLKHOLD" list --json | jq '.volumes | length')"
assert "... and the middle volume can be reloaded again" \
	dmsetup reload --noudevsync bh-mid --table "0 16384 linear $(majmin "$b") 0"
dmsetup remove --noudevsync bh-top
dmsetup remove --noudevsync bh-mid

# ---- multipath: every path is held whole ----
if modprobe -a dm_multipath dm_round_robin 2>/dev/null; then
	size=$(blockdev --getsz "$a")
	dm_create bh-top "0 $size multipath 0 0 1 1 round-robin 0 2 1 $(majmin "$a") 1 $(majmin "$b") 1"
	assert "hold on a multipath map" "$BLKHOLD" hold /dev/mapper/bh-top --name $name --transient
	expect_eq "its first path is held whole" "0+$size " "$(held_beneath "$a")"
	expect_eq "... and its second" "0+$size " "$(held_beneath "$b")"
	refute "dd to a path is refused" write_at "$b" 0
	out=$("$BLKHOLD" release "$b" --name $name 2>&1)
	expect_eq "a path's hold cannot be released on its own" 1 "$?"
	expect_match "... saying where it comes from" "derived" "$out"
	assert "release of the map" "$BLKHOLD" release /dev/mapper/bh-top --name $name
	expect_eq "... releases both paths" "0" "$("$BLKHOLD" list --json | jq '.volumes | length')"
	dmsetup remove --noudevsync bh-top
else
	skip "holds on multipath maps" "no dm-multipath modules"
fi

# ---- a level that cannot be held: nothing stays held ----
if modprobe dm_delay 2>/dev/null; then
	dm_create bh-mid "0 8192 linear $(majmin "$b") 0"
	dm_create bh-top "0 8192 delay $(majmin /dev/mapper/bh-mid) 0 0"
	out=$("$BLKHOLD" hold /dev/mapper/bh-top --name $name --transient 2>&1)
	expect_eq "a hold over a target blkhold cannot map yet fails" 1 "$?"
	expect_match "... naming the target" "'delay'" "$out"
	expect_eq "... and leaves nothing held" "0" "$("$BLKHOLD" list --json | jq '.volumes | length')"
	dmsetup remove --noudevsync bh-top
	dmsetup remove --noudevsync bh-mid
else
	skip "a hold over a target blkhold cannot map yet" "no dm-delay module"
fi

# ---- many ranges on one disk, some inside another ----
# The I/O path searches a disk's held ranges by bisection (module/spans.c):
# every piece and every gap between pieces is tried, with and without a
# range around several of them.
pieces=48
table=
for i in $(seq 0 $((pieces - 1))); do
	table+="$((i * 8)) 8 linear $(majmin "$b") $((4096 + i * 16))"$'\n'
done
refused_pieces() {
	local i n=0
	for i in $(seq 0 $((pieces - 1))); do
		write_at "$b" $((4096 + i * 16)) 2>/dev/null || n=$((n + 1))
	done
	echo $n
}
passed_gaps() {
	local i n=0
	for i in $(seq 0 $((pieces - 1))); do
		write_at "$b" $((4096 + i * 16 + 8)) 2>/dev/null && n=$((n + 1))
	done
	echo $n
}
if printf '%s' "$table" | dmsetup create --noudevsync bh-top && dmsetup mknodes bh-top; then
	assert "hold on a volume of $pieces pieces of one disk" \
		"$BLKHOLD" hold /dev/mapper/bh-top --name $name --transient
	expect_eq "a write into each piece on the disk is refused" $pieces "$(refused_pieces)"
	expect_eq "... and one into each gap between them passes" $pieces "$(passed_gaps)"
	dm_create bh-mid "0 256 linear $(majmin "$b") $((4096 + 16 * 10))"
	assert "hold on a volume over pieces 10 to 25, gaps and all" \
		"$BLKHOLD" hold /dev/mapper/bh-mid --name $name --transient
	expect_eq "... now the 16 gaps it covers are refused too" $((pieces - 16)) "$(passed_gaps)"
	assert "release of the many pieces" "$BLKHOLD" release /dev/mapper/bh-top --name $name
	expect_eq "... the pieces it covers stay refused" 16 "$(refused_pieces)"
	assert "release of the volume around them" "$BLKHOLD" release /dev/mapper/bh-mid --name $name
	expect_eq "... and the disk is writable again" 0 "$(refused_pieces)"
	dmsetup remove --noudevsync bh-mid
	dmsetup remove --noudevsync bh-top
else
	not_ok "a dm volume of $pieces pieces can be made"
fi

# ---- LUKS2: the header is held with the data ----
cryptsetup() { command cryptsetup --disable-locks "$@"; }
if command -v cryptsetup >/dev/null && modprobe dm_crypt 2>/dev/null; then
	key=$(mktemp)
	printf 'selftest passphrase' >"$key"
	cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--key-file "$key" --luks2-metadata-size 16k --luks2-keyslots-size 1m "$a" 2>/dev/null &&
		cryptsetup open --key-file "$key" "$a" bh-crypt && dmsetup mknodes bh-crypt
	off=$(dmsetup table bh-crypt | awk '{ print $8 }')
	header_sum=$(range_sum "$a" 0 "$off")
	assert "hold on the LUKS2 mapping" "$BLKHOLD" hold /dev/mapper/bh-crypt --name $name --transient
	expect_eq "the header and the data beneath are held" \
		"0+$off $off+$(blockdev --getsz /dev/mapper/bh-crypt) " "$(held_beneath "$a")"
	refute "cryptsetup erase is refused" cryptsetup erase -q "$a"
	refute "luksKillSlot is refused" cryptsetup luksKillSlot -q "$a" 0
	refute "wipefs of the LUKS disk is refused" wipefs -a -f "$a"
	refute "a key wipe message is refused" dmsetup message bh-crypt 0 key wipe
	refute "cryptsetup close is refused" cryptsetup close bh-crypt
	expect_eq "the header is unchanged" "$header_sum" "$(range_sum "$a" 0 "$off")"
	assert "the passphrase still opens it" cryptsetup open --test-passphrase --key-file "$key" "$a"
	assert "release of the LUKS2 mapping" "$BLKHOLD" release /dev/mapper/bh-crypt --name $name
	assert "... and it closes" cryptsetup close bh-crypt
	rm -f "$key"
else
	skip "LUKS2 holds" "no cryptsetup or dm-crypt"
fi
# A range held for a volume above that is exactly a node's range: an own
# hold on that node makes it the node's, read-only flag included.
dm_create bh-whole "0 $(blockdev --getsz "$b") linear $(majmin "$b") 0"
assert "hold on a volume over all of a disk" \
	"$BLKHOLD" hold /dev/mapper/bh-whole --name $name --transient
expect_eq "the disk's node stays writable for the stack" 0 "$(blockdev --getro "$b")"
assert "an own hold on the disk" "$BLKHOLD" hold "$b" --name own-hold --transient
expect_eq "... gives the node its read-only flag" 1 "$(blockdev --getro "$b")"
expect_match "... and status of the disk shows it" "hold 'own-hold'" "$("$BLKHOLD" status "$b")"
assert "release of the own hold" "$BLKHOLD" release "$b" --name own-hold
refute "... the range stays held for the volume" write_at "$b" 8
assert "release of the volume" "$BLKHOLD" release /dev/mapper/bh-whole --name $name
expect_eq "... gives the node its flag back" 0 "$(blockdev --getro "$b")"
dmsetup remove --noudevsync bh-whole
ktap_finish
