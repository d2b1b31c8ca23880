#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernels of other Debian releases than this host's: Debian 13's
# (trixie) 6.12, trixie-backports' newest 7.x and, with BLKHOLD_WITH_SID=1,
# sid's newest 7.x (not a release providers run: built and tested on
# request, kept out of make check's time). Each
# is installed, with its headers, into a build root of its own release,
# because its gcc and kbuild need that release's libc (7.3's kbuild needs
# glibc 2.38; Debian 12 has 2.36). The VMs boot those kernels with this
# host's userspace and the kernel's modules shared in.
#
# usage: kernel-store.sh fetch           make the roots, install the newest
#                                        kernel of each series (cached)
#        kernel-store.sh list            the kernels installed, oldest first
#        kernel-store.sh root REL        the build root that has REL (none
#                                        for a kernel of this host)
#        kernel-store.sh vmlinuz REL     its kernel image
#        kernel-store.sh modules REL     its modules directory
#        kernel-store.sh run REL CMD...  CMD, seeing REL's modules in
#                                        /lib/modules/REL and its config in
#                                        /boot (a mount namespace
#                                        of its own; nothing on the host moves)
#        kernel-store.sh chroot REL CMD... CMD inside REL's build root, with
#                                        /proc mounted there
#
# Roots live in $BLKHOLD_CACHE/roots/SUITE (default /var/cache/blkhold),
# made by debootstrap from Debian's archive and kept between runs; a root
# whose making did not finish is made again, and the archive is asked for
# newer kernels once a day.
set -euo pipefail

cache=${BLKHOLD_CACHE:-/var/cache/blkhold}
mirror=${BLKHOLD_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# SUITE EXTRA-SUITES HEADERS-PATTERN: a kernel series and where it comes from.
series=(
	"trixie trixie-backports 6\.12\.[0-9]+\+deb13-amd64"
	"trixie trixie-backports 7\.[0-9]+\.[0-9]+\+deb13-amd64"
)
[ -z "${BLKHOLD_WITH_SID:-}" ] || series+=("sid - 7\.[0-9]+\.[0-9]+\+deb14-amd64")

die() { echo "kernel-store: $*" >&2; exit 1; }

# ---- build roots ----

# make_root SUITE EXTRA: debootstrap SUITE (with EXTRA suites in its
# sources) unless a finished root is there.
make_root() {
	local suite=$1 extra=$2 root=$cache/roots/$1
	[ -e "$root/.blkhold-root-done" ] && return 0
	command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
	echo "kernel-store: making a $suite build root in $root (debootstrap, a few minutes)" >&2
	rm -rf "$root"
	mkdir -p "$cache/roots"
	debootstrap --variant=minbase --include=build-essential,kmod,ca-certificates \
		"$suite" "$root" "$mirror" >"$cache/roots/$suite.log" 2>&1 ||
		die "debootstrap $suite failed; see $cache/roots/$suite.log"
	if [ "$extra" != - ]; then
		echo "deb $mirror $extra main" >>"$root/etc/apt/sources.list"
	fi
	# a kernel's postinst would otherwise ask about its initramfs
	echo 'do_symlinks = no' >"$root/etc/kernel-img.conf"
	touch "$root/.blkhold-root-done"
}

in_root() {	# in_root ROOT CMD...: CMD in ROOT, /proc mounted for it alone
	local root=$1
	shift
	unshare --mount --propagation private -- sh -c \
		'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$root" "$@"
}

apt_in() {	# apt_in ROOT ARGS...: apt-get, quiet, never asking
	local root=$1
	shift
	in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
		-o Dpkg::Use-Pty=0 -o Acquire::Check-Valid-Until=false "$@"
}

refresh_root() {	# the archive's package lists, at most once a day
	local root=$1 stamp=$1/.blkhold-apt-updated
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		apt_in "$root" update >/dev/null || die "apt-get update in $root failed"
		touch "$stamp"
	fi
}

# newest ROOT PATTERN: the newest kernel release whose headers match
newest() {
	in_root "$1" apt-cache search --names-only "^linux-headers-$2\$" |
		sed -n 's/^linux-headers-\([^ ]*\) .*/\1/p' | sort -V | tail -n 1
}

fetch() {
	local entry suite extra pattern root rel target
	mkdir -p "$cache"
	exec 8>"$cache/lock"
	flock 8
	for entry in "${series[@]}"; do
		read -r suite extra pattern <<<"$entry"
		make_root "$suite" "$extra"
		root=$cache/roots/$suite
		refresh_root "$root"
		rel=$(newest "$root" "$pattern")
		[ -n "$rel" ] || die "no kernel matching $pattern in $suite's archive"
		[ -e "$root/lib/modules/$rel/build/Makefile" ] && [ -n "$(vmlinuz_in "$root" "$rel")" ] &&
			continue
		echo "kernel-store: installing $rel into the $suite root" >&2
		target=()
		[ "$extra" = - ] || target=(-t "$extra")
		apt_in "$root" install --no-install-recommends "${target[@]}" "linux-image-$rel" \
			"linux-headers-$rel" initramfs-tools >"$root/.blkhold-$rel.log" 2>&1 ||
			die "installing $rel failed; see $root/.blkhold-$rel.log"
	done
}

vmlinuz_in() {	# vmlinuz_in ROOT REL
	local f
	for f in "$1/boot/vmlinuz-$2" "$1/usr/lib/modules/$2/vmlinuz"; do
		[ -r "$f" ] && { echo "$f"; return 0; }
	done
}

# list: per series, the newest kernel installed in its root
list() {
	local entry suite extra pattern root
	for entry in "${series[@]}"; do
		read -r suite extra pattern <<<"$entry"
		root=$cache/roots/$suite
		[ -e "$root/.blkhold-root-done" ] || continue
		ls "$root/lib/modules/" 2>/dev/null | grep -E "^$pattern\$" | sort -V |
			tail -n 1 | while read -r rel; do
				[ -e "$root/lib/modules/$rel/build/Makefile" ] && [ -n "$(vmlinuz_in "$root" "$rel")" ] &&
					echo "$rel"
			done
	done | sort -V
}

root_of() {	# root_of REL: its build root, or nothing for this host's kernels
	local d
	[ -e "/lib/modules/$1/build/Makefile" ] && return 0
	for d in "$cache"/roots/*/; do
		[ -e "$d/lib/modules/$1/build/Makefile" ] && { echo "${d%/}"; return 0; }
	done
	return 1
}

case ${1:-} in
fetch) fetch ;;
list) list ;;
root)
	root_of "${2:?REL}" || die "no kernel $2 here or in $cache/roots"
	;;
vmlinuz)
	root=$(root_of "${2:?REL}") || die "no kernel $2 here or in $cache/roots"
	if [ -z "$root" ]; then echo "/boot/vmlinuz-$2"; else vmlinuz_in "$root" "$2"; fi
	;;
modules)
	root=$(root_of "${2:?REL}") || die "no kernel $2 here or in $cache/roots"
	echo "$root/lib/modules/$2"
	;;
run)
	rel=${2:?REL}
	shift 2
	root=$(root_of "$rel") || die "no kernel $rel here or in $cache/roots"
	[ -n "$root" ] || exec "$@"
	modules=$(cd "$root/lib/modules/$rel" && pwd -P)
	# mkinitramfs reads the kernel's config from /boot too
	exec unshare --mount --propagation private -- sh -c \
		'mount -t tmpfs -o mode=0755 blkhold-modules /lib/modules &&
		 mkdir "/lib/modules/$0" && mount --bind "$1" "/lib/modules/$0" &&
		 mount -t tmpfs -o mode=0755 blkhold-boot /boot &&
		 cp "$2/boot/config-$0" /boot/ &&
		 shift 2 && exec "$@"' "$rel" "$modules" "$root" "$@"
	;;
chroot)
	rel=${2:?REL}
	shift 2
	root=$(root_of "$rel") || die "no kernel $rel here or in $cache/roots"
	[ -n "$root" ] || die "$rel is this host's kernel: no build root"
	in_root "$root" "$@"
	;;
*)
	sed -n 's/^# \{0,1\}//; /^usage:/,/^$/p' "$0" >&2
	exit 2
	;;
esac
