#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench": what blkhold costs on the I/O path, measured with fio in a
# VM per supported kernel (bench-guest.sh says what is run). Prints a table
# per kernel: median IOPS and p99 latency per case and their ratio to (a),
# computed per round against the (a) of the same round; writes
# build/bench/results.csv (every run) and build/bench/summary.csv.
# BENCH_RUNTIME (seconds per fio run) and BENCH_ROUNDS tune it;
# BENCH_CASES="a h i" runs only those cases ((a) always: the ratios need it).
#
# BENCH_CLOCK=icount (the default) runs the guest clock on instructions
# executed (run-vm.sh --icount): a guest second is a fixed number of
# instructions, so IOPS measure the instructions each I/O costs and the
# ratios no longer move with the host's load. BENCH_CLOCK=host measures
# wall-clock time under TCG instead, which is tens of percent noisy.
# "bench.sh --summarize" only recomputes the summary of the last results.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
cd "$project" || exit 1
out=$project/build/bench
mkdir -p "$out"

# The fingerprint against fio's sequential read of the same file, on the
# host: a guest under TCG hashes at the emulator's pace, not the CPU's. In
# /dev/shm hashing is the bottleneck, so the figure is its rate a core; on
# this host's disk (direct I/O) the fingerprint should keep up with fio.
fingerprint_host() {
	local threads=$((2 * $(nproc))) mib=1024 where file direct label fio_mibs fp one

	make -s -C userspace bench_fingerprint || return 1
	for where in /dev/shm "$out"; do
		file=$where/blkhold-fingerprint-bench
		head -c $((mib << 20)) /dev/urandom >"$file" || return 1
		if [ "$where" = /dev/shm ]; then
			direct=0 label="a 1 GiB file in /dev/shm"
		else
			direct=1 label="a 1 GiB file on the host's disk"
		fi
		fio_mibs=$(fio --name=seq --filename="$file" --rw=read --bs=1M --direct=$direct \
			--ioengine=psync --size=${mib}M --output-format=json |
			jq '.jobs[0].read.bw_bytes / 1048576')
		read -r fp one < <(userspace/bench_fingerprint "$file" "$threads")
		rm -f "$file"
		echo "host,fio sequential read of $label (MiB/s),$fio_mibs"
		echo "host,fingerprint of it by $threads threads (MiB/s),$fp"
		if [ $direct = 1 ]; then
			echo "host,fingerprint rate over fio's (goal 0.9 or more),$(awk -v a="$fp" -v b="$fio_mibs" 'BEGIN { printf "%.2f", a / b }')"
		fi
		echo "host,fingerprint of it by one thread (GiB/s a core),$(awk -v a="$one" 'BEGIN { printf "%.2f", a / 1024 }')"
	done >>"$out/holds.csv"
}

measure() {
	[ -n "${BLKHOLD_NO_INSTALL:-}" ] || "$here/install-deps.sh" || exit 1
	make -s -C userspace || exit 1
	cc -O2 -Wall -I include/uapi $(pkg-config --cflags libnl-genl-3.0) \
		-o build/bench-holds "$here/bench-holds.c" $(pkg-config --libs libnl-genl-3.0) || exit 1

	echo "kernel,device,rw,jobs,case,round,iops,p99_us" >"$out/results.csv"
	: >"$out/holds.csv"
	local clock=()
	local cases=${BENCH_CASES:-a b c d e f g h i}
	cases=${cases//,/ }
	if ! [[ " $cases " =~ \ a\  && $cases =~ ^[a-i\ ]+$ ]]; then
		echo "bench: BENCH_CASES must be letters a to i with a among them, not '$cases'" >&2
		exit 1
	fi
	case ${BENCH_CLOCK:=icount} in
	icount) clock=(--icount 1) ;;	# 2 ns an instruction: 500 MIPS
	host) ;;
	*) echo "bench: BENCH_CLOCK must be icount or host, not '$BENCH_CLOCK'" >&2
	   exit 1 ;;
	esac
	mapfile -t kernels < <("$here/kernels.sh")
	for k in "${kernels[@]}"; do
		"$here/build-module.sh" "$k" || exit 1
	done
	for k in "${kernels[@]}"; do
		"$here/run-vm.sh" --kernel "$k" --script "$here/bench-guest.sh" \
			--out "$out/$k" --timeout 3000 --mem 2048 "${clock[@]}" \
			--env "BENCH_CLOCK=$BENCH_CLOCK" \
			--env "BENCH_RUNTIME=${BENCH_RUNTIME:-2}" \
			--env "BENCH_ROUNDS=${BENCH_ROUNDS:-3}" \
			--env "BENCH_CASES=${cases// /,}" || exit 1
		sed -n 's/^csv,//p' "$out/$k/ktap.log" >>"$out/results.csv"
		sed -n 's/^holds,//p' "$out/$k/ktap.log" >>"$out/holds.csv"
	done
	fingerprint_host || echo "bench: the fingerprint figures could not be measured" >&2
}

if [ "${1:-}" != --summarize ]; then
	measure || exit 1
fi

# Per round, ratio of a case to that round's (a); then medians.
awk -F, '
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NR > 1 {
	key = $1 "," $2 "," $3 "," $4
	if ($5 == "a") base[key "," $6] = $7
	iops[key "," $5] = iops[key "," $5] " " $7
	p99[key "," $5] = p99[key "," $5] " " $8
	run[key "," $5 "," $6] = $7
	if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
}
END {
	print "kernel,device,rw,jobs,case,median_iops,median_p99_us,ratio_to_a"
	for (k = 1; k <= nk; k++) {
		for (ci = 1; ci <= 9; ci++) {
			c = substr("abcdefghi", ci, 1)
			if (!((keys[k] "," c) in iops)) continue
			ratios = ""
			for (r = 1; (keys[k] "," c "," r) in run; r++)
				ratios = ratios " " run[keys[k] "," c "," r] / base[keys[k] "," r]
			printf "%s,%s,%d,%d,%.4f\n", keys[k], c, median(iops[keys[k] "," c]),
				median(p99[keys[k] "," c]), median(ratios)
		}
	}
}' "$out/results.csv" >"$out/summary.csv"

# The targets, per configuration: (b) >= 0.995, (c) and (d) >= 0.99,
# blkhold's overhead (1 - c) at most a fifth of dm-linear's, and 1,000
# ranges on a disk within 2% of 4, beside them (f) >= 0.98 (g) and
# between them (h) >= 0.98 (i) (benchmark.rst: a write passes three
# lookups of log2(ranges) halvings each).
awk -F, '
NR > 1 { key = $1 "," $2 "," $3 "," $4; r[key "," $5] = $8
	 if (!(key in seen)) { seen[key] = 1; keys[++nk] = key } }
function verdict(ok) { return ok ? "met" : "MISSED" }
# case x of @key against @min: the verdict, or "-" when x was not run
function atleast(key, x, min) { return (key "," x) in r ? verdict(r[key "," x] >= min) : "-" }
# case x against case y of @key: "x/y verdict", or "-" without both
function against(key, x, y) {
	if (!((key "," x) in r) || !((key "," y) in r)) return "-"
	return sprintf("%.4f %s", r[key "," x] / r[key "," y],
		       verdict(r[key "," x] >= 0.98 * r[key "," y]))
}
END {
	print "kernel,device,rw,jobs,b>=0.995,c>=0.99,d>=0.99,c_overhead/e_overhead<=0.2,f/g>=0.98,h/i>=0.98"
	for (k = 1; k <= nk; k++) {
		key = keys[k]
		share = "-"
		if ((key ",c") in r && (key ",e") in r) {
			oe = 1 - r[key ",e"]; oc = 1 - r[key ",c"]
			share = oc <= 0 ? "0" : oe > 0 ? sprintf("%.2f", oc / oe) : "n/a"
			share = share " " verdict(oc <= 0 || (oe > 0 && oc / oe <= 0.2))
		}
		printf "%s,%s,%s,%s,%s,%s,%s\n", key, atleast(key, "b", 0.995),
			atleast(key, "c", 0.99), atleast(key, "d", 0.99), share,
			against(key, "f", "g"), against(key, "h", "i")
	}
}' "$out/summary.csv" >"$out/targets.csv"

echo
echo "Cases: a not loaded, b loaded without holds, c 10,000 holds on other"
echo "volumes, d reads of the held device, e dm-linear without blkhold,"
echo "f the device's unheld half while 1,000 ranges of the other are held,"
echo "g the same with 4 ranges, h the gaps between the 1,000 held ranges,"
echo "i the same I/O with 4 held ranges."
column -s, -t "$out/summary.csv"
echo
column -s, -t "$out/targets.csv"
echo
# a measure whose label names a target (seconds) says whether it was met
awk -F, '{ verdict = ""
	if (match($2, /target [0-9.]+/))
		verdict = $3 + 0 <= substr($2, RSTART + 7, RLENGTH - 7) + 0 ? "  met" : "  MISSED"
	if (match($2, /goal [0-9.]+ or more/))
		verdict = $3 + 0 >= substr($2, RSTART + 5, RLENGTH - 13) + 0 ? "  met" : "  MISSED"
	printf "%-22s %-50s %s%s\n", $1, $2, $3, verdict }' "$out/holds.csv"
echo
echo "Every run: $out/results.csv; summary: $out/summary.csv;" \
	"targets: $out/targets.csv"
