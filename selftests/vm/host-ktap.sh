# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the tests that run on the VM host (boot-path.sh,
# reprovision.sh, package-root.sh, ansible-role.sh): KTAP results and the
# hashes they compare disk images by.
n=0 failed=0

report() {	# report STATUS DESCRIPTION [DETAILS]: DETAILS' tail on failure
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
		[ -n "${3:-}" ] && printf '%s\n' "$3" | tail -n 25 | sed 's/^/#   /'
	fi
	return 0
}

sectors() {	# sectors FILE START COUNT: sha256 of that range of an image
	dd if="$1" bs=1M skip=$(($2 * 512)) count=$(($3 * 512)) iflag=skip_bytes,count_bytes \
		status=none | sha256sum | cut -d' ' -f1
}

sum() { sha256sum <"$1" | cut -d' ' -f1; }
