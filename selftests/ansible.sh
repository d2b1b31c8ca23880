#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Ansible collection (ansible/), built as ansible-galaxy builds it and
# run with Debian's ansible against this VM's disks: the case playbook
# places its hold on two disks (one named by path, one by identity), check
# mode reports without acting, the fleet report has each volume with its
# identity, holds and refusals, and release works. The hold module is run
# once more by itself for what needs no whole play (each play costs a
# minute of TCG time): a hold or release already in place changes nothing,
# and a failure carries blkhold's message. (The install role needs no VM:
# vm/ansible-role.sh tests it on the host.)
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ansible-playbook ansible-galaxy ansible jq

project=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^version: //p' "$project/ansible/galaxy.yml")
tarball=$project/build/blkhold-holds-$version.tar.gz
work=$(mktemp -d /tmp/ansible.XXXXXX)
a=$(virtio_disk a) || skip_all "no virtio test disk"
b=$(nvme_disk a) || skip_all "no NVMe test disk"
twin=$(virtio_disk b) || skip_all "no virtio twin disk"

cleanup() {
	release_all
	rm -rf "$work"
}
trap cleanup EXIT

[ -f "$tarball" ] || { not_ok "collection built (make check builds $tarball)"; ktap_finish; }
# Ansible refuses to run without a UTF-8 locale.
export LC_ALL=C.UTF-8
export ANSIBLE_COLLECTIONS_PATH=$work/collections ANSIBLE_LOCAL_TEMP=$work/tmp \
	ANSIBLE_HOME=$work/home ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_PIPELINING=1
assert "ansible-galaxy installs the built collection" \
	ansible-galaxy collection install "$tarball" -p "$ANSIBLE_COLLECTIONS_PATH"
[ "$ktap_failed" = 0 ] || ktap_finish

id_b=$("$BLKHOLD" status "$b" --json | jq -r .identity)
expect_ne "status --json shows the NVMe disk's identity" "" "$id_b"
cat >"$work/inventory.yml" <<EOI
storage:
  hosts:
    localhost:
      ansible_connection: local
      ansible_become: false
      blkhold_state_dir: $BLKHOLD_STATE_DIR
      blkhold_disks: [$a, "$id_b"]
EOI

# play DESCRIPTION ARGS...: the case playbook must succeed; its output is
# left in $out.
play() {
	local what=$1; shift
	if out=$(ansible-playbook -i "$work/inventory.yml" blkhold.holds.case_hold \
		-e "report_dir=$work/report" "$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what"
		printf '%s\n' "$out" | tail -n 25 | sed 's/^/#   /'
	fi
}

# run_module MODULE ARG=VALUE...: run one of the collection's modules by
# itself, as Ansible runs it on a host (the arguments in a JSON file); its
# JSON result is left in $out, and its status returned.
run_module() {
	local module=$1 kv
	shift
	kv=$(printf '%s\n' "$@" | jq -R 'select(length > 0) | split("=") | {(.[0]): (.[1:] | join("="))}' |
		jq -s 'add // {}')
	jq -n --argjson a "$kv" --arg dir "$BLKHOLD_STATE_DIR" \
		'{ANSIBLE_MODULE_ARGS: ($a + {state_dir: $dir})}' >"$work/args.json"
	out=$(PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH python3 \
		"$ANSIBLE_COLLECTIONS_PATH/ansible_collections/blkhold/holds/plugins/modules/$module.py" \
		"$work/args.json" 2>&1)
}

# The hold task's items that changed in the last run (the report may
# change between runs: its refusal counts do).
held_changes() {
	printf '%s\n' "$out" | grep '^changed: \[localhost\] => (item='
}

fill_random "$a"
sum_a=$(sha256_direct "$a")
play "the playbook places the case's hold" -e case=CASE-7 -e "reason=ansible test"
expect_eq "and reports both disks changed" 2 "$(held_changes | wc -l)"
for d in "$a" "$b"; do
	expect_eq "$d carries the hold CASE-7" CASE-7 \
		"$("$BLKHOLD" status "$d" --json | jq -r '.holds[].name')"
done
refute "a write to $a is refused" dd if=/dev/zero of="$a" bs=4096 count=1 oflag=direct status=none
expect_eq "$a is unchanged" "$sum_a" "$(sha256_direct "$a")"
assert "the unheld twin $twin stays writable" dd if=/dev/zero of="$twin" bs=4096 count=1 \
	oflag=direct status=none

run_module blkhold_hold device="$b" name=CASE-7 "reason=ansible test"
expect_eq "the hold module holds $b again" 0 "$?"
expect_eq "the hold module again on $b: no change" "false" "$(jq -r .changed <<<"$out")"

json=$work/report/fleet.json
expect_eq "the JSON report has both volumes" 2 "$(jq length "$json" 2>/dev/null)"
expect_eq "with the host, holds and identity of $b" "localhost CASE-7 $id_b" \
	"$(jq -r --arg v "$b" '.[] | select(.volume == $v) | "\(.host) \(.holds | join(";")) \(.identity)"' "$json")"
expect_eq "with no refusal yet on $a" 0 \
	"$(jq -r --arg v "$a" '.[] | select(.volume == $v) | .refusals' "$json")"
run_module blkhold_facts
expect_eq "the facts module then counts the refused write on $a" 1 \
	"$(jq -r --arg v "$a" '.ansible_facts.blkhold_summary[] | select(.volume == $v) | .refusals' <<<"$out")"
expect_eq "the CSV report has a header and two rows" 3 "$(wc -l <"$work/report/fleet.csv")"
expect_match "the CSV row of $b" "^\"localhost\",\"$b\",\"$id_b\",\"CASE-7\",\"0\"$" \
	"$(cat "$work/report/fleet.csv")"

play "check mode runs for another case" -e case=CASE-8 --check --diff
expect_eq "and reports both disks would change" 2 "$(held_changes | wc -l)"
expect_match "with a diff" "\+.*CASE-8" "$out"
expect_eq "but places nothing" "CASE-7" \
	"$("$BLKHOLD" status "$a" --json | jq -r '[.holds[].name] | join(",")')"

run_module blkhold_hold device="$twin" name="$(printf 'x%.0s' $(seq 1 300))"
expect_eq "the hold module fails on a name too long" 1 "$?"
expect_match "with blkhold's own message" "hold name must be 1-" "$(jq -r .msg <<<"$out")"

play "the playbook releases the case" -e case=CASE-7 -e case_state=absent
expect_eq "and reports both disks changed" 2 "$(held_changes | wc -l)"
expect_eq "no hold is left" 0 "$("$BLKHOLD" list --json | jq '.volumes | length')"
expect_eq "the report then lists no volume" 0 "$(jq length "$json" 2>/dev/null)"
run_module blkhold_hold device="$a" name=CASE-7 state=absent
expect_eq "the hold module releases again" 0 "$?"
expect_eq "and changes nothing" "false" "$(jq -r .changed <<<"$out")"
assert "$a is writable again" dd if=/dev/zero of="$a" bs=4096 count=1 oflag=direct status=none

retain_of() { "$BLKHOLD" status "$a" --json | jq -r '.holds[] | "\(.retain_until) \(.retain_mode)"'; }
until=$(( $(cat /sys/module/blkhold/parameters/retention_clock) + 86400 ))
run_module blkhold_hold device="$a" name=CASE-R retain_until="@$until" retain_mode=governance
expect_eq "the hold module places a hold with a retention date" "true $until governance" \
	"$(jq -r .changed <<<"$out") $(retain_of)"
run_module blkhold_hold device="$a" name=CASE-R retain_until="@$until" retain_mode=governance
expect_eq "the same date again changes nothing" false "$(jq -r .changed <<<"$out")"
run_module blkhold_hold device="$a" name=CASE-R retain_until="@$((until + 60))" retain_mode=governance
expect_eq "a later date extends it" "true $((until + 60)) governance" \
	"$(jq -r .changed <<<"$out") $(retain_of)"
run_module blkhold_hold device="$a" name=CASE-R state=absent
expect_eq "release before the date fails" 1 "$?"
expect_match "with blkhold's own message" "governance mode" "$(jq -r .msg <<<"$out")"
run_module blkhold_hold device="$a" name=CASE-R state=absent override=true "reason=counsel approved"
expect_eq "override with a reason releases it" "true" "$(jq -r .changed <<<"$out")"

ktap_finish
