#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# blkhold fingerprint: the root of a held disk, a partition and a dm volume
# equals RFC 6962's Merkle tree hash computed here by Python's hashlib,
# whatever the number of threads; --verify matches an unchanged volume and,
# after one byte changed while the hold was lifted, names its chunk and
# sector; a leaf file edited in the store is refused; bad input is refused
# with one line and nothing recorded.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd jq python3 sfdisk dmsetup veritysetup
a=$(virtio_disk a) || skip_all "virtio disk bh-virtio-a not attached"
b=$(virtio_disk b) || skip_all "virtio disk bh-virtio-b not attached"
modprobe dm_mod 2>/dev/null
export DM_DISABLE_UDEV=1

store=$(mktemp -d /tmp/fingerprint-store.XXXXXX)
export BLKHOLD_STATE_DIR=$store
cleanup() {
	release_all
	dmsetup remove --noudevsync bh-fp 2>/dev/null
	rm -rf "$store"
}
trap cleanup EXIT

# RFC 6962's tree over SHA-256(0x00 || chunk) leaves, written apart from the
# CLI's C: rfc6962_root FILE [CHUNK [START_SECTOR SECTORS]]
rfc6962_root() {
	python3 - "$1" "${2:-1048576}" "${3:-0}" "${4:--1}" <<'EOF'
import hashlib, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
chunk = int(sys.argv[2])
off = int(sys.argv[3]) * 512
left = int(sys.argv[4]) * 512 if int(sys.argv[4]) >= 0 else os.lseek(fd, 0, os.SEEK_END) - off
leaves = []
while left > 0:
    data = os.pread(fd, min(chunk, left), off)
    off += len(data)
    left -= len(data)
    leaves.append(hashlib.sha256(b"\x00" + data).digest())
def mth(d):
    if len(d) == 1:
        return d[0]
    k = 1
    while k * 2 < len(d):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()
print(mth(leaves).hex())
EOF
}

# flip_byte FILE OFFSET: the byte there becomes another one.
flip_byte() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
off = int(sys.argv[2])
b = os.pread(fd, 1, off)
os.pwrite(fd, bytes([b[0] ^ 0xff]), off)
os.fsync(fd)' "$1" "$2"
}

ledger_ops() {
	awk -v op="$1" '$3 == op' "$store/ledger" | wc -l
}

fill_random "$a"
"$BLKHOLD" hold "$a" --name fp-case >/dev/null
out=$("$BLKHOLD" fingerprint "$a" --name fp-case --json)
root=$(jq -r .root <<<"$out")
identity=$(jq -r .identity <<<"$out")
expect_eq "the root of a held disk is RFC 6962's over 1 MiB chunks" "$(rfc6962_root "$a")" "$root"
expect_eq "32 MiB in 32 chunks" "32 33554432" "$(jq -r '"\(.chunks) \(.bytes)"' <<<"$out")"
expect_eq "the ledger records the fingerprint" 1 "$(ledger_ops fingerprint)"
assert "the leaf file is in the store" test -s "$(jq -r .leaves_file <<<"$out")"
expect_eq "the ledger's entry carries the root and the leaf file's hash" 1 \
	"$(grep -c "root=$root%20leaves=$(jq -r .leaves_sha256 <<<"$out")" "$store/ledger")"

for threads in 1 8; do
	expect_eq "the same root from $threads thread(s)" "$root" \
		"$("$BLKHOLD" fingerprint "$a" --name fp-case --threads "$threads" --json | jq -r .root)"
done
expect_eq "a 64K chunk gives RFC 6962's root over 64K chunks" "$(rfc6962_root "$a" 65536)" \
	"$("$BLKHOLD" fingerprint "$a" --name fp-case --chunk 64K --json | jq -r .root)"
"$BLKHOLD" fingerprint "$a" --name fp-case >/dev/null

out=$("$BLKHOLD" fingerprint "$a" --name fp-case --verify --json)
expect_eq "--verify of the unchanged disk matches" "true 0" "$(jq -r '"\(.match) \(.differing)"' <<<"$out")"
expect_eq "the ledger records the check" 1 "$(ledger_ops verify)"

# A preservation certificate, checked with openssl alone; one byte changed and it is not.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$store/cert.key" -out "$store/cert.crt" \
	-days 2 -subj "/CN=blkhold selftest" >/dev/null 2>&1
cert="$store/case.json"
assert "blkhold certificate signs one" "$BLKHOLD" certificate "$a" --name fp-case \
	--sign "$store/cert.key" --cert "$store/cert.crt" --out "$cert"
cms_verify() {
	openssl cms -verify -binary -inform DER -in "$cert.p7s" -content "$cert" \
		-CAfile "$store/cert.crt" -purpose any -out /dev/null
}
assert "openssl cms -verify checks it, nothing of blkhold needed" cms_verify
expect_eq "it names the hold, the fingerprint's root and the check since" "fp-case $root 1" \
	"$(jq -r '"\(.hold.name) \(.fingerprint.root) \(.fingerprint.verifications | length)"' "$cert")"
expect_eq "and the medium: serial, identity, capacity" "bh-virtio-a $identity 65536" \
	"$(jq -r '"\(.medium.serial) \(.medium.identity) \(.medium.capacity_sectors)"' "$cert")"
flip_byte "$cert" 40
refute "a byte of it changed: it no longer verifies" cms_verify

# --format verity: a dm-verity tree stock veritysetup checks.
out=$("$BLKHOLD" fingerprint "$a" --name fp-case --format verity --out "$store/a.verity" --json)
vroot=$(jq -r .root <<<"$out")
assert "veritysetup verify checks the disk against the tree" \
	veritysetup verify "$a" "$store/a.verity" "$vroot"
expect_eq "the ledger records the tree's root" 1 "$(grep -c "root=$vroot%20tree=" "$store/ledger")"
assert "a certificate signed after it" "$BLKHOLD" certificate "$a" --name fp-case \
	--sign "$store/cert.key" --cert "$store/cert.crt" --out "$cert"
expect_eq "carries the tree's root and the hash file's hash" \
	"$vroot $(sha256sum <"$store/a.verity" | cut -d' ' -f1)" \
	"$(jq -r '"\(.verity.root) \(.verity.hash_file_sha256)"' "$cert")"
refute "--format verity without --out is refused" "$BLKHOLD" fingerprint "$a" --name fp-case --format verity

# One byte of chunk 5 (sectors 10240-12287), at 5 MiB + 4 KiB, changed while the hold is lifted.
"$BLKHOLD" release "$a" --name fp-case --reason "fingerprint test: change one byte" >/dev/null
flip_byte "$a" $((5 * 1048576 + 4096 + 17))
echo 1 >/proc/sys/vm/drop_caches
"$BLKHOLD" hold "$a" --name fp-case >/dev/null
out=$("$BLKHOLD" fingerprint "$a" --name fp-case --verify --json)
rc=$?
expect_eq "--verify after one byte changed fails" 1 "$rc"
expect_eq "it names chunk 5, sectors 10240-12287, one chunk" "false 5 10240 12287 1" \
	"$(jq -r '"\(.match) \(.first_differing_chunk) \(.first_differing_sector) \(.first_differing_last_sector) \(.differing)"' <<<"$out")"
msg=$("$BLKHOLD" fingerprint "$a" --name fp-case --verify 2>&1)
expect_match "the human line names the chunk and its sectors" "DIFFERS: chunk 5 \\(sectors 10240-12287 of the volume\\)" "$msg"
refute "veritysetup verify sees the change too" veritysetup verify "$a" "$store/a.verity" "$vroot"
assert "--chunks 0-4 (before the change) matches" "$BLKHOLD" fingerprint "$a" --name fp-case --verify --chunks 0-4
refute "--chunks 5 differs" "$BLKHOLD" fingerprint "$a" --name fp-case --verify --chunks 5
refute "--chunks past the end is refused" "$BLKHOLD" fingerprint "$a" --name fp-case --verify --chunks 3-32

# The leaf file edited in the store: the ledger no longer vouches for it.
leaves=$(ls "$store"/fingerprints/*.leaves)
flip_byte "$leaves" $(($(stat -c %s "$leaves") - 1))
msg=$("$BLKHOLD" fingerprint "$a" --name fp-case --verify 2>&1)
rc=$?
expect_eq "an edited leaf file fails --verify" 1 "$rc"
expect_match "and says the ledger does not record it" "not the leaf file the ledger records" "$msg"
verifies=$(ledger_ops verify)

# Bad input: one line, nothing recorded.
n=$(wc -l <"$store/ledger")
refute "no hold of that name: refused" "$BLKHOLD" fingerprint "$a" --name no-such-hold
refute "--chunk not a multiple of 4096: refused" "$BLKHOLD" fingerprint "$a" --name fp-case --chunk 1000
refute "--threads 0: refused" "$BLKHOLD" fingerprint "$a" --name fp-case --threads 0
refute "--chunks without --verify: refused" "$BLKHOLD" fingerprint "$a" --name fp-case --chunks 1-2
msg=$("$BLKHOLD" fingerprint "$a" --name fp-case --beneath 2>&1)
expect_match "--beneath of a disk's own hold: refused, saying why" "holds no ranges beneath" "$msg"
msg=$("$BLKHOLD" fingerprint "$a" --name no-such-hold 2>&1)
expect_eq "the refusal is one line" 1 "$(wc -l <<<"$msg")"
expect_eq "nothing of it reached the ledger" "$n" "$(wc -l <"$store/ledger")"
expect_eq "the failed checks added nothing either" "$verifies" "$(ledger_ops verify)"
"$BLKHOLD" release "$a" --name fp-case >/dev/null

# A partition, then a dm volume over part of it.
assert "a partition table on $b" sh -c "printf 'label: gpt\nstart=2048, size=40960\n' | sfdisk -q '$b'"
blockdev --rereadpt "$b" 2>/dev/null
assert "partition ${b}1 appears" wait_for test -b "${b}1"
fill_random "${b}1"
"$BLKHOLD" hold "${b}1" --name fp-part >/dev/null
out=$("$BLKHOLD" fingerprint "${b}1" --name fp-part --json)
expect_eq "the root of a held partition is RFC 6962's" "$(rfc6962_root "${b}1")" "$(jq -r .root <<<"$out")"
expect_eq "recorded with the partition's range" "2048 40960" "$(jq -r '"\(.start) \(.sectors)"' <<<"$out")"
"$BLKHOLD" release "${b}1" --name fp-part >/dev/null

dmsetup create --noudevsync bh-fp --table "0 16384 linear ${b}1 4096"
"$BLKHOLD" hold /dev/mapper/bh-fp --name fp-dm --transient >/dev/null
out=$("$BLKHOLD" fingerprint /dev/mapper/bh-fp --name fp-dm --json)
expect_eq "the root of a held dm volume is RFC 6962's over what its users read" \
	"$(rfc6962_root /dev/mapper/bh-fp)" "$(jq -r .root <<<"$out")"
assert "--verify of the dm volume matches" "$BLKHOLD" fingerprint /dev/mapper/bh-fp --name fp-dm --verify

# --beneath: the range on the disk itself, sectors 6144-22527 of $b.
out=$("$BLKHOLD" fingerprint /dev/mapper/bh-fp --name fp-dm --beneath --json)
expect_eq "--beneath fingerprints the one range beneath, keyed by the disk" \
	"/dev/${b#/dev/} 6144 16384 $("$BLKHOLD" status "$b" --json | jq -r .identity)" \
	"$(jq -r '.beneath[] | "\(.device) \(.start) \(.sectors) \(.identity)"' <<<"$out")"
expect_eq "its root is RFC 6962's over those sectors of the disk" \
	"$(rfc6962_root "$b" 1048576 6144 16384)" "$(jq -r '.beneath[0].root' <<<"$out")"
out=$("$BLKHOLD" fingerprint /dev/mapper/bh-fp --name fp-dm --beneath --verify --json)
expect_eq "--beneath --verify matches" "true" "$(jq -r '.beneath[0].match' <<<"$out")"
expect_match "and says which range of the disk it read" "^/dev/${b#/dev/} sectors 6144-22527: fingerprint of hold 'fp-dm' verified" \
	"$("$BLKHOLD" fingerprint /dev/mapper/bh-fp --name fp-dm --beneath --verify)"

ktap_finish
