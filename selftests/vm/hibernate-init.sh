#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of hibernate.sh's boot: an image of this moment is made, then a
# hold placed; restoring the image, which would bring back memory without
# the hold, must be refused. KTAP on ttyS1.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmpfs /tmp
exec >/dev/ttyS1 2>&1
n=0 failed=0
report() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}
for ko in /modules/*.ko; do insmod "$ko"; done
for _ in $(seq 100); do [ -b /dev/vda ] && break; sleep 0.1; done
echo "TAP version 13"
out=$(blkhold_sys snapshot-save /tmp/image)
case $out in
restored)
	# only reached if the restore below was not refused
	report 1 "restoring a hibernation image made before a hold is refused"
	echo "1..$n"
	printf "\n# blkhold-vm: exit 1\n"
	poweroff -f ;;
ok) report 0 "a hibernation image is made (no hold yet)" ;;
*) echo "1..0 # SKIP this kernel cannot make a hibernation image here: $out"
   printf "\n# blkhold-vm: exit 0\n"
   poweroff -f ;;
esac
blkhold hold /dev/vda --name hibernate-test --transient >/dev/null
report $? "a hold is placed"
out=$(blkhold_sys snapshot-restore /tmp/image)
[ "$out" = EPERM ]
report $? "restoring the image made before the hold is refused (got: $out)"
blkhold status /dev/vda >/dev/null
report $? "the hold is still in force"
dmesg | grep -q "refused restoring a hibernation image" || dmesg | tail -n 20 | sed "s/^/# /"; dmesg | grep -q "refused restoring a hibernation image"
report $? "the attempt is logged"
dd if=/dev/zero of=/dev/vda bs=4096 count=1 2>/dev/null
[ $? != 0 ]
report $? "the held disk still refuses writes"
echo "1..$n"
printf "\n# blkhold-vm: exit %d\n" $failed
poweroff -f
