#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian packages in the build root of kernel RELEASE
# (kernel-store.sh), so that they are that release's: its libraries, its
# debhelper. Installs the build dependencies there once (the root is a
# cache); the packages land in OUTDIR.
#
# usage: package-build.sh RELEASE OUTDIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
rel=${1:?RELEASE} out=${2:?OUTDIR}
root=$("$here/kernel-store.sh" root "$rel")
[ -n "$root" ] || { echo "package-build: $rel is this host's kernel: use make deb" >&2; exit 1; }

src=$(mktemp -d "$root/var/tmp/blkhold-deb.XXXXXX")
trap 'rm -rf "$src"' EXIT
version=$(cat "$project/VERSION")
mkdir "$src/blkhold-$version"
(cd "$project" && git ls-files -z --cached --others --exclude-standard |
	tar --null -T - -cf -) | tar -C "$src/blkhold-$version" -xf -
"$here/kernel-store.sh" chroot "$rel" env DEBIAN_FRONTEND=noninteractive \
	apt-get -q -y -o Acquire::Check-Valid-Until=false install --no-install-recommends \
	dpkg-dev dkms >/dev/null
"$here/kernel-store.sh" chroot "$rel" env DEBIAN_FRONTEND=noninteractive \
	apt-get -q -y -o Acquire::Check-Valid-Until=false build-dep \
	"${src#"$root"}/blkhold-$version" >/dev/null
"$here/kernel-store.sh" chroot "$rel" sh -c \
	"cd '${src#"$root"}/blkhold-$version' && dpkg-buildpackage -us -uc -b" >"$src/build.log" 2>&1 ||
	{ tail -n 30 "$src/build.log" >&2; exit 1; }
mkdir -p "$out"
cp "$src"/*.deb "$out/"
ls "$out"/*.deb
