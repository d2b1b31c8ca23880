#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's layers run one way: a file uses only what the layers beneath
# it declare, so each file can be read after the ones it uses
# (Documentation/design.rst, "Layers"). Each module/X.c declares what it
# offers in module/X.h; blkhold.h (the shared types) and compat.h sit under
# every layer. This check fails when
#   - a file of module/ is not placed in a layer below,
#   - a file includes the header of its own layer's neighbour or of a layer
#     above it (its own header is fine),
#   - a header includes another layer's header (each .c says what it uses),
#   - a .c file declares a function that is not its own (a prototype or an
#     extern at file scope would step around the headers).
# The compiler does the rest: a function used without its header is an
# implicit declaration, an error in kbuild.
#
# The CLI's files share one header, so for them the built objects say who
# calls whom (nm), and no two files may call each other, however far round.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../../module" || exit 1

# bottom to top; the files of one line are one layer
layers=(
	"disk hooks events custody retention"	# facts about disks, hooks, events, custodians, retention
	"spans"			# the I/O path's index of held ranges, its lock, drains
	"stack"			# device-mapper and md maps of held volumes
	"registry"		# volumes and their holds
	"persist"		# records of held media, arrival, placing and releasing
	"gate passthru tamper netlink"	# where requests are refused; the family
	"main"			# loading and unloading
)

declare -A layer_of
for i in "${!layers[@]}"; do
	for name in ${layers[$i]}; do
		layer_of[$name]=$i
	done
done

fail=0
problem() { echo "check-layers: $*" >&2; fail=1; }

for file in *.c *.h; do
	stem=${file%.*}
	case $file in blkhold.h | compat.h | *.mod.c) continue ;; esac
	if [ -z "${layer_of[$stem]:-}" ]; then
		problem "module/$file is in no layer: add it to selftests/vm/check-layers.sh and design.rst"
		continue
	fi
	mine=${layer_of[$stem]}
	while read -r used; do
		case $used in blkhold.h | compat.h) continue ;; esac
		[ "$used" = "$stem.h" ] && [ "${file##*.}" = c ] && continue
		if [ "${file##*.}" = h ]; then
			problem "module/$file includes $used: a header includes only blkhold.h"
			continue
		fi
		theirs=${layer_of[${used%.h}]:-}
		if [ -z "$theirs" ]; then
			problem "module/$file includes $used, which is in no layer"
		elif [ "$theirs" -ge "$mine" ]; then
			problem "module/$file (layer $mine) includes $used (layer $theirs): a file uses only the layers beneath it"
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done

# A prototype at file scope in a .c file: a line at column 0 that names a
# function and ends its statement with ";" before any "{".
for file in *.c; do
	case $file in *.mod.c) continue ;; esac
	awk -v file="$file" '
		/^extern / { print "module/" file ":" FNR ": extern declaration"; bad = 1 }
		pending && /^\{/ { pending = 0 }
		pending && /;[[:space:]]*$/ { print "module/" file ":" start ": declares " name; pending = 0; bad = 1 }
		pending && !/\)[[:space:]]*$/ && !/,[[:space:]]*$/ { pending = 0 }
		/^[a-z][a-z0-9_ *]*[ *](bh_[a-z0-9_]*)\(/ && !/^static / {
			name = $0; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
			start = FNR; pending = 1
			if (/;[[:space:]]*$/) { print "module/" file ":" FNR ": declares " name; pending = 0; bad = 1 }
		}
		END { exit bad }' "$file" >&2 || {
		problem "module/$file declares functions of other files: include their header"
	}
done

# userspace/: "caller callee" pairs from the objects make check built
cd ../userspace || exit 1
objects=$(ls ./*.o 2>/dev/null | grep -v '/test_')
if [ -z "$objects" ]; then
	problem "userspace/ is not built: run make -C userspace first"
else
	# shellcheck disable=SC2086
	nm -A $objects | awk '
		$2 ~ /^[TDBR]$/ { split($1, f, ":"); owner[$3] = f[1]; next }
		$2 == "U" { split($1, f, ":"); uses[f[1] " " $3] = 1 }
		END {
			for (u in uses) {
				split(u, p, " ")
				if ((p[2] in owner) && owner[p[2]] != p[1])
					print p[1], owner[p[2]]
			}
		}' | sort -u >"${TMPDIR:-/tmp}/blkhold-calls.$$"
	if ! tsort "${TMPDIR:-/tmp}/blkhold-calls.$$" >/dev/null 2>"${TMPDIR:-/tmp}/blkhold-loop.$$"; then
		problem "userspace/ files call each other in a circle: $(grep -v 'input contains a loop' "${TMPDIR:-/tmp}/blkhold-loop.$$" | sed 's/^tsort: //; s|^\./||; s/\.o$//' | tr '\n' ' ')"
	fi
	rm -f "${TMPDIR:-/tmp}/blkhold-calls.$$" "${TMPDIR:-/tmp}/blkhold-loop.$$"
fi

[ $fail = 0 ] && echo "check-layers: module/ runs one way through ${#layers[@]} layers; userspace/ has no circles"
exit $fail
