#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Thousands of held ranges on one disk, as a fragmented LV or a thin LV
# gives: a hold on a dm volume of 3,000 pieces of one disk is placed, held
# and released exactly. The module indexes a disk of many ranges by range
# (module/spans.c) and rebuilds the I/O path's array once for a run of
# changes, walking the ranges meanwhile: refusals are checked right after
# placement and after a change of one range among thousands (the walk or
# the array, whichever is current). No timing here: "make bench" measures.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd dmsetup jq
b=$(virtio_disk b) || skip_all "virtio disk bh-virtio-b not attached"
modprobe dm_mod 2>/dev/null
export DM_DISABLE_UDEV=1
name=scale-test
pieces=3000
base=8192

cleanup() {
	release_all
	dmsetup remove --noudevsync bh-scale 2>/dev/null
	dmsetup remove --noudevsync bh-scale-gap 2>/dev/null
}
trap cleanup EXIT

majmin() {
	local d
	d=$(stat -L -c '%t %T' "$1") && printf '%d:%d\n' "0x${d% *}" "0x${d#* }"
}

# Piece i is the 4 KiB at sector base + 16 i of the disk; a gap follows each.
piece_sector() { echo $((base + $1 * 16)); }

write_at() {
	dd if=/dev/urandom of="$b" bs=512 seek="$1" count=8 oflag=direct conv=notrunc \
		status=none 2>/dev/null
}

# Of every 300th piece (and the last), how many refuse a write; of the
# gaps after them, how many take one.
sample="$(seq 0 300 $((pieces - 1))) $((pieces - 1))"
refused_pieces() {
	local i n=0
	for i in $sample; do write_at "$(piece_sector "$i")" || n=$((n + 1)); done
	echo $n
}
passed_gaps() {
	local i n=0
	for i in $sample; do write_at $(($(piece_sector "$i") + 8)) && n=$((n + 1)); done
	echo $n
}
nr_sample=$(wc -w <<<"$sample")

# "start+sectors" of the ranges of $b held beneath stacked volumes
held_beneath() {
	"$BLKHOLD" status "$b" --json | jq -r '.held_beneath[] | "\(.start)+\(.sectors)"'
}
expected_ranges() {
	local i
	for i in $(seq 0 $((pieces - 1))); do echo "$(piece_sector "$i")+8"; done
}

disk=$(majmin "$b")
if ! awk -v p=$pieces -v base=$base -v d="$disk" \
	'BEGIN { for (i = 0; i < p; i++) printf "%d 8 linear %s %d\n", i * 8, d, base + i * 16 }' |
	dmsetup create --noudevsync bh-scale; then
	skip_all "a dm volume of $pieces pieces cannot be made"
fi
dmsetup mknodes bh-scale

assert "hold on a volume of $pieces pieces of one disk" \
	"$BLKHOLD" hold /dev/mapper/bh-scale --name $name --transient
expect_eq "each piece is held beneath, exactly" \
	"$(expected_ranges | sort -n | sha256sum)" "$(held_beneath | sort -n | sha256sum)"
expect_eq "right after placement, writes into the sampled pieces are refused" \
	"$nr_sample" "$(refused_pieces)"
expect_eq "... and writes into the gaps after them pass" "$nr_sample" "$(passed_gaps)"
expect_eq "the registry lists one volume per piece and the volume on top" \
	$((pieces + 1)) "$("$BLKHOLD" list --json | jq '.volumes | length')"

# A second hold on the same volume adds no range and keeps the index.
assert "a second hold of another name on the volume" \
	"$BLKHOLD" hold /dev/mapper/bh-scale --name $name-2 --transient
expect_eq "... the ranges beneath are the same" "$pieces" "$(held_beneath | wc -l)"
assert "release of the first hold" "$BLKHOLD" release /dev/mapper/bh-scale --name $name
expect_eq "... the second keeps every piece refused" "$nr_sample" "$(refused_pieces)"

# One more range on a disk of thousands: the array is rebuilt a moment
# later, and until then the ranges are walked; both answer the same.
dmsetup create --noudevsync bh-scale-gap --table "0 8 linear $disk $(($(piece_sector 0) + 8))" &&
	dmsetup mknodes bh-scale-gap
assert "hold on a volume over the first gap" \
	"$BLKHOLD" hold /dev/mapper/bh-scale-gap --name $name --transient
expect_eq "... the first gap now refuses a write" 1 \
	"$(write_at $(($(piece_sector 0) + 8)) && echo 0 || echo 1)"
expect_eq "... the other sampled gaps still take one" $((nr_sample - 1)) "$(passed_gaps)"
expect_eq "... and every sampled piece still refuses" "$nr_sample" "$(refused_pieces)"
assert "release of the gap's volume" "$BLKHOLD" release /dev/mapper/bh-scale-gap --name $name
dmsetup remove --noudevsync bh-scale-gap

assert "release of the second hold" "$BLKHOLD" release /dev/mapper/bh-scale --name $name-2
expect_eq "nothing is held beneath any more" 0 "$(held_beneath | wc -l)"
expect_eq "the registry is empty" 0 "$("$BLKHOLD" list --json | jq '.volumes | length')"
expect_eq "the sampled pieces take writes again" 0 "$(refused_pieces)"
assert "the dm volume can be removed" dmsetup remove --noudevsync bh-scale

ktap_finish
