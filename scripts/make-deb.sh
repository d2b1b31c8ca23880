#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make deb": build the Debian packages blkhold-dkms and blkhold from a
# clean copy of the source into build/deb/, then run lintian on them; any
# lintian error fails. Needs dpkg-dev, debhelper, dh-dkms, lintian and the
# CLI's build dependencies ("selftests/vm/install-deps.sh deb", which
# "make deb" runs, installs them).
set -euo pipefail

project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
die() { echo "make-deb: $*" >&2; exit 1; }

version=$(cat VERSION)
changelog=$(dpkg-parsechangelog -S Version)
[ "$version" = "$changelog" ] ||
	die "VERSION says $version but debian/changelog's newest entry is $changelog"

out=$project/build/deb
src=$out/blkhold-$version
rm -rf "$out"
mkdir -p "$src"
# The source files only (tracked or new, never ignored): no objects,
# modules or build/ from this tree.
if [ -d .git ]; then
	git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$src" -xf -
else
	tar --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod*' --exclude='.*.cmd' -cf - . | tar -C "$src" -xf -
fi

(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; die "dpkg-buildpackage failed (log: $out/build.log)"; }
changes=$(ls "$out"/blkhold_"$version"_*.changes)
lintian --fail-on error "$changes" | tee "$out/lintian.log" ||
	die "lintian found errors in the packages (log: $out/lintian.log)"
ls "$out"/*.deb
