#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Holds with custodians: placed with their certificates, released only
# with the order the kernel makes, signed by one of them (openssl cms
# -noattr), checked in the kernel. A stranger's signature, an older order,
# another hold's order, a replay on a new hold of the same name, signed
# attributes, garbage and a truncated order are refused with the reason,
# and the hold stays. Keys and certificates are made here.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd openssl jq

store=$(mktemp -d /tmp/custody-store.XXXXXX)
keys=$(mktemp -d /tmp/custody-keys.XXXXXX)
export BLKHOLD_STATE_DIR=$store
disk=$(virtio_disk a) || skip_all "no virtio test disk"
nvme=$(nvme_disk a) || skip_all "no NVMe test disk"

# sign WHO TEXT OUT [OPENSSL-OPTION...]: WHO's detached signature of TEXT.
sign() {
	local who=$1 text=$2 out=$3
	shift 3
	openssl cms -sign -binary -in "$text" -signer "$keys/$who.pem" \
		-inkey "$keys/$who.key" -outform DER -out "$out" "$@"
}

# release_signed DEVICE NAME WHO: ask for the order, have WHO sign it, release.
release_signed() {
	"$BLKHOLD" release-order "$1" --name "$2" --out "$keys/order.txt" &&
		sign "$3" "$keys/order.txt" "$keys/order.p7s" -noattr &&
		"$BLKHOLD" release "$1" --name "$2" --order "$keys/order.p7s"
}

cleanup() {
	release_signed "$disk" CASE-7 alice >/dev/null 2>&1
	release_signed "$nvme" CASE-9 alice >/dev/null 2>&1
	release_all
	rm -rf "$store" "$keys"
}
trap cleanup EXIT

for who in alice bob mallory; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$keys/$who.key" \
		-out "$keys/$who.pem" -days 30 -subj "/CN=$who" 2>/dev/null ||
		skip_all "openssl cannot make an RSA certificate"
done

holds_of() { "$BLKHOLD" status "$1" --json | jq -r '[.holds[].name] | join(",")'; }

# ---- placing ----
out=$("$BLKHOLD" hold "$disk" --name CASE-7 --release-cert "$keys/alice.key" 2>&1)
expect_eq "a key given as a certificate is refused" 1 $?
expect_match "... saying so" "release-cert is not an X.509 certificate" "$out"
expect_eq "... and nothing is held" "" "$(holds_of "$disk")"

fill_random "$disk"
before=$(sha256_direct "$disk")
assert "a stored hold with two custodians is placed" "$BLKHOLD" hold "$disk" --name CASE-7 \
	--reason "custody test" --release-cert "$keys/alice.pem" --release-cert "$keys/bob.pem"
expect_eq "status shows its two custodians" 2 \
	"$("$BLKHOLD" status "$disk" --json | jq '.holds[0].custodians')"
expect_match "the ledger names their certificates" " custody=[0-9a-f]{32}:[0-9a-f]{64},[0-9a-f]{64} " \
	"$(grep ' CASE-7 ' "$store/ledger")"
expect_eq "and keeps both" 2 "$(ls "$store/certs" | wc -l)"
if [ -r /proc/keys ]; then
	expect_eq "the hold's keyring is not visible to root" 0 \
		"$(grep -c blkhold_custody /proc/keys)"
fi

# ---- refused releases ----
out=$("$BLKHOLD" release "$disk" --name CASE-7 2>&1)
expect_eq "a release without an order is refused" 1 $?
expect_match "... naming why" "needs an order one of them signed" "$out"
expect_eq "... and the hold stays" CASE-7 "$(holds_of "$disk")"

out=$("$BLKHOLD" release-order "$disk" --name CASE-7 --out "$keys/first.txt" 2>&1)
expect_eq "release-order writes the order" 0 $?
text=$(cat "$keys/first.txt")
expect_match "it is the kernel's order for this hold" \
	"^blkhold-release-order v1.*hold CASE-7.*hold-id [0-9a-f]{32}.*nonce [0-9a-f]{64}" \
	"$(tr '\n' ' ' <<<"$text")"
expect_eq "naming both custodians' certificates" 2 "$(grep -c '^custodian ' <<<"$text")"

sign mallory "$keys/first.txt" "$keys/mallory.p7s" -noattr
out=$("$BLKHOLD" release "$disk" --name CASE-7 --order "$keys/mallory.p7s" 2>&1)
expect_eq "an order signed by a stranger is refused" 1 $?
expect_match "... as not a custodian's" "not signed by a custodian of this hold" "$out"

sed 's/^hold CASE-7$/hold CASE-8/' "$keys/first.txt" >"$keys/other.txt"
sign alice "$keys/other.txt" "$keys/other.p7s" -noattr
out=$("$BLKHOLD" release "$disk" --name CASE-7 --order "$keys/other.p7s" 2>&1)
expect_eq "a custodian's order for another hold is refused" 1 $?
expect_match "... as not over this hold's order" "not over this hold's current order" "$out"

sign alice "$keys/first.txt" "$keys/attrs.p7s"
out=$("$BLKHOLD" release "$disk" --name CASE-7 --order "$keys/attrs.p7s" 2>&1)
expect_eq "an order with signed attributes (openssl's default) is refused" 1 $?

head -c 600 /dev/urandom >"$keys/garbage.p7s"
out=$("$BLKHOLD" release "$disk" --name CASE-7 --order "$keys/garbage.p7s" 2>&1)
expect_eq "garbage as an order is refused" 1 $?
expect_match "... as not PKCS#7" "not a detached PKCS#7 signature" "$out"

sign alice "$keys/first.txt" "$keys/first.p7s" -noattr
head -c 300 "$keys/first.p7s" >"$keys/short.p7s"
out=$("$BLKHOLD" release "$disk" --name CASE-7 --order "$keys/short.p7s" 2>&1)
expect_eq "a truncated order is refused" 1 $?

assert "a second order is made" "$BLKHOLD" release-order "$disk" --name CASE-7 \
	--out "$keys/second.txt"
out=$("$BLKHOLD" release "$disk" --name CASE-7 --order "$keys/first.p7s" 2>&1)
expect_eq "the first order, signed by a custodian, no longer releases" 1 $?
expect_eq "through all of that the hold stays" CASE-7 "$(holds_of "$disk")"
refute "and a write is refused" dd if=/dev/zero of="$disk" bs=4096 count=1 oflag=direct status=none
expect_eq "the disk is unchanged" "$before" "$(sha256_direct "$disk")"

# ---- the custodian's order ----
sign bob "$keys/second.txt" "$keys/second.p7s" -noattr
assert "the last order, signed by the other custodian, releases the hold" \
	"$BLKHOLD" release "$disk" --name CASE-7 --order "$keys/second.p7s"
expect_eq "the volume has no hold left" "" "$(holds_of "$disk")"
expect_match "the ledger's release names the order" \
	" order=$(sha256sum <"$keys/second.p7s" | cut -d' ' -f1) " "$(tail -n 1 "$store/ledger")"
expect_eq "and the order is kept" 1 "$(ls "$store/orders" | wc -l)"

assert "the same hold is placed again" "$BLKHOLD" hold "$disk" --name CASE-7 \
	--release-cert "$keys/alice.pem"
"$BLKHOLD" release-order "$disk" --name CASE-7 >/dev/null
out=$("$BLKHOLD" release "$disk" --name CASE-7 --order "$keys/second.p7s" 2>&1)
expect_eq "the order that released it before is refused for the new one" 1 $?
assert "a new order signed by its custodian releases it" release_signed "$disk" CASE-7 alice

# ---- a transient hold ----
assert "a transient hold with a custodian is placed on $nvme" "$BLKHOLD" hold "$nvme" \
	--name CASE-9 --transient --release-cert "$keys/alice.pem"
refute "it is not released without an order" "$BLKHOLD" release "$nvme" --name CASE-9
assert "it is released on its custodian's order" release_signed "$nvme" CASE-9 alice
out=$("$BLKHOLD" release-order "$nvme" --name CASE-9 2>&1)
expect_eq "release-order for a hold that is gone fails" 1 $?

# ---- no custodians ----
assert "a hold without custodians" "$BLKHOLD" hold "$disk" --name PLAIN --transient
out=$("$BLKHOLD" release-order "$disk" --name PLAIN 2>&1)
expect_eq "has no release order" 1 $?
expect_match "... saying it needs none" "has no custodians" "$out"
assert "and is released as before" "$BLKHOLD" release "$disk" --name PLAIN

ktap_finish
