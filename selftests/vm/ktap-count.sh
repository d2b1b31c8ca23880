#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Count a KTAP log from guest-run.sh: prints "PASSED FAILED SKIPPED".
# Counted are the assertions of each test program ("# ok N ..."); a test
# program that failed without a failing assertion (crash, timeout) counts
# as one failure itself.
awk '
/^# (ok|not ok) [0-9]+/ {
	if ($2 == "not") { inner_fail++; f++ }
	else if ($0 ~ /# SKIP/) s++
	else p++
	next
}
/^# 1\.\.0 # SKIP/ { s++; next }
/^not ok [0-9]+/ { if (!inner_fail) f++; inner_fail = 0; next }
/^ok [0-9]+/ { inner_fail = 0; next }
END { printf "%d %d %d\n", p, f, s }
' "$1"
