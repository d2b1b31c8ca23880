#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The blkhold CLI: every command, its output, and every kind of bad input,
# with exit codes and messages. Also who may do what.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd jq setpriv unshare
disk=$(virtio_disk a) || skip_all "virtio disk bh-virtio-a not attached"
name=${disk#/dev/}

# run CMD...: sets $out (stdout and stderr) and $rc
run() {
	out=$("$@" 2>&1)
	rc=$?
}

# fails DESCRIPTION REGEX CMD...: exit 1 and one line on stderr matching REGEX
fails() {
	local what=$1 re=$2 err lines; shift 2
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(printf '%s\n' "$err" | grep -c .)
	if [ $rc = 1 ] && [ "$lines" = 1 ] && printf '%s' "$err" | grep -Eq -- "$re"; then
		ok "$what"
	else
		not_ok "$what"
		diag "exit $rc, stderr ($lines lines): $err"
	fi
}

run "$BLKHOLD" --version
expect_match "--version prints the version" "^blkhold [0-9]" "$out"
for c in hold release list status watch restore verify metrics fingerprint certificate audit; do
	run "$BLKHOLD" $c --help
	expect_match "$c --help prints its usage and exits 0" "usage: blkhold $c" "$out $rc"
	[ $rc = 0 ] || not_ok "$c --help exit status is $rc"
done

# ---- placing, showing, releasing ----
run "$BLKHOLD" hold "$disk" --name CASE-2024-17 --reason "Smith v. Jones: préservation"
expect_eq "hold exits 0" 0 $rc
expect_match "hold says what it did" "^$disk: hold 'CASE-2024-17' placed$" "$out"
run "$BLKHOLD" list
expect_match "list shows a table header" "^DEVICE +SIZE +HOLDS +REFUSED +TRANSIENT" "$out"
expect_match "list shows the held volume, its hold stored" "^$disk +32.0 MiB +1 +0 +0$" "$out"
run "$BLKHOLD" status "$disk"
expect_match "status names the hold, reason and creator" \
	"hold 'CASE-2024-17' placed 20[0-9-]+T[0-9:]+Z by uid 0 \(blkhold\[[0-9]+\]\): Smith v. Jones: préservation" "$out"
expect_match "status shows the refusal counters" "refused: 0" "$out"
dd if=/dev/zero of="$disk" bs=4k count=1 oflag=direct 2>/dev/null
blkdiscard -f "$disk" 2>/dev/null
run "$BLKHOLD" status "$disk"
expect_match "status counts refusals per kind" "refused: 2, write 1, discard 1" "$out"

json=$("$BLKHOLD" list --json)
expect_eq "list --json is one valid document" "1" "$(jq '.volumes | length' <<<"$json")"
expect_eq "... with the hold's name" "CASE-2024-17" "$(jq -r '.volumes[0].holds[0].name' <<<"$json")"
expect_eq "... its reason in UTF-8" "Smith v. Jones: préservation" "$(jq -r '.volumes[0].holds[0].reason' <<<"$json")"
expect_eq "... and per-kind counters" "1 1 2" \
	"$(jq -r '.volumes[0] | "\(.refused.write) \(.refused.discard) \(.refused_total)"' <<<"$json")"
json=$("$BLKHOLD" status "$disk" --json)
expect_eq "status --json of a held volume" "true $name" "$(jq -r '"\(.held) \(.name)"' <<<"$json")"
json=$("$BLKHOLD" status "$(virtio_disk b)" --json)
unheld=$(virtio_disk b)
expect_eq "status --json of an unheld volume" "false 0 ${unheld#/dev/}" \
	"$(jq -r '"\(.held) \(.holds | length) \(.name)"' <<<"$json")"
run "$BLKHOLD" status "$(virtio_disk b)"
expect_match "status of an unheld volume says so" "not held" "$out"

mkdir -p /tmp/by-id && ln -sf "$disk" /tmp/by-id/bh-disk
run "$BLKHOLD" hold /tmp/by-id/bh-disk --name via-symlink
expect_match "a symlink works and is shown with its canonical name" \
	"^/tmp/by-id/bh-disk \($disk\): hold 'via-symlink' placed" "$out"
assert "release through the symlink" release /tmp/by-id/bh-disk via-symlink

fails "a duplicate hold name is refused" "^blkhold: $disk: the volume already has a hold of that name \('CASE-2024-17'\)$" \
	"$BLKHOLD" hold "$disk" --name CASE-2024-17
fails "release of an unknown hold is refused" "^blkhold: $disk: the volume has no hold of that name \('nope'\)$" \
	"$BLKHOLD" release "$disk" --name nope

# ---- bad input ----
fails "missing DEVICE" "missing DEVICE" "$BLKHOLD" hold --name x
fails "missing path" "^blkhold: /dev/nonexistent: no such device$" "$BLKHOLD" hold /dev/nonexistent --name x
fails "/dev/null is not a block device" "^blkhold: /dev/null: not a block device$" "$BLKHOLD" hold /dev/null --name x
touch /tmp/regular
fails "a regular file is not a block device" "^blkhold: /tmp/regular: not a block device$" "$BLKHOLD" hold /tmp/regular --name x
fails "a directory is not a block device" "^blkhold: /tmp: not a block device$" "$BLKHOLD" hold /tmp --name x
fails "missing --name" "^blkhold: $disk: missing --name NAME$" "$BLKHOLD" hold "$disk"
fails "--name without a value" "option '--name' needs a value" "$BLKHOLD" hold "$disk" --name
fails "empty name" "hold name must be 1-64 characters" "$BLKHOLD" hold "$disk" --name ""
fails "over-long name" "hold name must be 1-64 characters, not 65" "$BLKHOLD" hold "$disk" --name "$(printf 'n%.0s' $(seq 65))"
fails "control characters in the name" "printable" "$BLKHOLD" hold "$disk" --name "$(printf 'a\tb')"
fails "over-long reason" "reason must be at most 256 bytes, not 257" "$BLKHOLD" hold "$disk" --name x --reason "$(printf 'r%.0s' $(seq 257))"
fails "control characters in the reason" "control characters" "$BLKHOLD" hold "$disk" --name x --reason "$(printf 'a\033[2Jb')"
fails "unknown command" "^blkhold: unknown command 'frobnicate'" "$BLKHOLD" frobnicate
fails "unknown option" "^blkhold: list: unknown option '--bogus'" "$BLKHOLD" list --bogus
fails "unexpected argument" "unexpected argument 'extra'" "$BLKHOLD" status "$disk" extra
fails "--diskseq must be a number" "--diskseq needs a number" "$BLKHOLD" release "$disk" --name x --diskseq x1

# ---- who may do what ----
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
fails "a non-root user cannot release" "needs CAP_SYS_ADMIN" nobody "$BLKHOLD" release "$disk" --name CASE-2024-17
fails "a non-root user cannot place a hold" "needs CAP_SYS_ADMIN" nobody "$BLKHOLD" hold "$disk" --name y
fails "a non-root user cannot list the holds" "needs CAP_SYS_ADMIN" nobody "$BLKHOLD" list
run nobody "$BLKHOLD" status "$disk" --json
refute "... nor read a hold's name" grep -q CASE-2024-17 <<<"$out"
fails "... nor watch the events" "watching events needs CAP_SYS_ADMIN" nobody "$BLKHOLD" watch
fails "root in a user namespace cannot release" "needs CAP_SYS_ADMIN" unshare -Ur "$BLKHOLD" release "$disk" --name CASE-2024-17
expect_match "the hold is still there" "CASE-2024-17" "$("$BLKHOLD" status "$disk")"

# ---- metrics ----
dd if=/dev/zero of="$disk" bs=4k count=1 oflag=direct 2>/dev/null
run "$BLKHOLD" metrics
expect_eq "metrics exits 0" 0 "$rc"
expect_match "metrics: the module answered" "^blkhold_up 1$" "$out"
expect_match "metrics: the hooks are installed" "^blkhold_hooks_installed 1$" "$out"
expect_match "metrics: holds per volume" \
	"^blkhold_volume_holds\{device=\"$disk\",diskseq=\"[0-9]+\",detached=\"false\"\} 1$" "$out"
expect_match "metrics: each hold by name" \
	"^blkhold_hold_info\{device=\"$disk\",.*name=\"CASE-2024-17\",persistent=\"(true|false)\"\} 1$" "$out"
expect_match "metrics: refusals per volume and kind" \
	"^blkhold_refused_total\{device=\"$disk\",diskseq=\"[0-9]+\",kind=\"write\"\} [1-9]" "$out"
expect_match "metrics: the store" "^blkhold_store_intact 1$" "$out"
promtool=$(command -v promtool || echo "$(dirname "$0")/../build/prometheus/usr/bin/promtool")
if [ -x "$promtool" ]; then
	assert "promtool check metrics accepts the output" sh -c "\"$BLKHOLD\" metrics | \"$promtool\" check metrics"
else
	skip "promtool check metrics" "no promtool (selftests/vm/install-deps.sh unpacks it into build/prometheus)"
fi

# ---- a writer a new hold cuts off gets a warning ----
assert "release" release "$disk" CASE-2024-17
sleep 30 3<>"$disk" &
writer=$!
writer_ready() { [ -e "/proc/$writer/fd/3" ] && [ "$(cat "/proc/$writer/comm")" = sleep ]; }
wait_for writer_ready
run "$BLKHOLD" hold "$disk" --name open-test
expect_match "a hold on a volume open for writing warns" "^blkhold: $disk: warning: open for writing by sleep\[$writer\]" "$out"
expect_eq "... and still succeeds" 0 $rc
kill $writer
release_all

# ---- bash completion ----
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _blkhold; echo "${COMPREPLY[*]}"' \
		- "$(dirname "$0")/../boot/bash-completion/blkhold" "$@"
}
expect_match "completion offers the commands" "hold.*metrics" "$(complete_words blkhold '')"
expect_eq "completion offers hold's options" "--name --reason --transient --help" \
	"$(complete_words blkhold hold --)"
expect_match "completion offers block devices" "(^| )$disk( |$)" "$(complete_words blkhold hold /dev/)"

# ---- module not loaded ----
rmmod blkhold
fails "without the module the CLI says how to load it" "not loaded.*modprobe blkhold" "$BLKHOLD" hold "$disk" --name x
fails "... for list too" "not loaded" "$BLKHOLD" list
run "$BLKHOLD" metrics
expect_match "... metrics says so in a metric" "^blkhold_up 0$" "$out $rc"
insmod "$BLKHOLD_KO"
ktap_finish
