#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make wipe-initrd KVER=RELEASE OUT=FILE CERT=CERT [WIPE=SCRIPT] [SEQUENCE=N]
#
# A network-boot wipe image for kernel RELEASE, made by Debian's
# mkinitramfs: blkhold's module (built from this tree for RELEASE), the
# CLI, CERT (the certificate the provider signs its hold registry with),
# the oldest registry SEQUENCE to accept, and WIPE, the provider's wipe
# script, run as the image's job once every hold of the registry is armed
# (boot/wipe-image). Nothing of this host's own store goes in. Boot it with
# the kernel of RELEASE and "blkhold.registry=URL" on its command line.
set -euo pipefail

project=$(cd "$(dirname "$0")/.." && pwd)
kver=${KVER:-} out=${OUT:-} cert=${CERT:-} wipe=${WIPE:-} sequence=${SEQUENCE:-}
die() { echo "wipe-initrd: $*" >&2; exit 1; }

[ -n "$kver" ] || die "KVER=RELEASE is required (a kernel in /lib/modules)"
[ -n "$out" ] || die "OUT=FILE is required"
[ -n "$cert" ] || die "CERT=FILE is required (the registry's certificate)"
# A kernel of another Debian release, fetched into a build root: its
# modules are seen in /lib/modules for mkinitramfs alone.
store=$project/selftests/vm/kernel-store.sh
run=()
if [ ! -d "/lib/modules/$kver" ]; then
	"$store" root "$kver" >/dev/null 2>&1 ||
		die "no modules for kernel $kver in /lib/modules (nor fetched by selftests/vm/kernel-store.sh)"
	run=("$store" run "$kver")
fi
[ -r "$cert" ] || die "$cert: cannot be read"
openssl x509 -in "$cert" -noout 2>/dev/null || openssl x509 -inform DER -in "$cert" -noout 2>/dev/null ||
	die "$cert: is not an X.509 certificate (PEM or DER)"
[ -z "$wipe" ] || [ -r "$wipe" ] || die "$wipe: cannot be read"
[[ -z "$sequence" || "$sequence" =~ ^[0-9]+$ ]] || die "SEQUENCE must be a number, not '$sequence'"
command -v mkinitramfs >/dev/null || die "mkinitramfs is not installed (apt-get install initramfs-tools)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ko=$project/build/$kver/module/blkhold.ko
make -s -C "$project" cli >/dev/null
"$project/selftests/vm/build-module.sh" "$kver" || die "building blkhold for $kver failed"

conf=$work/conf
mkdir -p "$conf/hooks" "$conf/scripts/init-premount"
sed "s|@SBINDIR@|$project/userspace|g" "$project/boot/wipe-image/hooks/blkhold-wipe" \
	>"$conf/hooks/blkhold-wipe"
cp "$project/boot/wipe-image/scripts/init-premount/blkhold-wipe" "$conf/scripts/init-premount/"
chmod +x "$conf/hooks/blkhold-wipe" "$conf/scripts/init-premount/blkhold-wipe"
printf 'MODULES=most\nBUSYBOX=y\nCOMPRESS=gzip\n' >"$conf/initramfs.conf"
: >"$conf/modules"
{
	printf 'CERT=%q\n' "$(realpath "$cert")"
	[ -n "$wipe" ] && printf 'WIPE=%q\n' "$(realpath "$wipe")"
	[ -n "$sequence" ] && printf 'SEQUENCE=%q\n' "$sequence"
	printf 'BLKHOLD_KO=%q\n' "$ko"
} >"$work/wipe-image.conf"
# the host's own blkhold hook, if installed, finds no store
BLKHOLD_WIPE_CONF=$work/wipe-image.conf BLKHOLD_STATE_DIR=$work/no-store \
	"${run[@]}" mkinitramfs -d "$conf" -o "$out" "$kver" || die "mkinitramfs failed"
echo "wipe-initrd: $out for $kver: boot it with blkhold.registry=URL"
