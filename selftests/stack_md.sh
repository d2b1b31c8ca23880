#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Holds on md arrays: a hold on a raid1 array holds each member's data
# area, and its superblock and bitmap against everyone but md, and keeps
# the array's membership and state. mdadm --stop, --fail, --remove,
# --grow, --readwrite and sync_action writes are refused; dd, blkdiscard
# and wipefs on a member are refused; md keeps writing its superblock and
# bitmap, and the array stays healthy ([UU]). A volume on the array holds
# only its part of the members; on raid5, the whole rows it touches; on
# raid10 (near, far and offset layouts), the chunks each member carries;
# on linear, its part of each member it spans; on raid1 over partitions,
# its part of each partition. A hold on a member of an assembled array
# itself, or on the disk under one, is refused: it would refuse md's own
# superblock writes, and md would fail the member.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd mdadm jq
a=$(virtio_disk a) && b=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a/b not attached"
modprobe -a md_mod raid1 2>/dev/null || skip_all "no md raid1 module"
export MDADM_NO_UDEV=1
md=/dev/md90
name=md-test

md5=/dev/md91
md10=/dev/md92
mdlin=/dev/md94
md0=/dev/md95
loop_images=()
loop_members=()

cleanup() {
	release_all
	dmsetup remove --noudevsync bh-onmd bh-onr5 bh-onr10 bh-onlin bh-onr0 >/dev/null 2>&1
	mdadm --stop "$md" "$md5" "$md10" "$mdlin" "$md0" >/dev/null 2>&1
	mdadm --zero-superblock "$a" "$b" >/dev/null 2>&1
	for m in "${loop_members[@]}"; do losetup -d "$m"; done
	rm -f "${loop_images[@]}"
	if [ -b "${a}2" ]; then
		wipefs -a -f -q "${a}2" "${b}2" "$a" "$b" 2>/dev/null
		blockdev --rereadpt "$a" 2>/dev/null
		blockdev --rereadpt "$b" 2>/dev/null
	fi
}
trap cleanup EXIT

sysmd() { cat "/sys/block/${md#/dev/}/md/$1"; }

held_beneath() {
	"$BLKHOLD" status "$1" --json |
		jq -r '.held_beneath[] | "\(.start)+\(.sectors)\(if .node_only then "n" else "" end)"' |
		sort -n | tr '\n' ' '
}

write_at() {
	dd if=/dev/urandom of="$1" bs=512 seek="$2" count=8 oflag=direct conv=notrunc status=none
}

assert "a raid1 array with an internal bitmap" sh -c "yes | mdadm --create $md --run --force \
	--level=1 --raid-devices=2 --metadata=1.2 --bitmap=internal --assume-clean '$a' '$b' >/dev/null 2>&1"
[ -b "$md" ] || mknod "$md" b 9 90
dd if=/dev/urandom of="$md" bs=1M count=4 oflag=direct status=none
offset=$(cat "/sys/block/${md#/dev/}/md/dev-${a#/dev/}/offset")
data=$(($(cat "/sys/block/${md#/dev/}/md/dev-${a#/dev/}/size") * 2))
total=$(blockdev --getsz "$a")
data_sum=$(range_sum "$a" "$offset" "$data")

assert "hold on the array" "$BLKHOLD" hold "$md" --name $name --transient
expect_eq "its resync is frozen" frozen "$(sysmd sync_action)"
tail=$((total - offset - data))
expect_eq "a member's data area is held, its metadata for the node only" \
	"0+${offset}n $offset+$data $( [ $tail -gt 0 ] && echo "$((offset + data))+${tail}n ")" \
	"$(held_beneath "$a")"
refute "mdadm --stop is refused" mdadm --stop "$md"
refute "mdadm --fail of a member is refused" mdadm "$md" --fail "$b"
refute "mdadm --grow is refused" mdadm --grow "$md" --raid-devices=3 --force
refute "mdadm --readwrite is refused" mdadm --readwrite "$md"
refute "sync_action repair is refused" sh -c "echo repair >/sys/block/${md#/dev/}/md/sync_action"
refute "array_state clear is refused" sh -c "echo clear >/sys/block/${md#/dev/}/md/array_state"
refute "a member's state write is refused" \
	sh -c "echo faulty >/sys/block/${md#/dev/}/md/dev-${b#/dev/}/state"
refute "dd into a member's data area is refused" write_at "$a" $((offset + 100))
refute "dd into a member's superblock is refused" write_at "$a" 8
refute "blkdiscard of a member is refused" blkdiscard -f "$b"
refute "wipefs of a member is refused" wipefs -a -f "$a"
refute "a write to the array is refused" write_at "$md" 0
expect_match "the array is healthy" '\[UU\]' "$(grep -A2 "^${md#/dev/} " /proc/mdstat)"
expect_eq "no member failed" "" "$(grep -l -E 'faulty|write_error' /sys/block/${md#/dev/}/md/dev-*/state)"
assert "a member's superblock still reads as the array's" sh -c "mdadm --examine '$a' | grep -q 'Array UUID'"
expect_eq "a member's data area is unchanged" "$data_sum" "$(range_sum "$a" "$offset" "$data")"
assert "release" "$BLKHOLD" release "$md" --name $name
expect_eq "... releases the members" "" "$(held_beneath "$a")"
expect_eq "... and lets the resync run again" idle "$(sysmd sync_action)"

# A volume on the array (as an LV on md would be): only its part.
if dmsetup create --noudevsync bh-onmd --table "0 8192 linear 9:90 4096" && dmsetup mknodes bh-onmd; then
	assert "hold on a volume on the array" "$BLKHOLD" hold /dev/mapper/bh-onmd --name $name --transient
	expect_eq "only its part of each member is held, with the metadata" \
		"0+${offset}n $((offset + 4096))+8192 $( [ $tail -gt 0 ] && echo "$((offset + data))+${tail}n ")" \
		"$(held_beneath "$b")"
	assert "the rest of the array stays writable" write_at "$md" 0
	refute "its part of the array is not" write_at "$md" 5000
	refute "mdadm --stop is refused" mdadm --stop "$md"
	expect_match "the array is healthy" '\[UU\]' "$(grep -A2 "^${md#/dev/} " /proc/mdstat)"
	assert "release" "$BLKHOLD" release /dev/mapper/bh-onmd --name $name
	dmsetup remove --noudevsync bh-onmd
else
	not_ok "a dm volume on the array can be made"
fi
assert "... and the array can be stopped" mdadm --stop "$md"

# loop_array_volume LEVEL MD NAME [LAYOUT]: an array MD of LEVEL (64 KiB
# chunks) over three new loop devices (members[]), its first MiB (all the
# tests look at) random, and a dm volume NAME on its sectors [300, 1300),
# as an LV would be.
loop_array_volume() {
	local i md_minor=${2#/dev/md} redundancy=(--bitmap=none --assume-clean)
	[ "$1" = 0 ] && redundancy=()	# mdadm: no bitmap, nothing to sync
	members=()
	for i in 1 2 3; do
		loop_images+=("$(mktemp /tmp/bh-md.XXXXXX)")
		truncate -s 16M "${loop_images[-1]}"
		members+=("$(losetup -f --show "${loop_images[-1]}")") || return 1
		loop_members+=("${members[-1]}")
	done
	yes | mdadm --create "$2" --run --force --level="$1" --raid-devices=3 --chunk=64 \
		${4:+--layout=$4} --metadata=1.2 "${redundancy[@]}" "${members[@]}" >/dev/null 2>&1 ||
		return 1
	[ -b "$2" ] || mknod "$2" b 9 "$md_minor"
	dd if=/dev/urandom of="$2" bs=1M count=1 oflag=direct status=none &&
		dmsetup create --noudevsync "$3" --table "0 1000 linear 9:$md_minor 300" &&
		dmsetup mknodes "$3"
}

# A volume on raid5: the rows it touches, since a row's parity is
# written with any of its data.
if ! modprobe raid456 2>/dev/null; then
	skip "holds on a volume on raid5" "no raid456 module"
elif ! loop_array_volume 5 "$md5" bh-onr5; then
	not_ok "a volume on a raid5 array of three loop devices can be made"
else
	m=${members[0]}
	off=$(cat "/sys/block/md91/md/dev-${m#/dev/}/offset")
	data=$(($(cat "/sys/block/md91/md/dev-${m#/dev/}/size") * 2))
	total=$(blockdev --getsz "$m")
	tail=$((total - off - data))
	sum=$(sha256_direct /dev/mapper/bh-onr5)
	assert "hold on a volume on a raid5 array" \
		"$BLKHOLD" hold /dev/mapper/bh-onr5 --name $name --transient
	# rows of two 128-sector chunks: [300, 1300) touches rows 1 to 5
	expect_eq "the array is held in the whole rows the volume touches" \
		"256+1280 " "$(held_beneath "$md5")"
	expect_eq "... and each member in those rows, with its metadata" \
		"0+${off}n $((off + 128))+640 $( [ $tail -gt 0 ] && echo "$((off + data))+${tail}n ")" \
		"$(held_beneath "$m")"
	refute "a write to the volume is refused" write_at /dev/mapper/bh-onr5 0
	refute "a write to a row it shares is refused on the array" write_at "$md5" 260
	assert "a write to the array before those rows works" write_at "$md5" 0
	assert "a write to the array after them works" write_at "$md5" 1600
	refute "dd into a member's held rows is refused" write_at "$m" $((off + 200))
	refute "mdadm --stop is refused" mdadm --stop "$md5"
	expect_match "the raid5 array is healthy" '\[UUU\]' "$(grep -A2 '^md91 ' /proc/mdstat)"
	expect_eq "no member failed" "" "$(grep -l -E 'faulty|write_error' /sys/block/md91/md/dev-*/state)"
	expect_eq "the volume is unchanged" "$sum" "$(sha256_direct /dev/mapper/bh-onr5)"
	assert "release" "$BLKHOLD" release /dev/mapper/bh-onr5 --name $name
	expect_eq "... releases the members" "" "$(held_beneath "$m")"
	dmsetup remove --noudevsync bh-onr5
	assert "... and the raid5 array can be stopped" mdadm --stop "$md5"
fi

# held_array_intact MD VOLUME SUM: the array under held dm VOLUME cannot
# be stopped, no member failed, VOLUME reads SUM still; then release it,
# remove it and stop the array.
held_array_intact() {
	refute "... mdadm --stop is refused" mdadm --stop "$1"
	expect_eq "... no member failed" "" \
		"$(grep -l -E 'faulty|write_error' "/sys/block/${1#/dev/}/md/"dev-*/state)"
	expect_eq "... the volume is unchanged" "$3" "$(sha256_direct "/dev/mapper/$2")"
	assert "... release" "$BLKHOLD" release "/dev/mapper/$2" --name $name
	if [ -e "/sys/block/${1#/dev/}/md/sync_action" ]; then
		expect_eq "... which lets the array's resync run again" idle \
			"$(cat "/sys/block/${1#/dev/}/md/sync_action")"
	fi
	dmsetup remove --noudevsync "$2"
	assert "... and the array can be stopped" mdadm --stop "$1"
}

# A volume on raid10 (two copies, three members; md's near, far and
# offset layouts): array chunks [2, 11), rounded out on the array. Near:
# they are sequence chunks [4, 22) laid across the members row by row.
# Far: the near layout of one copy fills each member's first half, and
# the second half repeats it one member on. Offset: each row is followed
# by its copy, one member on. Each member holds exactly the chunks it
# carries ("FIRST+COUNT" chunks a slot, from its data offset; HALF is
# where a far member's second half starts); the neighbours' chunks of
# the same rows stay writable.
raid10_runs() {	# raid10_runs LAYOUT SLOT HALF
	case $1$2 in
	n20) echo "2+6" ;;
	n21 | n22) echo "1+6" ;;
	f20) echo "1+3 $(($3 + 0))+3" ;;
	f21) echo "1+3 $(($3 + 1))+3" ;;
	f22) echo "0+3 $(($3 + 1))+3" ;;
	o20) echo "1+6" ;;
	o21) echo "2+6" ;;
	o22) echo "0+1 2+4 7+1" ;;
	esac
}
held_data() { held_beneath "$1" | tr ' ' '\n' | grep -v 'n$' | tr '\n' ' '; }
for layout in n2 f2 o2; do
	if ! modprobe raid10 2>/dev/null; then
		skip "holds on a volume on raid10 ($layout)" "no raid10 module"
		continue
	fi
	if ! loop_array_volume 10 "$md10" bh-onr10 $layout; then
		not_ok "a volume on a raid10 ($layout) array of three loop devices can be made"
		continue
	fi
	sum=$(sha256_direct /dev/mapper/bh-onr10)
	half=$(( $(cat /sys/block/md92/md/component_size) * 2 / 128 / 2 ))
	assert "hold on a volume on a raid10 array, layout $layout" \
		"$BLKHOLD" hold /dev/mapper/bh-onr10 --name $name --transient
	expect_eq "... the array is held in the whole chunks the volume touches" \
		"256+1152 " "$(held_beneath "$md10")"
	for m in "${members[@]}"; do
		dir=/sys/block/md92/md/dev-${m#/dev/}
		off=$(cat "$dir/offset")
		want=
		for r in $(raid10_runs $layout "$(cat "$dir/slot")" "$half"); do
			want+="$((off + ${r%+*} * 128))+$((${r#*+} * 128)) "
		done
		expect_eq "... member ${m#/dev/} (slot $(cat "$dir/slot")) holds the chunks it carries" \
			"$want" "$(held_data "$m")"
		n=0
		for r in $want; do
			write_at "$m" $((${r%+*} + 8)) 2>/dev/null || n=$((n + 1))
		done
		expect_eq "... dd into each of them is refused" "$(wc -w <<<"$want")" "$n"
	done
	refute "... a write to the volume is refused" write_at /dev/mapper/bh-onr10 0
	refute "... a write to a chunk it shares is refused on the array" write_at "$md10" 260
	assert "... a write to the array's chunk before works" write_at "$md10" 128
	assert "... a write to the array after the part works" write_at "$md10" 1408
	expect_match "... the array is healthy" '\[UUU\]' "$(grep -A2 '^md92 ' /proc/mdstat)"
	held_array_intact "$md10" bh-onr10 "$sum"
done

# A volume on raid0 (no parity, no resync to freeze): the rows of three
# 64 KiB chunks it touches, [0, 1536) of the array and the first four
# chunks of each member.
if ! modprobe raid0 2>/dev/null; then
	skip "holds on a volume on raid0" "no raid0 module"
elif ! loop_array_volume 0 "$md0" bh-onr0; then
	not_ok "a volume on a raid0 array of three loop devices can be made"
else
	sum=$(sha256_direct /dev/mapper/bh-onr0)
	assert "hold on a volume on a raid0 array" \
		"$BLKHOLD" hold /dev/mapper/bh-onr0 --name $name --transient
	expect_eq "... the array is held in the rows the volume touches" \
		"0+1536 " "$(held_beneath "$md0")"
	for m in "${members[@]}"; do
		off=$(cat "/sys/block/md95/md/dev-${m#/dev/}/offset")
		expect_eq "... member ${m#/dev/} holds those rows' chunks" "$off+512 " "$(held_data "$m")"
		refute "... dd into them is refused" write_at "$m" $((off + 504))
		assert "... the chunk after them stays writable" write_at "$m" $((off + 512))
	done
	assert "... the array after those rows stays writable" write_at "$md0" 1536
	held_array_intact "$md0" bh-onr0 "$sum"
fi

# A volume on a linear array (6.1; 6.12 has no md linear) of members of
# 4, 6 and 8 MiB: their data areas follow each other on the array, so a
# volume across the first boundary holds the first member's last 1024
# sectors and the second's first 1024.
linear_setup() {
	local i
	members=()
	for i in 4 6 8; do
		loop_images+=("$(mktemp /tmp/bh-md.XXXXXX)")
		truncate -s ${i}M "${loop_images[-1]}"
		members+=("$(losetup -f --show "${loop_images[-1]}")") || return 1
		loop_members+=("${members[-1]}")
	done
	yes | mdadm --create "$mdlin" --run --force --level=linear --raid-devices=3 \
		--metadata=1.2 "${members[@]}" >/dev/null 2>&1 || return 1
	[ -b "$mdlin" ] || mknod "$mdlin" b 9 94
	dd if=/dev/urandom of="$mdlin" bs=1M count=12 oflag=direct status=none
}
member_dir() { echo "/sys/block/md94/md/dev-${1#/dev/}"; }
if ! modprobe linear 2>/dev/null; then
	skip "holds on a volume on a linear array" "no md linear module (6.12 has none)"
elif ! linear_setup; then
	not_ok "a linear array of three loop devices can be made"
else
	# members[] is in slot order, as mdadm --create gave them
	end0=$(( $(cat "$(member_dir "${members[0]}")/size") * 2 ))
	off0=$(cat "$(member_dir "${members[0]}")/offset")
	off1=$(cat "$(member_dir "${members[1]}")/offset")
	dmsetup create --noudevsync bh-onlin --table "0 2048 linear 9:94 $((end0 - 1024))" &&
		dmsetup mknodes bh-onlin
	sum=$(sha256_direct /dev/mapper/bh-onlin)
	assert "hold on a volume on a linear array, across a member's end" \
		"$BLKHOLD" hold /dev/mapper/bh-onlin --name $name --transient
	expect_eq "... the first member holds its last 1024 sectors" \
		"$((off0 + end0 - 1024))+1024 " "$(held_data "${members[0]}")"
	expect_eq "... the second its first 1024" "$off1+1024 " "$(held_data "${members[1]}")"
	expect_eq "... the third nothing" "" "$(held_data "${members[2]}")"
	refute "... dd into the first member's part is refused" write_at "${members[0]}" $((off0 + end0 - 16))
	refute "... dd into the second's is refused" write_at "${members[1]}" "$off1"
	assert "... the array before the volume stays writable" write_at "$mdlin" $((end0 - 1032))
	assert "... and after it" write_at "$mdlin" $((end0 + 1024))
	held_array_intact "$mdlin" bh-onlin "$sum"
fi

# A volume on raid1 over partitions (an LV on md on partitions): the held
# range is found through the partition, down to the disk.
partitions_made() { [ -b "${a}2" ] && [ -b "${b}2" ]; }
for d in "$a" "$b"; do
	printf 'start=2048, size=8192\nstart=10240\n' | sfdisk -q -f "$d" >/dev/null 2>&1
	blockdev --rereadpt "$d" 2>/dev/null
done
if ! wait_for partitions_made ||
	! yes | mdadm --create "$md" --run --force --level=1 --raid-devices=2 --metadata=1.2 \
		--bitmap=internal --assume-clean "${a}2" "${b}2" >/dev/null 2>&1 ||
	! dmsetup create --noudevsync bh-onmd --table "0 4096 linear 9:90 2048" ||
	! dmsetup mknodes bh-onmd; then
	not_ok "a volume on raid1 over partitions can be made"
else
	off=$(cat "/sys/block/${md#/dev/}/md/dev-${a#/dev/}2/offset")
	held_range="$((10240 + off + 2048))+4096"
	sum=$(sha256_direct /dev/mapper/bh-onmd)
	assert "hold on a volume on raid1 over partitions" \
		"$BLKHOLD" hold /dev/mapper/bh-onmd --name $name --transient
	expect_match "its part of the member partition is held on the disk" \
		"(^| )${held_range/+/\\+} " "$(held_beneath "$a")"
	refute "dd into it through the partition is refused" write_at "${a}2" $((off + 2048 + 8))
	refute "dd into it through the disk is refused" write_at "$a" $((10240 + off + 2048 + 8))
	assert "the other partition stays writable" write_at "${a}1" 0
	assert "the rest of the array stays writable" write_at "$md" 0
	expect_match "the array is healthy" '\[UU\]' "$(grep -A2 "^${md#/dev/} " /proc/mdstat)"
	expect_eq "the volume is unchanged" "$sum" "$(sha256_direct /dev/mapper/bh-onmd)"
	assert "release" "$BLKHOLD" release /dev/mapper/bh-onmd --name $name
	dmsetup remove --noudevsync bh-onmd

	# A hold on a member itself would refuse md's own superblock and
	# bitmap writes (made after the write to the array above), and md would
	# fail the member: refused, naming the array, nothing held.
	refusal=$("$BLKHOLD" hold "${a}2" --name $name --transient 2>&1; echo "exit $?")
	expect_match "a hold on a member partition itself is refused, naming the array" \
		"^blkhold: ${a}2: ${a#/dev/}2 is a member of md array md90, .* hold /dev/md90" "$refusal"
	expect_eq "... with status 1" "exit 1" "$(printf '%s\n' "$refusal" | tail -n 1)"
	expect_match "... so is one on the disk beneath it" "member of md array md90" \
		"$("$BLKHOLD" hold "$a" --name $name 2>&1)"
	expect_eq "... and nothing is held" "" "$(held_beneath "$a")"
	expect_match "the array is healthy" '\[UU\]' "$(grep -A2 "^${md#/dev/} " /proc/mdstat)"
	expect_eq "... and its resync is left alone" idle "$(sysmd sync_action)"
	assert "... and the array over partitions can be stopped" mdadm --stop "$md"
	assert "once it is stopped, its member can be held" \
		"$BLKHOLD" hold "${a}2" --name $name --transient
	assert "... and released" "$BLKHOLD" release "${a}2" --name $name
fi
ktap_finish
