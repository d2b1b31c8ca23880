#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel's own netlink tool speaks the family from the spec alone:
# tools/net/ynl/cli.py (Debian's linux-source-6.12, unpacked by make check)
# watches hold events, places a hold, dumps volumes with their counters and
# holds decoded, dumps records, is refused as nobody, and releases. A
# placer in another pid namespace is reported by its initial-namespace pid.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd python3 jq unshare setpriv

project=$(cd "$(dirname "$0")/.." && pwd)
spec=$project/build/ynl/tree/Documentation/netlink/specs/blkhold.yaml
cli=$project/build/ynl/tools/net/ynl/cli.py
[ -f "$cli" ] && [ -f "$spec" ] || skip_all "no ynl tools in build/ynl (make check unpacks them)"
python3 -c 'import yaml' 2>/dev/null || skip_all "needs python3-yaml for cli.py"
disk=$(virtio_disk a) || skip_all "no virtio test disk"
sys=/sys/block/${disk#/dev/}
IFS=: read -r major minor <"$sys/dev"
diskseq=$(cat "$sys/diskseq")
volume="\"major\": $major, \"minor\": $minor, \"diskseq\": $diskseq"

ynl() {
	python3 "$cli" --spec "$spec" --output-json "$@"
}

# Watching: cli.py subscribed in a second process (6.12's ynl.py fails on
# a notification that arrives before its own request's reply), for a
# while; the holds placed (from a pid namespace of their own, where
# cli.py is pid 1) and released meanwhile must show in its output.
ntf=$(mktemp /tmp/ynl-ntf.XXXXXX)
trap 'release_all; rm -f "$ntf"' EXIT
python3 "$cli" --spec "$spec" --output-json --subscribe events \
	--sleep $((15 * ${BLKHOLD_TIMEOUT_FACTOR:-1} * $(host_slowdown))) >"$ntf" 2>&1 &
watcher=$!
while kill -0 $watcher 2>/dev/null; do
	unshare --pid --fork python3 "$cli" --spec "$spec" \
		--do hold-add --json "{$volume, \"name\": \"YNL-0\"}" >/dev/null 2>&1
	ynl --do hold-del --json "{$volume, \"name\": \"YNL-0\"}" >/dev/null 2>&1
done
wait $watcher
events=$(tail -n 1 "$ntf")
expect_match "cli.py --subscribe events decodes hold-added" "hold-added YNL-0" \
	"$(jq -r '.[] | "\(.name) \(.msg.name)"' <<<"$events" 2>/dev/null)"
expect_match "and hold-released" "hold-released YNL-0" \
	"$(jq -r '.[] | "\(.name) \(.msg.name)"' <<<"$events" 2>/dev/null)"

# Placed from a pid namespace of its own, where cli.py is pid 1.
out=$(unshare --pid --fork python3 "$cli" --spec "$spec" --output-json \
	--do hold-add --json "{$volume, \"name\": \"YNL-1\", \"reason\": \"ynl test\"}" 2>&1)
rc=$?
expect_eq "cli.py --do hold-add places a hold" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
expect_eq "the CLI sees the hold" YNL-1 \
	"$("$BLKHOLD" status "$disk" --json | jq -r '.holds[].name')"

refute "a write to the held disk is refused" dd if=/dev/zero of="$disk" bs=4096 count=1 \
	oflag=direct status=none
dump=$(ynl --dump volume-get 2>&1)
expect_eq "cli.py --dump volume-get decodes the counters by kind" 1 \
	"$(jq --arg d "${disk#/dev/}" '.[] | select(.devname == $d) | .counters.write' <<<"$dump" 2>/dev/null)"
expect_eq "and the hold's name, reason and flags" "YNL-1 ynl test" \
	"$(jq -r --arg d "${disk#/dev/}" '.[] | select(.devname == $d) | .hold[0] | "\(.name) \(.reason)"' <<<"$dump" 2>/dev/null)"
hold_pid=$(jq -r --arg d "${disk#/dev/}" '.[] | select(.devname == $d) | .hold[0].pid' <<<"$dump" 2>/dev/null)
expect_ne "the hold's pid is in the initial pid namespace, not the placer's own (1)" \
	1 "$hold_pid"
expect_eq "as is the hold-added event's" "" \
	"$(jq -r '.[] | select(.name == "hold-added") | .msg.pid | select(. <= 1)' <<<"$events" 2>/dev/null)"
assert "cli.py --dump record-get succeeds" ynl --dump record-get

out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups python3 "$cli" --spec "$spec" \
	--do hold-del --json "{$volume, \"name\": \"YNL-1\"}" 2>&1)
expect_match "cli.py as nobody cannot release it" "Operation not permitted|error: -1" "$out"
expect_eq "the hold stays" YNL-1 "$("$BLKHOLD" status "$disk" --json | jq -r '.holds[].name')"
assert "cli.py --do drain (nothing placed to drain) succeeds" ynl --do drain
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups python3 "$cli" --spec "$spec" \
	--do drain 2>&1)
expect_match "and is refused as nobody" "Operation not permitted|error: -1" "$out"

out=$(ynl --do hold-add --json "{$volume, \"name\": \"$(printf 'n%.0s' $(seq 1 65))\"}" 2>&1)
expect_match "a name too long is refused with the kernel's message" "extack|too long|Numerical result|Invalid" "$out"

assert "cli.py --do hold-del releases it" ynl --do hold-del --json "{$volume, \"name\": \"YNL-1\"}"
expect_eq "no hold is left" 0 "$("$BLKHOLD" list --json | jq '.volumes | length')"

ktap_finish
