#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The provisioning system told, against a real OpenStack Ironic (Debian's
# ironic-api and ironic-conductor, standalone: noauth, sqlite, json-rpc,
# the fake-hardware type), started here and stopped after, in a network
# namespace of its own: nothing reaches beyond it. A node is deployed
# (active); the Ansible module blkhold_ironic, given the holds of its
# storage host, protects it, and Ironic then refuses to undeploy it with
# its own "protected" error; once the holds are gone the module clears the
# flag and the undeploy goes through. Prints KTAP; exit status 0 when every
# assertion passed, 4 when Ironic is not installed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
work=$project/build/ironic
ns=blkhold-ironic-$$
api=http://127.0.0.1:6385
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n $*"; failed=1; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
echo "TAP version 13"
for cmd in ironic-api ironic-conductor ironic-dbsync ansible; do
	command -v "$cmd" >/dev/null || { echo "1..0 # SKIP no $cmd (apt-get install ironic-api ironic-conductor)"; exit 4; }
done

rm -rf "$work"
mkdir -p "$work/log" "$work/collections"
cleanup() {
	ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	sleep 0.5
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$ns" && ip netns exec "$ns" ip link set lo up ||
	{ echo "1..0 # SKIP cannot make a network namespace"; exit 4; }
in_ns() { ip netns exec "$ns" "$@"; }

cat >"$work/ironic.conf" <<EOF
[DEFAULT]
auth_strategy = noauth
rpc_transport = json-rpc
host = localhost
enabled_hardware_types = fake-hardware
enabled_boot_interfaces = fake
enabled_deploy_interfaces = fake
enabled_management_interfaces = fake
enabled_power_interfaces = fake
enabled_bios_interfaces = no-bios
enabled_console_interfaces = no-console
enabled_inspect_interfaces = no-inspect
enabled_network_interfaces = noop
enabled_raid_interfaces = no-raid
enabled_rescue_interfaces = no-rescue
enabled_storage_interfaces = noop
enabled_vendor_interfaces = no-vendor
log_dir = $work/log
[api]
host_ip = 127.0.0.1
port = 6385
[json_rpc]
auth_strategy = noauth
host_ip = 127.0.0.1
port = 8089
[database]
connection = sqlite:///$work/ironic.sqlite
[conductor]
automated_clean = false
[dhcp]
dhcp_provider = none
[oslo_concurrency]
lock_path = $work/lock
EOF
conf=(--config-file "$work/ironic.conf")
dbsync() { ironic-dbsync "${conf[@]}" create_schema >"$work/log/dbsync" 2>&1; }
check "ironic-dbsync makes the database" dbsync
in_ns ironic-conductor "${conf[@]}" >"$work/log/conductor.out" 2>&1 &
in_ns ironic-api "${conf[@]}" >"$work/log/api.out" 2>&1 &

# http METHOD PATH [JSON]: the API's reply on stdout, its status in $code
http() {
	local out
	out=$(in_ns curl -s -w '\n%{http_code}' -X "$1" -H 'X-OpenStack-Ironic-API-Version: 1.48' \
		-H 'Content-Type: application/json' ${3:+-d "$3"} "$api$2")
	code=${out##*$'\n'}
	printf '%s\n' "${out%$'\n'*}"
}
up() { http GET /v1 >/dev/null; [ "$code" = 200 ]; }
wait_until() {	# SECONDS COMMAND...
	local deadline=$((SECONDS + $1)); shift
	until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 1; done
}
state() { http GET /v1/nodes/held-node | python3 -c 'import json,sys; print(json.load(sys.stdin)["provision_state"])'; }
state_is() { [ "$(state)" = "$1" ]; }
provision() { http PUT /v1/nodes/held-node/states/provision "{\"target\": \"$1\"}" >/dev/null; }

conductor_up() { http GET /v1/drivers | grep -q '"name": "fake-hardware"'; }
check "ironic-api answers" wait_until 180 up
check "ironic-conductor offers fake-hardware" wait_until 180 conductor_up
http POST /v1/nodes '{"name": "held-node", "driver": "fake-hardware"}' >"$work/node.json"
check "a fake-hardware node is enrolled" test "$code" = 201
provision manage && wait_until 120 state_is manageable &&
	provision provide && wait_until 120 state_is available &&
	provision active && wait_until 120 state_is active
check "it is deployed (active)" state_is active

# The collection as ansible-galaxy builds it (make check builds the tarball).
version=$(sed -n 's/^version: //p' "$project/ansible/galaxy.yml")
export ANSIBLE_COLLECTIONS_PATH=$work/collections ANSIBLE_HOME=$work/ansible \
	ANSIBLE_LOCAL_TEMP=$work/ansible/tmp ANSIBLE_NOCOLOR=1 LC_ALL=C.UTF-8 \
	ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
ansible-galaxy collection install "$project/build/blkhold-holds-$version.tar.gz" \
	-p "$work/collections" >/dev/null 2>&1
guard() {	# HOLDS-JSON [ansible options]: run blkhold_ironic
	local holds=$1; shift
	in_ns ansible localhost -c local -m blkhold.holds.blkhold_ironic \
		-a "{\"url\": \"$api\", \"node\": \"held-node\", \"holds\": $holds}" "$@" 2>&1
}
out=$(guard '["CASE-2024-17", "CASE-2024-18"]' --check --diff)
check "check mode reports the change" grep -q "CHANGED" <<<"$out"
check "... and makes none" grep -q '"protected": false' <<<"$(http GET /v1/nodes/held-node)"
out=$(guard '["CASE-2024-17", "CASE-2024-18"]')
check "the module protects the node while its disks are held" grep -q "CHANGED" <<<"$out"
node=$(http GET /v1/nodes/held-node)
check "Ironic shows it protected, naming the cases" \
	grep -q '"protected_reason": "blkhold: CASE-2024-17, CASE-2024-18"' <<<"$node"
out=$(guard '["CASE-2024-18", "CASE-2024-17"]')
check "a second run changes nothing" grep -q "SUCCESS" <<<"$out"
http PUT /v1/nodes/held-node/states/provision '{"target": "deleted"}' >"$work/undeploy.json"
out=$(cat "$work/undeploy.json")
check "Ironic refuses to undeploy the held node (403)" test "$code" = 403
check "... with its own 'protected' error" grep -q "is protected" <<<"$out"
check "the node stays active" state_is active
out=$(guard '[]')
check "with the holds released the module clears the flag" grep -q "CHANGED" <<<"$out"
check "Ironic shows it unprotected" grep -q '"protected": false' <<<"$(http GET /v1/nodes/held-node)"
provision deleted
check "now the undeploy goes through" test "$code" = 202
out=$(guard '[]' 2>&1; in_ns ansible localhost -c local -m blkhold.holds.blkhold_ironic \
	-a "{\"url\": \"$api\", \"node\": \"no-such-node\", \"holds\": []}" 2>&1)
check "a node Ironic does not know fails with Ironic's message" grep -q "FAILED.*not found\|could not be found" <<<"$out"
echo "1..$n"
exit $failed
