#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and install the debug kernel that "make check-debug" runs the
# suite on: Debian's linux-source-6.12 with Debian's configuration cut
# down to the modules the tests load (localmodconfig), plus the kernel's
# own detectors: KASAN, lockdep (PROVE_LOCKING, PROVE_RCU), sleeping in
# atomic context, RCU head debug objects, UBSAN and kmemleak.
#
# The build lives in build/debug-kernel/ and is reused while its
# configuration is unchanged; it installs as /boot/vmlinuz-RELEASE and
# /lib/modules/RELEASE (RELEASE ends in -blkhold-debug, which no Debian
# kernel does, so plain "make check" never picks it). Prints RELEASE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
die() { echo "debug-kernel: $*" >&2; exit 1; }

base=$(ls -d /lib/modules/6.12.*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$base" ] || die "no Debian 6.12 kernel installed (linux-image-6.12-amd64)"
base=${base##*/}
tarball=/usr/src/linux-source-6.12.tar.xz
[ -r "$tarball" ] || die "no $tarball (apt-get install linux-source-6.12)"

work=$project/build/debug-kernel
src=$work/linux
jobs=$(nproc)
mkdir -p "$work"
# One build at a time: two runs configuring one tree at once leave a
# configuration that is neither's.
exec 9>"$work/lock"
flock 9

if [ ! -e "$src/.extracted" ] || [ "$src/.extracted" -ot "$tarball" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.extracted"
fi

# 6.12.117 leaks a disk's blk-throttle data when the disk goes after it
# had an io.max limit (gate_deferred.sh sets one): blkg_destroy_all()
# clears the policy bit that blk_throtl_exit() tests before freeing, a
# regression of bd9fd5be6bc0 ("blk-throttle: fix access race during
# throttle policy activation"). Calling blk_throtl_exit() first (a fix
# proposed upstream) makes lockdep report blkcg->lock against the
# throttle's timers; so here blk_throtl_exit() frees whenever the data
# exists. Without it kmemleak reports the kernel's leak in every run.
throtl=$src/block/blk-throttle.c
if grep -Pzq 'blk_throtl_exit\(struct gendisk \*disk\)\n\{\n.*\n\n\tif \(!blk_throtl_activated\(q\)\)' "$throtl"; then
	perl -0 -i -pe 's/(blk_throtl_exit\(struct gendisk \*disk\)\n\{\n.*\n\n\tif \()!blk_throtl_activated\(q\)\)/$1!q->td)/' \
		"$throtl"
fi
grep -Pzq 'blk_throtl_exit\(struct gendisk \*disk\)\n\{\n.*\n\n\tif \(!q->td\)' "$throtl" ||
	die "cannot mend blk_throtl_exit() in $throtl"

# What the tests load, with everything those modules need.
wanted="virtio_pci 9pnet_virtio 9p virtio_blk nvme scsi_debug sd_mod sg
	null_blk loop brd dm_mod dm_multipath dm_round_robin dm_delay
	dm_crypt dm_thin_pool dm_snapshot dm_mirror dm_raid md_mod raid1 raid10
	raid456 ext4 overlay ahci dummy xts aesni_intel cbc"
modprobe -S "$base" --show-depends -a $wanted |
	awk '$1 == "insmod" { n = $2; sub(".*/", "", n); sub("\\.ko.*", "", n);
		gsub("-", "_", n); print n, 0, 0 }' | sort -u >"$work/lsmod"

# The configuration: the options below on top of Debian's, cut down.
cat >"$work/debug.config" <<'EOF'
CONFIG_LOCALVERSION="-blkhold-debug"
# CONFIG_LOCALVERSION_AUTO is not set
CONFIG_DEBUG_INFO_NONE=y
# CONFIG_DEBUG_INFO_DWARF5 is not set
# CONFIG_DEBUG_INFO_BTF is not set
# CONFIG_MODULE_SIG is not set
CONFIG_SYSTEM_TRUSTED_KEYS=""
CONFIG_SYSTEM_REVOCATION_KEYS=""
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_KASAN_INLINE=y
CONFIG_PROVE_LOCKING=y
CONFIG_PROVE_RCU=y
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_OBJECTS=y
CONFIG_DEBUG_OBJECTS_RCU_HEAD=y
CONFIG_UBSAN=y
CONFIG_UBSAN_BOUNDS=y
CONFIG_UBSAN_SHIFT=y
CONFIG_DEBUG_KMEMLEAK=y
CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE=65536
# CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF is not set
# CONFIG_DEBUG_KMEMLEAK_AUTO_SCAN is not set
CONFIG_FAULT_INJECTION=y
CONFIG_FAILSLAB=y
CONFIG_FAULT_INJECTION_DEBUG_FS=y
EOF
cfg_key=$(cat "$work/lsmod" "$work/debug.config" /boot/config-"$base" | sha256sum | cut -c1-16)
if [ "$(cat "$work/config.key" 2>/dev/null)" != "$cfg_key" ]; then
	cp /boot/config-"$base" "$src/.config"
	make -C "$src" -s LSMOD="$work/lsmod" localmodconfig </dev/null >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" \
		"$work/debug.config" >/dev/null
	make -C "$src" -s olddefconfig
	echo "$cfg_key" >"$work/config.key"
fi
for opt in KASAN PROVE_LOCKING PROVE_RCU DEBUG_ATOMIC_SLEEP \
	DEBUG_OBJECTS_RCU_HEAD UBSAN DEBUG_KMEMLEAK FAILSLAB FAULT_INJECTION_DEBUG_FS \
	DYNAMIC_FTRACE_WITH_ARGS DYNAMIC_FTRACE_WITH_DIRECT_CALLS; do
	grep -qx "CONFIG_$opt=y" "$src/.config" ||
		die "CONFIG_$opt did not stay set in $src/.config"
done

start=$(date +%s)
nice -n 10 make -C "$src" -s -j"$jobs" bzImage modules >"$work/build.log" 2>&1 ||
	{ tail -n 30 "$work/build.log" >&2; die "build failed (whole log: $work/build.log)"; }
release=$(make -C "$src" -s kernelrelease)
echo "debug-kernel: built $release in $(($(date +%s) - start)) s" >&2

if ! cmp -s "$src/arch/x86/boot/bzImage" "/boot/vmlinuz-$release"; then
	make -C "$src" -s INSTALL_MOD_STRIP=1 modules_install >/dev/null
	install -m 0644 "$src/arch/x86/boot/bzImage" "/boot/vmlinuz-$release"
	install -m 0644 "$src/.config" "/boot/config-$release"
fi
ln -sfn "$src" "/lib/modules/$release/build"
echo "$release"
