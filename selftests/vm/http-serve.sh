#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One HTTP/1.0 answer on stdin/stdout, for QEMU's guestfwd: the guest's
# connection to the forwarded address is this program's standard input and
# output, so no socket opens on the host. Serves the files of DIR.
#
# usage: http-serve.sh DIR
dir=$1
read -r method path _ || exit 0
while read -r line; do
	line=$(printf '%s' "$line" | tr -d '\r')
	[ -z "$line" ] && break
done
file=$dir/$(basename "$path")
if [ "$method" = GET ] && [ -f "$file" ]; then
	printf 'HTTP/1.0 200 OK\r\nContent-Length: %s\r\nContent-Type: application/octet-stream\r\n\r\n' \
		"$(stat -c %s "$file")"
	cat "$file"
else
	printf 'HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n'
fi
