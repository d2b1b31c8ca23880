#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The collection as ansible-galaxy built it (build/blkhold-holds-*.tar.gz),
# installed into scratch space: its playbook and a play using its role must
# pass ansible-playbook --syntax-check, and ansible-doc must read every
# module's documentation. ansible.sh runs them in a VM.
set -euo pipefail

project=$(cd "$(dirname "$0")/../.." && pwd)
tarball=$(ls "$project"/build/blkhold-holds-*.tar.gz)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C.UTF-8 ANSIBLE_HOME=$tmp/home ANSIBLE_COLLECTIONS_PATH=$tmp/collections
ansible-galaxy collection install "$tarball" -p "$ANSIBLE_COLLECTIONS_PATH" >/dev/null
cat >"$tmp/role.yml" <<'EOP'
- hosts: localhost
  roles:
    - blkhold.holds.install
EOP
for play in blkhold.holds.case_hold "$tmp/role.yml"; do
	ansible-playbook --syntax-check "$play" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
done
for module in blkhold_hold blkhold_facts; do
	ansible-doc "blkhold.holds.$module" >"$tmp/log" 2>&1 && ! grep -q ERROR "$tmp/log" ||
		{ cat "$tmp/log" >&2; exit 1; }
done
