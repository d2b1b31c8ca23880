#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check": install what is missing, build the CLI and the selftests,
# build the module for every supported kernel (warnings are errors), boot
# each kernel in a VM, run the selftests there, print each kernel's KTAP
# and summary and a final "N passed, N failed, N skipped" line.
#
# Environment: BLKHOLD_KERNELS (releases to test), BLKHOLD_TESTS (test
# programs to run; a "|" between them starts another group, which each
# kernel runs in a VM of its own beside the first: a fresh boot, and
# build/vm/RELEASE.vmN), BLKHOLD_ACCEL (tcg, kvm, auto), BLKHOLD_NO_INSTALL=1,
# BLKHOLD_TIMEOUT_FACTOR (multiplies every test's timeout and the VM's, 7200 s, on a
# slow host; a busy host is measured: guest-run.sh, run-vm.sh), BLKHOLD_VM_TIMEOUT (the
# VM's, in seconds), BLKHOLD_VM_MEM (MiB), BLKHOLD_STEP_TIMES=1 (each
# result's time in the KTAP log).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
cd "$project" || exit 1

die() { echo "check: $*" >&2; exit 1; }

if [ -z "${BLKHOLD_NO_INSTALL:-}" ]; then
	"$here/install-deps.sh" || die "installing dependencies failed"
fi
# The other Debian releases' kernels, in build roots of their own (cached).
if [ -z "${BLKHOLD_KERNELS:-}" ]; then
	"$here/kernel-store.sh" fetch || die "fetching Debian 13's kernels (and sid's, if asked) failed"
fi
mapfile -t kernels < <("$here/kernels.sh")
[ ${#kernels[@]} -gt 0 ] || die "no supported kernel installed (6.1 or 6.12 with headers)"

# The kselftest harness and checkpatch come from Debian's kernel source,
# never from copies of ours.
ksft=$project/build/kselftest
lint=$project/build/checkpatch
if [ ! -f "$ksft/kselftest_harness.h" ] || [ ! -f "$lint/checkpatch.pl" ]; then
	src=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$src" ] || die "no /usr/src/linux-source-*.tar.xz (install linux-source-6.1)"
	mkdir -p "$ksft" "$lint"
	tar -xJf "$src" -C "$ksft" --strip-components=4 --wildcards \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h' ||
		die "cannot extract the kselftest harness from $src"
	tar -xJf "$src" -C "$lint" --strip-components=2 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' ||
		die "cannot extract checkpatch.pl from $src"
fi
# An in-tree "make" leaves kbuild's generated blkhold.mod.c beside ours.
mapfile -t sources < <(ls module/*.[ch] | grep -v '\.mod\.c$')
"$lint/checkpatch.pl" --strict --no-tree --terse -q -f "${sources[@]}" \
	include/uapi/linux/blkhold.h || die "checkpatch.pl --strict found problems"

make -s -C userspace || die "building the CLI failed"
make -s -C userspace test || die "the CLI's unit tests failed"
"$here/check-layers.sh" || die "a file uses a layer above it or a circle of calls (check-layers.sh says which)"
"$here/ynl-check.sh" || die "the netlink spec and the uapi header disagree"
# The boot files, with the CLI they name built.
for unit in boot/systemd/*.service boot/systemd/*.timer; do
	sed "s|@SBINDIR@|$project/userspace|g" "$unit" >"build/${unit##*/}"
	systemd-analyze verify --man=no "build/${unit##*/}" ||
		die "systemd-analyze verify found problems in $unit"
done
sh -n boot/initramfs-tools/hooks/blkhold boot/initramfs-tools/scripts/init-top/00blkhold ||
	die "a boot script does not parse"
make -s -C selftests all || die "building the selftests failed"
# What package.sh installs and ansible.sh runs in the VMs.
"$project/scripts/make-deb.sh" >/dev/null || die "building the Debian packages failed"
ansible-galaxy collection build ansible --output-path build --force >/dev/null ||
	die "ansible-galaxy cannot build the collection in ansible/"
"$here/ansible-syntax.sh" || die "the Ansible collection's playbook or role does not parse"
# The example alert rules (cli.sh checks the metrics themselves).
promtool=$project/build/prometheus/usr/bin/promtool
if [ -x "$promtool" ]; then
	"$promtool" check rules Documentation/prometheus/blkhold-rules.yml >/dev/null ||
		die "promtool check rules found problems in Documentation/prometheus/blkhold-rules.yml"
else
	echo "check: no promtool (install-deps.sh unpacks it): the example alert rules are not checked" >&2
fi

# Two at a time: each build is one compiler at a time, the host has two cores.
printf '%s\n' "${kernels[@]}" | xargs -P 2 -n 1 "$here/build-module.sh" ||
	die "building the module failed for a kernel (its build-module line above says which)"

# Where group G's VM of kernel K writes: build/vm/K for the first group.
vm_out() {
	if [ "$2" = 0 ]; then echo "$project/build/vm/$1"; else echo "$project/build/vm/$1.vm$(($2 + 1))"; fi
}

# boot_test NUMBER SCRIPT RELEASE: a test that boots VMs of its own, as
# one more test program of the KTAP log.
boot_test() {
	echo "# selftests: blkhold: $2"
	"$here/$2" "$3" 2>&1 | sed 's/^/# /'
	if [ "${PIPESTATUS[0]}" = 0 ]; then
		echo "ok $1 selftests: blkhold: $2"
	else
		echo "not ok $1 selftests: blkhold: $2"
	fi
}

# One VM's run: its test programs, then, for a kernel's first group, the
# tests that boot VMs of their own (each counts as one more test program):
# the boot path (two boots, Debian's initramfs in the second), a
# hibernation image restore, the re-provisioning run (a host boot and a
# provider's wipe image booted four times), the proof across a reboot (a
# fingerprint and the audit trail, the disk changed while the guest was
# down), the packages. Output goes to
# OUT/ktap.log, the VM's status to OUT/vm.status.
run_kernel() {
	local k=$1 tests=$2 out=$3 boot_tests=$4 t i=100
	# Each test has its own timeout, counted in an idle host's time
	# (guest-run.sh); this one only catches a hung guest: two hours of an
	# idle host's time too (run-vm.sh), over three times the suite's.
	local vm_timeout=${BLKHOLD_VM_TIMEOUT:-$((7200 * ${BLKHOLD_TIMEOUT_FACTOR:-1}))}
	mkdir -p "$out"
	if [ -n "$tests" ]; then
		BLKHOLD_TESTS=$tests "$here/run-vm.sh" --kernel "$k" --script "$here/guest-run.sh" \
			--out "$out" --timeout "$vm_timeout" \
			${BLKHOLD_VM_MEM:+--mem $BLKHOLD_VM_MEM} \
			${BLKHOLD_TIMEOUT_FACTOR:+--env BLKHOLD_TIMEOUT_FACTOR=$BLKHOLD_TIMEOUT_FACTOR} \
			${BLKHOLD_STEP_TIMES:+--env BLKHOLD_STEP_TIMES=1} \
			>"$out/run-vm.log" 2>&1
		echo $? >"$out/vm.status"
	else
		echo "TAP version 13" >"$out/ktap.log"
		: >"$out/run-vm.log"
		echo 0 >"$out/vm.status"
	fi
	[ -n "$boot_tests" ] && echo "--- ${out##*/}: test programs done, booting for $boot_tests"
	for t in $boot_tests; do
		boot_test $i "$t" "$k" >>"$out/ktap.log"
		i=$((i + 1))
	done
	echo "--- ${out##*/}: done"
}

# Which kernel runs what. The whole suite runs on the oldest and the
# newest kernel, and the enforcement core (selftests/Makefile's
# CORE_PROGS: the wipe tools against held disks of each transport,
# passthrough, persistence, with the boot path) on every other. Each
# kernel's build root, or this host, that has a second kernel gets the
# package test on its core kernel (DKMS builds for both). The Ansible
# collection's test needs no particular kernel: the first core kernel's VM,
# which has the time, takes it. BLKHOLD_TESTS replaces all this: the same
# programs on every kernel ("|" starts another VM), and of the tests that
# boot VMs of their own, those it names.
boot_programs="boot-path.sh hibernate.sh reprovision.sh proof-reboot.sh package.sh"
all_progs=$(make -s --no-print-directory -C selftests list_tests)
core_progs=$(make -s --no-print-directory -C selftests list_core_tests)
is_full() {	# the oldest or the newest kernel
	[ "$1" = "${kernels[0]}" ] || [ "$1" = "${kernels[${#kernels[@]} - 1]}" ]
}
first_core=
for k in "${kernels[@]}"; do
	is_full "$k" || { first_core=$k; break; }
done
[ -n "$first_core" ] || first_core=${kernels[0]}

has_second_kernel() {	# does K's build root (or this host) carry another kernel?
	local root
	root=$("$here/kernel-store.sh" root "$1") || return 1
	[ "$(ls "${root:-}"/lib/modules/*/build/Makefile 2>/dev/null | wc -l)" -gt 1 ]
}

groups=()
named_boot=
if [ -n "${BLKHOLD_TESTS:-}" ]; then
	group=
	for t in $BLKHOLD_TESTS; do
		case $t in
		"|") groups+=("$group") group= ;;
		ironic.sh | ansible-role.sh) ;;
		*) if [[ " $boot_programs " == *" $t "* ]]; then named_boot+="$t "; else group+="$t "; fi ;;
		esac
	done
	groups+=("$group")
fi

tests_for() {	# tests_for KERNEL GROUP: the programs of that VM
	local t out=
	if [ -n "${BLKHOLD_TESTS:-}" ]; then
		echo "${groups[$2]}"
		return
	fi
	if is_full "$1"; then
		for t in $all_progs; do
			[ "$t" = ansible.sh ] && [ "$1" != "$first_core" ] && continue
			out+="$t "
		done
	else
		out="$core_progs"
		[ "$1" = "$first_core" ] && out+=" ansible.sh"
	fi
	echo "$out"
}

boot_tests_for() {	# boot_tests_for KERNEL: the tests that boot VMs of their own
	if [ -n "${BLKHOLD_TESTS:-}" ]; then
		echo "$named_boot"
	elif is_full "$1"; then
		echo "boot-path.sh hibernate.sh reprovision.sh proof-reboot.sh"
	elif has_second_kernel "$1"; then
		echo "boot-path.sh package.sh"
	else
		echo "boot-path.sh"
	fi
}
[ ${#groups[@]} -gt 0 ] || groups=("")

# Tests that need no VM run on this host, beside the VMs: the
# provisioning system told (a real Ironic in a network namespace of its
# own) and the Ansible install role (in an overlay of this root).
host_ktap=$project/build/host.ktap
host_tests=
for t in ironic.sh ansible-role.sh; do
	[ -z "${BLKHOLD_TESTS:-}" ] || [[ " $BLKHOLD_TESTS " == *" $t "* ]] && host_tests+="$t "
done
rm -f "$host_ktap"
if [ -n "$host_tests" ]; then
	{
		echo "TAP version 13"
		i=0
		for t in $host_tests; do
			i=$((i + 1))
			echo "# selftests: blkhold: $t"
			"$here/$t" 2>&1 | sed 's/^/# /'
			case ${PIPESTATUS[0]} in
			0) echo "ok $i selftests: blkhold: $t" ;;
			4) echo "ok $i selftests: blkhold: $t # SKIP" ;;
			*) echo "not ok $i selftests: blkhold: $t" ;;
			esac
		done
	} >"$host_ktap" &
fi

# The kernels side by side: each VM is one host thread (single-threaded
# TCG), so two kernels take about as long as one on a two-core host.
for k in "${kernels[@]}"; do
	for g in "${!groups[@]}"; do
		out=$(vm_out "$k" "$g")
		rm -f "$out/vm.status"
		echo "--- ${out##*/}: starting its VM"
		boot=
		[ "$g" = 0 ] && boot=$(boot_tests_for "$k")
		run_kernel "$k" "$(tests_for "$k" "$g")" "$out" "$boot" &
	done
done
wait

passed=0 failed=0 skipped=0 status=0
for k in "${kernels[@]}"; do
	for g in "${!groups[@]}"; do
		out=$(vm_out "$k" "$g")
		name=${out##*/}
		echo "=== $name"
		cat "$out/run-vm.log" "$out/ktap.log" 2>/dev/null
		vm_status=$(cat "$out/vm.status" 2>/dev/null || echo 1)
		p=0 f=0 s=0
		[ -f "$out/ktap.log" ] && read -r p f s < <("$here/ktap-count.sh" "$out/ktap.log")
		if [ "$vm_status" != 0 ] && [ "$f" = 0 ]; then
			f=1	# the VM itself failed: kernel splat, hang or crash
		fi
		echo "$name: $p passed, $f failed, $s skipped"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		[ "$vm_status" = 0 ] && [ "$f" = 0 ] || status=1
	done
done
if [ -f "$host_ktap" ]; then
	echo "=== host"
	cat "$host_ktap"
	read -r p f s < <("$here/ktap-count.sh" "$host_ktap")
	echo "host: $p passed, $f failed, $s skipped"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" = 0 ] || status=1
fi
echo "blkhold: $passed passed, $failed failed, $skipped skipped"
exit $status
