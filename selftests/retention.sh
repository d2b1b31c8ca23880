#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Retention dates on the kernel's retention clock. Compliance: no release
# before the date, by anyone, not even on a custodian's order; the date is
# extended, never made earlier. Governance: before the date only override
# (recorded, announced as tamper) or a custodian's order. Setting the
# system time years ahead moves the retention clock by days at most.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd openssl jq

store=$(mktemp -d /tmp/retention-store.XXXXXX)
keys=$(mktemp -d /tmp/retention-keys.XXXXXX)
log=$(mktemp /tmp/retention-watch.XXXXXX)
export BLKHOLD_STATE_DIR=$store
disk=$(virtio_disk a) || skip_all "no virtio test disk"
nvme=$(nvme_disk a) || skip_all "no NVMe test disk"
clock_param=/sys/module/blkhold/parameters/retention_clock
[ -r $clock_param ] || skip_all "blkhold has no retention clock"

# The wall clock as it should be: set back after each jump ahead.
wall0=$(date +%s)
up0=$(cut -d. -f1 /proc/uptime)
wall_back() { date -s "@$((wall0 + $(cut -d. -f1 /proc/uptime) - up0))" >/dev/null; }

sign() {
	openssl cms -sign -binary -noattr -in "$2" -signer "$keys/$1.pem" \
		-inkey "$keys/$1.key" -outform DER -out "$3"
}
release_signed() {
	"$BLKHOLD" release-order "$1" --name "$2" --out "$keys/order.txt" &&
		sign "$3" "$keys/order.txt" "$keys/order.p7s" &&
		"$BLKHOLD" release "$1" --name "$2" --order "$keys/order.p7s"
}
clock() { cat $clock_param; }
clock_reached() { [ "$(clock)" -ge "$1" ]; }
holds_of() { "$BLKHOLD" status "$1" --json | jq -r '[.holds[].name] | join(",")'; }

cleanup() {
	[ -n "${watch_pid:-}" ] && kill $watch_pid 2>/dev/null
	wall_back
	"$BLKHOLD" release "$nvme" --name CASE-G --override --reason cleanup >/dev/null 2>&1
	[ -n "${until:-}" ] && BLKHOLD_TIMEOUT_FACTOR=$((3 * $(host_slowdown))) \
		wait_for clock_reached "$until"
	release_signed "$disk" CASE-C alice >/dev/null 2>&1
	release_all
	rm -rf "$store" "$keys" "$log"
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$keys/alice.key" \
	-out "$keys/alice.pem" -days 30 -subj "/CN=alice" 2>/dev/null ||
	skip_all "openssl cannot make an RSA certificate"

# ---- bad input ----
out=$("$BLKHOLD" hold "$disk" --name X --retain-until 2030-01-01 2>&1)
expect_eq "a date without a mode is refused" 1 $?
expect_match "... naming both options" "go together" "$out"
out=$("$BLKHOLD" hold "$disk" --name X --retain-until 2030-01-01 --mode strict 2>&1)
expect_eq "an unknown mode is refused" 1 $?
expect_match "... quoting it" "not 'strict'" "$out"
out=$("$BLKHOLD" hold "$disk" --name X --retain-until 31.12.2030 --mode compliance 2>&1)
expect_eq "a date in another format is refused" 1 $?
out=$("$BLKHOLD" hold "$disk" --name X --retain-until 2001-01-01 --mode compliance 2>&1)
expect_eq "a date already past is refused" 1 $?
expect_match "... saying so" "is not after the retention clock" "$out"
out=$("$BLKHOLD" hold "$disk" --name X --transient --retain-until 2030-01-01 --mode compliance 2>&1)
expect_eq "a transient hold with a date is refused" 1 $?
expect_eq "... and none of that held anything" "" "$(holds_of "$disk")"
expect_eq "... or stored anything" 0 "$(cat "$store/ledger" 2>/dev/null | wc -l)"

# ---- compliance ----
fill_random "$disk"
before=$(sha256_direct "$disk")
# far enough ahead for the checks below on a slow machine, near enough to wait out
until=$(( $(clock) + 40 * $(host_slowdown) ))
assert "a compliance hold with a custodian is placed" "$BLKHOLD" hold "$disk" --name CASE-C \
	--release-cert "$keys/alice.pem" --retain-until "@$until" --mode compliance
expect_eq "status shows its date" "$until compliance" \
	"$("$BLKHOLD" status "$disk" --json | jq -r '.holds[0] | "\(.retain_until) \(.retain_mode)"')"
expect_match "the ledger stores the date and the clock" " retain=compliance:$until clock=[0-9]+ " \
	"$(grep ' CASE-C ' "$store/ledger")"
expect_match "metrics count it as retained" "^blkhold_retained_holds 1$" "$("$BLKHOLD" metrics)"

out=$("$BLKHOLD" release "$disk" --name CASE-C 2>&1)
expect_eq "release before the date is refused" 1 $?
expect_match "... as compliance" "compliance mode" "$out"
"$BLKHOLD" release-order "$disk" --name CASE-C --out "$keys/early.txt" >/dev/null
sign alice "$keys/early.txt" "$keys/early.p7s"
out=$("$BLKHOLD" release "$disk" --name CASE-C --order "$keys/early.p7s" 2>&1)
expect_eq "... even on its custodian's order" 1 $?
expect_match "... by anyone" "by anyone" "$out"
id=$("$BLKHOLD" list --json | jq -r '.stored[] | select(.hold.name == "CASE-C") | .identity')
refute "... or by identity" "$BLKHOLD" release "$id" --name CASE-C
refute "rmmod is refused" rmmod blkhold

out=$("$BLKHOLD" hold "$disk" --name CASE-C --retain-until "@$((until - 5))" --mode compliance 2>&1)
expect_eq "an earlier date is refused" 1 $?
expect_match "... as never made earlier" "never made earlier" "$out"
out=$("$BLKHOLD" hold "$disk" --name CASE-C --retain-until "@$((until + 5))" --mode governance 2>&1)
expect_eq "governance for a compliance hold is refused" 1 $?
until=$((until + 5))
assert "a later date extends it" "$BLKHOLD" hold "$disk" --name CASE-C \
	--retain-until "@$until" --mode compliance
expect_eq "... in the kernel" "$until" \
	"$("$BLKHOLD" status "$disk" --json | jq -r '.holds[0].retain_until')"
expect_match "... and in the ledger" " retain .* retain=compliance:$until " \
	"$(tail -n 1 "$store/ledger")"
until=$((until + 5))
assert "so does holding it again by identity" "$BLKHOLD" hold --identity "$id" --name CASE-C \
	--sectors "$(grep ' CASE-C ' "$store/ledger" | head -n 1 | awk '{print $6 "+" $7}')" \
	--retain-until "@$until" --mode compliance
expect_eq "... in the kernel" "$until" \
	"$("$BLKHOLD" status "$disk" --json | jq -r '.holds[0].retain_until')"

date -s "+3 years" >/dev/null
out=$("$BLKHOLD" release "$disk" --name CASE-C --order "$keys/early.p7s" 2>&1)
expect_eq "with the system time 3 years ahead the release is still refused" 1 $?
expect_match "... as compliance" "compliance mode" "$out"
wall_back
refute "a write is refused" dd if=/dev/zero of="$disk" bs=4096 count=1 oflag=direct status=none
expect_eq "the disk is unchanged" "$before" "$(sha256_direct "$disk")"

# ---- governance ----
g_until=$(( $(clock) + 30 * 86400 ))
assert "a governance hold without custodians is placed on $nvme" "$BLKHOLD" hold "$nvme" \
	--name CASE-G --retain-until "@$g_until" --mode governance
out=$("$BLKHOLD" release "$nvme" --name CASE-G 2>&1)
expect_eq "release before the date is refused" 1 $?
expect_match "... naming override" "only override releases it" "$out"
out=$("$BLKHOLD" release "$nvme" --name CASE-G --override 2>&1)
expect_eq "override without a reason is refused" 1 $?
c0=$(clock)
date -s "+3 years" >/dev/null
c1=$(clock)
wall_back
expect_eq "3 years ahead move the retention clock by less than a day" 1 \
	"$(( c1 - c0 < 86400 ))"
expect_eq "the hold stays" CASE-G "$(holds_of "$nvme")"

n=$(watchers)
"$BLKHOLD" watch --json >"$log" 2>&1 &
watch_pid=$!
wait_for more_watchers "$n"
assert "override with a reason releases it" "$BLKHOLD" release "$nvme" --name CASE-G \
	--override --reason "counsel approved early end"
expect_eq "the volume has no hold left" "" "$(holds_of "$nvme")"
expect_match "the ledger records the override" " override=yes " "$(tail -n 1 "$store/ledger")"
override_seen() {
	grep -q '"released by override before its retention date"' "$log" &&
		jq -r 'select(.action == "released by override before its retention date") | .kind' \
			"$log" | grep -qx tamper
}
assert "blkhold watch saw it as tamper" wait_for override_seen
kill -INT $watch_pid
wait $watch_pid
watch_pid=

# ---- the date passes ----
BLKHOLD_TIMEOUT_FACTOR=$((3 * $(host_slowdown))) wait_for clock_reached "$until"
expect_eq "the retention clock reaches the compliance date" 1 $(( $(clock) >= until ))
assert "then the custodian's order releases the hold" release_signed "$disk" CASE-C alice
until=
expect_eq "the volume has no hold left" "" "$(holds_of "$disk")"

ktap_finish
