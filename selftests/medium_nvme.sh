#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hold on an NVMe namespace holds the medium across its subsystem and
# across a re-plug: Format NVM, Sanitize and namespace attachment are
# refused through every controller of the subsystem, also one that does
# not reach the namespace itself; a user's queue and host memory setup is
# refused on the held controller; after a PCI remove and rescan, admin
# commands through the new controller node are refused from the moment
# it opens, and the PCI function cannot be given to another driver.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd nvme jq
held=$(nvme_mpath_disk c) ||
	skip_all "the NVMe subsystem bh-mpath has no namespace 3 of its first controller"
ctrls=$(nvme_mpath_ctrls)
[ "$(echo $ctrls | wc -w)" = 2 ] || skip_all "the NVMe subsystem bh-mpath has not two controllers"
single=$(nvme_disk a) && other=$(nvme_disk b) || skip_all "NVMe controllers bh-nvme-a and -b not attached"
copies=$(mktemp -d)
pci=
cleanup() {
	if [ -n "$pci" ] && [ ! -e "/sys/bus/pci/devices/$pci/driver" ]; then
		echo >"/sys/bus/pci/devices/$pci/driver_override"
		echo "$pci" >/sys/bus/pci/drivers/nvme/bind 2>/dev/null
	fi
	release_all
	rm -rf "$copies"
}
trap cleanup EXIT
ctrl_of() { local c=${1#/dev/}; echo "/dev/${c%n*}"; }
protected() { local out; out=$("$@" 2>&1); [ $? != 0 ] && grep -q "Write Protected" <<<"$out"; }

diag "namespace 3 of the first controller: $held; controllers" $ctrls
fill_random "$held"
copy_direct "$held" "$copies/held"
assert "hold placed on $held" hold "$held" subsys-test
for c in $ctrls; do
	cntlid=$(cat "/sys/class/nvme/$c/cntlid")
	assert "Format NVM of every namespace through $c is refused" \
		protected nvme admin-passthru "/dev/$c" --opcode=0x80 --namespace-id=0xffffffff --cdw10=0
	assert "Sanitize through $c is refused" protected nvme sanitize "/dev/$c" -a 2
	assert "attaching namespace 3 through $c is refused" \
		protected nvme attach-ns "/dev/$c" --namespace-id=3 --controllers="$cntlid"
	assert "detaching it through $c is refused" \
		protected nvme detach-ns "/dev/$c" --namespace-id=3 --controllers="$cntlid"
done
# The controller whose path disk namespace 3 is.
for c in $ctrls; do
	for d in /sys/class/nvme/$c/nvme*c*n*; do
		[ "$(cat "$d/nsid" 2>/dev/null)" = 3 ] && first=/dev/$c
	done
done
diag "the held namespace's own controller node: $first"
assert "a user's Create I/O Submission Queue is refused there" \
	protected nvme admin-passthru "$first" --opcode=0x01 --cdw10=0x003f0009 --cdw11=0x00010001
assert "a user's vendor-specific feature is refused" \
	protected nvme set-feature "$first" --feature-id=0xc0 --value=1
assert "a user's temperature threshold feature passes" \
	nvme set-feature "$first" --feature-id=0x04 --value=0x157
assert "Format NVM on another subsystem still works" \
	nvme admin-passthru "$(ctrl_of "$other")" --opcode=0x80 --namespace-id=1 --cdw10=0
out=$(same_direct "$held" "$copies/held")
expect_eq "the held namespace is unchanged" "" "$out"
assert "release" release "$held" subsys-test

# ---- a re-plug: the controller node is held before its namespace is back ----
fill_random "$single"
copy_direct "$single" "$copies/single"
assert "hold placed on $single" hold "$single" replug-test
c=$(ctrl_of "$single")
pci=$(basename "$(readlink -f "/sys/class/nvme/${c#/dev/}/device")")
echo 1 >"/sys/bus/pci/devices/$pci/remove"
echo 1 >/sys/bus/pci/rescan
# Hammer the new controller node with Format NVM from the first moment it
# can be opened: every attempt must be refused.
first_try() {
	local s out
	for s in /sys/class/nvme/nvme*; do
		[ "$(tr -d ' ' <"$s/serial" 2>/dev/null)" = bh-nvme-a ] || continue
		out=$(nvme admin-passthru "/dev/${s##*/}" --opcode=0x80 --namespace-id=1 --cdw10=0 2>&1)
		case $out in
		*"Write Protected"*) echo refused; return 0 ;;
		*"NVMe status"* | *Success*) echo "passed: $out"; return 0 ;;
		esac
	done
	return 1
}
out=$(wait_for first_try)
expect_eq "Format NVM through the re-plugged controller is refused at once" refused "$out"
assert "the namespace comes back" wait_for nvme_disk a
single=$(nvme_disk a)
out=$(same_direct "$single" "$copies/single")
expect_eq "the re-plugged namespace is unchanged" "" "$out"
assert "it is held again" "$BLKHOLD" status "$single"

# ---- another driver for the PCI function ----
modprobe pci-stub
echo pci-stub >"/sys/bus/pci/devices/$pci/driver_override"
echo "$pci" >/sys/bus/pci/drivers/nvme/unbind
echo "$pci" >/sys/bus/pci/drivers_probe 2>/dev/null
refute "pci-stub does not get the held medium's PCI function" \
	test -e "/sys/bus/pci/devices/$pci/driver"
expect_match "the attempt is logged" "binding the PCI function of a held medium" "$(dmesg | grep blkhold)"
echo >"/sys/bus/pci/devices/$pci/driver_override"
assert "its own driver may bind it again" sh -c "echo $pci >/sys/bus/pci/drivers/nvme/bind"
assert "the namespace comes back" wait_for nvme_disk a
single=$(nvme_disk a)
assert "... held" "$BLKHOLD" status "$single"
out=$(same_direct "$single" "$copies/single")
expect_eq "... and unchanged" "" "$out"
assert "release" release "$single" replug-test
ktap_finish
