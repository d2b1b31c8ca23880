#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink spec drives the kernel's own tooling: ynl-gen-c from Debian's
# linux-source-6.12 must make include/uapi/linux/blkhold.h out of
# Documentation/netlink/specs/blkhold.yaml byte for byte, and a user-space
# library that compiles. Leaves the tools and a copy of the spec, beside
# the schemas it names, in build/ynl/ for ynl_cli.sh in the VMs.
#
# usage: ynl-check.sh [--update]   (--update: write the header from the spec;
#                                   "make uapi" after changing the spec)
set -euo pipefail

project=$(cd "$(dirname "$0")/../.." && pwd)
ynl=$project/build/ynl
tree=$ynl/tree
die() { echo "ynl-check: $*" >&2; exit 1; }

if [ ! -f "$ynl/tools/net/ynl/ynl-gen-c.py" ]; then
	src=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$src" ] || die "no /usr/src/linux-source-6.12.tar.xz (install linux-source-6.12)"
	mkdir -p "$ynl"
	tar -xJf "$src" -C "$ynl" --strip-components=1 --wildcards \
		'*/tools/net/ynl/*' '*/Documentation/netlink/genetlink*.yaml' ||
		die "cannot extract the ynl tools from $src"
fi
# ynl-gen-c looks for the kernel tree's root (MAINTAINERS) above the spec
# and the spec's schema in the directory above it.
mkdir -p "$tree/Documentation/netlink/specs"
touch "$tree/MAINTAINERS"
cp "$ynl"/Documentation/netlink/genetlink*.yaml "$tree/Documentation/netlink/"
spec=$tree/Documentation/netlink/specs/blkhold.yaml
cp "$project/Documentation/netlink/specs/blkhold.yaml" "$spec"

gen() {	# gen MODE KIND OUT
	timeout 120 python3 "$ynl/tools/net/ynl/ynl-gen-c.py" --mode "$1" "--$2" \
		--spec "$spec" -o "$3" || die "ynl-gen-c --mode $1 --$2 fails on the spec"
}
gen uapi header "$ynl/blkhold.h"
[ "${1:-}" = --update ] && cp "$ynl/blkhold.h" "$project/include/uapi/linux/blkhold.h"
diff -u "$project/include/uapi/linux/blkhold.h" "$ynl/blkhold.h" >&2 ||
	die "include/uapi/linux/blkhold.h is not what ynl-gen-c makes of the spec (diff above)"
gen user header "$ynl/blkhold-user.h"
gen user source "$ynl/blkhold-user.c"
(cd "$ynl" && cc -c -Wall -Werror -I"$ynl/tools/net/ynl/lib" -I"$project/include/uapi" \
	-include "$project/include/uapi/linux/blkhold.h" -I. blkhold-user.c -o blkhold-user.o) ||
	die "the user-space library ynl-gen-c makes of the spec does not compile"
