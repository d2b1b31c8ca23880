#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Holds on LVM logical volumes, attacked with the LVM commands a
# deprovisioning script runs: lvremove, lvchange -an, lvrename, lvreduce
# with issue_discards=1, pvmove, vgremove, and blkdiscard, dd and wipefs
# on the physical volumes. The held LV's extents on its PVs stay
# byte-for-byte unchanged; another LV on the same PV stays writable and
# removable. Linear, striped, raid1, raid0, mirror, thin (also with an
# external origin, and on a raid5 LV), snapshot LVs, and an LV on md
# raid1 (mdadm --stop, --add and --fail refused beneath it).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd lvm dmsetup jq
a=$(virtio_disk a) && b=$(virtio_disk b) || skip_all "virtio disks bh-virtio-a/b not attached"
modprobe -a dm_mod dm_mirror dm_raid 2>/dev/null
name=lvm-test
vg=bhvg

# No udev in the test VM: LVM makes its own nodes, with its own config.
# A refused deactivation is not retried (by default libdevmapper tries
# again for 5 s): the refusal is the same, and 13 of them cost a minute.
export DM_DISABLE_UDEV=1 MDADM_NO_UDEV=1 LVM_SYSTEM_DIR=/tmp/bh-lvm
mkdir -p "$LVM_SYSTEM_DIR" /run/lock/lvm
cat >"$LVM_SYSTEM_DIR/lvm.conf" <<EOF
devices { use_devicesfile = 0 obtain_device_list_from_udev = 0 issue_discards = 1
	  filter = [ "a|^$a\$|", "a|^$b\$|", "a|^/dev/loop[0-9]+\$|", "a|^/dev/md96\$|", "r|.*|" ] }
activation { udev_sync = 0 udev_rules = 0 verify_udev_operations = 1 monitoring = 0
	      retry_deactivation = 0 }
backup { backup = 0 archive = 0 }
global { locking_dir = "/run/lock/lvm" }
EOF

vg5=bhvg5
vgm=bhvgm
mdp=/dev/md96
loops=()
loop_images=()
cleanup() {
	local m
	release_all
	vgremove -f -y $vg $vg5 $vgm >/dev/null 2>&1
	for m in $(dmsetup ls 2>/dev/null | awk -v p="^($vg|$vg5|$vgm)-" '$1 ~ p { print $1 }'); do
		dmsetup remove --noudevsync "$m"
	done
	mdadm --stop $mdp >/dev/null 2>&1
	pvremove -ff -y "$a" "$b" "${loops[@]}" >/dev/null 2>&1
	for m in "${loops[@]}"; do losetup -d "$m"; done
	rm -f "${loop_images[@]}"
}
trap cleanup EXIT

lvm_quiet() { "$@" >/dev/null 2>&1; }

# The LV's segments on disk $2, "start+sectors", from its dm table.
lv_ranges_on() {
	local majmin
	majmin=$(cat "/sys/block/${2#/dev/}/dev")
	dmsetup table "$vg-$1" | awk -v d="$majmin" '
		$3 == "linear" && $4 == d { print $5 "+" $2 }
		$3 == "striped" { n = $4; for (i = 0; i < n; i++)
			if ($(6 + 2 * i) == d) print $(7 + 2 * i) "+" $2 / n }' | sort -n | tr '\n' ' '
}

held_beneath() {
	"$BLKHOLD" status "$1" --json | jq -r '.held_beneath[] | "\(.start)+\(.sectors)"' | sort -n | tr '\n' ' '
}

write_at() {
	dd if=/dev/urandom of="$1" bs=512 seek="$2" count=8 oflag=direct conv=notrunc status=none
}

lv_exists() { lvm_quiet lvs "$vg/$1"; }
# devtmpfs keeps /dev/dm-N whatever LVM does to its own links
dm_node() { echo "/dev/dm-$(dmsetup info -c --noheadings -o minor "$vg-$1" | tr -d ' ')"; }

assert "pvcreate and vgcreate" lvm_quiet sh -c "pvcreate -ff -y '$a' '$b' && vgcreate -s 1M $vg '$a' '$b'"
assert "lvcreate: the held LV, a neighbour on the same PV, a striped LV" lvm_quiet sh -c "
	lvcreate -y -L 8M -n held --zero n -W n $vg '$a' &&
	lvcreate -y -L 4M -n other --zero n -W n $vg '$a' &&
	lvcreate -y -L 4M -i 2 -I 64k -n striped --zero n -W n $vg '$a' '$b'"
dd if=/dev/urandom of=/dev/$vg/held bs=1M count=8 oflag=direct status=none
ranges=$(lv_ranges_on held "$a")
start=${ranges%%+*}
held_sum=$(range_sum "$a" "$start" 16384)

assert "hold on the LV" "$BLKHOLD" hold /dev/$vg/held --name $name --transient
# devtmpfs keeps /dev/dm-N whatever LVM does to its own links
held_node=$(dm_node held)
expect_eq "its extents on the PV are held, exactly" "$ranges" "$(held_beneath "$a")"
assert "the neighbour LV on the same PV stays writable" write_at /dev/$vg/other 0
refute "lvremove -f is refused" lvm_quiet lvremove -f -y $vg/held
refute "lvchange -an is refused" lvm_quiet lvchange -an $vg/held
refute "lvrename is refused" lvm_quiet lvrename $vg held renamed
refute "lvreduce (issue_discards=1) is refused" lvm_quiet lvreduce -f -y -L 4M $vg/held
if command -v timeout >/dev/null; then
	refute "pvmove of the held LV is refused" lvm_quiet timeout 120 pvmove -i 0 -n $vg/held "$a" "$b"
	lvm_quiet pvmove --abort
fi
refute "vgremove -f is refused" lvm_quiet vgremove -f -y $vg
assert "... the held LV is still there" lv_exists held
expect_eq "... with the same extents" "$ranges" "$(lv_ranges_on held "$a")"
refute "blkdiscard of the PV is refused" blkdiscard -f "$a"
refute "dd into the LV's extents on the PV is refused" write_at "$a" $((start + 100))
lvm_quiet lvcreate -y -L 4M -n other2 --zero n -W n $vg "$b"
assert "a new LV in the VG is writable" write_at /dev/$vg/other2 0
# The PV label and metadata are outside every LV: not held, the data stays.
assert "wipefs of the PV's label passes" lvm_quiet wipefs -a -f "$a"
expect_eq "the held extents are unchanged after all of it" "$held_sum" "$(range_sum "$a" "$start" 16384)"
assert "release of the LV (by its dm node: LVM lost the VG with the label)" \
	"$BLKHOLD" release "$held_node" --name $name
expect_eq "... releases its extents" "" "$(held_beneath "$a")"
for m in $(dmsetup ls | awk -v p="^$vg-" '$1 ~ p { print $1 }'); do
	dmsetup remove --noudevsync "$m"
done

# ---- striped: a part on each PV ----
wipefs -a -f -q "$a" "$b"
rm -rf "/dev/$vg"	# LVM's links of the VG the wiped label lost
assert "a fresh VG for the striped LV" sh -c "pvcreate -ff -y -q '$a' '$b' && vgcreate -q -s 1M $vg '$a' '$b' &&
	lvcreate -q -y -L 8M -i 2 -I 64k -n striped --zero n -W n $vg '$a' '$b'"
ra=$(lv_ranges_on striped "$a")
rb=$(lv_ranges_on striped "$b")
assert "hold on the striped LV" "$BLKHOLD" hold /dev/$vg/striped --name $name --transient
expect_eq "its stripe on the first PV is held" "$ra" "$(held_beneath "$a")"
expect_eq "... and on the second" "$rb" "$(held_beneath "$b")"
refute "lvremove -f is refused" lvm_quiet lvremove -f -y $vg/striped
refute "dd into its stripe on the second PV is refused" write_at "$b" $((${rb%%+*} + 8))
# A refused lvremove leaves the LV but LVM takes its /dev/VG/LV link away.
assert "release" "$BLKHOLD" release "$(dm_node striped)" \
	--name $name
assert "... then lvremove works" lvm_quiet lvremove -f -y $vg/striped

# ---- raid1 LV (dm-raid): every image held, its metadata at the node ----
raid_setup() {
	lvm_quiet lvcreate -y --type raid1 -m 1 --nosync -L 4M -n mirror --zero n -W n $vg "$a" "$b" &&
		lvm_quiet lvcreate -y -L 4M -n beside --zero n -W n $vg "$b"
}
raid_in_sync() { dmsetup status $vg-mirror | awk '{ exit !($6 == "AA" && $8 == "idle") }'; }
if ! modprobe dm_raid 2>/dev/null; then
	skip "holds on a raid1 LV" "no dm_raid module"
elif ! raid_setup || ! wait_for raid_in_sync; then
	not_ok "a raid1 LV over both PVs can be made"
else
	# --nosync left the legs different: make them one, as a resync would
	dd if=/dev/urandom of=/dev/$vg/mirror bs=1M count=4 oflag=direct status=none
	ra=$(lv_ranges_on mirror_rimage_0 "$a")
	rb=$(lv_ranges_on mirror_rimage_1 "$b")
	mirror_sum=$(sha256_direct /dev/$vg/mirror)
	assert "hold on the raid1 LV" "$BLKHOLD" hold /dev/$vg/mirror --name $name --transient
	expect_eq "its image on the first PV is held, exactly" "$ra" "$(held_beneath "$a")"
	expect_eq "... and on the second" "$rb" "$(held_beneath "$b")"
	expect_eq "its metadata LVs are held at their nodes" 2 \
		"$("$BLKHOLD" list --json | jq '[.volumes[] | select(.node_only)] | length')"
	refute "dd into the second image on its PV is refused" write_at "$b" $((${rb%%+*} + 8))
	refute "blkdiscard of the first image's LV is refused" blkdiscard -f /dev/mapper/$vg-mirror_rimage_0
	refute "lvconvert -m 0 (drop a leg) is refused" lvm_quiet lvconvert -y -m 0 $vg/mirror
	refute "lvchange --syncaction repair is refused" lvm_quiet lvchange --syncaction repair $vg/mirror
	refute "lvremove -f is refused" lvm_quiet lvremove -f -y $vg/mirror
	assert "the LV beside it on the second PV stays writable" write_at /dev/$vg/beside 0
	assert "both legs stay alive and in sync" raid_in_sync
	expect_eq "the raid1 LV is unchanged" "$mirror_sum" \
		"$(sha256_direct "$(dm_node mirror)")"
	assert "release" "$BLKHOLD" release \
		"$(dm_node mirror)" --name $name
	expect_eq "... releases its images" "" "$(held_beneath "$b")"
	assert "... then lvremove works" lvm_quiet lvremove -f -y $vg/mirror $vg/beside
fi

# ---- raid0 LV (dm-raid): its images interleave, each is held whole ----
if ! modprobe dm_raid 2>/dev/null; then
	skip "holds on a raid0 LV" "no dm_raid module"
elif ! lvm_quiet lvcreate -y --type raid0 -i 2 -I 64k -L 8M -n stripes0 --zero n -W n $vg "$a" "$b"; then
	not_ok "a raid0 LV over both PVs can be made"
else
	r0_node=$(dm_node stripes0)
	ra=$(lv_ranges_on stripes0_rimage_0 "$a")
	rb=$(lv_ranges_on stripes0_rimage_1 "$b")
	r0_sum=$(sha256_direct "$r0_node")
	assert "hold on the raid0 LV" "$BLKHOLD" hold /dev/$vg/stripes0 --name $name --transient
	expect_eq "its image on the first PV is held whole" "$ra" "$(held_beneath "$a")"
	expect_eq "... and on the second" "$rb" "$(held_beneath "$b")"
	refute "dd into the second image on its PV is refused" write_at "$b" $((${rb%%+*} + 8))
	refute "lvremove -f is refused" lvm_quiet lvremove -f -y $vg/stripes0
	expect_eq "the raid0 LV is unchanged" "$r0_sum" "$(sha256_direct "$r0_node")"
	assert "release" "$BLKHOLD" release "$r0_node" --name $name
	expect_eq "... releases its images" "" "$(held_beneath "$b")"
	assert "... then lvremove works" lvm_quiet lvremove -f -y $vg/stripes0
fi

# ---- mirror LV (dm-mirror, core log): every leg held ----
mirror_in_sync() {
	dmsetup status $vg-mir | awk '{ split($(5 + $4), s, "/"); exit !(s[1] == s[2] && $(7 + $4) ~ /^A+$/) }'
}
if ! modprobe -a dm_mirror dm_log 2>/dev/null; then
	skip "holds on a mirror LV" "no dm_mirror module"
elif ! lvm_quiet lvcreate -y --type mirror -m 1 --mirrorlog core --nosync -L 4M -n mir \
		--zero n -W n $vg "$a" "$b" || ! wait_for mirror_in_sync; then
	not_ok "a mirror LV over both PVs can be made"
else
	dd if=/dev/urandom of=/dev/$vg/mir bs=1M count=4 oflag=direct status=none
	mir_node=$(dm_node mir)
	ra=$(lv_ranges_on mir_mimage_0 "$a")
	rb=$(lv_ranges_on mir_mimage_1 "$b")
	mir_sum=$(sha256_direct "$mir_node")
	assert "hold on the mirror LV" "$BLKHOLD" hold /dev/$vg/mir --name $name --transient
	expect_eq "its leg on the first PV is held, exactly" "$ra" "$(held_beneath "$a")"
	expect_eq "... and on the second" "$rb" "$(held_beneath "$b")"
	refute "dd into the second leg on its PV is refused" write_at "$b" $((${rb%%+*} + 8))
	refute "lvconvert -m 0 (drop a leg) is refused" lvm_quiet lvconvert -y -m 0 $vg/mir
	refute "lvremove -f is refused" lvm_quiet lvremove -f -y $vg/mir
	assert "both legs stay alive and in sync" mirror_in_sync
	expect_eq "the mirror LV is unchanged" "$mir_sum" "$(sha256_direct "$mir_node")"
	assert "release" "$BLKHOLD" release "$mir_node" --name $name
	expect_eq "... releases its legs" "" "$(held_beneath "$b")"
	assert "... then lvremove works" lvm_quiet lvremove -f -y $vg/mir
fi

# ---- thin: the blocks a thin LV has mapped, and its pool's map ----
write_block() { dd if=/dev/urandom of="/dev/$vg/$1" bs=64k seek="$2" count=1 oflag=direct status=none; }
thin_setup() {
	local i
	lvm_quiet lvcreate -y -L 12M -c 64k -T $vg/pool --zero n "$a" &&
		lvm_quiet lvcreate -y -V 32M -T $vg/pool -n thin1 &&
		lvm_quiet lvcreate -y -V 32M -T $vg/pool -n thin2 || return 1
	# written in turns, so the two LVs' blocks lie side by side in the pool
	for i in 0 1 2 3; do
		write_block thin1 $((i * 4)) && write_block thin2 $((i * 4)) || return 1
	done
}
held_sectors() { held_beneath "$1" | tr ' ' '\n' | awk -F+ '{ n += $2 } END { print n + 0 }'; }
refused_in_each() {
	local r n=0
	for r in $(held_beneath "$a"); do
		write_at "$a" "${r%%+*}" 2>/dev/null || n=$((n + 1))
	done
	echo $n
}

thin_tools() { modprobe dm_thin_pool 2>/dev/null && command -v thin_dump >/dev/null; }

if ! thin_tools; then
	skip "holds on a thin LV" "no dm_thin_pool module or no thin_dump"
elif ! thin_setup; then
	not_ok "a thin pool with two thin LVs can be made"
else
	thin_node=$(dm_node thin1)
	thin_sum=$(sha256_direct "$thin_node")
	assert "hold on a thin LV" "$BLKHOLD" hold /dev/$vg/thin1 --name $name --transient
	expect_eq "its 4 mapped blocks are held on the PV, and nothing else there" \
		512 "$(held_sectors "$a")"
	n=$(held_beneath "$a" | wc -w)
	expect_eq "dd into each of them is refused" "$n" "$(refused_in_each)"
	assert "the other thin LV's blocks beside them stay writable" write_block thin2 4
	assert "... and it can map new blocks" write_block thin2 20
	refute "a write to the thin LV is refused" \
		dd if=/dev/urandom of="$thin_node" bs=64k seek=1 count=1 oflag=direct status=none
	refute "lvremove -f of the thin LV is refused" lvm_quiet lvremove -f -y $vg/thin1
	refute "a reload of the pool's table is refused" \
		dmsetup reload --noudevsync $vg-pool-tpool --table "$(dmsetup table $vg-pool-tpool)"
	# LVM reloads the origin's table to take a snapshot of it
	refute "lvcreate -s of the held thin LV is refused" lvm_quiet lvcreate -y -s $vg/thin1 -n snap1
	assert "a thin snapshot of the other one can be taken" lvm_quiet lvcreate -y -s $vg/thin2 -n snap2
	assert "... and both removed" lvm_quiet lvremove -f -y $vg/snap2 $vg/thin2
	refute "blkdiscard of the PV is refused" blkdiscard -f "$a"
	expect_eq "the thin LV is unchanged" "$thin_sum" "$(sha256_direct "$thin_node")"
	assert "release (by its dm node: a refused lvremove took its link)" \
		"$BLKHOLD" release "$thin_node" --name $name
	expect_eq "... releases its blocks" 0 "$(held_sectors "$a")"
	assert "... then lvremove of the pool works" lvm_quiet lvremove -f -y $vg/pool
fi
# ---- thin with an external origin: its mapped blocks, and the origin ----
ext_setup() {
	lvm_quiet lvcreate -y -L 4M -n ext --zero n -W n $vg "$b" &&
		dd if=/dev/urandom of=/dev/$vg/ext bs=64k count=64 oflag=direct status=none &&
		lvm_quiet lvchange -y -p r $vg/ext && lvm_quiet lvchange -y -a n $vg/ext &&
		lvm_quiet lvcreate -y -L 8M -c 64k -T $vg/pool2 --zero n "$a" &&
		lvm_quiet lvcreate -y -s --thinpool $vg/pool2 $vg/ext -n extthin &&
		write_block extthin 2
}
if ! thin_tools; then
	skip "holds on a thin LV with an external origin" "no dm_thin_pool module or no thin_dump"
elif ! ext_setup; then
	not_ok "a thin LV with an external origin can be made"
else
	ext_node=$(dm_node extthin)
	# the thin table's fourth argument, the origin LVM activated for it
	ext_origin=$(dmsetup table $vg-extthin | awk '{ print $6 }')
	ext_start=$(dmsetup table -j "${ext_origin%:*}" -m "${ext_origin#*:}" | awk '{ print $5 }')
	ext_sum=$(sha256_direct "$ext_node")
	assert "hold on a thin LV with an external origin" \
		"$BLKHOLD" hold /dev/$vg/extthin --name $name --transient
	expect_eq "its one mapped block is held in the pool" 128 "$(held_sectors "$a")"
	expect_eq "... and the origin whole on its PV" "$ext_start+8192 " "$(held_beneath "$b")"
	refute "dd into the origin's extents is refused" write_at "$b" $((ext_start + 1000))
	assert "the PV after the origin stays writable" write_at "$b" $((ext_start + 8192))
	refute "lvremove -f of the thin LV is refused" lvm_quiet lvremove -f -y $vg/extthin
	expect_eq "the thin LV is unchanged" "$ext_sum" "$(sha256_direct "$ext_node")"
	assert "release" "$BLKHOLD" release "$ext_node" --name $name
	expect_eq "... releases the origin" "" "$(held_beneath "$b")"
	assert "... then lvremove works" lvm_quiet lvremove -f -y $vg/extthin $vg/pool2 $vg/ext
fi

# ---- thin on a raid5 LV: whole rows of the blocks it maps, on every leg ----
# The pool's blocks (64 KiB) are half a row (two 64 KiB data chunks): the
# rows are held on the raid LV itself and on each leg, parity and all.
r5_setup() {
	local i
	for i in 1 2 3; do
		loop_images+=("$(mktemp /tmp/bh-lvm.XXXXXX)") &&
			truncate -s 16M "${loop_images[-1]}" &&
			loops+=("$(losetup -f --show "${loop_images[-1]}")") || return 1
	done
	lvm_quiet pvcreate -ff -y "${loops[@]}" &&
		lvm_quiet vgcreate -s 1M $vg5 "${loops[@]}" &&
		lvm_quiet lvcreate -y --type raid5 -i 2 -I 64k -L 8M -n pool5 --zero n -W n $vg5 &&
		wait_for r5_in_sync pool5 &&
		lvm_quiet lvconvert -y --type thin-pool -c 64k --zero n $vg5/pool5 &&
		lvm_quiet lvcreate -y -V 32M -T $vg5/pool5 -n t5held &&
		lvm_quiet lvcreate -y -V 32M -T $vg5/pool5 -n t5other || return 1
	for i in 0 1 2 3; do
		write_block5 t5held $((i * 4)) && write_block5 t5other $((i * 4)) || return 1
	done
}
write_block5() { dd if=/dev/urandom of="/dev/$vg5/$1" bs=64k seek="$2" count=1 oflag=direct status=none; }
r5_in_sync() { dmsetup status "$vg5-$1" | awk '{ exit !($6 == "AAA" && $8 == "idle") }'; }
# rows (256 sectors) of the union of the ranges held on DEV
held_rows() {
	held_beneath "$1" | tr ' ' '\n' | awk -F+ 'NF == 2 {
		for (r = int($1 / 256); r * 256 < $1 + $2; r++) rows[r] = 1 }
		END { n = 0; for (r in rows) n++; print n }'
}
# the loop device and offset beneath each leg of the raid LV, "LOOP:OFFSET"
r5_legs() {
	local leg
	for leg in $(dmsetup table "$vg5-pool5_tdata" | awk '{ n = $5; d = $(6 + n); for (i = 0; i < d; i++) print $(8 + n + 2 * i) }'); do
		dmsetup table -j "${leg%:*}" -m "${leg#*:}" |
			awk '{ split($4, d, ":"); print "/dev/loop" d[2] ":" $5 }'
	done
}
if ! modprobe -a dm_raid loop 2>/dev/null || ! thin_tools; then
	skip "holds on a thin LV on a raid5 LV" "no dm_raid, loop or dm_thin_pool module, or no thin_dump"
elif ! r5_setup; then
	not_ok "a thin pool on a raid5 LV of three loop devices can be made"
else
	t5_node=/dev/dm-$(dmsetup info -c --noheadings -o minor "$vg5-t5held" | tr -d ' ')
	t5_sum=$(sha256_direct "$t5_node")
	assert "hold on a thin LV of a pool on raid5" \
		"$BLKHOLD" hold /dev/$vg5/t5held --name $name --transient
	rows=$(held_rows "/dev/mapper/$vg5-pool5_tdata")
	expect_eq "the raid LV holds whole rows: the 4 the thin LV's blocks lie in" 4 "$rows"
	n=0 refused=0
	for leg in $(r5_legs); do
		n=$((n + 1))
		expect_eq "... leg $n holds those rows' chunk on its loop device" \
			$((rows * 128)) "$(held_sectors "${leg%:*}")"
		for r in $(held_beneath "${leg%:*}"); do
			write_at "${leg%:*}" "${r%%+*}" 2>/dev/null || refused=$((refused + 1))
		done
	done
	expect_eq "the raid LV has three legs" 3 "$n"
	expect_eq "dd into each held range of each leg is refused" \
		"$(for leg in $(r5_legs); do held_beneath "${leg%:*}"; done | wc -w)" "$refused"
	refute "the other thin LV's block in a shared row is refused (its parity is the held row's)" \
		write_block5 t5other 0
	assert "... and it can map new blocks, in rows of its own" write_block5 t5other 20
	refute "lvremove -f of the thin LV is refused" lvm_quiet lvremove -f -y $vg5/t5held
	refute "a table reload of the raid LV is refused" \
		dmsetup reload --noudevsync $vg5-pool5_tdata --table "$(dmsetup table $vg5-pool5_tdata)"
	assert "every leg stays alive and in sync" r5_in_sync pool5_tdata
	expect_eq "the thin LV is unchanged" "$t5_sum" "$(sha256_direct "$t5_node")"
	assert "release" "$BLKHOLD" release "$t5_node" --name $name
	expect_eq "... releases the rows on every leg" "0 0 0" \
		"$(for leg in $(r5_legs); do held_sectors "${leg%:*}"; done | tr '\n' ' ' | sed 's/ $//')"
	assert "... then lvremove works" lvm_quiet lvremove -f -y $vg5
fi

# ---- LVM on md raid1: the LV's part of each member ----
new_loop() {
	loop_images+=("$(mktemp /tmp/bh-lvm.XXXXXX)") &&
		truncate -s 16M "${loop_images[-1]}" &&
		loops+=("$(losetup -f --show "${loop_images[-1]}")")
}
md_pv_setup() {
	new_loop && new_loop && new_loop || return 1
	md_members=("${loops[-3]}" "${loops[-2]}") spare=${loops[-1]}
	yes | mdadm --create $mdp --run --force --level=1 --raid-devices=2 --metadata=1.2 \
		--bitmap=internal --assume-clean "${md_members[@]}" >/dev/null 2>&1 || return 1
	[ -b $mdp ] || mknod $mdp b 9 96
	lvm_quiet pvcreate -ff -y $mdp && lvm_quiet vgcreate -s 1M $vgm $mdp &&
		lvm_quiet lvcreate -y -L 4M -n onmd --zero n -W n $vgm &&
		lvm_quiet lvcreate -y -L 4M -n onmd2 --zero n -W n $vgm &&
		dd if=/dev/urandom of=/dev/$vgm/onmd bs=1M count=4 oflag=direct status=none
}
md_healthy() { grep -A2 "^${mdp#/dev/} " /proc/mdstat | grep -q '\[UU\]'; }

if ! modprobe -a md_mod raid1 loop 2>/dev/null || ! command -v mdadm >/dev/null; then
	skip "holds on an LV on md raid1" "no md raid1 or loop module, or no mdadm"
elif ! md_pv_setup; then
	not_ok "a VG on an md raid1 array of two loop devices can be made"
else
	offset=$(cat "/sys/block/${mdp#/dev/}/md/dev-${md_members[0]#/dev/}/offset")
	lv_start=$(dmsetup table $vgm-onmd | awk '$3 == "linear" { print $5 }')
	onmd_node=/dev/dm-$(dmsetup info -c --noheadings -o minor "$vgm-onmd" | tr -d ' ')
	onmd_sum=$(sha256_direct "$onmd_node")
	assert "hold on an LV on md raid1" "$BLKHOLD" hold /dev/$vgm/onmd --name $name --transient
	for m in "${md_members[@]}"; do
		expect_match "... member ${m#/dev/} holds the LV's part of its data area" \
			"(^| )$((offset + lv_start))\\+8192( |$)" "$(held_beneath "$m")"
		refute "... dd into it on ${m#/dev/} is refused" write_at "$m" $((offset + lv_start + 64))
	done
	refute "blkdiscard of a member is refused" blkdiscard -f "${md_members[1]}"
	refute "lvremove -f of the LV is refused" lvm_quiet lvremove -f -y $vgm/onmd
	refute "vgremove -f of its VG is refused" lvm_quiet vgremove -f -y $vgm
	refute "mdadm --stop of the array beneath is refused" mdadm --stop $mdp
	refute "mdadm --add of a spare to it is refused" mdadm $mdp --add "$spare"
	refute "mdadm --fail of a member is refused" mdadm $mdp --fail "${md_members[0]}"
	assert "the other LV on the array stays writable" write_at /dev/$vgm/onmd2 0
	assert "the array stays healthy" md_healthy
	expect_eq "the LV is unchanged" "$onmd_sum" "$(sha256_direct "$onmd_node")"
	assert "release (by its dm node: the refused lvremove took its link)" \
		"$BLKHOLD" release "$onmd_node" --name $name
	expect_eq "... releases the members" "" "$(held_beneath "${md_members[0]}")"
	assert "... then vgremove and mdadm --stop work" \
		lvm_quiet sh -c "vgremove -f -y $vgm && mdadm --stop $mdp"
fi

# ---- snapshot: its COW LV whole, and its origin whole ----
snap_setup() {
	lvm_quiet lvcreate -y -L 8M -n origin --zero n -W n $vg "$a" &&
		dd if=/dev/urandom of=/dev/$vg/origin bs=1M count=8 oflag=direct status=none &&
		lvm_quiet lvcreate -y -s -L 4M -c 64k -n snap $vg/origin "$b" &&
		lvm_quiet lvcreate -y -L 4M -n nextdoor --zero n -W n $vg "$b" || return 1
	# a changed chunk of the origin: the snapshot keeps the old one in its COW
	dd if=/dev/urandom of=/dev/$vg/origin bs=64k seek=3 count=1 oflag=direct status=none
}
snap_valid() { dmsetup status $vg-snap | awk '{ exit !($3 == "snapshot" && $4 ~ /\//) }'; }

if ! modprobe dm_snapshot 2>/dev/null; then
	skip "holds on a snapshot LV" "no dm_snapshot module"
elif ! snap_setup; then
	not_ok "an origin LV with a snapshot can be made"
else
	snap_node=$(dm_node snap)
	snap_sum=$(sha256_direct "$snap_node")
	origin_sum=$(sha256_direct "$(dm_node origin)")
	origin_ranges=$(lv_ranges_on origin-real "$a")
	cow_ranges=$(lv_ranges_on snap-cow "$b")
	assert "hold on the snapshot LV" "$BLKHOLD" hold /dev/$vg/snap --name $name --transient
	expect_eq "its COW LV on the second PV is held, whole" "$cow_ranges" "$(held_beneath "$b")"
	expect_eq "its origin's extents on the first PV are held" "$origin_ranges" "$(held_beneath "$a")"
	refute "a write to the snapshot is refused" write_at "$snap_node" 0
	refute "a write to its origin is refused (it would add to the COW)" write_at "$(dm_node origin)" 64
	refute "dd into the COW LV's extents on the PV is refused" write_at "$b" $((${cow_ranges%%+*} + 8))
	refute "lvremove -f of the snapshot is refused" lvm_quiet lvremove -f -y $vg/snap
	refute "lvconvert --merge of the snapshot is refused" lvm_quiet lvconvert -y --merge $vg/snap
	refute "lvremove -f of the origin is refused" lvm_quiet lvremove -f -y $vg/origin
	assert "the LV beside the COW on the second PV stays writable" write_at /dev/$vg/nextdoor 0
	assert "the snapshot stays valid" snap_valid
	expect_eq "the snapshot is unchanged" "$snap_sum" "$(sha256_direct "$snap_node")"
	expect_eq "its origin is unchanged" "$origin_sum" "$(sha256_direct "$(dm_node origin)")"
	assert "release" "$BLKHOLD" release "$snap_node" --name $name
	expect_eq "... releases the COW LV" "" "$(held_beneath "$b")"
	expect_eq "... and the origin" "" "$(held_beneath "$a")"
	assert "a hold on the origin LV itself" "$BLKHOLD" hold "$(dm_node origin)" --name $name --transient
	expect_eq "... holds its extents" "$origin_ranges" "$(held_beneath "$a")"
	assert "... and its snapshot stays writable" write_at "$snap_node" 0
	assert "release of the origin" "$BLKHOLD" release "$(dm_node origin)" --name $name
	assert "... then lvremove works" lvm_quiet lvremove -f -y $vg/snap $vg/origin $vg/nextdoor
fi
ktap_finish
