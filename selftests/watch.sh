#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# blkhold watch sees hold, refusal and release events in order, exits 0 on
# SIGINT and SIGTERM; a refusal loop is rate-limited, the counters exact.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd jq
disk=$(virtio_disk a) || skip_all "virtio disk bh-virtio-a not attached"
log=$(mktemp)

# A watcher is ready once its socket has joined a generic netlink group.
start_watch() {
	local n
	n=$(watchers)
	"$BLKHOLD" watch "$@" >"$log" 2>&1 &
	watch_pid=$!
	wait_for more_watchers "$n"
}
# Has watch printed at least $1 lines?
printed() {
	[ "$(grep -c . "$log")" -ge "$1" ]
}

start_watch --json
hold "$disk" watch-test "evidence"
dd if=/dev/zero of="$disk" bs=4k count=1 oflag=direct 2>/dev/null
release "$disk" watch-test
wait_for printed 3
kill -INT $watch_pid
wait $watch_pid
expect_eq "watch exits 0 on SIGINT" 0 $?
expect_eq "events arrive in order" "hold-added refused hold-released" \
	"$(jq -r .event "$log" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the hold event names hold and reason" "watch-test evidence" \
	"$(jq -r 'select(.event == "hold-added") | "\(.hold) \(.reason)"' "$log")"
expect_match "the refusal event says what, where and who" \
	"^write 0 8 dd 0 [0-9]+$" \
	"$(jq -r 'select(.event == "refused") | "\(.kind) \(.sector) \(.sectors) \(.comm) \(.uid) \(.pid)"' "$log")"

start_watch
hold "$disk" watch-test
wait_for printed 1
kill -TERM $watch_pid
wait $watch_pid
expect_eq "watch exits 0 on SIGTERM" 0 $?
expect_match "human output reads as a sentence" \
	"hold-added $disk 'watch-test' by blkhold\[[0-9]+\] uid 0" "$(cat "$log")"

start_watch --json
elapsed=$(python3 - "$disk" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY)
start = time.monotonic()
for _ in range(1000):
    try:
        os.pwrite(fd, b"\0" * 512, 0)
    except PermissionError:
        pass
print(int(time.monotonic() - start) + 1)
PY
)
sleep 1.1
dd if=/dev/zero of="$disk" bs=512 count=1 oflag=direct 2>/dev/null
dd_event() { jq -r 'select(.event == "refused") | .comm' "$log" 2>/dev/null | grep -qx dd; }
wait_for dd_event
kill -INT $watch_pid
wait $watch_pid
events=$(jq -r 'select(.event == "refused")' "$log" | jq -s length)
suppressed=$(jq -s '[.[] | select(.event == "refused") | .suppressed] | add' "$log")
diag "1001 refusals in about $elapsed s sent $events events, reporting $suppressed suppressed"
if [ "$events" -le $((20 * (elapsed + 1) + 1)) ] && [ "$events" -ge 2 ]; then
	ok "a refusal loop is rate-limited to about 20 events a second"
else
	not_ok "a refusal loop is rate-limited ($events events in $elapsed s)"
fi
expect_eq "events plus suppressed account for every refusal" 1001 $((events + suppressed))
expect_eq "the counters are exact" 1001 "$("$BLKHOLD" status "$disk" --json | jq .refused.write)"

release_all
rm -f "$log"
ktap_finish
